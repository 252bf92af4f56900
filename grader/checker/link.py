"""The worker's side: the checker process, and the requests it makes of a student's kernel.

:class:`CheckerProcess` runs ``python -m grader.checker`` (in its own sandbox) for the
life of a grading worker. For each student the worker calls :meth:`begin`, then
:meth:`run_test` at each test cell, then :meth:`end`. :class:`KernelBridgeClient` carries
the checker's requests to the student's kernel (as ``execute_request`` messages on the
kernel's own connection) and brings back the reply, what the student's code printed,
and callbacks (``input_request`` messages) to the checker. Replies are passed on as
text: the checker, not the worker, decodes them.
"""

from __future__ import annotations

import base64
import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path

from .codec import MAX_MESSAGE_CHARS
from .kernel import CALLBACK_PROMPT, MIME

PACKAGE = Path(__file__).resolve().parent
KERNEL_MODULES = ("codec", "models", "kernel")
STREAM_CHARS = 20_000   # what a student's function may print during one call, kept


def bootstrap_code() -> str:
    """Code that loads the bridge's kernel side into a kernel, as ``__nn_bridge__``."""
    sources = {name: (PACKAGE / f"{name}.py").read_text(encoding="utf-8")
               for name in KERNEL_MODULES}
    return f"""\
def _nn_bridge_load(sources):
    import sys, types
    package = types.ModuleType("_nn_bridge")
    package.__path__ = []
    sys.modules["_nn_bridge"] = package
    for name, source in sources.items():
        module = types.ModuleType("_nn_bridge." + name)
        module.__package__ = "_nn_bridge"
        sys.modules[module.__name__] = module
        exec(compile(source, "<nn-bridge>", "exec"), module.__dict__)
    return sys.modules["_nn_bridge.kernel"].KernelBridge(get_ipython())
__nn_bridge__ = _nn_bridge_load(__import__("json").loads({json.dumps(sources)!r}))
del _nn_bridge_load
"""


class CheckerDied(RuntimeError):
    pass


class CheckerProcess:
    """One checker process; restarted by :meth:`ensure` when it has died.

    It has a kernel's limits: a watchdog (``grader.sandbox.Watchdog``) stops it past the
    memory or process limit of ``limits`` (``grader.sandbox.Limits``; its defaults if
    None, a student's own from :meth:`begin` on), and a test that runs past its cell's
    time stops it too. Either way the test fails with the reason, the student's row says
    it, and the next student gets a fresh checker.
    """

    def __init__(self, argv: list[str], env: dict[str, str], log: Path, cwd: Path,
                 limits=None):
        self.argv, self.env, self.log, self.cwd = argv, env, log, cwd
        self.limits = limits
        self.process: subprocess.Popen | None = None
        self.watchdog = None
        self.buffer = bytearray()

    def ensure(self, timeout: float = 120) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.stop()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        self.buffer = bytearray()
        self._watch()
        started = self.receive(time.monotonic() + timeout)
        if started.get("op") != "started":
            raise CheckerDied(f"the checker did not start: {started}")

    def _watch(self) -> None:
        """A watchdog on the checker's memory and processes, with ``self.limits``."""
        from ..sandbox import Limits, Watchdog  # the worker's side: not in the checker's sandbox

        if self.watchdog is not None:
            self.watchdog.stop()
        self.limits = self.limits or Limits()
        self.watchdog = Watchdog(self.process.pid, self.limits,
                                 sandboxed=Path(self.argv[0]).name == "bwrap")
        self.watchdog.start()

    def stopped_by_watchdog(self) -> str | None:
        """Why the watchdog stopped the checker ("used over 4096 MB of memory"), or None."""
        return self.watchdog.detail if self.watchdog and self.watchdog.violation else None

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
        if self.process is None:
            return
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.process = None

    def send(self, message: dict) -> None:
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except (OSError, AttributeError) as error:
            raise CheckerDied(f"the checker is gone ({error})") from None

    def receive(self, deadline: float) -> dict:
        """The checker's next message (a pipe gives 64 KiB a read: each read is searched
        once, so a message of many megabytes costs linear time)."""
        fd = self.process.stdout.fileno()
        searched = 0
        while (end := self.buffer.find(b"\n", searched)) < 0:
            searched = len(self.buffer)
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(0.0, left))
            if not ready:
                raise TimeoutError("the checker did not answer in time")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise CheckerDied("the checker exited")
            self.buffer += chunk
            if len(self.buffer) > 4 * MAX_MESSAGE_CHARS:
                raise CheckerDied("the checker sent too much")
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        return json.loads(line)

    def begin(self, readonly: list[str], owned: list[str], timeout: float = 300,
              limits=None, diagnosis: dict | None = None, language: str = "en",
              messages: dict[str, str] | None = None) -> list[str]:
        """A fresh namespace for a student; ``limits`` (a ``Limits``): the student's own;
        ``diagnosis``: the reference answers and catalogued mistakes (``Catalogue``);
        ``language`` and its ``messages``: what the checks' verdicts are written in."""
        self.ensure()
        if limits is not None and (limits.memory_mb, limits.processes) != (
                self.limits.memory_mb, self.limits.processes):
            self.limits = limits
            self._watch()
        self.send({"op": "begin", "readonly": readonly, "owned": owned,
                   "diagnosis": diagnosis or {}, "language": language,
                   "messages": messages or {}})
        ready = self.receive(time.monotonic() + timeout)
        return list(ready.get("problems", []))

    def end(self, timeout: float = 60) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.send({"op": "end"})
            self.receive(time.monotonic() + timeout)
        except (CheckerDied, TimeoutError):
            self.stop()

    async def run_test(self, source: str, label: str, bridge: KernelBridgeClient,
                       deadline: float) -> dict:
        """Run a test cell in the checker; its outcome (see ``Session.run_test``).

        On a timeout or a dead checker the outcome says so (and the checker is stopped;
        :meth:`ensure` starts a new one for the next student).
        """
        try:
            self.send({"op": "test", "source": source, "label": label,
                       "seconds_left": max(0.0, deadline - time.monotonic())})
            while True:
                message = self.receive(deadline + 10)
                if message.get("op") == "done":
                    return message
                if message.get("op") != "kernel":
                    raise CheckerDied(f"unexpected message from the checker: {message}"[:200])
                answer = await bridge.request(message.get("request"), deadline, self._callback)
                self.send({"op": "answer", **answer})
        except (CheckerDied, TimeoutError, ValueError) as error:
            self.stop()
            limit = self.stopped_by_watchdog()
            timeout = not limit and (isinstance(error, TimeoutError) or
                                     time.monotonic() >= deadline)
            failed = (f"the checker {limit} while running {label} (what the notebook's kernel "
                      "sent needed more than a kernel may use); it was stopped") if limit else \
                str(error)[:300]
            return {"status": "error", "timeout": timeout, "stdout": "", "stderr": "",
                    "checker_failed": failed,
                    "error": {"ename": "GradingError", "evalue": (
                        "the cell ran past its time" if timeout else failed if limit else
                        "the grader's checker failed while running this test"),
                        "traceback": []}}

    def _callback(self, text: str, deadline: float) -> str:
        self.send({"op": "callback", "text": text})
        answer = self.receive(deadline + 10)
        return str(answer.get("text", ""))


class KernelBridgeClient:
    """Requests of the checker, carried to a student's kernel over its connection ``kc``."""

    def __init__(self, kc):
        self.kc = kc
        self.loaded = False

    async def _execute(self, code: str, deadline: float, callback=None) -> dict:
        """Run ``code`` in the kernel; collect its bridge reply, prints, and callbacks."""
        import zmq
        import zmq.asyncio

        from ..kernels import POLL_SLICE

        kc = self.kc
        msg_id = kc.execute(code, silent=False, store_history=False, allow_stdin=True,
                            stop_on_error=False)
        answer: dict = {"text": None, "stdout": "", "stderr": "", "problem": None}
        poller = zmq.asyncio.Poller()
        iopub, stdin = kc.iopub_channel.socket, kc.stdin_channel.socket
        poller.register(iopub, zmq.POLLIN)
        poller.register(stdin, zmq.POLLIN)
        idle = False
        while not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                answer["problem"] = "timeout"
                return answer
            # short slices: a missed wake-up of the loop (grader.kernels) costs one
            events = dict(await poller.poll(timeout=int(min(left, POLL_SLICE) * 1000) + 1))
            if stdin in events:
                request = await kc.get_stdin_msg(timeout=1)
                prompt = str(request.get("content", {}).get("prompt", ""))
                if request.get("parent_header", {}).get("msg_id") == msg_id and \
                        prompt.startswith(CALLBACK_PROMPT) and callback is not None:
                    kc.input(callback(prompt[len(CALLBACK_PROMPT):], deadline))
                else:  # the student's own input(): nothing to type
                    kc.input("")
            if iopub in events:
                message = await kc.get_iopub_msg(timeout=1)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "status" and content.get("execution_state") == "idle":
                    idle = True
                elif kind == "display_data" and MIME in content.get("data", {}):
                    text = content["data"][MIME]
                    answer["text"] = text if isinstance(text, str) else None
                elif kind == "stream":
                    name = "stderr" if content.get("name") == "stderr" else "stdout"
                    if len(answer[name]) < STREAM_CHARS:
                        answer[name] = (answer[name] + str(content.get("text", "")))[
                            :STREAM_CHARS]
                elif kind == "error" and answer["text"] is None:
                    answer["problem"] = (f"the kernel raised {content.get('ename')}: "
                                         f"{str(content.get('evalue'))[:200]}")
        await self._drain_reply(msg_id, deadline)
        if answer["text"] is None and answer["problem"] is None:
            answer["problem"] = "no answer"
        return answer

    async def _drain_reply(self, msg_id: str, deadline: float) -> None:
        """Read the execute_reply of ``msg_id``, so that it does not wait in the queue."""
        while time.monotonic() < deadline:
            try:
                reply = await self.kc.get_shell_msg(timeout=max(0.1, min(5, deadline -
                                                                        time.monotonic())))
            except Exception:  # noqa: BLE001 - queue.Empty: nothing more to read
                return
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return

    async def request(self, request, deadline: float, callback) -> dict:
        if not isinstance(request, dict):
            return {"problem": "a malformed request"}
        if not self.loaded:
            loaded = await self._execute(bootstrap_code() + "\n__nn_bridge__.handle("
                                         f"{_b64(json.dumps({'op': 'get', 'name': '_'}))!r})",
                                         deadline)
            if loaded["problem"] is not None:
                return {"problem": f"the grader's bridge could not be loaded in the kernel "
                                   f"({loaded['problem']})"}
            self.loaded = True
        return await self._execute(f"__nn_bridge__.handle({_b64(json.dumps(request))!r})",
                                   deadline, callback)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")
