"""Plausible student mistakes and alternative correct answers, per assignment.

Each module ``nbXX.py`` defines ``MISTAKES`` and ``ALTERNATIVES``: dicts from the
grade_id of a solution cell to a list of ``(description, source)`` pairs. Every
mistake must make at least one of that cell's tests fail; every alternative must
pass them all.
"""


def function_source(signature: str, body: str) -> str:
    """Source of ``def <signature>:`` with ``body`` indented under it."""
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"\ndef {signature}:\n{lines}\n"
