"""The kernels' clients: a missed event-loop wake-up costs a slice, not a cell's timeout.

A zmq.asyncio poll that misses its socket's edge-triggered wake-up returns only at its
timeout, when a final plain poll finds the message waiting (test_run_all[04] once took
320 s with a 300-s timeout; a 07 run, 309 s). Here the socket is a stand-in that misses
the first wake-ups, and the clock is the stand-in's: no test waits or depends on time.
"""

import asyncio

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel

import grader.kernels as kernels
from grader.kernels import POLL_SLICE, AwakeChannel, AwakeKernelClient


class MissedWakeUps:
    """A socket whose message is there from the start, but whose first ``missed`` polls
    do not see it (as when the loop missed the edge); each poll advances ``clock``."""

    def __init__(self, missed: int | None):
        self.missed, self.clock, self.polls = missed, 0.0, []

    async def poll(self, timeout_ms):
        self.polls.append(timeout_ms)
        if self.missed is not None and len(self.polls) > self.missed:
            return 1
        self.clock += (timeout_ms or 0) / 1000
        return 0

    async def recv_multipart(self, **_):
        return ["the reply"]


def _channel(cls, socket):
    channel = cls.__new__(cls)
    channel.socket = socket
    channel.clock = lambda: socket.clock

    async def recv(**_):
        return {"content": await socket.recv_multipart()}

    channel._recv = recv
    return channel


def test_a_missed_wake_up_costs_one_slice_not_the_whole_timeout():
    socket = MissedWakeUps(missed=1)
    message = asyncio.run(_channel(AwakeChannel, socket).get_msg(timeout=300))
    assert message == {"content": ["the reply"]}
    assert socket.polls == [1000 * POLL_SLICE] * 2 and socket.clock == POLL_SLICE
    # jupyter_client's own channel asks for the whole timeout in one poll: what stalled
    # (pyzmq's real poll then ends in a plain zmq_poll that finds the message, 300 s late
    # and with no error; this stand-in has no such final poll, so it comes back empty)
    plain = MissedWakeUps(missed=1)
    with pytest.raises(kernels.Empty):
        asyncio.run(_channel(AsyncZMQSocketChannel, plain).get_msg(timeout=300))
    assert plain.polls == [300_000]


def test_a_wait_with_no_message_still_ends_at_its_timeout():
    socket = MissedWakeUps(missed=None)
    with pytest.raises(kernels.Empty):
        asyncio.run(_channel(AwakeChannel, socket).get_msg(timeout=1.2))
    assert socket.polls == [500, 500, 200] and socket.clock == pytest.approx(1.2)
    forever = MissedWakeUps(missed=7)  # no timeout: sliced all the same, until it comes
    asyncio.run(_channel(AwakeChannel, forever).get_msg())
    assert forever.polls == [500] * 8


def test_every_kernel_the_course_starts_is_read_through_the_awake_client():
    from jupyter_client import AsyncKernelManager

    from grader.sandbox import SandboxedKernelManager

    for name in ("shell", "iopub", "stdin", "control"):
        assert AwakeKernelClient.class_traits()[f"{name}_channel_class"].default_value \
            is AwakeChannel
    assert SandboxedKernelManager.class_traits()["client_class"].default_value == \
        kernels.AWAKE_CLIENT
    with kernels.unix_sockets() as sockets:   # the benchmarks' and the tests' kernels
        manager = AsyncKernelManager(config=kernels.notebook_config(sockets))
        assert isinstance(manager.client(), AwakeKernelClient)
        assert manager.transport == "ipc"
