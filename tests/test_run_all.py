"""Run All on every blank release notebook, as a student does it and as grading does it.

- In a plain kernel (no NBGRADER_EXECUTION) every cell runs: a failing visible test
  prints one short message, a demo that needs an unwritten exercise says which, and
  nothing raises (any exception would stop Run All). Every figure, widget and quiz that
  does not need the student's code appears.
- Under graded execution (NBGRADER_EXECUTION=validate, as nbgrader's Validate runs it)
  the visible tests fail as before: each raises, naming the unwritten exercise (run in
  the same kernel after Run All, the checks reading the variable when they run; the
  course's grader is tested on every blank notebook in test_grading).
- The Spanish edition's blank notebooks, with that edition's own ``helpers`` (nothing
  else on the kernel's path), do the same in Spanish.
"""

import os

import nbformat
import pytest
from nbclient import NotebookClient

from grader.course import RELEASE, assignments
from grader.kernels import notebook_config, unix_sockets

SHOWS = ("plt.show()", "quiz(", "image_grid(", "training_curves(", "_bars(", "_pieces(",
         "optimizer_paths(", "decision_boundary(", "hidden_unit_maps(")


GRADED = "import os\nos.environ['NBGRADER_EXECUTION'] = 'validate'  # as nbgrader's Validate"


def _run(assignment, tmp_path, release=RELEASE, env_extra=None):
    """Run All in a plain kernel; then, in the same kernel under graded execution (the
    checks read NBGRADER_EXECUTION when they run), the visible test cells once more."""
    notebook = nbformat.read(release / assignment / f"{assignment}.ipynb", as_version=4)
    visible = [c for c in notebook.cells if c.cell_type == "code" and _kind(c) == "test"
               and c.metadata.nbgrader.grade_id.endswith("_visible")]
    again = [nbformat.v4.new_code_cell(GRADED)] + [nbformat.v4.new_code_cell(c.source)
                                                   for c in visible]
    notebook.cells += again
    # as in JupyterLab: no NBGRADER_EXECUTION, and matplotlib's inline backend (not Agg)
    env = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_EXECUTION", "MPLBACKEND")}
    with unix_sockets() as sockets:  # not TCP: another test's client can take a free port
        client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                                allow_errors=True, config=notebook_config(sockets),
                                resources={"metadata": {"path": str(tmp_path)}})
        client.execute(env={**env, **(env_extra or {})})
    count = len(notebook.cells) - len(again)
    return nbformat.from_dict({**notebook, "cells": notebook.cells[:count]}), again[1:], visible


def _kind(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "other"


@pytest.mark.parametrize("assignment", assignments())
def test_run_all_goes_to_the_end_and_graded_execution_still_fails(assignment, tmp_path):
    _went_to_the_end(*_run(assignment, tmp_path), not_written="not written yet")  # as said


NOT_WRITTEN = "{name} is not written yet: replace raise NotImplementedError() in the cell above."


@pytest.mark.parametrize("assignment", assignments())
def test_run_all_goes_to_the_end_in_the_spanish_edition(assignment, edition_es, tmp_path):
    from helpers.i18n import catalogue

    not_written = "todavía no se ha escrito"  # as the catalogue says it
    assert not_written in catalogue("es")[NOT_WRITTEN]
    notebook, graded, visible = _run(assignment, tmp_path, edition_es / "course",
                                     {"PYTHONPATH": str(edition_es)})
    _went_to_the_end(notebook, graded, visible, not_written=not_written, needs="necesita")
    said = "".join(o.get("text", "") + o.get("evalue", "") for c in notebook.cells
                   if c.cell_type == "code" for o in c.outputs)
    assert "not written yet" not in said and "Hint:" not in said


def test_the_spanish_edition_s_kernel_imports_its_own_helpers_and_speaks_spanish(edition_es):
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import helpers.i18n as i; print(i.language(), i.__file__)")])
    with unix_sockets() as sockets:
        NotebookClient(probe, timeout=120, kernel_name="python3",
                       config=notebook_config(sockets)).execute(
            env={**os.environ, "PYTHONPATH": str(edition_es)})
    assert probe.cells[0].outputs[0].text.startswith(f"es {edition_es}")


def _went_to_the_end(notebook, graded, visible, not_written, needs="needs"):
    for index, cell in enumerate(nb for nb in notebook.cells if nb.cell_type == "code"):
        outputs = cell.outputs
        assert not [o for o in outputs if o.output_type == "error"], (index, cell.source[:80])
        stderr = "".join(o.text for o in outputs if o.get("name") == "stderr")
        assert "Traceback" not in stderr and len(stderr.splitlines()) <= 12, stderr
        if _kind(cell) == "test" and "HIDDEN TESTS" not in cell.source and stderr:
            assert not_written in stderr, stderr  # the one-line message
        if _kind(cell) == "other" and "with needs(" not in cell.source and any(
                show in cell.source for show in SHOWS):
            shown = [o for o in outputs if o.output_type in ("display_data", "execute_result")]
            assert shown, f"cell {index} shows nothing on the blank notebook: {cell.source[:80]}"
        if "with needs(" in cell.source:
            assert needs in stderr or not stderr, stderr
    quizzes = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith("quiz(")]
    assert quizzes and all(c.outputs for c in quizzes)
    assert visible and len(graded) == len(visible)
    for original, cell in zip(visible, graded, strict=True):  # under graded execution
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors and errors[0].ename in ("NotWritten", "NotImplementedError"), (
            original.metadata.nbgrader.grade_id, [o.get("ename") for o in errors])
        assert not_written in errors[0].evalue
