"""Grade one submission: prepare it (trusted), run it in a sandboxed kernel, score, feedback.

``AssignmentSpec`` is what the grader trusts about an assignment: the test and
read-only cells as the gradebook holds them (hidden tests included), the released
answer stubs, the instructor's other cells. ``prepare`` turns whatever a student
handed in into a notebook that can be graded fairly (see its docstring), ``execute``
runs it, ``score_cells`` gives each test cell its points, ``feedback_html`` writes what
the student sees.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from .course import DIAGNOSIS_KEY, HIDDEN_BLOCK, nbgrader_meta
from .policy import answer_problems, shell_problems
from .status import Status

CELL_OUTPUT_CHARS = 20_000     # kept per cell; the rest is counted, not stored
NOTEBOOK_OUTPUT_CHARS = 400_000
TRACEBACK_LINES = 30
MAX_NOTEBOOK_BYTES = 100 * 2**20
TRUNCATED = "\n... output truncated by the grader ({} characters not shown) ...\n"


@dataclass
class SpecCell:
    grade_id: str
    kind: str            # "test", "locked" (read-only instructor cell) or "answer"
    cell_type: str
    source: str          # tests and read-only cells: the gradebook's; answers: the stub
    points: float = 0.0
    owned: list[str] = field(default_factory=list)   # answer cells: names they may bind
    hidden: bool = False


@dataclass
class AssignmentSpec:
    assignment: str
    cells: list[SpecCell]                  # in the source notebook's order
    editable: dict[str, str]               # cell id -> source of unlocked instructor cells
    max_score: float
    references: dict[str, str] = field(default_factory=dict)   # grade id -> solution source
    mistakes: dict[str, list] = field(default_factory=dict)    # -> [[mistake, source, message]]
    # language -> grade id -> a read-only cell as that language's edition holds it (its
    # markdown translated; code is the same in every language)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    # language -> helpers' messages (English -> translation) for the checker to show its
    # verdicts in the language of the notebook it grades (helpers.i18n)
    messages: dict[str, dict[str, str]] = field(default_factory=dict)

    def locked_source(self, cell: SpecCell, language: str) -> str:
        """A test or read-only cell as the edition of ``language`` holds it."""
        return self.translations.get(language, {}).get(cell.grade_id, cell.source)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> AssignmentSpec:
        data = json.loads(text)
        data["cells"] = [SpecCell(**c) for c in data["cells"]]
        return cls(**data)

    def readonly_code(self) -> list[str]:
        """The read-only code cells, in order: the checker runs them before the tests."""
        return [c.source for c in self.cells if c.kind == "locked" and c.cell_type == "code"]

    def diagnosis(self) -> dict:
        """What the checker needs to name a mistake (``grader.checker.diagnosis.Catalogue``)."""
        return {"references": self.references, "mistakes": self.mistakes}

    def owned(self) -> list[str]:
        """Names the answer cells define: the only names tests may take from the student."""
        return sorted({name for c in self.cells for name in c.owned})


def build_spec(assignment: str, release_nb: NotebookNode, gradebook_cells: dict[str, dict],
               solution_nb: NotebookNode) -> AssignmentSpec:
    """The spec from the release notebook, the gradebook's source cells and the solutions.

    ``gradebook_cells``: grade id -> {"source", "cell_type", "points", "locked"} as stored
    by nbgrader. Solutions are read only to learn which names an answer cell defines.
    """
    from .policy import top_level_names

    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution_nb.cells
                 if nbgrader_meta(c).get("solution")}
    cells, editable = [], {}
    for cell in release_nb.cells:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if grade_id is None:
            if cell.cell_type == "code" and cell.get("id"):
                editable[cell.id] = cell.source
            continue
        stored = gradebook_cells.get(grade_id, {})
        if meta.get("solution"):
            cells.append(SpecCell(grade_id, "answer", cell.cell_type, cell.source,
                                  float(meta.get("points") or 0),
                                  owned=sorted(top_level_names(solutions.get(grade_id, "")))))
        elif meta.get("grade") or meta.get("locked"):
            source = stored.get("source", cell.source)
            cells.append(SpecCell(grade_id, "test" if meta.get("grade") else "locked",
                                  cell.cell_type, source, float(meta.get("points") or 0),
                                  hidden=bool(HIDDEN_BLOCK.search(source))))
    max_score = sum(c.points for c in cells if c.kind == "test")
    return AssignmentSpec(assignment, cells, editable, max_score, solutions,
                          catalogued_mistakes(assignment),
                          locked_translations(assignment, release_nb, cells),
                          shown_translations(assignment))


def shown_translations(assignment: str) -> dict[str, dict[str, str]]:
    """language -> what helpers shows while this assignment's tests run (its messages and
    the tests' hints), translated for the English they hold now."""
    from .i18n import LANGUAGES, shown_messages

    return {language: found for language in LANGUAGES
            if (found := shown_messages(language, assignment))}


def locked_translations(assignment: str, release_nb: NotebookNode, cells: list[SpecCell]
                        ) -> dict[str, dict[str, str]]:
    """language -> grade id -> translated source, for the read-only cells the catalogues
    translate for the English they hold now (``grader.i18n``): markdown, and the comments
    of code cells (the code itself is the same in every language)."""
    from helpers.setup import SETUP_MARKER

    from .i18n import (
        LANGUAGES,
        current_messages,
        shown_messages,
        translated_code,
        translated_strings,
    )

    by_id = {c.grade_id: c for c in cells if c.kind in ("test", "locked")}
    found = {}
    for language in LANGUAGES:
        messages = current_messages(assignment, language)
        cells_of = {}
        for cell in release_nb.cells:
            known = by_id.get(nbgrader_meta(cell).get("grade_id"))
            if known is None or not cell.get("id"):
                continue
            if known.cell_type == "markdown":
                message = messages.get(f"markdown:{cell.id}")
                source = message.string if message and message.id == known.source else None
            elif known.source.startswith(SETUP_MARKER):  # its messages, as the edition's
                source = translated_strings(known.source, shown_messages(language, assignment,
                                                                         visible_only=True))
            else:
                source = translated_code(known.source, cell.id, messages)
            if source is not None and source != known.source:
                cells_of[known.grade_id] = source
        if cells_of:
            found[language] = cells_of
    return found


def catalogued_mistakes(assignment: str) -> dict[str, list[list[str]]]:
    """grade id -> [[mistake, source, message for the student]] from ``grader.mistakes``."""
    from .mistakes import catalogue

    return catalogue(assignment)


class InvalidNotebook(Exception):
    pass


def read_submission(path: Path) -> tuple[NotebookNode, list[str]]:
    """The submission as an nbformat 4 notebook, and notes (e.g. converted from v3)."""
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(f"over {MAX_NOTEBOOK_BYTES // 2**20} MB: not read")
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidNotebook(f"not JSON: {type(error).__name__}: {str(error)[:120]}") from None
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        raise InvalidNotebook("JSON, but not a notebook (no nbformat version)")
    notes = []
    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
        if data["nbformat"] != 4:
            notes.append(f"converted from nbformat {data['nbformat']}")
        nbformat.validate(notebook)
    except Exception as error:
        raise InvalidNotebook(f"{type(error).__name__}: {str(error)[:150]}") from None
    return notebook, notes


def _cell(spec_cell: SpecCell, source: str | None = None) -> NotebookNode:
    make = nbformat.v4.new_code_cell if spec_cell.cell_type == "code" else (
        nbformat.v4.new_markdown_cell)
    cell = make(spec_cell.source if source is None else source)
    cell.metadata["nbgrader"] = {
        "grade": spec_cell.kind == "test", "grade_id": spec_cell.grade_id,
        "locked": spec_cell.kind != "answer", "schema_version": 3,
        "solution": spec_cell.kind == "answer", "task": False,
        **({"points": spec_cell.points} if spec_cell.kind == "test" else {}),
    }
    return cell


# The edition's copies of the setup and badge cells name its repository and tag: the
# install `github.com/OWNER/NAME@TAG"` and the badge
# `colab.research.google.com/github/OWNER/NAME/blob/TAG/course/...` (a tag may hold "/").
_EDITION_SPECIFIC = re.compile(
    r"(?P<site>github\.com/|colab\.research\.google\.com/github/)[\w.-]+/[\w.-]+"
    r"(?P<at>/blob/[\w./-]+?(?=/course/)|@[\w./-]+?(?=[\"'\s]))")


def _without_edition(source: str) -> str:
    return _EDITION_SPECIFIC.sub(lambda m: m["site"] + "EDITION" + m["at"][:1], source)


def _same_locked(submitted: str, stored: str) -> bool:
    """A read-only cell as handed in equals the gradebook's, up to the edition's name."""
    return submitted == stored or _without_edition(submitted) == _without_edition(stored)


def prepare(notebook: NotebookNode, spec: AssignmentSpec, screen: bool = True
            ) -> tuple[NotebookNode, list[str], list[str]]:
    """A gradable copy of a submission: (notebook, notes, flagged).

    - test and read-only cells are put back as the gradebook holds them (edited ones
      restored, deleted ones re-inserted after the cell that precedes them in the
      source, duplicates dropped);
    - of an answer cell handed in twice, the last copy is graded, earlier ones are
      ordinary cells; cells with unknown grade ids become ordinary cells;
    - what the course announces is refused (``grader.policy``): an answer cell that
      imports ``helpers`` is graded as blank, a cell that runs shell commands is not
      run (``screen=False`` skips that, for testing the sandbox's own defences);
    - outputs the student saved are cleared.

    Read-only cells are compared with, and restored to, the edition of the notebook's own
    language (its metadata): a Spanish notebook keeps its Spanish text.
    """
    from .i18n import language_of

    language = language_of(notebook)
    by_id = {c.grade_id: c for c in spec.cells}
    notes: list[str] = []
    flagged: list[str] = []
    kept: list[NotebookNode] = []
    seen: set[str] = set()
    last_answer: dict[str, int] = {}
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        known = by_id.get(grade_id) if grade_id else None
        if known is None:
            cell.metadata.pop("nbgrader", None)
        elif known.kind in ("test", "locked"):
            if grade_id in seen:
                notes.append(f"duplicate of {grade_id} removed")
                continue
            stored = spec.locked_source(known, language)
            if not known.hidden and not _same_locked(cell.get("source", ""), stored):
                notes.append(f"{grade_id} restored")
            restored = _cell(known, stored)
            if cell.get("id"):
                restored["id"] = cell["id"]
            cell = restored
        else:  # an answer cell
            if grade_id in last_answer:
                kept[last_answer[grade_id]].metadata.pop("nbgrader", None)
                notes.append(f"answer cell {grade_id} handed in twice: the last copy is graded")
            last_answer[grade_id] = len(kept)
            if cell.cell_type != "code":
                cell = _cell(known)
            # the gradebook's metadata, not the student's (who could have set points on it)
            cell.metadata["nbgrader"] = _cell(known).metadata["nbgrader"]
        if grade_id and known is not None:
            seen.add(grade_id)
        kept.append(cell)

    # cells the student deleted: tests and read-only cells come back; answers stay missing
    for index, spec_cell in enumerate(spec.cells):
        if spec_cell.grade_id in seen:
            continue
        if spec_cell.kind == "answer":
            notes.append(f"answer cell {spec_cell.grade_id} missing")
            continue
        position = 0
        for earlier in reversed(spec.cells[:index]):
            found = [i for i, c in enumerate(kept)
                     if nbgrader_meta(c).get("grade_id") == earlier.grade_id]
            if found:
                position = found[0] + 1
                break
        kept.insert(position, _cell(spec_cell, spec.locked_source(spec_cell, language)))
        seen.add(spec_cell.grade_id)
        notes.append(f"{spec_cell.grade_id} was deleted: restored")

    final = []
    for cell in kept:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type != "markdown":
            continue  # raw cells do not run and are not graded
        meta = nbgrader_meta(cell)
        known = by_id.get(meta.get("grade_id"))
        if not screen or cell.cell_type != "code" or (known is not None
                                                       and known.kind != "answer"):
            final.append(cell)
            continue
        is_answer = known is not None
        problems = answer_problems(cell.source) if is_answer else shell_problems(cell.source)
        if not problems:
            final.append(cell)
            continue
        if is_answer:
            cell.source = known.source
            flagged.append(f"{known.grade_id} graded as blank: {'; '.join(problems[:3])}")
        elif cell.get("id") in spec.editable:
            cell.source = spec.editable[cell["id"]]
            flagged.append(f"cell {cell['id']} put back as released: {'; '.join(problems[:3])}")
        else:
            flagged.append(f"cell {cell.get('id', '?')} not run: {'; '.join(problems[:3])}")
            continue
        final.append(cell)
    for cell in final:  # only the checker says what a test cell's answer agrees with
        cell.metadata.pop(DIAGNOSIS_KEY, None)
    notebook.cells = final
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    return notebook, notes, flagged


# ------------------------------------------------------------------------- execution

@dataclass
class Execution:
    status: str = Status.GRADED
    detail: str = ""
    ran: dict[int, str] = field(default_factory=dict)      # cell index -> reply status
    last_cell: int = -1                                    # the cell running or last run
    stderr: set[int] = field(default_factory=set)          # cells that wrote to stderr
    seconds: float = 0.0        # kernel start to kernel gone
    cells_seconds: float = 0.0  # the cells' own run time, execute request to reply
    peak_mb: float = 0.0
    bridge_problems: list[str] = field(default_factory=list)  # unreadable kernel answers
    checker_failed: str = ""    # the checker itself failed (not the student's doing)
    stages: dict[str, float] = field(default_factory=dict)  # seconds, see STAGES
    warm_kernel: bool = False   # it ran in a kernel started ahead (grader.autograde.WarmKernel)
    forked_kernel: bool = False  # a KernelZygote forked its kernel (grader.sandbox)
    zygote_problem: str = ""     # why the zygote could not, when it could not


# where a student's grading time goes, inside ``execute`` (grader.worker adds its own)
STAGES = ("waiting for the warm kernel", "kernel start", "setup cell",
          "answer and lesson cells", "tests in the checker", "kernel stop")
WARM_UP = "import numpy, matplotlib.pyplot, keras, tensorflow"  # what every setup cell imports


class WarmKernel:
    """A sandboxed kernel started, and its libraries imported, before its student is known.

    A worker starts one while it finishes a student, for the next student of the same
    assignment and limits: no student's code has run in it, and it serves exactly one
    student, then goes like any other kernel (a fresh kernel per student stays the rule).
    """

    _starter = None   # one long-lived thread: bubblewrap dies with the thread that started it

    def __init__(self, limits, sandboxed: bool, mpl_cache: str | None,
                 helpers_copy: Path | None, zygote=None):
        from concurrent.futures import ThreadPoolExecutor

        from .sandbox import SandboxedKernelManager

        self.key = (limits, sandboxed, mpl_cache, str(helpers_copy))
        self.km = SandboxedKernelManager(limits, sandboxed=sandboxed, mpl_cache=mpl_cache,
                                         helpers_copy=helpers_copy, zygote=zygote)
        self.failed = ""
        self.launched = threading.Event()  # its processes exist from then on
        self.cancelled = threading.Event()  # nobody will take it: stop waiting for it
        if WarmKernel._starter is None:
            WarmKernel._starter = ThreadPoolExecutor(1, thread_name_prefix="nn-warm-kernel")
        self.ready = WarmKernel._starter.submit(self._start)

    def _start(self) -> None:
        import asyncio

        async def start() -> None:
            try:
                await self.km.start_kernel()
            finally:
                self.launched.set()
            client = self.km.client()
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=120)
                msg_id = client.execute(WARM_UP, silent=True, store_history=False)
                deadline = time.monotonic() + 300
                while not self.cancelled.is_set():  # a kernel that died gets no 300 s wait
                    if time.monotonic() > deadline or not self._alive():
                        raise RuntimeError("the warm kernel died or hung while importing")
                    try:
                        reply = await client.get_shell_msg(timeout=1)
                    except queue.Empty:
                        continue
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
            finally:
                client.stop_channels()

        try:
            asyncio.run(start())
        except Exception as error:  # noqa: BLE001 - then the student gets a cold kernel
            self.failed = f"{type(error).__name__}: {error}"

    def _alive(self) -> bool:
        process = getattr(self.km.provisioner, "process", None) if self.km.provisioner else None
        return process is not None and process.poll() is None

    def pids(self) -> set[int]:
        """The warm kernel's processes (a worker's clean-up must spare them)."""
        from .sandbox import descendants

        self.launched.wait(timeout=120)
        process = getattr(self.km.provisioner, "process", None) if self.km.provisioner else None
        return {process.pid, *descendants(process.pid)} if process is not None else set()

    def take(self, limits, sandboxed: bool, mpl_cache: str | None, helpers_copy: Path | None):
        """The started kernel manager if it suits these settings and is alive, else None
        (and the kernel is gone)."""
        self.ready.result()
        if (self.key == (limits, sandboxed, mpl_cache, str(helpers_copy)) and not self.failed
                and self.km.watchdog is not None and self.km.watchdog.violation is None
                and self._alive()):
            return self.km
        self.discard()
        return None

    def discard(self) -> None:
        """Stop the kernel, at once if it is still importing."""
        self.cancelled.set()
        self.ready.result()
        self.km.destroy()


class GradingClient(NotebookClient):
    """Records which cells ran and caps what a cell may print; test cells go to the checker.

    With a ``checker`` (``grader.checker.link.CheckerProcess``), a test cell does not run
    in the student's kernel: the checker runs it, reaching the student's functions over
    the bridge, and its outputs become the cell's.
    """

    def __init__(self, *args, execution: Execution, checker=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.execution = execution
        self.checker = checker
        self.bridge = None
        self.cell_chars: dict[int, int] = {}
        self.total_chars = 0
        self.dropped: dict[int, int] = {}
        self.on_cell_execute = self._started
        self.on_cell_executed = self._executed
        self.cell_started = 0.0
        self.execution_started = time.monotonic()
        self.setup_seen = False

    def _started(self, cell, cell_index):
        self.execution.last_cell = cell_index
        self.cell_started = time.monotonic()
        if "kernel start" not in self.execution.stages:
            self.execution.stages["kernel start"] = self.cell_started - self.execution_started

    def _stage(self, cell) -> str:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution") and self.checker is not None:
            return "tests in the checker"
        if cell.get("cell_type") == "code" and not self.setup_seen:
            self.setup_seen = True
            return "setup cell"
        return "answer and lesson cells"

    def _executed(self, cell, cell_index, execute_reply):
        spent = time.monotonic() - self.cell_started
        self.execution.cells_seconds += spent
        stage = self._stage(cell)
        self.execution.stages[stage] = self.execution.stages.get(stage, 0.0) + spent
        self.execution.ran[cell_index] = execute_reply["content"].get("status", "error")
        dropped = self.dropped.get(cell_index)
        if dropped:
            cell.outputs.append(nbformat.v4.new_output(
                "stream", name="stdout", text=TRUNCATED.format(dropped)))

    async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                 store_history=True):
        meta = nbgrader_meta(cell)
        if self.checker is None or cell.cell_type != "code" or not meta.get("grade") or \
                meta.get("solution"):
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        return await self._run_test_cell(cell, cell_index, meta["grade_id"])

    async def _run_test_cell(self, cell, cell_index: int, grade_id: str):
        from nbclient.exceptions import CellTimeoutError

        from .checker.link import KernelBridgeClient

        if self.bridge is None:
            self.bridge = KernelBridgeClient(self.kc)
        self._started(cell, cell_index)
        allowed = self.timeout_func(cell)
        outcome = await self.checker.run_test(cell.source, grade_id, self.bridge,
                                              time.monotonic() + allowed)
        cell.outputs = []
        for name in ("stdout", "stderr"):
            text = str(outcome.get(name) or "")
            if text:
                cut = text[:CELL_OUTPUT_CHARS]
                if len(text) > len(cut):
                    cut += TRUNCATED.format(len(text) - len(cut))
                cell.outputs.append(nbformat.v4.new_output("stream", name=name, text=cut))
        if outcome.get("stderr"):
            self.execution.stderr.add(cell_index)
        if outcome.get("status") != "ok":
            error = outcome.get("error") or {}
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename=str(error.get("ename", "Error"))[:100],
                evalue=str(error.get("evalue", ""))[:2000],
                traceback=[str(line)[:2000] for line in error.get("traceback", [])][
                    -TRACEBACK_LINES:]))
        diagnosis = outcome.get("diagnosis")
        if outcome.get("status") != "ok" and isinstance(diagnosis, dict):
            cell.metadata[DIAGNOSIS_KEY] = {
                "function": str(diagnosis.get("function", ""))[:100],
                "mistakes": [[str(name)[:200], str(message)[:600]]
                             for name, message in list(diagnosis.get("mistakes") or [])[:8]]}
        self.execution.bridge_problems = [str(p)[:300] for p in outcome.get("problems", [])]
        if outcome.get("checker_failed") and not outcome.get("timeout"):
            self.execution.checker_failed = str(outcome["checker_failed"])
        self._executed(cell, cell_index, {"content": {
            "status": "ok" if outcome.get("status") == "ok" else "error"}})
        if outcome.get("timeout"):
            raise CellTimeoutError.error_from_timeout_and_cell(
                "Cell execution timed out", allowed, cell)
        return cell

    def output(self, outs, msg, display_id, cell_index):
        content = msg["content"]
        kind = msg["msg_type"]
        if kind == "stream" and content.get("name") == "stderr":
            self.execution.stderr.add(cell_index)
        if kind == "error":
            content["evalue"] = str(content.get("evalue", ""))[:2000]
            content["traceback"] = [line[:2000] for line in
                                    content.get("traceback", [])[-TRACEBACK_LINES:]]
            return super().output(outs, msg, display_id, cell_index)
        size = len(content.get("text", "")) if kind == "stream" else len(
            json.dumps(content.get("data", {})))
        used = self.cell_chars.get(cell_index, 0)
        room = min(CELL_OUTPUT_CHARS - used, NOTEBOOK_OUTPUT_CHARS - self.total_chars)
        if size > room:
            if kind != "stream" or room <= 0:
                self.dropped[cell_index] = self.dropped.get(cell_index, 0) + size
                return None
            content["text"] = content["text"][:room]  # keep the start of a long print
            self.dropped[cell_index] = self.dropped.get(cell_index, 0) + size - room
            size = room
        self.cell_chars[cell_index] = used + size
        self.total_chars += size
        return super().output(outs, msg, display_id, cell_index)


def execute(notebook: NotebookNode, limits, sandboxed: bool, deadline: float,
            mpl_cache: str | None = None, checker=None, helpers_copy: Path | None = None,
            warm: WarmKernel | None = None, zygote=None) -> Execution:
    """Run every cell in a fresh kernel (see grader.sandbox); the notebook gets outputs.

    Test cells run in ``checker`` when one is given (see :class:`GradingClient`).
    ``helpers_copy`` is the copy of ``helpers`` the kernel sees (reference code of the
    graded functions withheld). Stops at the first cell that runs over its time, or
    when the kernel dies. ``deadline``: time.monotonic() by which the whole notebook
    must be done. ``warm``: a kernel started ahead for this student (used if it suits);
    ``zygote`` (grader.sandbox.KernelZygote): forks the kernel, if none was started ahead.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from .sandbox import SandboxedKernelManager

    execution = Execution()
    started = time.monotonic()
    km = warm.take(limits, sandboxed, mpl_cache, helpers_copy) if warm is not None else None
    if warm is not None:
        execution.stages["waiting for the warm kernel"] = time.monotonic() - started
        execution.warm_kernel = km is not None
    if km is None:
        km = SandboxedKernelManager(limits, sandboxed=sandboxed, mpl_cache=mpl_cache,
                                    helpers_copy=helpers_copy, zygote=zygote)

    def timeout_for(cell):
        return max(1, min(limits.cell_timeout, deadline - time.monotonic()))

    client = GradingClient(
        notebook, km=km, execution=execution, checker=checker, timeout_func=timeout_for,
        allow_errors=True,
        interrupt_on_timeout=False, record_timing=False, startup_timeout=60,
        shutdown_kernel="immediate", kernel_name="python3")
    def stopped_cell() -> str:
        """The cell grading stopped in, by number and, where it has one, by name."""
        cells = notebook.cells
        grade_id = (nbgrader_meta(cells[execution.last_cell]).get("grade_id")
                    if 0 <= execution.last_cell < len(cells) else None)
        return f"cell {execution.last_cell}" + (f" ({grade_id})" if grade_id else "")

    try:
        client.execute()
    except CellTimeoutError:
        execution.status = Status.TIMEOUT
        over_all = deadline - time.monotonic() < 1
        execution.detail = (f"{stopped_cell()} ran over "
                            + ("the time allowed for the whole notebook" if over_all else
                               f"{limits.cell_timeout:g} s") + "; later cells did not run")
    except DeadKernelError:
        execution.status, execution.detail = Status.KERNEL_DIED, (
            f"the kernel died in {stopped_cell()}; later cells did not run")
    except Exception as error:  # noqa: BLE001 - any failure is this student's row, not the batch's
        execution.status = Status.ERROR
        execution.detail = f"{type(error).__name__}: {str(error)[:200]}"
    finally:
        stopping = time.monotonic()
        watchdog = km.watchdog
        if client.kc is not None:  # nbclient leaves a client it was handed a manager for
            client.kc.stop_channels()
        km.destroy()
        execution.stages["kernel stop"] = time.monotonic() - stopping
        execution.forked_kernel, execution.zygote_problem = km.forked, km.zygote_problem
    if watchdog is not None:
        execution.peak_mb = watchdog.peak_bytes / 2**20
        if watchdog.violation:
            execution.status = watchdog.violation
            execution.detail = (f"{watchdog.detail} in {stopped_cell()}; "
                                "the kernel was stopped and later cells did not run")
    if execution.status == Status.GRADED and execution.checker_failed:
        execution.status = Status.ERROR
        execution.detail = f"the grader's checker failed: {execution.checker_failed}"
    elif execution.status == Status.GRADED and execution.bridge_problems:
        execution.status = Status.BRIDGE_ERROR
        execution.detail = ("the kernel's answers to the grader could not all be read: "
                            + "; ".join(execution.bridge_problems[:2]))
    execution.seconds = time.monotonic() - started
    return execution


def score_cells(notebook: NotebookNode, execution: Execution) -> dict[str, dict]:
    """Points of each test cell: all of them if it ran, raised nothing and wrote no stderr."""
    scores = {}
    for index, cell in enumerate(notebook.cells):
        meta = nbgrader_meta(cell)
        if not meta.get("grade") or meta.get("solution"):
            continue
        points = float(meta.get("points") or 0)
        ok = (execution.ran.get(index) == "ok" and index not in execution.stderr
              and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])))
        scores[meta["grade_id"]] = {"auto_score": points if ok else 0.0, "max_score": points}
        meta["score"], meta["points"] = scores[meta["grade_id"]]["auto_score"], points
    return scores


def warm_up() -> None:
    """Import what grading a student needs, so the first student does not pay for it."""
    import latex2mathml.converter  # noqa: F401
    import mistune  # noqa: F401
    import nh3  # noqa: F401

    from . import sandbox  # noqa: F401  (jupyter_client's kernel manager)
