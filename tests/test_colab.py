"""Colab, simulated: each notebook alone, its first cell installing helpers from "GitHub".

One Python 3.12 environment with Colab's own packages (NumPy 2.0.2, TensorFlow 2.19,
Keras 3.8, ipywidgets 7.7.1, IPython 7.34, ipykernel 6.17, threadpoolctl 3.6) stands in for a Colab
runtime, with a stub ``google.colab`` imported at start. The published edition is
served from a local git repository standing in for GitHub (git's ``insteadOf``, through
GIT_CONFIG_GLOBAL), so the notebooks are the published ones, untouched. Each solved
notebook runs alone in an empty folder: its setup cell installs ``helpers`` and
changes no other installed package (``pip freeze`` before and after), and it runs top
to bottom with no error and no stderr. The setup cell also fails well: without a
network or with an unknown repository it says so in two lines and stops before
TensorFlow, and every later cell the learner runs anyway answers one line; its local
override works in a kernel that is not Colab. On Colab the setup cell says what of the
notebook's grading applies there, and NumPy's BLAS runs on one thread.
"""

import glob
import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from grader.course import assignments
from grader.release import filled_release
from helpers.setup import COLAB_NOTE, helpers_source
from tests.conftest import EDITION_REF, EDITION_REPOSITORY, SPANISH_REPOSITORY

COLAB_PACKAGES = ["numpy==2.0.2", "tensorflow-cpu==2.19.0", "keras==3.8.0", "ipywidgets==7.7.1",
                  "ipython==7.34.0", "ipykernel==6.17.1", "matplotlib==3.10.0", "scipy==1.15.3",
                  "threadpoolctl==3.6.0"]
STUB = "def enable_custom_widget_manager():\n    print('custom widget manager enabled')\n"


def _python312() -> str | None:
    candidates = [shutil.which("python3.12")] + sorted(
        glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")))
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    return None


pytestmark = pytest.mark.skipif(_python312() is None and not os.environ.get(
    "NN_COURSE_REQUIRE_SANDBOX"), reason="Python 3.12 (for a Colab-like runtime) is not installed")


@pytest.fixture(scope="session")
def colab(tmp_path_factory, fake_github):
    """The Colab stand-in: its python, a kernelspec dir, and the kernel's environment."""
    root = tmp_path_factory.mktemp("colab")
    venv = root / "venv"
    subprocess.run([_python312(), "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    # --no-compile: the kernels compile what they import (TensorFlow's other thousands of
    # files would cost CI a minute of byte-compiling for nothing)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-compile", *COLAB_PACKAGES],
                   check=True, timeout=1500)
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    (site / "google" / "colab").mkdir(parents=True)
    (site / "google" / "colab" / "__init__.py").write_text("")
    (site / "google" / "colab" / "output.py").write_text(STUB)
    (site / "zz_fake_colab.pth").write_text(
        "import os; os.environ.get('NN_COURSE_FAKE_COLAB') and __import__('google.colab')\n")
    kernels = root / "kernels"
    for name, colab_like in (("colab", True), ("plain312", False)):
        (kernels / name).mkdir(parents=True)
        (kernels / name / "kernel.json").write_text(json.dumps({
            "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": name, "language": "python",
            "env": {"NN_COURSE_FAKE_COLAB": "1"} if colab_like else {}}))
    _, gitconfig = fake_github
    home = root / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TF_", "MPL", "NBGRADER", "NN_COURSE", "VIRTUAL_ENV",
                                  "PYTHON", "JUPYTER", "PIP_"))}
    env.update(GIT_CONFIG_GLOBAL=str(gitconfig), HOME=str(home),
               PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_CACHE_DIR=os.path.expanduser("~/.cache/pip"))
    return python, kernels, env


def _freeze(python) -> set[str]:
    done = subprocess.run([python, "-m", "pip", "freeze"], capture_output=True, text=True,
                          check=True)
    return {line for line in done.stdout.splitlines() if line.strip()}


def _run(notebook, colab, kernel: str, folder: Path, extra_env: dict | None = None,
         run_all: bool = False):
    """Execute ``notebook``; ``run_all`` stops at the first error, as Run All does."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from grader.kernels import unix_sockets

    _, kernels, env = colab
    with unix_sockets() as sockets:  # not TCP: another test's client can take a free port
        manager = KernelManager(kernel_name=kernel, **sockets, kernel_spec_manager=(
            KernelSpecManager(kernel_dirs=[str(kernels)])))
        client = NotebookClient(notebook, km=manager, timeout=600, allow_errors=not run_all,
                                resources={"metadata": {"path": str(folder)}})
        try:
            client.execute(env={**env, **(extra_env or {})}, cwd=str(folder))
        except CellExecutionError:
            if not run_all:
                raise
        finally:  # a kernel handed to nbclient is the caller's to stop, and so is its
            # client: a client left running would ping the dead kernel's sockets for the
            # rest of the run
            if client.kc is not None:
                client.kc.stop_channels()
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
    return notebook


def _problems(notebook) -> list[str]:
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"cell {index}: {output.ename}: {output.evalue[:300]}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {index} wrote to stderr: {output.text[:300]}")
    return found


@pytest.mark.parametrize("assignment", assignments())
def test_each_notebook_alone_on_colab_installs_helpers_only_and_runs_clean(
        assignment, colab, edition, tmp_path):
    python = colab[0]
    subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "--yes", "nn-course-helpers"],
                   capture_output=True)
    before = _freeze(python)
    notebook = filled_release(assignment, release_root=edition / "course")
    _run(notebook, colab, "colab", tmp_path)
    added, removed = _freeze(python) - before, before - _freeze(python)
    assert removed == set() and [line.split(" @ ")[0] for line in added] == [
        "nn-course-helpers"], (added, removed)
    assert _problems(notebook) == []
    setup_output = "".join(o.get("text", "") for o in notebook.cells[1].outputs)
    assert "Colab" in setup_output and "TensorFlow 2.19" in setup_output
    assert COLAB_NOTE in setup_output  # grading and Validate: where an instructor grades
    assert "custom widget manager enabled" not in setup_output  # ipywidgets 7 needs none
    quizzes = [o for c in notebook.cells if c.source.startswith("quiz(") for o in c.outputs]
    assert quizzes and all("application/vnd.jupyter.widget-view+json" in o.data
                           and "Self-check" in o.data["text/plain"] for o in quizzes)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written beside it


def test_a_spanish_notebook_alone_on_colab_speaks_spanish(colab, edition_es, tmp_path):
    """The Spanish edition's badge notebook installs the Spanish edition's helpers (from
    its own repository and tag) and runs clean: the setup's Colab note, the quizzes'
    widgets and the checks speak Spanish, from the compiled catalogue it installs."""
    from helpers.i18n import catalogue

    spanish = catalogue("es")
    python = colab[0]
    subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "--yes", "nn-course-helpers"],
                   capture_output=True)
    assignment = "05_softmax_cross_entropy"
    notebook = filled_release(assignment, release_root=edition_es / "course")
    assert SPANISH_REPOSITORY in notebook.cells[1].source
    _run(notebook, colab, "colab", tmp_path)
    assert _problems(notebook) == []
    setup_output = "".join(o.get("text", "") for o in notebook.cells[1].outputs)
    assert spanish[COLAB_NOTE] in setup_output and COLAB_NOTE not in setup_output
    shown = subprocess.run([python, "-c", "import helpers.i18n as i; print(i.language(), "
                            "i.__file__)"], capture_output=True, text=True, check=True,
                           cwd=tmp_path, env=colab[2])
    assert shown.stdout.startswith("es ") and "site-packages" in shown.stdout
    quizzes = [o for c in notebook.cells if c.source.startswith("quiz(") for o in c.outputs]
    assert quizzes and all("application/vnd.jupyter.widget-view+json" in o.data
                           and "Autoevaluación" in o.data["text/plain"]
                           and "Self-check" not in o.data["text/plain"] for o in quizzes)
    assert spanish["Self-check {question_id}"].startswith("Autoevaluación")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _setup_only(edition):
    notebook = nbformat.read(edition / "course" / "01_neurons_and_layers" /
                             "01_neurons_and_layers.ipynb", as_version=4)
    notebook.cells = [c for c in notebook.cells if c.cell_type == "code"][:2]
    return notebook


def test_an_install_that_cannot_work_says_so_in_two_lines_and_stops(colab, edition, tmp_path):
    python = colab[0]
    subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "--yes", "nn-course-helpers"],
                   capture_output=True)
    notebook = _run(_setup_only(edition), colab, "colab", tmp_path, {
        "NN_COURSE_HELPERS_SOURCE": helpers_source("nobody/no-such-course", "v0")}, run_all=True)
    setup = notebook.cells[0].outputs
    assert [o.output_type for o in setup] == ["error"]
    message = "\n".join(setup[0].traceback)
    assert setup[0].ename == "SetupError" and len(message.splitlines()) <= 2, message
    assert "could not install the course's helpers" in message and "repository" in message
    assert not any(word in message for word in ("absl", "tensorflow", "Traceback"))
    assert "does not exist or is private" in message and "pip failed" not in message
    assert notebook.cells[1].outputs == []  # Run All stopped at the setup cell


def test_cells_run_after_a_failed_install_answer_one_line_each(colab, edition, tmp_path):
    """20.9: not TensorFlow's start-up noise and a ModuleNotFoundError."""
    python = colab[0]
    subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "--yes", "nn-course-helpers"],
                   capture_output=True)
    notebook = _setup_only(edition)
    notebook.cells.append(nbformat.v4.new_code_cell("import tensorflow as tf\nprint(tf)"))
    _run(notebook, colab, "colab", tmp_path, {  # each cell run by hand, whatever it says
        "NN_COURSE_HELPERS_SOURCE": helpers_source(EDITION_REPOSITORY, "no-such-tag")})
    assert "has no such tag" in "\n".join(notebook.cells[0].outputs[0].traceback)
    for later in notebook.cells[1:]:
        assert [(o.output_type, o.get("ename"), o.get("traceback")) for o in later.outputs] == [
            ("error", "SetupError",
             ["SetupError: run the first cell: the course is not installed"])], later.outputs


def test_on_colab_blas_runs_on_one_thread(colab, edition, tmp_path):
    python = colab[0]
    subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "--yes", "nn-course-helpers"],
                   capture_output=True)
    notebook = _setup_only(edition)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import threadpoolctl\nprint(sorted({p['num_threads'] for p in "
        "threadpoolctl.threadpool_info() if p['user_api'] == 'blas'}))"))
    _run(notebook, colab, "colab", tmp_path)
    assert _problems(notebook) == []
    assert COLAB_NOTE in "".join(o.get("text", "") for o in notebook.cells[0].outputs)
    assert notebook.cells[2].outputs[0].text.strip() == "[1]"


def test_the_override_works_in_a_kernel_that_is_not_colab(colab, edition, tmp_path):
    python = colab[0]
    subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "--yes", "nn-course-helpers"],
                   capture_output=True)
    notebook = _run(_setup_only(edition), colab, "plain312", tmp_path, run_all=True)
    error = notebook.cells[0].outputs[0]
    assert error.ename == "SetupError" and "tasks.py lab" in error.traceback[0]
    source = helpers_source(EDITION_REPOSITORY, EDITION_REF)
    notebook = _run(_setup_only(edition), colab, "plain312", tmp_path,
                    {"NN_COURSE_HELPERS_SOURCE": source})
    assert _problems(notebook) == []
    assert "local | seed 42" in notebook.cells[0].outputs[0].text


def test_the_colab_stand_in_is_colab_s(colab):
    python, *_ = colab
    versions = subprocess.run([python, "-c", (
        "import numpy, tensorflow, ipywidgets, IPython, sys; print(sys.version_info[:2], "
        "numpy.__version__, tensorflow.__version__, ipywidgets.__version__, IPython.__version__)"
    )], capture_output=True, text=True, check=True).stdout
    assert "(3, 12) 2.0.2 2.19" in versions and "7.7.1 7.34.0" in versions, versions
