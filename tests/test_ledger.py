"""The ledger (OUT/graded.jsonl): what a run finished, read back from the file."""

import json
import sys

from grader.ledger import Ledger


def _entry(student, score, submission="s"):
    return {"student": student, "submission": submission, "assignment": "a",
            "row": {"score": score}, "cells": {"test_f_visible": {"auto_score": score}}}


def test_the_last_line_wins_and_compaction_keeps_one_line_per_student_of_the_class(tmp_path):
    ledger = Ledger(tmp_path)
    for student, score in (("b", 1), ("a", 2), ("b", 3), ("gone", 4)):
        ledger.add(_entry(student, score))
    assert Ledger(tmp_path).entry("b")["row"]["score"] == 3
    ledger.compact({"a", "b", "never graded"})
    lines = [json.loads(line) for line in (tmp_path / "graded.jsonl").read_text().splitlines()]
    assert [(e["student"], e["row"]["score"]) for e in lines] == [("a", 2), ("b", 3)]
    assert ledger.entry("b")["row"]["score"] == 3 and ledger.entry("gone") is None
    assert set(Ledger(tmp_path)) == {"a", "b"} and len(ledger) == 2


def test_a_line_torn_by_a_killed_run_costs_only_itself(tmp_path):
    Ledger(tmp_path).add(_entry("a", 1))
    with (tmp_path / "graded.jsonl").open("a") as handle:
        handle.write('{"student": "b", "submission": "s", "ass')  # killed while writing
    ledger = Ledger(tmp_path)
    assert set(ledger) == {"a"}
    ledger.add(_entry("c", 2))
    again = Ledger(tmp_path)
    assert set(again) == {"a", "c"} and again.entry("c")["row"]["score"] == 2
    assert again.unchanged("a", "s", "a") and again.unchanged("a", "other", "a") is None


def test_the_ledger_holds_where_entries_are_not_the_entries(tmp_path):
    """Memory per finished student stays a few bytes, however big its entry."""
    ledger = Ledger(tmp_path)
    for index in range(200):
        entry = _entry(f"s{index:03}", index)
        entry["cells"] = {f"test_{k}_hidden": {"auto_score": 1.0, "failure": "x" * 500}
                          for k in range(10)}
        ledger.add(entry)
    held = sys.getsizeof(ledger._offsets) + sum(sys.getsizeof(k) for k in ledger._offsets)
    assert held < 200 * 200 < (tmp_path / "graded.jsonl").stat().st_size / 10
    assert ledger.entry("s123")["row"]["score"] == 123
