"""Checks that test cells call: a failure says what to fix.

Every failure is a :class:`CheckFailed` (an ``AssertionError``) whose message names the
function, the inputs, what was expected, what came back, and a hint. A passing check
prints one line to stdout and nothing to stderr (nbgrader gives no points to a test
cell that writes to stderr).

    got = expect(sigmoid, {"z": np.array([0.0, 2.0])}, [0.5, 0.880797], rtol=1e-6,
                 hint="sigmoid(z) = 1 / (1 + exp(-z))")
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["CheckFailed", "check_answer", "expect", "passed", "show"]


class CheckFailed(AssertionError):
    """A check of a student's answer failed; the message says why and what to try."""


def show(value: Any, max_chars: int = 300) -> str:
    """A short, readable rendering of an input or output for a message."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=8, separator=", ", threshold=20, edgeitems=3)
        text = f"array({text}, shape={value.shape}, dtype={value.dtype})"
    elif callable(value):
        text = getattr(value, "__name__", repr(value))
    else:
        text = repr(value)
    return text if len(text) <= max_chars else text[: max_chars - 3] + "..."


def _brief(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {value.shape}>"
    return show(value, 40)


def _call(name: str, args: Mapping[str, Any]) -> str:
    return f"{name}(" + ", ".join(f"{k}={show(v, 120)}" for k, v in args.items()) + ")"


def _fail(call: str, problem: str, hint: str = "") -> CheckFailed:
    message = f"{call}\n{problem}"
    if hint:
        message += f"\nHint: {hint}"
    return CheckFailed(message)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
            and a.shape == b.shape and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=True))
        )
    try:
        return bool(a == b)
    except Exception:  # objects without a usable == (tensors, layers): skip the check
        return True


def _as_numbers(got: Any, call: str, hint: str) -> np.ndarray:
    if got is None:
        raise _fail(call, "It returned None.", "did you forget the `return` statement?")
    if type(got).__module__.startswith(("tensorflow", "keras")):
        raise _fail(
            call,
            f"It returned a {type(got).__name__}, not a NumPy array.",
            "convert a TensorFlow tensor with `.numpy()`.",
        )
    if not isinstance(got, (np.ndarray, np.generic, float, int)) or isinstance(got, bool):
        raise _fail(call, f"It returned a {type(got).__name__}: expected an array or a number.",
                    hint)
    array = np.asarray(got)
    if array.dtype.kind not in "fiu":
        raise _fail(call, f"It returned values of dtype {array.dtype}: expected numbers.", hint)
    return array


def expect(
    fn: Callable,
    args: Mapping[str, Any],
    expected: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 0.0,
    hint: str = "",
    quiet: bool = False,
) -> None:
    """Call ``fn(**args)`` and check it returns ``expected`` (same shape, close values).

    Also fails if ``fn`` changes any of its inputs in place, if NumPy warns during the
    call (overflow, division by zero, invalid value), if it returns an integer array
    where floats are expected, or a tensor where a NumPy array is. A 0-d ``expected``
    asks for a scalar (a Python or NumPy number, or a 0-d array).
    Tolerances: ``|got - expected| <= atol + rtol * |expected|``.
    """
    name = getattr(fn, "__name__", "the function")
    call = _call(name, args)
    inputs = {k: copy.deepcopy(v) for k, v in args.items()}
    numpy_warns = np.errstate(over="warn", divide="warn", invalid="warn", under="ignore")
    with warnings.catch_warnings(record=True) as caught, numpy_warns:
        warnings.simplefilter("always")
        got = fn(**inputs)
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        raise _fail(call, f"NumPy warned during the call: {numeric[0].message}.",
                    hint or "look for an exp that overflows or a division by zero.")
    for key, original in args.items():
        if not _same(inputs[key], original):
            raise _fail(
                call,
                f"It changed its input `{key}` in place (now {show(inputs[key], 120)}).",
                "work on new arrays (e.g. `z = -z` instead of `z *= -1`); "
                "the caller's data must stay as it was.",
            )
    expected_array = np.asarray(expected)
    got_array = _as_numbers(got, call, hint)
    if expected_array.dtype.kind == "f" and got_array.dtype.kind != "f":
        raise _fail(call, f"It returned {show(got)}: integers where floats were expected.",
                    "an integer array truncates values; create arrays with a float dtype.")
    if got_array.shape != expected_array.shape:
        what = "a scalar" if expected_array.ndim == 0 else f"shape {expected_array.shape}"
        raise _fail(call, f"Expected {what}, got shape {got_array.shape}: {show(got)}.", hint)
    close = np.isclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=False)
    if not close.all():
        first = tuple(int(i) for i in np.argwhere(~close)[0]) if close.ndim else ()
        raise _fail(
            call,
            f"Wrong values.\n  expected: {show(expected_array)}\n  got:      {show(got)}\n"
            f"  ({(~close).sum()} of {close.size} values differ beyond rtol={rtol:g}, "
            f"atol={atol:g}; first at index {first})",
            hint,
        )
    if not quiet:
        passed(f"{name}(" + ", ".join(f"{k}={_brief(v)}" for k, v in args.items()) + ")")


def passed(what: str) -> None:
    """Print one line saying a check passed (stdout only)."""
    print(f"passed: {what}")


def check_answer(name: str, namespace: Mapping[str, Any], choices: str = "abcd") -> str:
    """The quiz answer variable ``name`` as one lower-case letter among ``choices``."""
    value = namespace.get(name)
    if not isinstance(value, str) or value.strip().lower() not in set(choices):
        raise CheckFailed(
            f"{name} = {value!r}\nExpected one letter among {', '.join(choices)}, "
            f'as a string: {name} = "{choices[0]}".'
        )
    return value.strip().lower()
