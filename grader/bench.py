"""Benchmark (not a test): seconds to run each notebook top to bottom and to autograde it.

    python -m grader bench [ASSIGNMENT ...]      (or: python3 tasks.py bench)

"run" executes the solution notebook in a fresh kernel, as a student would with
"Restart and run all"; "autograde" grades one solved submission through
``grade_class`` with one worker (nbgrader, feedback and gradebook included).
The course's budget is 45 s per notebook on a 2-core CPU.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import nbformat

from .course import SOLUTIONS, assignments
from .grade import grade_class
from .release import filled_release

BUDGET_SECONDS = 45


def run_seconds(assignment: str, workdir: Path) -> float:
    from nbclient import NotebookClient

    nb = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return time.perf_counter() - start


def grade_seconds(assignment: str, workdir: Path) -> tuple[float, str]:
    submissions = workdir / "submissions" / "bench_student"
    submissions.mkdir(parents=True)
    nbformat.write(filled_release(assignment), submissions / f"{assignment}.ipynb")
    start = time.perf_counter()
    report = grade_class(assignment, submissions.parent, out=workdir / "out", workers=1,
                         home=workdir / "home")
    row = report.rows[0]
    return time.perf_counter() - start, f"{row.score:g}/{row.max_score:g}"


def bench(selected: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print(f"{'notebook':<28} {'run (s)':>8} {'autograde (s)':>14} {'score':>8}")
    total_run = total_grade = 0.0
    for assignment in selected or assignments():
        with tempfile.TemporaryDirectory() as tmp:
            run = run_seconds(assignment, Path(tmp))
            graded, score = grade_seconds(assignment, Path(tmp))
        total_run += run
        total_grade += graded
        flag = "" if run <= BUDGET_SECONDS else f"  over the {BUDGET_SECONDS} s budget"
        print(f"{assignment:<28} {run:>8.1f} {graded:>14.1f} {score:>8}{flag}", flush=True)
    print(f"{'total':<28} {total_run:>8.1f} {total_grade:>14.1f}")
    return 0
