"""course/ is exactly what nbgrader generates from solutions/, and leaks nothing."""

import filecmp

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
