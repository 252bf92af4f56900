"""A Dask cluster on localhost made of separate processes, as separate machines would be:
``dask scheduler`` and ``dask worker`` started from the command line, over TLS with
throwaway certificates written to files (what an instructor's cluster would use).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from grader.course import ROOT
from grader.distributed import ClusterOptions
from grader.sandbox import descendants, kill_tree, wait_exited

DASK = str(Path(sys.executable).parent / "dask")


def processes_outside_other_tests() -> list[tuple[int, str]]:
    """(pid, command line) of every live process but those of this run's other test
    processes (under pytest-xdist, the siblings of this one and all below them, which
    grade classes of their own): what a test that asserts nothing is left may look at. A
    process orphaned by this test's own work is reparented to init, so it is still seen."""
    others = set()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        others = set(descendants(os.getppid(), skip={os.getpid()}))
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in others:
            continue
        try:
            args = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if args:
            found.append((int(entry), args.replace(b"\0", b" ").decode(errors="replace").strip()))
    return found


def forked_kernels(wait: float = 60) -> list[str]:
    """Command lines of the kernels a zygote forked (and their reapers) still alive once
    ``wait`` seconds have passed or none is left: a class's last warm kernel is discarded
    in the background as the class ends. The zygotes themselves are not listed."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for pid, args in processes_outside_other_tests():
            if "nn-course-zygote" not in args:
                continue
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            levels = next((line.split()[1:] for line in status.splitlines()
                           if line.startswith("NSpid:")), [])
            if len(levels) >= 3:   # below the zygote's own PID namespace
                found.append(args)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


class LocalTestCluster:
    """``dask scheduler`` and ``workers`` × ``dask worker --nthreads 1 --resources grading=1``."""

    def __init__(self, folder: Path, workers: int = 2):
        from distributed import Security

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        security = Security.temporary()
        self.ca, self.cert, self.key = (self.folder / n for n in ("ca.pem", "cert.pem", "key.pem"))
        self.ca.write_text(security.tls_ca_file)
        self.cert.write_text(security.tls_client_cert)
        self.key.write_text(security.tls_client_key)
        self.scheduler_file = self.folder / "scheduler.json"
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.n_workers = workers
        self.address = ""

    @property
    def tls(self) -> list[str]:
        return ["--tls-ca-file", str(self.ca), "--tls-cert", str(self.cert),
                "--tls-key", str(self.key)]

    def options(self, **more) -> ClusterOptions:
        return ClusterOptions(scheduler=self.address, tls_ca_file=str(self.ca),
                              tls_cert=str(self.cert), tls_key=str(self.key), **more)

    def cli_options(self) -> list[str]:
        return ["--scheduler", self.address, *self.tls]

    def _start(self, argv: list[str], log: str) -> subprocess.Popen:
        # a job whose worker dies is tried twice (the scheduler's allowed-failures)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
               "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
        with (self.folder / log).open("ab") as handle:
            return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=handle, stderr=handle,
                                    start_new_session=True)

    def start(self) -> LocalTestCluster:
        self.start_scheduler()
        for _ in range(self.n_workers):
            self.add_worker()
        self.wait_for_workers(self.n_workers)
        return self

    def start_scheduler(self) -> None:
        self.scheduler_file.unlink(missing_ok=True)
        self.scheduler = self._start(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--protocol", "tls",
             "--no-dashboard", "--scheduler-file", str(self.scheduler_file), *self.tls],
            "scheduler.log")
        deadline = time.monotonic() + 600   # it starts in about 2 s
        while not self.scheduler_file.is_file():
            assert self.scheduler.poll() is None and time.monotonic() < deadline, \
                (self.folder / "scheduler.log").read_text()[-2000:]
            time.sleep(0.2)
        time.sleep(0.2)
        self.address = json.loads(self.scheduler_file.read_text())["address"]

    def add_worker(self) -> subprocess.Popen:
        worker = self._start([DASK, "worker", self.address, "--nthreads", "1",
                              "--resources", "grading=1", "--no-dashboard", *self.tls],
                             f"worker-{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, security=self._security(), timeout=120) as client:
            client.wait_for_workers(n, timeout=600)

    def _security(self):
        from distributed import Security

        return Security(tls_ca_file=str(self.ca), tls_client_cert=str(self.cert),
                        tls_client_key=str(self.key), require_encryption=True)

    def kill_worker(self, index: int) -> list[int]:
        """SIGKILL a worker machine: its nanny, its worker and everything below them."""
        worker = self.workers[index]
        below = descendants(worker.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        for pid in [worker.pid, *below]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        worker.wait()
        return below

    def kill_scheduler(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.scheduler.pid, signal.SIGKILL)
        self.scheduler.wait()

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process is not None and process.poll() is None:
                below = descendants(process.pid)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=30)
                wait_exited(kill_tree(process.pid) + [p for p in below if kill_tree(p)])
                with contextlib.suppress(Exception):
                    process.wait(timeout=10)


# One class of 01 that several modules grade and compare with: three solved, two with a
# wrong sigmoid, the blank course notebook (None). conftest's ``undisturbed_class`` grades
# it once per run on the shared cluster.
CLASS_ASSIGNMENT = "01_neurons_and_layers"
WRONG_SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"


def class_notebooks() -> dict:
    from grader.release import filled_release

    solved, wrong = filled_release(CLASS_ASSIGNMENT), filled_release(
        CLASS_ASSIGNMENT, {"sigmoid": WRONG_SIGMOID})
    return {"solved": solved, "solved_too": solved, "wrong": wrong, "blank": None,
            "solved_three": solved, "wrong_too": wrong}


def write_class(folder: Path, students: dict, assignment: str = CLASS_ASSIGNMENT) -> None:
    """One folder per student holding ``notebook`` (None: the blank course notebook)."""
    import nbformat

    blank = nbformat.read(ROOT / "course" / assignment / f"{assignment}.ipynb", as_version=4)
    for student, notebook in students.items():
        (folder / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook or blank, folder / student / f"{assignment}.ipynb")
