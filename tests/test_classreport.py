"""The class report (grader.classreport): ``OUT/class.html`` and ``OUT/tests.csv``.

A synthetic ledger checks the numbers (pass rates, the point-biserial discrimination
against NumPy's correlation, "—" for a constant column), the grouping of unexplained
wrong answers by identical output, the diagnosed mistakes (a diagnosis dropped into a
cell's entry as ``mistake``), and that student ids stay text. A small class of 01
graded for real on the shared Dask cluster checks the worker's fingerprints (two
students who wrote the same wrong neuron differently share a group), the rebuild from
the ledger when a rerun grades nobody, grades.csv and the gradebook agreeing with
tests.csv, and the page in chromium: no dialog, no request, figures drawn.
"""

import csv
import html
import io
import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.autograde import AssignmentSpec, SpecCell
from grader.classreport import (
    TESTS_COLUMNS,
    describe_failures,
    load,
    point_biserial,
    unexplained_groups,
    write_class_report,
)
from grader.grade import CSV_COLUMNS, Row
from grader.ledger import Ledger
from tests.browser import launched_browser, needs_chromium

TESTS = [("test_f_visible", 2, False), ("test_f_hidden", 2, True), ("test_g_visible", 1, False),
         ("test_g_hidden", 1, True)]
HOSTILE = ["<script>alert('id')</script>", "=HYPERLINK(\"https://example.org\")"]


def _spec() -> AssignmentSpec:
    cells = [SpecCell(g, "test", "code", "", points, hidden=hidden) for g, points, hidden in TESTS]
    return AssignmentSpec("synthetic", cells, {}, sum(p for _, p, _ in TESTS))


def _synthetic_class(out: Path):
    """20 students s00..s19 (two of them with hostile ids) and one missing. Stronger
    students pass test_f_hidden, weaker ones test_g_hidden, everyone test_g_visible."""
    students = [f"s{i:02d}" for i in range(20)]
    students[4], students[5] = HOSTILE
    fingerprints = {2: "aaaaaaaaaaaa", 3: "aaaaaaaaaaaa", 4: "aaaaaaaaaaaa", 5: "bbbbbbbbbbbb",
                    7: "cccccccccccc", 8: "cccccccccccc", 9: "cccccccccccc"}
    ledger, rows = Ledger(out), []
    for i, student in enumerate(students):
        passes = {"test_f_visible": i >= 8, "test_f_hidden": i >= 10, "test_g_visible": True,
                  "test_g_hidden": i < 6}
        cells = {}
        for grade_id, points, _ in TESTS:
            cell = {"auto_score": points if passes[grade_id] else 0.0, "max_score": points,
                    "function": grade_id.split("_")[1]}
            if not passes[grade_id]:
                cell["failure"] = {"kind": "wrong", "outcome": f"`{cell['function']}`: wrong "
                                   "values", "output": f"x{i:011d}"}
            cells[grade_id] = cell
        if i < 2:  # diagnosed on both of f's cells (counted once per student)
            for grade_id in ("test_f_visible", "test_f_hidden"):
                cells[grade_id]["mistake"] = "the largest logit of the whole batch"
        if i == 2:
            cells["test_f_visible"]["mistake"] = ["no bias", "bias subtracted"]
        if i in fingerprints:
            cells["test_f_hidden"]["failure"]["output"] = fingerprints[i]
        if i == 6:
            cells["test_f_hidden"]["failure"] = {"kind": "not written", "outcome": "", "output": ""}
        score = sum(c["auto_score"] for c in cells.values())
        row = Row(student, score, 6, "graded", seconds=10.0 + i, cells_seconds=5.0 + i)
        ledger.add({"student": student, "submission": "x", "assignment": "y",
                    "row": row.to_json(), "cells": cells})
        rows.append(row)
    rows.append(Row("zz_missing", 0, 6, "missing", "no notebook"))
    return sorted(rows, key=lambda r: r.student_id), students


@pytest.fixture()
def synthetic(tmp_path):
    rows, students = _synthetic_class(tmp_path)
    page_path, csv_path = write_class_report(tmp_path, _spec(), rows)
    return {"out": tmp_path, "rows": rows, "students": students,
            "page": page_path.read_text(encoding="utf-8"), "csv": csv_path}


def _table(page: str, css: str) -> list[list[str]]:
    found = re.search(rf'<table class="report {css}">(.*?)</table>', page, re.S)
    assert found, css
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)[1:]]


def test_pass_rates_and_discrimination_match_numpy_and_a_constant_column_reads_as_a_dash(
        synthetic):
    ran = [row for row in synthetic["rows"] if row.status == "graded"]
    data = load(synthetic["out"], _spec(), synthetic["rows"])
    rows = {r[0].replace(" (hidden)", ""): r for r in _table(synthetic["page"], "tests")}
    for grade_id, _, _ in TESTS:
        passed = np.array([data.passed(r.student_id, grade_id) for r in ran], dtype=float)
        rest = np.array([r.score - data.points(r.student_id, grade_id) for r in ran])
        assert rows[grade_id][3] == f"{int(passed.sum())} / 20"  # the missing one left out
        assert rows[grade_id][4] == f"{100 * passed.mean():.0f}%"
        if passed.std() == 0:
            assert rows[grade_id][5] == "—"
            assert point_biserial(list(passed > 0), list(rest)) is None
        else:
            expected = np.corrcoef(passed, rest)[0, 1]
            assert point_biserial(list(passed > 0), list(rest)) == pytest.approx(expected)
            assert rows[grade_id][5] == f"{expected:+.2f}"
    assert rows["test_g_visible"][5] == "—"
    assert float(rows["test_f_hidden"][5]) > 0.5 and float(rows["test_g_hidden"][5]) < 0
    assert 'class="number negative"' in synthetic["page"]
    assert rows["test_f_hidden"][6] == "1"  # not written
    assert point_biserial([True, False], [1.0, 0.0]) is None  # too few students


def test_wrong_answers_no_mistake_explains_are_grouped_by_identical_output(synthetic):
    groups = unexplained_groups(load(synthetic["out"], _spec(), synthetic["rows"]))
    students = synthetic["students"]
    by_output = {g.output: sorted(g.students) for g in groups if g.test.grade_id == "test_f_hidden"}
    assert by_output["aaaaaaaaaaaa"] == sorted(students[i] for i in (2, 3, 4))
    assert by_output["cccccccccccc"] == sorted(students[i] for i in (7, 8, 9))
    assert by_output["bbbbbbbbbbbb"] == [students[5]]
    # diagnosed cells (s00, s01 on f; s02 on test_f_visible) and "not written" are not here
    every = {s for g in groups for s in g.students if g.test.grade_id == "test_f_hidden"}
    assert not {students[0], students[1], students[6]} & every
    assert [len(g.students) for g in groups][:2] == [3, 3]
    shared = _table(synthetic["page"], "unexplained")
    assert [(r[0], r[1], r[3]) for r in shared[:2]] == [("test_f_hidden", "3", "aaaaaaaaaaaa"),
                                                        ("test_f_hidden", "3", "cccccccccccc")]
    assert "wrong output(s) given by one student each" in synthetic["page"]


def test_diagnosed_mistakes_are_counted_per_function_once_per_student(synthetic):
    rows = _table(synthetic["page"], "mistakes")
    students = synthetic["students"]
    assert ["f", "the largest logit of the whole batch", "2", f"{students[0]}, {students[1]}"
            ] in rows
    assert ["f", "bias subtracted", "1", students[2]] in rows and len(rows) == 3
    with synthetic["csv"].open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    named = {(r["student_id"], r["grade_id"]): r["diagnosed_mistake"] for r in lines}
    assert named[(students[2], "test_f_visible")] == "no bias or bias subtracted"
    assert named[(students[3], "test_f_visible")] == ""


def test_tests_csv_has_a_line_per_student_and_test_cell_and_is_spreadsheet_safe(synthetic):
    text = synthetic["csv"].read_text(encoding="utf-8")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == TESTS_COLUMNS
    assert len(lines) - 1 == 21 * len(TESTS)
    ids = {line[0] for line in lines[1:]}
    assert "'" + HOSTILE[1] in ids and HOSTILE[1] not in ids
    totals = {}
    for line in lines[1:]:
        totals[line[0].removeprefix("'")] = totals.get(line[0].removeprefix("'"), 0) + float(
            line[2])
    assert totals == {row.student_id: row.score for row in synthetic["rows"]}
    missing = [line for line in lines[1:] if line[0] == "zz_missing"]
    assert [line[2:4] for line in missing] == [["0", f"{p:g}"] for _, p, _ in TESTS]


def test_the_page_is_self_contained_and_student_ids_stay_text(synthetic):
    page = synthetic["page"]
    body = page.split("</style>", 1)[1]
    assert "<script" not in body.lower() and "&lt;script&gt;alert(&#x27;id&#x27;)" in body
    assert "default-src 'none'" in page and not re.search(r"\son[a-z]+\s*=", body, re.I)
    assert body.count("<svg") == 2 and not re.search(r"\s(src|href)\s*=", body)
    statuses = dict((r[0], r[1]) for r in _table(page, "statuses"))
    assert statuses == {"graded": "20", "missing": "1"}
    slowest = _table(page, "slowest")
    assert [r[0] for r in slowest[:2]] == ["s19", "s18"] and slowest[0][1] == "29.0"


def test_a_ledger_without_fingerprints_still_makes_a_report(tmp_path):
    """Rows recorded before the worker kept fingerprints: grouped by test cell."""
    ledger = Ledger(tmp_path)
    rows = []
    for student in ("a", "b"):
        cells = {g: {"auto_score": 0.0, "max_score": p} for g, p, _ in TESTS}
        ledger.add({"student": student, "row": {}, "cells": cells})
        rows.append(Row(student, 0, 6, "graded"))
    page, _ = write_class_report(tmp_path, _spec(), rows)
    groups = unexplained_groups(load(tmp_path, _spec(), rows))
    assert [(g.output, g.students) for g in groups][:1] == [("", ["a", "b"])]
    assert "(output not recorded)" in page.read_text()


def test_odd_ledger_entries_cost_nothing_but_their_own_cells(tmp_path):
    """What a worker sent is data from another machine: a cell that is not numbers is
    left out (0 points in tests.csv), and the report is still written."""
    ledger = Ledger(tmp_path)
    odd = {"test_f_visible": {"auto_score": "2", "max_score": 2},
           "test_f_hidden": {"auto_score": 0.0, "max_score": 2.0, "failure": "not a dict",
                             "mistake": 7},
           "test_g_visible": None, "test_g_hidden": {"auto_score": True, "max_score": 1}}
    ledger.add({"student": "odd", "row": {}, "cells": odd})
    ledger.add({"student": "list", "row": {}, "cells": ["not", "a", "dict"]})
    rows = [Row("list", 0, 6, "graded"), Row("odd", 0, 6, "graded")]
    page, tests_csv = write_class_report(tmp_path, _spec(), rows)
    lines = list(csv.DictReader(tests_csv.open(encoding="utf-8")))
    assert [(r["student_id"], r["points"], r["diagnosed_mistake"]) for r in lines
            if r["grade_id"] == "test_f_hidden"] == [("list", "0", ""), ("odd", "0", "7")]
    assert "1 students whose notebook ran" in page.read_text()


# ------------------------------------------------- the worker's fingerprints

def _graded_notebook(evalue: str, ename: str = "CheckFailed"):
    notebook = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("def f(x):\n    return x")
    answer.metadata["nbgrader"] = {"solution": True, "grade_id": "f", "grade": False}
    test = nbformat.v4.new_code_cell("expect(f, ...)")
    test.metadata["nbgrader"] = {"grade": True, "grade_id": "test_f_hidden", "points": 2,
                                 "score": 0, "solution": False}
    test.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])]
    passing = nbformat.v4.new_code_cell("expect(f, ...)")
    passing.metadata["nbgrader"] = {"grade": True, "grade_id": "test_f_visible", "points": 1,
                                    "score": 1, "solution": False}
    notebook.cells = [answer, passing, test]
    cells = {"test_f_visible": {"auto_score": 1.0, "max_score": 1.0},
             "test_f_hidden": {"auto_score": 0.0, "max_score": 2.0}}
    describe_failures(cells, notebook, {"test_f_hidden"})
    return cells


def test_the_worker_fingerprints_what_the_failing_check_saw():
    message = "f(x=array(...))\nWrong values.\n  expected: [1. 2.]\n  got:      [1. {}]"
    first = _graded_notebook(message.format(3))
    assert first["test_f_visible"] == {"auto_score": 1.0, "max_score": 1.0, "function": "f"}
    failure = first["test_f_hidden"]["failure"]
    assert failure["kind"] == "wrong" and re.fullmatch(r"[0-9a-f]{12}", failure["output"])
    assert "3" not in failure["outcome"] and "`f`: wrong values" in failure["outcome"]
    same = _graded_notebook(message.format(3))["test_f_hidden"]["failure"]["output"]
    other = _graded_notebook(message.format(4))["test_f_hidden"]["failure"]["output"]
    assert same == failure["output"] != other
    # the same exception from differently written code: one output
    raised = [_graded_notebook(f"division by zero\n  in your code: {line}", "ZeroDivisionError")
              for line in ("return 1 / 0", "return x / 0")]
    assert len({c["test_f_hidden"]["failure"]["output"] for c in raised}) == 1
    unwritten = _graded_notebook("f is not written yet", "NotWritten")["test_f_hidden"]
    assert unwritten["failure"]["kind"] == "not written" and unwritten["failure"]["output"] == ""


# ------------------------------------------------- a class of 01 graded for real
A = "01_neurons_and_layers"
WRONG_NEURONS = {  # bo and cy: the same numbers from different code, a wrong answer no
    # catalogued mistake explains; dee: other numbers, the catalogue's "subtracts the bias"
    "bo": "def neuron(x, w, b, g):\n    return g(np.dot(w, x) + b) + 0.25\n",
    "cy": "def neuron(x, w, b, g):\n    z = np.dot(w, x) + b\n    return 0.25 + g(z)\n",
    "dee": "def neuron(x, w, b, g):\n    return g(np.dot(w, x) - b)\n"}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, dask_cluster):
    from grader.course import RELEASE
    from grader.grade import grade_class
    from grader.release import filled_release
    from grader.sandbox import sandbox_problem

    base = tmp_path_factory.mktemp("classreport")
    notebooks = {"ada": filled_release(A), "ed": nbformat.read(
        RELEASE / A / f"{A}.ipynb", as_version=4)}
    notebooks |= {s: filled_release(A, {"neuron": code}) for s, code in WRONG_NEURONS.items()}
    for student, notebook in notebooks.items():
        (base / "class" / student).mkdir(parents=True)
        nbformat.write(notebook, base / "class" / student / f"{A}.ipynb")
    (base / "class" / "fay").mkdir()  # handed in nothing
    arguments = dict(out=base / "out", home=base / "home", cluster=dask_cluster.options(),
                     sandbox=sandbox_problem() is None)
    # the grader's code is edited while tests run: the rerun must see the same grader
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("grader.grade.grader_fingerprint", lambda: "this grader")
        report = grade_class(A, base / "class", **arguments)
        first = {name: (base / "out" / name).read_bytes() for name in ("class.html", "tests.csv")}
        (base / "out" / "class.html").unlink()
        again = grade_class(A, base / "class", **arguments)  # nobody graded again
    return {"base": base, "out": base / "out", "report": report, "again": again,
            "first": first}


def test_a_graded_class_gets_its_report_and_a_rerun_rebuilds_it_from_the_ledger(graded_class):
    report, out = graded_class["report"], graded_class["out"]
    statuses = {row.student_id: row.status for row in report.rows}
    assert statuses == {"ada": "graded", "bo": "graded", "cy": "graded", "dee": "graded",
                        "ed": "graded", "fay": "missing"}, report.summary()
    assert graded_class["again"].skipped == 5
    for name, first in graded_class["first"].items():
        assert (out / name).read_bytes() == first, name


def test_students_with_the_same_wrong_numbers_share_a_group(graded_class):
    out = graded_class["out"]
    with (out / "tests.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert len(lines) == 6 * 6  # six students (fay too), six test cells
    outputs = {(r["student_id"], r["grade_id"]): r["wrong_output"] for r in lines}
    for grade_id in ("test_neuron_visible", "test_neuron_hidden"):
        bo, cy, dee = (outputs[(s, grade_id)] for s in ("bo", "cy", "dee"))
        assert bo and bo == cy != dee, grade_id
        assert outputs[("ada", grade_id)] == "" and outputs[("ed", grade_id)] == ""
    page = (out / "class.html").read_text(encoding="utf-8")
    shared = _table(page, "unexplained")
    assert {(r[0], r[1], r[4]) for r in shared} == {("test_neuron_visible", "2", "bo, cy"),
                                                    ("test_neuron_hidden", "2", "bo, cy")}
    assert [r[:4] for r in _table(page, "mistakes")] == [  # diagnosed, so not unexplained
        ["neuron", "subtracts the bias", "1", "dee"]]
    diagnosed = {(r["student_id"], r["grade_id"]): r["diagnosed_mistake"] for r in lines}
    assert diagnosed[("dee", "test_neuron_hidden")] == "subtracts the bias"
    assert diagnosed[("bo", "test_neuron_hidden")] == diagnosed[("cy", "test_neuron_hidden")] == ""
    tests = {r[0].replace(" (hidden)", ""): r for r in _table(page, "tests")}
    assert tests["test_sigmoid_visible"][3] == "4 / 5" and tests["test_neuron_hidden"][3] == "1 / 5"
    assert tests["test_sigmoid_hidden"][6] == "1"  # ed's, not written


def test_grades_csv_and_the_gradebook_keep_their_meaning(graded_class):
    from nbgrader.api import Gradebook

    from grader.course import course_id, sqlite_url

    out, base = graded_class["out"], graded_class["base"]
    with (out / "grades.csv").open(encoding="utf-8") as handle:
        grades = list(csv.DictReader(handle))
    assert list(grades[0]) == CSV_COLUMNS
    with (out / "tests.csv").open(encoding="utf-8") as handle:
        points = {}
        for line in csv.DictReader(handle):
            points[line["student_id"]] = points.get(line["student_id"], 0) + float(line["points"])
    assert {g["student_id"]: float(g["score"]) for g in grades} == points
    with Gradebook(sqlite_url(base / "home" / "gradebook.db"), course_id()) as gb:
        kept = {s: gb.find_submission(A, s).score for s in points if s != "fay"}
    assert kept == {s: p for s, p in points.items() if s != "fay"}


def _screenshots_folder(tmp_path) -> Path:
    folder = os.environ.get("NN_COURSE_SCREENSHOTS")
    return Path(folder) if folder else tmp_path


@needs_chromium
def test_the_class_page_in_a_browser_draws_its_figures_and_asks_for_nothing(graded_class,
                                                                            tmp_path):
    shots = _screenshots_folder(tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    dialogs, requests = [], []
    with launched_browser() as browser:
        tab = browser.new_page(viewport={"width": 1100, "height": 900})
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.on("request", lambda request: requests.append(request.url))
        tab.goto((graded_class["out"] / "class.html").as_uri())
        tab.wait_for_timeout(500)
        figures = tab.evaluate("[...document.querySelectorAll('svg.figure')].map(s => {"
                               " const r = s.getBoundingClientRect();"
                               " return [r.width, r.height, s.querySelectorAll('rect').length]"
                               "; })")
        bars = tab.evaluate("[...document.querySelectorAll('svg.figure rect')].filter(r =>"
                            " r.getBoundingClientRect().height > 0 &&"
                            " getComputedStyle(r).visibility === 'visible').length")
        tab.screenshot(path=str(shots / f"{A}-class-report.png"), full_page=True)
    assert dialogs == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert len(figures) == 2 and all(w > 300 and h > 100 and n > 3 for w, h, n in figures)
    assert bars >= 10
