"""Shared helpers of the neural-networks course.

Modules: ``setup`` (the first cell of every notebook), ``data`` (bundled data sets),
``checks`` (what test cells call), ``plots``, ``widgets`` and ``quizzes``.
Import the module you need, e.g. ``from helpers.data import load_mnist``.
"""

__version__ = "0.1.0"
