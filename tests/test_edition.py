"""The student edition (`python -m grader publish`): complete, pinned to its tag, leak-free.

The edition is published once per run (the ``edition`` fixture of conftest.py).
"""

import filecmp
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.course import HIDDEN_BLOCK, RELEASE, ROOT, SOLUTION_BLOCK, SOLUTIONS, assignments
from grader.publish import PublishError, publish
from grader.release import filled_release
from helpers.setup import colab_badge_url, setup_cell
from tests.conftest import EDITION_REF, EDITION_REPOSITORY

ASSIGNMENTS = assignments()
MIN_LINE = 24


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_the_edition_holds_what_a_student_needs_and_nothing_of_the_instructor_s(edition):
    files = _files(edition)
    expected = {f"course/{a}/{a}.ipynb" for a in ASSIGNMENTS} | {
        f"helpers/{p.name}" for p in (ROOT / "helpers").glob("*.py")} | {
        f"data/{p.name}" for p in (ROOT / "data").glob("*.npz")} | {
        "data/README.md", "pyproject.toml", "LICENSE", "README.md", "tasks.py", ".gitignore",
        "edition.json"}
    assert set(files) == expected
    assert not [f for f in files if f.startswith(("solutions", "grader", "tests", "tools"))]
    assert "MNIST" in (edition / "data" / "README.md").read_text()
    assert "MIT License" in (edition / "LICENSE").read_text()


def test_badges_and_setup_cells_point_at_the_tag_never_a_branch(edition):
    for assignment in ASSIGNMENTS:
        notebook = nbformat.read(edition / "course" / assignment / f"{assignment}.ipynb",
                                 as_version=4)
        assert colab_badge_url(assignment, EDITION_REPOSITORY, EDITION_REF) in \
            notebook.cells[0].source
        setup = next(c for c in notebook.cells if c.cell_type == "code")
        assert setup.source == setup_cell(EDITION_REPOSITORY, EDITION_REF)
    readme = (edition / "README.md").read_text()
    for assignment in ASSIGNMENTS:
        assert colab_badge_url(assignment, EDITION_REPOSITORY, EDITION_REF) in readme
    assert "python3 tasks.py lab" in readme and f"git tag {EDITION_REF}" in readme
    for name in _files(edition):
        if name.endswith((".npz",)):
            continue
        text = (edition / name).read_text(encoding="utf-8")
        assert "OWNER/NAME" not in text and "edition-unpublished" not in text, name
        links = re.findall(rf"{EDITION_REPOSITORY}(?:/blob/|@)([\w.-]+)", text)
        assert set(links) <= {EDITION_REF}, (name, links)


def test_the_default_tag_names_this_commit():
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    from grader.publish import default_ref

    assert default_ref() == f"edition-{commit[:12]}"


def test_publishing_the_same_commit_twice_writes_the_same_bytes(edition, tmp_path):
    again = publish(tmp_path / "again", EDITION_REPOSITORY, EDITION_REF)
    assert _files(again) == _files(edition)
    _, mismatch, errors = filecmp.cmpfiles(edition, again, _files(edition), shallow=False)
    assert mismatch == [] and errors == []


@pytest.mark.parametrize("repository, ref", [("no-slash", None), ("a/b/c", None),
                                             ("owner/name", "../escape"),
                                             ("OWNER/NAME", "edition-unpublished")])
def test_publish_refuses_what_cannot_be_a_github_repository_or_tag(tmp_path, repository, ref):
    with pytest.raises(PublishError):
        publish(tmp_path / "out", repository, ref or "v1")


def test_publish_never_empties_a_folder_that_is_not_an_edition(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(PublishError):
        publish(tmp_path, EDITION_REPOSITORY, EDITION_REF)
    assert (tmp_path / "precious.txt").exists()


# ------------------------------------------------------------------------- leaks

def _secret_lines() -> set[str]:
    """Lines of solutions, hidden tests and mistake lists that the public material lacks."""
    secret, public = set(), set()
    for assignment in ASSIGNMENTS:
        solution = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
        for cell in solution.cells:
            for block in SOLUTION_BLOCK.findall(cell.source) + HIDDEN_BLOCK.findall(cell.source):
                secret.update(line.strip() for line in block.splitlines())
        release = nbformat.read(RELEASE / assignment / f"{assignment}.ipynb", as_version=4)
        for cell in release.cells:
            public.update(line.strip() for line in cell.source.splitlines())
    for mistakes in (ROOT / "tests" / "mistakes").glob("nb*.py"):
        secret.update(line.strip() for line in mistakes.read_text().splitlines())
    for module in (ROOT / "helpers").glob("*.py"):  # given code, used by later notebooks
        public.update(line.strip() for line in module.read_text().splitlines())
    return {line for line in secret - public if len(line) >= MIN_LINE}


def _lines(folder: Path, name: str) -> set[str]:
    """The lines of a published file, stripped; of a notebook, its cells' lines too."""
    raw = (folder / name).read_bytes()
    text = raw.decode("utf-8", errors="replace")
    if name.endswith(".ipynb"):
        text += "\n" + "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
    return {line.strip() for line in text.splitlines()}


def _leaks(folder: Path, secret: set[str]) -> list[tuple[str, str]]:
    """Each secret line that is a line of a published file (binary files included)."""
    return [(name, line) for name in _files(folder) for line in sorted(
        secret & _lines(folder, name))]


def test_no_line_of_a_solution_hidden_test_or_mistake_list_is_published(edition):
    secret = _secret_lines()
    assert len(secret) > 300  # the search has something to look for
    assert _leaks(edition, secret) == []


def test_the_leak_search_finds_a_planted_line(edition, tmp_path):
    secret = _secret_lines()
    planted = tmp_path / "planted"
    subprocess.run(["cp", "-r", str(edition), str(planted)], check=True)
    line = sorted(secret)[len(secret) // 2]
    with (planted / "README.md").open("a") as handle:
        handle.write(f"\n    {line}\n")
    assert [leak[1] for leak in _leaks(planted, secret)] == [line]


# ------------------------------------------------------------------- the edition works

def test_validate_works_in_the_edition(edition, tmp_path):
    """nbgrader's Validate accepts a solved edition notebook: its checksums are right."""
    assignment = "04_activations"
    solved = filled_release(assignment, release_root=edition / "course")
    path = tmp_path / f"{assignment}.ipynb"
    nbformat.write(solved, path)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert "Success! Your notebook passes all the tests." in done.stdout, done.stdout[-3000:]
    blank = tmp_path / "blank.ipynb"
    blank.write_bytes((edition / "course" / assignment / f"{assignment}.ipynb").read_bytes())
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(blank)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert "NotWritten" in done.stdout and "CHANGED" not in done.stdout, done.stdout[-3000:]
    assert "checks.py" not in done.stdout, done.stdout[-3000:]  # the message, not our frames


def test_the_edition_s_tasks_py_is_the_student_s(edition):
    tasks = (edition / "tasks.py").read_text()
    assert "\nSTUDENT_EDITION = True\n" in tasks
    done = subprocess.run([sys.executable, str(edition / "tasks.py")], capture_output=True,
                          text=True)
    assert done.returncode == 2 and "tasks.py lab" in done.stdout
    assert "test" not in done.stdout and "bench" not in done.stdout


def test_edition_json_says_what_was_published(edition):
    info = json.loads((edition / "edition.json").read_text())
    assert info == {"repository": EDITION_REPOSITORY, "ref": EDITION_REF,
                    "assignments": ASSIGNMENTS}
