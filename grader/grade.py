"""Autograde a class: each student in a sandboxed kernel of its own, a row for everyone.

``grade_class`` reads ``SUBMISSIONS/<student_id>/<assignment>.ipynb`` (a folder or a
.zip of one) and sends every student as a job to a Dask cluster (grader.distributed):
an embedded one on this machine by default, or an existing scheduler. A worker grades
one student at a time in a fresh bubblewrap kernel (grader.sandbox) and answers with
data. This process is the only one that writes: as each student finishes, the master
gradebook (``grader/gradebook.db``), a line of ``OUT/grades.csv``, the record of what
was graded (``OUT/graded.jsonl``, which lets a later run skip unchanged students) and
``OUT/feedback/<student_id>/<assignment>.html``; at the end ``grades.csv`` in student
order, ``OUT/summary.txt`` and the class report (``OUT/class.html``, ``OUT/tests.csv``:
grader.classreport). A run stopped at any point keeps every finished student.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from .autograde import AssignmentSpec, build_spec
from .classreport import write_class_report
from .course import GRADER_DIR, MASTER_DB, SOLUTIONS, course_id, sqlite_url
from .distributed import ClusterOptions, SchedulerLost, connect, grade_jobs, grader_fingerprint
from .feedback import notice_page, write_page
from .intake import IntakeLimits, bound, collect
from .ledger import LEDGER_NAME, Ledger, replace_file, sha256
from .release import generate
from .sandbox import Limits, sandbox_problem
from .status import Status

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


def csv_lines(rows: list[list], header: list[str] | None = None) -> str:
    """CSV text of ``rows``: every text cell ``spreadsheet_safe``, numbers written as ``:g``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(header)
    for row in rows:
        writer.writerow([f"{c:g}" if isinstance(c, (int, float)) else spreadsheet_safe(str(c))
                         for c in row])
    return buffer.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """A CSV of ``rows`` (see :func:`csv_lines`), written atomically."""
    replace_file(path, csv_lines(rows, header))


@dataclass(slots=True)  # one per student, held until the class ends: kept small
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
    warm_kernel: bool = False                   # its kernel was started ahead
    forked_kernel: bool = False                 # a zygote forked its kernel

    def csv_row(self) -> list:
        return [self.student_id, self.score, self.max_score, self.status, bound(self.detail),
                f"{self.submitted_at:%Y-%m-%dT%H:%M:%SZ}" if self.submitted_at else "",
                self.submitted_from]

    def to_json(self) -> dict:
        data = asdict(self)
        data["submitted_at"] = self.submitted_at.isoformat() if self.submitted_at else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> Row:
        data = dict(data)
        if data.get("submitted_at"):
            data["submitted_at"] = datetime.fromisoformat(data["submitted_at"])
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Report:
    assignment: str
    out: Path
    rows: list[Row] = field(default_factory=list)
    sandboxed: bool = True
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1
    skipped: int = 0            # students whose grade from an earlier run still held
    cluster: str = ""           # where they were graded
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage, summed over
    # the students graded in this run (bench-class divides by their number)
    zygote_seconds: float = 0.0  # the workers' kernel zygotes starting (imports), summed

    @property
    def csv_path(self) -> Path:
        return self.out / "grades.csv"

    def summary(self) -> str:
        """A table of every student, then counts per status and the warnings."""
        width = max([len(r.student_id) for r in self.rows] + [10])
        lines = [f"{self.assignment}: {len(self.rows)} submissions in {self.seconds:.0f} s "
                 f"by {self.workers} worker(s){self.cluster}, "
                 + ("sandboxed (bubblewrap)" if self.sandboxed else "NOT sandboxed")
                 + (f"; {self.skipped} unchanged since their last grading, not graded again"
                    if self.skipped else ""),
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
    """A progress bar (tqdm) of the students finished across the cluster, with the rate."""

    def __init__(self, total: int, enabled: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=total, disable=not enabled or total == 0, unit=" students",
                        file=sys.stderr, mininterval=0.5, smoothing=0.1, dynamic_ncols=True)

    def step(self, row: Row) -> None:
        self.bar.set_postfix_str(f"last: {row.student_id} {row.status}", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def grade_class(assignment: str, submissions: str | Path, out: str | Path | None = None,
                workers: int | None = None, timeout: float = 600,
                home: Path = GRADER_DIR, sandbox: bool = True, limits: Limits | None = None,
                progress: bool = False, screen: bool = True,
                intake: IntakeLimits | None = None, cluster: ClusterOptions | None = None,
                regrade: bool = False, task: Callable | None = None) -> Report:
    """Grade every student folder of ``submissions``; see the module docstring.

    ``home`` holds the gradebook and the per-student folders (default grader/).
    ``sandbox=False`` runs student code without bubblewrap (limits still apply); the
    report then says so. With ``sandbox=True`` and no usable bubblewrap, raises
    SandboxUnavailable before grading anyone. ``screen=False`` skips what the grader
    refuses before running code (grader.policy): only for testing the sandbox itself.
    ``intake`` bounds what an archive may hold (grader.intake). ``cluster`` names an
    existing Dask scheduler (default: an embedded cluster of ``workers`` slots).
    ``regrade`` grades every student, even those unchanged since ``OUT/graded.jsonl``
    recorded them. ``task`` replaces the worker's grading function (tests use it to play
    a failing worker); it must be importable by the workers.
    Raises SchedulerLost when the scheduler goes away: every finished row is kept.
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
    feedback_root = out / "feedback"
    feedback_root.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    rows: dict[str, Row] = {}
    with tempfile.TemporaryDirectory(prefix="nn-grader-") as tmp, \
            contextlib.ExitStack() as early:
        submissions_found, intake_warnings = collect(Path(submissions), assignment,
                                                     Path(tmp), intake or IntakeLimits())
        report.warnings += intake_warnings
        external = cluster is not None and bool(cluster.scheduler or cluster.scheduler_file)
        gradable = [s for s in submissions_found if s.status is None]
        n_workers = max(1, min(workers or os.cpu_count() or 1, len(gradable) or 1))
        if limits.threads <= 0:  # share the cores between the kernels that run at once
            limits = replace(limits, threads=1 if external else
                             max(1, (os.cpu_count() or 1) // n_workers))
        cluster = cluster or ClusterOptions(workers=n_workers)
        if not external:
            cluster = replace(cluster, workers=n_workers)
        report.workers = n_workers
        checker = None if task else (sandbox, limits.threads)  # what the workers start as
        # they join; a stand-in task needs no checker
        if gradable and not external and not (out / LEDGER_NAME).exists():
            # a new class: everyone will be graded, so the cluster starts now, while the
            # gradebook learns the assignment (a resumed one may need no cluster at all)
            early_client = _in_background(early, connect(cluster, out / "logs", checker))
        else:
            early_client = None
        generate(assignment, Path(tmp) / "release", db)  # the gradebook learns the tests
        spec = assignment_spec(assignment, db, Path(tmp) / "release")
        try:
            _grade_all(assignment, submissions_found, spec, home, db, out, timeout, sandbox,
                       screen, limits, cluster, regrade, task, progress, report, rows,
                       early_client, checker)
            write_class_report(out, spec, [rows[s] for s in sorted(rows)])
        finally:
            report.rows = [rows[s] for s in sorted(rows)]
            report.seconds = time.monotonic() - started
            (out / "summary.txt").write_text(report.summary() + "\n", encoding="utf-8")
    return report


def _in_background(stack: contextlib.ExitStack, manager) -> Callable:
    """Enter the context manager ``manager`` in a thread now; returns a function that waits
    for what it gives (raising what entering it raised). ``stack`` leaves it at its end."""
    from concurrent.futures import Future

    entered: Future = Future()

    def enter() -> None:
        try:
            entered.set_result(manager.__enter__())
        except BaseException as error:  # noqa: BLE001 - raised where the client is wanted
            entered.set_exception(error)

    threading.Thread(target=enter, daemon=True, name="nn-grader-cluster").start()

    def leave(*exc) -> None:
        with contextlib.suppress(Exception):
            entered.result()
            manager.__exit__(*exc)

    stack.push(leave)
    return entered.result


def _assignment_hash(spec_json: str, sandbox: bool, screen: bool, limits: Limits,
                     timeout: float) -> str:
    """What decides a score besides the submission: release and tests, grader, limits."""
    return sha256(json.dumps([spec_json, grader_fingerprint(), sandbox, screen, asdict(limits),
                              timeout]).encode())


def _grade_all(assignment, submissions, spec: AssignmentSpec, home: Path, db: Path, out: Path,
               timeout, sandbox, screen, limits: Limits, cluster: ClusterOptions, regrade,
               task, progress, report: Report, rows: dict[str, Row],
               early_client: Callable | None = None, checker: tuple | None = None) -> None:
    """A row in ``rows`` for every submission: kept from the ledger, or graded now.
    ``early_client``: waits for the client of a cluster started ahead; ``checker``: the
    settings a joining worker starts its checker with (see grader.distributed.connect)."""
    feedback_root = out / "feedback"
    spec_json = spec.to_json()
    spec_hash = sha256(spec_json.encode())
    assignment_hash = _assignment_hash(spec_json, sandbox, screen, limits, timeout)
    ledger = Ledger(out)
    max_score = spec.max_score
    by_id = {s.student_id: s for s in submissions}
    to_grade: list[tuple[str, str]] = []  # (student, submission hash): the job is made as sent
    for s in submissions:
        if s.status is not None:
            rows[s.student_id] = Row(s.student_id, 0, max_score, s.status, s.detail(),
                                     submitted_at=s.submitted_at,
                                     submitted_from=s.submitted_from)
            continue
        digest = sha256(s.notebook.read_bytes())
        entry = None if regrade else ledger.unchanged(s.student_id, digest, assignment_hash)
        if entry is not None and (feedback_root / s.student_id / f"{assignment}.html").is_file():
            rows[s.student_id] = Row.from_json(entry["row"])
            report.skipped += 1
            continue
        to_grade.append((s.student_id, digest))
    for row in rows.values():  # a page for those whose file could not be graded, too
        if row.status in (Status.MISSING, Status.INVALID_NOTEBOOK):
            write_page(feedback_root / row.student_id / f"{assignment}.html",
                       notice_page(assignment, row.student_id, row.status, row.detail))
    # grades.csv holds every row known now, then one more line as each student finishes
    write_csv(report.csv_path, CSV_COLUMNS, [rows[s].csv_row() for s in sorted(rows)])
    bar = Progress(len(to_grade) + len(rows), progress)
    for row in rows.values():
        bar.step(row)

    job_limits = asdict(limits)

    def jobs() -> Iterator[dict]:  # each read as it is sent, not all at once
        for student, digest in to_grade:
            yield {"student": student, "submission": digest, "spec_hash": spec_hash,
                   "sandboxed": sandbox, "timeout": timeout, "screen": screen,
                   "limits": job_limits, "notebook": by_id[student].notebook.read_bytes()}

    def on_result(job: dict, result: dict) -> None:  # one at a time: one gradebook writer
        recording = time.monotonic()
        student = job["student"]
        submission = by_id[student]
        notes = [result.get("detail", ""), *submission.notes]
        if submission.extra:
            notes.append("ignored other files: " + ", ".join(submission.extra[:5]))
        page = feedback_root / student / f"{assignment}.html"
        if result.get("autograded"):
            write_page(page, result["feedback"])
            with tempfile.TemporaryDirectory(prefix="nn-grader-result-") as folder:
                autograded = Path(folder) / f"{assignment}.ipynb"
                autograded.write_text(result["autograded"], encoding="utf-8")
                _record(assignment, {**result, "autograded": str(autograded),
                                     "feedback": str(page)},
                        home, db, submission.nbgrader_folder, submission.submitted_at)
            _keep_submission(home, assignment, student, submission.notebook,
                             submission.submitted_at)
        status = result.get("status") if result.get("status") in Status.ALL else Status.ERROR
        row = Row(student, float(result.get("score", 0) or 0), max_score, status,
                  bound("; ".join(filter(None, notes))), submitted_at=submission.submitted_at,
                  submitted_from=submission.submitted_from)
        row.seconds = result.get("seconds", {}).get("total", 0.0)
        row.cells_seconds = result.get("seconds", {}).get("cells", 0.0)
        for stage, seconds in result.get("seconds", {}).get("stages", {}).items():
            report.stages[stage] = report.stages.get(stage, 0.0) + float(seconds)
        report.zygote_seconds += float(result.get("seconds", {}).get("zygote start") or 0)
        row.warm_kernel = bool(result.get("seconds", {}).get("warm kernel"))
        row.forked_kernel = bool(result.get("seconds", {}).get("forked kernel"))
        if not page.is_file():
            write_page(page, notice_page(assignment, student, status, row.detail))
        rows[student] = row
        ledger.add({"student": student, "submission": job["submission"],
                    "assignment": assignment_hash, "row": row.to_json(),
                    "cells": result.get("cells", {})})
        with report.csv_path.open("a", newline="", encoding="utf-8") as handle:
            handle.write(csv_lines([row.csv_row()]))
        coordinator = "gradebook, CSV and page (coordinator)"
        report.stages[coordinator] = (report.stages.get(coordinator, 0.0)
                                      + time.monotonic() - recording)
        bar.step(row)

    try:
        if to_grade:
            with (contextlib.nullcontext(early_client()) if early_client
                  else connect(cluster, out / "logs", checker)) as client:
                if cluster.scheduler or cluster.scheduler_file:
                    report.cluster = f" of the Dask cluster at {client.scheduler.address}"
                grade_jobs(client, jobs(), spec_json, on_result, task=task,
                           ahead=None if task else {"sandboxed": sandbox, "limits": job_limits},
                           count=len(to_grade))
    finally:
        bar.close()
        write_csv(report.csv_path, CSV_COLUMNS, [rows[s].csv_row() for s in sorted(rows)])
    ledger.compact(set(rows))


__all__ = ["ClusterOptions", "Report", "Row", "SandboxUnavailable", "SchedulerLost",
           "grade_class"]
