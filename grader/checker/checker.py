"""The checker's side: run a notebook's test cells against functions living in another process.

A :class:`Session` holds one student: the namespace the test cells run in (the
read-only cells of the notebook run there first) and the bridge to the student's
kernel. A test cell is ordinary notebook code; when it reads a name that an answer
cell defines (``sigmoid``), the namespace asks the student's kernel for it and gets a
:class:`StudentFunction` (calling it runs the student's function over there and
brings back its result as data), a model rebuilt from its description, or plain data.
When a test cell assigns such a name (swapping a reference function in for a
dependent one), the assignment is made in the student's namespace too, with the
checker's function as a stub that calls back here, valid until the cell ends.

Whatever comes back is decoded by ``codec`` and ``models``: data only, checked field
by field. A reply that is missing, late, malformed or too large makes the call raise
:class:`BridgeError` (the test fails, and the grader reports it). A value past the
bridge's bounds (``codec.BOUNDS``, per message) fails the call that carried it and is
reported with the function's name and the bounds; every later call has its own budget.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import io
import itertools
import json
import linecache
import secrets
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from helpers.i18n import _ as said
from helpers.i18n import in_english

from .codec import BOUNDS, MAX_MESSAGE_CHARS, BoundError, Decoder, Encoder, WireError, field
from .diagnosis import BUDGET_SECONDS, Catalogue, Progress, Recorder, base_namespace, diagnose
from .models import SpecError, build_model, model_spec

HIDDEN_TESTS = "### BEGIN HIDDEN TESTS"
LIBRARY_MODULES = ("numpy", "math", "keras.activations", "tensorflow.nn", "tensorflow.math")
BUILTIN_NAMES = frozenset(dir(builtins))
WARNING_CATEGORIES = {cls.__name__: cls for cls in (
    RuntimeWarning, UserWarning, DeprecationWarning, FutureWarning, PendingDeprecationWarning,
    SyntaxWarning, ImportWarning, UnicodeWarning, BytesWarning, ResourceWarning)}
EXCEPTIONS = {cls.__name__: cls for cls in (
    ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, AttributeError,
    NameError, AssertionError, RuntimeError, ArithmeticError, OverflowError,
    FloatingPointError, LookupError, RecursionError, UnboundLocalError, MemoryError,
    NotImplementedError)}


class BridgeError(RuntimeError):
    """The student's kernel did not answer the checker with readable data."""


class BridgeTimeout(BridgeError):
    """The student's kernel did not answer in the time left to the cell."""


class StudentCodeError(RuntimeError):
    """The student's function raised an exception of a type that is not a builtin one."""


class Opaque:
    """An object of the student's kernel that is not data (compared by identity only)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<a {self.type_name} object of the notebook>"


class StudentFunction:
    """A function of the student's notebook; calling it runs it in the student's kernel."""

    def __init__(self, session: Session, name: str):
        self._session = session
        self.__name__ = self.__qualname__ = name

    def __call__(self, *args, **kwargs):
        return self._session.call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<function {self.__name__} of the notebook>"


def library_path(function: Any) -> str | None:
    """``"numpy.tanh"`` for a function of an allowed library module, else None."""
    name = getattr(function, "__name__", None)
    if not isinstance(name, str):
        return None
    for module_name in LIBRARY_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if getattr(module, name, None) is function:
            return f"{module_name}.{name}"
    return None


class CheckerNamespace(dict):
    """A test cell's globals: names of the answer cells come from the student's kernel."""

    def __init__(self, session: Session):
        super().__init__(__name__="__main__")
        self._session = session

    def __missing__(self, name: str):
        if name in BUILTIN_NAMES or name not in self._session.owned:
            raise KeyError(name)
        value = self._session.fetch(name)  # KeyError when the notebook has no such name
        dict.__setitem__(self, name, value)
        return value

    def __setitem__(self, name: str, value) -> None:
        dict.__setitem__(self, name, value)
        if name in self._session.owned:
            self._session.bind(name, value)

    def forget_student_names(self) -> None:
        for name in self._session.owned:
            dict.pop(self, name, None)


class Session:
    """One student: the checker's namespace and the bridge to the student's kernel.

    ``kernel(request) -> answer`` sends a request to the student's kernel and returns
    ``{"text": reply JSON or None, "stdout": ..., "stderr": ..., "problem": None or why}``;
    while it waits it hands callback requests to :meth:`callback`. ``nested(request)``
    does the same from inside a callback (a reference function the student's code
    called, which calls a function of the student's in turn): the request travels as
    the callback's answer, and its reply as the kernel's next callback.
    """

    def __init__(self, kernel: Callable[[dict], dict], owned: set[str],
                 nested: Callable[[dict], dict] | None = None,
                 catalogue: Catalogue | None = None):
        import tensorflow as tf

        self.catalogue = catalogue or Catalogue()
        self.recorder = Recorder()
        self._diagnosis_base: dict | None = None
        self._progress: dict[str, Progress] = {}

        self.kernel = kernel
        self.nested = nested
        self.depth = 0
        self.owned = set(owned)
        self.objects: dict[int, Any] = {}      # the kernel's reference -> the object here
        self.reference_of: dict[int, int] = {}  # id(object here) -> the kernel's reference
        self.stubs: dict[str, Callable] = {}    # token -> a function of the checker's
        self.problems: list[str] = []
        self.calling: list[str] = []            # the notebook's functions being called now
        self.encoder = Encoder(self._encode_other)
        self.decoder = Decoder(self._decode_other, tensor=tf.constant)
        self.namespace = CheckerNamespace(self)

    # ------------------------------------------------------------------ values
    def _encode_other(self, value: Any) -> dict:
        import keras

        reference = self.reference_of.get(id(value))
        if reference is not None and self.objects.get(reference) is value:
            return {"t": "ref", "id": reference}
        if isinstance(value, keras.Model):
            return {"t": "model", "spec": model_spec(value, self.encoder.encode)}
        if callable(value):
            path = library_path(value)
            if path is not None:
                return {"t": "libfn", "path": path}
            token = secrets.token_hex(12)
            self.stubs[token] = value
            return {"t": "stub", "token": token,
                    "name": str(getattr(value, "__name__", "function"))[:100]}
        raise BridgeError(f"a {type(value).__name__} cannot be passed to the notebook's code")

    def _remember(self, reference: int, value: Any) -> Any:
        self.objects[reference] = value
        self.reference_of[id(value)] = reference
        return value

    def _decode_other(self, tag: str, message: dict) -> Any:
        if tag == "stub":  # a function of ours, handed back
            function = self.stubs.get(field(message, "token", str))
            return function if function is not None else Opaque("function no longer valid")
        if tag not in ("function", "model", "opaque"):
            raise WireError(f"an unknown tag {tag[:40]!r}")
        reference = field(message, "id", int)
        known = self.objects.get(reference)
        if tag == "function":
            name = field(message, "name", str)
            if isinstance(known, StudentFunction):
                return known
            return self._remember(reference, StudentFunction(self, name[:100] or "function"))
        if tag == "opaque":
            if isinstance(known, Opaque):
                return known
            return self._remember(reference, Opaque(field(message, "type", str)[:100]))
        model = build_model(message.get("spec"), self.decoder.decode)
        if known is not None and _same_architecture(known, model):
            known.set_weights(model.get_weights())  # the same object, as it is now
            if getattr(model, "compiled", False):
                known.compile(loss=model.loss, optimizer=model.optimizer)
            return known
        return self._remember(reference, model)

    def _decode(self, message: Any, whole: bool = False) -> Any:
        """Decode a value of a message (``whole``: the whole message, its own budget)."""
        try:
            return self.decoder.message(message) if whole else self.decoder.decode(message)
        except BoundError as error:
            raise self._bound(str(error)) from None
        except (WireError, SpecError) as error:
            raise self._problem(f"its answer could not be read ({error})") from None

    def _bound(self, text: str) -> BridgeError:
        """A value past the bridge's bounds: the call fails, and the row says which bound."""
        where = self.calling[-1] if self.calling else "a value of the notebook"
        self.problems.append(f"{where}: {text}"[:300])
        return BridgeError(f"{where}: {text}")

    def _problem(self, text: str, kind: type = BridgeError) -> BridgeError:
        self.problems.append(text)
        return kind(f"the notebook's kernel did not answer the grader properly: {text}")

    # ------------------------------------------------------------------ requests
    def _request(self, request: dict) -> dict:
        """Send one request; its reply, a JSON object (each reply has its own budget)."""
        if self.depth and self.nested is None:
            raise BridgeError("a checker function called back cannot call the notebook's code")
        answer = (self.nested if self.depth else self.kernel)(request)
        if answer.get("problem") == "timeout":
            self.problems.append("it ran past the time allowed")
            raise BridgeTimeout("your code ran past the time allowed for this cell (an endless "
                                "loop, or far too slow): grading stopped here, and the cells "
                                "after it did not run")
        if answer.get("problem"):
            raise self._problem(str(answer["problem"])[:200])
        for stream in ("stdout", "stderr"):  # what the student's code printed, shown
            text = answer.get(stream)
            if isinstance(text, str) and text:
                print(text, end="" if text.endswith("\n") else "\n")
        text = answer.get("text")
        if not isinstance(text, str):
            raise self._problem("no answer")
        if len(text) > MAX_MESSAGE_CHARS:
            raise self._bound(f"an answer of {len(text):,} characters ({BOUNDS})")
        try:
            reply = json.loads(text)
        except (ValueError, RecursionError):
            raise self._problem("an answer that is not JSON") from None
        if not isinstance(reply, dict):
            raise self._problem("an answer that is not a JSON object")
        if "bridge_error" in reply:
            raise self._problem(f"the grader's code in the kernel failed: "
                                f"{str(reply['bridge_error'])[:200]}")
        if "past_bounds" in reply:
            raise self._bound(str(reply["past_bounds"])[:250])
        self.decoder.items = 0
        return reply

    def fetch(self, name: str) -> Any:
        with self._calling(name):
            reply = self._request({"op": "get", "name": name})
            if reply.get("found") is False:
                raise KeyError(name)
            if reply.get("found") is not True:
                raise self._problem("a malformed answer to a name's lookup")
            return self._decode(reply.get("value"))

    def bind(self, name: str, value: Any) -> None:
        with self._calling(name):
            self._request({"op": "bind", "name": name, "value": self.encoder.encode(value)})

    @contextlib.contextmanager
    def _calling(self, name: str):
        self.calling.append(str(name)[:100])
        try:
            yield
        finally:
            self.calling.pop()

    def call(self, function: StudentFunction, args: tuple, kwargs: dict) -> Any:
        swapped = {name: value for name, value in dict.items(self.namespace)
                   if name in self.owned and name != function.__name__
                   and not isinstance(value, (StudentFunction, Opaque)) and callable(value)}
        with self._calling(function.__name__), \
                self.recorder.call(function.__name__, args, kwargs, swapped) as record:
            return self._call(function, args, kwargs, record)

    def _call(self, function: StudentFunction, args: tuple, kwargs: dict, record=None) -> Any:
        request = {"op": "call", "target": self.encoder.encode(function),
                   "args": [self.encoder.encode(a) for a in args],
                   "kwargs": {str(k): self.encoder.encode(v) for k, v in kwargs.items()}}
        reply = self._request(request)
        if record is not None:
            record.warned = any(isinstance(w, dict) and w.get("category") == "RuntimeWarning"
                                for w in reply.get("warnings") or [])
        for warning in reply.get("warnings") or []:
            if isinstance(warning, dict) and isinstance(warning.get("message"), str):
                category = WARNING_CATEGORIES.get(warning.get("category"), UserWarning)
                _warn_from_student_line(warning, category)
        changed = reply.get("changed") or {}
        if not isinstance(changed, dict):
            raise self._problem("a malformed list of changed arguments")
        for key, message in changed.items():
            target = args[int(key)] if key.isdigit() and int(key) < len(args) else kwargs.get(key)
            _write_back(target, self._decode(message))
        error = reply.get("error")
        if isinstance(error, dict) and error.get("type") == "BoundError":  # its stub's call
            self.problems.append(f"{function.__name__}: {str(error.get('message'))[:250]}")
        if error is not None:
            if record is not None and isinstance(error, dict) and not error.get("unwritten"):
                record.failed(str(error.get("type", "Exception")), str(error.get("message", "")))
            raise _student_exception(function.__name__, error)
        if "result" not in reply:
            raise self._problem("an answer with no result")
        result = self._decode(reply["result"])
        if record is not None:
            record.returned(result)
        return result

    def callback(self, text: str) -> str:
        """Run a checker function that the student's code called through a stub."""
        try:
            if not isinstance(text, str):
                raise WireError("not text")
            if len(text) > MAX_MESSAGE_CHARS:
                raise self._bound(f"a call of {len(text):,} characters ({BOUNDS})")
            request = json.loads(text)
            function = self.stubs.get(request.get("token"))
            if function is None:
                return json.dumps({"error": "this function is only valid while its test runs"})
            self.decoder.items = 0  # one callback, one message: its own budget
            args = [self._decode(a) for a in request.get("args", [])]
            kwargs = {str(k): self._decode(v) for k, v in dict(request.get("kwargs", {})).items()}
            self.depth += 1
            try:
                value = function(*args, **kwargs)
            finally:
                self.depth -= 1
            return json.dumps({"value": self.encoder.encode(value)})
        except Exception as error:  # noqa: BLE001 - said to the caller, over there
            return json.dumps({"error": f"{type(error).__name__}: {str(error)[:300]}"})

    # ------------------------------------------------------------------ cells
    def run_readonly(self, sources: list[str]) -> None:
        """Run the notebook's read-only cells here (imports, setup, data); output dropped."""
        import matplotlib.pyplot as plt

        for index, source in enumerate(sources):
            try:
                with contextlib.redirect_stdout(io.StringIO()), \
                        contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    exec(compile(source, f"<read-only cell {index}>", "exec"), self.namespace)
            except Exception as error:  # noqa: BLE001 - reported; the tests then fail
                self.problems.append(f"read-only cell {index} failed in the checker: "
                                     f"{type(error).__name__}: {str(error)[:200]}")
            finally:
                plt.close("all")

    def run_test(self, source: str, label: str, seconds_left: float | None = None) -> dict:
        """Run one test cell; its outputs, whether it raised and, when it failed with a
        graded function's wrong answer, the catalogued mistakes that answer agrees with on
        every call so far (``diagnosis``: the function and its ``[mistake, message]``
        pairs, none when no mistake agrees; absent when there was nothing to replay or
        the replay ran out of time)."""
        import matplotlib.pyplot as plt

        stdout, stderr = io.StringIO(), io.StringIO()
        outcome: dict = {"status": "ok", "timeout": False}
        function = _function_of(label)
        self.recorder.watch({function} & set(self.catalogue.mistakes))
        # a hidden test's messages are read by the grader, by their English words, and
        # never shown: they are English whatever the student's language
        language = in_english() if HIDDEN_TESTS in source else contextlib.nullcontext()
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), language:
                exec(compile(source, f"<{label}>", "exec"), self.namespace)
        except Exception as error:  # noqa: BLE001 - the test failed: that is the outcome
            outcome.update(status="error", timeout=isinstance(error, BridgeTimeout),
                           error=_error_output(error, label))
            if not isinstance(error, (BridgeError, NotImplementedError)):
                found = self._diagnose(function, seconds_left)
                if found is not None:  # [] when it ran and no mistake agrees (its sentence
                    # in the student's language: the grader gave the checker its messages)
                    outcome["diagnosis"] = {"function": function, "mistakes": [
                        [mistake, said(message)] for mistake, message in found]}
        finally:
            self.stubs.clear()  # no stub outlives its cell
            self.namespace.forget_student_names()
            plt.close("all")
        outcome.update(stdout=stdout.getvalue(), stderr=stderr.getvalue())
        return outcome


    def _diagnose(self, function: str, seconds_left: float | None) -> list | None:
        calls = self.recorder.calls.get(function)
        budget = BUDGET_SECONDS if seconds_left is None else min(BUDGET_SECONDS,
                                                                 seconds_left / 4)
        if not calls or budget <= 0:
            return None
        if self._diagnosis_base is None:
            readonly = {k: v for k, v in dict.items(self.namespace) if k not in self.owned}
            self._diagnosis_base = base_namespace(readonly, self.catalogue.references)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return diagnose(function, calls, self.catalogue.mistakes[function],
                            self._diagnosis_base, budget,
                            self._progress.setdefault(function, Progress()))


def _function_of(label: str) -> str:
    """``softmax`` for the test cell ``test_softmax_hidden``."""
    for suffix in ("_visible", "_hidden"):
        if label.startswith("test_") and label.endswith(suffix):
            return label[len("test_"):-len(suffix)]
    return label


def _same_architecture(a, b) -> bool:
    try:
        return [w.shape for w in a.get_weights()] == [w.shape for w in b.get_weights()] and [
            type(x).__name__ for x in a.layers] == [type(x).__name__ for x in b.layers]
    except Exception:  # noqa: BLE001
        return False


def _write_back(target: Any, value: Any) -> None:
    """Make ``target`` (an argument the checker passed) what the student's call left it."""
    if isinstance(target, np.ndarray):
        if isinstance(value, np.ndarray) and value.shape == target.shape:
            target[...] = value.astype(target.dtype, copy=False)
        else:
            target[...] = np.nan if target.dtype.kind == "f" else target  # changed beyond
    elif isinstance(target, list) and isinstance(value, list):
        target[:] = value
    elif isinstance(target, dict) and isinstance(value, dict):
        target.clear()
        target.update(value)


def _student_exception(name: str, error: Any) -> BaseException:
    from helpers.checks import NotWritten, not_written_message

    if not isinstance(error, dict):
        return BridgeError("a malformed exception")
    unwritten = error.get("unwritten")
    if isinstance(unwritten, str) and unwritten:
        where = "in the cell above" if unwritten == name else "in its cell"
        return NotWritten(not_written_message(unwritten[:100], where))
    kind = str(error.get("type", "Exception"))[:100]
    message = str(error.get("message", ""))[:1000]
    lines = [str(line)[:300] for line in error.get("lines") or [] if isinstance(line, str)][:4]
    text = f"{message}" + "".join(f"\n  in your code: {line}" for line in lines)
    cls = EXCEPTIONS.get(kind)
    if cls is None:
        return StudentCodeError(f"{kind}: {text}")
    return cls(text)


def _error_output(error: BaseException, label: str) -> dict:
    """An error as a notebook output: the test cell's own lines and the message."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == f"<{label}>"]
    lines = ["Traceback (most recent call last):"] + [
        f"  {label}, line {f.lineno}" for f in frames] + [
        f"{type(error).__name__}: {error}"]
    return {"ename": type(error).__name__, "evalue": str(error)[:4000], "traceback": lines}


_student_lines = itertools.count()


def _warn_from_student_line(warning: dict, category: type[Warning]) -> None:
    """Raise a warning the student's kernel reported, located at the student's own line
    (a pseudo-file holding that line alone), so a check names it, not the checker."""
    lineno = warning.get("lineno") if isinstance(warning.get("lineno"), int) else 0
    line = warning.get("line") if isinstance(warning.get("line"), str) else ""
    if not (0 < lineno < 100_000 and line):
        warnings.warn(warning["message"][:500], category, stacklevel=3)
        return
    filename = f"<student code {next(_student_lines)}>"
    linecache.cache[filename] = (len(line), None, [""] * (lineno - 1) + [line[:200] + "\n"],
                                 filename)
    warnings.warn_explicit(warning["message"][:500], category, filename, lineno)
