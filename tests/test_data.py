"""helpers.data: shapes, dtypes, splits, checksums and the errors a student may meet."""

import hashlib
import shutil

import numpy as np
import pytest

from helpers import data


@pytest.fixture(scope="module")
def mnist():
    return data.load_mnist()


@pytest.fixture(scope="module")
def fashion():
    return data.load_fashion_mnist()


def _image_keys(images):
    return {hashlib.sha1(image.tobytes()).digest() for image in images}


def test_mnist_shapes_dtypes_and_balance(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert x_train.max() == 255 and x_train.min() == 0
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10


def test_fashion_shapes_dtypes_and_balance(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (12000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert x_train.dtype == np.uint8 and y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [1200] * 10
    assert np.bincount(y_test).tolist() == [200] * 10
    assert len(data.FASHION_CLASS_NAMES) == 10


@pytest.mark.parametrize("loader", ["mnist", "fashion"])
def test_no_image_is_in_both_splits(loader, request):
    (x_train, _), (x_test, _) = request.getfixturevalue(loader)
    assert not _image_keys(x_train) & _image_keys(x_test)


def test_splits_are_fixed(mnist):
    (x_train, y_train), _ = data.load_mnist()
    assert np.array_equal(x_train, mnist[0][0]) and np.array_equal(y_train, mnist[0][1])


def test_coffee_data_is_seeded_and_follows_its_rule():
    X, y = data.load_coffee_data()
    assert X.shape == (200, 2) and y.shape == (200, 1)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert np.array_equal(X, data.load_coffee_data()[0])
    assert not np.array_equal(X, data.load_coffee_data(seed=3)[0])
    assert 150 <= X[:, 0].min() and X[:, 0].max() <= 285
    assert 11.5 <= X[:, 1].min() and X[:, 1].max() <= 15.5
    assert set(np.unique(y)) == {0.0, 1.0} and 0.15 < y.mean() < 0.5
    # the documented rule, point by point
    assert data.coffee_is_good(200, 13.0) == 1  # limit at 200 C: 21 - 600/85 = 13.94 min
    assert data.coffee_is_good(200, 14.0) == 0  # just over that limit: overdone
    assert data.coffee_is_good(180, 14.5) == 1  # limit 14.65 min
    assert data.coffee_is_good(170, 13.0) == 0  # too cold
    assert data.coffee_is_good(255, 12.5) == 0  # limit at 255 C: 12.0 min
    assert data.coffee_is_good(230, 15.2) == 0  # too long


def test_checksum_mismatch_names_the_file_and_the_fix(tmp_path, monkeypatch, root):
    damaged = tmp_path / "mnist_5k.npz"
    shutil.copyfile(root / "data" / "mnist_5k.npz", damaged)
    raw = bytearray(damaged.read_bytes())
    raw[-100] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    monkeypatch.setenv("NN_COURSE_DATA", str(tmp_path))
    with pytest.raises(data.DataIntegrityError, match="mnist_5k.npz") as error:
        data.load_mnist()
    assert "sha256" in str(error.value) and "git checkout" in str(error.value)


def test_missing_file_names_the_file_and_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_search_dirs", lambda: [tmp_path])
    with pytest.raises(data.DataUnavailableError, match="fashion_mnist_subset.npz") as error:
        data.load_fashion_mnist()
    assert str(tmp_path) in str(error.value) and "reinstall" in str(error.value)


@pytest.mark.parametrize("name, loader", [("mnist", data.load_mnist),
                                          ("fashion_mnist", data.load_fashion_mnist)])
def test_full_offline_says_so_and_names_the_bundled_subset(name, loader, monkeypatch):
    import keras

    def offline():
        raise OSError("URL fetch failure: network is unreachable")

    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", offline)
    with pytest.raises(data.DataUnavailableError) as error:
        loader(full=True)
    message = str(error.value)
    assert "network is unreachable" in message and f"load_{name}()" in message
    assert "full=False" in message
