"""Grading on Dask distributed: one code path on one machine and on many.

With no scheduler named, :func:`connect` starts an embedded ``LocalCluster``: worker
processes on this machine, one grading slot each, listening on 127.0.0.1 only, over
TLS with throwaway certificates (``Security.temporary()``), so another user of a
shared machine cannot reach it. ``--scheduler ADDRESS`` (or ``--scheduler-file``) sends
the same jobs to an existing cluster whose workers run the course environment and
bubblewrap (``dask worker ADDRESS --nthreads 1 --resources grading=1`` in a checkout of
this repository); a ``tls://`` scheduler takes certificate options.

A job is data (student id, notebook bytes, the assignment spec's hash, limits) and its
result is data (row, per-test-cell points, autograded notebook, feedback page); the
spec is shipped once per worker. :func:`grade_jobs` keeps at most ``window`` jobs in
flight, so the coordinator's memory does not grow with the class, and hands each
result to a callback as it arrives: only the coordinator writes the gradebook,
``grades.csv`` and the feedback folder. Each task has an explicit key (student and
submission hash), so one submission is never queued twice. A task whose worker dies
is retried by the scheduler (``distributed.scheduler.allowed-failures``) and then
comes back as a row of its own; the scheduler going away stops the run with
:class:`SchedulerLost`, every finished row kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .status import Status

GRADING = "grading"          # the worker resource: one grading per slot
ALLOWED_FAILURES = 2         # the embedded cluster retries a job whose worker died twice
KILLED_ROUNDS = 2            # rounds of those tries before a job is given up


@dataclass(frozen=True)
class ClusterOptions:
    """Where to grade: an embedded cluster of ``workers`` slots, or an existing scheduler."""

    workers: int = 1
    scheduler: str | None = None
    scheduler_file: str | None = None
    tls_ca_file: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    dashboard: bool = False
    memory_limit: str | int = "auto"  # of a worker process itself (kernels are limited apart)
    # how long the coordinator waits for an existing scheduler: to connect at the start, and
    # to reconnect when the connection drops (a restart, a network blip) before it stops
    # the run saying the scheduler was lost
    connect_timeout: float = 60


class SchedulerLost(RuntimeError):
    """The Dask scheduler went away during the run."""


def job_key(student: str, submission: str) -> str:
    """The task key of one submission: the same student and bytes, the same key."""
    return "grade-" + hashlib.sha256(f"{student}\0{submission}".encode()).hexdigest()[:32]


def _quiet() -> None:
    for name in ("distributed", "distributed.scheduler", "distributed.worker",
                 "distributed.nanny", "distributed.core", "distributed.comm"):
        logging.getLogger(name).setLevel(logging.ERROR)


@contextlib.contextmanager
def connect(options: ClusterOptions, log_dir: Path | None = None,
            checker: tuple[bool, int] | None = None) -> Iterator:
    """A Dask client on the cluster of ``options``, with the grading plugin on its workers;
    an embedded cluster is shut down (and its workers with their kernels) at the end.
    ``checker``: (sandboxed, threads), for each worker to start its checker as it joins."""
    import dask
    from distributed import Client, LocalCluster, Security

    from .worker import GradingPlugin

    _quiet()
    cluster = None
    if options.scheduler or options.scheduler_file:
        security = None
        if options.tls_cert or options.tls_ca_file:
            security = Security(tls_ca_file=options.tls_ca_file,
                                tls_client_cert=options.tls_cert,
                                tls_client_key=options.tls_key, require_encryption=True)
        client = Client(options.scheduler, scheduler_file=options.scheduler_file,
                        security=security, timeout=options.connect_timeout)
    else:
        security = Security.temporary()
        settings = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}
        if not options.dashboard:  # its HTTP pages (workers, call stacks, logs, metrics) are
            # plain HTTP on localhost, which every user of a shared machine reaches
            settings.update({"distributed.scheduler.http.routes": [],
                             "distributed.worker.http.routes": []})
        with dask.config.set(settings):
            cluster = LocalCluster(
                n_workers=options.workers, threads_per_worker=1, processes=True,
                host="127.0.0.1", protocol="tls://", security=security,
                dashboard_address=":0" if options.dashboard else None,
                resources={GRADING: 1}, memory_limit=options.memory_limit,
                silence_logs=logging.ERROR)
        client = Client(cluster, security=security)
    try:
        # workers of the embedded cluster write their logs beside the report
        client.register_plugin(GradingPlugin(str(log_dir) if cluster and log_dir else None,
                                             checker), name=GradingPlugin.name)
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=30)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=60)


def cluster_address(client) -> str:
    return client.scheduler.address if client.scheduler else "?"


def allowed_failures(client) -> int:
    """How often the scheduler retries a job whose worker died."""
    with contextlib.suppress(Exception):
        return int(client.run_on_scheduler(
            lambda: __import__("dask").config.get("distributed.scheduler.allowed-failures")))
    return ALLOWED_FAILURES


def _failed(job: dict, detail: str) -> dict:
    return {"status": Status.ERROR, "score": 0.0, "cells": {}, "detail": detail,
            "student": job["student"], "submission": job["submission"]}


def grade_jobs(client, jobs: Iterable[dict], spec_json: str,
               on_result: Callable[[dict, dict], None], task: Callable | None = None,
               window: int | None = None, ahead: dict | None = None,
               count: int | None = None) -> int:
    """Run ``task(job)`` for every job on the cluster, the spec ``spec_json`` (whose hash
    the jobs name) given to every worker once; ``on_result(job, result)`` for each as it
    finishes (in this process, one at a time). Returns how many finished.

    At most ``window`` jobs (default: the cluster's grading slots) are in flight, so a
    dying worker holds no queue of other students. The scheduler retries a job whose
    worker died (allowed-failures) and then gives up on it (KilledWorker); since it
    counts every job the worker held, such a job is sent once more, alone under a new
    key, and only a job that stops its worker in KILLED_ROUNDS rounds gets the status
    ``error`` saying so. The scheduler going away raises :class:`SchedulerLost`.
    ``ahead``: the class's kernel settings (a job's ``sandboxed`` and ``limits``), for
    every worker to start its checker and first kernel as it gets the spec; only where
    the class's ``count`` jobs give every slot one (else a worker would start them for
    nobody).
    """
    from distributed import as_completed

    from .worker import SpecPlugin, drop_warm_kernel, grade_submission

    task = task or grade_submission
    slots = max(1, sum(int(w.get("resources", {}).get(GRADING, 1))
                       for w in client.scheduler_info(n_workers=-1).get("workers", {}).values()))
    window = window or slots
    if count is not None and count < slots:
        ahead = None
    spec_hash = hashlib.sha256(spec_json.encode()).hexdigest()
    plugin = SpecPlugin(spec_hash, spec_json, ahead)  # not scattered: a lost worker keeps it
    client.register_plugin(plugin, name=plugin.name)
    pending: dict[str, tuple[dict, int]] = {}   # key -> (job, round)
    jobs = _each_with_more(jobs)
    queue = as_completed()

    def submit(job: dict, attempt: int = 0) -> None:
        key = job_key(job["student"], job["submission"]) + (f"-round{attempt}" if attempt else "")
        pending[key] = (job, attempt)
        queue.add(client.submit(task, job, key=key, pure=False, resources={GRADING: 1},
                                retries=0))

    def submit_next() -> None:
        queued = {job_key(j["student"], j["submission"]) for j, _ in pending.values()}
        for job, more in jobs:
            if job_key(job["student"], job["submission"]) not in queued:  # never twice
                # the class's last job starts no kernel ahead: no student would take it
                submit({**job, "warm": job.get("warm", True) and more})
                return

    try:
        for _ in range(window):
            submit_next()
        finished = _collect(client, queue, pending, submit, submit_next, on_result)
    finally:
        with contextlib.suppress(Exception):  # no kernel waits for a student who won't come
            client.run(drop_warm_kernel)
        with contextlib.suppress(Exception):
            client.unregister_worker_plugin(plugin.name)
    return finished


def _each_with_more(items: Iterable) -> Iterator[tuple]:
    """(item, whether another item follows), reading one item ahead."""
    items = iter(items)
    sentinel = object()
    current = next(items, sentinel)
    while current is not sentinel:
        following = next(items, sentinel)
        yield current, following is not sentinel
        current = following


def _collect(client, queue, pending, submit, submit_next, on_result) -> int:
    """Hand each finished job's result to ``on_result``; see :func:`grade_jobs`."""
    from distributed import KilledWorker

    finished = 0
    for future in queue:
        job, attempt = pending.pop(future.key)
        try:
            result = future.result()
        except KilledWorker:
            future.release()
            if attempt + 1 < KILLED_ROUNDS:
                submit(job, attempt + 1)
                continue
            tries = KILLED_ROUNDS * (allowed_failures(client) + 1)
            result = _failed(job, f"this submission stopped the grading worker {tries} times "
                                  "(each try on a fresh worker); it was not graded")
        except Exception as error:  # noqa: BLE001 - cancelled: the scheduler is gone
            if client.status != "running" or future.status in ("cancelled", "lost"):
                raise SchedulerLost(f"lost the Dask scheduler at {cluster_address(client)} "
                                    f"after {finished} students") from error
            result = _failed(job, f"grading failed on the cluster: {type(error).__name__}: "
                                  f"{str(error)[:200]}")
        future.release()
        if not isinstance(result, dict) or (result.get("student"), result.get(
                "submission")) != (job["student"], job["submission"]):
            result = _failed(job, "the grading worker answered for another submission")
        on_result(job, result)
        finished += 1
        submit_next()
    return finished


def grader_fingerprint() -> str:
    """A hash of the code that decides a score: the grader, its checker and ``helpers``."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    import helpers

    for folder in (here, here / "checker", Path(helpers.__file__).resolve().parent):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
