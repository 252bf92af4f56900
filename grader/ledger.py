"""What a grading run has finished, kept as it finishes, so a run can stop anywhere.

``OUT/graded.jsonl`` gets one line per finished student: the row, the per-test-cell
points, the submission's hash and the assignment's (release, tests, grader code). A
later run of the same class reads it and skips every student whose submission and
assignment are unchanged; ``grades.csv`` is appended to as each student finishes and
rewritten in student order at the end of a complete run, so an interrupted and resumed
class ends with the same file as an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

LEDGER_NAME = "graded.jsonl"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Ledger:
    """The finished students of one report folder, by student id (the last line wins).

    Only where each student's last line starts is held in memory; an entry is read from
    the file when asked for, so a class of any size costs a few bytes per student here.
    """

    def __init__(self, out: Path):
        self.path = Path(out) / LEDGER_NAME
        self._offsets: dict[str, int] = {}
        self._torn = False  # the file ends inside a line (a run killed while writing)
        with contextlib.suppress(OSError), self.path.open("rb") as handle:
            offset = 0
            for line in handle:
                if (entry := _parsed(line)) is not None:
                    self._offsets[entry["student"]] = offset
                offset += len(line)
                self._torn = not line.endswith(b"\n")

    def __contains__(self, student: str) -> bool:
        return student in self._offsets

    def __len__(self) -> int:
        return len(self._offsets)

    def __iter__(self):
        """The students recorded, in the order they were first recorded."""
        return iter(list(self._offsets))

    def entry(self, student: str) -> dict | None:
        """The last entry recorded for ``student``, or None."""
        offset = self._offsets.get(student)
        if offset is None:
            return None
        with self.path.open("rb") as handle:
            handle.seek(offset)
            return _parsed(handle.readline())

    def unchanged(self, student: str, submission: str, assignment: str) -> dict | None:
        """The recorded entry of ``student`` if its submission and assignment hashes match."""
        entry = self.entry(student)
        if entry and entry.get("submission") == submission and entry.get(
                "assignment") == assignment:
            return entry
        return None

    def add(self, entry: dict) -> None:
        """Record one finished student, on disk before this returns."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(entry, sort_keys=True) + "\n").encode()
        with self.path.open("ab") as handle:
            if self._torn:
                handle.write(b"\n")
                self._torn = False
            offset = handle.tell()
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self._offsets[entry["student"]] = offset

    def compact(self, students: set[str]) -> None:
        """Keep one line per student of ``students`` (the class as it is now), streamed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        offsets: dict[str, int] = {}
        with temporary.open("wb") as target, contextlib.ExitStack() as stack:
            source = (stack.enter_context(self.path.open("rb"))
                      if self.path.is_file() else None)
            for student in sorted(students):
                if source is None or student not in self._offsets:
                    continue
                source.seek(self._offsets[student])
                offsets[student] = target.tell()
                target.write(source.readline())
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, self.path)
        self._offsets = offsets


def _parsed(line: bytes) -> dict | None:
    """One ledger line as an entry, or None where it is not one (a torn last line)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("student"), str) else None


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a reader sees the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
