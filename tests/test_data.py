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


def test_heartbeat_is_seeded_and_its_beats_are_the_r_peaks():
    t, x, beats = data.make_heartbeat()
    assert t.shape == x.shape == (2500,) and t.dtype == x.dtype == np.float64
    assert beats.dtype == np.int64 and np.all(np.diff(beats) > 0)
    assert np.allclose(np.diff(t), 1 / 250) and t[0] == 0.0
    again = data.make_heartbeat()
    assert all(np.array_equal(a, b) for a, b in zip((t, x, beats), again, strict=True))
    assert not np.array_equal(x, data.make_heartbeat(seed=1)[1])
    # about 72 beats a minute, each interval within +-8 % of 60/72 s
    assert len(beats) in (11, 12, 13)
    assert np.all(np.abs(np.diff(beats) / 250 - 60 / 72) <= 0.08 * 60 / 72 + 1 / 250)
    # each R peak is the highest sample around it, near 1; without noise exactly so
    for beat in beats:
        window = x[max(beat - 25, 0):beat + 25]
        assert abs(np.argmax(window) - min(beat, 25)) <= 2 and 0.7 < x[beat] < 1.3
    _, clean, clean_beats = data.make_heartbeat(seconds=3.0, rate=100, bpm=60, noise=0.0, seed=3)
    assert clean.shape == (300,) and len(clean_beats) == 3
    assert np.all(np.abs(clean[clean_beats] - 1.0) < 0.15)


def test_four_blobs_are_seeded_balanced_and_around_their_centres():
    X, y = data.load_four_blobs()
    assert X.shape == (400, 2) and y.shape == (400,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100] * 4
    again = data.load_four_blobs()
    assert np.array_equal(X, again[0]) and np.array_equal(y, again[1])
    assert not np.array_equal(X, data.load_four_blobs(seed=2)[0])
    centres = np.array(data.BLOB_CENTERS)
    for k in range(4):
        assert np.linalg.norm(X[y == k].mean(axis=0) - centres[k]) < 0.3
        assert 0.8 < X[y == k].std(axis=0).mean() < 1.2
    X_odd, y_odd = data.load_four_blobs(m=10, seed=5, std=0.1)
    assert np.bincount(y_odd).tolist() == [3, 3, 2, 2]
    assert np.abs(X_odd - centres[y_odd]).max() < 0.5


@pytest.fixture(scope="module")
def canvases():
    return data.load_mnist_canvases(n_train=3000, n_test=600, seed=4)


def _slot_images(canvases):
    """Each canvas's three 28 x 28 slots: (m, 3, 28, 28)."""
    return canvases.reshape(len(canvases), 28, 3, 28).transpose(0, 2, 1, 3)


def test_canvases_shapes_dtypes_and_seeds(canvases):
    (x_train, labels_train), (x_test, labels_test) = canvases
    assert x_train.shape == (3000, 28, 84) and x_test.shape == (600, 28, 84)
    assert x_train.dtype == x_test.dtype == np.uint8
    assert len(labels_train) == 3000 and len(labels_test) == 600
    assert all(isinstance(s, tuple) and s == tuple(sorted(set(s))) and 1 <= len(s) <= 3
               and all(isinstance(d, int) and 0 <= d <= 9 for d in s)
               for s in labels_train + labels_test)
    (x_again, labels_again), (x_test_again, _) = data.load_mnist_canvases(3000, 600, seed=4)
    assert np.array_equal(x_train, x_again) and labels_again == labels_train
    assert np.array_equal(x_test, x_test_again)
    # the test canvases depend on the seed and n_test only
    _, (x_test_other_n, _) = data.load_mnist_canvases(n_train=10, n_test=600, seed=4)
    assert np.array_equal(x_test, x_test_other_n)
    _, (x_test_other_seed, _) = data.load_mnist_canvases(n_train=10, n_test=600, seed=5)
    assert not np.array_equal(x_test, x_test_other_seed)
    # 1, 2 and 3 digits equally often, every digit in every slot
    slots = _slot_images(x_train)
    filled = slots.reshape(3000, 3, -1).any(axis=2)
    assert np.allclose(np.bincount(filled.sum(axis=1))[1:] / 3000, 1 / 3, atol=0.04)
    assert np.allclose(filled.mean(axis=0), 2 / 3, atol=0.04)


def test_canvas_labels_are_the_digits_in_their_slots_and_no_test_digit_is_trained_on(
        canvases, mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    digit_of = {hashlib.sha1(image.tobytes()).digest(): int(label)
                for images, labels in ((x_train, y_train), (x_test, y_test))
                for image, label in zip(images, labels, strict=True)}
    train_keys, test_keys = _image_keys(x_train), _image_keys(x_test)
    for (x_canvas, label_sets), allowed in zip(canvases, (train_keys, test_keys), strict=True):
        for slots, label_set in zip(_slot_images(x_canvas), label_sets, strict=True):
            keys = [hashlib.sha1(np.ascontiguousarray(s).tobytes()).digest()
                    for s in slots if s.any()]
            assert keys and all(key in allowed for key in keys)  # no test digit in training
            assert label_set == tuple(sorted({digit_of[key] for key in keys}))


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
