"""Kernels for untrusted student code: confined with bubblewrap, limited, and killed whole.

A sandboxed kernel sees a read-only system (/usr, a few files of /etc, the Python
installation, the ``helpers`` package and its data), an empty writable home and /tmp,
no network (its own network namespace) and no other process (its own PID namespace).
It does not see the repository's ``solutions/``, the gradebook, other students'
folders or the instructor's home. It talks to the grader over ZeroMQ IPC sockets in
a private folder bind-mounted into the sandbox, the only path both sides share.

Limits per kernel: CPU seconds, file size and open files by rlimit (``prlimit``);
memory and the number of processes by a watchdog thread that polls every 50 ms and kills
the whole sandbox when a limit is passed. Memory counts everything the kernel can fill:
the resident memory of all its processes, what it wrote to its tmpfs (/tmp, home, /dev),
to the IPC folder it shares with the grader (on the grader's disk), and to in-memory or
deleted files it holds open. System V shared memory, which no file or process would
show, is refused by a seccomp filter. Killing the sandbox's first process ends its PID
namespace, so nothing started inside survives.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec
from traitlets import DottedObjectName

from .kernels import AWAKE_CLIENT
from .status import Status

INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; "
                "Fedora: sudo dnf install bubblewrap; Arch: sudo pacman -S bubblewrap)")
# Files of /etc a Python kernel with NumPy, TensorFlow and matplotlib needs (no secrets).
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "mime.types",
             "nsswitch.conf", "host.conf", "alternatives")
HOME = "/home/student"
MAX_KERNEL_MESSAGE = 96 * 2**20   # one message from a kernel (the bridge's replies: 64 MB)
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Limits:
    """What one student's kernel may use."""

    memory_mb: int = 4096
    processes: int = 64
    cpu_seconds: int = 900
    cell_timeout: float = 120
    file_mb: int = 256
    threads: int = 0      # compute threads of TensorFlow and BLAS; 0: as many as cores


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def sandbox_problem() -> str | None:
    """None when bubblewrap can confine a process here, else why it cannot."""
    bwrap = bwrap_path()
    if bwrap is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    probe = subprocess.run(
        [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc",
         "--dev", "/dev", "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return ("bubblewrap cannot create namespaces here "
                f"({probe.stderr.strip()[:200] or probe.returncode}); on Ubuntu 24.04 and "
                "later, allow unprivileged user namespaces for bwrap (AppArmor profile)")
    return None


SECCOMP_FD_PLACEHOLDER = "{nn_seccomp_fd}"
# classic BPF, as seccomp(2) reads it: load, jump-if-equal, jump-if-at-least, return
_BPF_LD_ABS, _BPF_JEQ, _BPF_JGE, _BPF_RET = 0x20, 0x15, 0x35, 0x06
_SECCOMP_ALLOW, _SECCOMP_EPERM = 0x7FFF0000, 0x00050000 | 1
# audit architecture, shmget's number, the first number of an ABI to refuse (x32)
_SECCOMP_ARCHES = {"x86_64": (0xC000003E, 29, 0x40000000), "aarch64": (0xC00000B7, 194, None)}


@functools.cache
def seccomp_program() -> bytes | None:
    """The seccomp filter of a sandboxed kernel, for bubblewrap's ``--seccomp``.

    It refuses ``shmget`` (System V shared memory outlives its processes and shows in no
    process's memory, so the watchdog could not count it) and every system call made
    through another architecture's ABI (i386's int 0x80, x32), which could reach it by
    another number. None on architectures it does not know (nothing is filtered there).
    """
    import platform
    import struct

    known = _SECCOMP_ARCHES.get(platform.machine())
    if known is None:
        return None
    arch, shmget, foreign_from = known
    program = [(_BPF_LD_ABS, 0, 0, 4), (_BPF_JEQ, 1, 0, arch), (_BPF_RET, 0, 0, _SECCOMP_EPERM),
               (_BPF_LD_ABS, 0, 0, 0)]
    if foreign_from is not None:
        program.append((_BPF_JGE, 2, 0, foreign_from))        # to EPERM
    program += [(_BPF_JEQ, 1, 0, shmget), (_BPF_RET, 0, 0, _SECCOMP_ALLOW),
                (_BPF_RET, 0, 0, _SECCOMP_EPERM)]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


def _python_roots() -> list[Path]:
    """Folders the kernel's Python needs: the installation, the environment, helpers."""
    import helpers
    from helpers.data import _search_dirs

    roots = {Path(sys.base_prefix), Path(sys.prefix), Path(helpers.__file__).resolve().parent}
    roots.update(p.resolve() for p in _search_dirs() if p.is_dir())
    # keep only outermost folders
    return sorted(r for r in roots if not any(o != r and r.is_relative_to(o) for o in roots))


def helpers_dir() -> Path:
    import helpers

    return Path(helpers.__file__).resolve().parent


def withheld_helpers(graded: set[str], into: Path) -> Path:
    """A copy of ``helpers`` in which every function named in ``graded`` only raises.

    The course's reference implementations (``helpers.nn.sigmoid`` and the like) are
    given code for later notebooks; while an assignment that grades one of them is
    graded, the student's kernel sees this copy, mounted where ``helpers`` is, so no
    route (import, file, cache) leads to the reference.
    """
    import ast

    into.mkdir(parents=True, exist_ok=True)
    for source in sorted(helpers_dir().glob("*.py")):
        text = source.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        cuts = []
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef) and node.name in graded:
                first = node.body[0]
                keep = node.body[1:] if isinstance(first, ast.Expr) and isinstance(
                    getattr(first, "value", None), ast.Constant) else node.body
                start = (keep[0] if keep else first).lineno - 1
                indent = " " * (keep[0] if keep else first).col_offset
                cuts.append((start, node.end_lineno, f"{indent}raise RuntimeError("
                             f"\"helpers.{source.stem}.{node.name} is not available while "
                             f"{node.name} is graded\")\n"))
        for start, end, replacement in sorted(cuts, reverse=True):
            lines[start:end] = [replacement]
        (into / source.name).write_text("".join(lines), encoding="utf-8")
    return into


def _system_mounts() -> list[str]:
    """Read-only /usr, /bin, /lib..., a few files of /etc, /proc, /dev, empty /tmp and home."""
    argv = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib32", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES:
        if (Path("/etc") / name).exists():
            argv += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    # mounts are made in order, later ones on top: the empty /tmp and home first, so that
    # a Python environment or IPC folder living under /tmp stays visible
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", HOME]
    for root in _python_roots():
        argv += ["--ro-bind", str(root), str(root)]
    return argv


def bwrap_argv(ipc_dir: Path, kernel_argv: list[str], mpl_cache: Path | None,
               threads: int = 0, helpers_copy: Path | None = None,
               extra: tuple[str, ...] = ()) -> list[str]:
    """The bubblewrap command line that runs ``kernel_argv`` confined.

    ``helpers_copy`` (see :func:`withheld_helpers`) is mounted over ``helpers``;
    ``extra``: more of bubblewrap's options, after those mounts.
    """
    argv = [bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", *_system_mounts()]
    if seccomp_program() is not None:  # the kernel manager passes the program's fd
        argv += ["--seccomp", SECCOMP_FD_PLACEHOLDER]
    if helpers_copy is not None:
        argv += ["--ro-bind", str(helpers_copy), str(helpers_dir())]
    argv += [*extra, "--bind", str(ipc_dir), str(ipc_dir), "--chdir", HOME]
    if mpl_cache is not None:  # matplotlib's font list, built once, saves a second per kernel
        argv += ["--ro-bind", str(mpl_cache), f"{HOME}/.matplotlib/{mpl_cache.name}"]
    argv += ["--clearenv"]
    for key, value in kernel_env(threads).items():
        argv += ["--setenv", key, value]
    return argv + ["--"] + kernel_argv


CHECKER_PACKAGE = Path(__file__).resolve().parent / "checker"
CHECKER_MOUNT = "/opt/nn-course-checker"


def checker_command(sandboxed: bool, threads: int = 0,
                    mpl_cache: Path | None = None) -> tuple[list[str], dict[str, str]]:
    """How to start the checker process: argv and environment.

    Sandboxed, it sees what a kernel sees (the full ``helpers`` included) and its own
    package, mounted alone: not the rest of the grader, not ``solutions/``, not the
    gradebook; no network. It gets the hidden tests over its standard input.
    """
    env = kernel_env(threads)
    env["PYTHONPATH"] = f"{CHECKER_MOUNT}:{env['PYTHONPATH']}"
    python = [sys.executable, "-m", "checker"]
    if not sandboxed:
        env.update(PYTHONPATH=f"{CHECKER_PACKAGE.parent.parent}:{helpers_dir().parent}",
                   HOME=tempfile.gettempdir())
        return [sys.executable, "-m", "grader.checker"], {**os.environ, **env}
    argv = [bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", *_system_mounts(), "--ro-bind", str(CHECKER_PACKAGE),
            f"{CHECKER_MOUNT}/checker", "--chdir", HOME]
    if mpl_cache is not None:
        argv += ["--ro-bind", str(mpl_cache), f"{HOME}/.matplotlib/{mpl_cache.name}"]
    argv += ["--clearenv"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return argv + ["--"] + python, {}


def kernel_env(threads: int = 0) -> dict[str, str]:
    """The kernel's whole environment; ``threads`` > 0 caps TensorFlow's and BLAS's pools."""
    pools = {} if threads <= 0 else {
        name: str(threads) for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
                                        "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                        "MKL_NUM_THREADS")}
    return {**pools, "HOME": HOME, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            # the helpers the grader itself imports (and mounts), ahead of any other copy
            "PYTHONPATH": str(helpers_dir().parent),
            "LANG": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": f"{HOME}/.matplotlib", "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "NN_COURSE_GRADING": "1",
            "NBGRADER_EXECUTION": "autograde",  # checks raise, demos fail as they are
            **({"NN_COURSE_DATA": os.environ["NN_COURSE_DATA"]}
               if os.environ.get("NN_COURSE_DATA") else {})}


def prlimit_argv(limits: Limits) -> list[str]:
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return []
    return [prlimit, f"--cpu={limits.cpu_seconds}", f"--fsize={limits.file_mb * 2**20}",
            "--nofile=1024", "--core=0", "--"]


def matplotlib_font_cache(folder: Path) -> Path | None:
    """Build matplotlib's font list in ``folder`` (once per class) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MPLCONFIGDIR": str(folder)}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                   capture_output=True, timeout=120)
    found = sorted(folder.glob("fontlist-*.json"))
    return found[0] if found else None


# --------------------------------------------------------------------------- processes

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int, skip: set[int] = frozenset()) -> list[int]:
    """Every live process below ``pid`` (not ``pid`` itself), leaving out the processes of
    ``skip`` and everything below them."""
    children = _children_map()
    found, todo = [], [c for c in children.get(pid, []) if c not in skip]
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(c for c in children.get(child, []) if c not in skip)
    return found


def _subtree(pid: int) -> list[int]:
    """``pid`` and every live process below it, read from /proc's children lists (cheaper
    than :func:`descendants`, which reads every process on the machine)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            with contextlib.suppress(OSError, ValueError), open(
                    f"/proc/{current}/task/{task}/children", "rb") as handle:
                todo.extend(int(child) for child in handle.read().split())
    return found


def _resident_bytes(procs: list[str]) -> int:
    """Resident memory of the processes whose /proc folders are ``procs``."""
    total = 0
    for proc in procs:
        try:
            with open(f"{proc}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def _proportional_bytes(procs: list[str]) -> int:
    """Memory of ``procs`` with pages shared between them counted once (PSS; slower)."""
    total = 0
    for proc in procs:
        try:
            with open(f"{proc}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            pass
    return total


def _tmpfs_bytes(root: str) -> int:
    """What the sandbox wrote to its tmpfs /tmp, home, /dev and /dev/shm (one file system
    or two), each counted once; ``root`` is its / seen from here."""
    total, seen = 0, set()
    for path in ("tmp", HOME.lstrip("/"), "dev", "dev/shm"):
        with contextlib.suppress(OSError):
            device = os.stat(f"{root}/{path}").st_dev
            if device in seen:
                continue
            seen.add(device)
            stats = os.statvfs(f"{root}/{path}")
            total += (stats.f_blocks - stats.f_bfree) * stats.f_frsize
    return total


MAX_FOLDER_ENTRIES = 256   # the IPC folder holds a connection file and five sockets


def _folder_bytes(folder: Path) -> int | None:
    """Bytes of the files under ``folder`` (its own, not the mounts it is on); None when it
    holds more than MAX_FOLDER_ENTRIES entries, which no kernel needs."""
    total, entries, todo = 0, 0, [str(folder)]
    while todo:
        with contextlib.suppress(OSError), os.scandir(todo.pop()) as listing:
            for entry in listing:
                entries += 1
                if entries > MAX_FOLDER_ENTRIES:
                    return None
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_blocks * 512
    return total


def _open_file_bytes(procs: list[str], folder: Path | None) -> int:
    """Bytes of the in-memory files (memfd), deleted files and files under ``folder`` that
    the processes ``procs`` hold open, each file once: space no folder listing shows."""
    seen, total, prefix = set(), 0, f"{folder}/" if folder else None
    for proc in procs:
        with contextlib.suppress(OSError), os.scandir(f"{proc}/fd") as fds:
            for fd in fds:
                with contextlib.suppress(OSError):
                    target = os.readlink(fd.path)
                    if not (target.startswith("/memfd:") or target.endswith(" (deleted)")
                            or (prefix and target.startswith(prefix))):
                        continue
                    stat = os.stat(fd.path)  # the open file itself, through /proc
                    if (stat.st_dev, stat.st_ino) not in seen:
                        seen.add((stat.st_dev, stat.st_ino))
                        total += stat.st_blocks * 512
    return total


def _ns_pids(pid: int) -> list[bytes]:
    """``pid``'s numbers in each PID namespace from ours down to its own (/proc's NSpid);
    [] when it is gone."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", "rb") as handle:
        for line in handle:
            if line.startswith(b"NSpid:"):
                return line.split()[1:]
    return []


def _sandbox_init(outer_pid: int) -> int | None:
    """Host pid of the sandbox's first process (pid 1 inside), once it has switched to the
    sandbox's root; ``outer_pid`` is bubblewrap's outer process.

    That process's /proc lists only the sandbox's processes, much cheaper to read than
    every process on the machine, and killing it ends the sandbox's PID namespace at once.
    """
    host = os.stat("/")
    for pid in _children_map().get(outer_pid, []):
        with contextlib.suppress(OSError, IndexError):
            ns_pids = _ns_pids(pid)
            inside = os.stat(f"/proc/{pid}/root")
            if ns_pids[-1] == b"1" and (inside.st_dev, inside.st_ino) != (
                    host.st_dev, host.st_ino) and os.path.isdir(f"/proc/{pid}/root/proc/1"):
                return pid
    return None


def kill_tree(pid: int, include_root: bool = True, spare: set[int] = frozenset()) -> list[int]:
    """SIGKILL ``pid`` (unless ``include_root`` is false) and everything below it but the
    processes of ``spare`` and theirs (a warm kernel's sandbox may fork after its
    processes were listed). Returns the processes signalled."""
    victims = [pid] * include_root + descendants(pid, skip=set(spare))
    for victim in victims:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(victim, signal.SIGKILL)
    return victims


def _running(pid: int) -> bool:
    """Whether ``pid`` exists and has not yet exited (a zombie has); reaps our zombies."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return False
    if stat[stat.rindex(b")") + 2:][:1] != b"Z":
        return True
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    return False


def wait_exited(pids: list[int], timeout: float = 10) -> bool:
    """Wait until every one of ``pids`` has exited; False if some still run after ``timeout``.

    A killed sandbox's first process exits only after everything in its PID namespace
    has, so waiting for it means nothing the student started is left running.
    """
    deadline = time.monotonic() + timeout
    while (left := [pid for pid in pids if _running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.02)
        pids = left
    return not left


def become_subreaper() -> None:
    """Orphans of our children are re-parented to us, so kill_tree finds them (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


class Watchdog(threading.Thread):
    """Kill a kernel's process tree when it uses too much memory or too many processes.

    Each poll counts the processes first, which never blocks. Memory is the resident
    memory of all processes (plus the tmpfs); only when that passes the limit is it
    confirmed with PSS, which counts pages shared by forked processes once. Reading PSS
    waits on every process's memory map, for seconds while processes fork, so it runs
    in a thread of its own and the count goes on being checked meanwhile.
    """

    FILE_SCAN_EVERY = 4   # polls between two readings of the open files (a few hundred)

    def __init__(self, pid: int, limits: Limits, sandboxed: bool, interval: float = 0.05,
                 shared_folder: Path | None = None, forked: bool = False):
        super().__init__(daemon=True)
        self.pid, self.limits, self.sandboxed, self.interval = pid, limits, sandboxed, interval
        self.shared_folder = shared_folder  # the IPC folder: the grader's disk, not a tmpfs
        self.written = 0                    # bytes in files, counted with the memory
        # the sandbox's pid 1, seen from here; ``pid`` itself for a kernel forked by a
        # KernelZygote (its /proc is the zygote's, so its processes are read from here)
        self.forked = forked
        self.sandbox_pid: int | None = pid if forked else None
        self.violation: str | None = None
        self.detail = ""
        self.peak_bytes = 0
        self._stopping = threading.Event()
        self._confirming: threading.Thread | None = None
        self._memory_confirmed = False

    def _procs(self) -> tuple[list[str], int, int]:
        """The kernel's processes' /proc folders, how many processes, bytes on its tmpfs."""
        if self.forked:   # its pid 1 (a reaper) and the kernel, as in bubblewrap's sandbox
            pids = _subtree(self.pid)[1:]   # the reaper, a copy of the zygote, allocates
            return [f"/proc/{pid}" for pid in pids], len(pids), _tmpfs_bytes(  # nothing
                f"/proc/{self.pid}/root")
        if self.sandboxed and self.sandbox_pid is None:
            self.sandbox_pid = _sandbox_init(self.pid)
        if self.sandbox_pid is not None:  # bubblewrap's init (pid 1 there), the kernel, ...
            root = f"/proc/{self.sandbox_pid}/root"
            with contextlib.suppress(OSError):  # OSError: the sandbox is gone
                procs = [f"{root}/proc/{name}" for name in os.listdir(f"{root}/proc")
                         if name.isdigit()]
                return procs, len(procs) - 1, _tmpfs_bytes(root)
        # not sandboxed, or bubblewrap still setting up, or gone
        pids = descendants(self.pid) + ([] if self.sandboxed else [self.pid])
        return [f"/proc/{pid}" for pid in pids], len(pids) - (1 if self.sandboxed else 0), 0

    def _files_bytes(self, procs: list[str], polls: int) -> int | None:
        """Bytes in the shared folder and in open in-memory or deleted files (the latter
        read every FILE_SCAN_EVERY polls); None when the folder holds too many entries."""
        folder = 0
        if self.shared_folder is not None:
            folder = _folder_bytes(self.shared_folder)
            if folder is None:
                return None
        if polls % self.FILE_SCAN_EVERY == 0:
            self._open_files = _open_file_bytes(procs, self.shared_folder)
        return folder + getattr(self, "_open_files", 0)

    def run(self) -> None:
        memory_limit = self.limits.memory_mb * 2**20
        polls = 0
        while not self._stopping.wait(self.interval):
            if not Path(f"/proc/{self.pid}").exists():
                return
            procs, processes, written = self._procs()
            if processes > self.limits.processes:
                self._kill(Status.PROCESSES, f"more than {self.limits.processes} processes")
                return
            files = self._files_bytes(procs, polls)
            polls += 1
            if files is None:
                self._kill(Status.MEMORY, f"wrote over {MAX_FOLDER_ENTRIES} files into the "
                                          "folder it shares with the grader")
                return
            self.written = max(self.written, written + files)
            used = _resident_bytes(procs) + written + files
            self.peak_bytes = max(self.peak_bytes, used)
            if self._memory_confirmed:
                in_files = (f" ({self.written / 2**20:.0f} MB of it in files it wrote)"
                            if self.written >= 2**20 else "")
                self._kill(Status.MEMORY,
                           f"used over {self.limits.memory_mb} MB of memory{in_files}")
                return
            if used > memory_limit and not (self._confirming and self._confirming.is_alive()):
                self._confirming = threading.Thread(
                    target=self._confirm_memory, args=(procs, written + files, memory_limit),
                    daemon=True)
                self._confirming.start()

    def _confirm_memory(self, procs: list[str], written: int, memory_limit: int) -> None:
        if _proportional_bytes(procs) + written > memory_limit:
            self._memory_confirmed = True

    def _kill(self, violation: str, detail: str) -> None:
        self.violation, self.detail = violation, detail
        if self.sandbox_pid is not None:  # ends its PID namespace: no process can fork on
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.sandbox_pid, signal.SIGKILL)
        kill_tree(self.pid)

    def stop(self) -> None:
        self._stopping.set()


def _seccomp_pipe(argv: list[str]) -> tuple[list[str], int | None]:
    """``argv`` with bubblewrap's seccomp placeholder replaced by a pipe holding the
    filter, and that pipe's read end (to pass to the process, then close); None: none."""
    if SECCOMP_FD_PLACEHOLDER not in argv:
        return argv, None
    read_end, write_end = os.pipe()
    os.write(write_end, seccomp_program())
    os.close(write_end)
    return [str(read_end) if part == SECCOMP_FD_PLACEHOLDER else part for part in argv], read_end


class ZygoteError(Exception):
    """The zygote could not give a kernel (the student's kernel then starts cold)."""


class ForkedKernelProcess:
    """What jupyter_client's provisioner needs of a kernel's process (poll, wait, kill),
    for a kernel a KernelZygote forked: ``pid`` is its sandbox's pid 1, seen from here,
    which is not our child (killing it ends the kernel's PID namespace)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None and not _running(self.pid):
            self.returncode = -signal.SIGKILL   # its exit status is its reaper's to read
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not wait_exited([self.pid], float("inf") if timeout is None else timeout):
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self.poll()

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    terminate = kill


ZYGOTE_SCRIPT = Path(__file__).resolve().parent / "zygote_server.py"
ZYGOTE_MOUNT = "/opt/nn-course-zygote/zygote.py"


class KernelZygote:
    """A sandboxed process that imports the course's libraries once and forks a fresh,
    confined kernel for each student (see grader/zygote_server.py): one per worker and
    kernel settings. No student code ever runs in it, and each kernel it forks serves one
    student, in namespaces of its own, like a kernel bubblewrap started.
    """

    START_TIMEOUT, SPAWN_TIMEOUT = 180, 30
    _starter = None   # one long-lived thread: bubblewrap dies with the thread that started it

    def __init__(self, limits: Limits, mpl_cache: str | None, helpers_copy: Path | None):
        self.key = (limits, mpl_cache, str(helpers_copy))
        self.limits, self.mpl_cache, self.helpers_copy = limits, mpl_cache, helpers_copy
        self.ipc_root = Path(tempfile.mkdtemp(prefix="nn-grader-zygote-"))
        os.chmod(self.ipc_root, 0o700)
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.failed = ""      # why it cannot start: then every spawn says so at once
        self.start_seconds = 0.0   # its starts so far, imports included (what bench prints)
        self.reported_seconds = 0.0   # of which a student's result has said so already
        self._buffer = b""

    def _start(self) -> None:
        argv = prlimit_argv(self.limits) + bwrap_argv(
            self.ipc_root, [sys.executable, ZYGOTE_MOUNT, str(self.ipc_root)],
            Path(self.mpl_cache) if self.mpl_cache else None, self.limits.threads,
            self.helpers_copy, extra=(
                "--ro-bind", str(ZYGOTE_SCRIPT), ZYGOTE_MOUNT, "--dir", "/run/nn-ipc",
                "--remount-ro", "/dev", "--remount-ro", "/",  # its kernels share both
                # as root, a user namespace may map uid 0 only with this capability (the
                # forked kernels drop every capability); others need none, and may not add
                *(("--cap-add", "CAP_SETFCAP") if os.geteuid() == 0 else ())))
        argv, seccomp = _seccomp_pipe(argv)
        try:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                cwd=self.ipc_root, pass_fds=() if seccomp is None else (seccomp,))
        finally:
            if seccomp is not None:
                os.close(seccomp)

    def _answer(self, timeout: float) -> dict:
        import json
        import select

        deadline = time.monotonic() + timeout
        out = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([out], [], [], left)[0]:
                raise ZygoteError(f"the zygote gave no answer in {timeout:g} s")
            chunk = os.read(out, 65536)
            if not chunk:
                raise ZygoteError("the zygote has gone")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError as error:
            raise ZygoteError("the zygote's answer was unreadable") from error

    def _ensure(self) -> None:
        if self.failed:
            raise ZygoteError(self.failed)
        if self.process is not None and self.process.poll() is None:
            return
        self.stop()
        if KernelZygote._starter is None:
            from concurrent.futures import ThreadPoolExecutor

            KernelZygote._starter = ThreadPoolExecutor(1, thread_name_prefix="nn-zygote")
        started = time.monotonic()
        KernelZygote._starter.submit(self._start).result()
        try:
            if not self._answer(self.START_TIMEOUT).get("ready"):
                raise ZygoteError("the zygote did not start")
            self.start_seconds += time.monotonic() - started
        except ZygoteError as error:
            self.failed = str(error)
            self.stop()
            raise

    def prestart(self) -> None:
        """Start it now, in the background (its imports overlap the caller's work)."""
        def start() -> None:
            with self.lock, contextlib.suppress(ZygoteError):
                self._ensure()

        threading.Thread(target=start, name="nn-zygote-prestart", daemon=True).start()

    def spawn(self, connection_file: Path, ipc_dir: Path) -> int:
        """Fork a kernel that reads ``connection_file`` and serves its sockets in
        ``ipc_dir`` (a folder of ``ipc_root``); its sandbox's pid 1, seen from here."""
        import json

        with self.lock:
            self._ensure()
            try:
                self.process.stdin.write(json.dumps(
                    {"connection_file": str(connection_file), "ipc_dir": str(ipc_dir)}
                ).encode() + b"\n")
                self.process.stdin.flush()
            except OSError as error:
                raise ZygoteError(f"the zygote has gone ({error})") from error
            answer = self._answer(self.SPAWN_TIMEOUT)
            if "pid" not in answer:
                raise ZygoteError(str(answer.get("error", "no kernel"))[:300])
            # /proc's children lists may miss a process being reparented (its forking
            # parent exits): look again for a while
            deadline = time.monotonic() + 5
            while True:
                for pid in _subtree(self.process.pid)[1:]:   # its pid as the zygote sees
                    # it here, in the zygote's PID namespace, in its own (where it is 1)
                    if _ns_pids(pid)[-2:] == [str(answer["pid"]).encode(), b"1"]:
                        return pid
                if time.monotonic() > deadline:
                    raise ZygoteError("the forked kernel was not found")
                time.sleep(0.05)

    def pids(self) -> set[int]:
        """Its processes (a worker's clean-up spares them: the kernels below die apart)."""
        process = self.process
        return {process.pid} if process is not None and process.poll() is None else set()

    def stop(self) -> None:
        """Kill the zygote (every kernel it forked dies with it)."""
        process, self.process, self._buffer = self.process, None, b""
        if process is not None:
            wait_exited(kill_tree(process.pid))
            with contextlib.suppress(Exception):
                process.wait(timeout=5)
            for stream in (process.stdin, process.stdout):
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.ipc_root, ignore_errors=True)


class SandboxedKernelManager(AsyncKernelManager):
    """A KernelManager whose kernel runs under bubblewrap (or, opted out, just limited)."""

    client_class = DottedObjectName(AWAKE_CLIENT)  # no cell waits out a missed wake-up

    def __init__(self, limits: Limits, sandboxed: bool = True, mpl_cache: str | None = None,
                 helpers_copy: Path | None = None, zygote: KernelZygote | None = None,
                 **kwargs):
        self.zygote = zygote if sandboxed else None   # forks the kernel, when it can
        self.zygote_problem = ""                      # why it could not
        self.forked = False                           # whether it did
        self.ipc_dir = Path(tempfile.mkdtemp(prefix="nn-grader-ipc-",
                                             dir=zygote.ipc_root if self.zygote else None))
        os.chmod(self.ipc_dir, 0o700)
        super().__init__(transport="ipc", ip=str(self.ipc_dir / "kernel"),
                         connection_file=str(self.ipc_dir / "kernel.json"), **kwargs)
        self.limits, self.sandboxed = limits, sandboxed
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        argv = prlimit_argv(limits)
        if sandboxed:
            argv += bwrap_argv(self.ipc_dir, kernel, Path(mpl_cache) if mpl_cache else None,
                               limits.threads, helpers_copy)
        else:
            argv += kernel
        # interrupts travel as messages: a signal would reach bubblewrap, not the kernel
        import zmq  # the grader's sockets refuse a message past this size: no flooding

        self.context.setsockopt(zmq.MAXMSGSIZE, MAX_KERNEL_MESSAGE)
        self._kernel_spec = KernelSpec(argv=argv, language="python", interrupt_mode="message",
                                       display_name="Python 3 (sandboxed grading)",
                                       env={} if sandboxed else kernel_env(limits.threads))
        self.watchdog: Watchdog | None = None

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self.zygote is not None:
            try:
                pid = self.zygote.spawn(Path(self.connection_file), self.ipc_dir)
            except ZygoteError as error:   # then a kernel of its own, started cold
                self.zygote_problem = str(error)
            else:
                self.forked = True
                self.provisioner.process = ForkedKernelProcess(pid)
                self.provisioner.pid, self.provisioner.pgid = pid, None
                self._reconcile_connection_info(self.provisioner.connection_info)
                self.watchdog = Watchdog(pid, self.limits, True, shared_folder=self.ipc_dir,
                                         forked=True)
                self.watchdog.start()
                return
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        kw["cwd"] = str(self.ipc_dir)
        if not self.sandboxed:
            kw["env"] = {**kw.get("env", os.environ), **kernel_env(self.limits.threads),
                         "HOME": str(self.ipc_dir)}
        kernel_cmd, seccomp = _seccomp_pipe(kernel_cmd)
        if seccomp is not None:
            kw["pass_fds"] = (seccomp,)
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            if seccomp is not None:
                os.close(seccomp)
        self.watchdog = Watchdog(self.provisioner.process.pid, self.limits, self.sandboxed,
                                 shared_folder=self.ipc_dir)
        self.watchdog.start()

    def destroy(self) -> None:
        """Kill the kernel and everything it started; remove the IPC folder."""
        if self.watchdog is not None:
            self.watchdog.stop()
        process = getattr(self.provisioner, "process", None) if self.provisioner else None
        if process is not None:
            killed = kill_tree(process.pid)
            with contextlib.suppress(Exception):
                process.wait(timeout=5)
            wait_exited(killed)
        # what jupyter_client's cleanup_resources would free (it is async, this is not)
        with contextlib.suppress(Exception):
            self._close_control_socket()
        if self._created_context:
            self.context.destroy(linger=0)
        shutil.rmtree(self.ipc_dir, ignore_errors=True)

