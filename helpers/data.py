"""Data sets of the course, bundled so that every loader works with no network.

Loaders return NumPy arrays and never depend on the notebook's folder: they look in
``$NN_COURSE_DATA`` if set, then inside the installed package (``helpers/_data``),
then in a checkout's ``data/``. Each file's sha256 is checked before it is used.

    load_mnist()          -> (x_train, y_train), (x_test, y_test)   5,000 digits, 4,000 / 1,000
    load_fashion_mnist()  -> (x_train, y_train), (x_test, y_test)   14,000 images, 12,000 / 2,000
    load_coffee_data()    -> X, y                                   generated from a seed
    load_four_blobs()     -> X, y                                   2-D, four classes, seeded
    load_mnist_canvases() -> (x_train, labels_train), (x_test, labels_test)
                             three-slot canvases of MNIST digits, multi-label, seeded
    make_heartbeat()      -> t, x, beats                            synthetic ECG-like, seeded
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from .i18n import _

__all__ = [
    "FASHION_CLASS_NAMES",
    "DataIntegrityError",
    "DataUnavailableError",
    "data_file",
    "load_coffee_data",
    "load_fashion_mnist",
    "load_four_blobs",
    "load_mnist",
    "load_mnist_canvases",
    "make_heartbeat",
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


def _reinstall_hint() -> str:
    """How to get a missing or damaged data file back, in the reader's language."""
    return _("Restore it with `git checkout -- data/` in a clone of the course, or reinstall "
             "the helpers package (`pip install --force-reinstall nn-course-helpers` from the "
             "course's source) on Colab.")


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
            _("The course data file {name} was not found. Looked in:").format(name=repr(name))
            + f"\n  {searched}\n" + _reinstall_hint()
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256[name]:
        raise DataIntegrityError(
            _("The data file {path} is damaged or not the one the course ships: its sha256 "
              "is {digest}, expected {expected}.").format(path=path, digest=digest,
                                                          expected=SHA256[name])
            + " " + _reinstall_hint()
        )
    return path


def _load_full_from_keras(name: str):
    try:
        from tensorflow import keras

        return getattr(keras.datasets, name).load_data()
    except Exception as exc:  # offline, blocked host, or no TensorFlow
        raise DataUnavailableError(
            _("full=True downloads the official {name} set through tf.keras.datasets, which "
              "failed here ({error}). Without a network, use the bundled subset: load_{name}() "
              "with full=False (the default).").format(name=name,
                                                       error=f"{type(exc).__name__}: {exc}")
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


BLOB_CENTERS = ((-5.0, 2.0), (-1.0, -2.0), (1.0, 2.0), (5.0, -2.0))  # class 0, 1, 2, 3


def load_four_blobs(m: int = 400, seed: int = 1, std: float = 1.0):
    """A 2-D data set of four classes: ``X, y``, one round blob of points per class.

    Class ``k`` is a Gaussian blob of standard deviation ``std`` around
    ``BLOB_CENTERS[k]``; the ``m`` points are split as evenly as possible between the
    classes (``m // 4`` or one more each) and come in a random order. ``X`` is
    ``(m, 2)`` float64, ``y`` is ``(m,)`` int64 in 0..3. The same arguments give the
    same arrays everywhere.
    """
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(m) % len(BLOB_CENTERS)).astype(np.int64)
    X = np.asarray(BLOB_CENTERS)[y] + rng.normal(scale=std, size=(m, 2))
    return X, y


CANVAS_SLOTS = 3  # a canvas is CANVAS_SLOTS MNIST digits wide: 28 x 84 pixels


def _canvases(images, labels, m: int, rng):
    """``m`` canvases of ``images`` (of digits ``labels``) and each canvas's label set."""
    n_digits = rng.integers(1, CANVAS_SLOTS + 1, size=m)            # 1 to 3 digits
    slot_rank = np.argsort(rng.random((m, CANVAS_SLOTS)), axis=1)   # which slots hold them
    digits = np.where(slot_rank < n_digits[:, None],
                      rng.integers(0, 10, size=(m, CANVAS_SLOTS)), -1)
    canvases = np.zeros((m, 28, 28 * CANVAS_SLOTS), dtype=np.uint8)
    for slot in range(CANVAS_SLOTS):
        for digit in range(10):
            rows = np.flatnonzero(digits[:, slot] == digit)
            pool = np.flatnonzero(labels == digit)
            canvases[rows, :, 28 * slot:28 * (slot + 1)] = images[rng.choice(pool, len(rows))]
    label_sets = [tuple(sorted({int(d) for d in row if d >= 0})) for row in digits]
    return canvases, label_sets


def load_mnist_canvases(n_train: int = 16000, n_test: int = 2000, seed: int = 0):
    """Multi-label images: canvases of MNIST digits, labelled with the digits they hold.

    A canvas is 28 x 84 pixels, three fixed 28 x 28 slots side by side. Each canvas
    holds 1, 2 or 3 digits (equally often) in randomly chosen slots; the other slots
    are blank (0). Each digit is drawn uniformly from 0..9 and its image uniformly
    from the images of that digit, so one image can appear in several canvases, and a
    canvas may hold the same digit twice.

    Split: training canvases are made only from the 4,000 training images of
    ``load_mnist()``, test canvases only from its 1,000 test images, so no test digit
    image is in a training canvas. The two use separate random streams of ``seed``:
    the test canvases do not depend on ``n_train``.

    Returns ``(x_train, labels_train), (x_test, labels_test)``: ``x_*`` are
    ``(m, 28, 84)`` uint8 in 0..255; ``labels_*`` are lists of ``m`` tuples, each the
    sorted, distinct digits on that canvas (e.g. ``(3, 7)``, never empty).
    """
    (x_train, y_train), (x_test, y_test) = load_mnist()
    train = _canvases(x_train, y_train, n_train, np.random.default_rng([seed, 0]))
    test = _canvases(x_test, y_test, n_test, np.random.default_rng([seed, 1]))
    return train, test


HEARTBEAT_WAVES = (  # (wave, offset from the R peak in seconds, amplitude, width in seconds)
    ("P", -0.20, 0.12, 0.025),
    ("Q", -0.035, -0.15, 0.008),
    ("R", 0.0, 1.0, 0.010),
    ("S", 0.035, -0.30, 0.010),
    ("T", 0.28, 0.30, 0.045),
)


def make_heartbeat(seconds: float = 10.0, rate: int = 250, bpm: float = 72.0,
                   noise: float = 0.05, seed: int = 0):
    """A seeded synthetic heartbeat-like signal, a much simplified ECG: ``t, x, beats``.

    Each beat is the sum of five Gaussian bumps, the P, Q, R, S and T waves of an
    electrocardiogram (``HEARTBEAT_WAVES``: offset from the R peak, amplitude, width).
    Beats follow each other every 60 / ``bpm`` seconds, each interval varied by up to
    +-8 %; a slow baseline drift (amplitude 0.1, 0.2 to 0.3 Hz) and Gaussian noise of
    standard deviation ``noise`` are added.

    ``t`` is ``(n,)`` float64, the times in seconds of the ``n = round(seconds * rate)``
    samples (``rate`` per second); ``x`` is ``(n,)`` float64, the signal (R peaks near 1);
    ``beats`` is ``(k,)`` int64, the sample index of each R peak, increasing. The same
    arguments give the same arrays everywhere.
    """
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    period = 60.0 / bpm
    intervals = period * rng.uniform(0.92, 1.08, size=int(seconds / period) + 3)
    peaks = period * rng.uniform(0.3, 0.7) + np.concatenate([[0.0], np.cumsum(intervals)])
    x = np.zeros(n)
    for _wave, offset, amplitude, width in HEARTBEAT_WAVES:
        bumps = np.exp(-0.5 * ((t[None, :] - peaks[:, None] - offset) / width) ** 2)
        x += amplitude * bumps.sum(axis=0)
    x += 0.1 * np.sin(2 * np.pi * rng.uniform(0.2, 0.3) * t + rng.uniform(0.0, 2 * np.pi))
    x += rng.normal(scale=noise, size=n)
    beats = np.round(peaks * rate).astype(np.int64)
    return t, x, beats[beats < n]
