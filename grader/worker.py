"""A grading worker: a long-lived process that grades one student after another.

    python -m grader.worker        (started by grader.grade; reads jobs on stdin)

Each job is one JSON line; the answer is one line ``GRADER-RESULT {json}`` naming the
job's student. The worker is trusted code outside the sandbox: it reads the
submission, prepares it, runs it in a fresh sandboxed kernel (grader.sandbox), scores
it and writes the autograded notebook and the feedback page. Student code only ever
runs in that kernel; the test cells run in the worker's checker process
(grader.checker), sandboxed too, started once and given a fresh namespace per student.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import nbformat

from .autograde import (
    AssignmentSpec,
    InvalidNotebook,
    execute,
    prepare,
    read_submission,
    score_cells,
    warm_up,
)
from .checker.link import CheckerProcess
from .feedback import feedback_page
from .sandbox import (
    Limits,
    become_subreaper,
    checker_command,
    descendants,
    kill_tree,
    wait_exited,
    withheld_helpers,
)
from .status import Status

RESULT_PREFIX = "GRADER-RESULT "
_specs: dict[str, AssignmentSpec] = {}
_helpers_copies: dict[str, Path] = {}
_checker: CheckerProcess | None = None
_scratch = Path(tempfile.mkdtemp(prefix="nn-grader-worker-"))
atexit.register(shutil.rmtree, _scratch, ignore_errors=True)


def start_checker(sandboxed: bool, threads: int, log: Path | None = None) -> CheckerProcess:
    global _checker
    argv, env = checker_command(sandboxed, threads)
    _checker = CheckerProcess(argv, env, log or _scratch / "checker.log", cwd=_scratch)
    _checker.ensure()
    return _checker


def _helpers_for(spec: AssignmentSpec) -> Path:
    """The kernel's ``helpers``: reference code of this assignment's graded functions withheld."""
    if spec.assignment not in _helpers_copies:
        _helpers_copies[spec.assignment] = withheld_helpers(
            set(spec.owned()), _scratch / f"helpers-{spec.assignment}")
    return _helpers_copies[spec.assignment]


def grade_job(job: dict) -> dict:
    """Grade ``job["notebook"]``; see grader.grade for the job's keys."""
    started = time.monotonic()
    student = job["student"]
    if job["spec"] not in _specs:
        _specs[job["spec"]] = AssignmentSpec.from_json(Path(job["spec"]).read_text())
    spec = _specs[job["spec"]]
    result = {"student": student, "score": 0.0, "max_score": spec.max_score, "cells": {}}
    try:
        notebook, notes = read_submission(Path(job["notebook"]))
    except InvalidNotebook as error:
        return {**result, "status": Status.INVALID_NOTEBOOK, "detail": str(error)}
    notebook, more_notes, flagged = prepare(notebook, spec, screen=job.get("screen", True))
    limits = Limits(**job["limits"])
    checker = _checker if _checker is not None else start_checker(job["sandboxed"],
                                                                   limits.threads)
    checker_problems = checker.begin(spec.readonly_code(), spec.owned())
    try:
        execution = execute(notebook, limits, job["sandboxed"], started + job["timeout"],
                            job.get("mpl_cache"), checker=checker,
                            helpers_copy=_helpers_for(spec) if job["sandboxed"] else None)
    finally:
        checker.end()
    spare = {checker.process.pid, *descendants(checker.process.pid)} if checker.process else set()
    wait_exited(kill_tree(os.getpid(), include_root=False, spare=spare))  # anything left over
    if checker_problems and execution.status == Status.GRADED:
        execution.status, execution.detail = Status.ERROR, "; ".join(checker_problems)[:300]
    cells = score_cells(notebook, execution)
    score = sum(c["auto_score"] for c in cells.values())

    out = Path(job["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    autograded = out / f"{spec.assignment}.ipynb"
    nbformat.write(notebook, autograded)
    feedback = out / f"{spec.assignment}.html"
    stopped = execution.status in Status.STOPPED
    feedback.write_text(feedback_page(
        notebook, spec.assignment, score, spec.max_score, {c.grade_id for c in spec.cells
                                                           if c.hidden},
        student=student, notes=[*flagged, *notes, *more_notes],
        stopped=f"{execution.status}: {execution.detail}" if stopped else "",
        stopped_at=execution.last_cell if stopped else None), encoding="utf-8")

    status = execution.status
    if status == Status.GRADED and flagged:
        status = Status.FLAGGED
    not_passed = [grade_id for grade_id, cell in cells.items()
                  if cell["auto_score"] < cell["max_score"]]
    detail = "; ".join(filter(None, [execution.detail, *flagged, *notes, *more_notes,
                                     not_passed and "tests not passed: " + ", ".join(not_passed)]))
    return {**result, "score": score, "status": status, "detail": detail, "cells": cells,
            "autograded": str(autograded), "feedback": str(feedback),
            "seconds": {"total": time.monotonic() - started, "kernel": execution.seconds,
                        "cells": execution.cells_seconds},
            "peak_mb": round(execution.peak_mb, 1)}


def serve(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.worker")
    parser.add_argument("--sandboxed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--log-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    become_subreaper()
    log = args.log_dir / f"checker-{os.getpid()}.log" if args.log_dir else None
    start_checker(bool(args.sandboxed), args.threads, log)  # imports while the worker warms up
    warm_up()
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        print(f"{time.strftime('%H:%M:%S')} grading {job.get('student')!r}", file=sys.stderr,
              flush=True)
        try:
            result = grade_job(job)
        except Exception as error:  # noqa: BLE001 - one student's failure is that student's row
            traceback.print_exc()  # into this worker's log, for the instructor
            result = {"student": job.get("student"), "status": Status.ERROR,
                      "detail": f"grader error: {type(error).__name__}: {str(error)[:200]}"}
        print(f"{time.strftime('%H:%M:%S')} {job.get('student')!r}: {result.get('status')}, "
              f"{result.get('score', 0):g} / {result.get('max_score', 0):g} points"
              + (f" ({result['detail'][:300]})" if result.get("detail") else ""),
              file=sys.stderr, flush=True)
        sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
