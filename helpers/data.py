"""Data sets of the course, bundled so that every loader works with no network.

Loaders return NumPy arrays and never depend on the notebook's folder: they look in
``$NN_COURSE_DATA`` if set, then inside the installed package (``helpers/_data``),
then in a checkout's ``data/``. Each file's sha256 is checked before it is used.

    load_mnist()          -> (x_train, y_train), (x_test, y_test)   5,000 digits, 4,000 / 1,000
    load_fashion_mnist()  -> (x_train, y_train), (x_test, y_test)   14,000 images, 12,000 / 2,000
    load_coffee_data()    -> X, y                                   generated from a seed
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

__all__ = [
    "FASHION_CLASS_NAMES",
    "DataIntegrityError",
    "DataUnavailableError",
    "data_file",
    "load_coffee_data",
    "load_fashion_mnist",
    "load_mnist",
]

FASHION_CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

SHA256 = {
    "mnist_5k.npz": "246e0c30eeea57c8d0037d3f38c8e00651ec204cc61b8022563e9aeeb9d756f4",
    "fashion_mnist_subset.npz": "c1addc46ce92f31a12f35f1f40278671bac68c80bb0ce367dd77c79f455e7bf2",
}

MNIST_SPLIT_SEED = 2024
MNIST_TEST_PER_DIGIT = 100
_REINSTALL_HINT = (
    "Restore it with `git checkout -- data/` in a clone of the course, or reinstall the "
    "helpers package (`pip install --force-reinstall nn-course-helpers` from the course's "
    "source) on Colab."
)


class DataUnavailableError(RuntimeError):
    """A data set cannot be loaded here (file missing, or no network for ``full=True``)."""


class DataIntegrityError(RuntimeError):
    """A bundled data file is not the file the course shipped (its sha256 differs)."""


def _search_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("NN_COURSE_DATA"):
        dirs.append(Path(os.environ["NN_COURSE_DATA"]))
    here = Path(__file__).resolve().parent
    dirs += [here / "_data", here.parent / "data"]
    return dirs


def data_file(name: str) -> Path:
    """Path of the bundled file ``name`` after checking its sha256."""
    candidates = [d / name for d in _search_dirs()]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        searched = "\n  ".join(str(p) for p in candidates)
        raise DataUnavailableError(
            f"The course data file {name!r} was not found. Looked in:\n  {searched}\n"
            + _REINSTALL_HINT
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256[name]:
        raise DataIntegrityError(
            f"The data file {path} is damaged or not the one the course ships: its sha256 "
            f"is {digest}, expected {SHA256[name]}. " + _REINSTALL_HINT
        )
    return path


def _load_full_from_keras(name: str):
    try:
        from tensorflow import keras

        return getattr(keras.datasets, name).load_data()
    except Exception as exc:  # offline, blocked host, or no TensorFlow
        raise DataUnavailableError(
            f"full=True downloads the official {name} set through tf.keras.datasets, "
            f"which failed here ({type(exc).__name__}: {exc}). Without a network, use the "
            f"bundled subset: load_{name}() with full=False (the default)."
        ) from exc


def load_mnist(full: bool = False):
    """MNIST digits as ``(x_train, y_train), (x_test, y_test)``.

    Bundled (default): 5,000 images, 500 per digit, split per digit by a seeded
    permutation into 4,000 train and 1,000 test. ``x_*`` are ``(m, 28, 28)`` uint8
    in 0..255 and ``y_*`` are ``(m,)`` uint8 in 0..9.
    ``full=True``: the official 60,000 / 10,000 through Keras (needs a network).
    """
    if full:
        return _load_full_from_keras("mnist")
    with np.load(data_file("mnist_5k.npz")) as raw:
        images, labels = raw["images"], raw["labels"]
    rng = np.random.default_rng(MNIST_SPLIT_SEED)
    train_rows, test_rows = [], []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        test_rows.append(rows[:MNIST_TEST_PER_DIGIT])
        train_rows.append(rows[MNIST_TEST_PER_DIGIT:])
    train = rng.permutation(np.concatenate(train_rows))
    test = rng.permutation(np.concatenate(test_rows))
    return (images[train], labels[train]), (images[test], labels[test])


def load_fashion_mnist(full: bool = False):
    """Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Bundled (default): 12,000 train and 2,000 test images, 1,200 and 200 per class,
    with no image in both splits (see data/README.md). ``x_*`` are ``(m, 28, 28)``
    uint8 in 0..255, ``y_*`` are ``(m,)`` uint8 in 0..9; names in FASHION_CLASS_NAMES.
    ``full=True``: the official 60,000 / 10,000 through Keras (needs a network).
    """
    if full:
        return _load_full_from_keras("fashion_mnist")
    with np.load(data_file("fashion_mnist_subset.npz")) as raw:
        return (raw["x_train"], raw["y_train"]), (raw["x_test"], raw["y_test"])


COFFEE_TEMPERATURE_RANGE = (150.0, 285.0)  # degrees Celsius
COFFEE_DURATION_RANGE = (11.5, 15.5)  # minutes


def coffee_is_good(temperature, duration):
    """The rule that labels a roast good (1) or bad (0); arrays broadcast.

    Good when 175 < temperature < 260 and 12 < duration < 15 and the roast is not
    overdone: duration <= 21 - 3/85 * temperature, a line falling from 14.8 min at
    175 C to 11.8 min at 260 C (the hotter the roast, the shorter it may last).
    """
    temperature = np.asarray(temperature, dtype=float)
    duration = np.asarray(duration, dtype=float)
    return (
        (temperature > 175) & (temperature < 260)
        & (duration > 12) & (duration < 15)
        & (duration <= 21 - 3 / 85 * temperature)
    ).astype(float)


def load_coffee_data(m: int = 200, seed: int = 2):
    """Coffee-roasting data ``X, y``: temperature and duration -> good roast.

    ``X`` is ``(m, 2)`` float64, column 0 the temperature in degrees Celsius
    (150..285), column 1 the duration in minutes (11.5..15.5), drawn uniformly
    from a seeded generator. ``y`` is ``(m, 1)`` float64 of 0 and 1 from
    ``coffee_is_good``. The same ``m`` and ``seed`` give the same arrays everywhere.
    """
    rng = np.random.default_rng(seed)
    unit = rng.random((m, 2))
    low = np.array([COFFEE_TEMPERATURE_RANGE[0], COFFEE_DURATION_RANGE[0]])
    high = np.array([COFFEE_TEMPERATURE_RANGE[1], COFFEE_DURATION_RANGE[1]])
    X = low + unit * (high - low)
    y = coffee_is_good(X[:, 0], X[:, 1]).reshape(-1, 1)
    return X, y
