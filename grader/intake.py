"""Submissions as learning platforms and nbgrader hand them over, read without trusting them.

``collect(submissions, assignment, work)`` accepts

- a folder of ``<student_id>/<assignment>.ipynb``,
- nbgrader's collected layout, ``<student_id>/<assignment>/<assignment>.ipynb``
  (``grader/submitted/`` after ``nbgrader collect``),
- a .zip of either (with or without one enclosing folder).

A zip is extracted entry by entry into the work folder: an entry with an unsafe path
(absolute, ``..``, a drive letter), a link, or past the limits (bytes of one entry,
bytes of all, number of entries; counted while decompressing, never taken from what
the archive declares) is skipped and named in the row of the student it belonged to.
Student ids are folder names as platforms export them: spaces, accents, mixed case are
kept (normalised to NFC); two ids that differ only in case are graded apart and both
rows say so; two that are the same after normalisation, and an id that cannot be a
folder name safely, are not graded, with a detail saying why.
"""

from __future__ import annotations

import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .status import Status

DETAIL_CHARS = 500          # a row's detail, at most
MAX_ID_CHARS = 100
SKIPPED_NAMED = 5           # skipped entries named per student; the rest are counted


@dataclass(frozen=True)
class IntakeLimits:
    """What one class archive may hold."""

    entries: int = 20_000
    entry_mb: int = 100          # one file (a notebook larger than this is not read anyway)
    total_mb: int = 2_048        # everything extracted


@dataclass
class Submission:
    student_id: str
    notebook: Path | None = None
    extra: list[str] = field(default_factory=list)   # other files beside the notebook
    status: str | None = None                        # set when it cannot be graded
    notes: list[str] = field(default_factory=list)   # said in the row's detail

    def detail(self) -> str:
        return bound("; ".join(self.notes))


def _entries(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'} skipped from the archive: "


def bound(text: str, limit: int = DETAIL_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def printable(name: str) -> str:
    """A name with control characters shown as escapes (for a CSV row or a message)."""
    return "".join(ch if unicodedata.category(ch)[0] != "C" else f"\\x{ord(ch):02x}"
                   for ch in name)[:MAX_ID_CHARS + 20]


def id_problem(name: str) -> str | None:
    """Why a folder name cannot be a student id (None when it can)."""
    if name in ("", ".", ".."):
        return "is empty, '.' or '..'"
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        return "contains a control character"
    if "/" in name or "\\" in name:
        return "contains a slash"
    if len(name) > MAX_ID_CHARS:
        return f"is longer than {MAX_ID_CHARS} characters"
    if name != name.strip():
        return "starts or ends with a space"
    return None


# ------------------------------------------------------------------------ zip files

def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its author wrote it: UTF-8 even where the flag is missing."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def _unsafe(name: str) -> str | None:
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if any(part == ".." for part in path.parts):
        return "a path that leaves the archive ('..')"
    if any(id_problem(part) == "contains a control character" for part in path.parts):
        return "a name with control characters"
    return None


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def extract(archive: Path, into: Path, limits: IntakeLimits) -> dict[str, list[str]]:
    """Extract ``archive`` safely into ``into``; returns skipped entries by path and reason."""
    skipped: dict[str, list[str]] = {}
    into.mkdir(parents=True, exist_ok=True)
    root = into.resolve()
    total, entry_cap, total_cap = 0, limits.entry_mb * 2**20, limits.total_mb * 2**20
    with zipfile.ZipFile(archive) as zipped:
        for count, info in enumerate(zipped.infolist()):
            name = _entry_name(info)

            def skip(reason: str, name: str = name) -> None:
                skipped.setdefault(name, []).append(reason)

            if count >= limits.entries:
                skip(f"past the {limits.entries} entries an archive may hold")
                continue
            reason = _unsafe(name) or ("a link" if _is_link(info) else None)
            if reason:
                skip(reason)
                continue
            target = (into / name).resolve()
            if not target.is_relative_to(root) or target == root:
                skip("a path outside the folder")
                continue
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if any(p.is_symlink() or (p.exists() and not p.is_dir())
                   for p in [*target.parents][: len(target.relative_to(root).parts) - 1]):
                skip("a path through a file")
                continue
            if total >= total_cap:
                skip(f"past the {limits.total_mb} MB an archive may hold")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written, over = 0, None
            try:
                with zipped.open(info) as source, target.open("wb") as sink:
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > entry_cap:
                            over = f"over {limits.entry_mb} MB"
                            break
                        if total + written > total_cap:
                            over = f"past the {limits.total_mb} MB an archive may hold"
                            break
                        sink.write(chunk)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
                over = f"unreadable ({type(error).__name__})"
            if over:
                target.unlink(missing_ok=True)
                skip(over)
                continue
            total += written
    return skipped


# ------------------------------------------------------------------------- layouts

def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "__MACOSX"))


def _students_folder(folder: Path, assignment: str) -> Path:
    """The folder whose children are the students' folders (it may be wrapped once or twice)."""
    for _ in range(3):
        children = [p for p in folder.iterdir() if _visible(p)]
        looks_like_student = any((c / f"{assignment}.ipynb").is_file() or (
            c / assignment / f"{assignment}.ipynb").is_file() for c in children if c.is_dir())
        if looks_like_student or len(children) != 1 or not children[0].is_dir() or \
                children[0].is_symlink():
            return folder
        folder = children[0]
    return folder


def collect(submissions: Path, assignment: str, work: Path,
            limits: IntakeLimits = IntakeLimits()) -> tuple[list[Submission], list[str]]:
    """Every student of ``submissions`` (a folder or a .zip): one Submission each, and
    warnings about what belongs to no student (e.g. a skipped top-level entry)."""
    warnings: list[str] = []
    skipped: dict[str, list[str]] = {}
    if submissions.is_file():
        if not zipfile.is_zipfile(submissions):
            raise SystemExit(f"{submissions} is neither a folder nor a .zip of student folders")
        unpacked = work / "unpacked"
        skipped = extract(submissions, unpacked, limits)
        folder = _students_folder(unpacked, assignment)
        prefix = folder.relative_to(unpacked).parts
    elif submissions.is_dir():
        folder, prefix = _students_folder(submissions, assignment), ()
    else:
        raise SystemExit(f"{submissions} does not exist")

    by_student: dict[str, list[str]] = {}
    for name, reasons in skipped.items():
        parts = PurePosixPath(name).parts
        inside = parts[len(prefix):] if parts[: len(prefix)] == prefix else ()
        key = inside[0] if len(inside) > 1 and not _unsafe(name) else None
        text = f"{printable(name)} ({', '.join(reasons)})"
        (by_student.setdefault(key, []) if key else warnings).append(text)

    found: list[Submission] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not _visible(entry):
            continue
        raw = entry.name
        student = unicodedata.normalize("NFC", raw)
        submission = Submission(printable(student))
        problem = id_problem(student)
        if problem:
            submission.status = Status.INVALID_ID
            submission.notes.append(f"the folder name {printable(raw)!r} {problem}")
        elif entry.is_symlink() or not entry.is_dir():
            submission.status = Status.MISSING
            submission.notes.append("a link or a file where a student's folder should be")
        else:
            _find_notebook(entry, assignment, submission)
        skipped_here = by_student.get(raw, [])
        if skipped_here:  # the count first: the detail is cut at DETAIL_CHARS
            submission.notes.append(
                _entries(len(skipped_here)) + "; ".join(skipped_here[:SKIPPED_NAMED])
                + ("; ..." if len(skipped_here) > SKIPPED_NAMED else ""))
        found.append(submission)
    for key in sorted(set(by_student) - {p.name for p in folder.iterdir()}):
        # a student all of whose entries were skipped still gets a row
        student = unicodedata.normalize("NFC", key)
        submission = Submission(printable(student), status=id_problem(student) and
                                Status.INVALID_ID or Status.MISSING)
        submission.notes.append(_entries(len(by_student[key]))
                                + "; ".join(by_student[key][:SKIPPED_NAMED]))
        found.append(submission)
    _report_clashes(found)
    return sorted(found, key=lambda s: s.student_id), [bound(w) for w in warnings]


def _find_notebook(folder: Path, assignment: str, submission: Submission) -> None:
    name = f"{assignment}.ipynb"
    for candidate in (folder / name, folder / assignment / name):  # flat, or nbgrader's
        if candidate.is_symlink():
            submission.notes.append(f"{name} is a link: not read")
            submission.status = Status.MISSING
            return
        if candidate.is_file():
            submission.notebook = candidate
            submission.extra = sorted(
                str(p.relative_to(folder)) for p in folder.rglob("*")
                if p.is_file() and p != candidate and p.name != "timestamp.txt")[:20]
            return
    # what the student did hand in (inside nbgrader's assignment folder too), not the folder
    others = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                    if p.is_file() and not p.is_symlink() and p.name != "timestamp.txt")[:10]
    submission.status = Status.MISSING
    submission.notes.append(f"no {name}" + (f"; found {', '.join(printable(o) for o in others)}"
                                            if others else ""))


def _report_clashes(found: list[Submission]) -> None:
    """Ids equal after NFC normalisation are not graded; ids equal but for case both say so."""
    by_id: dict[str, list[Submission]] = {}
    by_folded: dict[str, list[Submission]] = {}
    for submission in found:
        by_id.setdefault(submission.student_id, []).append(submission)
        by_folded.setdefault(submission.student_id.casefold(), []).append(submission)
    for same in by_id.values():
        if len(same) > 1:
            for index, submission in enumerate(same):
                submission.status = Status.AMBIGUOUS_ID
                submission.notes.append(f"{len(same)} folders have this id once normalised "
                                        "(NFC): rename them apart")
                if index:
                    submission.student_id += f" ({index + 1})"
    for similar in by_folded.values():
        ids = sorted({s.student_id for s in similar})
        if len(ids) > 1:
            for submission in similar:
                others = [i for i in ids if i != submission.student_id]
                submission.notes.append(f"graded apart from {', '.join(others)} (the ids differ "
                                        "only in case)")
