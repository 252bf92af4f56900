"""Broken, hostile and unusual submissions, graded in one class with honest ones.

One class of 04_activations is graded with two workers, through the real pipeline:
sandboxed kernels, test cells in the checker. Every case's score is compared with a
baseline computed in the same run, never typed in:

- broken files, edited or deleted cells, runaway code get the status stated below and
  the honest students beside them are graded in full;
- tampering (patching NumPy, builtins or ``helpers`` in the kernel, loading modules
  through the import system, lying objects, ndarray subclasses, results that change,
  functions that detect grading, reaching the course's reference code, answering the
  bridge with garbage) earns exactly what the same wrong answer earns without it;
- snooping (decoy files the test plants, a listener the test opens on the host) finds
  nothing: the function that would answer right only if it had found something scores
  as the wrong answer;
- honest styles (a dataclass, helpers with any name, lambdas, np.vectorize, %timeit,
  prints, out-of-order execution counts) get full points.
"""

import csv
import os
import re
import socket
import threading
import time

import nbformat
import pytest

from grader.course import HIDDEN_BLOCK, SOLUTIONS
from grader.grade import grade_class
from grader.release import filled_release, without_lesson_cells
from grader.sandbox import Limits, sandbox_problem

pytestmark = pytest.mark.skipif(
    sandbox_problem() is not None and not os.environ.get("NN_COURSE_REQUIRE_SANDBOX"),
    reason=f"bubblewrap cannot run here: {sandbox_problem()}")

A = "04_activations"
WRONG_RELU = "def relu(z):\n    return np.abs(z)\n"
RIGHT_RELU = "np.maximum(np.asarray(z, dtype=float), 0.0)"
WRONG_CHOOSE = "def choose_output_activation(task):\n    return 'sigmoid'\n"
# No verdict may depend on the machine's speed: no cell of this class can reach the cell
# timeout (the memory bomb fills 1.5 GB in 13 s at 120 MB/s, a new CI machine, 130 s ten
# times slower, against 600 s); code that never ends is timed out in test_sandbox, alone
# in its cell. A solved 04 notebook peaks at about 600 MB.
LIMITS = Limits(memory_mb=1500, cell_timeout=600)
MARKER = "nn-robust-test-marker"


def solved(**answers):
    """The release with these answers (the solutions elsewhere), without the lesson's demo
    cells: a student may delete those, and the class then costs what its graded and
    read-only cells cost (7.7 s a notebook against 12.1 s, measured)."""
    return without_lesson_cells(filled_release(A, answers))


def index_of(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells)
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def without(nb, *grade_ids):
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") not in grade_ids]
    return nb


def insert_before(nb, grade_id, source):
    nb.cells.insert(index_of(nb, grade_id), nbformat.v4.new_code_cell(source))
    return nb


def append(nb, source):
    nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


def duplicated(nb, grade_id, source=None):
    index = index_of(nb, grade_id)
    copy = nbformat.from_dict(dict(nb.cells[index]))
    copy["id"] = "copy-of-" + nb.cells[index].get("id", "x")
    if source is not None:
        copy.source = source
    nb.cells.insert(index + 1, copy)
    return nb


def with_tests_edited(nb):
    for name in ("test_relu_visible", "test_relu_hidden"):
        nb.cells[index_of(nb, name)].source = "pass  # my tests now"
    return nb


def with_points_on_answers(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            meta.update(grade=True, solution=False, points=100)
    return nb


def out_of_order(nb):
    for count, cell in zip([7, 3, 12, 1, 9, 4, 30, 2] * 20,
                           [c for c in nb.cells if c.cell_type == "code"], strict=False):
        cell.execution_count = count
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"run {count}\n")]
    return nb


def relu_if(condition: str, setup: str = "") -> str:
    """A relu that is right only if ``condition`` holds (it found what it looked for)."""
    return (f"def relu(z):\n{setup}    if {condition}:\n        return {RIGHT_RELU}\n"
            "    return np.abs(z)\n")


def found(expression: str) -> str:
    """A condition true when ``expression`` (reading something) runs without an error."""
    return (f"_found({expression!r})", "    def _found(code):\n        try:\n"
            "            return bool(eval(code))\n        except Exception:\n"
            "            return False\n")


def snooping_relu(expression: str) -> str:
    condition, setup = found(expression)
    return relu_if(condition, setup)


MEMORY_BOMB = "hoard = []\nwhile True:\n    hoard.append(np.ones(10**7))\n"
LOADER_ATTACK = """\
import sys
np.savetxt('/tmp/evil.py', ['import helpers.checks as c',
                            'c.expect = lambda *a, **k: None',
                            'c._compare = lambda *a, **k: None',
                            'c.expect_equal = lambda *a, **k: None'], fmt='%s')
for finder in sys.meta_path:
    spec = finder.find_spec('evil', ['/tmp']) if hasattr(finder, 'find_spec') else None
    if spec is not None:
        module = spec.loader.create_module(spec) or type(sys)('evil')
        spec.loader.exec_module(module)
        break
"""
LIAR_EQ = """\
class Anything(np.ndarray):
    def __eq__(self, other):
        return True

class Liar:
    def __init__(self, z):
        self.z = np.asarray(z, dtype=float)
    def __eq__(self, other):
        return True
    def __array__(self, dtype=None, copy=None):
        return np.maximum(self.z, 0.0)
    def __float__(self):
        return float(np.maximum(self.z, 0.0).sum())
    def __len__(self):
        return len(np.atleast_1d(self.z))

def relu(z):
    return Liar(z)
"""
SUBCLASS = """\
class Agreeable(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(np.shape(inputs[0]), dtype=bool)

def relu(z):
    return np.abs(np.asarray(z, dtype=float)).view(Agreeable)
"""
CHANGING = """\
class Flip:
    def __init__(self, z):
        self.z, self.reads = np.asarray(z, dtype=float), 0
    def __array__(self, dtype=None, copy=None):
        self.reads += 1
        return np.abs(self.z) if self.reads == 1 else np.maximum(self.z, 0.0)

def relu(z):
    return Flip(z)
"""
DETECTS = ("import os\n\ndef relu(z):\n    if os.environ.get('NBGRADER_EXECUTION') or "
           "os.environ.get('NN_COURSE_GRADING'):\n        return np.abs(z)\n"
           f"    return {RIGHT_RELU}\n")
REFERENCE_IMPORT = ("import importlib\n\ndef relu(z):\n"
                    "    return importlib.import_module('hel' + 'pers.nn').relu(z)\n")
REFERENCE_CHECKS = ("import importlib\n\ndef relu(z):\n    checks = importlib.import_module("
                    "'hel' + 'pers.checks')\n    return checks.ACTIVATIONS['relu'](z)\n")
REFERENCE_FILE = """\
import importlib.util

def relu(z):
    spec = importlib.util.find_spec('hel' + 'pers')
    text = open(spec.submodule_search_locations[0] + '/nn.py').read()
    space = {}
    exec(text.replace('from __future__ import annotations', ''), space)
    return space['relu'](z)
"""
BRIDGE_GARBAGE = WRONG_CHOOSE + """
from IPython.display import publish_display_data
__nn_bridge__.handle = lambda text: publish_display_data({'text/x-nn-bridge': '{"result": '})
"""
BRIDGE_HUGE = WRONG_CHOOSE + """
from IPython.display import publish_display_data
__nn_bridge__.handle = lambda text: publish_display_data({'text/x-nn-bridge': 'x' * 150_000_000})
"""
BRIDGE_SILENT = WRONG_CHOOSE + "\n__nn_bridge__.handle = lambda text: None\n"
BRIDGE_LIES = WRONG_CHOOSE + """
from IPython.display import publish_display_data
__nn_bridge__.handle = lambda text: publish_display_data({'text/x-nn-bridge':
    '{"result": {"t": "ndarray", "dtype": "object", "shape": [1], "data": "AA=="}}'})
"""

HUGE_MODEL = ('{"found": true, "value": {"t": "model", "id": 1, "spec": {"kind": "Sequential", '
              '"input_shape": [null, 784], "layers": [{"class": "Dense", "config": {"units": '
              '1000000000}, "weights": []}], "compiled": false}}}')
BRIDGE_HUGE_MODEL = WRONG_CHOOSE + f"""
from IPython.display import publish_display_data
__nn_bridge__.handle = lambda text: publish_display_data({{'text/x-nn-bridge': {HUGE_MODEL!r}}})
"""
RELU_PAST_BOUNDS = "def relu(z):\n    return np.zeros(1_100_000)\n"
RELU_LONGDOUBLE = ("def relu(z):\n    return np.maximum(np.asarray(z, dtype=np.longdouble), "
                   "0.0)\n")
BOUND_DETAIL = (r"relu: more than 1,000,000 values in one message \(one message of the bridge "
                r"carries at most 64 MiB of JSON")

HONEST = {
    "dataclass_helper": solved(collapse_linear="""\
from dataclasses import dataclass

@dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray

    def then(self, other):
        return Layer(self.W @ other.W, self.b @ other.W + other.b)

def collapse_linear(W1, b1, W2, b2):
    both = Layer(W1, b1).then(Layer(W2, b2))
    return both.W, both.b
"""),
    "helpers_named_like_the_tests_names": solved(relu="""\
def z_h(values):
    return np.maximum(np.asarray(values, dtype=float), 0.0)

def expect(values):
    return z_h(values)

def relu(z):
    return expect(z)
"""),
    "lambda_assignment": solved(
        relu="relu = lambda z: np.maximum(np.asarray(z, dtype=float), 0.0)"),
    "np_vectorize": solved(relu="relu = np.vectorize(lambda z: z if z > 0 else 0.0, "
                                "otypes=[float])"),
    "timeit_in_a_scratch_cell": insert_before(solved(), "test_relu_visible",
                                              "%timeit -n 3 -r 1 relu(np.ones(100))"),
    "debugging_print": solved(relu="def relu(z):\n    print('relu got', np.shape(z))\n"
                                   f"    return {RIGHT_RELU}\n"),
    "out_of_order_execution_counts": out_of_order(solved()),
}

# student -> (notebook or bytes or None, expected status, detail pattern, expected score:
# "full", "wrong_relu" / "wrong_choose" (that student's score), or a number)
CASES = {
    "solved": (solved(), "graded", "", "full"),
    "wrong_relu": (solved(relu=WRONG_RELU), "graded", "^tests not passed: test_relu_", None),
    "wrong_choose": (solved(choose_output_activation=WRONG_CHOOSE), "graded", "", None),
    "not_json": (b"\x00\x01 this is not a notebook", "invalid notebook", "not JSON", 0),
    "json_not_notebook": (b'{"hello": "world"}', "invalid notebook", "not a notebook", 0),
    "old_nbformat": (nbformat.convert(solved(), 3), "graded", "nbformat 3", "full"),
    "missing": (None, "missing", "notes.txt", 0),
    "extra_files": (solved(), "graded", "ignored other files", "full"),
    "deleted_cells": (without(solved(), "test_relu_visible", "test_relu_hidden",
                              "collapse_linear"), "graded", "collapse_linear missing", "relu+"),
    "duplicated_cells": (duplicated(duplicated(solved(), "relu", WRONG_RELU),
                                    "test_choose_output_activation_hidden"),
                         "graded", "handed in twice", "wrong_relu"),
    "edited_tests": (with_tests_edited(solved(relu=WRONG_RELU)), "graded", "restored",
                     "wrong_relu"),
    "points_on_answers": (with_points_on_answers(solved()), "graded", "", "full"),
    "memory_bomb": (solved(collapse_linear="import numpy as np\n" + MEMORY_BOMB), "memory",
                    "memory", "relu"),
    "fork_bomb": (solved(collapse_linear="import os\nwhile True:\n    os.fork()\n"),
                  "processes", "processes", "relu"),
    "os_exit": (solved(collapse_linear="import os\nos._exit(0)\n"), "kernel died", "", "relu"),
    "kills_itself": (solved(collapse_linear="import os, signal\n"
                                            "os.kill(os.getpid(), signal.SIGKILL)\n"),
                     "kernel died", "", "relu"),
    "sys_exit": (append(solved(), "import sys\nsys.exit('bye')"), "graded", "", "full"),
    "daemon": (append(solved(), f"import subprocess\nsubprocess.Popen(['sleep', '600', "
                                f"'{MARKER}'], start_new_session=True)"), "graded", "", "full"),
    "huge_output": (append(solved(), "for i in range(40):\n    print('x' * 1_000_000)"),
                    "graded", "", "full"),
    "helpers_in_an_answer": (solved(relu="from helpers.nn import relu\n"), "flagged",
                             "imports `helpers.nn`", "wrong_relu"),
    "shell_escape": (insert_before(solved(), "test_relu_visible", "!echo hello"), "flagged",
                     "runs a shell command", "full"),
    # tampering: exactly what the wrong answer earns without it
    "tamper_expect": (insert_before(solved(relu=WRONG_RELU), "test_relu_visible",
                                    "expect = lambda *args, **kwargs: None\n"
                                    "expect_equal = expect"), "graded", "", "wrong_relu"),
    "tamper_numpy": (insert_before(solved(relu=WRONG_RELU), "test_relu_visible",
                                   "np.allclose = lambda *a, **k: True\n"
                                   "np.testing.assert_allclose = lambda *a, **k: None\n"
                                   "np.isclose = lambda a, b, **k: np.ones_like(a, bool)\n"
                                   "np.array_equal = lambda *a, **k: True"),
                     "graded", "", "wrong_relu"),
    "tamper_builtins": (insert_before(solved(relu=WRONG_RELU), "test_relu_visible",
                                      "import builtins\nbuiltins.abs = lambda x: 0\n"
                                      "builtins.round = lambda x, *a: 0\n"
                                      "builtins.divmod = lambda a, b: (0, 0)"),
                        "graded", "", "wrong_relu"),
    "tamper_helpers_checks": (insert_before(solved(relu=WRONG_RELU), "test_relu_visible",
                                            "import helpers.checks as c\n"
                                            "c.expect = lambda *a, **k: None\n"
                                            "c._compare = lambda *a, **k: None\n"
                                            "c.CheckFailed = type('Never', (Exception,), {})"),
                              "graded", "", "wrong_relu"),
    "tamper_import_loader": (insert_before(solved(relu=WRONG_RELU), "test_relu_visible",
                                           LOADER_ATTACK), "graded", "", "wrong_relu"),
    "tamper_lying_objects": (solved(relu=LIAR_EQ), "graded", "", "wrong_relu"),
    "tamper_ndarray_subclass": (solved(relu=SUBCLASS), "graded", "", "wrong_relu"),
    "tamper_changes_on_second_read": (solved(relu=CHANGING), "graded", "", "wrong_relu"),
    "tamper_detects_grading": (solved(relu=DETECTS), "graded", "", "wrong_relu"),
    "reference_through_import": (solved(relu=REFERENCE_IMPORT), "graded", "", "wrong_relu"),
    "reference_through_checks": (solved(relu=REFERENCE_CHECKS), "graded", "", "wrong_relu"),
    "reference_through_file": (solved(relu=REFERENCE_FILE), "graded", "", "wrong_relu"),
    "bridge_garbage": (solved(choose_output_activation=BRIDGE_GARBAGE), "bridge error",
                       "could not all be read", "wrong_choose"),
    "bridge_silent": (solved(choose_output_activation=BRIDGE_SILENT), "bridge error",
                      "could not all be read", "wrong_choose"),
    "bridge_lies_about_types": (solved(choose_output_activation=BRIDGE_LIES), "bridge error",
                                "could not all be read", "wrong_choose"),
    "bridge_huge": (solved(choose_output_activation=BRIDGE_HUGE), "(timeout|bridge error)", "",
                    "wrong_choose"),
    # a description past the checker's size is that student's row, the checker unharmed
    "bridge_huge_model": (solved(choose_output_activation=BRIDGE_HUGE_MODEL), "bridge error",
                          "at most 10,000,000 weights", "wrong_choose"),
    # a result past the bridge's bounds costs that function, and the row says the bounds
    "relu_past_bounds": (solved(relu=RELU_PAST_BOUNDS), "bridge error", BOUND_DETAIL,
                         "wrong_relu"),
    "honest_relu_longdouble": (solved(relu=RELU_LONGDOUBLE), "graded", "", "full"),
    **{f"honest_{name}": (nb, "graded", "", "full") for name, nb in HONEST.items()},
}
SNOOPS = ("snoop_gradebook", "snoop_decoy", "snoop_solutions", "snoop_classmate",
          "network_loopback", "network_host")


def _write_class(folder, cases):
    for student, case in cases.items():
        content = case[0]
        (folder / student).mkdir(parents=True)
        path = folder / student / f"{A}.ipynb"
        if content is None:
            (folder / student / "notes.txt").write_text("I forgot to upload")
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            nbformat.write(content, path)
    extra = folder / "extra_files"
    if extra.is_dir():  # a module shadowing numpy and a start-up file must not be used
        (extra / "numpy.py").write_text("raise SystemExit('shadowed numpy')\n")
        (extra / "sitecustomize.py").write_text("raise SystemExit('hijacked')\n")
        (extra / "helpers").mkdir()
        (extra / "helpers" / "__init__.py").write_text("raise SystemExit('fake helpers')\n")


class Listener:
    """A TCP listener on the host, counting the connections it accepts."""

    def __init__(self, host: str):
        self.socket = socket.socket()
        self.socket.bind((host, 0))
        self.socket.listen()
        self.socket.settimeout(0.5)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.socket.close()


def _host_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: picks the outward interface
            return probe.getsockname()[0]
        except OSError:
            return socket.gethostbyname(socket.gethostname())


@pytest.fixture(scope="module")
def graded(tmp_path_factory, dask_cluster):
    tmp = tmp_path_factory.mktemp("robust")
    home = tmp / "home"
    home.mkdir()
    decoy = home / "decoy-secret.txt"
    decoy.write_text(MARKER)
    loopback, host = Listener("127.0.0.1"), Listener(_host_address())
    classmate = tmp / "submissions" / "solved" / f"{A}.ipynb"
    snoops = {
        "snoop_gradebook": f"'SQLite' in open('{home / 'gradebook.db'}', errors='replace').read()",
        "snoop_decoy": f"'{MARKER}' in open('{decoy}').read()",
        "snoop_solutions": f"'BEGIN SOLUTION' in open('{SOLUTIONS / A / (A + '.ipynb')}').read()",
        "snoop_classmate": f"'np.maximum' in open('{classmate}').read()",
        "network_loopback": f"__import__('socket').create_connection(('127.0.0.1', "
                            f"{loopback.port}), timeout=3)",
        "network_host": f"__import__('socket').create_connection(('{host.socket.getsockname()[0]}',"
                        f" {host.port}), timeout=3)",
    }
    cases = {**CASES, **{name: (solved(relu=snooping_relu(code)), "graded", "", "wrong_relu")
                         for name, code in snoops.items()}}
    try:
        _write_class(tmp / "submissions", cases)
        report = grade_class(A, tmp / "submissions", out=tmp / "out", home=home,
                             limits=LIMITS, timeout=1200, cluster=dask_cluster.options())
    finally:
        loopback.close()
        host.close()
    with report.csv_path.open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return tmp, report, rows, cases, (loopback.accepted, host.accepted)


def _expected_score(rows, expected, full):
    if expected == "full":
        return full
    if expected in ("wrong_relu", "wrong_choose"):
        return float(rows[expected]["score"])
    if expected == "relu":  # only relu's tests ran (the notebook stopped after them)
        return full - 2 * (full - float(rows["wrong_relu"]["score"]))
    if expected == "relu+":  # relu's and choose's tests, not collapse_linear's
        return full - (full - float(rows["wrong_relu"]["score"]))
    return float(expected)


@pytest.mark.parametrize("student", [*CASES, *SNOOPS])
def test_each_submission_gets_its_status_and_exactly_the_score_its_outputs_earn(
        graded, student):
    _, _, rows, cases, _ = graded
    full = float(rows["solved"]["max_score"])
    assert (float(rows["solved"]["score"]), rows["solved"]["status"]) == (full, "graded")
    assert float(rows["wrong_relu"]["score"]) < full  # the baselines are below full marks
    assert float(rows["wrong_choose"]["score"]) < full
    _, status, detail, expected = cases[student]
    row = rows[student]
    assert re.fullmatch(status, row["status"]), row
    assert re.search(detail, row["detail"]), row["detail"]
    if expected is not None:
        assert float(row["score"]) == _expected_score(rows, expected, full), row


def test_the_listeners_were_never_reached(graded):
    assert graded[4] == (0, 0)


def test_reports_stay_small_and_never_show_hidden_tests(graded):
    tmp, report, *_ = graded
    hidden_lines = set()
    nb = nbformat.read(SOLUTIONS / A / f"{A}.ipynb", as_version=4)
    for cell in nb.cells:
        for block in HIDDEN_BLOCK.findall(cell.source):
            hidden_lines.update(line.strip() for line in block.splitlines() if line.strip())
    assert report.csv_path.stat().st_size < 40_000
    pages = sorted((tmp / "out" / "feedback").glob(f"*/{A}.html"))
    assert len(pages) >= 30
    for page in pages:
        assert page.stat().st_size < 2_000_000, page
        text = page.read_text()
        shown = {line.strip() for line in re.sub(r"<[^>]+>", "\n", text).splitlines()}
        assert not hidden_lines & shown, page


def test_feedback_says_which_tests_failed_and_why(graded):
    tmp, *_ = graded
    page = (tmp / "out" / "feedback" / "wrong_relu" / f"{A}.html").read_text()
    text = re.sub(r"<[^>]+>", "", page)
    assert "test_relu_hidden" in text and "Wrong values" in text and "expected:" in text
    assert "(hidden tests: their code is not shown)" in page


def test_feedback_says_where_grading_stopped_and_which_tests_did_not_run(graded):
    tmp, *_ = graded
    # (a timeout's page, naming the cell that ran over: tests/test_feedback.py and
    # test_sandbox.py; no cell of this class may reach the timeout)
    page = (tmp / "out" / "feedback" / "memory_bomb" / f"{A}.html").read_text()
    text = re.sub(r"<[^>]+>", "", page)
    assert "Grading stopped part way" in text and "used over 1500 MB of memory" in text
    assert text.count("Not run: grading stopped at an earlier cell.") >= 2  # choose's two tests
    solved_page = (tmp / "out" / "feedback" / "solved" / f"{A}.html").read_text()
    assert "Grading stopped" not in solved_page and "Not run:" not in solved_page


def test_the_worker_logs_name_each_student_and_its_result(graded, dask_cluster):
    # the class ran on the shared cluster: its workers log to `dask worker`'s output
    logs = "".join(log.read_text(errors="replace")
                   for log in dask_cluster.folder.glob("worker-*.log"))
    assert "grading 'memory_bomb'" in logs and "'memory_bomb': memory, " in logs
    assert "'solved': graded, " in logs


def test_a_submission_that_could_not_be_graded_gets_a_page_saying_why(graded):
    tmp, *_ = graded
    for student, reason in (("missing", "notes.txt"), ("not_json", "not JSON")):
        page = (tmp / "out" / "feedback" / student / f"{A}.html").read_text()
        assert "Your submission could not be graded" in page and reason in page, student


def test_feedback_tells_the_student_what_the_grader_changed(graded):
    tmp, *_ = graded
    page = (tmp / "out" / "feedback" / "helpers_in_an_answer" / f"{A}.html").read_text()
    assert "Notes from the grader" in page and "imports `helpers.nn`" in page


def test_a_note_never_names_what_only_a_hidden_test_uses(graded):
    _, _, rows, *_ = graded
    for student in ("honest_helpers_named_like_the_tests_names", "helpers_in_an_answer"):
        assert "z_h" not in rows[student]["detail"]


def test_gradebook_agrees_with_grades_csv(graded):
    from nbgrader.api import Gradebook

    from grader.course import course_id, sqlite_url

    tmp, _, rows, *_ = graded
    with Gradebook(sqlite_url(tmp / "home" / "gradebook.db"), course_id()) as gb:
        for student, row in rows.items():
            if row["status"] in ("missing", "invalid notebook"):
                continue
            assert gb.find_submission(A, student).score == float(row["score"]), student


def test_nothing_survives_grading(graded, dask_cluster):
    from grader.sandbox import descendants
    from tests.cluster import forked_kernels, processes_outside_other_tests

    tmp, *_ = graded
    time.sleep(0.5)
    listing = processes_outside_other_tests()
    assert [args for _, args in listing if MARKER in args or "nn-grader-ipc" in args] == []
    assert forked_kernels() == []
    # a worker keeps its checker for the next class (one per worker, sandboxed); any other
    # checker would be a leftover
    workers = {pid for w in dask_cluster.workers for pid in [w.pid, *descendants(w.pid)]}
    assert [args for pid, args in listing if "-m checker" in args and pid not in workers] == []
    assert not (tmp / "home" / "work").exists() or not any((tmp / "home" / "work").iterdir())
