"""The sandboxed kernel itself (grader.sandbox through grader.autograde.execute).

Each case runs a two-cell notebook (a hostile cell, then ``print('after')``) in a
fresh bubblewrap kernel and checks what the grader records, that the grader's own
process is unharmed, and that nothing the cell started is left running.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from grader.autograde import execute
from grader.course import ROOT
from grader.sandbox import Limits, sandbox_problem

pytestmark = pytest.mark.skipif(
    sandbox_problem() is not None and not os.environ.get("NN_COURSE_REQUIRE_SANDBOX"),
    reason=f"bubblewrap cannot run here: {sandbox_problem()}")

# No verdict here may depend on the machine's speed. A limit other than time is tested with
# a cell timeout no machine can reach first: filling 1000 MB takes 8 s where fresh memory
# comes at 120 MB/s (a new CI machine), 80 s ten times slower, against 600 s. Only code
# that never ends is tested against a short timeout (TIMEOUT_LIMITS), and it is alone in
# its cell, so nothing that merely runs slowly can be what the timeout stops.
LIMITS = Limits(memory_mb=1000, processes=32, cell_timeout=600)
TIMEOUT_LIMITS = Limits(memory_mb=1000, processes=32, cell_timeout=5)
NOTEBOOK_DEADLINE = 1200
MARKER = "nn-sandbox-test-marker"


def run(source: str, sandboxed: bool = True, limits: Limits = LIMITS, metadata=None):
    first = nbformat.v4.new_code_cell(source, metadata=metadata or {})
    notebook = nbformat.v4.new_notebook(cells=[first, nbformat.v4.new_code_cell("print('after')")])
    execution = execute(notebook, limits, sandboxed, time.monotonic() + NOTEBOOK_DEADLINE)
    return execution, notebook


def texts(cell) -> str:
    return "".join(o.get("text", "") + str(o.get("evalue", "")) for o in cell.outputs)


def leftovers() -> list[str]:
    from tests.cluster import processes_outside_other_tests

    return [args for _, args in processes_outside_other_tests()
            if MARKER in args or "nn-grader-ipc" in args]


@pytest.fixture(autouse=True)
def nothing_survives():
    yield
    time.sleep(0.2)
    assert leftovers() == []


SHARED_FOLDER = ("import os, ipykernel.connect\n"
                 "shared = os.path.dirname(ipykernel.connect.get_connection_file())\n")
STOPPED = {
    "fork bomb": ("import os\nwhile True:\n    os.fork()", "processes"),
    "memory bomb": ("import numpy as np\nx = []\nwhile True:\n    x.append(np.ones(10**7))",
                    "memory"),
    "filling /tmp": ("import numpy as np\nfor i in range(200):\n"
                     "    np.ones(10**7).tofile(f'/tmp/f{i}')", "memory"),
    # space outside the kernel's processes counts as its memory (issue: 4.4 GiB written
    # beside the connection file were graded normally)
    "filling the folder shared with the grader": (
        SHARED_FOLDER + "for i in range(200):\n"
        "    open(os.path.join(shared, f'f{i}'), 'wb').write(b'x' * 10**7)", "memory"),
    "many files in the shared folder": (
        SHARED_FOLDER + "for i in range(5000):\n    open(os.path.join(shared, f'e{i}'), 'w')",
        "memory"),
    "deleted files held open": (
        SHARED_FOLDER + "held = []\nfor i in range(200):\n"
        "    f = open(os.path.join(shared, f'd{i}'), 'wb')\n"
        "    os.unlink(f.name)\n    f.write(b'x' * 10**7)\n    f.flush()\n    held.append(f)",
        "memory"),
    "in-memory files": ("import os\nheld = []\nfor i in range(200):\n"
                        "    fd = os.memfd_create(f'm{i}')\n    os.write(fd, b'x' * 10**7)\n"
                        "    held.append(fd)", "memory"),
    "filling /dev/shm": ("for i in range(200):\n"
                         "    open(f'/dev/shm/s{i}', 'wb').write(b'x' * 10**7)", "memory"),
    "os._exit": ("import os\nos._exit(3)", "kernel died"),
    "kernel kills itself": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
                            "kernel died"),
    "infinite loop": ("while True:\n    pass", "timeout"),
    "loop that ignores interrupts": (
        "while True:\n    try:\n        pass\n    except BaseException:\n        pass", "timeout"),
}


@pytest.mark.parametrize("source, status", STOPPED.values(), ids=STOPPED.keys())
def test_runaway_code_is_stopped_and_later_cells_do_not_run(source, status):
    execution, _ = run(source, limits=TIMEOUT_LIMITS if status == "timeout" else LIMITS)
    assert execution.status == status
    assert 1 not in execution.ran
    assert execution.detail


def test_a_timeout_names_the_cell_and_its_grade_id():
    grading = {"nbgrader": {"grade": True, "grade_id": "test_loop_visible", "points": 1,
                            "solution": False, "locked": True}}
    execution, _ = run("while True:\n    pass", limits=TIMEOUT_LIMITS, metadata=grading)
    assert execution.status == "timeout"
    assert "cell 0 (test_loop_visible) ran over 5 s" in execution.detail, execution.detail


def test_a_row_says_when_files_counted_against_the_memory():
    execution, _ = run(STOPPED["filling /dev/shm"][0])
    assert execution.status == "memory"
    assert "MB of it in files it wrote" in execution.detail, execution.detail


def test_sys_exit_is_an_error_in_its_cell_only():
    execution, notebook = run("import sys\nsys.exit(1)")
    assert execution.status == "graded"
    assert execution.ran == {0: "error", 1: "ok"}
    assert "after" in texts(notebook.cells[1])


REFUSED = {
    "network": "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=3)",
    "name lookup": "import socket\nsocket.getaddrinfo('pypi.org', 443)",
    "solutions": f"open('{ROOT}/solutions/04_activations/04_activations.ipynb')",
    "gradebook": f"open('{ROOT}/grader/gradebook.db', 'rb')",
    "grader": f"open('{ROOT}/grader/nbgrader_config.py')",
    "tests": f"open('{ROOT}/tests/test_sandbox.py')",
    "home": "import os\nopen(os.path.expanduser('~root/.bashrc'))",
    "writing the system": "open('/usr/lib/evil', 'w')",
    "writing helpers": "import helpers, os\n"
                       "open(os.path.join(os.path.dirname(helpers.__file__), 'x.py'), 'w')",
    "System V shared memory (no process or file would show it)": (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "assert libc.shmget(0, 2**30, 0o1600) >= 0, 'shmget refused'"),
    "ptrace the grader": "import os\nos.kill(1, 9)\nos.kill(os.getppid(), 0)\n"
                         "print(sorted(p for p in os.listdir('/proc') if p.isdigit()))\n"
                         "raise RuntimeError('saw the processes above')",
}


@pytest.mark.parametrize("source", REFUSED.values(), ids=REFUSED.keys())
def test_the_sandbox_refuses(source):
    execution, notebook = run(source)
    assert execution.ran[0] == "error", texts(notebook.cells[0])
    assert execution.ran[1] == "ok"


def test_a_graded_kernel_leaves_no_thread_or_socket_in_the_grader():
    """A worker grades student after student: each kernel's client threads, ZeroMQ context
    and sockets must go with the kernel (they once piled up and slowed later students)."""
    run("print(1)")
    threads, files = threading.active_count(), len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        execution, _ = run("print(1)")
        assert execution.ran == {0: "ok", 1: "ok"}
    assert threading.active_count() == threads
    assert len(os.listdir("/proc/self/fd")) <= files


def test_the_watchdog_sees_the_kernel_s_memory():
    execution, _ = run("import time\nimport numpy as np\nx = np.ones(50 * 2**20 // 8)\n"
                       "time.sleep(0.5)")
    assert execution.ran == {0: "ok", 1: "ok"}
    assert 80 < execution.peak_mb < LIMITS.memory_mb   # the kernel and its 50 MB array


def test_a_slow_memory_reading_does_not_hold_up_the_process_limit(monkeypatch):
    """Reading PSS waits on the memory maps of processes that are forking (it once took 19 s
    under a fork bomb, which then ran until the cell timed out); the process count must go
    on being checked meanwhile."""
    import grader.sandbox as sandbox

    monkeypatch.setattr(sandbox, "_proportional_bytes", lambda procs: time.sleep(30) or 0)
    forker = subprocess.Popen([sys.executable, "-c", (
        "import os, time\ntime.sleep(0.5)\nfor _ in range(80):\n"
        "    if os.fork() == 0:\n        time.sleep(60)\n        os._exit(0)\n"
        "time.sleep(60)")])
    watchdog = sandbox.Watchdog(forker.pid, Limits(memory_mb=1, processes=64), sandboxed=False)
    watchdog.start()   # over 1 MB at once: the (slow) confirmation starts before the forks
    watchdog.join(10)
    sandbox.wait_exited(sandbox.kill_tree(forker.pid))
    forker.wait()
    assert (watchdog.violation, watchdog.detail) == ("processes", "more than 64 processes")


def test_the_watchdog_reads_the_sandbox_s_own_proc_not_the_whole_machine_s():
    import asyncio

    from grader.sandbox import SandboxedKernelManager, _sandbox_init

    km = SandboxedKernelManager(LIMITS)
    try:
        asyncio.run(km.start_kernel())
        deadline = time.monotonic() + 300  # bubblewrap's set-up: 50 ms here
        while (init := _sandbox_init(km.provisioner.process.pid)) is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        inside = [name for name in os.listdir(f"/proc/{init}/root/proc") if name.isdigit()]
        assert "1" in inside and len(inside) <= 3   # bubblewrap's init, the kernel, ...
    finally:
        km.destroy()


def test_only_the_sandbox_processes_are_visible():
    execution, notebook = run("import os\nprint(len([p for p in os.listdir('/proc') "
                              "if p.isdigit()]))")
    assert execution.ran[0] == "ok"
    assert int(texts(notebook.cells[0]).strip()) <= 3   # bubblewrap's init, the kernel, ...


def test_the_kernel_talks_over_ipc_sockets_in_a_private_folder():
    from grader.sandbox import SandboxedKernelManager

    km = SandboxedKernelManager(LIMITS)
    try:
        assert km.transport == "ipc"
        assert km.ip.startswith(str(km.ipc_dir))
        assert oct(km.ipc_dir.stat().st_mode & 0o777) == "0o700"
        assert "--unshare-all" in km.kernel_spec.argv
    finally:
        km.destroy()
    assert not km.ipc_dir.exists()


def test_python_and_ipc_folders_are_mounted_after_the_empty_tmp(tmp_path):
    from grader.sandbox import bwrap_argv

    argv = bwrap_argv(tmp_path / "ipc", ["python"], None)
    tmpfs = argv.index("/tmp")
    binds = [i for i, arg in enumerate(argv) if arg in ("--ro-bind", "--bind")
             and not argv[i + 1].startswith(("/usr", "/etc", "/bin", "/lib", "/sbin"))]
    assert binds and all(i > tmpfs for i in binds)


def test_a_daemon_started_by_the_student_is_killed():
    execution, _ = run(f"import subprocess\nsubprocess.Popen(['sleep', '600', '{MARKER}'], "
                       "start_new_session=True)")
    assert execution.ran[0] == "ok"
    # the fixture checks that the sleep is gone


def test_huge_output_is_cut_and_counted():
    # 40 MB of output, 2,000 times what a cell keeps: the kernel's buffers for it stay far
    # below LIMITS.memory_mb however slowly the grader drains them
    execution, notebook = run("for i in range(40):\n    print('x' * 1_000_000)")
    assert execution.ran == {0: "ok", 1: "ok"}
    shown = texts(notebook.cells[0])
    assert len(shown) < 30_000
    assert "output truncated by the grader" in shown


def test_stderr_is_recorded_even_when_output_was_cut():
    execution, _ = run("import sys\nprint('x' * 50_000)\nprint('late', file=sys.stderr)")
    assert 0 in execution.stderr


def test_without_the_sandbox_limits_still_apply():
    execution, _ = run("import numpy as np\nx = []\nwhile True:\n"
                       "    x.append(np.ones(10**7))", sandboxed=False)
    assert execution.status == "memory"


def test_what_a_student_prints_about_the_sandbox_keeps_host_paths_off_the_page():
    """sys.path, the environment's folder, bubblewrap's command line and the mount list
    name the instructor's folders; the feedback page shows placeholders, in text, HTML
    and error outputs alike."""
    from grader.feedback import feedback_page

    snoop = ("import os, sys, ipykernel.connect\n"
             "from IPython.display import HTML, display\n"
             "print(sys.path, os.listdir(sys.prefix), ipykernel.connect.get_connection_file())\n"
             "print(open('/proc/1/cmdline', 'rb').read())\n"
             "display(HTML('<pre>' + open('/proc/self/mountinfo').read() + '</pre>'))\n"
             "sys.path")
    execution, notebook = run(snoop + "\nraise ValueError(str(sys.path))")
    assert execution.ran[0] == "error"
    page = feedback_page(notebook, "04_activations", 0, 1, set())
    assert "site-packages" in page and "kernel.json" in page  # the listings are there
    host = {str(ROOT), sys.prefix, str(Path(sys.base_prefix).resolve()), "nn-grader-ipc"}
    assert [path for path in host if path in page] == []


def test_killing_a_worker_s_leftovers_spares_a_kept_process_and_everything_below_it():
    """A warm kernel's sandbox is listed when it starts and forks its kernel after; the
    worker's clean-up must spare the whole subtree, not only the processes it listed."""
    import grader.sandbox as sandbox

    holder = subprocess.Popen([sys.executable, "-c", (
        "import subprocess, sys, time\n"
        "kept = subprocess.Popen(['sh', '-c', 'sleep 0.5; sleep 300'])\n"
        "stray = subprocess.Popen(['sh', '-c', 'sleep 300'])\n"
        "print(kept.pid, stray.pid, flush=True)\ntime.sleep(300)")],
        stdout=subprocess.PIPE, text=True)
    try:
        kept, stray = map(int, holder.stdout.readline().split())
        for _ in range(100):   # the kept shell's child: not in the spare set below
            if sandbox.descendants(kept):
                break
            time.sleep(0.1)
        later = sandbox.descendants(kept)
        assert later, "the kept shell started no child"
        killed = sandbox.kill_tree(holder.pid, include_root=False, spare={kept})
        assert stray in killed and sandbox.wait_exited([stray])
        assert not set(killed) & {kept, *later}
        assert sandbox.descendants(kept) == later      # its child lives on
    finally:
        sandbox.wait_exited(sandbox.kill_tree(holder.pid))
        holder.wait()
