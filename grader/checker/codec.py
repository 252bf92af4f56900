"""Values as tagged JSON: what crosses between the student's kernel and the checker.

Both sides use this module: the checker to send the arguments of a call and to read
its result, the student's kernel (where it is loaded as source text by the grader) to
read the arguments and send the result. Only data crosses, each value tagged with its
type, so that an array, a tensor and a list stay apart:

    {"t": "none"} {"t": "bool", "v": true} {"t": "int", "v": "12"}
    {"t": "float", "v": "0x1.8p+1"} (float.hex: exact, inf and nan included)
    {"t": "str", "v": "..."}
    {"t": "ndarray" | "tensor" | "npscalar", "dtype": "float32", "shape": [2, 3],
     "data": "<base64 of the bytes, C order, little-endian>"}
    (an extended-precision float, ``np.longdouble``, and a bfloat16 tensor are real
    numbers too: they cross as float64 when every value fits float64's range)
    {"t": "list" | "tuple" | "set", "v": [...]} {"t": "dict", "items": [[k, v], ...]}
    {"t": "ref", "id": 7}   an object living on the other side (a function, a model...)

plus what a side adds with hooks: models ({"t": "model", "spec": ...}), callables
({"t": "function"}, {"t": "stub"}, {"t": "libfn"}), objects of other types
({"t": "opaque"}). Decoding checks every field and raises :class:`WireError` at the
first thing that is not exactly as described: nothing is executed or unpickled.

The bounds of one message (:data:`BOUNDS`, said in words to the student whose call
passed one) are per message: each request, each reply and each callback is counted
on its own, so a heavy call costs the function that made it and no later one.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_MESSAGE_CHARS = 64 * 2**20     # one message, JSON text
MAX_DEPTH = 32
MAX_ITEMS = 1_000_000              # elements of all containers of one message, together
MAX_INT_DIGITS = 4000
DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64"}
INT_TEXT = re.compile(r"-?[0-9]+")
WIDENED = {"bfloat16": "float32"}  # real dtypes carried as another (longdouble: float64)
BOUNDS = (f"one message of the bridge carries at most {MAX_MESSAGE_CHARS // 2**20} MiB of "
          f"JSON, {MAX_ITEMS:,} values (array elements count one each), {MAX_DEPTH} levels "
          f"of nesting and ints of {MAX_INT_DIGITS:,} digits")


class WireError(ValueError):
    """A message does not follow the format: the side that sent it is not to be believed."""


class BoundError(WireError):
    """A well-formed message past one of :data:`BOUNDS` (the call that sent it fails)."""


def carried(array: np.ndarray) -> np.ndarray | None:
    """``array`` in a dtype the wire carries, or None (not real numbers, or too large).

    An extended-precision float becomes float64, a bfloat16 float32, when every value
    fits (a finite value stays finite); complex numbers are not real, so never carried.
    """
    name = array.dtype.name
    if name in DTYPES:
        return array
    if array.dtype.kind == "f" or name in WIDENED:
        target = np.dtype(WIDENED.get(name, "float64"))
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            converted = np.asarray(array, dtype=target)
            same = np.isfinite(converted) == np.isfinite(np.asarray(array, dtype=np.float64)
                                                         if name in WIDENED else array)
        return converted if bool(np.all(same)) else None
    return None


def _array_fields(array: np.ndarray) -> dict:
    array = np.asarray(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return {"dtype": array.dtype.name, "shape": list(array.shape),
            "data": base64.b64encode(little.tobytes()).decode("ascii")}


class Encoder:
    """Python values to tagged JSON; ``other(value)`` tags what is not plain data."""

    def __init__(self, other: Callable[[Any], dict]):
        self.other = other

    def encode(self, value: Any, depth: int = 0) -> dict:
        if depth > MAX_DEPTH:
            raise BoundError(f"values nested more than {MAX_DEPTH} deep ({BOUNDS})")
        kind = type(value)
        if value is None:
            return {"t": "none"}
        if kind is bool:
            return {"t": "bool", "v": value}
        if kind is int:
            return {"t": "int", "v": str(value)}
        if kind is float:
            return {"t": "float", "v": value.hex()}
        if kind is str:
            return {"t": "str", "v": value}
        if isinstance(value, (np.ndarray, np.generic)):
            array = carried(np.asarray(value))
            if array is not None:
                return {"t": "ndarray" if isinstance(value, np.ndarray) else "npscalar",
                        **_array_fields(array)}
        if kind in (list, tuple):
            return {"t": kind.__name__, "v": [self.encode(v, depth + 1) for v in value]}
        if kind in (set, frozenset):
            return {"t": "set", "v": [self.encode(v, depth + 1) for v in value]}
        if kind is dict:
            return {"t": "dict", "items": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                           for k, v in value.items()]}
        tensor = _tensor_fields(value)
        if tensor is not None:
            return {"t": "tensor", **tensor}
        return self.other(value)

    def dumps(self, value: Any) -> str:
        return json.dumps(self.encode(value), separators=(",", ":"))


def _tensor_fields(value: Any) -> dict | None:
    """A concrete TensorFlow tensor or variable as array fields (None if not one)."""
    module = type(value).__module__
    if not module.startswith(("tensorflow", "keras")) or not hasattr(value, "numpy"):
        return None
    try:
        array = np.asarray(value.numpy())
    except Exception:  # noqa: BLE001 - a symbolic tensor has no values
        return None
    array = carried(array)
    return _array_fields(array) if array is not None else None


class Decoder:
    """Tagged JSON to Python values; ``other(tag, message)`` builds the hooked kinds."""

    def __init__(self, other: Callable[[str, dict], Any], tensor: Callable | None = None):
        self.other = other
        self.tensor = tensor
        self.items = 0

    def loads(self, text: str) -> Any:
        if not isinstance(text, str):
            raise WireError("a message that is not text")
        if len(text) > MAX_MESSAGE_CHARS:
            raise BoundError(f"a message of {len(text):,} characters ({BOUNDS})")
        try:
            message = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise WireError(f"not JSON: {str(error)[:80]}") from None
        return self.message(message)

    def message(self, message: Any) -> Any:
        """Decode one whole message (its own budget of :data:`MAX_ITEMS` values)."""
        self.items = 0
        return self.decode(message)

    def _count(self, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise BoundError(f"more than {MAX_ITEMS:,} values in one message ({BOUNDS})")

    def decode(self, message: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise BoundError(f"values nested more than {MAX_DEPTH} deep ({BOUNDS})")
        if not isinstance(message, dict) or not isinstance(message.get("t"), str):
            raise WireError("a value without its type tag")
        tag = message["t"]
        self._count(1)
        if tag == "none":
            return None
        if tag == "bool":
            return _field(message, "v", bool)
        if tag == "int":
            text = _field(message, "v", str)
            if not INT_TEXT.fullmatch(text):
                raise WireError("a malformed int")
            if len(text.lstrip("-")) > MAX_INT_DIGITS:
                raise BoundError(f"an int of {len(text.lstrip('-')):,} digits ({BOUNDS})")
            return int(text)
        if tag == "float":
            try:
                return float.fromhex(_field(message, "v", str))
            except (ValueError, OverflowError):
                raise WireError("a malformed float") from None
        if tag == "str":
            return _field(message, "v", str)
        if tag in ("ndarray", "npscalar", "tensor"):
            array = _array(message)
            self._count(array.size)
            if tag == "ndarray":
                return array
            if tag == "npscalar":
                if array.shape != ():
                    raise WireError("a NumPy scalar with a shape")
                return array[()]
            return self.tensor(array) if self.tensor else array
        if tag in ("list", "tuple", "set"):
            values = [self.decode(v, depth + 1) for v in _field(message, "v", list)]
            if tag == "list":
                return values
            if tag == "tuple":
                return tuple(values)
            try:
                return set(values)
            except TypeError:
                raise WireError("a set of unhashable values") from None
        if tag == "dict":
            result = {}
            for pair in _field(message, "items", list):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise WireError("a dict item that is not a pair")
                key = self.decode(pair[0], depth + 1)
                try:
                    result[key] = self.decode(pair[1], depth + 1)
                except TypeError:
                    raise WireError("a dict with an unhashable key") from None
            return result
        return self.other(tag, message)


def _field(message: dict, key: str, kind: type) -> Any:
    value = message.get(key)
    if type(value) is not kind:
        raise WireError(f"field {key!r} of a {message.get('t')!r} is not a {kind.__name__}")
    return value


def _array(message: dict) -> np.ndarray:
    dtype = _field(message, "dtype", str)
    if dtype not in DTYPES:
        raise WireError(f"dtype {dtype!r} is not allowed")
    shape = _field(message, "shape", list)
    if len(shape) > 32 or not all(type(n) is int and 0 <= n for n in shape):
        raise WireError("a malformed shape")
    size = math.prod(shape)
    data = _field(message, "data", str)
    expected = size * np.dtype(dtype).itemsize
    if len(data) != 4 * math.ceil(expected / 3):
        raise WireError("array data of the wrong length")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise WireError("array data that is not base64") from None
    if len(raw) != expected:
        raise WireError("array data of the wrong length")
    array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)
    return array.astype(np.dtype(dtype), copy=True)


def field(message: dict, key: str, kind: type) -> Any:
    """``message[key]``, which must be exactly of type ``kind`` (for the hooks' tags)."""
    return _field(message, key, kind)
