"""Installing the course: the helpers wheel (Colab), and the environment of tasks.py."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return next(out.glob("nn_course_helpers-*.whl"))


def test_wheel_ships_the_data_and_keeps_tensorflow_optional(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert {"helpers/_data/mnist_5k.npz", "helpers/_data/fashion_mnist_subset.npz"} <= names
    assert not any(n.startswith(("grader/", "tests/", "solutions/")) for n in names)
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    for line in requires:
        if "tensorflow" in line:
            assert "extra ==" in line, f"TensorFlow must stay optional: {line}"
        assert "==" not in line.split(";")[0], f"pinned requirement: {line}"
    numpy = next(line for line in requires if "numpy" in line)
    assert ">=" in numpy


def test_installing_the_wheel_where_numpy_and_tensorflow_exist_changes_neither(wheel, tmp_path):
    report = tmp_path / "report.json"
    subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index",
                    "--quiet", "--report", str(report), str(wheel)], check=True)
    installs = [item["metadata"]["name"] for item in json.loads(report.read_text())["install"]]
    assert installs == ["nn-course-helpers"]


def _jupyter(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "jupyter", *args], capture_output=True,
                          text=True, check=True)
    return done.stdout + done.stderr


def test_the_course_kernel_is_registered():
    kernels = Path(sys.prefix) / "share" / "jupyter" / "kernels"
    kernel = json.loads((kernels / "python3" / "kernel.json").read_text())  # the notebooks' name
    assert Path(kernel["argv"][0]).resolve() == Path(sys.executable).resolve()
    assert kernel["display_name"] == "Python 3 (nn-course)"
    assert sorted(p.name for p in kernels.iterdir()) == ["python3"]  # one kernel


def test_nbgrader_extensions_are_enabled():
    labextensions = _jupyter("labextension", "list")
    assert "@jupyter/nbgrader" in labextensions and "enabled" in labextensions
    server = _jupyter("server", "extension", "list")
    assert "nbgrader.server_extensions.formgrader" in server


def test_tasks_env_is_idempotent():
    done = subprocess.run([sys.executable, str(ROOT / "tasks.py"), "env"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    assert "Installing" not in done.stdout and "Course environment ready" in done.stdout


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tasks_lab_serves_the_course_with_nbgrader(tmp_path):
    import signal
    import time
    import urllib.request

    import nbgrader

    port, token = _free_port(), "course-test"
    log = (tmp_path / "lab.log").open("w")
    lab = subprocess.Popen(
        [sys.executable, str(ROOT / "tasks.py"), "lab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={token}"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def get(path: str) -> tuple[int, str]:
        sep = "&" if "?" in path else "?"
        url = f"http://127.0.0.1:{port}{path}{sep}token={token}"
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read().decode()

    try:
        deadline = time.monotonic() + 600  # a lab starts in about 5 s
        while True:
            try:
                get("/api/status")
                break
            except OSError:
                assert lab.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "lab.log").read_text()[-2000:]
                time.sleep(0.5)
        status, page = get("/lab/tree/course")
        assert status == 200 and "JupyterLab" in page
        status, listing = get("/api/contents/course")
        assert "01_neurons_and_layers" in listing
        assert get(f"/nbgrader_version?version={nbgrader.__version__}")[0] == 200
        status, assignments = get("/formgrader/api/assignments")
        assert status == 200 and "01_neurons_and_layers" in assignments
        assert lab.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, signal.SIGTERM)
            lab.wait(timeout=30)
