"""Kernels that listen on Unix sockets in a private folder rather than on localhost ports.

A KernelManager on TCP picks free ports by binding and releasing them; the kernel binds
them a moment later. On a busy machine another process's client can take such a port in
between (a client reconnecting to a closed port even connects to itself), and then the
kernel's client waits for a reply that never comes. Unix sockets in a folder of the
caller's own have no such window. The sandboxed grading kernels already work this way
(``grader.sandbox``); this is for the plain kernels of the benchmarks and the tests.

Whichever the transport, a client of these kernels waits for a message in slices
(``AwakeKernelClient``): a zmq.asyncio socket wakes its event loop on an edge-triggered
descriptor, and now and then that wake-up is missed. The message then sits in the socket
until the wait's timeout, whose final plain ``zmq_poll`` finds it: the run goes on with no
error, a whole cell timeout later (300 s of test_run_all, 600 s of a benchmark run, a
student's cell budget in grading). A slice ends in that same ``zmq_poll``, so a missed
wake-up costs at most ``POLL_SLICE`` seconds.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import time
import typing as t
from collections.abc import Iterator
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type
from traitlets.config import Config

POLL_SLICE = 0.5  # seconds; the most a missed wake-up of the event loop costs

AWAKE_CLIENT = "grader.kernels.AwakeKernelClient"


@contextlib.contextmanager
def unix_sockets() -> Iterator[dict[str, str]]:
    """``KernelManager`` settings (``transport``, ``ip``) for kernels whose sockets live in
    a new folder, removed when the block ends; pass them as keywords, as
    ``Config(KernelManager=...)``, or to a Jupyter command through ``command_line()``."""
    with tempfile.TemporaryDirectory(prefix="nn-kernel-") as folder:
        yield {"transport": "ipc", "ip": os.path.join(folder, "kernel")}


def command_line(settings: dict[str, str]) -> list[str]:
    """The same settings as a Jupyter application's options (``nbgrader validate``...)."""
    return [f"--KernelManager.{name}={value}" for name, value in settings.items()]


def notebook_config(settings: dict[str, str]) -> Config:
    """An nbclient ``NotebookClient``'s config for a kernel on ``settings``, read through
    an ``AwakeKernelClient``."""
    return Config(KernelManager=settings, AsyncKernelManager={"client_class": AWAKE_CLIENT})


class AwakeChannel(AsyncZMQSocketChannel):
    """A channel whose wait for a message is a series of polls of at most ``POLL_SLICE``."""

    clock = staticmethod(time.monotonic)

    async def get_msg(self, timeout: float | None = None) -> dict[str, t.Any]:
        assert self.socket is not None
        deadline = None if timeout is None else self.clock() + timeout
        while True:
            left = POLL_SLICE if deadline is None else max(0.0, deadline - self.clock())
            if await self.socket.poll(math.ceil(1000 * min(left, POLL_SLICE))):
                return await self._recv()
            if deadline is not None and self.clock() >= deadline:
                raise Empty


class AwakeKernelClient(AsyncKernelClient):
    """jupyter_client's asyncio client, on ``AwakeChannel``s."""

    shell_channel_class = Type(AwakeChannel)
    iopub_channel_class = Type(AwakeChannel)
    stdin_channel_class = Type(AwakeChannel)
    control_channel_class = Type(AwakeChannel)
