"""Orchestration that cannot lose or misplace a grade (grader.grade).

- A worker that prints garbage, answers for another student, or dies costs only the
  student it was grading: every other row is right (workers played by a script).
- Ctrl-C stops everything: no worker, checker or kernel survives, checked by process
  tree (the test's runner becomes the subreaper of whatever the grader started).
"""

import os
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest

from grader.course import ROOT
from grader.grade import grade_class
from grader.release import filled_release
from grader.sandbox import sandbox_problem

A = "04_activations"

FAKE_WORKER = textwrap.dedent("""\
    import json, os, sys
    PREFIX = "GRADER-RESULT "
    for line in sys.stdin:
        job = json.loads(line)
        student = job["student"]
        result = {"student": student, "score": 7, "status": "graded", "detail": "fake",
                  "cells": {}, "seconds": {"total": 0.1, "cells": 0.0}}
        if student == "dies":
            os._exit(3)
        if student == "garbage":
            print("Traceback (most recent call last): nonsense", flush=True)
            print(PREFIX + "{not json", flush=True)
        if student == "impostor":
            print(PREFIX + json.dumps({**result, "student": "somebody_else", "score": 99}),
                  flush=True)
        if student == "bad_status":
            result["status"] = "<script>"
        print(PREFIX + json.dumps(result), flush=True)
""")


def test_a_failing_worker_costs_only_its_current_student(tmp_path):
    script = tmp_path / "fake_worker.py"
    script.write_text(FAKE_WORKER)
    solved = filled_release(A)
    students = ["ada", "dies", "garbage", "impostor", "bad_status", "zoe"]
    for student in students:
        (tmp_path / "class" / student).mkdir(parents=True)
        nbformat.write(solved, tmp_path / "class" / student / f"{A}.ipynb")
    report = grade_class(A, tmp_path / "class", out=tmp_path / "out", home=tmp_path / "home",
                         workers=1, sandbox=False, timeout=600,
                         worker_command=[sys.executable, str(script)])
    rows = {row.student_id: row for row in report.rows}
    assert set(rows) == set(students)
    assert (rows["dies"].status, rows["dies"].score) == ("error", 0)
    assert "worker died" in rows["dies"].detail
    for student in ("ada", "garbage", "impostor", "zoe"):  # the next worker took over
        assert (rows[student].status, rows[student].score) == ("graded", 7), rows[student]
    assert rows["bad_status"].status == "error"
    log = (tmp_path / "out" / "logs" / "worker-0.log").read_text()
    assert "result for another student dropped" in log and "unexpected worker output" in log


RUNNER = textwrap.dedent("""\
    import ctypes, os, signal, subprocess, sys, time
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come to us
    command, wanted = sys.argv[2:], int(sys.argv[1])

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
    deadline = time.time() + 180
    while running("ipykernel_launcher") < wanted and time.time() < deadline:
        time.sleep(0.2)  # until the workers' kernels run student code
    time.sleep(1)
    grader.send_signal(signal.SIGINT)  # what Ctrl-C sends
    code = grader.wait(timeout=120)
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
def test_ctrl_c_stops_every_worker_checker_and_kernel(tmp_path):
    solved = filled_release(A)
    for index in range(6):
        (tmp_path / "class" / f"s{index}").mkdir(parents=True)
        nbformat.write(solved, tmp_path / "class" / f"s{index}" / f"{A}.ipynb")
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    command = [sys.executable, "-m", "grader", "grade", A, str(tmp_path / "class"), "--out",
               str(tmp_path / "out"), "--home", str(tmp_path / "home"), "--workers", "2"]
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(runner), "2", *command], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert "LEFT []" in done.stdout, (done.stdout, done.stderr[-2000:])
    assert "EXIT 130" in done.stdout and "interrupted" in done.stderr  # not finished
    assert time.monotonic() - started < 200
    assert not (tmp_path / "out" / "grades.csv").exists()
