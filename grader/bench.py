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

    Overhead per notebook = wall time per student with one worker (everything:
    worker, sandbox, kernel start, screen, scoring, feedback, gradebook) minus the
    time the same notebook takes to run top to bottom in a plain kernel.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    workers = workers or os.cpu_count() or 1
    print(f"synthetic class: {students} solved submissions per assignment; "
          f"1 worker vs {workers} workers ({os.cpu_count()} cores)")
    print(f"{'notebook':<28} {'run (s)':>8} {'1 worker':>10} {f'{workers} workers':>10} "
          f"{'speed-up':>9} {'overhead (s)':>13}")
    print(f"{'':<28} {'':>8} {'(st/min)':>10} {'(st/min)':>10}")
    totals = {1: 0.0, workers: 0.0}
    total_run = 0.0
    for assignment in selected or assignments():
        with tempfile.TemporaryDirectory() as tmp:
            run = min(run_seconds(assignment, Path(tmp)) for _ in range(2))
            _synthetic_class(assignment, Path(tmp) / "class", students)
            seconds = {}
            for n in (1, workers):
                start = time.perf_counter()
                report = grade_class(assignment, Path(tmp) / "class", out=Path(tmp) / f"out{n}",
                                     workers=n, home=Path(tmp) / f"home{n}")
                seconds[n] = time.perf_counter() - start
                bad = [r for r in report.rows if r.status != "graded" or r.score != r.max_score]
                if bad:
                    print(f"  {assignment}: {len(bad)} students not fully graded: {bad[0]}")
                totals[n] += seconds[n]
        total_run += run
        rate = {n: students / s * 60 for n, s in seconds.items()}
        overhead = seconds[1] / students - run
        print(f"{assignment:<28} {run:>8.1f} {rate[1]:>10.1f} {rate[workers]:>10.1f} "
              f"{seconds[1] / seconds[workers]:>8.2f}x {overhead:>13.1f}", flush=True)
    count = students * len(selected or assignments())
    print(f"{'all':<28} {total_run:>8.1f} {count / totals[1] * 60:>10.1f} "
          f"{count / totals[workers] * 60:>10.1f} {totals[1] / totals[workers]:>8.2f}x "
          f"{(totals[1] - students * total_run) / count:>13.1f}")
    return 0
