"""The student edition (`python -m grader publish`): complete, pinned to its tag, leak-free.

The edition of the working tree is published once per run (the ``edition`` fixture of
conftest.py). What publishing does with this repository's commit, a dirty working tree,
an earlier edition and its git history is tried on a clone of this repository (the
``clone`` fixture), whose working tree the tests may dirty.
"""

import filecmp
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from grader.course import HIDDEN_BLOCK, RELEASE, ROOT, SOLUTION_BLOCK, SOLUTIONS, assignments
from grader.kernels import command_line, unix_sockets
from grader.publish import PublishError, publish
from grader.release import filled_release
from helpers.setup import colab_badge_url, setup_cell
from tests.conftest import EDITION_REF, EDITION_REPOSITORY, GIT_IDENTITY

ASSIGNMENTS = assignments()
MIN_LINE = 24


def _files(folder: Path) -> list[str]:
    """The files under ``folder``, but not its ``.git``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).parts[0] != ".git")


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


def _same_bytes(one: Path, other: Path) -> bool:
    _, mismatch, errors = filecmp.cmpfiles(one, other, _files(one), shallow=False)
    return _files(one) == _files(other) and mismatch == [] and errors == []


def test_publishing_the_same_working_tree_twice_writes_the_same_bytes(edition, tmp_path):
    again = publish(tmp_path / "again", EDITION_REPOSITORY, EDITION_REF, from_working_tree=True)
    assert _same_bytes(edition, again.out)


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
    for mistakes in (ROOT / "grader" / "mistakes").glob("nb*.py"):
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

@pytest.mark.parametrize("which", ["edition", "edition_es"])
def test_validate_works_in_the_edition(which, request, tmp_path):
    """nbgrader's Validate accepts a solved edition notebook: its checksums are right (in
    the English edition and in the Spanish one, whose translated cells were re-summed)."""
    edition = request.getfixturevalue(which)
    assignment = "04_activations"
    solved = filled_release(assignment, release_root=edition / "course")
    path = tmp_path / f"{assignment}.ipynb"
    nbformat.write(solved, path)
    with unix_sockets() as sockets:  # not TCP: another test's client can take a free port
        done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path),
                               *command_line(sockets)],
                              cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert "Success! Your notebook passes all the tests." in done.stdout, done.stdout[-3000:]
    blank = tmp_path / "blank.ipynb"
    blank.write_bytes((edition / "course" / assignment / f"{assignment}.ipynb").read_bytes())
    with unix_sockets() as sockets:
        done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(blank),
                               *command_line(sockets)],
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


# ------------------------------------------- what is published: the commit, not the disk

@pytest.fixture
def clone(tmp_path):
    """A fresh clone of this repository's commit: its working tree is the test's to dirty."""
    folder = tmp_path / "instructor"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(folder)], check=True, timeout=120)
    return folder


def _autosave_outputs(path: Path) -> None:
    """What JupyterLab saves after Run All on a blank notebook: outputs and counts."""
    notebook = nbformat.read(path, as_version=4)
    for count, cell in enumerate([c for c in notebook.cells if c.cell_type == "code"], 1):
        cell.execution_count = count
        cell.outputs = [nbformat.v4.new_output(
            "stream", name="stdout", text="`softmax` is not written yet\n")]
    nbformat.write(notebook, path)


def test_the_commit_is_published_whatever_the_working_tree_holds(clone, tmp_path):
    """Outputs a lab saved into course/, an edited and an untracked helpers module: the
    edition is the commit's, byte for byte, and the report names what was left out."""
    clean = publish(tmp_path / "clean", EDITION_REPOSITORY, EDITION_REF, root=clone)
    assert clean.left_out == [] and clean.made_from.startswith("commit ")
    from_disk = publish(tmp_path / "from-disk", EDITION_REPOSITORY, EDITION_REF, root=clone,
                        from_working_tree=True)
    assert _same_bytes(clean.out, from_disk.out)  # a clean tree: both ways agree

    notebook = "course/05_softmax_cross_entropy/05_softmax_cross_entropy.ipynb"
    _autosave_outputs(clone / notebook)
    with (clone / "helpers" / "nn.py").open("a") as handle:
        handle.write("\nUNCOMMITTED = True\n")
    (clone / "helpers" / "scratch.py").write_text("UNTRACKED = True\n")
    dirty = publish(tmp_path / "dirty", EDITION_REPOSITORY, EDITION_REF, root=clone)
    assert _same_bytes(clean.out, dirty.out)
    assert dirty.left_out == [f"M {notebook}", "M helpers/nn.py", "?? helpers/scratch.py"]
    report = dirty.report()
    assert notebook in report and "helpers/scratch.py" in report and "not published" in report


def test_a_course_that_is_not_a_fresh_release_is_refused_naming_the_notebook(clone, tmp_path):
    notebook = "course/05_softmax_cross_entropy/05_softmax_cross_entropy.ipynb"
    _autosave_outputs(clone / notebook)
    with pytest.raises(PublishError, match=re.escape(notebook)) as refused:
        publish(tmp_path / "disk", EDITION_REPOSITORY, EDITION_REF, root=clone,
                from_working_tree=True)
    assert "grader release" in str(refused.value)
    subprocess.run(["git", "commit", "-q", "-a", "-m", "saved by the lab"], cwd=clone,
                   env={**os.environ, **GIT_IDENTITY}, check=True)
    with pytest.raises(PublishError, match=re.escape(notebook)):  # committed by mistake
        publish(tmp_path / "commit", EDITION_REPOSITORY, EDITION_REF, root=clone)
    assert not (tmp_path / "disk").exists() and not (tmp_path / "commit").exists()


def test_the_working_tree_needs_a_tag_of_its_own_when_it_is_not_the_commit(clone, tmp_path):
    (clone / "helpers" / "scratch.py").write_text("UNTRACKED = True\n")
    with pytest.raises(PublishError, match="--ref"):
        publish(tmp_path / "out", EDITION_REPOSITORY, root=clone, from_working_tree=True)


def _load_tasks(folder: Path):
    spec = importlib.util.spec_from_file_location(f"tasks_{folder.name}", folder / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _put(lab, path: str, model: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{lab.port}/api/contents/{path}", method="PUT",
        data=json.dumps(model).encode(), headers={
            "Authorization": f"token {lab.token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_the_instructor_s_lab_saves_nothing_into_course(tmp_path):
    """A notebook of course/ run in the instructor's lab: the (auto)save is refused with a
    message, the file stays as released; elsewhere the lab saves."""
    from tests.test_jupyterlab import Lab

    assignment = "04_activations"
    folder = tmp_path / "instructor"
    released = folder / "course" / assignment / f"{assignment}.ipynb"
    released.parent.mkdir(parents=True)
    shutil.copyfile(RELEASE / assignment / f"{assignment}.ipynb", released)
    shutil.copyfile(ROOT / "tasks.py", folder / "tasks.py")
    command, env = _load_tasks(folder).lab_command(Path(sys.executable))
    before = released.read_bytes()
    lab = Lab(command, folder, env, tmp_path / "lab.log", wait=180)
    try:
        shutil.copyfile(released, tmp_path / "ran.ipynb")
        _autosave_outputs(tmp_path / "ran.ipynb")
        model = {"type": "notebook", "format": "json",
                 "content": json.loads((tmp_path / "ran.ipynb").read_text())}
        status, body = _put(lab, f"course/{assignment}/{assignment}.ipynb", model)
        assert status == 403 and "Save Notebook As" in body, (status, body[:500])
        assert released.read_bytes() == before
        status, body = _put(lab, f"{assignment}-copy.ipynb", model)
        assert status in (200, 201), body[:500]
    finally:
        lab.stop()
    assert (folder / f"{assignment}-copy.ipynb").exists()


# --------------------------------------------- publishing again, and what to run next

def _printed_steps(printed: str) -> list[str]:
    """The commands publish prints last (indented, after its last unindented line)."""
    lines = printed.strip().splitlines()
    last = max(i for i, line in enumerate(lines) if not line.startswith("  "))
    return [line.strip() for line in lines[last + 1:]]


def _fake_github(tmp_path: Path) -> dict:
    """Bare repositories standing in for github.com, and an environment whose git uses them."""
    github = tmp_path / "github"
    subprocess.run(["git", "init", "-q", "--bare", str(github / f"{EDITION_REPOSITORY}.git")],
                   check=True)
    config = tmp_path / "gitconfig"
    config.write_text(f'[url "file://{github}/"]\n\tinsteadOf = https://github.com/\n')
    return {**os.environ, **GIT_IDENTITY, "GIT_CONFIG_GLOBAL": str(config)}


def _publish_command(capsys, out: Path, ref: str, *extra: str) -> str:
    from grader.__main__ import main

    assert main(["publish", str(out), "--repository", EDITION_REPOSITORY, "--ref", ref,
                 *extra]) == 0
    return capsys.readouterr().out


def _git_out(folder: Path, *args: str, env=None) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                          check=True, env=env).stdout


def test_publish_says_what_to_run_and_updates_an_edition_in_place(capsys, tmp_path):
    """The instructor's journey: publish, run the printed commands, publish again into the
    same clone (its .git kept, nothing else of the old tree), dry runs in between."""
    env, out = _fake_github(tmp_path), tmp_path / "edition"
    printed = _publish_command(capsys, out, "edition-one")
    steps = _printed_steps(printed)
    assert steps[1:] == ["git init -b main", "git add -A",
                         "git commit -m 'Student edition edition-one'", "git tag edition-one",
                         f"git remote add origin https://github.com/{EDITION_REPOSITORY}.git",
                         "git push -u origin main edition-one"]
    subprocess.run(["bash", "-euc", "\n".join(steps)], env=env, check=True,
                   capture_output=True)
    bare = tmp_path / "github" / f"{EDITION_REPOSITORY}.git"
    assert _git_out(bare, "tag").split() == ["edition-one"]

    dropped = out / "course" / "99_dropped" / "99_dropped.ipynb"  # e.g. an older assignment
    dropped.parent.mkdir()
    dropped.write_text("{}")
    files_before = {name: (out / name).read_bytes() for name in _files(out)}
    head_before = _git_out(out, "rev-parse", "HEAD")
    printed = _publish_command(capsys, out, "edition-two", "--dry-run")
    assert printed.startswith("dry run: nothing written")
    for changed in ("README.md", "edition.json", "helpers/setup.py",
                    "course/04_activations/04_activations.ipynb"):
        assert f"  changed: {changed}\n" in printed, printed
    assert "  removed: course/99_dropped/99_dropped.ipynb\n" in printed
    assert {name: (out / name).read_bytes() for name in _files(out)} == files_before
    assert _git_out(out, "rev-parse", "HEAD") == head_before
    assert _printed_steps(printed)[1:] == ["git add -A",
                                           "git commit -m 'Student edition edition-two'",
                                           "git tag edition-two",
                                           "git push origin HEAD edition-two"]

    printed = _publish_command(capsys, out, "edition-two")
    assert _git_out(out, "rev-parse", "HEAD") == head_before  # the history is there
    assert not dropped.parent.exists()
    fresh = publish(tmp_path / "fresh", EDITION_REPOSITORY, "edition-two")
    assert _same_bytes(fresh.out, out)  # nothing else of the old tree
    subprocess.run(["bash", "-euc", "\n".join(_printed_steps(printed))], env=env, check=True,
                   capture_output=True)
    assert _git_out(bare, "tag").split() == ["edition-one", "edition-two"]
    assert len(_git_out(bare, "log", "--format=%H", "main").split()) == 2

    printed = _publish_command(capsys, out, "edition-two", "--dry-run")
    assert "would change 0 files" in printed and "already edition-two" in printed
    assert _printed_steps(printed)[1:] == ["git push origin HEAD edition-two"]


def test_publish_refuses_a_folder_that_holds_anything_but_an_earlier_edition(tmp_path):
    out = tmp_path / "edition"
    publish(out, EDITION_REPOSITORY, EDITION_REF)
    (out / "notes.txt").write_text("the instructor's own notes")
    files = _files(out)
    with pytest.raises(PublishError, match="notes.txt"):
        publish(out, EDITION_REPOSITORY, "edition-again")
    assert _files(out) == files and json.loads((out / "edition.json").read_text())["ref"] == (
        EDITION_REF)
    empty_clone = tmp_path / "empty-clone"  # a clone of a new, empty repository: accepted
    subprocess.run(["git", "init", "-q", str(empty_clone)], check=True)
    publish(empty_clone, EDITION_REPOSITORY, EDITION_REF)
    assert (empty_clone / ".git").is_dir() and (empty_clone / "edition.json").exists()


# ------------------------------------------------ a submission made from the edition

def _gradebook_spec(assignment: str, folder: Path):
    """What the grader trusts about ``assignment``, from a gradebook made as grading does."""
    from grader.grade import assignment_spec
    from grader.release import generate

    generate(assignment, folder / "release", folder / "gradebook.db")
    return assignment_spec(assignment, folder / "gradebook.db", folder / "release")


def test_a_submission_made_from_the_edition_gets_no_note(edition, tmp_path):
    """Its badge and setup cell name the edition; the grader's copies the placeholders."""
    from grader.autograde import prepare

    for assignment in ASSIGNMENTS:
        spec = _gradebook_spec(assignment, tmp_path / assignment)
        submission = filled_release(assignment, release_root=edition / "course")
        assert prepare(submission, spec)[1] == [], assignment
        submission.cells[0].source += "\nA line the student added."
        assert prepare(submission, spec)[1] == ["intro restored"], assignment  # can fail


def test_grading_a_submission_made_from_the_edition_writes_no_note(edition, tmp_path,
                                                                   dask_cluster):
    from grader.grade import grade_class
    from grader.sandbox import sandbox_problem

    assignment = "04_activations"
    student = tmp_path / "submissions" / "ada"
    student.mkdir(parents=True)
    nbformat.write(filled_release(assignment, release_root=edition / "course"),
                   student / f"{assignment}.ipynb")
    report = grade_class(assignment, student.parent, out=tmp_path / "out",
                         home=tmp_path / "home", cluster=dask_cluster.options(),
                         sandbox=sandbox_problem() is None)
    [row] = report.rows
    assert (row.status, row.score) == ("graded", row.max_score) and row.max_score > 0
    assert "restored" not in row.detail, row.detail
