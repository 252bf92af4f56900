"""Run a solution notebook's code in-process, then re-run its test cells on other answers."""

from __future__ import annotations

import contextlib
import io
import math
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
        self.assignment = assignment
        self.namespace: dict = {"__name__": "__main__"}
        self.diagnosis: list | None = None
        self._diagnosis_base: dict | None = None
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
                       kinds: tuple[str, ...] = ("visible", "hidden"),
                       diagnose: bool = False) -> BaseException | None:
        """Run the test cells ``test_<grade_id>_<kind>`` with ``answer`` in place of the
        solution.

        Returns the first exception the tests raised, or None if they all passed.
        The solution is restored afterwards. With ``diagnose``, every test cell runs (as
        when graded) and ``self.diagnosis`` is what the grader's diagnosis
        (``grader.checker.diagnosis``) names at the last failing cell: the catalogued
        mistakes the answer agrees with on all its calls so far (None when nothing
        failed, or the replay ran past its budget).
        """
        with graded_execution():
            return self._run_tests_with(grade_id, answer, kinds, diagnose)

    def diagnosis_namespace(self) -> dict:
        """The checker's replay namespace: this notebook's names (its graded functions
        left out) and the reference answers."""
        if self._diagnosis_base is None:
            from grader.checker.diagnosis import base_namespace

            readonly = {k: v for k, v in self.namespace.items() if k not in self.solution_cells}
            references = {gid: self.cells[gid] for gid in self.solution_cells}
            self._diagnosis_base = base_namespace(readonly, references)
        return self._diagnosis_base

    def catalogue(self) -> dict:
        from grader.mistakes import catalogue

        return catalogue(self.assignment)

    def _recorded(self, grade_id: str, recorder):
        """The answer's function, its calls recorded as the checker records them."""
        import numpy as np

        function = self.namespace[grade_id]
        defined = {name: self.namespace.get(name) for name in self.solution_cells}

        def recorded(*args, **kwargs):
            swapped = {name: self.namespace[name] for name in self.solution_cells
                       if name != grade_id and self.namespace.get(name) is not defined[name]}
            with recorder.call(grade_id, args, kwargs, swapped) as record:
                try:
                    with warnings.catch_warnings(record=True) as caught, np.errstate(
                            over="warn", divide="warn", invalid="warn", under="ignore"):
                        warnings.simplefilter("always")
                        result = function(*args, **kwargs)
                except Exception as error:
                    record.failed(type(error).__name__, str(error))
                    raise
                finally:
                    record.warned = any(issubclass(w.category, RuntimeWarning) for w in caught)
                    for w in caught:  # passed on, as the checker does
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
                record.returned(result)
                return result

        return recorded

    def _run_tests_with(self, grade_id: str, answer: str, kinds: tuple[str, ...],
                        diagnose: bool) -> BaseException | None:
        from grader.checker.diagnosis import Progress, Recorder
        from grader.checker.diagnosis import diagnose as named

        self.diagnosis = None
        recorder, progress = Recorder(), Progress()
        recorder.watch({grade_id})
        first = None
        try:
            self._exec(answer, f"answer for {grade_id}")
            if diagnose and callable(self.namespace.get(grade_id)):
                self.namespace[grade_id] = self._recorded(grade_id, recorder)
            for test in (f"test_{grade_id}_{kind}" for kind in kinds):
                stderr = io.StringIO()
                try:
                    with warnings.catch_warnings(record=True) as caught, \
                            contextlib.redirect_stderr(stderr):
                        warnings.simplefilter("always")
                        self._exec(self.cells[test], test)
                except Exception as error:  # a failing test cell, whatever it raised
                    failed = error
                else:
                    failed = None
                    if caught or stderr.getvalue():
                        shown = [str(w.message) for w in caught] + [stderr.getvalue()]
                        failed = WroteToStderr(f"{test}: {shown}")
                first = first or failed
                if not diagnose and first is not None:
                    return first
                if isinstance(failed, Exception) and not isinstance(
                        failed, (NotImplementedError, WroteToStderr)):
                    # no time budget here: a verdict must not depend on the machine's speed
                    self.diagnosis = named(grade_id, recorder.calls.get(grade_id, []),
                                           self.catalogue().get(grade_id, []),
                                           self.diagnosis_namespace(), budget=math.inf,
                                           progress=progress)
            return first
        finally:
            self._exec(self.cells[grade_id], grade_id)
