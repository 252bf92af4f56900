"""Build data/ from the raw sets in ../shared/data (run once by an author, never at run time).

    python tools/make_data.py [RAW_DIR]

- data/mnist_5k.npz is copied byte for byte (its sha256 is the source's).
- data/fashion_mnist_subset.npz is a fixed, seeded, class-balanced split of
  Fashion-MNIST: 1,200 train and 200 test images per class (12,000 / 2,000).
  Exact duplicate images are reduced to one copy before sampling, so no image
  appears in both splits.
Prints the sha256 of each file, for helpers/data.py.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FASHION_SEED = 20261122
TRAIN_PER_CLASS = 1200
TEST_PER_CLASS = 200


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def first_copy_mask(images: np.ndarray) -> np.ndarray:
    """True for the first occurrence of every distinct image, False for exact repeats."""
    seen: set[bytes] = set()
    keep = np.zeros(len(images), dtype=bool)
    for i, image in enumerate(images):
        key = hashlib.sha1(image.tobytes()).digest()
        if key not in seen:
            seen.add(key)
            keep[i] = True
    return keep


def fashion_split(images: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(FASHION_SEED)
    unique = np.flatnonzero(first_copy_mask(images))
    train_rows, test_rows = [], []
    for label in range(10):
        rows = unique[labels[unique] == label]
        rows = rng.permutation(rows)
        test_rows.append(rows[:TEST_PER_CLASS])
        train_rows.append(rows[TEST_PER_CLASS:TEST_PER_CLASS + TRAIN_PER_CLASS])
    train = rng.permutation(np.concatenate(train_rows))
    test = rng.permutation(np.concatenate(test_rows))
    return {
        "x_train": images[train], "y_train": labels[train],
        "x_test": images[test], "y_test": labels[test],
        "source_row_train": train.astype(np.int32), "source_row_test": test.astype(np.int32),
    }


def main(raw_dir: Path) -> None:
    out = ROOT / "data"
    shutil.copyfile(raw_dir / "mnist_5k.npz", out / "mnist_5k.npz")
    raw = np.load(raw_dir / "fashion_mnist_70k.npz")
    np.savez_compressed(out / "fashion_mnist_subset.npz",
                        **fashion_split(raw["images"], raw["labels"]))
    for name in ("mnist_5k.npz", "fashion_mnist_subset.npz"):
        print(f"{name}: {sha256(out / name)}  ({(out / name).stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
