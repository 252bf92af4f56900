"""Benchmarks (not tests): running and autograding each notebook; grading a whole class.

    python -m grader bench [ASSIGNMENT ...]      (or: python3 tasks.py bench)
    python -m grader bench-class [ASSIGNMENT ...] [--students 40] [--workers N]

"run" executes the solution notebook in a fresh kernel, as a student would with
"Restart and run all"; "autograde" grades one solved submission through
``grade_class`` with one worker (sandbox, scoring, feedback and gradebook included).
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


def _synthetic_class(assignment: str, folder: Path, students: int) -> None:
    """``students`` copies of the solved notebook (every one runs every cell)."""
    notebook = filled_release(assignment)
    for index in range(students):
        student = folder / f"student{index:03d}"
        student.mkdir(parents=True)
        nbformat.write(notebook, student / f"{assignment}.ipynb")


def bench_class(selected: list[str] | None = None, students: int = 40,
                workers: int | None = None) -> int:
    """Grade a synthetic class with 1 worker and with N; print throughput and overhead.

    Overhead per notebook = wall time per student with one worker (everything: worker
    dispatch, screen, sandbox and kernel start, scoring, feedback page, gradebook)
    minus the time the notebook's own cells took to run (request to reply, measured
    in the same kernels). "run" is the solution run top to bottom in a plain kernel,
    for comparison with ``python -m grader bench``.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    workers = workers or os.cpu_count() or 1
    chosen = selected or assignments()
    print(f"synthetic class: {students} solved submissions per assignment; "
          f"1 worker vs {workers} workers ({os.cpu_count()} cores)")
    print(f"{'notebook':<26} {'run':>6} {'cells':>6} {'1 worker':>9} {f'{workers} workers':>10} "
          f"{'speed-up':>9} {'overhead':>9}")
    print(f"{'':<26} {'(s)':>6} {'(s)':>6} {'(st/min)':>9} {'(st/min)':>10} {'':>9} "
          f"{'(s/nb)':>9}")
    wall = {1: 0.0, workers: 0.0}
    cells_total = 0.0
    for assignment in chosen:
        with tempfile.TemporaryDirectory() as tmp:
            run = run_seconds(assignment, Path(tmp))
            _synthetic_class(assignment, Path(tmp) / "class", students)
            seconds, cells = {}, 0.0
            for n in (1, workers):
                start = time.perf_counter()
                report = grade_class(assignment, Path(tmp) / "class", out=Path(tmp) / f"out{n}",
                                     workers=n, home=Path(tmp) / f"home{n}")
                seconds[n] = time.perf_counter() - start
                wall[n] += seconds[n]
                bad = [r for r in report.rows if r.status != "graded" or r.score != r.max_score]
                if bad:
                    print(f"  {assignment}: {len(bad)} students not fully graded: {bad[0]}")
                if n == 1:
                    cells = sum(r.cells_seconds for r in report.rows) / students
        cells_total += cells * students
        rate = {n: students / s * 60 for n, s in seconds.items()}
        overhead = seconds[1] / students - cells
        print(f"{assignment:<26} {run:>6.1f} {cells:>6.1f} {rate[1]:>9.1f} {rate[workers]:>10.1f} "
              f"{seconds[1] / seconds[workers]:>8.2f}x {overhead:>9.2f}", flush=True)
    count = students * len(chosen)
    print(f"{'all':<26} {'':>6} {cells_total / count:>6.1f} {count / wall[1] * 60:>9.1f} "
          f"{count / wall[workers] * 60:>10.1f} {wall[1] / wall[workers]:>8.2f}x "
          f"{(wall[1] - cells_total) / count:>9.2f}")
    return 0
