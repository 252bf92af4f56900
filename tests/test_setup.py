"""helpers.setup: the shared setup cell, version checks, seeds."""

import ast
import os
import subprocess
import sys

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


TF_221_IMPORT = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    "I0000 00:00:1795384983.511814   16236 port.cc:153] oneDNN custom operations are on. "
    "You may see slightly different numerical results.\n"
    "2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] "
    "Could not find cuda drivers on your machine, GPU will not be used.\n"
    "E0000 00:00:1758131045.203198 3722035 cuda_dnn.cc:8579] Unable to register cuDNN factory\n"
)
KEPT = ("F0000 00:00:1795384983.5   16236 port.cc:9] Check failed: fatal\n"
        "ImportError: libfoo.so: cannot open shared object file\n"
        "I0000 is how a student might start a line\n")


def test_tensorflow_start_up_lines_are_dropped_and_everything_else_kept():
    assert setup.drop_startup_noise(TF_221_IMPORT) == ""
    assert setup.drop_startup_noise(TF_221_IMPORT + KEPT + TF_221_IMPORT) == KEPT


def test_native_stderr_passes_on_what_is_not_start_up_noise():
    code = ("import os\nfrom helpers.setup import native_stderr_without_startup_noise\n"
            "with native_stderr_without_startup_noise():\n"
            f"    os.write(2, {(TF_221_IMPORT + KEPT).encode()!r})\n"
            "os.write(2, b'after\\n')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, KEPT + "after\n")


def test_importing_tensorflow_in_the_setup_cell_writes_nothing_to_stderr():
    """TF 2.21 logs at import despite TF_CPP_MIN_LOG_LEVEL; the setup cell must stay clean."""
    done = subprocess.run(
        [sys.executable, "-c", "from helpers.setup import setup_notebook; setup_notebook()"],
        capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                             if not k.startswith(("TF_", "ABSL_"))})
    assert done.returncode == 0 and "seed 42" in done.stdout
    assert done.stderr == ""


def test_reference_sigmoid_is_exact_and_never_overflows():
    from helpers.nn import sigmoid

    z = np.array([-1e4, -745.0, -30.0, 0.0, 2.0, 1e4])
    with np.errstate(all="raise", under="ignore"):
        got = sigmoid(z)
    assert got[3] == 0.5 and got[-1] == 1.0 and got[0] == 0.0
    assert np.isclose(got[2], 1 / (1 + np.exp(30.0)), rtol=1e-12)
    assert np.isclose(got[4], 1 / (1 + np.exp(-2.0)), rtol=1e-15)
