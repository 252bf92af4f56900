"""The checker process: ``python -m grader.checker`` (or ``python -m checker`` in its sandbox).

Reads one JSON message per line on its standard input and answers on its standard
output (both are the worker's pipes; anything else the process prints goes to its
standard error, the worker's log):

    {"op": "begin", "readonly": [sources], "owned": [names],
     "diagnosis": {"references": ..., "mistakes": ...},
     "language": "es", "messages": {english: translation}}   -> {"op": "ready", ...}
    {"op": "test", "source": ..., "label": ..., "seconds_left": ...}
                                                               -> {"op": "done", ...}
    {"op": "end"}                                              -> {"op": "ended"}

While a test runs it asks the worker to pass requests to the student's kernel,
``{"op": "kernel", "request": {...}}``, and reads the answer, ``{"op": "answer", ...}``;
a callback from the kernel arrives as ``{"op": "callback", "text": ...}`` and is
answered with ``{"op": "callback-answer", "text": ...}`` before the answer comes.
Between students the namespace is dropped: a fresh one per student, hidden tests held
only while they run.
"""

from __future__ import annotations

import gc
import json
import os
import sys


def _protocol_files():
    """The pipes to the worker, and fds 0 and 1 pointed away from them."""
    incoming = os.fdopen(os.dup(0), "r", encoding="utf-8")
    outgoing = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # a stray print, or a library writing to fd 1, goes to the log
    sys.stdout = os.fdopen(1, "w", encoding="utf-8", closefd=False)
    return incoming, outgoing


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("NBGRADER_EXECUTION", "autograde")
    incoming, outgoing = _protocol_files()

    def send(message: dict) -> None:
        outgoing.write(json.dumps(message) + "\n")
        outgoing.flush()

    def receive() -> dict:
        line = incoming.readline()
        if not line:
            raise SystemExit(0)
        return json.loads(line)

    def kernel(request: dict) -> dict:
        send({"op": "kernel", "request": request})
        while True:
            message = receive()
            if message.get("op") == "callback":
                send({"op": "callback-answer", "text": session.callback(message.get("text"))})
            elif message.get("op") == "answer":
                return message
            else:
                return {"problem": "the worker answered out of turn"}

    def nested(request: dict) -> dict:
        """A call of the student's code from inside a callback: sent as its answer."""
        send({"op": "callback-answer", "text": json.dumps({"call": request})})
        while True:
            message = receive()
            if message.get("op") != "callback":
                return {"problem": "the worker answered out of turn"}
            text = message.get("text")
            try:
                reply = json.loads(text) if isinstance(text, str) else None
            except ValueError:
                reply = None
            if isinstance(reply, dict) and reply.get("op") == "result":
                return {"text": json.dumps(reply.get("reply")), "stdout": "", "stderr": ""}
            send({"op": "callback-answer", "text": session.callback(text)})

    # warm up: what every student's tests need, imported once for the process's life
    import keras  # noqa: F401
    import matplotlib

    matplotlib.use("Agg")
    import helpers.checks  # noqa: F401
    import helpers.i18n

    from .checker import Session
    from .diagnosis import Catalogue

    session = None
    send({"op": "started"})
    while True:
        message = receive()
        op = message.get("op")
        if op == "begin":
            keras.backend.clear_session()
            language = message.get("language")
            helpers.i18n.set_language(language if isinstance(language, str) else "en",
                                      message.get("messages") or {})
            session = Session(kernel, set(message.get("owned", [])), nested,
                              Catalogue.from_message(message.get("diagnosis")))
            session.run_readonly(list(message.get("readonly", [])))
            send({"op": "ready", "problems": session.problems})
        elif op == "test" and session is not None:
            left = message.get("seconds_left")
            outcome = session.run_test(message["source"], message["label"],
                                       float(left) if isinstance(left, (int, float)) else None)
            send({"op": "done", **outcome, "problems": session.problems})
        elif op == "end":
            session = None
            gc.collect()
            send({"op": "ended"})
        else:
            send({"op": "error", "detail": f"unexpected message {str(op)[:40]}"})


if __name__ == "__main__":
    sys.exit(main())
