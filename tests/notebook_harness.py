"""Run a solution notebook's code in-process, then re-run its test cells on other answers."""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def graded_execution():
    """NBGRADER_EXECUTION set while the block runs (checks and demos raise, as when graded)."""
    saved = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("NBGRADER_EXECUTION")
        else:
            os.environ["NBGRADER_EXECUTION"] = saved


class WroteToStderr(Exception):
    """A test cell wrote to stderr (a warning, say): nbgrader would give it no points."""


class NotebookSession:
    """The namespace of a solution notebook run top to bottom (outputs discarded)."""

    def __init__(self, assignment: str):
        path = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
        self.notebook = nbformat.read(path, as_version=4)
        self.cells = {
            c.metadata["nbgrader"]["grade_id"]: c.source
            for c in self.notebook.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id")
        }
        self.solution_cells = {
            c.metadata["nbgrader"]["grade_id"] for c in self.notebook.cells
            if c.metadata.get("nbgrader", {}).get("solution")
        }
        self.namespace: dict = {"__name__": "__main__"}
        with graded_execution():
            for index, cell in enumerate(self.notebook.cells):
                if cell.cell_type == "code":
                    self._exec(cell.source, f"{assignment}[{index}]")

    def _exec(self, source: str, label: str) -> None:
        import matplotlib.pyplot as plt

        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, label, "exec"), self.namespace)
        finally:
            plt.close("all")  # figures are not looked at here

    def run_tests_with(self, grade_id: str, answer: str,
                       kinds: tuple[str, ...] = ("visible", "hidden")) -> BaseException | None:
        """Run the test cells ``test_<grade_id>_<kind>`` with ``answer`` in place of the
        solution.

        Returns the first exception the tests raised, or None if they all passed.
        The solution is restored afterwards.
        """
        with graded_execution():
            return self._run_tests_with(grade_id, answer, kinds)

    def _run_tests_with(self, grade_id: str, answer: str,
                        kinds: tuple[str, ...]) -> BaseException | None:
        try:
            self._exec(answer, f"answer for {grade_id}")
            for test in (f"test_{grade_id}_{kind}" for kind in kinds):
                stderr = io.StringIO()
                try:
                    with warnings.catch_warnings(record=True) as caught, \
                            contextlib.redirect_stderr(stderr):
                        warnings.simplefilter("always")
                        self._exec(self.cells[test], test)
                except Exception as error:  # a failing test cell, whatever it raised
                    return error
                if caught or stderr.getvalue():
                    shown = [str(w.message) for w in caught] + [stderr.getvalue()]
                    return WroteToStderr(f"{test}: {shown}")
            return None
        finally:
            self._exec(self.cells[grade_id], grade_id)
