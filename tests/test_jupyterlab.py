"""JupyterLab as a student and as an instructor find it, through its REST API.

- The student: a fresh clone of the published edition (from the stand-in for GitHub),
  its README's one command, `python3 tasks.py lab`, which makes the environment and
  opens JupyterLab on the course. The launcher offers one kernel, "Python 3
  (nn-course)", and the notebooks open on it, unchanged (no unsaved-changes dot) and
  with no news or update question over them (in chromium, in both editions);
  nbgrader shows only Validate (no Formgrader, Create Assignment, course or assignment
  list: the edition has no exchange), and Validate works; nothing above the edition
  is served.
- The instructor: a fresh clone of this repository; the Formgrader works on its first
  open (a gradebook that does not exist yet) and the exchange-backed lists answer.
"""

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from grader.course import ROOT, assignments
from helpers import setup
from tests.browser import launched_browser, needs_chromium
from tests.conftest import EDITION_REPOSITORY

COURSE_KERNEL = {"python3": "Python 3 (nn-course)"}  # name (what notebooks ask for): shown as

INSTRUCTOR_PLUGINS = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list",
                      "@jupyter/nbgrader:menu"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server started by a command; ``get``/``post`` speak to its API."""

    def __init__(self, command: list[str], cwd: Path, env: dict, log: Path, wait: float):
        self.port, self.token = _free_port(), "course-test-token"
        command = [*command, "--no-browser", f"--port={self.port}", "--ip=127.0.0.1",
                   f"--IdentityProvider.token={self.token}"]
        self.log = log
        with log.open("w") as handle:
            self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=handle,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + wait
        while True:
            try:
                self.get("/api/status")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(log.read_text()[-3000:]) from None
                time.sleep(1)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=urllib.parse.urlencode(data).encode() if data is not None else None,
            headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def get(self, path: str) -> tuple[int, str]:
        return self.request(path)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _page_config(lab: Lab) -> dict:
    status, page = lab.get("/lab")
    assert status == 200
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.S)
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def student_lab(fake_github, tmp_path_factory):
    root, gitconfig = fake_github
    home = tmp_path_factory.mktemp("student-home")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("VIRTUAL_ENV", "JUPYTER", "PYTHON"))}
    env.update(GIT_CONFIG_GLOBAL=str(gitconfig), HOME=str(home),
               PATH=os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                    if ".venv" not in p))
    clone = home / "neural-networks"
    subprocess.run(["git", "clone", "-q", f"https://github.com/{EDITION_REPOSITORY}",
                    str(clone)], env=env, check=True, timeout=120)
    python = sys.base_prefix + "/bin/python3"  # the machine's Python, not the course's
    lab = Lab([python, "tasks.py", "lab"], clone, env, home / "lab.log", wait=1200)
    yield clone, lab
    lab.stop()


def test_the_student_s_lab_serves_the_edition_and_nothing_above_it(student_lab):
    clone, lab = student_lab
    status, listing = lab.get("/api/contents")
    names = {item["name"] for item in json.loads(listing)["content"]}
    assert status == 200 and {"course", "helpers", "data", "README.md", "tasks.py"} <= names
    assert not names & {"solutions", "grader", "tests"}
    status, course = lab.get("/api/contents/course")
    assert {i["name"] for i in json.loads(course)["content"]} == set(assignments())
    for outside in ("/api/contents/..", "/api/contents/%2E%2E/%2E%2E", "/files/../tasks.py"):
        assert lab.get(outside)[0] in (403, 404), outside


def test_the_notebooks_open_with_the_environment_s_kernel(student_lab):
    clone, lab = student_lab
    path = "course/01_neurons_and_layers/01_neurons_and_layers.ipynb"
    status, body = lab.get(f"/api/contents/{path}")
    wanted = json.loads(body)["content"]["metadata"]["kernelspec"]["name"]
    status, specs = lab.get("/api/kernelspecs")
    assert wanted in json.loads(specs)["kernelspecs"]
    request = urllib.request.Request(  # start the notebook's kernel, as opening it does
        f"http://127.0.0.1:{lab.port}/api/kernels", data=json.dumps({"name": wanted}).encode(),
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        kernel = json.loads(response.read())["id"]
    deadline = time.monotonic() + 60
    found = None
    while found is None and time.monotonic() < deadline:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if f"kernel-{kernel}" in Path(f"/proc/{pid}/cmdline").read_text():
                    found = pid
            except OSError:
                continue
        time.sleep(0.5)
    assert found is not None, "the kernel did not start"
    venv = (clone / ".venv").resolve()
    command = Path(f"/proc/{found}/cmdline").read_text().split("\0")
    environ = Path(f"/proc/{found}/environ").read_bytes().split(b"\0")
    path = next(e for e in environ if e.startswith(b"PATH=")).decode()[5:]
    # the kernel is "python" found on PATH (ipykernel's own spec) or a path: the venv's
    assert command[0] in ("python", "python3") or Path(command[0]).is_relative_to(venv), command
    assert path.split(os.pathsep)[0] == str(venv / "bin"), path  # "python" is the venv's


def test_the_student_s_lab_shows_validate_and_no_instructor_tool(student_lab):
    _, lab = student_lab
    disabled = set(_page_config(lab).get("disabledExtensions", []))
    assert INSTRUCTOR_PLUGINS <= disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    for path in ("/formgrader", "/formgrader/api/assignments", "/courses",
                 "/assignments?course_id=nn-course"):
        assert lab.get(path)[0] == 404, path  # no such tool: nothing that could fail


def test_validate_works_in_the_student_s_lab(student_lab):
    _, lab = student_lab
    status, body = lab.request("/assignments/validate", {
        "path": "course/04_activations/04_activations.ipynb"})
    result = json.loads(body)
    assert status == 200 and result["success"] is True, body[:2000]
    assert "NotWritten" in json.dumps(result) and "CHANGED" not in json.dumps(result)


@pytest.fixture(scope="module")
def instructor_lab(tmp_path_factory):
    """This repository freshly cloned (no gradebook yet), served by its tasks.py lab."""
    home = tmp_path_factory.mktemp("instructor")
    clone = home / "course"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    spec = importlib.util.spec_from_file_location("clone_tasks", clone / "tasks.py")
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    saved = os.environ["PATH"]  # a shell whose PATH lacks the environment's programs
    os.environ["PATH"] = os.pathsep.join(p for p in saved.split(os.pathsep) if ".venv" not in p)
    try:
        command, env = tasks.lab_command(Path(sys.executable))  # the course's environment
    finally:
        os.environ["PATH"] = saved
    assert not (clone / "grader" / "gradebook.db").exists()
    lab = Lab(command, clone, env, home / "lab.log", wait=600)
    yield clone, lab
    lab.stop()


def test_the_formgrader_works_on_its_first_open(instructor_lab):
    clone, lab = instructor_lab
    status, page = lab.get("/formgrader")
    assert status == 200, page[-2000:]
    status, listing = lab.get("/formgrader/api/assignments")
    assert status == 200 and "01_neurons_and_layers" in listing, listing[-2000:]
    assert (clone / "grader" / "gradebook.db").exists()


def test_the_instructor_s_lists_answer_without_an_exchange_error(instructor_lab):
    clone, lab = instructor_lab
    status, courses = lab.get("/courses")
    assert status == 200 and json.loads(courses)["success"] is True, courses
    status, listing = lab.get("/assignments?course_id=nn-course")
    assert status == 200 and json.loads(listing)["success"] is True, listing
    assert (clone / "grader" / "exchange").is_dir()


LABS = ["student_lab", "instructor_lab"]


@pytest.mark.parametrize("which", LABS)
def test_the_launcher_offers_one_kernel_and_every_notebook_opens_on_it(which, request):
    """20.7: not "Python 3 (ipykernel)" beside "Python 3 (nn-course)"; what the README and
    the setup messages name is what the launcher shows."""
    clone, lab = request.getfixturevalue(which)
    specs = json.loads(lab.get("/api/kernelspecs")[1])
    offered = {name: spec["spec"]["display_name"] for name, spec in specs["kernelspecs"].items()}
    assert offered == COURSE_KERNEL and specs["default"] in COURSE_KERNEL, offered
    for assignment in assignments():
        status, body = lab.get(f"/api/contents/course/{assignment}/{assignment}.ipynb")
        kernelspec = json.loads(body)["content"]["metadata"]["kernelspec"]
        assert {kernelspec["name"]: kernelspec["display_name"]} == COURSE_KERNEL, assignment
    said = (clone / "README.md").read_text() + setup.SETUP_CELL + Path(setup.__file__).read_text()
    assert set(re.findall(r"Python 3 \([^)]*\)", said)) <= set(COURSE_KERNEL.values())


def _kernel_idle(lab: Lab, path: str) -> bool:
    sessions = json.loads(lab.get("/api/sessions")[1])
    return any(s["path"] == path and s["kernel"]["execution_state"] == "idle" for s in sessions)


@needs_chromium
@pytest.mark.parametrize("which", LABS)
def test_a_notebook_opens_unchanged_with_nothing_over_it(which, request):
    """20.8: no unsaved-changes dot once the kernel has connected, and no "official Jupyter
    news?" question (nor an update notice) over the notebook, in a browser opening the lab
    for the first time."""
    _, lab = request.getfixturevalue(which)
    path = "course/05_softmax_cross_entropy/05_softmax_cross_entropy.ipynb"
    with launched_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"http://127.0.0.1:{lab.port}/lab/tree/{path}?token={lab.token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        deadline = time.monotonic() + 120
        while not _kernel_idle(lab, path) and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        page.wait_for_timeout(3000)  # the kernel's info reaches the notebook's model
        kernel = page.locator(".jp-Toolbar-kernelName").all_inner_texts()
        dirty = page.locator(".lm-TabBar-tab.jp-mod-dirty").all_inner_texts()
        toasts = page.locator(".Toastify__toast").all_inner_texts()
    assert kernel == list(COURSE_KERNEL.values()), kernel
    assert dirty == [] and toasts == [], (dirty, toasts)
    status, body = lab.get("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    settings = json.loads(body)
    assert "fetchNews" not in settings["settings"]  # the course's default, not a click
    assert settings["schema"]["properties"]["fetchNews"]["default"] == "false"
