"""course/ is exactly what nbgrader generates from solutions/, and leaks nothing."""

import filecmp
from pathlib import Path

import nbformat
import pytest

from grader.course import RELEASE, SOLUTIONS, assignments
from grader.release import check_release, check_solution, generate

ASSIGNMENTS = assignments()


def test_there_are_assignments_and_their_releases():
    assert "01_neurons_and_layers" in ASSIGNMENTS
    assert sorted(p.name for p in RELEASE.iterdir() if p.is_dir()) == ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_course_is_byte_identical_to_a_fresh_generation(assignment, tmp_path):
    generated = generate(assignment, tmp_path / "release", tmp_path / "gradebook.db")
    committed = RELEASE / assignment
    comparison = filecmp.dircmp(generated.parent, committed)
    assert comparison.left_only == [] and comparison.right_only == []
    for name in comparison.common_files:
        assert (generated.parent / name).read_bytes() == (committed / name).read_bytes(), (
            f"course/{assignment}/{name} differs from what nbgrader generates: "
            "run `python -m grader release`"
        )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_follow_the_conventions(assignment):
    assert check_solution(assignment, SOLUTIONS / assignment / f"{assignment}.ipynb") == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_or_hidden_test_text(assignment):
    problems = check_release(SOLUTIONS / assignment / f"{assignment}.ipynb",
                             RELEASE / assignment / f"{assignment}.ipynb")
    assert problems == []
    release = nbformat.read(RELEASE / assignment / f"{assignment}.ipynb", as_version=4)
    stubs = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)


def test_the_leak_check_can_fail(tmp_path):
    assignment = ASSIGNMENTS[0]
    release = nbformat.read(RELEASE / assignment / f"{assignment}.ipynb", as_version=4)
    release.cells[-1].source += "\n### BEGIN HIDDEN TESTS\nexp(-np.logaddexp(0.0, -z))\n"
    leaky = tmp_path / "leaky.ipynb"
    nbformat.write(release, leaky)
    problems = check_release(SOLUTIONS / assignment / f"{assignment}.ipynb", leaky)
    assert any("BEGIN HIDDEN TESTS" in p for p in problems)


def test_a_new_gradebook_is_the_one_nbgrader_makes(tmp_path):
    """The grader makes a new gradebook in-process (nbgrader runs ``alembic heads`` in a
    new process for it, seconds on every fresh folder): same tables, same schema version,
    and nbgrader opens it and records an assignment in it."""
    import sqlite3
    import subprocess
    import sys

    from nbgrader.api import Gradebook

    from grader.course import _alembic_head, create_gradebook, sqlite_url

    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    create_gradebook(ours)
    with Gradebook(sqlite_url(theirs)):
        pass

    def schema(path):
        with sqlite3.connect(path) as db:
            tables = "SELECT type, name, sql FROM sqlite_master ORDER BY name"
            return (db.execute(tables).fetchall(),
                    db.execute("SELECT version_num FROM alembic_version").fetchall())

    assert schema(ours) == schema(theirs)
    alembic = Path(sys.executable).with_name("alembic")
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini(sqlite_url(tmp_path / "x.db")) as ini:
        heads = subprocess.check_output([str(alembic), "-c", ini, "heads"], text=True)
    assert heads.split()[0] == _alembic_head()
    generate("01_neurons_and_layers", tmp_path / "release", ours)
    with Gradebook(sqlite_url(ours)) as gradebook:
        assert gradebook.find_assignment("01_neurons_and_layers").max_score > 0
