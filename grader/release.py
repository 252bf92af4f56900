"""Generate the student release (course/) from solutions/ with nbgrader, and validate it."""

from __future__ import annotations

import ast
import logging
import shutil
import tempfile
from pathlib import Path

import nbformat

from helpers.setup import SETUP_CELL, colab_badge_url

from .course import (
    HIDDEN_BLOCK,
    MASTER_DB,
    RELEASE,
    SOLUTION_BLOCK,
    SOLUTIONS,
    assignments,
    create_gradebook,
    nbgrader_config,
    nbgrader_meta,
    sqlite_url,
)

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


class ReleaseError(RuntimeError):
    """A notebook breaks a course convention; the message lists every problem."""


def generate(assignment: str, release_dir: Path, db_path: Path = MASTER_DB,
             solutions_dir: Path = SOLUTIONS) -> Path:
    """Run nbgrader's generate_assignment; writes ``release_dir/<a>/<a>.ipynb``.

    Also records the assignment (cells, points, test sources) in the gradebook
    ``db_path``, which autograding needs.
    """
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    config = nbgrader_config(
        source_directory=str(solutions_dir.resolve()),
        release_directory=str(release_dir.resolve()),
        db_url=sqlite_url(db_path.resolve()),
    )
    config.GenerateAssignment.log_level = logging.WARNING
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    create_gradebook(db_path)   # a new one, in-process: nbgrader's own way takes seconds
    app = GenerateAssignment(coursedir=coursedir, config=config)
    app.force = True
    app.create_assignment = True
    app.start()
    return release_dir / assignment / f"{assignment}.ipynb"


def _first_code_cell(nb) -> str:
    return next(c.source for c in nb.cells if c.cell_type == "code")


def check_solution(assignment: str, path: Path) -> list[str]:
    """Problems of an instructor notebook (empty when it follows the conventions)."""
    problems = []
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    if _first_code_cell(nb) != SETUP_CELL:
        problems.append(f"{path}: the first code cell is not helpers.setup.SETUP_CELL")
    if colab_badge_url(assignment) not in nb.cells[0].source:
        problems.append(f"{path}: the first cell lacks the badge {colab_badge_url(assignment)}")
    grade_ids = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade_id"):
            grade_ids.append(meta["grade_id"])
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count):
            problems.append(f"{path}: cell {cell.get('id')} has outputs; commit it cleared")
    duplicates = {g for g in grade_ids if grade_ids.count(g) > 1}
    if duplicates:
        problems.append(f"{path}: duplicate grade_id {sorted(duplicates)}")
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        source = cell.source
        if meta.get("solution") and "def " in source:
            name = meta["grade_id"]
            for kind in ("visible", "hidden"):
                if f"test_{name}_{kind}" not in grade_ids:
                    problems.append(f"{path}: {name} has no test_{name}_{kind} cell")
    problems += [f"{path}: {problem}" for problem in test_cells_not_self_contained(nb)]
    return problems


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell reads anywhere, names it binds anywhere) after IPython's rewriting."""
    from .policy import _parse

    tree = _parse(source)
    read, bound = set(), set()
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return read, bound


def test_cells_not_self_contained(nb) -> list[str]:
    """Test cells that read a name only an ordinary (editable) cell or another test defines.

    The checker runs a test cell with the read-only cells and the test cell itself, and
    takes from the student's kernel only the names the answer cells define.
    """
    import builtins

    available = set(dir(builtins)) | {"__name__", "__file__", "get_ipython", "display"}
    answers: set[str] = set()
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        read, bound = _names(cell.source)
        if meta.get("solution"):
            answers |= bound
        elif meta.get("grade"):
            missing = read - bound - available - answers
            if missing:
                problems.append(f"{meta['grade_id']} reads {sorted(missing)}, which only an "
                                "ordinary cell defines: compute it in the test cell or in a "
                                "read-only cell")
        elif meta.get("locked"):
            available |= bound
    return problems


def check_release(solution_path: Path, release_path: Path) -> list[str]:
    """Problems of a generated student notebook: leaked solutions or hidden tests."""
    problems = []
    release = nbformat.read(release_path, as_version=4)
    nbformat.validate(release)
    text = "\n".join(c.source for c in release.cells)
    for marker in MARKERS:
        if marker in text:
            problems.append(f"{release_path}: contains the marker {marker!r}")
    solution = nbformat.read(solution_path, as_version=4)
    secret_lines, public_lines = set(), set()
    for cell in solution.cells:
        blocks = SOLUTION_BLOCK.findall(cell.source) + HIDDEN_BLOCK.findall(cell.source)
        for block in blocks:
            secret_lines.update(line.strip() for line in block.splitlines())
        public = HIDDEN_BLOCK.sub("", SOLUTION_BLOCK.sub("", cell.source))
        public_lines.update(line.strip() for line in public.splitlines())
    release_lines = {line.strip() for line in text.splitlines()}
    leaked = (secret_lines - public_lines) & release_lines
    for line in sorted(line for line in leaked if line and not line.startswith("#")):
        problems.append(f"{release_path}: leaks a solution or hidden-test line: {line!r}")
    if _first_code_cell(release) != SETUP_CELL:
        problems.append(f"{release_path}: the first code cell is not helpers.setup.SETUP_CELL")
    return problems


def release(selected: list[str] | None = None, release_root: Path = RELEASE) -> list[Path]:
    """Regenerate ``course/`` (or ``release_root``) from solutions/ and validate it.

    Raises ReleaseError listing every problem; returns the written notebooks.
    """
    written, problems = [], []
    for assignment in selected or assignments():
        solution_path = SOLUTIONS / assignment / f"{assignment}.ipynb"
        problems += check_solution(assignment, solution_path)
        with tempfile.TemporaryDirectory() as tmp:
            generated = generate(assignment, Path(tmp))
            target = release_root / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(generated.parent, target)
        path = target / f"{assignment}.ipynb"
        problems += check_release(solution_path, path)
        written.append(path)
    if problems:
        raise ReleaseError("\n".join(problems))
    return written


def student_answer(source: str) -> str:
    """A solution cell as a student who solved it would submit it: markers removed."""
    return SOLUTION_BLOCK.sub(lambda match: match.group(1), source)


def filled_release(assignment: str, answers: dict[str, str] | None = None,
                   release_root: Path = RELEASE, solutions_dir: Path = SOLUTIONS):
    """The student notebook with every solution cell answered.

    Answers come from solutions/ unless ``answers`` maps a solution cell's grade_id
    to other source code (a mistake to test, or an alternative answer).
    """
    solution = nbformat.read(solutions_dir / assignment / f"{assignment}.ipynb", as_version=4)
    reference = {
        cell.metadata["nbgrader"]["grade_id"]: student_answer(cell.source)
        for cell in solution.cells if nbgrader_meta(cell).get("solution")
    }
    reference.update(answers or {})
    student = nbformat.read(release_root / assignment / f"{assignment}.ipynb", as_version=4)
    for cell in student.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in reference:
            cell.source = reference[grade_id]
    return student


def without_lesson_cells(notebook):
    """``notebook`` with only its nbgrader cells among the code cells (a student may
    delete the lesson's demo cells): grading it costs what its graded and read-only
    cells cost. Tests use it for every student whose lesson cells prove nothing."""
    notebook.cells = [c for c in notebook.cells
                      if c.cell_type != "code" or nbgrader_meta(c)]
    return notebook
