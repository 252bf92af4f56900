"""helpers.setup: the shared setup cell, version checks, seeds."""

import ast
import os

import numpy as np
import pytest

from helpers import setup


def test_setup_cell_is_valid_python_and_names_its_install_source():
    ast.parse(setup.SETUP_CELL)
    assert setup.HELPERS_SOURCE in setup.SETUP_CELL
    assert "NN_COURSE_HELPERS_SOURCE" in setup.SETUP_CELL
    assert f"setup_notebook(seed={setup.DEFAULT_SEED})" in setup.SETUP_CELL


def test_colab_badge_points_at_the_student_notebook():
    url = setup.colab_badge_url("01_neurons_and_layers")
    assert url.endswith("/course/01_neurons_and_layers/01_neurons_and_layers.ipynb")
    assert setup.COURSE_REPOSITORY in url


def test_old_versions_are_refused_with_the_fix():
    setup.check_versions({"numpy": "2.1.0", "tensorflow": "2.16.1", "keras": "3.0.2"})
    with pytest.raises(RuntimeError, match=r"tensorflow 2.15.0 \(needs 2.16 or newer\)"):
        setup.check_versions({"tensorflow": "2.15.0", "keras": "3.3.1"})
    with pytest.raises(RuntimeError, match="keras 2.15.0"):
        setup.check_versions({"tensorflow": "2.16.0", "keras": "2.15.0"})


def test_setup_notebook_quiets_tensorflow_and_fixes_seeds(capsys):
    setup.setup_notebook(seed=3)
    first = np.random.rand(3)
    setup.setup_notebook(seed=3)
    assert np.array_equal(first, np.random.rand(3))
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    out, err = capsys.readouterr()
    assert "TensorFlow 2." in out and "Keras 3." in out and "seed 3" in out and err == ""
    assert not setup.in_colab()


def test_reference_sigmoid_is_exact_and_never_overflows():
    from helpers.nn import sigmoid

    z = np.array([-1e4, -745.0, -30.0, 0.0, 2.0, 1e4])
    with np.errstate(all="raise", under="ignore"):
        got = sigmoid(z)
    assert got[3] == 0.5 and got[-1] == 1.0 and got[0] == 0.0
    assert np.isclose(got[2], 1 / (1 + np.exp(30.0)), rtol=1e-12)
    assert np.isclose(got[4], 1 / (1 + np.exp(-2.0)), rtol=1e-15)
