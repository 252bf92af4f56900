"""Autograde a class: each student in a process of its own, a row for every submission.

``grade_class`` reads ``SUBMISSIONS/<student_id>/<assignment>.ipynb`` (a folder or a
.zip of one), grades the students with ``workers`` processes in parallel, records
the scores in the master gradebook (``grader/gradebook.db``), and writes
``OUT/grades.csv`` and ``OUT/feedback/<student_id>/<assignment>.html``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import GRADER_DIR, MASTER_DB, ROOT, course_id, sqlite_url
from .release import generate
from .worker import RESULT_PREFIX

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}")
CSV_COLUMNS = ["student_id", "score", "max_score", "status", "detail"]


@dataclass
class Row:
    student_id: str
    score: float
    max_score: float
    status: str
    detail: str = ""


@dataclass
class Report:
    assignment: str
    out: Path
    rows: list[Row] = field(default_factory=list)

    @property
    def csv_path(self) -> Path:
        return self.out / "grades.csv"

    def summary(self) -> str:
        lines = [f"{self.assignment}: {len(self.rows)} submissions -> {self.csv_path}"]
        for row in self.rows:
            lines.append(f"  {row.student_id:<24} {row.score:>6g} / {row.max_score:g}  {row.status}"
                         + (f" ({row.detail})" if row.detail else ""))
        return "\n".join(lines)


def _unpack(submissions: Path, into: Path) -> Path:
    """The folder of student folders: ``submissions`` itself, or a .zip's content."""
    if submissions.is_dir():
        return submissions
    if not zipfile.is_zipfile(submissions):
        raise SystemExit(f"{submissions} is neither a folder nor a .zip of student folders")
    with zipfile.ZipFile(submissions) as archive:
        for member in archive.namelist():
            target = (into / member).resolve()
            if not target.is_relative_to(into.resolve()):
                raise SystemExit(f"{submissions}: unsafe path in archive: {member}")
        archive.extractall(into)
    entries = [p for p in into.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    # a zip of the folder itself holds one top folder whose children are students
    if len(entries) == 1 and entries[0].is_dir() and all(
        p.is_dir() for p in entries[0].iterdir()
    ):
        return entries[0]
    return into


def _max_score(assignment: str, db: Path) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(sqlite_url(db), course_id()) as gb:
        return float(gb.find_assignment(assignment).max_score)


def _run_worker(job: dict, timeout: float) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
    # A session of its own, so that a timeout ends the worker and its kernel together.
    worker = subprocess.Popen(
        [sys.executable, "-m", "grader.worker", json.dumps(job)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = worker.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.communicate()
        return {"status": "timeout", "detail": f"grading took over {timeout:g} s"}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)  # anything the submission left running
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    if worker.returncode == -signal.SIGKILL:
        return {"status": "memory", "detail": "the grading process was killed (out of memory?)"}
    last = (stderr.strip().splitlines() or ["no output"])[-1]
    return {"status": "error", "detail": f"autograde failed: {last[:200]}"}


def _record(assignment: str, result: dict, home: Path, db: Path) -> None:
    """Copy one student's autograded scores into the gradebook ``db`` and folders of ``home``."""
    from nbgrader.api import Gradebook

    student = result["student"]
    # nbgrader's own session handling warns (harmlessly) when it creates a submission
    with warnings.catch_warnings(), Gradebook(sqlite_url(db), course_id()) as gb:
        warnings.simplefilter("ignore")
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                cell = result["cells"].get(grade.name)
                if cell:
                    grade.auto_score = cell["auto_score"]
                    grade.needs_manual_grade = cell["needs_manual_grade"]
        gb.db.commit()
    autograded = Path(result["autograded"])
    if autograded.is_file():
        target = home / "autograded" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(autograded, target / autograded.name)


def grade_class(assignment: str, submissions: str | Path, out: str | Path | None = None,
                workers: int | None = None, timeout: float = 600,
                home: Path = GRADER_DIR) -> Report:
    """Grade every student folder of ``submissions``; see the module docstring.

    ``home`` holds the gradebook and the per-student folders (default grader/).
    """
    home = Path(home)
    db = home / MASTER_DB.name
    out = Path(out) if out else home / "reports" / assignment
    report = Report(assignment, out)
    feedback_root = out / "feedback"
    feedback_root.mkdir(parents=True, exist_ok=True)
    work = home / "work" / assignment
    with tempfile.TemporaryDirectory() as tmp:
        generate(assignment, Path(tmp) / "release", db)  # the gradebook learns the tests
        max_score = _max_score(assignment, db)
        # Workers start from a snapshot taken now, never from the live gradebook that
        # this process writes scores into while other students are being graded.
        snapshot = Path(tmp) / "gradebook-snapshot.db"
        shutil.copyfile(db, snapshot)
        folder = _unpack(Path(submissions), Path(tmp) / "unpacked")
        rows: dict[str, Row] = {}
        jobs = []
        for student_dir in sorted(p for p in folder.iterdir()
                                  if p.is_dir() and not p.name.startswith((".", "__MACOSX"))):
            student = student_dir.name
            if not STUDENT_ID.fullmatch(student):
                rows[student] = Row(student, 0, max_score, "invalid student id")
                continue
            path = student_dir / f"{assignment}.ipynb"
            if not path.is_file():
                others = sorted(p.name for p in student_dir.iterdir())
                rows[student] = Row(student, 0, max_score, "missing",
                                    f"no {path.name}" + (f"; found {', '.join(others)}" if others
                                                         else ""))
                continue
            try:
                notebook = nbformat.read(path, as_version=4)
                nbformat.validate(notebook)
            except Exception as error:  # not JSON, not a notebook, unknown format
                rows[student] = Row(student, 0, max_score, "invalid notebook",
                                    f"{type(error).__name__}: {str(error)[:150]}")
                continue
            clean = Path(tmp) / "clean" / student / path.name
            clean.parent.mkdir(parents=True)
            nbformat.write(notebook, clean)
            jobs.append({"assignment": assignment, "student": student, "notebook": str(clean),
                         "work_root": str(work / student), "master_db": str(snapshot)})

        with ThreadPoolExecutor(max_workers=max(1, workers or os.cpu_count() or 1)) as pool:
            results = pool.map(lambda job: (job, _run_worker(job, timeout)), jobs)
            for job, result in results:  # recorded one at a time: one gradebook writer
                student = job["student"]
                if "score" not in result:
                    rows[student] = Row(student, 0, max_score, result["status"], result["detail"])
                    continue
                _record(assignment, result, home, db)
                if result.get("feedback"):
                    target = feedback_root / student / f"{assignment}.html"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(result["feedback"], target)
                rows[student] = Row(student, float(result["score"]), float(result["max_score"]),
                                    result["status"])
                shutil.rmtree(job["work_root"], ignore_errors=True)

    report.rows = [rows[s] for s in sorted(rows)]
    with report.csv_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in report.rows:
            writer.writerow([row.student_id, f"{row.score:g}", f"{row.max_score:g}", row.status,
                             row.detail])
    return report
