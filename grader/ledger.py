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
    """The finished students of one report folder, by student id (the last line wins)."""

    def __init__(self, out: Path):
        self.path = Path(out) / LEDGER_NAME
        self.entries: dict[str, dict] = {}
        with contextlib.suppress(OSError), self.path.open(encoding="utf-8") as handle:
            for line in handle:
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    if isinstance(entry, dict) and isinstance(entry.get("student"), str):
                        self.entries[entry["student"]] = entry

    def unchanged(self, student: str, submission: str, assignment: str) -> dict | None:
        """The recorded entry of ``student`` if its submission and assignment hashes match."""
        entry = self.entries.get(student)
        if entry and entry.get("submission") == submission and entry.get(
                "assignment") == assignment:
            return entry
        return None

    def add(self, entry: dict) -> None:
        """Record one finished student, on disk before this returns."""
        self.entries[entry["student"]] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def compact(self, students: set[str]) -> None:
        """Keep one line per student of ``students`` (the class as it is now)."""
        lines = [json.dumps(self.entries[s], sort_keys=True) + "\n"
                 for s in sorted(students) if s in self.entries]
        replace_file(self.path, "".join(lines))


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a reader sees the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
