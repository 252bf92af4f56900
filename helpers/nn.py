"""Reference building blocks that notebooks after the one that teaches them may use.

Notebook 01 asks you to write ``sigmoid`` yourself, notebook 05 ``softmax``; the
notebooks after those use these, so that a mistake in an earlier exercise does not
spill into later ones.
"""

from __future__ import annotations

import numpy as np

__all__ = ["relu", "sigmoid", "softmax"]


def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), elementwise; never overflows.

    Computed as exp(-log(1 + exp(-z))) with ``np.logaddexp``. Returns float64 of z's shape.
    """
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))


def relu(z):
    """Rectified linear unit max(0, z), elementwise; float64 of z's shape."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def softmax(z, axis: int = -1):
    """Softmax along ``axis`` (the last by default), stable for any logits.

    Subtracting each row's maximum leaves the result unchanged and keeps exp <= 1.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
