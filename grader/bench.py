"""Benchmarks (not tests): running and autograding each notebook; grading a whole class.

    python -m grader bench [ASSIGNMENT ...] [--load N] [--run-only]   (or: python3 tasks.py bench)
    python -m grader bench-class [ASSIGNMENT ...] [--students 40] [--workers N]
    python -m grader bench-diagnosis [ASSIGNMENT ...] [--workers N]

"run" executes the solution notebook in a fresh kernel, as a student would with
"Restart and run all"; "autograde" grades one solved submission through
``grade_class`` with one worker (sandbox, scoring, feedback and gradebook included).
The course's budget is 45 s per notebook on a 2-core CPU. ``--load N`` keeps N other
processes busy (one core each) while it measures, as on a shared machine;
``--run-only`` skips the autograde column.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import nbformat

from .course import SOLUTIONS, assignments
from .grade import grade_class
from .release import filled_release
from .status import Status

BUDGET_SECONDS = 45


def run_seconds(assignment: str, workdir: Path) -> float:
    from nbclient import NotebookClient

    from .kernels import notebook_config, unix_sockets

    nb = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    with unix_sockets() as sockets:
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       config=notebook_config(sockets),
                       resources={"metadata": {"path": str(workdir)}}).execute()
        return time.perf_counter() - start


def grade_seconds(assignment: str, workdir: Path, students: int = 3
                  ) -> tuple[float, float, float, str]:
    """Seconds to autograde a student on one worker: the first student of a class (its
    worker started the checker and a kernel as it got the assignment, before the student
    came) and each later one (what a class pays per student: its worker time, from
    receiving the notebook to sending the page); the whole class's wall time (cluster
    start, gradebook, reports included); a score."""
    import json

    _synthetic_class(assignment, workdir / "submissions", students)
    report = grade_class(assignment, workdir / "submissions", out=workdir / "out", workers=1,
                         home=workdir / "home")
    with (workdir / "out" / "graded.jsonl").open() as handle:   # in the order they finished
        seconds = [json.loads(line)["row"]["seconds"] for line in handle]
    row = report.rows[0]
    later = seconds[1:] or seconds
    return (seconds[0], sum(later) / len(later), report.seconds,
            f"{row.score:g}/{row.max_score:g}")


def _spin(stop) -> None:
    """Keep one core busy until ``stop`` is set (a process beside the benchmark)."""
    while not stop.is_set():
        sum(i * i for i in range(10_000))


@contextlib.contextmanager
def busy_processes(count: int):
    """``count`` processes, each keeping one core busy, for the body's duration."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    workers = [context.Process(target=_spin, args=(stop,), daemon=True) for _ in range(count)]
    for worker in workers:
        worker.start()
    try:
        yield workers
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()


def bench(selected: list[str] | None = None, load: int = 0, run_only: bool = False) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if load:
        print(f"with {load} busy process(es) beside it ({os.cpu_count()} cores)")
    print("autograde: one worker's seconds per student of a 3-student class: the first (its "
          "checker and kernel started as the worker got the assignment) and each later one "
          "(its kernel started during the student before); class: the 3 students' wall time, "
          "cluster start and gradebook included")
    print(f"{'notebook':<28} {'run (s)':>8} {'first (s)':>10} {'later (s)':>10} "
          f"{'first/run':>10} {'later/run':>10} {'class (s)':>10} {'score':>8}")
    total_run = total_first = total_later = total_class = 0.0
    with busy_processes(load):
        for assignment in selected or assignments():
            with tempfile.TemporaryDirectory() as tmp:
                run = run_seconds(assignment, Path(tmp))
                first, later, whole, score = ((0.0, 0.0, 0.0, "-") if run_only
                                              else grade_seconds(assignment, Path(tmp)))
            total_run += run
            total_first += first
            total_later += later
            total_class += whole
            flag = "" if run <= BUDGET_SECONDS else f"  over the {BUDGET_SECONDS} s budget"
            print(f"{assignment:<28} {run:>8.1f} {first:>10.1f} {later:>10.1f} "
                  f"{first / run:>10.2f} {later / run:>10.2f} {whole:>10.1f} {score:>8}{flag}",
                  flush=True)
    run = max(total_run, 1e-9)
    print(f"{'total':<28} {total_run:>8.1f} {total_first:>10.1f} {total_later:>10.1f} "
          f"{total_first / run:>10.2f} {total_later / run:>10.2f} {total_class:>10.1f}")
    return 0


def _synthetic_class(assignment: str, folder: Path, students: int) -> None:
    """``students`` copies of the solved notebook (every one runs every cell)."""
    notebook = filled_release(assignment)
    for index in range(students):
        student = folder / f"student{index:03d}"
        student.mkdir(parents=True)
        nbformat.write(notebook, student / f"{assignment}.ipynb")


def nbgrader_autograde_seconds(assignment: str, class_folder: Path, workdir: Path) -> float:
    """Seconds plain ``nbgrader autograde`` takes on the same class (no sandbox, no checker)."""
    import shutil
    import subprocess
    import sys

    root = workdir / "nbgrader-course"
    shutil.copytree(SOLUTIONS / assignment, root / "source" / assignment)
    for student in sorted(class_folder.iterdir()):
        target = root / "submitted" / student.name / assignment
        target.mkdir(parents=True)
        shutil.copyfile(student / f"{assignment}.ipynb", target / f"{assignment}.ipynb")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
        f"c.CourseDirectory.root = {str(root)!r}\nc.Execute.timeout = 300\n")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", assignment, "--force"], cwd=root,
                   env=env, check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([*nbgrader, "autograde", assignment, "--create", "--force"], cwd=root,
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_class(selected: list[str] | None = None, students: int = 40,
                workers: int | None = None, scaling: bool = True) -> int:
    """Grade a synthetic class with this grader and with plain nbgrader; print both.

    Throughput is students per minute. This grader runs ``workers`` workers, each
    student in a sandboxed kernel with the tests in the checker; ``nbgrader autograde``
    runs the same solved class one notebook after another, unconfined, tests in the
    student's kernel. Overhead per notebook = a student's whole grading time in its
    worker (dispatch, prepare, sandbox and kernel start, the checker, scoring, feedback
    page, gradebook) minus the time the notebook's cells took (request to reply).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    workers = workers or os.cpu_count() or 1
    chosen = selected or assignments()
    print(f"synthetic class: {students} solved submissions per assignment; this grader with "
          f"{workers} worker(s) vs nbgrader autograde ({os.cpu_count()} cores)")
    print(f"{'notebook':<26} {'run':>6} {'nbgrader':>9} {'ours':>9} {'ratio':>7} {'overhead':>9}")
    print(f"{'':<26} {'(s)':>6} {'(st/min)':>9} {'(st/min)':>9} {'':>7} {'(s/nb)':>9}")
    totals = {"nbgrader": 0.0, "ours": 0.0, "overhead": 0.0}
    stages: dict[str, float] = {}
    idle = zygotes = 0.0
    for assignment in chosen:
        with tempfile.TemporaryDirectory() as tmp:
            run = run_seconds(assignment, Path(tmp))
            _synthetic_class(assignment, Path(tmp) / "class", students)
            plain = nbgrader_autograde_seconds(assignment, Path(tmp) / "class", Path(tmp))
            start = time.perf_counter()
            report = grade_class(assignment, Path(tmp) / "class", out=Path(tmp) / "out",
                                 workers=workers, home=Path(tmp) / "home")
            ours = time.perf_counter() - start
        bad = [r for r in report.rows if r.status != Status.GRADED or r.score != r.max_score]
        if bad:
            print(f"  {assignment}: {len(bad)} students not fully graded: {bad[0]}")
        overhead = sum(r.seconds - r.cells_seconds for r in report.rows) / students
        for stage, seconds in report.stages.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
        zygotes += report.zygote_seconds
        # a worker slot's time not spent on a student: cluster start, dispatch, the end
        idle += ours * min(workers, students) - sum(r.seconds for r in report.rows)
        totals["nbgrader"] += plain
        totals["ours"] += ours
        totals["overhead"] += overhead * students
        print(f"{assignment:<26} {run:>6.1f} {students / plain * 60:>9.1f} "
              f"{students / ours * 60:>9.1f} {plain / ours:>6.2f}x {overhead:>9.2f}", flush=True)
    count = students * len(chosen)
    print(f"{'all':<26} {'':>6} {count / totals['nbgrader'] * 60:>9.1f} "
          f"{count / totals['ours'] * 60:>9.1f} {totals['nbgrader'] / totals['ours']:>6.2f}x "
          f"{totals['overhead'] / count:>9.2f}")
    print(f"\nwhere a student's seconds go (mean over {count} students; intake "
          f"{intake_seconds(chosen[0], students):.3f} s per student):")
    for stage, seconds in sorted(stages.items(), key=lambda item: -item[1]):
        print(f"  {stage:<44} {seconds / count:>7.2f}")
    print(f"  {'Dask: cluster start, dispatch, idle slots':<44} {idle / count:>7.2f}")
    print(f"  (import tensorflow and the rest: once per worker and notebook, in its kernel "
          f"zygote, {zygotes / max(1, min(workers, students) * len(chosen)):.2f} s each, "
          "started as the worker gets the assignment, beside its checker; a forked kernel "
          "imports nothing)")
    if scaling and workers > 1:  # what a second machine adds: the class on 1 and N workers
        assignment = chosen[0]
        for n in (1, workers):
            with tempfile.TemporaryDirectory() as tmp:
                _synthetic_class(assignment, Path(tmp) / "class", students)
                start = time.perf_counter()
                grade_class(assignment, Path(tmp) / "class", out=Path(tmp) / "out",
                            workers=n, home=Path(tmp) / "home")
                seconds = time.perf_counter() - start
            print(f"{assignment} on {n} worker(s) of the localhost cluster: "
                  f"{students / seconds * 60:.1f} students/min", flush=True)
    return 0


def intake_seconds(assignment: str, students: int) -> float:
    """Seconds per student to collect a folder class (grader.intake)."""
    from .intake import IntakeLimits, collect

    with tempfile.TemporaryDirectory() as tmp:
        _synthetic_class(assignment, Path(tmp) / "class", students)
        start = time.perf_counter()
        collect(Path(tmp) / "class", assignment, Path(tmp) / "work", IntakeLimits())
        return (time.perf_counter() - start) / students


def stand_in_grading(job: dict) -> dict:
    """A grading task that grades nothing (a Dask worker imports it from here)."""
    return {"student": job["student"], "submission": job["submission"], "score": 1.0,
            "status": Status.GRADED, "detail": "", "cells": {},
            "seconds": {"total": 0.0, "cells": 0.0}}


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_scale(students: int = 10_000, workers: int = 2) -> int:
    """Push ``students`` stand-in jobs through grade_class's real path (intake, Dask
    scheduling, result handling, grades.csv, graded.jsonl, feedback pages), no notebook
    run: the coordinator's overhead per student and its peak memory, for a tenth of the
    class and then the whole."""
    print(f"stand-in class on an embedded Dask cluster of {workers} worker(s): "
          "no notebook runs, everything else does")
    print(f"{'students':>9} {'seconds':>8} {'students/s':>11} {'ms/student':>11} "
          f"{'coordinator peak MB':>20}")
    for count in sorted({max(1, students // 10), students}):
        with tempfile.TemporaryDirectory() as tmp:
            notebook = nbformat.writes(nbformat.v4.new_notebook())
            for index in range(count):
                folder = Path(tmp) / "class" / f"s{index:06}"
                folder.mkdir(parents=True)
                (folder / "01_neurons_and_layers.ipynb").write_text(notebook)
            start = time.perf_counter()
            report = grade_class("01_neurons_and_layers", Path(tmp) / "class",
                                 out=Path(tmp) / "out", home=Path(tmp) / "home",
                                 workers=workers, sandbox=False, task=stand_in_grading)
            seconds = time.perf_counter() - start
        assert len(report.rows) == count
        print(f"{count:>9} {seconds:>8.1f} {count / seconds:>11.1f} "
              f"{seconds / count * 1000:>11.2f} {_peak_rss_mb():>20.0f}", flush=True)
    return 0


def bench_diagnosis(names: list[str] | None = None, workers: int = 2) -> int:
    """Grade, for every assignment, synthetic students carrying every catalogued mistake
    (student k holds each function's k-th mistake, the other functions solved), through
    the real grader; print the share of mistakes the pages name alone, named with the
    mistakes that compute the same numbers, not named, and wrongly named."""
    import csv
    import itertools

    from .mistakes import catalogue, modules

    groups_of = {m.ASSIGNMENT: getattr(m, "SAME_NUMBERS", {}) for m in modules()}
    totals = {"alone": 0, "together": 0, "not named": 0, "wrong": 0}
    print(f"{'assignment':28} {'mistakes':>8} {'alone':>6} {'together':>8} {'not named':>9} "
          f"{'wrong':>6}  seconds")
    for assignment in names or assignments():
        cases = catalogue(assignment)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "submissions"
            carried: dict[str, dict[str, str]] = {}
            for k in range(max(len(v) for v in cases.values())):
                chosen = {gid: v[k] for gid, v in cases.items() if k < len(v)}
                student = f"mistakes_{k:02d}"
                (folder / student).mkdir(parents=True)
                nbformat.write(filled_release(assignment, {g: c[1] for g, c in chosen.items()}),
                               folder / student / f"{assignment}.ipynb")
                carried[student] = {g: c[0] for g, c in chosen.items()}
            start = time.perf_counter()
            grade_class(assignment, folder, out=Path(tmp) / "out", home=Path(tmp) / "home",
                        workers=workers)
            seconds = time.perf_counter() - start
            named: dict[tuple[str, str], set[str]] = {}
            with (Path(tmp) / "out" / "tests.csv").open() as handle:
                for line in csv.DictReader(handle):
                    gid = line["grade_id"].removeprefix("test_").rsplit("_", 1)[0]
                    if line["diagnosed_mistake"] and line["student_id"] in carried:
                        named.setdefault((line["student_id"], gid), set()).add(
                            line["diagnosed_mistake"])
        counts = dict.fromkeys(totals, 0)
        for student, chosen in carried.items():
            for gid, mistake in chosen.items():
                group = next((set(g) for g in groups_of[assignment].get(gid, [])
                              if mistake in g), {mistake})
                written = {" or ".join(p) for n in range(1, len(group) + 1)
                           for p in itertools.permutations(sorted(group), n)}
                found = named.get((student, gid), set())
                kind = ("not named" if not found else
                        "alone" if found == {mistake} else
                        "together" if found <= written and any(mistake in f for f in found)
                        else "wrong")
                counts[kind] += 1
        for kind, count in counts.items():
            totals[kind] += count
        print(f"{assignment:28} {sum(counts.values()):8d} {counts['alone']:6d} "
              f"{counts['together']:8d} {counts['not named']:9d} {counts['wrong']:6d}  "
              f"{seconds:7.1f}", flush=True)
    total = sum(totals.values())
    print("all: " + ", ".join(f"{kind} {count} ({count / total:.1%})"
                              for kind, count in totals.items()))
    print("(a function that calls the student's other functions runs on that student's "
          "wrong ones here, so the replay, on the reference ones, may not agree: not named)")
    return 0
