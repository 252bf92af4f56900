"""Run a solution notebook's code in-process, then re-run its test cells on other answers."""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


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
        # graded execution: a failing check or demo raises instead of printing a message
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        for index, cell in enumerate(self.notebook.cells):
            if cell.cell_type == "code":
                self._exec(cell.source, f"{assignment}[{index}]")

    def _exec(self, source: str, label: str) -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, label, "exec"), self.namespace)

    def tests_of(self, grade_id: str) -> list[str]:
        """grade_ids of the test cells that check the solution cell ``grade_id``."""
        return [f"test_{grade_id}_visible", f"test_{grade_id}_hidden"]

    def run_tests_with(self, grade_id: str, answer: str) -> BaseException | None:
        """Run the tests of ``grade_id`` with ``answer`` in place of the solution.

        Returns the first exception the tests raised, or None if they all passed.
        The solution is restored afterwards.
        """
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        try:
            self._exec(answer, f"answer for {grade_id}")
            for test in self.tests_of(grade_id):
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
