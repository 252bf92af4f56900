"""Grading on Dask distributed (grader.distributed, grader.grade).

A real ``dask scheduler`` and two ``dask worker`` processes on localhost stand in for
machines (tests/cluster.py). What is checked: a worker that dies, lies or fails costs
only its own student; a machine lost in the middle of a class costs nobody their row
and leaves no kernel behind; the scheduler going away keeps every finished row and the
next run finishes the rest; a run skips unchanged students; the embedded cluster
refuses a client without its certificate.
"""

import csv
import os
import ssl
import threading
import time

import nbformat
import pytest

from grader.distributed import ClusterOptions, SchedulerLost, job_key
from grader.grade import grade_class
from grader.ledger import Ledger
from grader.release import filled_release
from grader.sandbox import sandbox_problem, wait_exited
from tests.cluster import LocalTestCluster, class_notebooks

A = "01_neurons_and_layers"
needs_sandbox = pytest.mark.skipif(
    sandbox_problem() is not None and not os.environ.get("NN_COURSE_REQUIRE_SANDBOX"),
    reason=f"bubblewrap cannot run here: {sandbox_problem()}")


def _class(folder, students: dict) -> None:
    for student, notebook in students.items():
        (folder / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / student / f"{A}.ipynb")


def _rows(report_or_out) -> dict:
    out = getattr(report_or_out, "out", report_or_out)
    with (out / "grades.csv").open(encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def _scores(rows: dict) -> dict:
    return {s: (r["score"], r["status"]) for s, r in rows.items()}


def test_the_class_s_last_job_asks_for_no_kernel_started_ahead():
    from grader.distributed import _each_with_more

    assert list(_each_with_more(iter("abc"))) == [("a", True), ("b", True), ("c", False)]
    assert list(_each_with_more(iter(()))) == []


def test_the_same_student_and_bytes_get_the_same_task_key():
    assert job_key("ada", "abc") == job_key("ada", "abc")
    assert len({job_key("ada", "abc"), job_key("ada", "abd"), job_key("bob", "abc")}) == 3


def test_a_worker_that_dies_lies_or_fails_costs_only_its_student(tmp_path, dask_cluster):
    students = ["ada", "dies", "raises", "impostor", "bad_status", "zoe"]
    _class(tmp_path / "class", {s: filled_release(A) for s in students})
    report = grade_class(A, tmp_path / "class", out=tmp_path / "out", home=tmp_path / "home",
                         sandbox=False, cluster=dask_cluster.options(),
                         task=__import__("tests.dask_tasks", fromlist=["x"]).playing_worker)
    rows = {row.student_id: row for row in report.rows}
    assert set(rows) == set(students)
    assert (rows["dies"].status, rows["dies"].score) == ("error", 0)
    # two rounds of the scheduler's two tries (allowed-failures 1 on the test cluster)
    assert "stopped the grading worker 4 times" in rows["dies"].detail, rows["dies"].detail
    assert rows["raises"].status == "error" and "the grader itself failed" in rows["raises"].detail
    assert rows["impostor"].status == "error" and "another submission" in rows["impostor"].detail
    assert rows["bad_status"].status == "error"
    for student in ("ada", "zoe"):
        assert (rows[student].status, rows[student].score) == ("graded", 7), rows[student]
    assert set(_rows(report)) == set(students)      # one row each in the CSV too
    dask_cluster.wait_for_workers(2)                # the nanny brought the workers back


CLASS = class_notebooks()


@pytest.fixture
def undisturbed(undisturbed_class):
    return undisturbed_class


@needs_sandbox
def test_the_undisturbed_class_is_graded_on_the_cluster(undisturbed):
    _, report = undisturbed
    rows = {row.student_id: row for row in report.rows}
    full = rows["solved"].max_score
    assert [rows[s].score for s in ("solved", "solved_too", "solved_three")] == [full] * 3
    assert 0 < rows["wrong"].score < full and rows["blank"].score == 0
    assert all(row.status == "graded" for row in rows.values())
    assert "of the Dask cluster at tls://127.0.0.1" in report.summary()


@needs_sandbox
def test_a_machine_lost_in_the_middle_costs_nobody_their_row(undisturbed, dask_cluster,
                                                             tmp_path):
    base, before = undisturbed
    out = tmp_path / "out"
    result = {}

    def grade():
        result["report"] = grade_class(A, base / "class", out=out, home=tmp_path / "home",
                                       cluster=dask_cluster.options())

    thread = threading.Thread(target=grade)
    thread.start()
    deadline = time.monotonic() + 900
    while not Ledger(out):   # the first student finished: the others are running
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.2)
    killed_side = dask_cluster.kill_worker(0)
    thread.join(timeout=1800)
    assert not thread.is_alive()
    assert wait_exited(killed_side, timeout=60)   # no kernel or checker left on that side
    after = result["report"]
    assert len(after.rows) == len(CLASS) == len({row.student_id for row in after.rows})
    assert _scores(_rows(out)) == _scores(_rows(before))
    dask_cluster.add_worker()                     # the lost machine comes back for later tests
    dask_cluster.wait_for_workers(2)


@needs_sandbox
def test_a_second_run_skips_the_unchanged_and_regrades_the_changed(undisturbed, dask_cluster,
                                                                   tmp_path):
    import shutil

    base, before = undisturbed
    shutil.copytree(base / "out", tmp_path / "out")
    shutil.copytree(base / "class", tmp_path / "class")
    nbformat.write(filled_release(A), tmp_path / "class" / "wrong" / f"{A}.ipynb")  # fixed
    again = grade_class(A, tmp_path / "class", out=tmp_path / "out", home=base / "home",
                        cluster=dask_cluster.options())
    assert again.skipped == len(CLASS) - 1
    assert "5 unchanged since their last grading, not graded again" in again.summary()
    rows = {row.student_id: row for row in again.rows}
    assert rows["wrong"].score == rows["solved"].score
    kept = {s: r for s, r in _scores(_rows(again)).items() if s != "wrong"}
    assert kept == {s: r for s, r in _scores(_rows(before)).items() if s != "wrong"}


def test_the_scheduler_going_away_keeps_every_finished_row(tmp_path):
    from tests.dask_tasks import slow_fake

    cluster = LocalTestCluster(tmp_path / "dask", workers=1).start()
    students = [f"s{index:02}" for index in range(12)]
    _class(tmp_path / "class", {s: filled_release(A) for s in students})
    out = tmp_path / "out"
    errors = []

    def grade():
        try:
            # a lost scheduler is given 10 s to come back (the default 60 s, the same path)
            grade_class(A, tmp_path / "class", out=out, home=tmp_path / "home", sandbox=False,
                        cluster=cluster.options(connect_timeout=10), task=slow_fake)
        except SchedulerLost as error:
            errors.append(error)

    try:
        thread = threading.Thread(target=grade)
        thread.start()
        deadline = time.monotonic() + 900
        while len(Ledger(out)) < 3:
            assert thread.is_alive() and time.monotonic() < deadline
            time.sleep(0.1)
        cluster.kill_scheduler()
        thread.join(timeout=900)
        assert not thread.is_alive() and errors, "the run must stop, saying why"
        assert "lost the Dask scheduler" in str(errors[0])
        finished = set(Ledger(out))
        assert 3 <= len(finished) < len(students)
        assert set(_rows(out)) >= finished            # every finished row is in grades.csv
        cluster.stop()
        cluster = LocalTestCluster(tmp_path / "dask-again", workers=1).start()
        report = grade_class(A, tmp_path / "class", out=out, home=tmp_path / "home",
                             sandbox=False, cluster=cluster.options(), task=slow_fake)
        assert report.skipped == len(finished)
        assert set(_rows(out)) == set(students)
        assert all(row.status == "graded" for row in report.rows)
    finally:
        cluster.stop()


def test_the_embedded_cluster_refuses_a_client_without_its_certificate():
    import socket

    from grader.distributed import connect

    with connect(ClusterOptions(workers=1)) as client:
        address = client.scheduler.address
        assert address.startswith("tls://127.0.0.1:")   # localhost only, over TLS
        host, port = address[len("tls://"):].rsplit(":", 1)
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        with socket.create_connection((host, int(port)), timeout=30) as raw:
            with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
                with context.wrap_socket(raw, server_hostname=host) as tls:
                    tls.sendall(b"\0" * 64)    # a request, as a client would send one
                    assert tls.recv(1) == b""   # the scheduler closes on a client it can't verify
                    raise ConnectionError("closed")
        from distributed import Client, Security

        with pytest.raises(OSError):  # another throwaway certificate is not this one
            Client(address, security=Security.temporary(), timeout=10)
        # nor do the scheduler's and workers' plain-HTTP pages tell another user anything
        # (the workers, their call stacks, logs, metrics): no dashboard was asked for
        import urllib.error
        import urllib.request

        servers = [f"127.0.0.1:{port}" for port in client.scheduler_info()["services"].values()]
        servers += [f"127.0.0.1:{port}" for port in client.run(
            lambda dask_worker: dask_worker.http_server.port).values()]
        assert len(servers) == 2
        for server in servers:
            for route in ("/health", "/metrics", "/info/main/workers.html",
                          "/json/identity.json", "/statics/"):
                with pytest.raises(urllib.error.HTTPError, match="404"):
                    urllib.request.urlopen(f"http://{server}{route}", timeout=10)


LEAVES_TRACES = """\
import os, subprocess, builtins
for folder in ('/tmp', os.path.expanduser('~'), '/dev/shm'):
    open(os.path.join(folder, 'trace-of-the-first'), 'w').write('x')
os.environ['TRACE_OF_THE_FIRST'] = '1'
builtins.trace_of_the_first = True
subprocess.Popen(['sleep', '300'], start_new_session=True)
"""
LOOKS_FOR_TRACES = """\
import os, builtins
found = [f for f in ('/tmp', os.path.expanduser('~'), '/dev/shm')
         if os.path.exists(os.path.join(f, 'trace-of-the-first'))]
found += ['environment'] * ('TRACE_OF_THE_FIRST' in os.environ)
found += ['builtins'] * hasattr(builtins, 'trace_of_the_first')
found += [p for p in os.listdir('/proc') if p.isdigit()
          and b'sleep' in open(f'/proc/{p}/cmdline', 'rb').read()]
print('TRACES', found)
"""


@needs_sandbox
def test_a_kernel_started_ahead_holds_nothing_of_the_student_before(tmp_path):
    """The first student's kernel starts as the worker gets the assignment, before any
    student is known; the second's while the first student's code runs. Nothing the first
    left (files, environment, builtins, processes) reaches it."""
    def with_cell(source):
        notebook = filled_release(A)
        notebook.cells.insert(2, nbformat.v4.new_code_cell(source))
        return notebook

    _class(tmp_path / "class", {"a_first": with_cell(LEAVES_TRACES),
                                "b_second": with_cell(LOOKS_FOR_TRACES)})
    report = grade_class(A, tmp_path / "class", out=tmp_path / "out", home=tmp_path / "home",
                         workers=1)
    rows = {row.student_id: row for row in report.rows}
    assert rows["b_second"].warm_kernel and rows["a_first"].warm_kernel
    assert rows["a_first"].forked_kernel and rows["b_second"].forked_kernel  # one zygote
    graded = nbformat.read(tmp_path / "home" / "autograded" / "b_second" / A / f"{A}.ipynb",
                           as_version=4)
    printed = "".join(o.get("text", "") for c in graded.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))
    assert "TRACES []" in printed, printed[-500:]
    assert rows["b_second"].score == rows["a_first"].score == rows["a_first"].max_score


@needs_sandbox
@pytest.mark.parametrize("ending", ["discarded", "killed"])
def test_a_warm_kernel_that_nobody_will_take_or_that_died_is_given_up_while_it_imports(
        ending):
    """Ctrl-C, the end of a class or a dead kernel must not wait out the warm-up's reply
    (once 300 s: the interrupted command sat that long before exiting)."""
    from concurrent.futures import TimeoutError as FutureTimeout

    from grader.autograde import WarmKernel
    from grader.sandbox import Limits, kill_tree

    warm = WarmKernel(Limits(), sandboxed=True, mpl_cache=None, helpers_copy=None)
    assert warm.launched.wait(timeout=120)
    pids = warm.pids()
    if ending == "discarded":
        warm.discard()         # while it still imports keras and tensorflow
    else:
        kill_tree(min(pids))
    try:
        warm.ready.result(timeout=120)   # a hang, not a speed: the warm-up takes seconds
    except FutureTimeout:
        pytest.fail("the warm kernel's start kept waiting for a kernel nobody will use")
    if ending == "killed":
        assert warm.take(Limits(), True, None, None) is None
    assert wait_exited(sorted(pids), timeout=60)
