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

__all__ = [
    "CheckFailed",
    "check_answer",
    "check_compiled_model",
    "check_dense_model",
    "check_model_loss",
    "expect",
    "expect_equal",
    "passed",
    "show",
]


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
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], np.ndarray):
        return f"<{type(value).__name__} of {len(value)} arrays>"
    return show(value, 40)


def _loss_name(loss: Any) -> str:
    if isinstance(loss, str):
        return repr(loss)
    return getattr(loss, "name", None) or getattr(loss, "__name__", type(loss).__name__)


def _call(name: str, args: Mapping[str, Any]) -> str:
    return f"{name}(" + ", ".join(f"{k}={show(v, 120)}" for k, v in args.items()) + ")"


def _fail(call: str, problem: str, hint: str = "") -> CheckFailed:
    message = f"{call}\n{problem}"
    if hint:
        message += f"\nHint: {hint}"
    return CheckFailed(message)


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
        raise _fail(call, "It returned None.", "did you forget the `return` statement?")
    if type(got).__module__.startswith(("tensorflow", "keras")):
        raise _fail(
            call,
            f"It returned a {type(got).__name__}, not a NumPy array.",
            "convert a TensorFlow tensor with `.numpy()`.",
        )
    numbers = (np.ndarray, np.generic, float, int) + ((list, tuple) if sequences_ok else ())
    if not isinstance(got, numbers) or isinstance(got, bool):
        raise _fail(call, f"It returned a {type(got).__name__}: expected an array or a number.",
                    hint)
    array = np.asarray(got)
    if array.dtype.kind not in "fiu":
        raise _fail(call, f"It returned values of dtype {array.dtype}: expected numbers.", hint)
    return array


def _call_checked(fn: Callable, args: Mapping[str, Any], call: str, hint: str) -> Any:
    """``fn(**copies of args)``; fails on NumPy warnings and on inputs changed in place.

    Data (arrays, numbers, containers of them) is copied and compared after the call;
    other objects (models, functions) are passed as they are.
    """
    inputs = {k: copy.deepcopy(v) if _is_data(v) else v for k, v in args.items()}
    numpy_warns = np.errstate(over="warn", divide="warn", invalid="warn", under="ignore")
    with warnings.catch_warnings(record=True) as caught, numpy_warns:
        warnings.simplefilter("always")
        got = fn(**inputs)
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        raise _fail(call, f"NumPy warned during the call: {numeric[0].message}.",
                    hint or "look for an exp that overflows or a division by zero.")
    for key, original in args.items():
        if _is_data(original) and not _same(inputs[key], original):
            raise _fail(
                call,
                f"It changed its input `{key}` in place (now {show(inputs[key], 120)}).",
                "work on new arrays (e.g. `z = -z` instead of `z *= -1`); "
                "the caller's data must stay as it was.",
            )
    return got


def _compare(call: str, got: Any, expected: Any, rtol: float, atol: float, hint: str,
             what: str = "", sequences_ok: bool = False) -> None:
    """Fail unless ``got`` has ``expected``'s kind, shape and (close) values."""
    expected_array = np.asarray(expected)
    got_array = _as_numbers(got, call, hint, sequences_ok)
    prefix = f"{what}: " if what else ""
    if expected_array.dtype.kind == "f" and got_array.dtype.kind != "f":
        raise _fail(call, f"{prefix}It returned {show(got)}: integers where floats were expected.",
                    "an integer array truncates values; create arrays with a float dtype.")
    if expected_array.dtype.kind in "iu" and got_array.dtype.kind not in "iu":
        raise _fail(call, f"{prefix}It returned {show(got)}: expected a whole number (an int).",
                    hint or "counts are integers: avoid `/`, or convert with int().")
    if got_array.shape != expected_array.shape:
        shape = "a scalar" if expected_array.ndim == 0 else f"shape {expected_array.shape}"
        raise _fail(call, f"{prefix}Expected {shape}, got shape {got_array.shape}: {show(got)}.",
                    hint)
    close = np.isclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=False)
    if not close.all():
        first = tuple(int(i) for i in np.argwhere(~close)[0]) if close.ndim else ()
        raise _fail(
            call,
            f"{prefix}Wrong values.\n  expected: {show(expected_array)}\n  got:      {show(got)}\n"
            f"  ({(~close).sum()} of {close.size} values differ beyond rtol={rtol:g}, "
            f"atol={atol:g}; first at index {first})",
            hint,
        )


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
    name = getattr(fn, "__name__", "the function")
    call = _call(name, args)
    got = _call_checked(fn, args, call, hint)
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise _fail(call, f"Expected a tuple of {len(expected)} results, got {show(got, 120)}.",
                        hint)
        for index, (one_got, one_expected) in enumerate(zip(got, expected, strict=True)):
            _compare(call, one_got, one_expected, rtol, atol, hint, what=f"result {index}",
                     sequences_ok=sequences_ok)
    else:
        _compare(call, got, expected, rtol, atol, hint, sequences_ok=sequences_ok)
    if not quiet:
        passed(f"{name}(" + ", ".join(f"{k}={_brief(v)}" for k, v in args.items()) + ")")


def expect_equal(fn: Callable, args: Mapping[str, Any], expected: Any, hint: str = "") -> None:
    """Call ``fn(**args)`` and check it returns exactly ``expected`` (e.g. a string)."""
    name = getattr(fn, "__name__", "the function")
    call = _call(name, args)
    got = _call_checked(fn, args, call, hint)
    # exact type: a subclass could redefine == to agree with anything
    if type(got) is not type(expected) or got != expected:
        raise _fail(call, f"Expected {expected!r}, got {show(got, 120)}.", hint)
    passed(f"{call[:100]} == {expected!r}")


def passed(what: str) -> None:
    """Print one line saying a check passed (stdout only)."""
    print(f"passed: {what}")


def check_answer(name: str, namespace: Mapping[str, Any], choices: str = "abcd") -> str:
    """The quiz answer variable ``name`` as one lower-case letter among ``choices``."""
    value = namespace.get(name)
    if type(value) is not str or value.strip().lower() not in set(choices):
        raise CheckFailed(
            f"{name} = {value!r}\nExpected one letter among {', '.join(choices)}, "
            f'as a string: {name} = "{choices[0]}".'
        )
    return value.strip().lower()


ACTIVATIONS = {
    "sigmoid": lambda z: np.exp(-np.logaddexp(0.0, -z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
}


def _build_quietly(build: Callable, call: str):
    """Call a model-building function; Keras warnings go to stdout as notes, not stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = build()
    for warning in caught:
        print(f"note: {call} warned: {str(warning.message).splitlines()[0]}")
    if model is None:
        raise _fail(call, "It returned None.", "did you forget the `return` statement?")
    return model


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
    model = _build_quietly(build, call)
    if not isinstance(model, keras.Sequential):
        raise _fail(call, f"It returned a {type(model).__name__}: expected a keras.Sequential.",
                    hint)
    try:
        input_shape = tuple(model.inputs[0].shape)
    except (AttributeError, ValueError, IndexError):
        raise _fail(call, "The model has no input shape yet (an unbuilt Sequential has no "
                    "inputs in Keras 3).",
                    f"start the list of layers with keras.Input(shape=({n_inputs},)).") from None
    if input_shape != (None, n_inputs):
        raise _fail(call, f"Its input shape is {input_shape}, expected (None, {n_inputs}).",
                    f"keras.Input(shape=({n_inputs},)): one example is a row of "
                    f"{n_inputs} features.")
    found = [(type(layer).__name__, getattr(layer, "units", None)) for layer in model.layers]
    wanted = [("Dense", units) for units, _ in layers]
    if found != wanted:
        raise _fail(call, f"Its layers are {found}, expected {wanted}.", hint)
    z = np.array([[-3.0, -0.5, 0.0, 2.0]], dtype=np.float32)
    for index, (layer, (units, activation)) in enumerate(zip(model.layers, layers, strict=True)):
        got = np.asarray(layer.activation(z))
        if not np.allclose(got, ACTIVATIONS[activation](z), atol=1e-6):
            raise _fail(call, f"Layer {index} ({units} units) does not apply {activation}: "
                        f"on {z.ravel().tolist()} its activation gives {got.ravel().round(4)}.",
                        f'Dense({units}, activation="{activation}")')
    if getattr(model, "compiled", False) and not compiled:
        raise _fail(call, "The model is already compiled.",
                    "build only here; compiling is the next function's job.")
    if compiled and not getattr(model, "compiled", False):
        raise _fail(call, "The model is not compiled.", "call model.compile(...) before returning.")
    passed(f"{call}: {n_inputs} inputs -> " + " -> ".join(f"{u} {a}" for u, a in layers))
    return model


def check_model_loss(model, loss: Callable, y_true, y_pred, call: str, hint: str = "") -> None:
    """Check a compiled model's loss by its value on ``(y_true, y_pred)`` against ``loss``.

    Any spelling of the same loss passes (a string, a function, a Loss object); a loss
    with other options (``from_logits``) gives another value and fails.
    """
    import keras

    expected = float(np.mean(loss(y_true, y_pred)))
    got = float(np.mean(np.asarray(keras.losses.get(model.loss)(y_true, y_pred))))
    if not np.isclose(got, expected, rtol=1e-5):
        raise _fail(call, f"Its loss on y_true={np.asarray(y_true).ravel().tolist()}, y_pred="
                    f"{np.asarray(y_pred).round(3).tolist()} is {got:.6f}; the expected loss "
                    f"gives {expected:.6f} (loss={_loss_name(model.loss)}).", hint)


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
    model = make_model()
    returned = compile_fn(model)
    if returned is None:
        raise _fail(call, "It returned None.", "return the model after model.compile(...).")
    if not getattr(returned, "compiled", False):
        raise _fail(call, "The model it returned is not compiled.", "call model.compile(...).")
    check_model_loss(returned, loss, y_true, y_pred, call, hint)
    name = type(returned.optimizer).__name__
    if name != optimizer:
        raise _fail(call, f"Its optimizer is {name}, expected {optimizer}.", hint)
    rate = float(np.asarray(returned.optimizer.learning_rate))
    if not np.isclose(rate, learning_rate, rtol=1e-6):
        raise _fail(call, f"Its learning rate is {rate:g}, expected {learning_rate:g}.", hint)
    passed(f"{call}: loss {_loss_name(returned.loss)}, {name}(learning_rate={rate:g})")
