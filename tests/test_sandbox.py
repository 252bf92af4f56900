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


def run(source: str, sandboxed: bool = True, limits: Limits = LIMITS, metadata=None,
        zygote=None):
    first = nbformat.v4.new_code_cell(source, metadata=metadata or {})
    notebook = nbformat.v4.new_notebook(cells=[first, nbformat.v4.new_code_cell("print('after')")])
    execution = execute(notebook, limits, sandboxed, time.monotonic() + NOTEBOOK_DEADLINE,
                        zygote=zygote)
    assert execution.forked_kernel == (zygote is not None), execution.zygote_problem
    return execution, notebook


@pytest.fixture(scope="module")
def zygote():
    from grader.sandbox import KernelZygote

    forks = KernelZygote(LIMITS, None, None)
    yield forks
    forks.close()


@pytest.fixture(params=["bubblewrap", "forked"])
def kernel(request):
    """How the kernel starts: bubblewrap starts it cold, or a KernelZygote forks it (what
    the grader's workers do); the same cases must hold for both."""
    return request.getfixturevalue("zygote") if request.param == "forked" else None


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
def test_runaway_code_is_stopped_and_later_cells_do_not_run(source, status, kernel):
    execution, _ = run(source, limits=TIMEOUT_LIMITS if status == "timeout" else LIMITS,
                       zygote=kernel)
    assert execution.status == status
    assert 1 not in execution.ran
    assert execution.detail


def test_a_timeout_names_the_cell_and_its_grade_id():
    grading = {"nbgrader": {"grade": True, "grade_id": "test_loop_visible", "points": 1,
                            "solution": False, "locked": True}}
    execution, _ = run("while True:\n    pass", limits=TIMEOUT_LIMITS, metadata=grading)
    assert execution.status == "timeout"
    assert "cell 0 (test_loop_visible) ran over 5 s" in execution.detail, execution.detail


def test_a_row_says_when_files_counted_against_the_memory(kernel):
    execution, _ = run(STOPPED["filling /dev/shm"][0], zygote=kernel)
    assert execution.status == "memory"
    assert "MB of it in files it wrote" in execution.detail, execution.detail


def test_sys_exit_is_an_error_in_its_cell_only(kernel):
    execution, notebook = run("import sys\nsys.exit(1)", zygote=kernel)
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
def test_the_sandbox_refuses(source, kernel):
    execution, notebook = run(source, zygote=kernel)
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


def test_the_watchdog_sees_the_kernel_s_memory(kernel):
    execution, _ = run("import time\nimport numpy as np\nx = np.ones(50 * 2**20 // 8)\n"
                       "time.sleep(0.5)", zygote=kernel)
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


def test_a_daemon_started_by_the_student_is_killed(kernel):
    execution, _ = run(f"import subprocess\nsubprocess.Popen(['sleep', '600', '{MARKER}'], "
                       "start_new_session=True)", zygote=kernel)
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


def test_what_a_student_prints_about_the_sandbox_keeps_host_paths_off_the_page(kernel):
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
    execution, notebook = run(snoop + "\nraise ValueError(str(sys.path))", zygote=kernel)
    assert execution.ran[0] == "error"
    page = feedback_page(notebook, "04_activations", 0, 1, set())
    assert "site-packages" in page and "kernel.json" in page  # the listings are there
    host = {str(ROOT), sys.prefix, str(Path(sys.base_prefix).resolve()), "nn-grader-ipc",
            "nn-grader-zygote"}
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


# what a forked kernel tries against the zygote and the kernel forked beside it
PROBE_NEIGHBOURS = r"""
import ctypes, json, os, subprocess
import numpy
found = {'pid in /proc': 0, 'read': [], 'wrote': [], 'unmounted': []}
me = os.readlink('/proc/self')
for pid in (p for p in os.listdir('/proc') if p.isdigit() and p != me):
    found['pid in /proc'] += 1
    for what in ('mem', 'environ', 'root/tmp', 'cwd', 'fd/0'):
        try:
            path = f'/proc/{pid}/{what}'
            if what in ('root/tmp', 'cwd'):
                os.listdir(path)
            elif what == 'fd/0':
                os.readlink(path)   # which file (as root, a zygote's fds may be counted)
            else:
                open(path, 'rb').read(1)
            found['read'].append(path)
        except OSError:
            pass
for path in ('/x', '/dev/x', '/run/nn-ipc/x', '/opt/nn-course-zygote/x'):
    try:
        open(path, 'w').close()
        found['wrote'].append(path)
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
for path in (b'/tmp', b'/proc', b'/dev/shm'):
    if libc.umount2(path, 2) == 0:
        found['unmounted'].append(path.decode())
found['capabilities'] = subprocess.run(
    ['sh', '-c', 'grep CapEff /proc/self/status'], capture_output=True, text=True).stdout.split()
found['tmp'] = sorted(os.listdir('/tmp'))
found['random'] = numpy.random.rand()
for folder in ('/tmp', os.path.expanduser('~'), '/dev/shm'):
    open(os.path.join(folder, 'left-by-the-first'), 'w').write('x')
print(json.dumps(found))
"""
LOOK_AROUND = r"""
import json, os, numpy
print(json.dumps({'left': [f for f in ('/tmp', os.path.expanduser('~'), '/dev/shm')
                           if os.path.exists(os.path.join(f, 'left-by-the-first'))],
                  'tmp': sorted(os.listdir('/tmp')), 'random': numpy.random.rand()}))
"""


def _forked_kernel_runs(zygote, *sources):
    """Fork one kernel per source, all alive at once (as a worker's current and next
    student's are), run each source in its kernel in turn; what each printed, as JSON."""
    import asyncio
    import json

    from grader.sandbox import SandboxedKernelManager

    async def main():
        kernels = []
        try:
            for _ in sources:
                km = SandboxedKernelManager(LIMITS, zygote=zygote)
                kernels.append((km, None))
                await km.start_kernel()
                assert km.forked, km.zygote_problem
                client = km.client()
                client.start_channels()
                kernels[-1] = (km, client)
                await client.wait_for_ready(timeout=120)
            printed = []
            for (_, client), source in zip(kernels, sources, strict=True):
                text = []
                reply = await client.execute_interactive(
                    source, timeout=300, output_hook=lambda msg, text=text: text.append(
                        msg["content"].get("text", "")))
                assert reply["content"]["status"] == "ok", "".join(text)
                printed.append(json.loads("".join(text)))
            return printed, [km.ipc_dir.parent.name + "/" + km.ipc_dir.name for km, _ in kernels]
        finally:
            for km, client in kernels:
                if client is not None:
                    client.stop_channels()
                km.destroy()

    return asyncio.run(main())


def test_a_forked_kernel_reaches_neither_the_zygote_nor_the_kernel_beside_it(zygote):
    """Two kernels forked by one zygote, alive together: the first sees the zygote's
    processes listed in /proc (the zygote's PID namespace) but can read none of their
    memory, environment or files, write nothing it shares with them, undo no mount, and
    holds no capability, even in a program it starts; what it leaves in /tmp, home and
    /dev/shm reaches neither the kernel forked beside it nor one forked after it."""
    (first, beside), folders = _forked_kernel_runs(zygote, PROBE_NEIGHBOURS, LOOK_AROUND)
    assert first["pid in /proc"] >= 3      # bubblewrap's init, the zygote, the other kernel
    assert first["read"] == [] and first["wrote"] == [] and first["unmounted"] == []
    assert first["capabilities"] == ["CapEff:", "0000000000000000"]
    # its own IPC folder's parent only, and the course's Python where it lives under /tmp
    assert first["tmp"] == sorted({folders[0].split("/")[0], *_course_under_tmp()})
    assert beside["left"] == []
    (after,), _ = _forked_kernel_runs(zygote, LOOK_AROUND)
    assert after["left"] == []
    assert len({first["random"], beside["random"], after["random"]}) == 3  # seeds of their own


def _course_under_tmp() -> set[str]:
    """The first folder below /tmp of each Python root the sandbox mounts (a clone of the
    course and its .venv under /tmp, as a CI checkout may be)."""
    from grader.sandbox import _python_roots

    return {Path(root).relative_to("/tmp").parts[0] for root in _python_roots()
            if Path(root).is_relative_to("/tmp") and Path(root) != Path("/tmp")}


SEES_ITS_MOUNTS = """
import json, os, sys
cache = os.path.expanduser('~/.matplotlib/' + os.environ['CACHE_NAME'])
try:
    open(cache + '/written', 'w')
    writable = True
except OSError:
    writable = False
open(os.path.expanduser('~/mine'), 'w').write('x')
print(json.dumps({'cache': sorted(os.listdir(cache)), 'cache writable': writable,
                  'python': os.path.exists(sys.executable),
                  'home': os.listdir(os.path.expanduser('~'))}))
"""


def test_a_forked_kernel_keeps_what_the_sandbox_mounted_below_its_fresh_home_and_tmp(
        tmp_path):
    """The forked kernel's /tmp and home are fresh; what the sandbox mounted below them
    (here the matplotlib cache in home; the course's Python where it lives under /tmp)
    is mounted again on top, read-only as it was."""
    from grader.sandbox import KernelZygote

    cache = tmp_path / "mpl-cache"
    cache.mkdir()
    (cache / "fontlist.json").write_text("{}")
    forks = KernelZygote(LIMITS, str(cache), None)
    try:
        source = f"import os\nos.environ['CACHE_NAME'] = {cache.name!r}\n" + SEES_ITS_MOUNTS
        (seen,), _ = _forked_kernel_runs(forks, source)
    finally:
        forks.close()
    assert seen["cache"] == ["fontlist.json"] and not seen["cache writable"]
    assert seen["python"] and "mine" in seen["home"]
    assert not (cache / "written").exists()


def test_a_zygote_that_died_starts_again_and_one_that_cannot_start_gives_cold_kernels(zygote):
    from grader.sandbox import KernelZygote

    run("print(1)", zygote=zygote)
    zygote.stop()                          # as if its process were killed
    execution, _ = run("print(1)", zygote=zygote)
    assert execution.ran == {0: "ok", 1: "ok"}
    broken = KernelZygote(LIMITS, None, None)
    broken.failed = "no user namespaces here"
    try:
        execution, notebook = run("print('cold')", zygote=None)
        cold = execute(notebook, LIMITS, True, time.monotonic() + NOTEBOOK_DEADLINE,
                       zygote=broken)
    finally:
        broken.close()
    assert cold.ran == {0: "ok", 1: "ok"} and not cold.forked_kernel
    assert cold.zygote_problem == "no user namespaces here"
