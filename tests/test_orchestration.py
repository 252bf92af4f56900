"""Orchestration that cannot lose or misplace a grade (grader.grade, the command line).

Ctrl-C at half the class stops everything: no Dask worker, checker or kernel survives,
checked by process tree (the test's runner becomes the subreaper of whatever the grader
started); every finished student keeps their row, and the same command run again grades
only the others, ending with the grades.csv of an uninterrupted run. (Workers that die
or lie: tests/test_distributed.py.)
"""

import csv
import os
import subprocess
import sys
import textwrap

import pytest

from grader.course import ROOT
from grader.sandbox import sandbox_problem
from tests.cluster import CLASS_ASSIGNMENT as A

RUNNER = textwrap.dedent("""\
    import ctypes, os, signal, subprocess, sys, time
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come to us
    wanted, out, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]

    def running(word):  # how many of our own descendants' command lines hold word
        parent, commands = {}, {}
        for pid in os.listdir("/proc"):
            try:
                stat = open(f"/proc/{pid}/stat").read()
                parent[pid] = stat[stat.rindex(")") + 2:].split()[1]
                commands[pid] = open(f"/proc/{pid}/cmdline").read()
            except (OSError, ValueError):
                pass
        mine, me = 0, str(os.getpid())
        for pid, command in commands.items():
            ancestor = parent.get(pid)
            while ancestor not in (None, "0", "1", me):
                ancestor = parent.get(ancestor)
            mine += ancestor == me and word in command
        return mine

    grader = subprocess.Popen(command)
    ledger = os.path.join(out, "graded.jsonl")
    deadline = time.time() + 900
    while time.time() < deadline:  # until half the class is graded
        if os.path.exists(ledger) and len(open(ledger).read().splitlines()) >= wanted:
            break
        time.sleep(0.2)
    grader.send_signal(signal.SIGINT)  # what Ctrl-C sends
    code = grader.wait(timeout=300)
    deadline = time.time() + 30
    left = []
    while time.time() < deadline:
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG) == (0, 0):
                    break
            except ChildProcessError:
                break
        left = []
        for pid in os.listdir("/proc"):
            if pid.isdigit() and pid != str(os.getpid()):
                try:
                    stat = open(f"/proc/{pid}/stat").read()
                except OSError:
                    continue
                if stat[stat.rindex(")") + 2:].split()[1] == str(os.getpid()):
                    left.append(open(f"/proc/{pid}/cmdline").read().replace("\\0", " ")[:80])
        if not left:
            break
        time.sleep(0.5)
    print("EXIT", code)
    print("LEFT", left)
""")


@pytest.mark.skipif(sandbox_problem() is not None and not os.environ.get(
    "NN_COURSE_REQUIRE_SANDBOX"), reason=f"bubblewrap cannot run here: {sandbox_problem()}")
def test_ctrl_c_at_half_the_class_keeps_its_rows_and_the_rerun_grades_the_rest(
        tmp_path, undisturbed_class):
    base, uninterrupted = undisturbed_class   # six students, graded once with no Ctrl-C
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "grade", A, str(base / "class"), "--out",
               str(out), "--home", str(tmp_path / "home"), "--workers", "2"]
    done = subprocess.run([sys.executable, str(runner), "3", str(out), *command], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    assert "LEFT []" in done.stdout, (done.stdout, done.stderr[-2000:])
    assert "EXIT 130" in done.stdout and "interrupted" in done.stderr, done.stderr[-2000:]
    assert "run the same command again" in done.stderr
    with (out / "grades.csv").open() as handle:
        kept = {row["student_id"] for row in csv.DictReader(handle)}
    assert 3 <= len(kept) < len(uninterrupted.rows)   # each finished row, written as it finished
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"{len(kept)} unchanged since their last grading" in again.stdout

    def table(path):  # the times of submission are those of each run's collection
        with path.open() as handle:
            return [{k: v for k, v in row.items() if k != "submitted_at"}
                    for row in csv.DictReader(handle)]

    assert table(out / "grades.csv") == table(uninterrupted.csv_path)
