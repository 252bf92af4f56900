"""A kernel zygote: imports the course's libraries once, then forks one fresh kernel per student.

It runs inside a bubblewrap sandbox like a student's kernel (grader.sandbox) and never
runs student code itself. For each request (one JSON line on its standard input: the
kernel's connection file and IPC folder) it forks a child that gets namespaces of its
own: a user namespace, a mount namespace with fresh /tmp, home, /dev/shm and
/dev/pts and only its own IPC folder visible, a PID namespace (the child's first
process is its init, as bubblewrap's is), a network, IPC and UTS namespace. The kernel
process then enters one more user and mount namespace (so none of those mounts can be
undone), drops every capability, and starts ipykernel with NumPy, TensorFlow, Keras
and matplotlib already imported. It answers with the child's init's pid as this
sandbox sees it.

Standalone on purpose: the sandbox mounts this one file, not the grader.
"""

import ctypes
import gc
import json
import os
import re
import signal
import sys

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = (0x08000000, 0x10000000,
                                                           0x20000000, 0x40000000)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_CAPBSET_DROP = 4, 24
STAGE = "/run/nn-ipc"   # an empty folder of the sandbox: the IPC folder passes through it
HOME = os.environ.get("HOME", "/home/student")
WARM_UP = ("numpy", "matplotlib.pyplot", "keras", "tensorflow", "ipykernel.kernelapp",
           "ipykernel.ipkernel", "ipykernel.zmqshell", "matplotlib_inline.backend_inline")

libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    _check(libc.mount(source and source.encode(), target.encode(),
                      fstype and fstype.encode(), flags, data and data.encode()),
           f"mount {target}")


def _own_user_namespace(flags: int) -> None:
    """Enter a new user namespace (with ``flags``' other namespaces), mapping our ids.

    The process is dumpable only meanwhile (its /proc files must be its own to write the
    maps); no other kernel can reach it then: it holds every capability of the new
    namespace, which they lack.
    """
    uid, gid = os.geteuid(), os.getegid()
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    _check(libc.unshare(CLONE_NEWUSER | flags), "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)   # its memory is nobody else's to read


def _drop_capabilities() -> None:
    """No capability now, none after an execve (the bounding set is emptied too)."""
    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)   # EINVAL past the last one: fine

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    _check(libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")


def _mounts_below(folders: list[str], leave_out: str) -> list[tuple[str, bool, bool]]:
    """(path, read-only, is a folder) of the mounts below ``folders`` (a Python environment,
    the course or its helpers where they live under /tmp), outermost first; not those
    below ``leave_out`` (the other kernels' IPC folders)."""
    found = {}
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[4])  # \040
            if any(point.startswith(folder.rstrip("/") + "/") for folder in folders) and not (
                    point == leave_out or point.startswith(leave_out.rstrip("/") + "/")):
                found[point] = ("ro" in fields[5].split(","), os.path.isdir(point))
    return [(point, *found[point]) for point in sorted(found, key=lambda p: p.count("/"))]


def _private_mounts(ipc_dir: str, ipc_root: str) -> None:
    """The child's file system: fresh tmpfs where a kernel writes, only its IPC folder."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount(ipc_dir, STAGE, None, MS_BIND)
    fresh = (("/tmp", "mode=1777"), (HOME, "mode=0755"), ("/dev/shm", "mode=1777"))
    # what the sandbox mounted below them is bound again on top of the fresh tmpfs, from
    # a handle opened while it was still in sight
    kept = [(point, readonly, is_dir, os.open(point, os.O_PATH | os.O_CLOEXEC))
            for point, readonly, is_dir in _mounts_below([t for t, _ in fresh], ipc_root)]
    for target, options in fresh:
        _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for point, readonly, is_dir, handle in kept:
        if is_dir:
            os.makedirs(point, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(point), exist_ok=True)
            os.close(os.open(point, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644))
        _mount(f"/proc/self/fd/{handle}", point, None, MS_BIND)   # its flags come along
        os.close(handle)
        if readonly and not os.statvfs(point).f_flag & os.ST_RDONLY:
            raise OSError(f"{point} would be writable")
    _mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
           "newinstance,ptmxmode=0666,mode=620")
    covered = os.path.isdir(ipc_root)   # not under /tmp: the other kernels' folders
    if covered:
        _mount("tmpfs", ipc_root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700")
    os.makedirs(ipc_dir, 0o700)
    _mount(STAGE, ipc_dir, None, MS_BIND)
    _check(libc.umount2(STAGE.encode(), MNT_DETACH), "umount")
    if covered:
        _mount(None, ipc_root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _kernel(request: dict) -> None:
    """The kernel process: locked mounts, no capability, then ipykernel (never returns)."""
    code = 1
    try:
        _own_user_namespace(CLONE_NEWNS)   # every mount above is now locked
        _drop_capabilities()
        os.chdir(HOME)
        import numpy

        numpy.random.seed()   # a fresh process would draw its own seed
        sys.path[:] = [p for p in sys.path if p != os.path.dirname(os.path.abspath(__file__))]
        sys.argv = ["ipykernel_launcher", "-f", request["connection_file"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    finally:
        os._exit(code)


def _init(request: dict) -> None:
    """The child's first process (pid 1 of its PID namespace): forks the kernel, reaps
    orphans, and exits with the kernel, which ends the namespace (never returns)."""
    code = 1
    try:
        os.setsid()
        kernel = os.fork()
        if kernel == 0:
            _kernel(request)
        _drop_capabilities()
        while True:
            pid, status = os.waitpid(-1, 0)
            if pid == kernel:
                code = os.waitstatus_to_exitcode(status) & 0xFF
                break
    except BaseException:  # noqa: BLE001 - the kernel is gone or never came
        pass
    finally:
        os._exit(code)


def _spawn(request: dict, control: tuple[int, int], ipc_root: str) -> dict:
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        answer = b""
        try:
            os.close(read_end)
            for fd in control:
                os.close(fd)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _own_user_namespace(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
                                | CLONE_NEWUTS | CLONE_NEWCGROUP)
            _private_mounts(request["ipc_dir"], ipc_root)
            init = os.fork()
            if init == 0:
                os.close(write_end)
                _init(request)
            answer = json.dumps({"pid": init}).encode()
        except BaseException as error:  # noqa: BLE001 - reported, then this child goes
            where = error.__traceback__
            while where.tb_next is not None:
                where = where.tb_next
            answer = json.dumps({"error": f"{type(error).__name__}: {error} (zygote line "
                                          f"{where.tb_lineno})"}).encode()
        finally:
            os.write(write_end, answer)
            os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    try:
        return json.loads(b"".join(chunks) or b"{}") or {"error": "the child said nothing"}
    except ValueError:
        return {"error": "the child's answer was unreadable"}


def main() -> None:
    ipc_root = sys.argv[1]
    control = (os.dup(0), os.dup(1))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):   # what every forked kernel inherits
        os.dup2(null, fd)
    os.close(null)
    answers = os.fdopen(control[1], "w", buffering=1)
    for name in WARM_UP:
        __import__(name)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # the forked children reap themselves
    gc.collect()
    gc.freeze()   # forked kernels then copy fewer pages (the collector leaves these alone)
    answers.write(json.dumps({"ready": True}) + "\n")
    with os.fdopen(control[0], "r") as requests:
        for line in requests:
            try:
                answer = _spawn(json.loads(line), control, ipc_root)
            except Exception as error:  # noqa: BLE001 - a bad request, answered
                answer = {"error": f"{type(error).__name__}: {error}"}
            answers.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
