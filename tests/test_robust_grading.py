"""Broken and hostile submissions, graded in one class with honest ones (issue #6).

Two classes of 04_activations are graded with two workers. In the first, every
student's code goes through the static screen (as in real grading): broken files,
edited or deleted cells, runaway code, tampering and snooping each get the score
and status stated below, and the honest students beside them are graded in full.
The second class turns the screen off, so that what the screen would have refused
(fork bombs, exits, daemons, reading files, the network) reaches the sandbox, and
shows the sandbox stops it too.

Points of 04_activations: relu 1 + 2, collapse_linear 1 + 2,
choose_output_activation 1 + 2, four quiz questions 1 each: 13.
"""

import csv
import os
import re
import subprocess
import time

import nbformat
import pytest

from grader.course import HIDDEN_BLOCK, ROOT, SOLUTIONS
from grader.grade import grade_class
from grader.release import filled_release
from grader.sandbox import Limits, sandbox_problem

pytestmark = pytest.mark.skipif(
    sandbox_problem() is not None and not os.environ.get("NN_COURSE_REQUIRE_SANDBOX"),
    reason=f"bubblewrap cannot run here: {sandbox_problem()}")

A = "04_activations"
FULL, RELU = 13.0, 3.0
WRONG_RELU = "def relu(z):\n    return np.abs(z)\n"
LIMITS = Limits(memory_mb=2500, cell_timeout=20)
MARKER = "nn-robust-test-marker"


def solved(**answers):
    return filled_release(A, answers)


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


MEMORY_BOMB = "hoard = []\nwhile True:\n    hoard.append(np.ones(10**7))\n"
LOOP = ("def collapse_linear(W1, b1, W2, b2):\n    while True:\n        pass\n")
CLASS_EQ = ("class Anything(str):\n    def __eq__(self, other):\n        return True\n\n"
            "def choose_output_activation(task):\n    return Anything('?')\n")

# student -> (notebook, bytes or None, expected score, expected status, detail pattern)
SCREENED = {
    "solved": (solved(), FULL, "graded", ""),
    "wrong_relu": (solved(relu=WRONG_RELU), FULL - RELU, "graded", ""),
    "not_json": (b"\x00\x01 this is not a notebook", 0, "invalid notebook", "not JSON"),
    "json_not_notebook": (b'{"hello": "world"}', 0, "invalid notebook", "not a notebook"),
    "old_nbformat": (nbformat.convert(solved(), 3), FULL, "graded", "nbformat 3"),
    "missing": (None, 0, "missing", "notes.txt"),
    "extra_files": (solved(), FULL, "graded", "ignored other files"),
    "deleted_cells": (without(solved(), "test_relu_visible", "test_relu_hidden",
                              "collapse_linear"), FULL - 3, "graded", "collapse_linear missing"),
    "duplicated_cells": (duplicated(duplicated(solved(), "relu", WRONG_RELU),
                                    "test_choose_output_activation_hidden"),
                         FULL - RELU, "graded", "handed in twice"),
    "edited_tests": (with_tests_edited(solved(relu=WRONG_RELU)), FULL - RELU, "graded", "restored"),
    "points_on_answers": (with_points_on_answers(solved()), FULL, "graded", ""),
    "infinite_loop": (solved(collapse_linear=LOOP), RELU, "timeout", "ran over"),
    "memory_bomb": (solved(collapse_linear="import numpy as np\n" + MEMORY_BOMB), RELU,
                    "memory", "memory"),
    "huge_output": (append(solved(), "for i in range(200):\n    print('x' * 1_000_000)"),
                    FULL, "graded", ""),
    "tamper_expect": (insert_before(solved(relu=WRONG_RELU), "test_relu_visible",
                                    "expect = lambda *args, **kwargs: None"),
                      FULL - RELU, "flagged", "rebinds `expect`"),
    "tamper_numpy": (insert_before(solved(relu=WRONG_RELU), "test_relu_visible",
                                   "np.allclose = lambda *a, **k: True\n"
                                   "np.testing.assert_allclose = lambda *a, **k: None\n"
                                   "np.isclose = lambda a, b, **k: np.ones_like(a, bool)"),
                     FULL - RELU, "flagged", "assigns or deletes the attribute"),
    "tamper_eq": (solved(choose_output_activation=CLASS_EQ), FULL - 3, "flagged",
                  "defines a class"),
    "tamper_history": (solved(relu="def relu(z):\n    print(In[-1])\n    return np.abs(z)\n"),
                       FULL - RELU, "flagged", "history"),
    "read_gradebook": (solved(relu=f"def relu(z):\n    np.fromfile('{ROOT}/grader/gradebook.db')"
                                   "\n    return np.maximum(z, 0.0)\n"),
                       FULL - RELU, "graded", ""),
    "read_solutions": (solved(relu="def relu(z):\n    np.loadtxt("
                                   f"'{SOLUTIONS}/{A}/{A}.ipynb', dtype=str)\n"
                                   "    return np.maximum(z, 0.0)\n"),
                       FULL - RELU, "graded", ""),
    "network": (solved(relu="def relu(z):\n    keras.utils.get_file('x', "
                            "'https://pypi.org/simple/numpy/')\n"
                            "    return np.maximum(z, 0.0)\n"),
                FULL - RELU, "graded", ""),
}

UNSCREENED = {
    "solved": (solved(), FULL, "graded"),
    "fork_bomb": (solved(collapse_linear="import os\nwhile True:\n    os.fork()\n"), RELU,
                  "processes"),
    "os_exit": (solved(collapse_linear="import os\nos._exit(0)\n"), RELU, "kernel died"),
    "kills_itself": (solved(collapse_linear="import os, signal\n"
                                            "os.kill(os.getpid(), signal.SIGKILL)\n"),
                     RELU, "kernel died"),
    "sys_exit": (append(solved(), "import sys\nsys.exit('bye')"), FULL, "graded"),
    "daemon": (append(solved(), f"import subprocess\nsubprocess.Popen(['sleep', '600', "
                                f"'{MARKER}'], start_new_session=True)"), FULL, "graded"),
    "snoops": (append(solved(), f"print(open('{ROOT}/grader/gradebook.db', 'rb').read(100))"),
               FULL, "graded"),
    "network": (append(solved(), "import socket\n"
                                 "socket.create_connection(('pypi.org', 443), timeout=5)"),
                FULL, "graded"),
}


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


def _grade(tmp_path, cases, screen):
    submissions = tmp_path / "submissions"
    _write_class(submissions, cases)
    report = grade_class(A, submissions, out=tmp_path / "out", workers=2,
                         home=tmp_path / "home", limits=LIMITS, screen=screen, timeout=300)
    with report.csv_path.open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return report, rows


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("screened")
    return (tmp, *_grade(tmp, SCREENED, screen=True))


@pytest.fixture(scope="module")
def unscreened(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unscreened")
    return (tmp, *_grade(tmp, UNSCREENED, screen=False))


@pytest.mark.parametrize("student", SCREENED)
def test_screened_class(screened, student):
    _, _, rows = screened
    _, score, status, detail = SCREENED[student]
    row = rows[student]
    assert (float(row["score"]), row["status"]) == (score, status), row
    assert re.search(detail, row["detail"]), row["detail"]
    assert float(row["max_score"]) == FULL
    # the honest student in the same run kept every point
    assert (float(rows["solved"]["score"]), rows["solved"]["status"]) == (FULL, "graded")


@pytest.mark.parametrize("student", UNSCREENED)
def test_sandbox_alone_contains_what_the_screen_would_refuse(unscreened, student):
    _, _, rows = unscreened
    _, score, status = UNSCREENED[student]
    assert (float(rows[student]["score"]), rows[student]["status"]) == (score, status)
    assert (float(rows["solved"]["score"]), rows["solved"]["status"]) == (FULL, "graded")


def test_tampering_earns_no_more_than_the_wrong_answer(screened):
    _, _, rows = screened
    wrong = float(rows["wrong_relu"]["score"])
    for student in ("tamper_expect", "tamper_numpy", "tamper_history", "edited_tests",
                    "duplicated_cells"):
        assert float(rows[student]["score"]) <= wrong


def test_reports_stay_small_and_never_show_hidden_tests(screened, unscreened):
    hidden_lines = set()
    nb = nbformat.read(SOLUTIONS / A / f"{A}.ipynb", as_version=4)
    for cell in nb.cells:
        for block in HIDDEN_BLOCK.findall(cell.source):
            hidden_lines.update(line.strip() for line in block.splitlines() if line.strip())
    for tmp, report, _ in (screened, unscreened):
        assert report.csv_path.stat().st_size < 20_000
        pages = sorted((tmp / "out" / "feedback").glob(f"*/{A}.html"))
        assert len(pages) >= 7
        for page in pages:
            assert page.stat().st_size < 2_000_000, page
            text = page.read_text()
            shown = {line.strip() for line in re.sub(r"<[^>]+>", "\n", text).splitlines()}
            assert not hidden_lines & shown, page


def test_feedback_says_which_tests_failed_and_why(screened):
    tmp, _, _ = screened
    page = (tmp / "out" / "feedback" / "wrong_relu" / f"{A}.html").read_text()
    text = re.sub(r"<[^>]+>", "", page)
    assert "Grade cell: test_relu_hidden" in text and "Score: 0.0 / 2.0" in text
    assert "Wrong values" in text and "expected:" in text
    assert "(hidden tests: their code is not shown)" in page


def test_feedback_tells_the_student_what_the_grader_changed(screened):
    tmp, _, _ = screened
    page = (tmp / "out" / "feedback" / "tamper_expect" / f"{A}.html").read_text()
    assert "Notes from the grader" in page and "rebinds" in page


def test_the_sandbox_messages_reach_the_feedback(unscreened):
    tmp, _, _ = unscreened
    snoop = (tmp / "out" / "feedback" / "snoops" / f"{A}.html").read_text()
    assert "No such file or directory" in snoop
    network = (tmp / "out" / "feedback" / "network" / f"{A}.html").read_text()
    assert re.search(r"name resolution|unreachable|Name or service", network)


def test_gradebook_agrees_with_grades_csv(screened):
    from nbgrader.api import Gradebook

    from grader.course import course_id, sqlite_url

    tmp, _, rows = screened
    with Gradebook(sqlite_url(tmp / "home" / "gradebook.db"), course_id()) as gb:
        for student, row in rows.items():
            if row["status"] in ("missing", "invalid notebook"):
                continue
            assert gb.find_submission(A, student).score == float(row["score"]), student


def test_nothing_survives_grading(screened, unscreened):
    time.sleep(0.5)
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert [line for line in listing.splitlines()
            if MARKER in line or "nn-grader-ipc" in line or "grader.worker" in line] == []
    for tmp, _, _ in (screened, unscreened):
        assert not (tmp / "home" / "work").exists() or not any((tmp / "home" / "work").iterdir())
