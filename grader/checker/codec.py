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
    {"t": "list" | "tuple" | "set", "v": [...]} {"t": "dict", "items": [[k, v], ...]}
    {"t": "ref", "id": 7}   an object living on the other side (a function, a model...)

plus what a side adds with hooks: models ({"t": "model", "spec": ...}), callables
({"t": "function"}, {"t": "stub"}, {"t": "libfn"}), objects of other types
({"t": "opaque"}). Decoding checks every field and raises :class:`WireError` at the
first thing that is not exactly as described: nothing is executed or unpickled.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_MESSAGE_CHARS = 64 * 2**20     # one message, JSON text
MAX_DEPTH = 32
MAX_ITEMS = 1_000_000              # elements of all containers of one message, together
DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64"}


class WireError(ValueError):
    """A message does not follow the format: the side that sent it is not to be believed."""


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
            raise WireError("nested too deeply")
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
        if isinstance(value, np.ndarray) and value.dtype.name in DTYPES:
            return {"t": "ndarray", **_array_fields(np.asarray(value))}
        if isinstance(value, np.generic) and np.dtype(type(value)).name in DTYPES:
            return {"t": "npscalar", **_array_fields(np.asarray(value))}
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
    return _array_fields(array) if array.dtype.name in DTYPES else None


class Decoder:
    """Tagged JSON to Python values; ``other(tag, message)`` builds the hooked kinds."""

    def __init__(self, other: Callable[[str, dict], Any], tensor: Callable | None = None):
        self.other = other
        self.tensor = tensor
        self.items = 0

    def loads(self, text: str) -> Any:
        if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
            raise WireError("a message that is not text, or larger than the limit")
        try:
            message = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise WireError(f"not JSON: {str(error)[:80]}") from None
        self.items = 0
        return self.decode(message)

    def _count(self, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise WireError("too many values in one message")

    def decode(self, message: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise WireError("nested too deeply")
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
            if len(text) > 4000 or not text.lstrip("-").isdigit():
                raise WireError("a malformed int")
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
