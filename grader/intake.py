"""Submissions as learning platforms and nbgrader hand them over, read without trusting them.

``collect(submissions, assignment, work)`` accepts

- a folder of ``<student_id>/<assignment>.ipynb``,
- nbgrader's collected layout, ``<student_id>/<assignment>/<assignment>.ipynb``
  (``grader/submitted/`` after ``nbgrader collect``),
- a .zip of either (with or without one enclosing folder).

A zip is extracted entry by entry into the work folder: an entry with an unsafe path
(absolute, ``..``, a drive letter), a link, past the limits (bytes of one entry, bytes
of all, number of entries; counted while decompressing, never taken from what the
archive declares), or in conflict with another entry (a folder where a file is, a path
through a file, a name the disk refuses) is skipped and named in the row of the student
it belonged to. Two entries for one file: the last one readable is kept, and the row
says so. Student ids are folder names as platforms export them: spaces, accents, mixed
case are kept (normalised to NFC); two ids that differ only in case are graded apart and
both rows say so; two that are the same after normalisation, and an id that cannot be a
folder name safely, are not graded, with a row whose id names the folder exactly.

The submission time is never read from what the student wrote: a zip's own record of
the notebook entry, a folder's file modification time (when it was collected there), or
in nbgrader's collected layout (a folder) the timestamp.txt that ``nbgrader submit``
wrote and ``nbgrader collect`` copied; ``Submission.submitted_from`` says which.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import struct
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

from .status import Status

DETAIL_CHARS = 500          # a row's detail, at most
MAX_ID_CHARS = 100
LABEL_CHARS = 1024          # a refused folder's name in full up to this, then a fingerprint
SKIPPED_NAMED = 5           # skipped entries named per student; the rest are counted

# Where a submission's time came from (grades.csv's ``submitted_from``)
FROM_NBGRADER = "nbgrader timestamp.txt"
FROM_ARCHIVE = "archive record"
FROM_ARCHIVE_LOCAL = "archive record (local time)"   # a zip entry with no zone: this machine's
FROM_COLLECTION = "time of collection"               # the file's (or the zip's) modification time


@dataclass(frozen=True)
class IntakeLimits:
    """What one class archive may hold."""

    entries: int = 20_000
    entry_mb: int = 100          # one file (a notebook larger than this is not read anyway)
    total_mb: int = 2_048        # everything extracted


@dataclass(slots=True)  # one per student of the class, held while it is graded
class Submission:
    student_id: str
    notebook: Path | None = None
    extra: list[str] = field(default_factory=list)   # other files beside the notebook
    status: str | None = None                        # set when it cannot be graded
    notes: list[str] = field(default_factory=list)   # said in the row's detail
    submitted_at: datetime | None = None             # UTC
    submitted_from: str = ""                         # one of the FROM_* above
    nbgrader_folder: Path | None = None   # holds nbgrader's timestamp.txt and submission secret
    folder: str = ""                      # the folder's name as it is on disk (or in the zip)

    def detail(self) -> str:
        return bound("; ".join(self.notes))


@dataclass
class Copies:
    """The entries of an archive that wrote one file: 1-based positions, the kept one."""

    positions: list[int] = field(default_factory=list)
    kept: int = 0
    kept_bytes: int = 0
    kept_time: datetime | None = None


@dataclass
class Extracted:
    """What ``extract`` made of an archive. Keys are '/'-separated paths: ``skipped`` by
    entry name, ``copies`` and ``times`` by the file's path under the folder."""

    skipped: dict[str, list[str]] = field(default_factory=dict)   # entry -> why not extracted
    copies: dict[str, Copies] = field(default_factory=dict)       # files written by 2+ entries
    times: dict[str, tuple[datetime, str]] = field(default_factory=dict)  # UTC, FROM_ARCHIVE*
    entries: int = 0


def _entries(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'} skipped from the archive: "


def bound(text: str, limit: int = DETAIL_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _escape(ch: str) -> str:
    code = ord(ch)
    return (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000
            else f"\\U{code:08x}")


def printable(name: str) -> str:
    """``name`` with control characters and backslashes escaped as Python writes them
    (``\\x07``, ``\\u200b``, ``\\\\``): two names never print alike, a valid id is unchanged."""
    return "".join("\\\\" if ch == "\\" else _escape(ch) if unicodedata.category(ch)[0] == "C"
                   else ch for ch in name)


def folder_label(name: str, ascii_only: bool = False) -> str:
    """A row's id for a folder whose name is not graded as an id: the name itself, escaped
    (every non-ASCII character too with ``ascii_only``), so that the row names the folder
    and no two rows share an id. Past LABEL_CHARS, its start and a SHA-256 fingerprint."""
    label = printable(name)
    if ascii_only:
        label = "".join(ch if ord(ch) < 0x80 else _escape(ch) for ch in label)
    if len(label) <= LABEL_CHARS:
        return label
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{label[:200]}... ({len(name)} characters, sha256 {digest})"


def id_problem(name: str) -> str | None:
    """Why a folder name cannot be a student id (None when it can)."""
    if name in ("", ".", ".."):
        return "is empty, '.' or '..'"
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        return "contains a control character"
    if "/" in name or "\\" in name:
        return "contains a slash"
    if len(name) > MAX_ID_CHARS:
        return f"is longer than {MAX_ID_CHARS} characters ({len(name)})"
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


_NTFS_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)


def _entry_time(info: zipfile.ZipInfo) -> tuple[datetime, str] | None:
    """The archive's record of when the entry was last modified, in UTC: from the
    extended-timestamp or NTFS extra field, else the DOS date and time (which has no
    zone: read as this machine's local time); None when the archive records none."""
    extra, at = info.extra, 0
    while at + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, at)
        body, at = extra[at + 4: at + 4 + size], at + 4 + size
        when = None
        try:
            if tag == 0x5455 and len(body) >= 5 and body[0] & 1:  # Unix seconds
                seconds = struct.unpack_from("<i", body, 1)[0]
                when = datetime.fromtimestamp(seconds, timezone.utc)
            elif tag == 0x000A and len(body) >= 32 and struct.unpack_from("<HH", body, 4) == (
                    1, 24):  # NTFS: 100 ns ticks since 1601
                ticks = struct.unpack_from("<Q", body, 8)[0]
                when = _NTFS_EPOCH + timedelta(microseconds=ticks // 10)
        except (OverflowError, OSError, ValueError):
            when = None
        if when is not None and when.year >= 1980:
            return when, FROM_ARCHIVE
    if tuple(info.date_time) <= (1980, 1, 1, 0, 0, 0):   # what a zip without a date holds
        return None
    try:
        return datetime(*info.date_time).astimezone(timezone.utc), FROM_ARCHIVE_LOCAL
    except (OverflowError, OSError, ValueError):
        return None


def _refused(error: OSError) -> str:
    return f"refused by the disk ({error.strerror or type(error).__name__})"


def _conflict(target: Path, root: Path, folder: bool) -> str | None:
    """Why an entry cannot be written at ``target`` after what earlier entries wrote."""
    try:
        parents = [*target.parents][: len(target.relative_to(root).parts) - 1]
        if any(p.is_symlink() or (p.exists() and not p.is_dir()) for p in parents):
            return "a path through a file"
        if folder and (target.is_symlink() or target.exists() and not target.is_dir()):
            return "a folder where the archive has a file of that name"
        if not folder and target.is_dir():
            return "a file where the archive has a folder of that name"
    except OSError as error:  # e.g. a name longer than the disk allows
        return _refused(error)
    return None


def extract(archive: Path, into: Path, limits: IntakeLimits) -> Extracted:
    """Extract ``archive`` safely into ``into``; see the module docstring.

    Files come first and folder entries (which only make empty folders) after them, so a
    folder entry never costs a file; between two files in conflict the first one wins. A
    repeated file is written aside and replaces the earlier copy once read whole."""
    result = Extracted()
    into.mkdir(parents=True, exist_ok=True)
    root = into.resolve()
    staging = Path(tempfile.mkdtemp(prefix=".entries-", dir=root.parent))
    writers: dict[str, Copies] = {}
    folders: list[tuple[str, Path]] = []
    total = 0
    try:
        with zipfile.ZipFile(archive) as zipped:
            infos = zipped.infolist()
            result.entries = len(infos)
            for position, info in enumerate(infos, 1):
                name = _entry_name(info)
                reason = (f"past the {limits.entries} entries an archive may hold"
                          if position > limits.entries else
                          _unsafe(name) or ("a link" if _is_link(info) else None))
                target = None if reason else (into / name).resolve()
                if target is not None and (not target.is_relative_to(root) or target == root):
                    reason = "a path outside the folder"
                if reason:
                    result.skipped.setdefault(name, []).append(reason)
                elif info.is_dir():
                    folders.append((name, target))
                else:
                    total += _extract_file(zipped, info, name, position, target, root, staging,
                                           limits, total, result, writers)
        for name, target in folders:
            reason = _conflict(target, root, folder=True)
            if not reason:
                try:
                    target.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    reason = _refused(error)
            if reason:
                result.skipped.setdefault(name, []).append(reason)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.copies = {path: c for path, c in writers.items() if len(c.positions) > 1}
    return result


def _extract_file(zipped: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, position: int,
                  target: Path, root: Path, staging: Path, limits: IntakeLimits, total: int,
                  result: Extracted, writers: dict[str, Copies]) -> int:
    """Extract one file entry to ``target``; returns the bytes it adds to the total."""
    def skip(reason: str) -> int:
        result.skipped.setdefault(name, []).append(reason)
        return 0

    entry_cap, total_cap = limits.entry_mb * 2**20, limits.total_mb * 2**20
    if reason := _conflict(target, root, folder=False):
        return skip(reason)
    path = target.relative_to(root).as_posix()
    copies = writers.setdefault(path, Copies())
    copies.positions.append(position)
    if total >= total_cap:
        return skip(f"past the {limits.total_mb} MB an archive may hold")
    staged, written, over = staging / str(position), 0, None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipped.open(info) as source, staged.open("wb") as sink:
            while chunk := source.read(1 << 20):
                written += len(chunk)
                if written > entry_cap:
                    over = f"over {limits.entry_mb} MB"
                    break
                if total + written > total_cap:
                    over = f"past the {limits.total_mb} MB an archive may hold"
                    break
                sink.write(chunk)
        if not over:
            replaced = target.stat().st_size if target.is_file() else 0  # an earlier copy
            os.replace(staged, target)
    except OSError as error:
        over = _refused(error) if error.errno else f"unreadable ({type(error).__name__})"
    except Exception as error:  # noqa: BLE001 - a broken entry is its student's, not the class's
        over = f"unreadable ({type(error).__name__})"
    if over:
        staged.unlink(missing_ok=True)
        return skip(over)
    copies.kept, copies.kept_bytes = position, written
    record = _entry_time(info)
    copies.kept_time = record[0] if record else None
    if record:
        result.times[path] = record
    else:
        result.times.pop(path, None)
    return written - replaced


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
    extracted, unpacked = Extracted(), None
    if submissions.is_file():
        if not zipfile.is_zipfile(submissions):
            raise SystemExit(f"{submissions} is neither a folder nor a .zip of student folders")
        unpacked = work / "unpacked"
        extracted = extract(submissions, unpacked, limits)
        folder = _students_folder(unpacked, assignment)
        prefix = folder.relative_to(unpacked).parts
    elif submissions.is_dir():
        folder, prefix = _students_folder(submissions, assignment), ()
    else:
        raise SystemExit(f"{submissions} does not exist")
    on_disk = {p.name for p in folder.iterdir()}

    def owner(path: str) -> tuple[str | None, str]:
        """The student folder an archive path belongs to, and the path inside it."""
        parts = PurePosixPath(path).parts
        inside = parts[len(prefix):] if parts[: len(prefix)] == prefix else ()
        if _unsafe(path) or not inside or (len(inside) == 1 and inside[0] not in on_disk):
            return None, path
        return inside[0], "/".join(inside[1:])

    skipped_of: dict[str, list[str]] = {}
    for name, reasons in extracted.skipped.items():
        key, _ = owner(name)
        text = f"{printable(name)} ({', '.join(reasons)})"
        (skipped_of.setdefault(key, []) if key else warnings).append(text)
    copies_of: dict[str, list[tuple[str, str, Copies]]] = {}
    for path, copies in extracted.copies.items():
        key, inside = owner(path)
        if copies.kept and key:
            copies_of.setdefault(key, []).append((path, inside, copies))
        elif copies.kept:
            warnings.append(_copies_note(path, copies, extracted.entries, "kept"))

    found: list[Submission] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not _visible(entry):
            continue
        raw = entry.name
        submission = _submission(raw)
        if submission.status is None and (entry.is_symlink() or not entry.is_dir()):
            submission.status = Status.MISSING
            submission.notes.append("a link or a file where a student's folder should be")
        elif submission.status is None:
            _find_notebook(entry, assignment, submission)
            if submission.notebook is not None:
                _submission_time(submission, entry, assignment, submissions, unpacked, extracted)
        graded_path = (submission.notebook.relative_to(unpacked).as_posix()
                       if unpacked is not None and submission.notebook is not None else None)
        for path, inside, copies in sorted(copies_of.get(raw, []),
                                           key=lambda c: (c[0] != graded_path, c[0])):
            submission.notes.append(_copies_note(
                inside, copies, extracted.entries, "graded" if path == graded_path else "kept"))
        skipped_here = skipped_of.get(raw, [])
        if skipped_here:  # the count first: the detail is cut at DETAIL_CHARS
            submission.notes.append(
                _entries(len(skipped_here)) + "; ".join(skipped_here[:SKIPPED_NAMED])
                + ("; ..." if len(skipped_here) > SKIPPED_NAMED else ""))
        found.append(submission)
    for key in sorted(set(skipped_of) - on_disk):
        # a student all of whose entries were skipped still gets a row
        submission = _submission(key)
        submission.status = submission.status or Status.MISSING
        submission.notes.append(_entries(len(skipped_of[key]))
                                + "; ".join(skipped_of[key][:SKIPPED_NAMED]))
        found.append(submission)
    _report_clashes(found)
    return sorted(found, key=lambda s: s.student_id), [bound(w) for w in warnings]


def _submission(folder: str) -> Submission:
    """A Submission for the student folder named ``folder``: its id, or refused."""
    student = unicodedata.normalize("NFC", folder)
    submission = Submission(student)
    submission.folder = folder
    if problem := id_problem(student):
        submission.student_id = folder_label(folder)
        submission.status = Status.INVALID_ID
        submission.notes.append(f"the folder name (this row's id) {problem}")
    return submission


def _copies_note(path: str, copies: Copies, entries: int, verb: str) -> str:
    when = f", {copies.kept_time:%Y-%m-%d %H:%M:%S} UTC" if copies.kept_time else ""
    which = "the last" if copies.kept == copies.positions[-1] else "an earlier one"
    return (f"the archive held {len(copies.positions)} entries for {printable(path)} "
            f"(entries {', '.join(f'#{p}' for p in copies.positions)} of {entries}): "
            f"{which}, #{copies.kept} ({copies.kept_bytes:,} bytes{when}), was {verb}")


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)


def _nbgrader_timestamp(folder: Path) -> datetime | None:
    """The time in ``folder/timestamp.txt`` as nbgrader reads it, in UTC (None if unreadable)."""
    from nbgrader.utils import parse_utc

    stamp = folder / "timestamp.txt"
    if stamp.is_symlink() or not stamp.is_file():
        return None
    try:
        with stamp.open("rb") as handle:
            when = parse_utc(handle.read(200).decode("utf-8").strip())
    except (ValueError, OverflowError, OSError, TypeError):  # UnicodeDecodeError is a ValueError
        return None
    return when.replace(tzinfo=timezone.utc) if when else None


def _submission_time(submission: Submission, student_folder: Path, assignment: str,
                     submissions: Path, unpacked: Path | None, extracted: Extracted) -> None:
    """When ``submission`` was handed in, from what no student wrote (module docstring)."""
    notebook = submission.notebook
    if unpacked is not None:  # a zip: its record of the notebook, or when it was collected
        record = extracted.times.get(notebook.relative_to(unpacked).as_posix())
        submission.submitted_at, submission.submitted_from = record or (
            _mtime(submissions), FROM_COLLECTION)
        return
    if notebook.parent == student_folder / assignment:  # nbgrader's collected layout
        stamp = _nbgrader_timestamp(notebook.parent)
        if stamp is not None:
            submission.submitted_at, submission.submitted_from = stamp, FROM_NBGRADER
            secret = notebook.parent / "submission_secret.txt"
            if secret.is_file() and not secret.is_symlink():
                submission.nbgrader_folder = notebook.parent
            return
    submission.submitted_at, submission.submitted_from = _mtime(notebook), FROM_COLLECTION


def _find_notebook(folder: Path, assignment: str, submission: Submission) -> None:
    name = f"{assignment}.ipynb"
    nbgraders = {folder / assignment / "timestamp.txt",  # nbgrader's, in its layout
                 folder / assignment / "submission_secret.txt"}
    for candidate in (folder / name, folder / assignment / name):  # flat, or nbgrader's
        if candidate.is_symlink():
            submission.notes.append(f"{name} is a link: not read")
            submission.status = Status.MISSING
            return
        if candidate.is_file():
            submission.notebook = candidate
            submission.extra = sorted(
                str(p.relative_to(folder)) for p in folder.rglob("*")
                if p.is_file() and p != candidate and p not in nbgraders)[:20]
            return
    # what the student did hand in (inside nbgrader's assignment folder too), not the folder
    others = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                    if p.is_file() and not p.is_symlink() and p not in nbgraders)[:10]
    submission.status = Status.MISSING
    submission.notes.append(f"no {name}" + (f"; found {', '.join(printable(o) for o in others)}"
                                            if others else ""))


def _report_clashes(found: list[Submission]) -> None:
    """Ids equal after NFC normalisation are not graded, and each such row is named by its
    folder (escaped); ids equal but for case are graded, and both rows say so."""
    by_id: dict[str, list[Submission]] = {}
    for submission in found:
        by_id.setdefault(submission.student_id, []).append(submission)
    for student, same in by_id.items():
        if len(same) > 1:
            for submission in same:
                submission.status = Status.AMBIGUOUS_ID
                if submission.folder != student:
                    submission.student_id = folder_label(submission.folder, ascii_only=True)
                submission.notes.append(f"{len(same)} folders are the id {student!r} once "
                                        "normalised (NFC): rename them apart")
    by_folded: dict[str, list[Submission]] = {}
    for submission in found:
        by_folded.setdefault(submission.student_id.casefold(), []).append(submission)
    for similar in by_folded.values():
        ids = sorted({s.student_id for s in similar})
        if len(ids) > 1:
            for submission in similar:
                others = [i for i in ids if i != submission.student_id]
                submission.notes.append(f"graded apart from {', '.join(others)} (the ids differ "
                                        "only in case)")
