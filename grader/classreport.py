"""The class report: ``OUT/class.html`` and ``OUT/tests.csv``, from the rows and the ledger.

Written at the end of every grading run from ``OUT/graded.jsonl`` (grader.ledger) and
the rows of ``grades.csv``, so a rerun that grades nobody again rebuilds the same report.

- ``tests.csv``: one line per student and test cell (``student_id, grade_id, points,
  max_points, diagnosed_mistake, wrong_output``), spreadsheet-safe like ``grades.csv``;
- ``class.html``: one self-contained page (the feedback pages' Content-Security-Policy:
  no script, no network; figures are inline SVG): the score histogram, the statuses,
  every test cell's pass rate and discrimination, the diagnosed mistakes per function,
  the wrong answers no mistake explains grouped by identical output, the slowest
  submissions.

What a test cell's ledger entry holds (``cells[grade_id]``): ``auto_score`` and
``max_score`` (always), ``function`` and, when it lost points, ``failure`` (added on the
worker by :func:`describe_failures`: the kind of failure, a one-line outcome as the
student's page words it, and ``output``, a digest of the failing check's message, which
holds the student's returned values on that input). A diagnosis adds ``mistake`` (a
catalogued mistake's name, or a list of names when several give the same numbers):
the report and ``tests.csv`` show it; a failure with no ``mistake`` is "unexplained".
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from .course import nbgrader_meta
from .feedback import CSP, STYLE, _with_code, graded_functions, write_page
from .status import Status

CLASS_PAGE = "class.html"
TESTS_CSV = "tests.csv"
TESTS_COLUMNS = ["student_id", "grade_id", "points", "max_points", "diagnosed_mistake",
                 "wrong_output"]
SHOWN_STUDENTS = 12     # ids listed before the rest are folded
SLOWEST = 10
WEAK_DISCRIMINATION = 0.2
RAN = (Status.GRADED, Status.FLAGGED)
# kinds of failure (``failure["kind"]``); only "wrong" is a wrong answer
WRONG, NOT_WRITTEN, TIMED_OUT, NOT_RUN, STDERR = ("wrong", "not written", "timeout",
                                                   "not run", "stderr")
YOUR_CODE_LINES = re.compile(r"\n  in your code: [^\n]*")


# ------------------------------------------------------------ on the worker

def _output_digest(error: dict) -> str:
    """12 hex digits naming what a failing check saw: its exception and message (the
    message shows the student's returned values); the student's own code lines, which
    differ between equal answers, left out."""
    text = YOUR_CODE_LINES.sub("", str(error.get("evalue", "")))
    return hashlib.sha256(json.dumps([str(error.get("ename", "")), text]).encode()).hexdigest()[:12]


def describe_failures(cells: dict[str, dict], notebook, hidden: set[str],
                      stopped_at: int | None = None) -> None:
    """Add to ``cells`` (grade_id -> scores, from ``score_cells``) each test cell's
    ``function`` and, where it lost points, its ``failure``: ``kind``, ``outcome`` (the
    line the student's page shows) and ``output`` (a digest, for wrong answers only)."""
    errors = {}
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        found = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if meta.get("grade") and found:
            errors[str(meta.get("grade_id"))] = found[0]
    for function in graded_functions(notebook, hidden, stopped_at):
        for test in function.tests:
            cell = cells.get(test.grade_id)
            if cell is None:
                continue
            cell["function"] = function.name
            if cell["auto_score"] >= cell["max_score"]:
                continue
            error = errors.get(test.grade_id)
            ename = str(error.get("ename", "")) if error else ""
            kind = (NOT_RUN if test.outcome.startswith("not run") or (
                        error is None and not test.outcome.startswith("it wrote")) else
                    STDERR if error is None else
                    NOT_WRITTEN if ename in ("NotWritten", "NotImplementedError") else
                    TIMED_OUT if ename == "BridgeTimeout" else WRONG)
            cell["failure"] = {"kind": kind, "outcome": test.outcome,
                               "output": _output_digest(error) if kind == WRONG else ""}
            if kind == WRONG and test.diagnosis:
                cell["mistake"] = [name for name, _ in test.diagnosis]


# ------------------------------------------------------------ the class's data

@dataclass
class TestColumn:
    grade_id: str
    function: str
    points: float
    hidden: bool


@dataclass
class CellStatistics:
    test: TestColumn
    students: int            # whose notebook ran
    passed: int
    not_written: int
    discrimination: float | None   # None: a constant column, or under 3 students

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.students if self.students else None


@dataclass
class WrongAnswerGroup:
    test: TestColumn
    output: str              # the digest; "" where the ledger has none (an older grader)
    outcome: str
    students: list[str]


def function_of(grade_id: str) -> str:
    named = re.fullmatch(r"test_(.+)_(visible|hidden)", grade_id)
    return named.group(1) if named else grade_id


def test_columns(spec) -> list[TestColumn]:
    """The assignment's test cells in notebook order (``spec``: an AssignmentSpec)."""
    return [TestColumn(c.grade_id, function_of(c.grade_id), c.points, c.hidden)
            for c in spec.cells if c.kind == "test"]


def mistakes_of(cell: dict | None) -> list[str]:
    """The diagnosed mistake names of one test cell's entry (none, one, or several)."""
    named = (cell or {}).get("mistake")
    if named is None:
        return []
    return [str(name) for name in (named if isinstance(named, (list, tuple)) else [named])
            if str(name)]


@dataclass
class ClassData:
    assignment: str
    max_score: float
    tests: list[TestColumn]
    rows: list            # grader.grade.Row, in student order
    cells: dict[str, dict[str, dict]]   # student -> grade_id -> ledger entry

    def ran(self) -> list:
        """The rows whose notebook ran: those the per-test statistics are over."""
        return [row for row in self.rows if self.cells.get(row.student_id)]

    def passed(self, student: str, grade_id: str) -> bool:
        cell = self.cells.get(student, {}).get(grade_id)
        return bool(cell) and cell["auto_score"] >= cell["max_score"]

    def points(self, student: str, grade_id: str) -> float:
        cell = self.cells.get(student, {}).get(grade_id)
        return float(cell["auto_score"]) if cell else 0.0


def load(out: Path, spec, rows: list) -> ClassData:
    """The report's data: ``rows`` (every student) and their ledger entries in ``out``."""
    from .ledger import Ledger

    ledger = Ledger(out)
    cells = {row.student_id: _valid_cells((ledger.entry(row.student_id) or {}).get("cells"))
             for row in rows}
    tests = test_columns(spec)
    for test in tests:  # the function's name as the worker recorded it, where it did
        test.function = next((str(student[test.grade_id]["function"])
                              for student in cells.values()
                              if student.get(test.grade_id, {}).get("function")), test.function)
    return ClassData(spec.assignment, spec.max_score, tests, rows, cells)


def _valid_cells(cells) -> dict[str, dict]:
    """A ledger entry's cells, keeping only those with numeric points (a worker's answer
    is data from another machine: never let one odd entry stop the report)."""
    if not isinstance(cells, dict):
        return {}
    return {str(grade_id): cell for grade_id, cell in cells.items()
            if isinstance(cell, dict) and all(isinstance(cell.get(key), (int, float))
                                              and not isinstance(cell.get(key), bool)
                                              for key in ("auto_score", "max_score"))}


def failure_of(cell: dict | None) -> dict:
    """A test cell's ``failure`` record ({} when it passed or none was kept)."""
    failure = (cell or {}).get("failure")
    return failure if isinstance(failure, dict) else {}


def point_biserial(passed: list[bool], rest: list[float]) -> float | None:
    """The correlation of passing (0/1) with the rest of the score; None when either
    column is constant or there are fewer than 3 students."""
    n = len(passed)
    if n < 3:
        return None
    x = [1.0 if p else 0.0 for p in passed]
    mean_x, mean_y = sum(x) / n, sum(rest) / n
    var_x = sum((a - mean_x) ** 2 for a in x)
    var_y = sum((b - mean_y) ** 2 for b in rest)
    if var_x == 0 or var_y <= 1e-12 * max(1.0, mean_y ** 2) * n:
        return None
    return sum((a - mean_x) * (b - mean_y) for a, b in zip(x, rest, strict=True)) / math.sqrt(
        var_x * var_y)


def cell_statistics(data: ClassData) -> list[CellStatistics]:
    ran = data.ran()
    statistics = []
    for test in data.tests:
        passed = [data.passed(row.student_id, test.grade_id) for row in ran]
        rest = [row.score - data.points(row.student_id, test.grade_id) for row in ran]
        not_written = sum(1 for row in ran if failure_of(data.cells[row.student_id].get(
            test.grade_id)).get("kind") == NOT_WRITTEN)
        statistics.append(CellStatistics(test, len(ran), sum(passed), not_written,
                                         point_biserial(passed, rest)))
    return statistics


def mistakes_by_function(data: ClassData) -> dict[str, list[tuple[str, list[str]]]]:
    """function -> [(mistake, students who made it)], most frequent first."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for student, cells in data.cells.items():
        for test in data.tests:
            for mistake in mistakes_of(cells.get(test.grade_id)):
                found[test.function][mistake].add(student)
    order = [t.function for t in data.tests]
    return {function: sorted(((m, sorted(s)) for m, s in found[function].items()),
                             key=lambda item: (-len(item[1]), item[0]))
            for function in dict.fromkeys(order) if function in found}


def unexplained_groups(data: ClassData) -> list[WrongAnswerGroup]:
    """Wrong answers with no diagnosed mistake, grouped by test cell and identical output,
    biggest group first."""
    groups: dict[tuple[str, str], WrongAnswerGroup] = {}
    by_id = {t.grade_id: t for t in data.tests}
    for student, cells in data.cells.items():
        for grade_id, cell in cells.items():
            failure = failure_of(cell) or None
            if grade_id not in by_id or mistakes_of(cell) or cell["auto_score"] >= cell[
                    "max_score"]:
                continue
            if failure is None:  # recorded by a grader that kept no fingerprint
                failure = {"kind": WRONG, "output": "", "outcome": "(output not recorded)"}
            if failure.get("kind") != WRONG:
                continue
            key = (grade_id, str(failure.get("output", "")))
            group = groups.setdefault(key, WrongAnswerGroup(
                by_id[grade_id], key[1], str(failure.get("outcome", "")), []))
            group.students.append(student)
    order = {t.grade_id: i for i, t in enumerate(data.tests)}
    return sorted(groups.values(), key=lambda g: (-len(g.students), order[g.test.grade_id],
                                                  g.output))


def tests_csv_rows(data: ClassData) -> list[list]:
    """One line per student and test cell (a student whose notebook never ran: 0 points)."""
    lines = []
    for row in data.rows:
        cells = data.cells.get(row.student_id, {})
        for test in data.tests:
            cell = cells.get(test.grade_id) or {}
            failure = failure_of(cell)
            lines.append([row.student_id, test.grade_id, float(cell.get("auto_score", 0.0)),
                          float(cell.get("max_score", test.points)),
                          " or ".join(mistakes_of(cell)), failure.get("output", "")])
    return lines


# ------------------------------------------------------------ figures (inline SVG)

def _bins(scores: list[float], max_score: float) -> list[tuple[float, float]]:
    """Histogram bins [low, high): one per whole point up to 30 points, else 10 equal ones."""
    if max_score <= 30 and all(float(s).is_integer() for s in scores) and float(
            max_score).is_integer():
        return [(k, k + 1) for k in range(int(max_score) + 1)]
    width = max_score / 10 if max_score > 0 else 1
    return [(k * width, (k + 1) * width) for k in range(10)]


def _group_of(status: str) -> str:
    return "ran" if status in RAN else "stopped" if status in Status.STOPPED else "not graded"


GROUP_COLOURS = {"ran": "#0969da", "stopped": "#bf8700", "not graded": "#8c959f"}


def histogram_svg(rows: list, max_score: float) -> str:
    """The score distribution: a bar per bin, stacked by kind of status."""
    scores = [row.score for row in rows]
    bins = _bins(scores, max_score)
    counts = [Counter() for _ in bins]
    for row in rows:
        index = next((i for i, (low, high) in enumerate(bins) if low <= row.score < high),
                     len(bins) - 1)
        counts[index][_group_of(row.status)] += 1
    tallest = max([sum(c.values()) for c in counts] + [1])
    width, height, left, bottom, top = 640, 250, 40, 36, 44
    bar = (width - left - 10) / len(bins)
    scale = (height - bottom - top) / tallest
    parts = [f'<svg class="figure" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
             f"<title>Score distribution of {len(rows)} students</title>"]
    for i, ((low, high), count) in enumerate(zip(bins, counts, strict=True)):
        y = height - bottom
        for group in GROUP_COLOURS:
            if count[group]:
                h = count[group] * scale
                y -= h
                parts.append(f'<rect x="{left + i * bar + 1:.1f}" y="{y:.1f}" '
                             f'width="{bar - 2:.1f}" height="{h:.1f}" '
                             f'fill="{GROUP_COLOURS[group]}"><title>{count[group]} {group}, '
                             f"score {_range(low, high)}</title></rect>")
        total = sum(count.values())
        if total:
            parts.append(f'<text x="{left + (i + .5) * bar:.1f}" y="{y - 4:.1f}" '
                         f'text-anchor="middle" font-size="11">{total}</text>')
        if len(bins) <= 31:
            label = f"{low:g}" if high - low == 1 else f"{low:.3g}"
            parts.append(f'<text x="{left + (i + .5 if high - low == 1 else i) * bar:.1f}" '
                         f'y="{height - bottom + 14}" text-anchor="middle" '
                         f'font-size="11">{label}</text>')
    base = height - bottom
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" '
                 'stroke="#57606a"/>')
    parts.append(f'<text x="{(left + width) / 2}" y="{height - 6}" text-anchor="middle" '
                 f'font-size="12">score (of {max_score:g})</text>')
    parts.append(f'<text x="12" y="{(height - bottom + top) / 2}" text-anchor="middle" '
                 f'font-size="12" transform="rotate(-90 12 {(height - bottom + top) / 2})">'
                 "students</text>")
    x = left
    for group, colour in GROUP_COLOURS.items():
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="16" font-size="12">{_legend(group)}</text>')
        x += 16 + 7 * len(_legend(group)) + 24  # about 7 px a character at 12 px
    parts.append("</svg>")
    return "".join(parts)


def _range(low: float, high: float) -> str:
    return f"{low:g}" if high - low == 1 else f"{low:.3g} to {high:.3g}"


def _legend(group: str) -> str:
    return {"ran": "graded or flagged", "stopped": "stopped (time, memory...)",
            "not graded": "missing, unreadable, error"}[group]


def pass_rate_svg(statistics: list[CellStatistics]) -> str:
    """Each test cell's pass rate as a horizontal bar (hidden tests darker)."""
    row_height, left, width = 22, 230, 640
    height = row_height * len(statistics) + 34
    parts = [f'<svg class="figure" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
             "<title>Pass rate of each test cell</title>"]
    span = width - left - 60
    for i, item in enumerate(statistics):
        y = 6 + i * row_height
        rate = item.pass_rate
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" font-size="12" '
                     f'font-family="ui-monospace, monospace">{html.escape(item.test.grade_id)}'
                     "</text>")
        parts.append(f'<rect x="{left}" y="{y + 2}" width="{span}" height="{row_height - 6}" '
                     'fill="#eaeef2"/>')
        if rate:
            colour = "#8250df" if item.test.hidden else "#1a7f37"
            parts.append(f'<rect x="{left}" y="{y + 2}" width="{span * rate:.1f}" '
                         f'height="{row_height - 6}" fill="{colour}"/>')
        parts.append(f'<text x="{left + span + 6}" y="{y + 14}" font-size="12">'
                     f"{_percent(rate)}</text>")
    y = 6 + len(statistics) * row_height + 16
    parts.append(f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="#1a7f37"/>'
                 f'<text x="{left + 16}" y="{y}" font-size="12">visible test</text>'
                 f'<rect x="{left + 130}" y="{y - 10}" width="12" height="12" fill="#8250df"/>'
                 f'<text x="{left + 146}" y="{y}" font-size="12">hidden test</text>')
    parts.append("</svg>")
    return "".join(parts)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.0f}%"


# ------------------------------------------------------------ the page

EXTRA_STYLE = """
svg.figure { max-width: 100%; height: auto; display: block; margin: .5rem 0; }
td.number { text-align: right; white-space: nowrap; }
td.weak { background: #fff8c5; }
td.negative { background: #ffebe9; }
.ids { font: .85rem ui-monospace, monospace; }
.note { color: #57606a; font-size: .88rem; }
table.report { width: 100%; margin: .6rem 0; font-size: .92rem; }
table.report th { background: #f6f8fa; text-align: left; }
"""


def _ids(students: list[str]) -> str:
    """Escaped student ids, the first SHOWN_STUDENTS shown and the rest folded."""
    shown = ", ".join(html.escape(s) for s in students[:SHOWN_STUDENTS])
    more = students[SHOWN_STUDENTS:]
    if not more:
        return f'<span class="ids">{shown}</span>'
    return (f'<span class="ids">{shown}</span><details><summary>and {len(more)} more'
            f'</summary><span class="ids">{", ".join(html.escape(s) for s in more)}</span>'
            "</details>")


def _discrimination(value: float | None) -> str:
    if value is None:
        return ('<td class="number" title="everyone scored the same here, or too few '
                'students">—</td>')
    css = "negative" if value < 0 else "weak" if value < WEAK_DISCRIMINATION else ""
    return f'<td class="number {css}">{value:+.2f}</td>'


def _statuses(rows: list) -> str:
    counts: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        counts[row.status].append(row.student_id)
    lines = ["<table class=\"report statuses\"><tr><th>status</th><th>students</th>"
             "<th>who</th></tr>"]
    for status in sorted(counts, key=lambda s: (Status.ALL.index(s) if s in Status.ALL
                                                else len(Status.ALL), s)):
        who = "" if status == Status.GRADED else _ids(counts[status])
        lines.append(f"<tr><td>{html.escape(status)}</td><td class=\"number\">"
                     f"{len(counts[status])}</td><td>{who}</td></tr>")
    lines.append("</table>")
    return "".join(lines)


def _test_table(statistics: list[CellStatistics], groups: list[WrongAnswerGroup]) -> str:
    commonest = {}
    for group in groups:
        commonest.setdefault(group.test.grade_id, group)
    lines = ['<table class="report tests"><tr><th>test cell</th><th>function</th>'
             "<th>points</th><th>passed</th><th>pass rate</th><th>discrimination</th>"
             "<th>not written</th><th>commonest unexplained wrong answer</th></tr>"]
    for item in statistics:
        test = item.test
        group = commonest.get(test.grade_id)
        common = (f"{len(group.students)}×: {_with_code(group.outcome)}" if group else "")
        lines.append(
            f"<tr><td><code>{html.escape(test.grade_id)}</code>"
            f"{' (hidden)' if test.hidden else ''}</td>"
            f"<td><code>{html.escape(test.function)}</code></td>"
            f'<td class="number">{test.points:g}</td>'
            f'<td class="number">{item.passed} / {item.students}</td>'
            f'<td class="number">{_percent(item.pass_rate)}</td>'
            f"{_discrimination(item.discrimination)}"
            f'<td class="number">{item.not_written}</td><td>{common}</td></tr>')
    lines.append("</table>")
    return "".join(lines)


def _mistakes(data: ClassData) -> str:
    found = mistakes_by_function(data)
    if not found:
        return ('<p class="note">No mistake was diagnosed: no wrong answer agreed with a '
                "catalogued mistake (grader/mistakes), or the class was graded by an older "
                "grader that did not diagnose (the <code>diagnosed_mistake</code> column of "
                "tests.csv is then empty).</p>")
    lines = ['<table class="report mistakes"><tr><th>function</th><th>mistake</th>'
             "<th>students</th><th>who</th></tr>"]
    for function, mistakes in found.items():
        for mistake, students in mistakes:
            lines.append(f"<tr><td><code>{html.escape(function)}</code></td>"
                         f"<td>{_with_code(mistake)}</td><td class=\"number\">{len(students)}"
                         f"</td><td>{_ids(students)}</td></tr>")
    lines.append("</table>")
    return "".join(lines)


def _unexplained(groups: list[WrongAnswerGroup]) -> str:
    if not groups:
        return '<p class="note">Every wrong answer is explained by a diagnosed mistake.</p>'
    shared = [g for g in groups if len(g.students) > 1]
    alone = [g for g in groups if len(g.students) == 1]

    def table(chosen: list[WrongAnswerGroup]) -> str:
        lines = ['<table class="report unexplained"><tr><th>test cell</th><th>students</th>'
                 "<th>what failed (as the student's page says)</th><th>output</th>"
                 "<th>who</th></tr>"]
        for group in chosen:
            lines.append(f"<tr><td><code>{html.escape(group.test.grade_id)}</code></td>"
                         f'<td class="number">{len(group.students)}</td>'
                         f"<td>{_with_code(group.outcome)}</td>"
                         f'<td><code>{html.escape(group.output or "?")}</code></td>'
                         f"<td>{_ids(group.students)}</td></tr>")
        lines.append("</table>")
        return "".join(lines)

    parts = []
    if shared:
        parts.append(table(shared))
    else:
        parts.append('<p class="note">No two students gave the same wrong output.</p>')
    if alone:
        parts.append(f"<details><summary>{len(alone)} wrong output(s) given by one student "
                     f"each</summary>{table(alone)}</details>")
    return "".join(parts)


def _slowest(rows: list) -> str:
    slowest = sorted(rows, key=lambda r: (-r.seconds, r.student_id))[:SLOWEST]
    slowest = [row for row in slowest if row.seconds > 0]
    if not slowest:
        return '<p class="note">No submission was timed (none graded in this run or before).</p>'
    lines = ['<table class="report slowest"><tr><th>student</th><th>seconds</th>'
             "<th>of which cells ran</th><th>status</th><th>score</th></tr>"]
    for row in slowest:
        lines.append(f'<tr><td class="ids">{html.escape(row.student_id)}</td>'
                     f'<td class="number">{row.seconds:.1f}</td>'
                     f'<td class="number">{row.cells_seconds:.1f}</td>'
                     f"<td>{html.escape(row.status)}</td>"
                     f'<td class="number">{row.score:g} / {row.max_score:g}</td></tr>')
    lines.append("</table>")
    return "".join(lines)


def class_page(data: ClassData) -> str:
    """The whole page: self-contained, no script, student ids escaped."""
    statistics = cell_statistics(data)
    groups = unexplained_groups(data)
    ran = data.ran()
    scores = sorted(row.score for row in data.rows)
    mean = sum(scores) / len(scores) if scores else 0.0
    median = (scores[(len(scores) - 1) // 2] + scores[len(scores) // 2]) / 2 if scores else 0.0
    left_out = len(data.rows) - len(ran)
    title = html.escape(f"{data.assignment}: class report")
    parts = [
        f"<header><h1>{title}</h1><p class=\"score\">{len(data.rows)} students, mean "
        f"{mean:.2f}, median {median:g} of {data.max_score:g} points</p></header>",
        "<h2>Scores</h2>", histogram_svg(data.rows, data.max_score),
        "<h2>Statuses</h2>", _statuses(data.rows),
        "<h2>Test cells</h2>",
        f'<p class="note">Over the {len(ran)} students whose notebook ran'
        + (f" ({left_out} missing, unreadable or not graded left out)" if left_out else "")
        + ". <b>Discrimination</b>: the correlation (point-biserial) between passing the "
        "cell and the rest of the score (the score without this cell's points). Near 0 "
        "(yellow) or negative (red): passing it says little about the rest, or the "
        "opposite; read the test. — : everyone passed, everyone failed, or too few "
        "students.</p>",
        pass_rate_svg(statistics), _test_table(statistics, groups),
        "<h2>Diagnosed mistakes</h2>", _mistakes(data),
        "<h2>Wrong answers no mistake explains</h2>",
        '<p class="note">Grouped by test cell and identical output (a digest of what the '
        "failing check saw the student's function return): a group of several students "
        "is a candidate for a new catalogued mistake. Not written, timed out and not run "
        "are not counted here.</p>",
        _unexplained(groups),
        "<h2>Slowest submissions</h2>", _slowest(data.rows),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>{title}</title><style>{STYLE}{EXTRA_STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def write_class_report(out: Path, spec, rows: list) -> tuple[Path, Path]:
    """Write ``out/class.html`` and ``out/tests.csv`` for ``rows`` (every student of the
    class, in student order) from the ledger in ``out``; their paths."""
    from .grade import write_csv

    out = Path(out)
    data = load(out, spec, rows)
    write_csv(out / TESTS_CSV, TESTS_COLUMNS, tests_csv_rows(data))
    write_page(out / CLASS_PAGE, class_page(data))
    return out / CLASS_PAGE, out / TESTS_CSV
