"""Autograde a class: each student in a sandboxed kernel of its own, a row for everyone.

``grade_class`` reads ``SUBMISSIONS/<student_id>/<assignment>.ipynb`` (a folder or a
.zip of one) and hands the students to ``workers`` long-lived worker processes
(``grader.worker``), each grading one student at a time in a fresh bubblewrap kernel
(``grader.sandbox``). This process is the only one that writes the master gradebook
(``grader/gradebook.db``), one student at a time, and it writes ``OUT/grades.csv``,
``OUT/summary.txt`` and ``OUT/feedback/<student_id>/<assignment>.html``. A worker
that dies or hangs is replaced and its student gets a row saying so.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from .autograde import AssignmentSpec, build_spec
from .course import GRADER_DIR, MASTER_DB, ROOT, SOLUTIONS, course_id, sqlite_url
from .feedback import notice_page, write_page
from .intake import IntakeLimits, bound, collect
from .release import generate
from .sandbox import (
    Limits,
    descendants,
    kill_tree,
    matplotlib_font_cache,
    sandbox_problem,
    wait_exited,
)
from .status import Status
from .worker import RESULT_PREFIX

CSV_COLUMNS = ["student_id", "score", "max_score", "status", "detail", "submitted_at",
               "submitted_from"]
# A cell starting with one of these is a formula (or its start) in a spreadsheet (OWASP's
# CSV injection); the fullwidth forms too, which some spreadsheets read as the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` as text a spreadsheet shows and never evaluates: one that starts (after any
    spaces) with a formula character, or with an apostrophe, gets an apostrophe in front.
    So a cell that starts with an apostrophe had one added: drop it for the real text."""
    starts = FORMULA_STARTS + ("'",)
    return "'" + cell if cell.startswith(starts) or cell.lstrip().startswith(starts) else cell


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """A CSV of ``rows``: every text cell ``spreadsheet_safe``, numbers written as ``:g``."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([f"{c:g}" if isinstance(c, (int, float)) else spreadsheet_safe(str(c))
                             for c in row])


@dataclass
class Row:
    student_id: str
    score: float
    max_score: float
    status: str
    detail: str = ""
    seconds: float = 0.0        # grading this student, all included
    cells_seconds: float = 0.0  # of which the notebook's cells ran
    submitted_at: datetime | None = None  # UTC, from what no student wrote (grader.intake)
    submitted_from: str = ""              # where that time came from


@dataclass
class Report:
    assignment: str
    out: Path
    rows: list[Row] = field(default_factory=list)
    sandboxed: bool = True
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1

    @property
    def csv_path(self) -> Path:
        return self.out / "grades.csv"

    def summary(self) -> str:
        """A table of every student, then counts per status and the warnings."""
        width = max([len(r.student_id) for r in self.rows] + [10])
        lines = [f"{self.assignment}: {len(self.rows)} submissions in {self.seconds:.0f} s "
                 f"by {self.workers} worker(s), "
                 + ("sandboxed (bubblewrap)" if self.sandboxed else "NOT sandboxed"),
                 "", f"{'student':<{width}}  {'score':>11}  {'seconds':>7}  status", ""]
        for row in self.rows:
            lines.append(f"{row.student_id:<{width}}  {row.score:>5g} / {row.max_score:<3g}  "
                         f"{row.seconds:>7.1f}  {row.status}"
                         + (f" ({_shortened(row.detail, 150)})" if row.detail else ""))
        counts = Counter(row.status for row in self.rows)
        scores = [row.score for row in self.rows]
        lines += ["", "status: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))]
        if scores:
            lines.append(f"mean score {sum(scores) / len(scores):.2f} / {self.rows[0].max_score:g}")
        lines += [f"WARNING: {w}" for w in self.warnings]
        lines.append(f"grades: {self.csv_path}")
        return "\n".join(lines)


def _shortened(text: str, limit: int) -> str:
    """``text``, or its first words within ``limit`` characters and "..." (the CSV has it all)."""
    if len(text) <= limit:
        return text
    return text[:limit - 3].rsplit(" ", 1)[0].rstrip(" ,;(") + "..."


class SandboxUnavailable(SystemExit):
    """Grading was asked to sandbox student code and bubblewrap cannot run here."""


def assignment_spec(assignment: str, db: Path, release_dir: Path) -> AssignmentSpec:
    """What the grader trusts about ``assignment``: the gradebook's cells and the release."""
    from nbgrader.api import Gradebook

    with Gradebook(sqlite_url(db), course_id()) as gb:
        notebook = gb.find_notebook(assignment, assignment)
        stored = {cell.name: {"source": cell.source, "cell_type": cell.cell_type}
                  for cell in notebook.source_cells}
    release_nb = nbformat.read(release_dir / assignment / f"{assignment}.ipynb", as_version=4)
    solution_nb = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    return build_spec(assignment, release_nb, stored, solution_nb)


class WorkerProcess:
    """One ``python -m grader.worker`` process, restarted when it dies or hangs."""

    def __init__(self, log: Path, sandboxed: bool = True, threads: int = 0,
                 command: list[str] | None = None):
        self.log = log
        self.command = (command or [sys.executable, "-m", "grader.worker"]) + [
            "--sandboxed", str(int(sandboxed)), "--threads", str(threads),
            "--log-dir", str(log.parent)]
        self.process: subprocess.Popen | None = None
        self.buffer = b""
        self.lock = threading.Lock()

    def start(self) -> None:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                start_new_session=True)
        self.buffer = b""

    def stop(self, graceful: bool = True) -> None:
        """Stop the worker and everything below it (its checker, its kernel), whatever
        session or group they are in; ``graceful`` first lets an idle worker exit."""
        with self.lock:  # the main thread (Ctrl-C) and the worker's thread may both stop it
            process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        if graceful:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        below = descendants(process.pid)  # before they are orphaned
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        wait_exited(kill_tree(process.pid) + [p for p in below if kill_tree(p)])
        process.wait()

    def grade(self, job: dict, timeout: float) -> dict:
        if self.process is None or self.process.poll() is not None:
            self.start()
        self.process.stdin.write((json.dumps(job) + "\n").encode())
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while True:  # the result line that names this job's student; other lines are noise
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([fd], [], [], max(0, left))
                if not ready:
                    self.stop()
                    return {"status": Status.TIMEOUT, "detail": f"grading took over {timeout:g} s"}
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    self.stop()
                    return {"status": Status.ERROR, "detail": "the grading worker died"}
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            text = line.decode(errors="replace")
            if not text.startswith(RESULT_PREFIX):
                with self.log.open("a") as log:
                    log.write(f"unexpected worker output: {text[:300]}\n")
                continue
            try:
                result = json.loads(text[len(RESULT_PREFIX):])
            except ValueError:
                result = None
            if isinstance(result, dict) and result.get("student") == job["student"]:
                return result
            with self.log.open("a") as log:
                log.write(f"result for another student dropped: {text[:300]}\n")


def _name_unnamed(gb, student: str) -> None:
    """``student`` in the gradebook, named by their id where no name is known (the
    Formgrader shows a student with no name as "None, None" and no email as "None")."""
    from nbgrader.api import MissingEntry

    try:
        known = gb.find_student(student)
    except MissingEntry:
        known = None
    if known is not None and (known.first_name or known.last_name):
        return
    gb.update_or_create_student(student, last_name=student, first_name="",
                                email=(known.email if known is not None else None) or "")


def _keep_submission(home: Path, assignment: str, student: str, notebook: Path,
                     submitted_at: datetime | None) -> None:
    """The notebook as handed in, at ``home/submitted/<student>/<assignment>/``, where the
    Formgrader counts submissions (nbgrader's collected layout is left as it is)."""
    target = home / "submitted" / student / assignment
    if notebook.parent.resolve() == target.resolve() or not notebook.is_file():
        return
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, target / f"{assignment}.ipynb")
    if submitted_at is not None:  # nbgrader's own format
        stamp = submitted_at.astimezone(timezone.utc)
        (target / "timestamp.txt").write_text(f"{stamp:%Y-%m-%d %H:%M:%S.%f} UTC")


def _record(assignment: str, result: dict, home: Path, db: Path,
            submitted: Path | None, submitted_at: datetime | None = None) -> None:
    """Copy one student's scores into the gradebook ``db`` and the folders of ``home``;
    ``submitted_at`` (UTC) is the submission's time in the gradebook.

    A submission from nbgrader's collected layout (``submitted`` holds the timestamp.txt
    and submission_secret.txt nbgrader wrote; None in any other layout) also gets its
    feedback where ``nbgrader release_feedback`` looks, ``home/feedback/<student>/<assignment>/``.
    """
    from nbgrader.api import Gradebook

    student = result["student"]
    stamp = submitted / "timestamp.txt" if submitted else None
    # nbgrader's own session handling warns (harmlessly) when it creates a submission
    with warnings.catch_warnings(), Gradebook(sqlite_url(db), course_id()) as gb:
        warnings.simplefilter("ignore")
        _name_unnamed(gb, student)
        submission = gb.update_or_create_submission(assignment, student)
        if submitted_at is not None:  # nbgrader keeps naive UTC
            submission.timestamp = submitted_at.astimezone(timezone.utc).replace(tzinfo=None)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                cell = result["cells"].get(grade.name)
                grade.auto_score = cell["auto_score"] if cell else 0.0
                grade.needs_manual_grade = False
        gb.db.commit()
    autograded = Path(result["autograded"])
    if autograded.is_file():
        target = home / "autograded" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(autograded, target / autograded.name)
    secret = submitted / "submission_secret.txt" if submitted else None
    if stamp is not None and stamp.is_file() and secret.is_file():
        target = home / "feedback" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result["feedback"], target / f"{assignment}.html")
        shutil.copyfile(stamp, target / "timestamp.txt")
        shutil.copyfile(secret, target / "submission_secret.txt")


class Progress:
    """A progress bar on a terminal, one line per student otherwise (stderr)."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.enabled = total, 0, enabled and total > 0
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()

    def step(self, row: Row) -> None:
        self.done += 1
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed * 60 if elapsed else 0.0
        if self.tty:
            filled = int(30 * self.done / self.total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
                             f"  {rate:.1f} students/min  last: {row.student_id} {row.status}  ")
            if self.done == self.total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(f"[{self.done}/{self.total}] {row.student_id}: {row.score:g}/"
                             f"{row.max_score:g} {row.status}\n")
        sys.stderr.flush()


def grade_class(assignment: str, submissions: str | Path, out: str | Path | None = None,
                workers: int | None = None, timeout: float = 600,
                home: Path = GRADER_DIR, sandbox: bool = True, limits: Limits | None = None,
                progress: bool = False, screen: bool = True,
                intake: IntakeLimits | None = None,
                worker_command: list[str] | None = None) -> Report:
    """Grade every student folder of ``submissions``; see the module docstring.

    ``home`` holds the gradebook and the per-student folders (default grader/).
    ``sandbox=False`` runs student code without bubblewrap (limits still apply); the
    report then says so. With ``sandbox=True`` and no usable bubblewrap, raises
    SandboxUnavailable before grading anyone. ``screen=False`` skips what the grader
    refuses before running code (grader.policy): only for testing the sandbox itself.
    ``intake`` bounds what an archive may hold (grader.intake). ``worker_command``
    replaces ``python -m grader.worker`` (tests use it to play a failing worker).
    """
    started = time.monotonic()
    home = Path(home)
    limits = limits or Limits()
    if sandbox and (problem := sandbox_problem()):
        raise SandboxUnavailable(
            f"refusing to grade: student code would run unconfined: {problem}.\n"
            "To grade anyway, without the sandbox, pass --no-sandbox.")
    db = home / MASTER_DB.name
    out = Path(out) if out else home / "reports" / assignment
    report = Report(assignment, out, sandboxed=sandbox)
    if not sandbox:
        report.warnings.append("student code ran WITHOUT the bubblewrap sandbox (--no-sandbox): "
                               "it could read files and use the network")
    feedback_root, logs = out / "feedback", out / "logs"
    feedback_root.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    work = home / "work" / assignment
    pool: list[WorkerProcess] = []
    with tempfile.TemporaryDirectory(prefix="nn-grader-") as tmp:
        try:
            submissions_found, intake_warnings = collect(Path(submissions), assignment,
                                                         Path(tmp), intake or IntakeLimits())
            report.warnings += intake_warnings
            gradable = [s for s in submissions_found if s.status is None]
            n_workers = max(1, min(workers or os.cpu_count() or 1, len(gradable) or 1))
            if limits.threads <= 0:  # share the cores between the kernels that run at once
                limits = replace(limits, threads=max(1, (os.cpu_count() or 1) // n_workers))
            pool = [WorkerProcess(logs / f"worker-{i}.log", sandbox, limits.threads,
                                  worker_command) for i in range(n_workers if gradable else 0)]
            for worker in pool:  # they import their libraries while the release is generated
                worker.start()
            generate(assignment, Path(tmp) / "release", db)  # the gradebook learns the tests
            spec = assignment_spec(assignment, db, Path(tmp) / "release")
            font_cache = matplotlib_font_cache(Path(tmp) / "matplotlib")
            rows = _grade_all(assignment, submissions_found, spec, pool, Path(tmp), work,
                              home, db, feedback_root, timeout, sandbox, screen, limits,
                              font_cache, progress)
        except BaseException:  # Ctrl-C, or any failure: no worker, checker or kernel is left
            for worker in pool:
                worker.stop(graceful=False)
            raise
        finally:
            for worker in pool:
                worker.stop()
            shutil.rmtree(work, ignore_errors=True)

    report.rows = [rows[s] for s in sorted(rows)]
    report.seconds = time.monotonic() - started
    report.workers = n_workers
    write_csv(report.csv_path, CSV_COLUMNS, [
        [row.student_id, row.score, row.max_score, row.status, bound(row.detail),
         f"{row.submitted_at:%Y-%m-%dT%H:%M:%SZ}" if row.submitted_at else "", row.submitted_from]
        for row in report.rows])
    (out / "summary.txt").write_text(report.summary() + "\n", encoding="utf-8")
    return report


def _grade_all(assignment, submissions, spec, pool, tmp: Path, work: Path, home: Path,
               db: Path, feedback_root: Path, timeout, sandbox, screen, limits, font_cache,
               progress) -> dict[str, Row]:
    """Hand the gradable submissions to the workers; a row for every submission."""
    spec_path = tmp / "spec.json"
    spec_path.write_text(spec.to_json())
    max_score = spec.max_score
    rows = {s.student_id: Row(s.student_id, 0, max_score, s.status, s.detail(),
                              submitted_at=s.submitted_at, submitted_from=s.submitted_from)
            for s in submissions if s.status is not None}
    by_id = {s.student_id: s for s in submissions}
    jobs = [{"student": s.student_id, "notebook": str(s.notebook), "spec": str(spec_path),
             "out_dir": str(work / s.student_id), "sandboxed": sandbox, "timeout": timeout,
             "screen": screen, "mpl_cache": str(font_cache) if font_cache else None,
             "limits": asdict(limits)} for s in submissions if s.status is None]
    bar = Progress(len(jobs) + len(rows), progress)
    for row in rows.values():
        bar.step(row)
    pending: queue.Queue = queue.Queue()
    for job in jobs:
        pending.put(job)
    finished: queue.Queue = queue.Queue()
    stop = threading.Event()

    def run_worker(worker: WorkerProcess) -> None:
        while not stop.is_set():
            try:
                job = pending.get_nowait()
            except queue.Empty:
                return
            try:
                result = worker.grade(job, timeout + 120)
            except Exception as error:  # noqa: BLE001 - this student's row, not the batch's
                worker.stop()
                result = {"status": Status.ERROR, "detail": f"grading worker failed: {error}"}
            finished.put((job, result))

    threads = [threading.Thread(target=run_worker, args=(worker,), daemon=True)
               for worker in pool]
    for thread in threads:
        thread.start()
    try:
        for _ in jobs:  # recorded one at a time, here: one gradebook writer
            job, result = finished.get()
            student = job["student"]
            submission = by_id[student]
            notes = [result.get("detail", ""), *submission.notes]
            if submission.extra:
                notes.append("ignored other files: " + ", ".join(submission.extra[:5]))
            if result.get("autograded"):
                _record(assignment, result, home, db, submission.nbgrader_folder,
                        submission.submitted_at)
                _keep_submission(home, assignment, student, submission.notebook,
                                 submission.submitted_at)
                target = feedback_root / student / f"{assignment}.html"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(result["feedback"], target)
            status = result.get("status") if result.get("status") in Status.ALL else Status.ERROR
            row = Row(student, float(result.get("score", 0) or 0), max_score, status,
                      bound("; ".join(filter(None, notes))), submitted_at=submission.submitted_at,
                      submitted_from=submission.submitted_from)
            row.seconds = result.get("seconds", {}).get("total", 0.0)
            row.cells_seconds = result.get("seconds", {}).get("cells", 0.0)
            rows[student] = row
            shutil.rmtree(job["out_dir"], ignore_errors=True)
            bar.step(row)
    finally:
        stop.set()
    for thread in threads:
        thread.join()
    for row in rows.values():  # a page for those whose file could not be graded, too
        if row.status in (Status.MISSING, Status.INVALID_NOTEBOOK):
            write_page(feedback_root / row.student_id / f"{assignment}.html",
                       notice_page(assignment, row.student_id, row.status, row.detail))
    return rows
