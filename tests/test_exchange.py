"""The nbgrader round trip on one machine, with this grader in the middle.

release_assignment -> two students fetch and submit -> collect -> ``python -m grader
grade`` reads nbgrader's collected layout -> release_feedback -> the students fetch
their feedback; ``nbgrader export`` then gives the scores of grades.csv. Everything
runs in a fresh clone of the course, its exchange in a folder of the test.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.course import ROOT
from grader.release import filled_release
from grader.sandbox import sandbox_problem

A = "04_activations"
pytestmark = pytest.mark.skipif(
    sandbox_problem() is not None and not os.environ.get("NN_COURSE_REQUIRE_SANDBOX"),
    reason=f"bubblewrap cannot run here: {sandbox_problem()}")


def _run(command, cwd, env, timeout=900):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-3000:])
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    base = tmp_path_factory.mktemp("exchange")
    clone, exchange = base / "course", base / "exchange"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    exchange.mkdir()
    env = {**os.environ, "NN_COURSE_EXCHANGE": str(exchange),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    python, nbgrader = sys.executable, [sys.executable, "-m", "nbgrader"]
    _run([python, "-m", "grader", "release", A], clone, env)
    _run([*nbgrader, "release_assignment", A], clone, env)
    answers = {"ada": filled_release(A), "bo": filled_release(
        A, {"relu": "def relu(z):\n    return np.abs(z)\n"})}
    students = {}
    for student, notebook in answers.items():
        home = base / student
        home.mkdir()
        (home / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = 'nn-course'\n"
            f"c.Exchange.root = {str(exchange)!r}\n")
        mine = {**env, "HOME": str(home)}
        _run([*nbgrader, "fetch_assignment", A], home, mine)
        fetched = home / A / f"{A}.ipynb"
        assert fetched.is_file()
        nbformat.write(notebook, fetched)
        _run([*nbgrader, "submit", A, f"--student={student}"], home, mine)
        students[student] = (home, mine)
    _run([*nbgrader, "collect", A], clone, env)
    refused = subprocess.run([*nbgrader, "autograde", A], cwd=clone, env=env,
                             capture_output=True, text=True, timeout=600)
    _run([python, "-m", "grader", "grade", A, "grader/submitted", "--workers", "2"], clone, env)
    _run([*nbgrader, "release_feedback", A], clone, env)
    for student, (home, mine) in students.items():
        _run([*nbgrader, "fetch_feedback", A, f"--student={student}"], home, mine)
    _run([*nbgrader, "export", "--to", str(base / "export.csv")], clone, env)
    return clone, base, students, refused.stdout + refused.stderr


def test_nbgrader_s_unsandboxed_autograde_is_switched_off_and_points_at_the_grader(round_trip):
    refused = round_trip[3]
    assert "nbgrader's own autograde is switched off" in refused
    assert "python -m grader grade ASSIGNMENT grader/submitted" in refused


def test_collected_submissions_are_graded(round_trip):
    clone, *_ = round_trip
    with (clone / "grader" / "reports" / A / "grades.csv").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert rows["ada"]["status"] == "graded" and rows["ada"]["score"] == rows["ada"]["max_score"]
    assert rows["bo"]["status"] == "graded" and float(rows["bo"]["score"]) < float(
        rows["bo"]["max_score"])


def test_each_student_fetches_this_grader_s_feedback(round_trip):
    clone, _, students, _ = round_trip
    for student, (home, _) in students.items():
        pages = list((home / A / "feedback").glob(f"*/{A}.html"))
        assert len(pages) == 1, student
        ours = clone / "grader" / "reports" / A / "feedback" / student / f"{A}.html"
        assert pages[0].read_bytes() == ours.read_bytes()
        assert "Content-Security-Policy" in pages[0].read_text()


def test_nbgrader_export_agrees_with_grades_csv(round_trip):
    clone, base, *_ = round_trip
    with (clone / "grader" / "reports" / A / "grades.csv").open() as handle:
        ours = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    with (base / "export.csv").open() as handle:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)
                    if row["assignment"] == A}
    assert exported == ours
