"""The grading side of a Dask worker: grade one submission, given as data, into data.

``grade_submission(job)`` is the task the coordinator (grader.distributed) sends. The
job carries the student id, the notebook's bytes, the assignment spec's hash (the spec
itself reaches every worker once, by :class:`SpecPlugin`, also a worker that joins or
restarts later), the limits and the per-student timeout; the result carries the row,
the per-test-cell points, the autograded notebook and the feedback page. Nothing here
reads the coordinator's disk.

The worker is trusted code outside the sandbox: it prepares the submission, runs it in
a fresh sandboxed kernel (grader.sandbox), scores it and renders the feedback page.
Student code only ever runs in that kernel; the test cells run in the worker's checker
process (grader.checker), sandboxed too, started once per worker process and given a
fresh namespace per student. :class:`GradingPlugin` prepares a worker when it joins
(subreaper, imports, a matplotlib font list) and stops its checker when it leaves.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

import nbformat

from .autograde import (
    AssignmentSpec,
    InvalidNotebook,
    WarmKernel,
    execute,
    prepare,
    read_submission,
    score_cells,
    warm_up,
)
from .checker.link import CheckerProcess
from .classreport import describe_failures
from .feedback import feedback_page
from .i18n import language_of
from .sandbox import (
    KernelZygote,
    Limits,
    become_subreaper,
    checker_command,
    descendants,
    kill_tree,
    matplotlib_font_cache,
    wait_exited,
    withheld_helpers,
)
from .status import Status

PLUGIN_NAME = "nn-course-grading"


class _WorkerState:
    """What one worker process keeps between students: never a student's process or data."""

    def __init__(self):
        self.lock = threading.Lock()   # one student at a time per worker process
        self.preparing = threading.Lock()
        self.checker_lock = threading.Lock()
        self.scratch = Path(tempfile.mkdtemp(prefix="nn-grader-worker-"))
        atexit.register(shutil.rmtree, self.scratch, ignore_errors=True)
        self.specs: dict[str, AssignmentSpec] = {}
        self.spec_texts: dict[str, str] = {}   # spec hash -> JSON, from SpecPlugin
        self.helpers_copies: dict[tuple[str, str], Path] = {}  # (spec, language) ->
        self.checker: CheckerProcess | None = None
        self.checker_settings: tuple[bool, int] | None = None
        self.font_cache: Path | None = None
        self.prepared = False
        self.spare: set[int] = set()   # processes the worker had before grading anyone
        self.log_dir: Path | None = None  # the report's logs/, when it is on this machine
        self.warm: WarmKernel | None = None  # the next student's kernel, started ahead
        # forks the kernels, libraries imported: one per kernel settings (an English and a
        # Spanish helpers copy in a mixed class), the most recently used first
        self.zygotes: list[KernelZygote] = []
        self.ahead = None   # the thread that prepares for a class's first student

    def prepare(self) -> None:
        with self.preparing:
            if self.prepared:
                return
            become_subreaper()
            self.spare = set(descendants(os.getpid()))
            self.font_cache = matplotlib_font_cache(self.scratch / "matplotlib")
            warm_up()
            self.prepared = True

    def checker_for(self, sandboxed: bool, threads: int) -> CheckerProcess:
        """The worker's long-lived checker, (re)started for these settings."""
        with self.checker_lock:  # a student's, or one started as the worker joined
            if self.checker is None or self.checker_settings != (sandboxed, threads):
                self.stop_checker()
                argv, env = checker_command(sandboxed, threads, self.font_cache)
                log = (self.log_dir or self.scratch) / f"checker-{os.getpid()}.log"
                self.checker = CheckerProcess(argv, env, log, cwd=self.scratch)
                self.checker_settings = (sandboxed, threads)
            self.checker.ensure()
            return self.checker

    MAX_ZYGOTES = 2   # each holds the libraries' memory (about 550 MB)

    def zygote_for(self, limits: Limits, mpl_cache: str | None,
                   helpers_copy: Path | None) -> KernelZygote:
        """The worker's kernel zygote for these settings (the least recently used goes
        when there are too many)."""
        key = (limits, mpl_cache, str(helpers_copy))
        found = [z for z in self.zygotes if z.key == key]
        zygote = found[0] if found else KernelZygote(limits, mpl_cache, helpers_copy)
        self.zygotes = [zygote, *(z for z in self.zygotes if z is not zygote)]
        for old in self.zygotes[self.MAX_ZYGOTES:]:
            with contextlib.suppress(Exception):
                old.close()
        del self.zygotes[self.MAX_ZYGOTES:]
        return zygote

    def stop_zygotes(self) -> None:
        zygotes, self.zygotes = self.zygotes, []
        for zygote in zygotes:
            with contextlib.suppress(Exception):
                zygote.close()

    def stop_checker(self) -> None:
        if self.checker is not None:
            with contextlib.suppress(Exception):
                self.checker.stop()
            self.checker = None

    def spec(self, spec_hash: str) -> AssignmentSpec:
        if spec_hash not in self.specs:
            if spec_hash not in self.spec_texts:
                raise RuntimeError(f"this worker was not given the assignment {spec_hash[:12]}")
            self.specs[spec_hash] = AssignmentSpec.from_json(self.spec_texts[spec_hash])
        return self.specs[spec_hash]

    def helpers_for(self, spec: AssignmentSpec, spec_hash: str, language: str = "en") -> Path:
        """The kernel's ``helpers``: reference code of the graded functions withheld, its
        messages in ``language`` (not the hidden tests' hints nor the mistakes' sentences:
        the kernel is the student's)."""
        key = (spec_hash, language)
        if key not in self.helpers_copies:
            copy = withheld_helpers(set(spec.owned()),
                                    self.scratch / f"helpers-{spec_hash[:12]}-{language}")
            if language != "en":
                from .i18n import hints, speak

                hidden = {text for cell in spec.cells if cell.kind == "test"
                          for text, is_hidden in hints(cell.source) if is_hidden}
                visible = {text for cell in spec.cells if cell.kind == "test"
                           for text, is_hidden in hints(cell.source) if not is_hidden}
                mistakes = {m[2] for entries in spec.mistakes.values() for m in entries}
                speak(copy, language, {english: text for english, text
                                       in spec.messages.get(language, {}).items()
                                       if english not in (hidden - visible) | mistakes})
            self.helpers_copies[key] = copy
        return self.helpers_copies[key]

    def leftovers_killed(self) -> None:
        """Kill whatever a grading left below this worker (its kernel's strays), not the
        checker and not what the worker had before."""
        spare = set(self.spare)
        if self.warm is not None:
            spare |= self.warm.pids()
        for zygote in self.zygotes:
            spare |= zygote.pids()
        if self.checker is not None and self.checker.process is not None:
            spare |= {self.checker.process.pid, *descendants(self.checker.process.pid)}
        wait_exited(kill_tree(os.getpid(), include_root=False, spare=spare))


_state = _WorkerState()


def log_line(text: str) -> None:
    """One line in the worker's log: ``OUT/logs/worker-<pid>.log`` on the embedded cluster,
    ``dask worker``'s standard error elsewhere."""
    line = f"{time.strftime('%H:%M:%S')} nn-grader: {text}\n"
    if _state.log_dir is not None:
        with contextlib.suppress(OSError), (_state.log_dir / f"worker-{os.getpid()}.log").open(
                "a", encoding="utf-8") as log:
            log.write(line)
            return
    sys.stderr.write(line)
    sys.stderr.flush()


def grade_submission(job: dict) -> dict:
    """Grade one submission (see grader.distributed for the job's keys) into data.

    Never raises for anything a student did: timeouts, memory, processes, crashes and
    bridge errors are statuses; a failure of the grader itself is the row ``error``.
    """
    with _state.lock:
        log_line(f"grading {job['student']!r}")
        try:
            result = _grade(job)
        except Exception as error:  # noqa: BLE001 - one student's failure is that student's row
            log_line(traceback.format_exc())
            result = {"status": Status.ERROR, "score": 0.0, "cells": {},
                      "detail": f"grader error: {type(error).__name__}: {str(error)[:200]}"}
        result.update(student=job["student"], submission=job["submission"])
        log_line(f"{job['student']!r}: {result.get('status')}, {result.get('score', 0):g} "
                 "points" + (f" ({result['detail'][:300]})" if result.get("detail") else ""))
        return result


def _grade(job: dict) -> dict:
    started = time.monotonic()
    _state.prepare()
    spec = _state.spec(job["spec_hash"])
    result = {"score": 0.0, "max_score": spec.max_score, "cells": {}}
    stages: dict[str, float] = {}
    clock = [time.monotonic()]

    def lap(stage: str) -> None:
        now = time.monotonic()
        stages[stage] = stages.get(stage, 0.0) + now - clock[0]
        clock[0] = now

    folder = Path(tempfile.mkdtemp(prefix="student-", dir=_state.scratch))
    try:
        path = folder / f"{spec.assignment}.ipynb"
        path.write_bytes(job["notebook"])
        try:
            notebook, notes = read_submission(path)
        except InvalidNotebook as error:
            return {**result, "status": Status.INVALID_NOTEBOOK, "detail": str(error)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    notebook, more_notes, flagged = prepare(notebook, spec, screen=job.get("screen", True))
    language = language_of(notebook)  # its feedback page and the checks' verdicts speak it
    lap("preparing the notebook")
    kernel_settings = _kernel_settings(spec, job, language)
    limits, sandboxed = kernel_settings[:2]
    zygote = _zygote(kernel_settings, job)   # its imports, while the checker starts
    checker = _state.checker_for(sandboxed, limits.threads)
    checker_problems = checker.begin(spec.readonly_code(), spec.owned(), limits=limits,
                                     diagnosis=spec.diagnosis(), language=language,
                                     messages=spec.messages.get(language))
    lap("checker: read-only cells")
    warm, _state.warm = _state.warm, None
    # the next student's kernel starts now, while this student's notebook runs
    _state.warm = (WarmKernel(*kernel_settings, zygote=zygote) if job.get("warm", True)
                   else None)
    try:
        execution = execute(notebook, *kernel_settings[:2], started + job["timeout"],
                            kernel_settings[2], checker=checker,
                            helpers_copy=kernel_settings[3], warm=warm, zygote=zygote)
    finally:
        checker.end()
    for stage, seconds in execution.stages.items():
        stages[stage] = seconds
    if execution.zygote_problem:
        log_line(f"the zygote gave no kernel, one started cold: {execution.zygote_problem}")
    clock[0] = time.monotonic()
    _state.leftovers_killed()
    lap("clean-up")
    if checker_problems and execution.status == Status.GRADED:
        execution.status, execution.detail = Status.ERROR, "; ".join(checker_problems)[:300]
    cells = score_cells(notebook, execution)
    describe_failures(cells, notebook, {c.grade_id for c in spec.cells if c.hidden},  # class.html
                      execution.last_cell if execution.status in Status.STOPPED else None)
    score = sum(c["auto_score"] for c in cells.values())
    lap("scoring")

    stopped = execution.status in Status.STOPPED
    page = feedback_page(
        notebook, spec.assignment, score, spec.max_score,
        {c.grade_id for c in spec.cells if c.hidden},
        student=job["student"], notes=[*flagged, *notes, *more_notes],
        stopped=f"{execution.status}: {execution.detail}" if stopped else "",
        stopped_at=execution.last_cell if stopped else None, language=language)
    status = execution.status
    if status == Status.GRADED and flagged:
        status = Status.FLAGGED
    not_passed = [grade_id for grade_id, cell in cells.items()
                  if cell["auto_score"] < cell["max_score"]]
    detail = "; ".join(filter(None, [execution.detail, *flagged, *notes, *more_notes,
                                     not_passed and "tests not passed: " + ", ".join(not_passed)]))
    autograded = nbformat.writes(notebook)
    lap("feedback page")
    return {**result, "score": score, "status": status, "detail": detail, "cells": cells,
            "autograded": autograded, "feedback": page,
            "seconds": {"total": time.monotonic() - started, "kernel": execution.seconds,
                        "cells": execution.cells_seconds, "stages": stages,
                        "warm kernel": execution.warm_kernel,
                        "forked kernel": execution.forked_kernel,
                        # what this worker's zygote took to start, said by the first
                        # student it served (once per worker and class, not per student)
                        "zygote start": _unreported_start(zygote)},
            "peak_mb": round(execution.peak_mb, 1)}


def _kernel_settings(spec: AssignmentSpec, job: dict, language: str) -> tuple:
    """(limits, sandboxed, matplotlib cache, helpers copy): what a student's kernel needs."""
    sandboxed = job["sandboxed"]
    return (Limits(**job["limits"]), sandboxed,
            str(_state.font_cache) if _state.font_cache else None,
            _state.helpers_for(spec, job["spec_hash"], language) if sandboxed else None)


def _zygote(kernel_settings: tuple, job: dict) -> KernelZygote | None:
    """The process that forks kernels of these settings, libraries imported (one per worker
    and settings), started in the background if it is not running; None where kernels
    start cold (no sandbox, or the job says so)."""
    limits, sandboxed, *rest = kernel_settings
    if not sandboxed or not job.get("zygote", True):
        return None
    zygote = _state.zygote_for(limits, *rest)
    if zygote.process is None:
        zygote.prestart()
    return zygote


def _unreported_start(zygote: KernelZygote | None) -> float:
    if zygote is None:
        return 0.0
    seconds = zygote.start_seconds - zygote.reported_seconds
    zygote.reported_seconds = zygote.start_seconds
    return seconds


def _ahead():
    """The threads that start things ahead of the first student: long-lived ones, since
    bubblewrap kills its sandbox when the thread that started it ends (the checker's)."""
    if _state.ahead is None:
        from concurrent.futures import ThreadPoolExecutor

        _state.ahead = ThreadPoolExecutor(2, thread_name_prefix="nn-grader-ahead")
    return _state.ahead


def _prepare_worker(checker: tuple[bool, int] | None) -> None:
    """A worker joins: its preparation, and its checker started if its settings are known."""
    try:
        _state.prepare()
        if checker is not None:
            _state.checker_for(*checker)
    except Exception:  # noqa: BLE001 - the first student then starts it, as before
        log_line("could not start the checker ahead: " + traceback.format_exc())


def prepare_ahead(settings: dict) -> None:
    """Start what the first student of an assignment would wait for, before one arrives:
    the checker, the kernel zygote (its imports) and a kernel for the first student
    (English helpers; one in Spanish takes a kernel of its own). ``settings``: a job's
    keys but the student's (spec_hash, sandboxed, limits). Nothing of a student is in
    them; the kernel serves one student, as every warm kernel."""
    with _state.lock:
        if _state.warm is not None:  # a class is being graded here: it has its next kernel
            return
        started = time.monotonic()
        try:
            _state.prepare()
            spec = _state.spec(settings["spec_hash"])
            kernel_settings = _kernel_settings(spec, settings, "en")
            zygote = _zygote(kernel_settings, settings)
            if settings.get("warm", True):  # it starts as soon as the zygote is up
                _state.warm = WarmKernel(*kernel_settings, zygote=zygote)
            _state.checker_for(settings["sandboxed"], kernel_settings[0].threads)
        except Exception:  # noqa: BLE001 - the first student then starts them, as before
            log_line("could not prepare ahead of the first student: " + traceback.format_exc())
            return
        log_line(f"{spec.assignment}: checker started, first kernel on its way, "
                 f"{time.monotonic() - started:.1f} s")


def drop_warm_kernel() -> bool:
    """The class is done: no kernel waits for a next student (run on every worker)."""
    warm, _state.warm = _state.warm, None
    zygotes, _state.zygotes = _state.zygotes, []   # their memory is freed between classes

    def discard() -> None:
        if warm is not None:
            warm.discard()
        for zygote in zygotes:
            zygote.close()

    if warm is not None or zygotes:  # in a thread: this runs on the worker's event loop
        threading.Thread(target=discard, name="nn-discard-warm-kernel", daemon=True).start()
    return warm is not None


try:
    from distributed import WorkerPlugin
except ImportError:  # the student edition has no Dask; nothing there grades
    WorkerPlugin = object


class GradingPlugin(WorkerPlugin):
    """Prepares each worker as it joins the cluster and stops its checker when it leaves."""

    name = PLUGIN_NAME
    # registered by every run that uses the cluster: a worker that has it keeps it (and its
    # checker, started once, warm for the next class); re-registering would tear it down
    idempotent = True

    def __init__(self, log_dir: str | None = None, checker: tuple[bool, int] | None = None):
        self.log_dir = log_dir
        self.checker = checker  # (sandboxed, threads): the checker to start at once

    def setup(self, worker=None):
        if self.log_dir and Path(self.log_dir).is_dir():
            _state.log_dir = Path(self.log_dir)
        # in a thread: the worker's event loop must go on answering the scheduler
        _ahead().submit(_prepare_worker, self.checker)

    def teardown(self, worker=None):
        if _state.warm is not None:
            with contextlib.suppress(Exception):
                _state.warm.discard()
        _state.stop_zygotes()
        _state.stop_checker()
        with contextlib.suppress(Exception):
            _state.leftovers_killed()


class SpecPlugin(WorkerPlugin):
    """An assignment's spec, given to every worker of the cluster once (also to one that
    joins or restarts while the class is graded); jobs name it by its hash. With the
    class's kernel ``settings`` (see :func:`prepare_ahead`), the worker starts its checker
    and first kernel as it gets the spec."""

    def __init__(self, spec_hash: str, spec_json: str, settings: dict | None = None):
        self.spec_hash, self.spec_json = spec_hash, spec_json
        self.settings = settings
        self.name = f"nn-course-spec-{spec_hash[:16]}"

    def setup(self, worker=None):
        _state.spec_texts[self.spec_hash] = self.spec_json
        if self.settings is not None:  # in a thread: the worker's event loop goes on
            _ahead().submit(prepare_ahead, {**self.settings, "spec_hash": self.spec_hash})
