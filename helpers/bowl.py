"""The elongated quadratic bowl of notebook 07, and paths of optimisers across it.

    f(w) = (w1^2 + 25 w2^2) / 2,   grad f(w) = (w1, 25 w2),   minimum at (0, 0)

Its curvature is 25 times larger along w2 than along w1 (condition number 25).
The path functions take the step functions you write, so you can watch your own code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CURVATURES = np.array([1.0, 25.0])
START = np.array([-4.0, 1.0])

__all__ = ["CURVATURES", "START", "adam_path", "bowl", "bowl_gradient", "gd_path"]


def bowl(w):
    """f(w) for w of shape (..., 2): one value per point."""
    w = np.asarray(w, dtype=float)
    return 0.5 * (CURVATURES[0] * w[..., 0] ** 2 + CURVATURES[1] * w[..., 1] ** 2)


def bowl_gradient(w):
    """grad f(w) = (w1, 25 w2) for w of shape (2,)."""
    return CURVATURES * np.asarray(w, dtype=float)


def gd_path(gd_step: Callable, lr: float, steps: int, start=START) -> np.ndarray:
    """Points visited by ``w = gd_step(w, grad, lr)``: shape (steps + 1, 2)."""
    w = np.array(start, dtype=float)
    path = [w]
    for _ in range(steps):
        w = gd_step(w, bowl_gradient(w), lr)
        path.append(w)
    return np.array(path)


def adam_path(adam_step: Callable, lr: float, steps: int, beta1: float = 0.9,
              beta2: float = 0.999, start=START) -> np.ndarray:
    """Points visited by ``adam_step`` from zero moments, t = 1, 2, ...: shape (steps + 1, 2)."""
    w = np.array(start, dtype=float)
    m, v = np.zeros_like(w), np.zeros_like(w)
    path = [w]
    for t in range(1, steps + 1):
        w, m, v = adam_step(w, bowl_gradient(w), m, v, t, lr=lr, beta1=beta1, beta2=beta2)
        path.append(w)
    return np.array(path)
