"""Naming a student's mistake: the failing test's calls, replayed on catalogued mistakes.

While a student's test cells run, the checker records every call of the graded
functions (what each was given, what it returned or raised, what it left its arguments
as, whether NumPy warned). When a cell fails, :func:`diagnose` runs each catalogued
wrong answer for
that cell's function (``grader/mistakes``), here in the checker and never in the
student's kernel, on copies of the arguments of every call so far (the visible tests'
and the hidden tests'), in a namespace holding the notebook's
read-only cells and the reference answers of the other functions. A mistake is named
when it agrees with the student's function on every recorded call (the same value, or
an exception of the same type) and at least one call says more than "both raised": the
same value, or the same exception with the same message (NumPy's name the shapes).
Where several agree, all are named; where none does, or the replay runs past its time
budget, nothing is claimed.

Agreement: the same kind of value (an array, a tensor, a list, a tuple, a dict, a
int, a float, a bool, a string, a model) at every level; arrays of the same shape and the
same dtype and values within ``RTOL``/``ATOL`` (float32: ``RTOL_FLOAT32``; NaN
equal to NaN); models with the same layers, settings, weight shapes, input shape,
optimizer and its settings, and a loss that computes the same numbers on probe inputs
(weights' values, names and what the loss calls itself left out); an exception of the same type; the
same arguments afterwards (a mistake that changes the caller's array agrees only with a
student's function that changes it the same way; models passed in are left out: the
bridge does not bring a model's changes back); a ``RuntimeWarning`` on the same calls.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# both sides compute with the same libraries on the same inputs, so an agreeing mistake
# agrees to round-off: float64 values within 1e-9 (relative), float32 ones within 2e-6
RTOL, ATOL = 1e-9, 1e-12
RTOL_FLOAT32, ATOL_FLOAT32 = 2e-6, 1e-9
BUDGET_SECONDS = 10.0  # per failing test cell; past it, nothing is claimed


@dataclass
class Call:
    """One call of a graded function, as the checker saw it."""

    args: tuple                   # copies taken before the call, to replay it
    kwargs: dict
    before: Any                   # comparable forms (``comparable``) ...
    after: Any = None             # ... of (args, kwargs) before and after the call
    result: Any = None            # comparable form of what it returned
    raised: str | None = None     # or the exception it raised: "ValueError: message"
    warned: bool = False          # a RuntimeWarning during the call
    finished: bool = False
    swapped: dict = field(default_factory=dict)  # the test's own versions of other graded
    #                                             functions, in place during the call

    def returned(self, result: Any) -> None:
        self.result, self.finished = comparable(result), True

    def failed(self, type_name: str, message: str = "") -> None:
        self.raised, self.finished = raised(type_name, message), True


def raised(type_name: str, message: str) -> str:
    """An exception as compared: its type's name and its message (as the kernel sends it)."""
    return f"{type_name[:100]}: {str(message)[:1000]}"


@dataclass
class Catalogue:
    """What the checker needs to diagnose one assignment (data, from the spec)."""

    references: dict[str, str] = field(default_factory=dict)  # grade id -> solution source
    mistakes: dict[str, list[list[str]]] = field(default_factory=dict)  # -> [[name, src, msg]]

    @classmethod
    def from_message(cls, message: Any) -> Catalogue:
        message = message if isinstance(message, dict) else {}
        return cls(dict(message.get("references") or {}), dict(message.get("mistakes") or {}))


# ------------------------------------------------------------------ values

def replay_copy(value: Any) -> Any:
    """An independent copy of an argument, to hand to a mistake's function."""
    import keras

    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [replay_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(replay_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: replay_copy(v) for k, v in value.items()}
    if isinstance(value, set):
        return set(value)
    if isinstance(value, keras.Model):
        clone = keras.models.clone_model(value)
        clone.set_weights(value.get_weights())
        return clone
    return value


def comparable(value: Any, models: bool = True) -> Any:
    """A value as plain data to compare: (kind, content) pairs all the way down
    (``models=False``: every model alike, as for arguments, whose changes the bridge does
    not carry back for models)."""
    import keras
    import tensorflow as tf

    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, np.integer)):
        return ("int", float(value))
    if isinstance(value, (float, np.floating)):
        return ("float", float(value))
    if isinstance(value, str):
        return ("str", value)
    if value is None:
        return ("none", None)
    if isinstance(value, np.ndarray):
        return ("array", np.array(value))
    if isinstance(value, tf.Tensor):
        return ("tensor", np.array(value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [comparable(v, models) for v in value])
    if isinstance(value, set):
        return ("set", sorted(map(repr, value)))
    if isinstance(value, dict):
        return ("dict", {str(k): comparable(v, models) for k, v in value.items()})
    if isinstance(value, keras.Model):
        return ("model", model_outline(value) if models else None)
    return ("object", id(value))  # compared by identity: never agrees with a new object


def model_outline(model: Any) -> Any:
    """A model's description with weights as shapes and without its name."""
    from .models import model_spec

    spec = model_spec(model, lambda array: list(np.shape(array)))
    spec.pop("name", None)
    spec.pop("metrics", None)  # a rebuilt model keeps its loss and optimizer, not metrics
    if isinstance(spec.get("loss"), dict):  # what it computes, not what it is called
        spec["loss"] = {"probe": spec["loss"].get("probe")}
    return spec


def same(a: Any, b: Any) -> bool:
    """Whether two ``comparable`` forms agree (see the module's docstring)."""
    if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str):
        if not (isinstance(b, tuple) and len(b) == 2 and a[0] == b[0]):
            return False
        kind, x, y = a[0], a[1], b[1]
        if kind in ("array", "tensor"):
            return _same_arrays(x, y)
        if kind in ("int", "float"):
            return _close(x, y)
        if kind in ("list", "tuple"):
            return len(x) == len(y) and all(same(p, q) for p, q in zip(x, y, strict=True))
        if kind == "dict":
            return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
        if kind == "model":  # a loss's probe values: float32 on one side, float64 on the other
            return _same_plain(x, y, RTOL_FLOAT32)
        return x == y
    return _same_plain(a, b)


def _close(x: float, y: float, rtol: float = RTOL) -> bool:
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= ATOL + rtol * abs(y)


def _same_arrays(x: np.ndarray, y: np.ndarray) -> bool:
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.dtype.kind not in "biuf":
        return bool(np.array_equal(x, y))
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    single = x.dtype.kind == "f" and x.dtype.itemsize < 8
    rtol, atol = (RTOL_FLOAT32, ATOL_FLOAT32) if single else (RTOL, ATOL)
    with np.errstate(all="ignore"):
        return bool(np.allclose(x64, y64, rtol=rtol, atol=atol, equal_nan=True))


def _same_plain(x: Any, y: Any, rtol: float = RTOL) -> bool:
    """Plain JSON-like data (a model's outline): floats within ``rtol``."""
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same_plain(x[k], y[k], rtol) for k in x)
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return len(x) == len(y) and all(_same_plain(p, q, rtol)
                                        for p, q in zip(x, y, strict=True))
    if isinstance(x, bool) or isinstance(y, bool):
        return x == y
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return _close(float(x), float(y), rtol)
    return x == y


# ------------------------------------------------------------------ recording

class Recorder:
    """Records the calls of the functions named in ``watched`` (the graded ones), over
    all of one student's test cells: a mistake must agree with the visible tests' calls
    and the hidden tests' alike (at most ``MAX_CALLS`` calls per function are kept)."""

    MAX_CALLS = 64

    def __init__(self):
        self.watched: set[str] = set()
        self.calls: dict[str, list[Call]] = {}

    def watch(self, watched: set[str]) -> None:
        self.watched = set(watched)

    @contextlib.contextmanager
    def call(self, name: str, args: tuple, kwargs: dict, swapped: dict | None = None):
        """Around one call: yields its record (None when ``name`` is not watched), to which
        the caller gives the result (:meth:`Call.returned`) and whether NumPy warned.
        ``swapped``: the functions a test put in place of other graded ones (the student's
        code calls those during this call; so does the replay)."""
        if name not in self.watched or len(self.calls.get(name, ())) >= self.MAX_CALLS:
            yield None
            return
        record = Call(tuple(replay_copy(a) for a in args),
                      {k: replay_copy(v) for k, v in kwargs.items()},
                      comparable((list(args), dict(kwargs)), models=False),
                      swapped=dict(swapped or {}))
        self.calls.setdefault(name, []).append(record)
        try:
            yield record
        finally:  # a call the caller did not mark finished (a bridge error) is not compared
            record.after = comparable((list(args), dict(kwargs)), models=False)


# ------------------------------------------------------------------ replaying

def base_namespace(readonly: dict, references: dict[str, str]) -> dict:
    """The read-only cells' names and the reference answers' functions (defs and imports
    only: a solution cell's other statements are not run)."""
    namespace = dict(readonly)
    namespace["__name__"] = "__main__"
    for grade_id, source in references.items():
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        tree.body = [node for node in tree.body if isinstance(node, (
            ast.FunctionDef, ast.Import, ast.ImportFrom, ast.ClassDef))]
        with contextlib.suppress(Exception):
            exec(compile(tree, f"<reference {grade_id}>", "exec"), namespace)
    return namespace


def _replay(function: Any, call: Call) -> Call:
    args = tuple(replay_copy(a) for a in call.args)
    kwargs = {k: replay_copy(v) for k, v in call.kwargs.items()}
    mine = Call(args, kwargs, None)
    with warnings.catch_warnings(record=True) as caught, np.errstate(  # as in the kernel
            over="warn", divide="warn", invalid="warn", under="ignore"), \
            contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("always")
        try:
            mine.result = comparable(function(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - a mistake may raise, as students' do
            mine.raised = raised(type(error).__name__, str(error))
    mine.warned = any(issubclass(w.category, RuntimeWarning) for w in caught)
    mine.after = comparable((list(args), dict(kwargs)), models=False)
    return mine


def _agrees_on(function: Any, call: Call) -> bool | None:
    """Whether ``function`` does what the student's did on ``call``: False, or True when
    that is evidence (see :func:`agrees`), None when it agrees but says nothing more."""
    scope = getattr(function, "__globals__", {})
    kept = {name: scope[name] for name in call.swapped if name in scope}
    scope.update(call.swapped)
    try:
        mine = _replay(function, call)
    finally:
        scope.update(kept)
    if _type_of(mine.raised) != _type_of(call.raised) or mine.warned != call.warned:
        return False
    if call.raised is None and not same(mine.result, call.result):
        return False
    if not same(mine.after, call.after):
        return False
    # a value, or the same exception with the same message (NumPy's names the shapes;
    # the message may differ where a test swapped in its own version of a function)
    if call.raised is None or (mine.raised == call.raised and not call.raised.endswith(": ")):
        return True
    return None


def agrees(function: Any, calls: list[Call]) -> bool:
    """Whether ``function`` does what the student's did on every recorded call, and at
    least one call is evidence: a value, or the same exception with the same message."""
    evidence = False
    for call in calls:
        verdict = _agrees_on(function, call)
        if verdict is False:
            return False
        evidence = evidence or bool(verdict)
    return evidence


def _type_of(raised: str | None) -> str | None:
    return None if raised is None else raised.split(":", 1)[0]


@dataclass
class Progress:
    """One student's diagnosis of one function so far (it runs again at each failing
    test cell, on the calls recorded since: a mistake ruled out stays out)."""

    checked: int = 0                                      # calls already replayed
    functions: dict[str, Any] = field(default_factory=dict)  # mistake -> its function
    out: set[str] = field(default_factory=set)            # mistakes that disagreed
    evidence: set[str] = field(default_factory=set)


def diagnose(name: str, calls: list[Call], candidates: list[list[str]], namespace: dict,
             budget: float = BUDGET_SECONDS, progress: Progress | None = None
             ) -> list[list[str]] | None:
    """The ``[mistake, message]`` pairs of the candidates (``[mistake, source, message]``)
    whose ``name`` agrees with every call; None when the replay ran past ``budget``
    seconds (nothing claimed) or there is nothing to compare. ``progress`` carries what
    an earlier diagnosis of the same calls found, so only the newer calls are replayed."""
    calls = [c for c in calls if c.finished]
    if not calls or not candidates:
        return None
    progress = progress or Progress()
    deadline = time.monotonic() + budget
    for mistake, source, _ in candidates:
        if mistake in progress.out:
            continue
        if time.monotonic() > deadline:
            return None
        function = progress.functions.get(mistake)
        if function is None:
            scope = dict(namespace)
            try:
                with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    exec(compile(source, f"<mistake {mistake}>", "exec"), scope)
                function = progress.functions[mistake] = scope[name]
            except Exception:  # noqa: BLE001 - a catalogue entry that cannot run names nothing
                progress.out.add(mistake)
                continue
        for call in calls[progress.checked:]:
            verdict = _agrees_on(function, call)
            if verdict is False:
                progress.out.add(mistake)
                break
            if verdict:
                progress.evidence.add(mistake)
    if time.monotonic() > deadline:
        return None
    progress.checked = len(calls)
    return [[mistake, message] for mistake, _, message in candidates
            if mistake not in progress.out and mistake in progress.evidence]
