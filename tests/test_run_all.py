"""Run All on every blank release notebook, as a student does it and as grading does it.

- In a plain kernel (no NBGRADER_EXECUTION) every cell runs: a failing visible test
  prints one short message, a demo that needs an unwritten exercise says which, and
  nothing raises (any exception would stop Run All). Every figure, widget and quiz that
  does not need the student's code appears.
- Under graded execution (NBGRADER_EXECUTION=validate, as nbgrader's Validate runs it)
  the visible tests fail as before: each raises, naming the unwritten exercise.
"""

import os

import nbformat
import pytest
from nbclient import NotebookClient

from grader.course import RELEASE, assignments

SHOWS = ("plt.show()", "quiz(", "image_grid(", "training_curves(", "_bars(", "_pieces(",
         "optimizer_paths(", "decision_boundary(", "hidden_unit_maps(")


def _run(assignment, tmp_path, graded: bool):
    notebook = nbformat.read(RELEASE / assignment / f"{assignment}.ipynb", as_version=4)
    # as in JupyterLab: no NBGRADER_EXECUTION, and matplotlib's inline backend (not Agg)
    env = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_EXECUTION", "MPLBACKEND")}
    if graded:
        env["NBGRADER_EXECUTION"] = "validate"
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            allow_errors=graded, resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)  # raises CellExecutionError if a cell fails and not graded
    return notebook


def _kind(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "other"


@pytest.mark.parametrize("assignment", assignments())
def test_run_all_on_the_blank_notebook_goes_to_the_end(assignment, tmp_path):
    notebook = _run(assignment, tmp_path, graded=False)
    for index, cell in enumerate(nb for nb in notebook.cells if nb.cell_type == "code"):
        outputs = cell.outputs
        assert not [o for o in outputs if o.output_type == "error"], (index, cell.source[:80])
        stderr = "".join(o.text for o in outputs if o.get("name") == "stderr")
        assert "Traceback" not in stderr and len(stderr.splitlines()) <= 12, stderr
        if _kind(cell) == "test" and "HIDDEN TESTS" not in cell.source and stderr:
            assert "not written yet" in stderr, stderr  # the one-line message
        if _kind(cell) == "other" and "with needs(" not in cell.source and any(
                show in cell.source for show in SHOWS):
            shown = [o for o in outputs if o.output_type in ("display_data", "execute_result")]
            assert shown, f"cell {index} shows nothing on the blank notebook: {cell.source[:80]}"
        if "with needs(" in cell.source:
            assert "needs" in stderr or not stderr, stderr


@pytest.mark.parametrize("assignment", assignments())
def test_under_graded_execution_the_visible_tests_fail_as_before(assignment, tmp_path):
    notebook = _run(assignment, tmp_path, graded=True)
    visible = [c for c in notebook.cells if c.cell_type == "code" and _kind(c) == "test"
               and c.metadata.nbgrader.grade_id.endswith("_visible")]
    assert visible
    for cell in visible:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors and errors[0].ename in ("NotWritten", "NotImplementedError"), (
            cell.metadata.nbgrader.grade_id, [o.get("ename") for o in errors])
        assert "not written yet" in errors[0].evalue
    quizzes = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith("quiz(")]
    assert quizzes and all(c.outputs for c in quizzes)
