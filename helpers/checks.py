"""Checks that test cells call: a failure says what to fix.

Every failure is a :class:`CheckFailed` (an ``AssertionError``) whose message names the
function, the inputs, what was expected, what came back, and a hint. A passing check
prints one line to stdout and nothing to stderr (nbgrader gives no points to a test
cell that writes to stderr).

    got = expect(sigmoid, {"z": np.array([0.0, 2.0])}, [0.5, 0.880797], rtol=1e-6,
                 hint="sigmoid(z) = 1 / (1 + exp(-z))")

Two modes. Under graded execution (``NBGRADER_EXECUTION`` set: nbgrader's validate and
autograde, and the course's grader) a failing check raises, so the test cell fails.
Everywhere else (a student's Run All) it prints one short message (what failed, the
hint) and returns, so the notebook runs on; the later checks of the same cell are
skipped. An exercise still holding ``raise NotImplementedError()`` says so in one line.
Demo cells that call the student's functions run inside :func:`needs`, which does the
same for them.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import linecache
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import i18n
from . import nn as _nn
from .i18n import _

__all__ = [
    "CheckFailed",
    "check_compiled_model",
    "check_dense_model",
    "check_model_loss",
    "expect",
    "expect_equal",
    "graded_execution",
    "needs",
    "passed",
    "show",
]

_HELPERS_DIR = str(Path(__file__).resolve().parent)


class _MessageOnly:
    """IPython shows the message alone: no traceback through the course's own code."""

    def _render_traceback_(self) -> list[str]:
        return f"{type(self).__name__}: {self}".splitlines()


class CheckFailed(_MessageOnly, AssertionError):
    """A check of a student's answer failed; the message says why and what to try."""


class NotWritten(_MessageOnly, NotImplementedError):
    """An exercise still holds ``raise NotImplementedError()``; the message names it."""


def graded_execution() -> bool:
    """True while nbgrader (validate, autograde) or the course's grader runs the notebook."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


_LIBRARY_DIRS = tuple({_HELPERS_DIR, sys.prefix, sys.base_prefix, sys.exec_prefix})


def _frames_outside_helpers(tb) -> list[traceback.FrameSummary]:
    """The frames of a traceback that are the notebook's code: not the course's helpers,
    not Python's or an installed library's."""
    return [frame for frame in traceback.extract_tb(tb)
            if not frame.filename.startswith(_LIBRARY_DIRS)
            and "site-packages" not in frame.filename]


def unwritten_function(error: BaseException) -> str | None:
    """The function whose ``raise NotImplementedError()`` raised ``error``, if it is that.

    Only a function of the notebook's own code counts (a library's NotImplementedError
    is a real error)."""
    if not isinstance(error, NotImplementedError) or isinstance(error, NotWritten):
        return None
    frames = traceback.extract_tb(error.__traceback__)
    if not frames or frames[-1].name == "<module>" or frames[-1] not in _frames_outside_helpers(
            error.__traceback__):
        return None
    return frames[-1].name


def not_written_message(name: str, where: str = "in its cell") -> str:
    """One plain-text line (the lab shows it as it is: no markdown). ``where`` is "in its
    cell" or "in the cell above" (code's words, the grader passes them too; another place
    is shown as it is written)."""
    if where == "in its cell":
        text = _("{name} is not written yet: replace raise NotImplementedError() in its cell.")
    elif where == "in the cell above":
        text = _("{name} is not written yet: replace raise NotImplementedError() in the cell "
                 "above.")
    else:
        text = _("{name} is not written yet: replace raise NotImplementedError() {where}.")
    return text.format(name=name, where=where)


def _listed(names) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = list(names)
    if len(names) == 1:
        return names[0]
    return _("{names} and {last}").format(names=", ".join(names[:-1]), last=names[-1])


def _current_cell() -> int | None:
    """IPython's number of the cell running now (None outside IPython)."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return getattr(shell, "execution_count", None) if shell else None


_failed_cell: list[int | None] = [None]   # the cell whose check failed (its later checks skip)

# function name -> (cell, whether its latest checks passed): what needs() may say about them
_verdicts: dict[str, tuple[int | None, bool]] = {}


def _checked_names(tested: Any, label: str, caller_file: str) -> set[str]:
    """The student's functions a check tests: the function called, the name its label
    starts with, and the functions that a wrapper defined in the test cell itself calls
    (``metric_value`` calling ``multilabel_metrics``, ``lambda model: build_small_cnn()``)."""
    names = {label.split("(")[0]} if label and "(" in label else set()
    name = getattr(tested, "__name__", None)
    if name and name != "<lambda>":
        names.add(name)
    code = getattr(tested, "__code__", None)
    if code is not None and code.co_filename == caller_file:
        namespace = getattr(tested, "__globals__", {})
        names |= {n for n in code.co_names if inspect.isfunction(namespace.get(n))}
    return names


def _record(names: set[str], cell: int | None, ok: bool) -> None:
    for name in names:
        if ok and _verdicts.get(name) == (cell, False):
            continue  # an earlier check of the same cell failed
        _verdicts[name] = (cell, ok)


def _say(message: str) -> None:
    """One short failure message, shown (in red) under the cell, instead of an exception."""
    sys.stdout.flush()
    print(message, file=sys.stderr, flush=True)


def _error_text(error: BaseException) -> str:
    text = str(error).strip()
    text = text if len(text) <= 300 else _cut(text.splitlines()[0], 300)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _student_lines(error: BaseException) -> list[str]:
    """The notebook's own lines the error went through (at most 3), innermost last."""
    lines = []
    for frame in _frames_outside_helpers(error.__traceback__)[-3:]:
        if frame.line:
            if frame.name == "<module>":
                where = _("in this cell, line {line}: {code}")
            else:
                where = _("in {function}, line {line}: {code}")
            lines.append("  " + where.format(function=frame.name, line=frame.lineno,
                                             code=frame.line.strip()))
    return lines


def _student_error_message(error: BaseException, subject: str) -> str:
    """``subject`` raised ``error``: the exception and the student's own lines, no more."""
    return "\n".join([_("{subject} raised {error}").format(subject=subject,
                                                          error=_error_text(error)),
                      *_student_lines(error)])


def _described_call(check: Callable, bound: Mapping[str, Any], tested_name: str) -> str:
    """How a check's call of the student's function reads in a message."""
    if isinstance(bound.get("args"), Mapping):
        return _call(tested_name, bound["args"])
    if bound.get("label"):
        return str(bound["label"])
    if isinstance(bound.get("call"), str):
        return bound["call"]
    model = "model" if check.__name__ == "check_compiled_model" else ""
    return f"{tested_name}({model})"


def _reported(check: Callable) -> Callable:
    """A check that, outside graded execution, reports a failure instead of raising."""
    signature = inspect.signature(check)

    @functools.wraps(check)
    def run(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841 (IPython leaves this frame out of tracebacks)
        cell = _current_cell()
        if cell is not None and cell == _failed_cell[0] and not graded_execution():
            return None  # an earlier check of this cell failed and said so
        bound = signature.bind_partial(*args, **kwargs).arguments
        tested = next(iter(bound.values()), None)
        tested_name = getattr(tested, "__name__", None)
        label = str(bound.get("label") or "")
        names = _checked_names(tested, label, sys._getframe(1).f_code.co_filename)
        try:
            result = check(*args, **kwargs)
        except CheckFailed as error:
            _record(names, cell, ok=False)
            if graded_execution():
                raise
            message = _("FAILED: {message}").format(message=error)
        except NotImplementedError as error:
            name = unwritten_function(error)
            if name is None:
                raise
            _record(names | {name}, cell, ok=False)
            above = name == tested_name or label.startswith(name + "(")
            where = "in the cell above" if above else "in its cell"
            if graded_execution():
                raise NotWritten(not_written_message(name, where)) from None
            message = not_written_message(name, where)
        except Exception as error:
            if tested_name is not None:
                _record(names, cell, ok=False)
            if graded_execution() or tested_name is None:
                raise
            # the student's code raised: the call, the error, their lines, and the test's hint
            call = _described_call(check, bound, tested_name)
            message = (_("FAILED: {message}").format(message=call) + "\n"
                       + _("It raised {error}").format(error=_error_text(error)))
            message += "".join("\n" + line for line in _student_lines(error))
            if bound.get("hint"):
                message += "\n" + _("Hint: {hint}").format(hint=_hint(bound["hint"]))
        else:
            _record(names, cell, ok=True)
            return result
        _failed_cell[0] = cell
        _say(message)
        return None

    return run


@contextlib.contextmanager
def needs(*names: str):
    """Run a demo cell's body only as far as the student's functions ``names`` allow.

        with needs("sigmoid", "neuron"):
            ...  # code that calls sigmoid and neuron

    Outside graded execution, an unwritten function (``raise NotImplementedError()``)
    or an error ends the block with a short message instead of an exception, so Run All
    goes on. The message blames the tests of ``names`` only when they failed in this
    session, and otherwise shows the error and the line it came from. Under graded
    execution the error propagates as usual.
    """
    __tracebackhide__ = True  # noqa: F841
    try:
        yield
    except Exception as error:
        if graded_execution():
            raise
        _say(_needs_message(names, error))


def _needs_message(names: tuple[str, ...], error: BaseException) -> str:
    """What a demo cell that needs ``names`` says when ``error`` stopped it (plain text)."""
    listed = _listed(names) if names else _("your functions")
    unwritten = unwritten_function(error)
    if unwritten is not None:
        missing = _still_unwritten(names, first=unwritten)
        if len(missing) == 1:
            return _("This cell needs {name}, which is not written yet: replace "
                     "raise NotImplementedError() in its cell, then run this cell again."
                     ).format(name=unwritten)
        return _("This cell needs {names}, which are not written yet: replace "
                 "raise NotImplementedError() in their cells, then run this cell again."
                 ).format(names=_listed(missing))
    frames = _frames_outside_helpers(error.__traceback__)
    in_this_cell = len(frames) == 1   # raised by the demo's own code, not a function it called
    if isinstance(error, NameError) and in_this_cell:
        return _("This cell needs {names} and what an earlier cell computes with them "
                 "({error}): run the cells above again once those exercises are done."
                 ).format(names=listed, error=error)
    failed = [name for name in names if _verdicts.get(name, (None, True))[1] is False]
    passed_all = bool(names) and all(_verdicts.get(name, (None, False))[1] for name in names)
    lines = [_("This cell needs {names}; it stopped with {error}").format(
                 names=listed, error=_error_text(error)),
             *_student_lines(error)]
    if failed:
        lines.append(_("The tests of {names} did not pass: make them pass, then run "
                       "this cell again.").format(names=_listed(failed)))
    elif passed_all:
        lines.append(_("The tests of {names} passed, so the cause is something they do not "
                       "check: look at the line above.").format(names=listed))
    else:
        lines.append(_("If the tests of {names} have not run yet, run them: they may say "
                       "what is wrong.").format(names=listed))
    return "\n".join(lines)


def _still_unwritten(names: tuple[str, ...], first: str) -> list[str]:
    """``first`` and those of ``names`` whose source in the notebook still holds
    ``raise NotImplementedError()``, in the order of ``names``."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    namespace = getattr(shell, "user_ns", {}) if shell else {}
    found = []
    for name in names:
        try:
            source = inspect.getsource(namespace[name])
        except (KeyError, TypeError, OSError):
            continue
        if "raise NotImplementedError()" in source:
            found.append(name)
    return found if first in found else [first, *found]


def _number(value: Any, digits: int | None = None) -> str:
    """A number as a reader writes it: ``4``, ``0.047``, never ``np.float64(0.047)``.

    A float that is exactly a float32 prints as float32 does (``0.047``, not its float64
    expansion ``0.04699999839067459``); ``digits`` asks for that many significant digits."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (complex, np.complexfloating)):
        return repr(complex(value))
    number = float(value)
    if digits is not None:
        return f"{number:.{digits}g}"
    if np.isfinite(number) and float(np.float32(number)) == number:
        return str(np.float32(number))
    return repr(number)


def _text(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return _number(value[()]) if value.dtype.kind in "biufc" else repr(value[()])
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=8, separator=", ", threshold=20, edgeitems=3)
        return f"array({text}, shape={value.shape}, dtype={value.dtype})"
    if isinstance(value, (bool, np.bool_, int, float, np.number)):
        return _number(value)
    if isinstance(value, np.str_):
        return repr(str(value))
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_text(v) for v in value)
        if isinstance(value, tuple):
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_text(k)}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (set, frozenset)) and value:
        return "{" + ", ".join(_text(v) for v in sorted(value, key=repr)) + "}"
    if callable(value) and not isinstance(value, type):
        return getattr(value, "__name__", repr(value))
    return repr(value)


def _cut(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars``, at a word or item boundary where one is near."""
    if len(text) <= max_chars:
        return text
    head = text[: max_chars - 3]
    boundary = max(head.rfind(" "), head.rfind(","))
    if boundary > max_chars * 2 // 3:
        head = head[:boundary].rstrip(", ")
    return head + "..."


def show(value: Any, max_chars: int = 300) -> str:
    """A short, readable rendering of an input or output for a message."""
    return _cut(_text(value), max_chars)


def _brief(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.ndim:
        return _("<{dtype} array {shape}>").format(dtype=value.dtype, shape=value.shape)
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], np.ndarray):
        return _("<{kind} of {count} arrays>").format(kind=type(value).__name__,
                                                      count=len(value))
    return show(value, 60)


def _loss_name(loss: Any) -> str:
    if isinstance(loss, str):
        return repr(loss)
    return getattr(loss, "name", None) or getattr(loss, "__name__", type(loss).__name__)


def _call(name: str, args: Mapping[str, Any]) -> str:
    return f"{name}(" + ", ".join(f"{k}={show(v, 120)}" for k, v in args.items()) + ")"


def _brief_call(name: str, args: Mapping[str, Any]) -> str:
    """The call as a "passed:" line shows it: every argument, arrays by dtype and shape."""
    return f"{name}(" + ", ".join(f"{k}={_brief(v)}" for k, v in args.items()) + ")"


def _fail(call: str, problem: str, hint: str = "") -> CheckFailed:
    """The failure: the call, the problem, the hint (each already in the reader's language)."""
    message = f"{call}\n{problem}"
    if hint:
        message += "\n" + _("Hint: {hint}").format(hint=hint)
    return CheckFailed(message)


def _hint(hint: str) -> str:
    """A test cell's ``hint="..."`` in the reader's language: the notebook's catalogue
    translates each such literal (``hint:<cell id>:<n>``), and the edition's or the grader's
    messages hold those translations. Looked up through ``i18n._``, not ``_``: the hint is no
    message of helpers' own, so the scan of helpers' ``_("...")`` literals skips it."""
    return i18n._(hint) if hint else hint


DATA = (np.ndarray, np.generic, int, float, complex, str, bytes, bool, type(None))


def _is_data(value: Any) -> bool:
    """Arrays, numbers, strings, and lists/tuples/dicts of them: what a call may not change."""
    if isinstance(value, (list, tuple)):
        return all(_is_data(v) for v in value)
    if isinstance(value, dict):
        return all(_is_data(v) for v in value.values())
    return isinstance(value, DATA)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
            and a.shape == b.shape and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=True))
        )
    if isinstance(a, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b, strict=True)))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _as_numbers(got: Any, call: str, hint: str, sequences_ok: bool = False) -> np.ndarray:
    if got is None:
        raise _fail(call, _("It returned None."), _("did you forget the `return` statement?"))
    if type(got).__module__.startswith(("tensorflow", "keras")):
        raise _fail(
            call,
            _("It returned a value of type {type}, not a NumPy array.").format(
                type=type(got).__name__),
            _("convert a TensorFlow tensor with `.numpy()`."),
        )
    numbers = (np.ndarray, np.generic, float, int) + ((list, tuple) if sequences_ok else ())
    if not isinstance(got, numbers) or isinstance(got, bool):
        raise _fail(call, _("It returned a value of type {type}: expected an array or a "
                            "number.").format(type=type(got).__name__), hint)
    array = np.asarray(got)
    if array.dtype.kind not in "fiu":
        raise _fail(call, _("It returned values of dtype {dtype}: expected numbers.").format(
            dtype=array.dtype), hint)
    return array


def _warning_site(warning: warnings.WarningMessage, fn: Callable) -> tuple[Any, str]:
    """The notebook function (``fn`` or one in its namespace) and the line of code where
    ``warning`` was raised; ``(None, "")`` where that is not the notebook's code."""
    filename = warning.filename or ""
    if filename.startswith(_LIBRARY_DIRS) or "site-packages" in filename:
        return None, ""
    line = linecache.getline(filename, warning.lineno).strip()
    candidates = [fn, *(v for v in getattr(fn, "__globals__", {}).values()
                        if inspect.isfunction(v))]
    best = None
    for candidate in candidates:
        code = getattr(candidate, "__code__", None)
        if code is None or code.co_filename != filename:
            continue
        lines = [number for *_, number in code.co_lines() if number is not None]
        if lines and code.co_firstlineno <= warning.lineno <= max(lines):
            span = max(lines) - code.co_firstlineno
            if best is None or span < best[0]:
                best = (span, candidate)
    return (best[1] if best else None), line


def _uses_exp(function: Any) -> bool | None:
    """Whether ``function``'s code calls an exp (None: cannot tell)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    names = set(code.co_names)
    for const in code.co_consts:  # nested functions and comprehensions
        if inspect.iscode(const):
            names |= set(const.co_names)
    return bool(names & {"exp", "expm1", "exp2", "logaddexp", "softmax", "sigmoid"})


def _warning_cause(text: str, uses_exp: bool | None, hint: str) -> str:
    """The likely cause of a NumPy warning, in words (exp advice only where exp is used)."""
    # ``text`` is NumPy's own (English) wording of the warning, whatever the reader's language
    maybe_exp = uses_exp is not False
    if "overflow" in text and "exp" in text:
        cause = _("an exp overflowed (e^z is inf for z above 709.78 in float64, 88.72 in "
                  "float32): arrange that every exponent is <= 0")
        if not hint:  # the test's own hint says how, for its function
            cause += " " + _("(for a softmax or a logsumexp, subtract each row's own maximum "
                             "with axis=1, keepdims=True; for a sigmoid, use exp(-|z|))")
    elif "divide by zero" in text and "log" in text:
        cause = _("a log of 0 (-inf). Of a probability that is 0? Skip those terms (select "
                  "p[p > 0] before taking the log); np.where(p > 0, p * np.log2(p), 0) "
                  "still takes the log of every element, because NumPy evaluates both "
                  "branches before choosing, so it warns too")
        if maybe_exp:
            cause += ". " + _("Of a sum of exponentials? They all underflowed to 0: shift each "
                              "row by its own maximum, not by a larger one (a global np.max)")
    elif "invalid value" in text and "divide" in text:
        cause = _("a 0 / 0 (or inf / inf) made a nan: check the denominator before dividing")
        if maybe_exp:
            cause += ". " + _("A sum of exponentials that is 0? They all underflowed, because a "
                              "row was shifted by a maximum larger than its own (a global "
                              "np.max instead of each row's)")
    elif "invalid value" in text:
        cause = _("a nan was made (0/0, inf/inf, inf - inf or 0 * inf)")
        if maybe_exp:
            cause += ": " + _("often exponentials that all underflowed to 0, because a row was "
                              "shifted by a maximum larger than its own (a global np.max "
                              "instead of each row's), or that overflowed to inf, or a "
                              "0 * log(0) term")
    elif "divide by zero" in text:
        cause = _("a division by zero: check which values the denominator can take")
    elif "overflow" in text:
        cause = _("a number overflowed to inf: look for a large exponent or power")
    else:
        cause = _("look for an exp that overflows or a division by zero")
    if hint:
        cause += ". " + _("Also: {hint}").format(hint=hint)
    return cause if cause.endswith(".") else cause + "."


def _largest_change(before: Any, after: Any) -> str:
    """' (largest change 2.2e-16, at index (1,))' for numeric arrays of one shape, else ''."""
    try:
        old, new = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
        if old.shape != new.shape or not old.size:
            return ""
        change = np.abs(new - old)
        change[np.isnan(change) & ~(np.isnan(old) & np.isnan(new))] = np.inf
        change[np.isnan(old) & np.isnan(new)] = 0.0
        index = np.unravel_index(int(np.argmax(change)), change.shape)
    except (TypeError, ValueError):
        return ""
    if old.ndim:
        return " " + _("(largest change {change:.2g}, at index {index})").format(
            change=change[index], index=tuple(int(i) for i in index))
    return " " + _("(largest change {change:.2g})").format(change=change[index])


def _call_checked(fn: Callable, args: Mapping[str, Any], call: str, hint: str,
                  check_result: Callable[[Any], None] | None = None) -> Any:
    """``fn(**copies of args)``; fails on NumPy warnings and on inputs changed in place.

    Data (arrays, numbers, containers of them) is copied and compared after the call;
    other objects (models, functions) are passed as they are. ``check_result(got)``,
    which raises :class:`CheckFailed` on a wrong result, lets a warning's message say
    whether the values were right all the same.
    """
    inputs = {k: copy.deepcopy(v) if _is_data(v) else v for k, v in args.items()}
    numpy_warns = np.errstate(over="warn", divide="warn", invalid="warn", under="ignore")
    with warnings.catch_warnings(record=True) as caught, numpy_warns:
        warnings.simplefilter("always")
        got = fn(**inputs)
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        # A correct answer raises no NumPy warning: say where it came from and its likely cause.
        text = str(numeric[0].message)
        site, line = _warning_site(numeric[0], fn)
        right = check_result is not None and _passes(check_result, got)
        if not line:
            problem = _("NumPy warned during the call: {warning}.")
        elif site is not None:
            problem = _("NumPy warned during the call: {warning} (in {function}, line {line}: "
                        "{code}).")
        else:
            problem = _("NumPy warned during the call: {warning} (line {line}: {code}).")
        problem = problem.format(warning=text, function=getattr(site, "__name__", ""),
                                 line=numeric[0].lineno, code=_cut(line, 120))
        if right:
            problem += " " + _("The values it returned are right: the warning alone fails "
                               "this check (a correct answer raises none).")
        # a right value's hint is about another computation than the one that warned
        own_hint = "" if right and site is not None and site is not fn else hint
        raise _fail(call, problem, _warning_cause(text, _uses_exp(site), own_hint))
    for key, original in args.items():
        if _is_data(original) and not _same(inputs[key], original):
            raise _fail(
                call,
                _("It changed its input `{key}` in place{change}: it is now {value}.").format(
                    key=key, change=_largest_change(original, inputs[key]),
                    value=show(inputs[key], 120)),
                _("work on new arrays (e.g. `z = -z` instead of `z *= -1`); "
                  "the caller's data must stay as it was."),
            )
    return got


def _passes(check_result: Callable[[Any], None], got: Any) -> bool:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            check_result(got)
    except Exception:  # a wrong result, or one that cannot even be compared
        return False
    return True


def _compare(call: str, got: Any, expected: Any, rtol: float, atol: float, hint: str,
             what: str = "", sequences_ok: bool = False) -> None:
    """Fail unless ``got`` has ``expected``'s kind, shape and (close) values."""
    expected_array = np.asarray(expected)
    got_array = _as_numbers(got, call, hint, sequences_ok)
    prefix = f"{what}: " if what else ""
    if expected_array.dtype.kind == "f" and got_array.dtype.kind != "f":
        raise _fail(call, prefix + _("It returned {value}: integers where floats were expected."
                                     ).format(value=show(got)),
                    _("an integer array truncates values; create arrays with a float dtype."))
    if expected_array.dtype.kind in "iu" and got_array.dtype.kind not in "iu":
        raise _fail(call, prefix + _("It returned {value}: expected a whole number (an int)."
                                     ).format(value=show(got)),
                    hint or _("counts are integers: avoid `/`, or convert with int()."))
    if got_array.shape != expected_array.shape:
        if expected_array.ndim == 0:
            problem = _("Expected a scalar, got shape {got_shape}: {value}.")
        else:
            problem = _("Expected shape {shape}, got shape {got_shape}: {value}.")
        raise _fail(call, prefix + problem.format(shape=expected_array.shape,
                                                  got_shape=got_array.shape, value=show(got)),
                    hint)
    exact = expected_array.dtype.kind in "iu"   # whole numbers are compared exactly
    if exact:
        close = np.asarray(got_array == expected_array)
    else:
        close = np.isclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=False)
    if close.all():
        return
    if expected_array.ndim == 0:
        want, have = _told_apart(expected_array[()], got_array[()])
        if exact:
            how = _("whole numbers are compared exactly")
        else:
            how = _("beyond rtol={rtol:g}, atol={atol:g}").format(rtol=rtol, atol=atol)
        raise _fail(call, prefix + _("Wrong value.\n  expected: {expected}\n  got:      {got}\n"
                                     "  ({how})").format(expected=want, got=have, how=how),
                    hint)
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    want, have = _told_apart(expected_array[first], got_array[first])
    if exact:
        values = _("Wrong values.\n  expected: {expected}\n  got:      {got}\n"
                   "  ({count} of {size} values differ; the first at index {index}: "
                   "expected {want}, got {have})")
    else:
        values = _("Wrong values.\n  expected: {expected}\n  got:      {got}\n"
                   "  ({count} of {size} values differ beyond rtol={rtol:g}, atol={atol:g}; "
                   "the first at index {index}: expected {want}, got {have})")
    raise _fail(
        call,
        prefix + values.format(expected=show(expected_array), got=show(got),
                               count=(~close).sum(), size=close.size, rtol=rtol, atol=atol,
                               index=first, want=want, have=have),
        hint,
    )


def _told_apart(expected: Any, got: Any) -> tuple[str, str]:
    """Two numbers printed with as few digits as show that they differ (at most 17)."""
    want, have = _number(expected), _number(got)
    for digits in (8, 12, 17):
        if want != have:
            break
        want, have = _number(expected, digits), _number(got, digits)
    return want, have


@_reported
def expect(
    fn: Callable,
    args: Mapping[str, Any],
    expected: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 0.0,
    hint: str = "",
    quiet: bool = False,
    sequences_ok: bool = False,
) -> None:
    """Call ``fn(**args)`` and check it returns ``expected`` (same shape, close values).

    Also fails if ``fn`` changes any of its inputs in place, if NumPy warns during the
    call (overflow, division by zero, invalid value), if it returns an integer array
    where floats are expected, or a tensor where a NumPy array is. A 0-d ``expected``
    asks for a scalar (a Python or NumPy number, or a 0-d array). A tuple ``expected``
    asks for a tuple (or list) of that many results, each checked in turn. With
    ``sequences_ok``, a list of numbers counts as an array (otherwise it fails).
    Tolerances: ``|got - expected| <= atol + rtol * |expected|``.
    """
    name = getattr(fn, "__name__", _("the function"))
    call = _call(name, args)
    hint = _hint(hint)

    def check_result(got: Any) -> None:
        if not isinstance(expected, tuple):
            _compare(call, got, expected, rtol, atol, hint, sequences_ok=sequences_ok)
            return
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise _fail(call, _("Expected a tuple of {count} results, got {value}.").format(
                count=len(expected), value=show(got, 120)), hint)
        for index, (one_got, one_expected) in enumerate(zip(got, expected, strict=True)):
            _compare(call, one_got, one_expected, rtol, atol, hint,
                     what=_("result {index}").format(index=index), sequences_ok=sequences_ok)

    check_result(_call_checked(fn, args, call, hint, check_result))
    if not quiet:
        passed(_brief_call(name, args))


@_reported
def expect_equal(fn: Callable, args: Mapping[str, Any], expected: Any, hint: str = "") -> None:
    """Call ``fn(**args)`` and check it returns exactly ``expected`` (e.g. a string)."""
    name = getattr(fn, "__name__", _("the function"))
    call = _call(name, args)
    hint = _hint(hint)
    got = _call_checked(fn, args, call, hint)
    # exact type: a subclass could redefine == to agree with anything
    if type(got) is not type(expected) or got != expected:
        if isinstance(expected, str) and isinstance(got, str):
            raise _fail(call, _string_difference(expected, got), hint)
        raise _fail(call, _("Expected {expected}, got {got}.").format(
            expected=show(expected, 400), got=show(got, 400)), hint)
    passed(f"{_brief_call(name, args)} == {show(expected, 200)}")


def _string_difference(expected: str, got: str, width: int = 60) -> str:
    """Two strings that differ, shown whole when short, else around the first difference."""
    at = next((i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
              min(len(expected), len(got)))
    if max(len(expected), len(got)) <= 300:
        shown = _("Expected this string:\n  {expected}\ngot:\n  {got}").format(
            expected=repr(expected), got=repr(got))
    else:
        start = max(0, at - width // 3)

        def around(text: str) -> str:
            part = repr(text[start:start + width])
            return ("..." if start else "") + part + ("..." if start + width < len(text) else "")
        shown = _("Expected this string (near the difference):\n  {expected}\ngot:\n  {got}"
                  ).format(expected=around(expected), got=around(got))
    if at == min(len(expected), len(got)):
        if len(expected) > len(got):
            ends = _("they agree up to character {at}, where the shorter one ends "
                     "(the expected string goes on with {rest})").format(
                         at=at, rest=repr(expected[at:at + 30]))
        else:
            ends = _("they agree up to character {at}, where the shorter one ends "
                     "(the string it got goes on with {rest})").format(
                         at=at, rest=repr(got[at:at + 30]))
    else:
        ends = _("they differ from character {at}: expected {expected}, got {got}").format(
            at=at, expected=repr(expected[at:at + 30]), got=repr(got[at:at + 30]))
    return f"{shown}\n({ends})"


def passed(what: str) -> None:
    """Print one line saying a check passed (stdout only)."""
    print(_("passed: {what}").format(what=what))


# the course's reference functions live in helpers.nn only: grading withholds them there
ACTIVATIONS = {
    "sigmoid": lambda z: _nn.sigmoid(z),
    "relu": lambda z: _nn.relu(z),
    "linear": lambda z: z,
}


def _build_quietly(build: Callable, call: str):
    """Call a model-building function; Keras warnings go to stdout as notes, not stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = build()
    for warning in caught:
        print(_("note: {call} warned: {warning}").format(
            call=call, warning=str(warning.message).splitlines()[0]))
    if model is None:
        raise _fail(call, _("It returned None."), _("did you forget the `return` statement?"))
    return model


@_reported
def check_dense_model(build: Callable, n_inputs: int, layers: list[tuple[int, str]],
                      hint: str = "", compiled: bool = False, label: str | None = None):
    """Check that ``build()`` returns a ``keras.Sequential`` of Dense layers; return it.

    ``layers`` lists ``(units, activation)`` per layer, activation one of "sigmoid",
    "relu", "linear" (checked by value, so ``"sigmoid"`` and ``tf.nn.sigmoid`` both pass).
    ``compiled`` says whether the model must already be compiled. ``label`` is how the
    call is shown in messages (default ``build.__name__ + "()"``).
    """
    import keras

    call = label or f"{getattr(build, '__name__', 'build')}()"
    hint = _hint(hint)
    model = _build_quietly(build, call)
    if not isinstance(model, keras.Sequential):
        raise _fail(call, _("It returned a value of type {type}: expected a "
                            "keras.Sequential.").format(type=type(model).__name__), hint)
    try:
        input_shape = tuple(model.inputs[0].shape)
    except (AttributeError, ValueError, IndexError):
        raise _fail(call, _("The model has no input shape yet (an unbuilt Sequential has no "
                            "inputs in Keras 3)."),
                    _("start the list of layers with keras.Input(shape=({n_inputs},))."
                      ).format(n_inputs=n_inputs)) from None
    if input_shape != (None, n_inputs):
        raise _fail(call, _("Its input shape is {shape}, expected (None, {n_inputs}).").format(
                        shape=input_shape, n_inputs=n_inputs),
                    _("keras.Input(shape=({n_inputs},)): one example is a row of "
                      "{n_inputs} features.").format(n_inputs=n_inputs))
    found = [(type(layer).__name__, getattr(layer, "units", None)) for layer in model.layers]
    wanted = [("Dense", units) for units, _activation in layers]
    if found != wanted:
        raise _fail(call, _("Its layers are {found}, expected {wanted}.").format(
            found=found, wanted=wanted), hint)
    z = np.array([[-3.0, -0.5, 0.0, 2.0]], dtype=np.float32)
    for index, (layer, (units, activation)) in enumerate(zip(model.layers, layers, strict=True)):
        got = np.asarray(layer.activation(z))
        if not np.allclose(got, ACTIVATIONS[activation](z), atol=1e-6):
            raise _fail(call, _("Layer {index} ({units} units) does not apply {activation}: "
                                "on {inputs} its activation gives {outputs}.").format(
                                    index=index, units=units, activation=activation,
                                    inputs=z.ravel().tolist(), outputs=got.ravel().round(4)),
                        f'Dense({units}, activation="{activation}")')
    if getattr(model, "compiled", False) and not compiled:
        raise _fail(call, _("The model is already compiled."),
                    _("build only here; compiling is the next function's job."))
    if compiled and not getattr(model, "compiled", False):
        raise _fail(call, _("The model is not compiled."),
                    _("call model.compile(...) before returning."))
    passed(_("{call}: {n_inputs} inputs -> {layers}").format(
        call=call, n_inputs=n_inputs, layers=" -> ".join(f"{u} {a}" for u, a in layers)))
    return model


@_reported
def check_model_loss(model, loss: Callable, y_true, y_pred, call: str, hint: str = "") -> None:
    """Check a compiled model's loss by its value on ``(y_true, y_pred)`` against ``loss``.

    Any spelling of the same loss passes (a string, a function, a Loss object); a loss
    with other options (``from_logits``) gives another value and fails.
    """
    _check_loss(model, loss, y_true, y_pred, call, _hint(hint))


def _values(array: Any) -> str:
    """A short list of numbers as written by hand: [1, 0] or [[0.8], [0.3]]."""
    return np.array2string(np.asarray(array), precision=3, separator=", ", threshold=20,
                           suppress_small=True).replace("\n", "")


def _check_loss(model, loss: Callable, y_true, y_pred, call: str, hint: str) -> None:
    """:func:`check_model_loss` without its own report (a part of a larger check)."""
    import keras

    expected = float(np.mean(loss(y_true, y_pred)))
    got = float(np.mean(np.asarray(keras.losses.get(model.loss)(y_true, y_pred))))
    if not np.isclose(got, expected, rtol=1e-5):
        raise _fail(call, _("Its loss on y_true={y_true}, y_pred={y_pred} is {got:.6f}; the "
                            "expected loss gives {expected:.6f} (loss={loss}).").format(
                                y_true=_values(np.ravel(y_true)), y_pred=_values(y_pred),
                                got=got, expected=expected, loss=_loss_name(model.loss)), hint)


@_reported
def check_compiled_model(compile_fn: Callable, make_model: Callable, loss: Callable,
                         optimizer: str = "Adam", learning_rate: float = 1e-3,
                         y_true=None, y_pred=None, hint: str = "",
                         label: str | None = None) -> None:
    """Check that ``compile_fn(model)`` compiles ``model`` with the right loss and optimizer.

    ``make_model()`` gives a fresh uncompiled model. The loss is checked by value:
    ``loss(y_true, y_pred)`` must equal the model's loss on the same arrays, so any
    spelling of the same loss passes (a string, a function, a Loss object).
    """
    call = label or f"{getattr(compile_fn, '__name__', 'compile')}(model)"
    hint = _hint(hint)
    model = make_model()
    returned = compile_fn(model)
    if returned is None:
        raise _fail(call, _("It returned None."), _("return the model after model.compile(...)."))
    if not getattr(returned, "compiled", False):
        raise _fail(call, _("The model it returned is not compiled."),
                    _("call model.compile(...)."))
    _check_loss(returned, loss, y_true, y_pred, call, hint)  # one check, one verdict
    name = type(returned.optimizer).__name__
    if name != optimizer:
        raise _fail(call, _("Its optimizer is {name}, expected {optimizer}.").format(
            name=name, optimizer=optimizer), hint)
    rate = float(np.asarray(returned.optimizer.learning_rate))
    if not np.isclose(rate, learning_rate, rtol=1e-6):
        raise _fail(call, _("Its learning rate is {rate:g}, expected {learning_rate:g}.").format(
            rate=rate, learning_rate=learning_rate), hint)
    passed(_("{call}: loss {loss}, {name}(learning_rate={rate:g})").format(
        call=call, loss=_loss_name(returned.loss), name=name, rate=rate))
