"""Kernels that listen on Unix sockets in a private folder rather than on localhost ports.

A KernelManager on TCP picks free ports by binding and releasing them; the kernel binds
them a moment later. On a busy machine another process's client can take such a port in
between (a client reconnecting to a closed port even connects to itself), and then the
kernel's client waits for a reply that never comes. Unix sockets in a folder of the
caller's own have no such window. The sandboxed grading kernels already work this way
(``grader.sandbox``); this is for the plain kernels of the benchmarks and the tests.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator


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
