"""The bridge's end inside the student's kernel (loaded there as source text by the grader).

The grader sends ``__nn_bridge__.handle("<base64 JSON request>")``; the answer is one
display message of type ``text/x-nn-bridge`` holding the JSON reply. Requests:

- ``get`` a name of the notebook: its value (a function or model by reference);
- ``call`` a function of the notebook with arguments; the reply holds the result, the
  arguments that the call changed (as they are after it), the warnings it raised and,
  if it raised, the exception (its type, message and the notebook's own lines);
- ``bind`` a name of the notebook to a value (a test swapping in a reference function).

A function the checker passes in (a test's ``identity``, a reference function) arrives
as a stub: calling it asks the checker, through the kernel's input channel, to run the
function there. Nothing here is trusted by the checker: it reads every reply as data.
"""

from __future__ import annotations

import base64
import copy
import json
import linecache
import sys
import traceback
import warnings

import numpy as np

from .codec import BOUNDS, MAX_MESSAGE_CHARS, BoundError, Decoder, Encoder, WireError, field
from .models import build_model, model_spec

MIME = "text/x-nn-bridge"
CALLBACK_PROMPT = "\x00nn-bridge-callback:"
LIBRARY_MODULES = ("numpy", "math", "keras.activations", "tensorflow.nn", "tensorflow.math")
BRIDGE_FILE = "<nn-bridge>"


class Stub:
    """A function of the checker's, called through the kernel's input channel."""

    def __init__(self, bridge: KernelBridge, token: str, name: str):
        self.bridge, self.token, self.__name__ = bridge, token, name

    def __call__(self, *args, **kwargs):
        request = {"op": "callback", "token": self.token,
                   "args": [self.bridge.encoder.encode(a) for a in args],
                   "kwargs": {k: self.bridge.encoder.encode(v) for k, v in kwargs.items()}}
        reply = json.loads(self._ask(request))
        while isinstance(reply, dict) and "call" in reply:  # the checker calls our code back
            result = self.bridge.dispatch(reply["call"])
            reply = json.loads(self._ask({"op": "result", "reply": result}))
        if reply.get("error"):
            raise RuntimeError(f"{self.__name__}: {reply['error']}")
        return self.bridge.decoder.message(reply["value"])  # a message: its own budget

    def _ask(self, request: dict) -> str:
        text = json.dumps(request, separators=(",", ":"))
        if len(text) > MAX_MESSAGE_CHARS:  # the checker would refuse it: the caller fails
            raise BoundError(f"a call of {self.__name__} of {len(text):,} characters ({BOUNDS})")
        return self.bridge.shell.kernel.raw_input(CALLBACK_PROMPT + text)


def _student_frames(tb) -> list[str]:
    """The notebook's own lines of a traceback (not the bridge's, not a library's)."""
    lines = []
    for frame in traceback.extract_tb(tb):
        if frame.filename == BRIDGE_FILE or "site-packages" in frame.filename or \
                frame.filename.startswith((sys.prefix, sys.base_prefix)):
            continue
        lines.append(f"{frame.name}, line {frame.lineno}: {(frame.line or '').strip()}")
    return lines[-4:]


class KernelBridge:
    def __init__(self, shell):
        self.shell = shell
        self.objects: dict[int, object] = {}
        self.encoder = Encoder(self._encode_other)
        self.decoder = Decoder(self._decode_other, tensor=self._tensor)

    # -- values
    def _ref(self, value) -> int:
        self.objects[id(value)] = value  # kept alive, so the id stays this object's
        return id(value)

    def _encode_other(self, value) -> dict:
        try:
            import keras

            if isinstance(value, keras.Model):
                spec = model_spec(value, lambda a: self.encoder.encode(a))
                return {"t": "model", "id": self._ref(value), "spec": spec}
        except ImportError:
            pass
        if isinstance(value, Stub):
            return {"t": "stub", "token": value.token, "name": value.__name__}
        if callable(value):
            return {"t": "function", "id": self._ref(value),
                    "name": str(getattr(value, "__name__", type(value).__name__))[:100]}
        return {"t": "opaque", "id": self._ref(value), "type": type(value).__name__[:100]}

    def _decode_other(self, tag: str, message: dict):
        if tag == "ref":
            ref = field(message, "id", int)
            if ref not in self.objects:
                raise WireError("a reference to an unknown object")
            return self.objects[ref]
        if tag == "stub":
            return Stub(self, field(message, "token", str), field(message, "name", str))
        if tag == "libfn":
            path = field(message, "path", str)
            module, _, name = path.rpartition(".")
            if module not in LIBRARY_MODULES:
                raise WireError("a library function from elsewhere")
            import importlib

            return getattr(importlib.import_module(module), name)
        if tag == "model":
            return build_model(message.get("spec"), self.decoder.decode)
        raise WireError(f"an unknown tag {tag!r}")

    @staticmethod
    def _tensor(array):
        import tensorflow as tf

        return tf.constant(array)

    # -- requests
    def handle(self, text: str) -> None:
        from IPython.display import publish_display_data

        text = json.dumps(self.dispatch(json.loads(base64.b64decode(text))),
                          separators=(",", ":"))
        if len(text) > MAX_MESSAGE_CHARS:
            text = json.dumps({"past_bounds": f"an answer of {len(text):,} characters ({BOUNDS})"})
        publish_display_data({MIME: text})

    def dispatch(self, request: dict) -> dict:
        """Answer one request; each is one message, with its own budget of values."""
        self.decoder.items = 0
        try:
            if request.get("op") not in ("get", "bind", "call"):
                raise WireError("an unknown request")
            return getattr(self, "_op_" + request["op"])(request)
        except BoundError as error:  # a value past the bounds: this call fails, no other
            return {"past_bounds": str(error)[:500]}
        except Exception as error:  # noqa: BLE001 - said in the reply, not raised
            return {"bridge_error": f"{type(error).__name__}: {str(error)[:300]}"}

    def _op_get(self, request: dict) -> dict:
        namespace = self.shell.user_ns
        name = request["name"]
        if name not in namespace:
            return {"found": False}
        return {"found": True, "value": self.encoder.encode(namespace[name])}

    def _op_bind(self, request: dict) -> dict:
        self.shell.user_ns[request["name"]] = self.decoder.decode(request["value"])
        return {"bound": True}

    def _op_call(self, request: dict) -> dict:
        function = self.decoder.decode(request["target"])
        args = [self.decoder.decode(a) for a in request["args"]]
        kwargs = {k: self.decoder.decode(v) for k, v in request["kwargs"].items()}
        before = [copy.deepcopy(a) if isinstance(a, (np.ndarray, list, dict)) else None
                  for a in args]
        before_kw = {k: copy.deepcopy(v) for k, v in kwargs.items()
                     if isinstance(v, (np.ndarray, list, dict))}
        reply: dict = {}
        with warnings.catch_warnings(record=True) as caught, np.errstate(
                over="warn", divide="warn", invalid="warn", under="ignore"):
            warnings.simplefilter("always")
            try:
                result = function(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - the student's exception, as data
                reply["error"] = self._error(error)
        if "error" not in reply:
            reply["result"] = self.encoder.encode(result)
        reply["warnings"] = [{"category": w.category.__name__, "message": str(w.message)[:500],
                              "lineno": int(w.lineno or 0),  # the student's line, for the hint
                              "line": linecache.getline(w.filename or "", w.lineno or 0
                                                        ).strip()[:200]}
                             for w in caught[:20]]
        changed = {}
        for index, (old, new) in enumerate(zip(before, args, strict=True)):
            if old is not None and not _same(old, new):
                changed[str(index)] = self.encoder.encode(new)
        for key, old in before_kw.items():
            if not _same(old, kwargs[key]):
                changed[key] = self.encoder.encode(kwargs[key])
        reply["changed"] = changed
        return reply

    @staticmethod
    def _error(error: BaseException) -> dict:
        frames = traceback.extract_tb(error.__traceback__)
        innermost = frames[-1] if frames else None
        unwritten = None
        if type(error) is NotImplementedError and innermost is not None and innermost.name != (
                "<module>") and innermost.filename != BRIDGE_FILE and "site-packages" not in (
                innermost.filename) and not innermost.filename.startswith(
                (sys.prefix, sys.base_prefix)):
            unwritten = innermost.name
        return {"type": type(error).__name__[:100], "message": str(error)[:1000],
                "lines": _student_frames(error.__traceback__), "unwritten": unwritten}


def _same(a, b) -> bool:
    try:
        if isinstance(a, np.ndarray):
            return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
                bool(np.array_equal(a, b, equal_nan=True))
        if isinstance(a, list):
            return isinstance(b, list) and len(a) == len(b) and all(
                _same(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(
                _same(a[k], b[k]) for k in a)
        return bool(a == b) if isinstance(a, (int, float, str, bool, type(None))) else True
    except Exception:  # noqa: BLE001
        return False
