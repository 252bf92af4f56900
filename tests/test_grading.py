"""Grading as for a real class, through the command line (slow: a kernel per student).

For every assignment, one class is graded on the run's Dask cluster: a student
who solved everything; one whose every graded function holds a plausible mistake (the
first of grader/mistakes/nbNN.py for it), each of which must lose points through real
grading (sandboxed kernel, tests in the checker); one whose every function is another
correct answer (the first alternative), who must get full points; the blank release;
a corrupt file and a missing notebook. Only the first runs the lesson's demo cells: the
others hand in their graded and read-only cells (``without_lesson_cells``).
"""

import csv
import html as html_module
import itertools
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

import grader.mistakes as mistake_modules
from grader.course import HIDDEN_BLOCK, RELEASE, ROOT, SOLUTIONS, assignments
from grader.grade import grade_class
from grader.release import filled_release, without_lesson_cells

ASSIGNMENTS = assignments()
ACCEPTED_FAILURES = {"NotWritten", "NotImplementedError", "AssertionError", "CheckFailed"}


def _graded_cells(assignment):
    nb = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def _function_cells(assignment):
    nb = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    return [c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution") and "def " in c.source]


def _first_function(assignment):
    return _function_cells(assignment)[0]


def _catalogue(assignment):
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(mistake_modules.__path__):
        module = importlib.import_module(f"grader.mistakes.{info.name}")
        if module.ASSIGNMENT == assignment:
            return module
    raise LookupError(assignment)


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded_class(request, tmp_path_factory, dask_cluster):
    assignment = request.param
    base = tmp_path_factory.mktemp(assignment)
    submissions = base / "submissions"
    catalogue = _catalogue(assignment)
    # ada runs the whole lesson; the others only what scores them (their lesson cells
    # would only repeat ada's, at up to 40 s a notebook)
    notebooks = {
        "ada_correct": filled_release(assignment),
        "bo_mistakes": without_lesson_cells(filled_release(assignment, {
            grade_id: cases[0][1] for grade_id, cases in catalogue.MISTAKES.items()})),
        "cy_blank": without_lesson_cells(
            nbformat.read(RELEASE / assignment / f"{assignment}.ipynb", as_version=4)),
        "dee_alternatives": without_lesson_cells(filled_release(assignment, {
            grade_id: cases[0][1] for grade_id, cases in catalogue.ALTERNATIVES.items()})),
    }
    for student, nb in notebooks.items():
        (submissions / student).mkdir(parents=True)
        nbformat.write(nb, submissions / student / f"{assignment}.ipynb")
    (submissions / "di_corrupt").mkdir()
    (submissions / "di_corrupt" / f"{assignment}.ipynb").write_text('{"cells": [')
    (submissions / "ed_missing").mkdir()
    (submissions / "ed_missing" / "notes.txt").write_text("I forgot to upload")
    out, home = base / "report", base / "home"
    # in this process, on the run's shared cluster (the command line's own path, with
    # its exit codes: test_orchestration and the tests below)
    grade_class(assignment, submissions, out=out, home=home, cluster=dask_cluster.options())
    with (out / "grades.csv").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return {"assignment": assignment, "rows": rows, "out": out, "home": home,
            "mistakes": {g: cases[0][0] for g, cases in catalogue.MISTAKES.items()}}


def _autograded(graded_class, student):
    a = graded_class["assignment"]
    path = graded_class["home"] / "autograded" / student / a / f"{a}.ipynb"
    return nbformat.read(path, as_version=4)


def test_every_submission_gets_a_row_with_the_expected_status(graded_class):
    rows = graded_class["rows"]
    assert {s: r["status"] for s, r in rows.items()} == {
        "ada_correct": "graded", "bo_mistakes": "graded", "cy_blank": "graded",
        "dee_alternatives": "graded", "di_corrupt": "invalid notebook", "ed_missing": "missing"}
    assert list(next(iter(rows.values())))[:4] == ["student_id", "score", "max_score", "status"]


def test_the_solution_gets_full_points_on_every_graded_cell(graded_class):
    cells = _graded_cells(graded_class["assignment"]).values()
    total = sum(c.metadata.nbgrader.points for c in cells)
    row = graded_class["rows"]["ada_correct"]
    assert float(row["score"]) == float(row["max_score"]) == total
    nb = _autograded(graded_class, "ada_correct")
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", (cell.get("id"), output.get("evalue"))
            assert output.get("name") != "stderr", (cell.get("id"), output.get("text"))


def test_each_plausible_mistake_loses_points_through_real_grading(graded_class):
    nb = _autograded(graded_class, "bo_mistakes")
    scores = {c.metadata.nbgrader.grade_id: (c.metadata.nbgrader.score,
                                             c.metadata.nbgrader.points)
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for grade_id, mistake in graded_class["mistakes"].items():
        lost = [t for t in (f"test_{grade_id}_visible", f"test_{grade_id}_hidden")
                if scores[t][0] < scores[t][1]]
        assert lost, f"{grade_id}: the mistake '{mistake}' earned full points"


def test_other_correct_answers_get_full_points_through_real_grading(graded_class):
    row = graded_class["rows"]["dee_alternatives"]
    assert float(row["score"]) == float(row["max_score"]), row


def test_the_blank_release_scores_zero_failing_only_as_expected(graded_class):
    assert float(graded_class["rows"]["cy_blank"]["score"]) == 0
    nb = _autograded(graded_class, "cy_blank")
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert errors, f"{cell.metadata.nbgrader.grade_id} passed on the blank release"
            assert errors[0].ename in ACCEPTED_FAILURES, (
                f"{cell.metadata.nbgrader.grade_id} failed with {errors[0].ename}: "
                f"{errors[0].evalue} (an error of the test code, not of the blank answer)")


def test_feedback_for_each_notebook_and_never_hidden_test_code(graded_class):
    a = graded_class["assignment"]
    feedback = graded_class["out"] / "feedback"
    assert sorted(p.name for p in feedback.iterdir()) == [
        "ada_correct", "bo_mistakes", "cy_blank", "dee_alternatives", "di_corrupt", "ed_missing"]
    for student in ("di_corrupt", "ed_missing"):  # a page saying why it was not graded
        assert "Your submission could not be graded" in (feedback / student / f"{a}.html"
                                                         ).read_text()
    solution = nbformat.read(SOLUTIONS / a / f"{a}.ipynb", as_version=4)
    public_lines = {line.strip() for cell in solution.cells
                    for line in HIDDEN_BLOCK.sub("", cell.source).splitlines()}
    hidden_lines = {
        line.strip() for cell in _graded_cells(a).values()
        for block in HIDDEN_BLOCK.findall(cell.source) for line in block.splitlines()
        if len(line.strip()) > 20 and not line.strip().startswith("#")
    } - public_lines
    for student in ("ada_correct", "bo_mistakes", "cy_blank"):
        html = (feedback / student / f"{a}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in html and "hidden tests: their code is not shown" in html
        for grade_id in _graded_cells(a):  # each test cell is named, with its points
            assert re.search(rf">{grade_id}<span class=\"points\">", html), grade_id
        text = html_module.unescape(re.sub(r"<[^>]+>", "", html))
        shown_lines = {line.strip() for line in text.splitlines()}
        leaked = [line for line in hidden_lines if line in shown_lines]
        assert not leaked, leaked[:3]


def test_a_zip_of_submissions_is_graded_too(tmp_path):
    assignment = ASSIGNMENTS[0]
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"class/zed/{assignment}.ipynb", "not a notebook")
        z.writestr("class/yan/readme.txt", "nothing here")
        z.writestr("class/.ipynb_checkpoints/x.txt", "editor debris, not a student")
    from grader.grade import grade_class

    report = grade_class(assignment, archive, out=tmp_path / "out", home=tmp_path / "home")
    assert [(r.student_id, r.status) for r in report.rows] == [
        ("yan", "missing"), ("zed", "invalid notebook")]
    assert (tmp_path / "out" / "grades.csv").read_text().count("\n") == 3
    shutil.rmtree(tmp_path / "home")


def _processes_inside(folder):
    """PIDs whose working directory is inside ``folder`` (Linux /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(Path(os.readlink(proc / "cwd"))).startswith(str(folder)):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs Linux /proc")
def test_an_endless_submission_times_out_and_leaves_nothing_running(tmp_path, dask_cluster):
    assignment = ASSIGNMENTS[0]
    first = _first_function(assignment)
    endless = first.source.split("### BEGIN SOLUTION")[0] + "pass\nwhile True:\n    pass\n"
    submissions = tmp_path / "submissions" / "loopy"
    submissions.mkdir(parents=True)
    nbformat.write(filled_release(assignment, {first.metadata.nbgrader.grade_id: endless}),
                   submissions / f"{assignment}.ipynb")
    from grader.grade import grade_class

    report = grade_class(assignment, submissions.parent, out=tmp_path / "out",
                         home=tmp_path / "home", timeout=12, cluster=dask_cluster.options())
    assert [(r.student_id, r.score, r.status) for r in report.rows] == [("loopy", 0, "timeout")]
    page = (tmp_path / "out" / "feedback" / "loopy" / f"{assignment}.html").read_text()
    assert "Grading stopped part way" in page and "ran over" in page
    assert _processes_inside(tmp_path / "home") == []
    from tests.cluster import forked_kernels, processes_outside_other_tests

    assert [args for _, args in processes_outside_other_tests()
            if "nn-grader-ipc" in args or "grader.worker" in args] == []
    assert forked_kernels() == []


def test_the_master_gradebook_holds_the_same_scores_as_the_csv(graded_class):
    from nbgrader.api import Gradebook

    from grader.course import course_id, sqlite_url

    a, rows = graded_class["assignment"], graded_class["rows"]
    with Gradebook(sqlite_url(graded_class["home"] / "gradebook.db"), course_id()) as gb:
        graded = ("ada_correct", "bo_mistakes", "cy_blank", "dee_alternatives")
        for student in graded:
            assert gb.find_submission(a, student).score == float(rows[student]["score"])
        assert {s.id for s in gb.students} == set(graded)


def test_without_bubblewrap_grading_refuses_unless_told_and_then_warns(tmp_path):
    assignment = ASSIGNMENTS[0]
    submissions = tmp_path / "submissions" / "ada"
    submissions.mkdir(parents=True)
    nbformat.write(filled_release(assignment), submissions / f"{assignment}.ipynb")
    # a PATH with the course environment only: no bwrap on it
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    command = [sys.executable, "-m", "grader", "grade", assignment, str(submissions.parent),
               "--out", str(tmp_path / "out"), "--home", str(tmp_path / "home")]
    refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=300)
    assert refused.returncode == 2
    assert "bubblewrap" in refused.stderr and "--no-sandbox" in refused.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()

    done = subprocess.run(command + ["--no-sandbox"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WARNING: student code ran WITHOUT the bubblewrap sandbox" in done.stdout
    summary = (tmp_path / "out" / "summary.txt").read_text()
    assert "NOT sandboxed" in summary and "WARNING" in summary
    with (tmp_path / "out" / "grades.csv").open() as handle:
        row = next(csv.DictReader(handle))
    assert (row["status"], row["score"]) == ("graded", row["max_score"])


def test_the_class_benchmark_prints_throughput_and_overhead(capsys):
    from grader.bench import bench_class

    # the cheapest notebook: the test is about what the benchmark prints, not its figures
    assert bench_class(["01_neurons_and_layers"], students=1, workers=2, scaling=False) == 0
    out = capsys.readouterr().out
    assert "st/min" in out and "overhead" in out and "nbgrader" in out
    assert "where a student's seconds go" in out and "setup cell" in out and "Dask" in out
    row = next(line for line in out.splitlines() if line.startswith("01_neurons_and_layers"))
    assert "not fully graded" not in out
    assert len(row.split()) == 6


def _calls_other_answers(assignment, grade_id):
    """Whether the reference answer of ``grade_id`` calls another graded function."""
    import ast

    cells = {c.metadata.nbgrader.grade_id: c.source for c in _function_cells(assignment)}
    used = {node.id for node in ast.walk(ast.parse(cells[grade_id]))
            if isinstance(node, ast.Name)}
    return bool(used & (set(cells) - {grade_id}))


def test_the_page_names_each_catalogued_mistake_and_tests_csv_records_it(graded_class):
    """bo's every function holds its catalogue's first mistake: through real grading (the
    checker replays the failing tests' calls), the page says it in the mistake's own
    sentence and tests.csv names it, never naming another; the right, the alternative
    and the blank answers are never diagnosed. (A function that calls bo's other, wrong,
    functions may go unnamed: the replay runs it on the reference ones.)"""
    from grader.feedback import _with_code
    from tests.test_mistakes import _named_together

    a, module = graded_class["assignment"], _catalogue(graded_class["assignment"])
    with (graded_class["out"] / "tests.csv").open() as handle:
        lines = list(csv.DictReader(handle))
    page = (graded_class["out"] / "feedback" / "bo_mistakes" / f"{a}.html").read_text()
    for grade_id, cases in module.MISTAKES.items():
        description = cases[0][0]
        diagnosed = [line["diagnosed_mistake"] for line in lines
                     if line["student_id"] == "bo_mistakes" and line["diagnosed_mistake"]
                     and line["grade_id"] in (f"test_{grade_id}_visible",
                                              f"test_{grade_id}_hidden")]
        if description in getattr(module, "NOT_NAMED", {}).get(grade_id, {}):
            assert not diagnosed, (grade_id, diagnosed)
            continue
        expected = _named_together(module, grade_id, description)
        if not diagnosed and _calls_other_answers(a, grade_id):
            continue  # it ran on bo's own (wrong) functions: the replay cannot agree
        assert diagnosed, f"{grade_id}: '{description}' was not named"
        written = {" or ".join(order) for order in itertools.permutations(sorted(expected))}
        assert set(diagnosed) <= written, (grade_id, diagnosed, expected)
        assert _with_code(module.MESSAGES[grade_id][description]) in page, grade_id
    for student in ("ada_correct", "cy_blank", "dee_alternatives"):
        assert not [line for line in lines
                    if line["student_id"] == student and line["diagnosed_mistake"]], student
        page = (graded_class["out"] / "feedback" / student / f"{a}.html").read_text()
        assert 'class="diagnosis"' not in page, student
