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


# ------------------------------------------------------------------ BLAS threads
def _blas_threads_after(code: str, env: dict | None = None) -> dict:
    """Run ``code`` in a fresh Python, then load SciPy's BLAS too; the thread counts of
    NumPy's BLAS and of every BLAS loaded."""
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport json, numpy, scipy.linalg, threadpoolctl\n"
         "pools = [p for p in threadpoolctl.threadpool_info() if p['user_api'] == 'blas']\n"
         "print(json.dumps({'numpy': [p['num_threads'] for p in pools if 'numpy' in "
         "p['filepath']], 'all': sorted({p['num_threads'] for p in pools})}))"],
        capture_output=True, text=True, check=True,
        env={**{k: v for k, v in os.environ.items()
                if not k.endswith("_NUM_THREADS") and k != "NN_COURSE_BLAS_THREADS"},
             **(env or {})})
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


SETUP = "from helpers.setup import setup_notebook\nsetup_notebook(verbose=False)"


def test_setup_notebook_runs_blas_on_one_thread():
    """Under load a BLAS pool on every core slows 10's training 40-fold (22.14); a BLAS
    loaded after the setup cell (SciPy's) is capped too."""
    default = _blas_threads_after("import numpy")
    capped = _blas_threads_after(SETUP)
    assert capped == {"numpy": [1], "all": [1]}, (default, capped)
    assert _blas_threads_after(SETUP, {"NN_COURSE_BLAS_THREADS": "0"}) == default


def test_without_threadpoolctl_the_cap_goes_through_the_environment():
    code = ("import sys\nsys.modules['threadpoolctl'] = None  # not installed\n"
            "from helpers.setup import limit_blas_threads\n"
            "assert limit_blas_threads() == 1\n"
            "del sys.modules['threadpoolctl']\n")
    assert _blas_threads_after(code) == {"numpy": [1], "all": [1]}
    late = ("import sys\nimport numpy\nsys.modules['threadpoolctl'] = None\n"
            "from helpers.setup import limit_blas_threads\n"
            "assert limit_blas_threads() is None  # too late for NumPy's pool\n"
            "del sys.modules['threadpoolctl']\n")
    assert _blas_threads_after(late)["numpy"] == _blas_threads_after("import numpy")["numpy"]


# ------------------------------------------------------------------ the setup cell
def test_the_setup_cell_runs_where_there_is_no_ipython():
    """The checker runs read-only cells with exec(), the setup cell among them."""
    code = f"exec(compile({setup.SETUP_CELL!r}, 'setup', 'exec'), {{}})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and "seed 42" in done.stdout, done.stderr[-2000:]


def _bare_git_repository(folder) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    (folder / "README").write_text("a course without its tag\n")
    for command in (["git", "init", "-q"], ["git", "add", "README"],
                    ["git", "commit", "-q", "-m", "one"]):
        subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
    return f"file://{folder}"


IPYTHON_RUN = """
import importlib.util, json, sys
from IPython.core.interactiveshell import InteractiveShell
found = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name == "helpers" else found(name, *a)
shell = InteractiveShell.instance()
shown = []
shell.showtraceback = lambda *a, **k: shown.append(shell._get_exc_info()[1])
report = []
for source in json.loads(sys.argv[1]):
    shown.clear()
    shell.run_cell(source)
    error = shown[0] if shown else None
    report.append(None if error is None else
                  [type(error).__name__, error._render_traceback_()
                   if hasattr(error, "_render_traceback_") else str(error)])
print(json.dumps(report))
"""


def _run_in_ipython(cells: list[str], source: str) -> list:
    """Run ``cells`` in an IPython shell where helpers cannot be found (as on Colab)."""
    import json

    env = {**os.environ, "NN_COURSE_HELPERS_SOURCE": source, "GIT_CONFIG_GLOBAL": os.devnull,
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run([sys.executable, "-c", IPYTHON_RUN, json.dumps(cells)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("failure, words", [
    ("no network", "not connected to the internet"),
    ("unknown repository", "does not exist or is private"),
    ("no such tag", "has no such tag"),
])
def test_a_failed_install_says_why_and_later_cells_say_one_line(failure, words, tmp_path):
    """20.9: the reason in the learner's words, not "(pip failed)"; then one line a cell."""
    if failure == "no network":  # a host that never resolves, as offline
        source = "nn-course-helpers @ git+https://no-network.invalid/owner/course@v1"
    elif failure == "unknown repository":
        source = f"nn-course-helpers @ git+file://{tmp_path}/nobody/no-such-course@v1"
    else:
        source = f"nn-course-helpers @ git+{_bare_git_repository(tmp_path)}@no-such-tag"
    setup_run, imports, again = _run_in_ipython(
        [setup.SETUP_CELL, "import numpy as np\nimport tensorflow as tf\nfrom helpers import data",
         "print('never runs')"], source)
    assert setup_run[0] == "SetupError", setup_run
    message = "\n".join(setup_run[1])
    assert words in message and "pip failed" not in message and len(message.splitlines()) == 2
    for later in (imports, again):
        assert later == ["SetupError", ["SetupError: run the first cell: the course is not "
                                        "installed"]], later
