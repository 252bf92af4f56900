"""Keras models as data: layers, weights and compile settings, and back, from an allowlist.

``model_spec(model)`` describes a model (the student's kernel does this for a model a
student's function returns); ``build_model(spec)`` makes a new model from such a
description, using only the layer classes, activations, losses and optimizers listed
here, with only the listed settings, each checked for its type. Keras's own
deserialisation (``from_config``, ``keras.saving``, ``keras.losses.get`` of a dict) is
never used: it has had ways around its safe mode.

What a description names (an activation's name, a loss's class, function or string)
is only a claim: the student's kernel also sends what the object computes on fixed
probe inputs (``PROBE`` for activations, ``LOSS_PROBES`` for losses), and the checker
rebuilds the allowlisted Keras object whose values agree with those, the claimed one
first. So a ``Loss`` subclass named ``BinaryCrossentropy`` that computes the squared
error is rebuilt as the squared error, and ``keras.losses.binary_crossentropy``, the
string ``"bce"`` or a custom function computing it as binary cross-entropy. An
activation that agrees with no Keras activation gets :class:`UnknownActivation`, a loss
with no Keras loss :class:`UnknownLoss`; both say so when used, instead of failing
to rebuild. A description whose layers would hold more than ``MAX_PARAMETERS``
weights (or more than ``MAX_VALUES`` values per example at a layer) is refused before
anything is built, so a claimed ``Dense(10**9)`` costs the student's row, not the
checker's memory.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import warnings
from typing import Any

import numpy as np

ACTIVATIONS = ("linear", "sigmoid", "relu", "tanh", "softmax", "softplus", "softsign",
               "elu", "selu", "gelu", "silu", "swish", "exponential", "hard_sigmoid",
               "leaky_relu", "relu6", "mish", "log_softmax")
INT, FLOAT, BOOL, STR, INTS = "int", "float", "bool", "str", "ints"
OPTIONAL = "optional:"
LAYERS = {
    "InputLayer": {},
    "Dense": {"units": INT, "activation": "activation", "use_bias": BOOL},
    "Conv2D": {"filters": INT, "kernel_size": INTS, "strides": INTS, "padding": STR,
               "dilation_rate": INTS, "activation": "activation", "use_bias": BOOL},
    "Conv1D": {"filters": INT, "kernel_size": INTS, "strides": INTS, "padding": STR,
               "dilation_rate": INTS, "activation": "activation", "use_bias": BOOL},
    "MaxPooling2D": {"pool_size": INTS, "strides": OPTIONAL + INTS, "padding": STR},
    "AveragePooling2D": {"pool_size": INTS, "strides": OPTIONAL + INTS, "padding": STR},
    "MaxPooling1D": {"pool_size": INTS, "strides": OPTIONAL + INTS, "padding": STR},
    "GlobalAveragePooling2D": {},
    "GlobalMaxPooling2D": {},
    "Flatten": {},
    "Dropout": {"rate": FLOAT},
    "Activation": {"activation": "activation"},
    "ReLU": {"max_value": OPTIONAL + FLOAT, "negative_slope": FLOAT, "threshold": FLOAT},
    "Softmax": {"axis": INT},
    "Reshape": {"target_shape": INTS},
    "Rescaling": {"scale": FLOAT, "offset": FLOAT},
    "BatchNormalization": {"axis": INT, "momentum": FLOAT, "epsilon": FLOAT, "center": BOOL,
                           "scale": BOOL},
}
PADDINGS = ("valid", "same")
LOSSES = {  # class name -> settings; functions and strings by name, below
    "BinaryCrossentropy": {"from_logits": BOOL, "label_smoothing": FLOAT, "axis": INT},
    "CategoricalCrossentropy": {"from_logits": BOOL, "label_smoothing": FLOAT, "axis": INT},
    "SparseCategoricalCrossentropy": {"from_logits": BOOL, "ignore_class": OPTIONAL + INT},
    "BinaryFocalCrossentropy": {"from_logits": BOOL, "gamma": FLOAT, "alpha": FLOAT,
                                "apply_class_balancing": BOOL, "label_smoothing": FLOAT},
    "MeanSquaredError": {}, "MeanAbsoluteError": {}, "Huber": {"delta": FLOAT},
}
LOSS_FUNCTIONS = {
    "binary_crossentropy": "binary_crossentropy", "bce": "binary_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "binary_focal_crossentropy": "binary_focal_crossentropy",
    "mean_squared_error": "mean_squared_error", "mse": "mean_squared_error",
    "mean_absolute_error": "mean_absolute_error", "mae": "mean_absolute_error",
    "huber": "huber",
}
OPTIMIZERS = {
    name: {"learning_rate": FLOAT, "clipnorm": OPTIONAL + FLOAT, "clipvalue": OPTIONAL + FLOAT,
           "global_clipnorm": OPTIONAL + FLOAT, "weight_decay": OPTIONAL + FLOAT, **extra}
    for name, extra in {
        "Adam": {"beta_1": FLOAT, "beta_2": FLOAT, "epsilon": FLOAT, "amsgrad": BOOL},
        "AdamW": {"beta_1": FLOAT, "beta_2": FLOAT, "epsilon": FLOAT, "amsgrad": BOOL},
        "Nadam": {"beta_1": FLOAT, "beta_2": FLOAT, "epsilon": FLOAT},
        "Adamax": {"beta_1": FLOAT, "beta_2": FLOAT, "epsilon": FLOAT},
        "SGD": {"momentum": FLOAT, "nesterov": BOOL},
        "RMSprop": {"rho": FLOAT, "momentum": FLOAT, "epsilon": FLOAT, "centered": BOOL},
        "Adagrad": {"initial_accumulator_value": FLOAT, "epsilon": FLOAT},
    }.items()
}
METRICS = ("accuracy", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "mae", "mse", "precision", "recall", "auc")
PROBE = np.concatenate([np.linspace(-4.0, 4.0, 17), [-30.0, -10.0, -1e-3, 1e-3, 10.0, 30.0]]
                       ).astype(np.float32).reshape(1, -1)
_BINARY_TRUE = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
_ONE_HOT = [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
_PROBABILITIES = [[0.7, 0.1, 0.1, 0.1], [0.2, 0.2, 0.5, 0.1], [0.25, 0.25, 0.4, 0.1]]
_LOGITS = [[3.0, -1.0, 0.5, 0.2], [-2.0, 1.0, 4.0, 0.0], [0.3, 2.0, -1.5, -0.7]]
LOSS_PROBES = {  # family -> (y_true, y_pred): 3 examples each, float32
    name: (np.asarray(y_true, np.float32), np.asarray(y_pred, np.float32))
    for name, (y_true, y_pred) in {
        "binary": (_BINARY_TRUE, [[0.8, 0.3], [0.15, 0.6], [0.95, 0.45]]),
        "binary_logits": (_BINARY_TRUE, [[2.5, -1.0], [-3.0, 0.5], [6.0, -0.2]]),
        "categorical": (_ONE_HOT, _PROBABILITIES),
        "categorical_logits": (_ONE_HOT, _LOGITS),
        "sparse": ([0.0, 2.0, 3.0], _PROBABILITIES),
        "sparse_logits": ([0.0, 2.0, 3.0], _LOGITS),
    }.items()}
LOSS_PROBE_VALUES = 4            # per family: the batch's mean loss, then each example's
# the Keras losses a loss is recognised as, each with the family it is meant for
LOSS_CATALOGUE = [
    ({"kind": "name", "name": "binary_crossentropy"}, "binary"),
    ({"kind": "class", "class": "BinaryCrossentropy", "config": {"from_logits": True}},
     "binary_logits"),
    ({"kind": "name", "name": "categorical_crossentropy"}, "categorical"),
    ({"kind": "class", "class": "CategoricalCrossentropy", "config": {"from_logits": True}},
     "categorical_logits"),
    ({"kind": "name", "name": "sparse_categorical_crossentropy"}, "sparse"),
    ({"kind": "class", "class": "SparseCategoricalCrossentropy",
      "config": {"from_logits": True}}, "sparse_logits"),
    ({"kind": "name", "name": "binary_focal_crossentropy"}, "binary"),
    ({"kind": "name", "name": "mean_squared_error"}, "binary"),
    ({"kind": "name", "name": "mean_absolute_error"}, "binary"),
    ({"kind": "name", "name": "huber"}, "binary"),
]
METRIC_FAMILIES = ("binary", "categorical", "sparse")
METRIC_CATALOGUE = [("binary_accuracy", "binary"), ("categorical_accuracy", "categorical"),
                    ("sparse_categorical_accuracy", "sparse"), ("mae", "binary"),
                    ("mse", "binary"), ("precision", "binary"), ("recall", "binary"),
                    ("auc", "binary")]
MAX_PARAMETERS = 10_000_000     # weights of a rebuilt model (what 64 MiB of JSON could carry)
MAX_VALUES = 2**24              # values of one example at any layer's output


class SpecError(ValueError):
    """A model description that is not one of the allowed forms."""


# ----------------------------------------------------------------- describing a model

def _plain(value: Any) -> Any:
    """A config value as plain JSON-able data (tuples to lists), or None if it is not."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, type(None))) for v in value):
        return list(value)
    return None


@contextlib.contextmanager
def _quietly():
    """What a probed object prints or warns is dropped (it is not the student's output)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _numbers(value: Any, size: int | None = None) -> list | None:
    """``value`` as a flat list of floats (None for a value that is not finite), or None."""
    try:
        array = np.asarray(value, dtype=np.float64).ravel()
    except Exception:  # noqa: BLE001 - not numbers
        return None
    if size is not None and array.size != size:
        return None
    return [float(v) if math.isfinite(v) else None for v in array.tolist()]


def activation_spec(activation: Any) -> dict:
    """A layer's activation: the Keras name it claims, and its values on ``PROBE``."""
    import keras

    name = None
    try:
        with warnings.catch_warnings():  # Keras warns about serialising a lambda
            warnings.simplefilter("ignore")
            serialized = keras.activations.serialize(activation)
        name = serialized if isinstance(serialized, str) else None
    except Exception:  # noqa: BLE001 - a custom function may not serialise
        name = None
    spec: dict = {"name": name if name in ACTIVATIONS else None,
                  "label": str(getattr(activation, "__name__", type(activation).__name__))[:100]}
    try:
        with _quietly():
            spec["probe"] = _numbers(activation(PROBE), PROBE.size)
    except Exception:  # noqa: BLE001 - an activation that fails on numbers
        spec["probe"] = None
    return spec


def loss_values(loss: Any) -> dict:
    """What ``loss`` computes on ``LOSS_PROBES``: family -> ``LOSS_PROBE_VALUES`` numbers.

    Each family's list holds the mean loss of its three examples together, then of each
    example alone (None where the loss failed or gave no finite number).
    """
    values = {}
    with _quietly():
        for family, (y_true, y_pred) in LOSS_PROBES.items():
            row: list = []
            for rows in (slice(None), slice(0, 1), slice(1, 2), slice(2, 3)):
                try:
                    result = _numbers(loss(y_true[rows], y_pred[rows]))
                    row.append(float(np.mean(result)) if result and None not in result else None)
                except Exception:  # noqa: BLE001 - a loss not meant for this family
                    row.append(None)
            values[family] = row
    return values


def metric_values(metric: Any) -> dict:
    """What a metric computes on ``LOSS_PROBES``' probability families (as ``loss_values``).

    A Keras ``Metric`` object keeps state, so each value comes from a fresh copy of it
    (made from its config: the student's object itself is left as it was).
    """
    import keras

    def computed(y_true, y_pred):
        if isinstance(metric, keras.metrics.Metric):
            fresh = type(metric).from_config(metric.get_config())
            fresh.update_state(y_true, y_pred)
            return fresh.result()
        return metric(y_true, y_pred)

    values = loss_values(computed)
    return {family: values[family] for family in METRIC_FAMILIES}


def _loss_claim(loss: Any) -> dict:
    """What a loss says it is: a Keras name, a Keras class and settings, or a label."""
    if isinstance(loss, str):
        return {"kind": "name", "name": loss[:100]}
    name = type(loss).__name__
    if name in LOSSES and hasattr(loss, "get_config"):
        try:
            config = loss.get_config()
        except Exception:  # noqa: BLE001 - a get_config of the student's that fails
            config = {}
        config = config if isinstance(config, dict) else {}
        return {"kind": "class", "class": name,
                "config": {k: _plain(config.get(k)) for k in LOSSES[name] if k in config}}
    function = getattr(loss, "__name__", None)
    if callable(loss) and function in LOSS_FUNCTIONS:  # keras.losses.binary_crossentropy...
        return {"kind": "name", "name": function}
    return {"kind": "custom", "label": str(function or name)[:100]}


def _loss_spec(loss: Any) -> dict:
    """A model's loss: what it claims to be, and what it computes (see ``loss_values``)."""
    import keras

    if loss is None:
        return {"kind": "none"}
    spec = _loss_claim(loss)
    try:
        with _quietly():
            computed = keras.losses.get(loss) if isinstance(loss, str) else loss
    except Exception:  # noqa: BLE001 - a name Keras does not know
        computed = None
    spec["probe"] = loss_values(computed) if callable(computed) else None
    return spec


def _optimizer_spec(optimizer: Any) -> dict | None:
    if optimizer is None:
        return None
    name = type(optimizer).__name__
    if name not in OPTIMIZERS:
        return {"class": name, "config": {}, "unknown": True}
    config = optimizer.get_config()
    settings = {k: _plain(config.get(k)) for k in OPTIMIZERS[name] if k in config}
    rate = getattr(optimizer, "learning_rate", None)
    try:
        settings["learning_rate"] = float(np.asarray(rate))
    except (TypeError, ValueError):
        settings.pop("learning_rate", None)
    return {"class": name, "config": settings}


def model_spec(model: Any, encode_array) -> dict:
    """A Keras model as data; ``encode_array`` turns each weight array into a message."""
    import keras

    kind = "Sequential" if isinstance(model, keras.Sequential) else "Functional"
    layers = []
    for layer in model.layers:
        name = type(layer).__name__
        config = layer.get_config()
        entry: dict = {"class": name, "config": {}}
        for key, form in LAYERS.get(name, {}).items():
            if form == "activation":
                entry["config"][key] = activation_spec(getattr(layer, "activation", None))
            elif key in config:
                entry["config"][key] = _plain(config[key])
        entry["weights"] = [encode_array(np.asarray(w)) for w in layer.get_weights()]
        layers.append(entry)
    try:
        input_shape = [d if d is None else int(d) for d in model.inputs[0].shape]
    except (AttributeError, ValueError, IndexError, TypeError):
        input_shape = None
    spec = {"kind": kind, "name": str(getattr(model, "name", "model"))[:100],
            "input_shape": input_shape, "layers": layers,
            "compiled": bool(getattr(model, "compiled", False))}
    if spec["compiled"]:
        spec["loss"] = _loss_spec(getattr(model, "loss", None))
        spec["optimizer"] = _optimizer_spec(getattr(model, "optimizer", None))
        metrics = getattr(model, "_compile_metrics", None)
        entries: list = []
        for metric in list(getattr(metrics, "_user_metrics", None) or [])[:16]:
            if isinstance(metric, str):
                if metric in METRICS:
                    entries.append(metric)
            elif callable(metric):  # a function or Metric object: what it computes
                entries.append({"label": str(getattr(metric, "name", None) or getattr(
                    metric, "__name__", type(metric).__name__))[:100],
                    "probe": metric_values(metric)})
        spec["metrics"] = entries
    return spec


# ------------------------------------------------------------------ building one again

def _is_symbolic(x: Any) -> bool:
    import keras

    return isinstance(x, keras.KerasTensor)


class UnknownActivation:
    """Stands for an activation that is not a Keras one; using it says so."""

    def __init__(self, label: str, probe: list | None, claimed: str | None = None):
        self.__name__ = str(label)[:60]
        self.probe, self.claimed = probe, claimed

    def __call__(self, x):
        if _is_symbolic(x):  # building the model: shapes only
            return x
        if self.claimed:
            raise TypeError(f"the activation `{self.__name__}` does not compute what Keras's "
                            f"{self.claimed!r} computes (on test inputs its values differ), and "
                            "agrees with no other Keras activation")
        raise TypeError(f"the activation `{self.__name__}` is not one of Keras's: use its name "
                        f"(e.g. activation=\"relu\") so that it can be graded")


class UnknownLoss:
    """Stands for a loss that is not a Keras loss; computing it says so."""

    def __init__(self, label: str, claimed: str | None = None):
        self.name = self.__name__ = str(label)[:60]
        self.claimed = claimed

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.claimed:
            raise TypeError(f"the loss `{self.name}` does not compute what Keras's "
                            f"{self.claimed} computes (on test inputs its values differ), and "
                            "agrees with no other Keras loss")
        raise TypeError(f"the loss `{self.name}` is not one of Keras's losses: use a Keras loss "
                        "(a name such as \"binary_crossentropy\", or keras.losses....)")


def _agrees(ours: list | None, theirs: list | None) -> bool:
    """Two lists of ``_numbers``: the same length, None at the same places, close elsewhere."""
    if ours is None or theirs is None or len(ours) != len(theirs):
        return False
    if [v is None for v in ours] != [v is None for v in theirs]:
        return False
    pairs = [(a, b) for a, b in zip(ours, theirs, strict=True) if a is not None]
    return not pairs or bool(np.allclose(*zip(*pairs, strict=True), rtol=1e-4, atol=1e-6))


def _probe_list(value: Any, size: int) -> list | None:
    """A probe's values as sent: exactly ``size`` floats or Nones, else None."""
    if isinstance(value, list) and len(value) == size and all(
            v is None or (type(v) in (int, float) and math.isfinite(v)) for v in value):
        return [None if v is None else float(v) for v in value]
    return None


@functools.cache
def _activation_values(name: str) -> tuple:
    import keras

    with _quietly():
        return tuple(_numbers(keras.activations.get(name)(PROBE), PROBE.size) or ())


def _setting(value: Any, form: str, where: str) -> Any:
    optional = form.startswith(OPTIONAL)
    form = form.removeprefix(OPTIONAL)
    if value is None and optional:
        return None
    ok = {INT: type(value) is int, BOOL: type(value) is bool, STR: type(value) is str,
          FLOAT: type(value) in (int, float) and math.isfinite(value),
          INTS: type(value) is list and 0 < len(value) <= 8
          and all(type(v) is int for v in value)}.get(form, False)
    if not ok:
        raise SpecError(f"{where}: a setting of the wrong type")
    return tuple(value) if form == INTS else value


def _activation(spec: Any, where: str):
    """The Keras activation whose values on ``PROBE`` are the sent ones (the claimed first)."""
    if not isinstance(spec, dict):
        raise SpecError(f"{where}: a malformed activation")
    name = spec.get("name")
    if name is not None and name not in ACTIVATIONS:
        raise SpecError(f"{where}: an activation that is not allowed")
    probe = _probe_list(spec.get("probe"), PROBE.size)
    others = [c for c in ACTIVATIONS if c not in ("softmax", "log_softmax", name)]
    for candidate in ([name] if name else []) + others:  # tf.nn.sigmoid: the same function
        if _agrees(list(_activation_values(candidate)), probe):
            return candidate
    label = spec.get("label")
    return UnknownActivation(label if isinstance(label, str) else "?", probe, claimed=name)


def _layer(entry: Any, index: int):
    import keras

    where = f"layer {index}"
    if not isinstance(entry, dict) or entry.get("class") not in LAYERS or not isinstance(
            entry.get("config"), dict):
        name = entry.get("class") if isinstance(entry, dict) else None
        raise SpecError(f"{where}: the layer type {str(name)[:40]!r} cannot be graded")
    name, config = entry["class"], entry["config"]
    settings = {}
    for key, form in LAYERS[name].items():
        if key not in config:
            continue
        if form == "activation":
            settings[key] = _activation(config[key], where)
        else:
            settings[key] = _setting(config[key], form, where)
    if settings.get("padding", "valid") not in PADDINGS:
        raise SpecError(f"{where}: padding must be 'valid' or 'same'")
    if name == "InputLayer":
        return None
    return getattr(keras.layers, name)(**settings)


def _weights(entry: dict, decode_array) -> list:
    weights = entry.get("weights", [])
    if not isinstance(weights, list) or len(weights) > 8:
        raise SpecError("malformed weights")
    return [decode_array(w) for w in weights]


def _make_loss(spec: dict):
    """The Keras loss a claim (``_loss_claim``'s form) names, or None if it names none."""
    import keras

    kind = spec.get("kind")
    if kind == "name":
        name = LOSS_FUNCTIONS.get(spec.get("name"))
        return None if name is None else getattr(keras.losses, name)
    if kind == "class" and spec.get("class") in LOSSES and isinstance(spec.get("config"), dict):
        forms = LOSSES[spec["class"]]
        settings = {k: _setting(v, forms[k], "the loss") for k, v in spec["config"].items()
                    if k in forms}
        return getattr(keras.losses, spec["class"])(**settings)
    if kind == "custom":
        return None
    raise SpecError("a malformed loss")


def _home_family(spec: dict) -> str:
    """The probe family a claimed loss is meant for (binary, categorical, sparse; logits)."""
    name = str(spec.get("class") or LOSS_FUNCTIONS.get(spec.get("name")) or "").lower()
    family = "sparse" if "sparse" in name else "categorical" if "categorical" in name else "binary"
    logits = isinstance(spec.get("config"), dict) and spec["config"].get("from_logits") is True
    return family + "_logits" if logits else family


@functools.cache
def _reference_loss_values(key: str) -> str:
    return json.dumps(loss_values(_make_loss(json.loads(key))))


def _loss_agrees(spec: dict, home: str, probe: dict) -> bool:
    """Whether the Keras loss ``spec`` computes ``probe``'s values.

    Every family where the student's loss gave numbers must agree, and its home family
    must be one of them; a family where it failed is not held against it.
    """
    ours = json.loads(_reference_loss_values(json.dumps(spec, sort_keys=True)))
    compared = set()
    for family, theirs in probe.items():
        if None in theirs:
            continue
        if not _agrees(ours.get(family), theirs):
            return False
        compared.add(family)
    return home in compared


def build_loss(spec: Any):
    """The Keras loss whose values on ``LOSS_PROBES`` are the sent ones, the claimed first."""
    if not isinstance(spec, dict):
        raise SpecError("a malformed loss")
    kind = spec.get("kind")
    if kind == "none":
        return None
    if kind not in ("name", "class", "custom"):
        raise SpecError("a malformed loss")
    claimed = _make_loss(spec)  # SpecError for settings of the wrong type
    sent = spec.get("probe")
    probe = {family: _probe_list(sent.get(family), LOSS_PROBE_VALUES)
             for family in LOSS_PROBES} if isinstance(sent, dict) else {}
    probe = {family: values for family, values in probe.items() if values is not None}
    claim = {k: spec[k] for k in ("kind", "name", "class", "config") if k in spec}
    candidates = ([(claim, _home_family(claim))] if claimed is not None else []) + [
        (entry, home) for entry, home in LOSS_CATALOGUE if entry != claim]
    for candidate, home in candidates:
        if _loss_agrees(candidate, home, probe):
            return claimed if candidate is claim else _make_loss(candidate)
    label = spec.get("label") if kind == "custom" else spec.get("class") or spec.get("name")
    return UnknownLoss(str(label)[:60], claimed=None if claimed is None else str(label)[:60])


class UnknownMetric:
    """Stands for a metric that agrees with no Keras metric; computing it says so."""

    def __init__(self, label: str):
        self.__name__ = str(label)[:60]

    def __call__(self, y_true, y_pred):
        raise TypeError(f"the metric `{self.__name__}` computes what no Keras metric computes: "
                        "use a Keras metric (a name such as \"accuracy\", or keras.metrics....)")


@functools.cache
def _reference_metric_values(name: str) -> str:
    import keras

    return json.dumps(metric_values(keras.metrics.get(name)))


def build_metric(entry: Any):
    """A metric's name as sent, or the Keras metric whose values agree with the sent ones."""
    if isinstance(entry, str) and entry in METRICS:
        return entry
    if not isinstance(entry, dict):
        raise SpecError("a malformed metric")
    sent = entry.get("probe")
    probe = {family: _probe_list(sent.get(family), LOSS_PROBE_VALUES)
             for family in METRIC_FAMILIES} if isinstance(sent, dict) else {}
    probe = {family: values for family, values in probe.items() if values is not None}
    for name, home in METRIC_CATALOGUE:
        ours = json.loads(_reference_metric_values(name))
        compared = [family for family, theirs in probe.items() if None not in theirs]
        if home in compared and all(_agrees(ours.get(f), probe[f]) for f in compared):
            return name
    label = entry.get("label")
    return UnknownMetric(label if isinstance(label, str) else "?")


def build_optimizer(spec: Any):
    import keras

    if spec is None:
        return None
    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise SpecError("a malformed optimizer")
    name = spec.get("class")
    if name not in OPTIMIZERS:
        raise SpecError(f"the optimizer {str(name)[:40]!r} cannot be graded")
    forms = OPTIMIZERS[name]
    settings = {k: _setting(v, forms[k], "the optimizer") for k, v in spec["config"].items()
                if k in forms}
    return getattr(keras.optimizers, name)(**settings)


def _parameters(layer, input_shape: tuple) -> int:
    """Weights ``layer`` (one of ``LAYERS``, not built) would hold on ``input_shape``."""
    channels = input_shape[-1] if isinstance(input_shape[-1], int) else 1
    bias = 1 if getattr(layer, "use_bias", False) else 0
    kind = type(layer).__name__
    if kind == "Dense":
        return (channels + bias) * layer.units
    if kind in ("Conv1D", "Conv2D"):
        return (math.prod(layer.kernel_size) * channels + bias) * layer.filters
    if kind == "BatchNormalization":
        axis = input_shape[layer.axis] if -len(input_shape) <= layer.axis < len(input_shape) \
            else None
        return 4 * (axis if isinstance(axis, int) else 1)
    return 0


def _values_per_example(shape: tuple) -> int:
    return math.prod(d for d in shape[1:] if isinstance(d, int))


def _check_size(layers: list, input_shape: list) -> None:
    """Refuse, before anything is built, a model past ``MAX_PARAMETERS`` or ``MAX_VALUES``."""
    shape, total = tuple(input_shape), 0
    for layer in layers:
        if _values_per_example(shape) > MAX_VALUES:
            break
        total += _parameters(layer, shape)
        if total > MAX_PARAMETERS:
            break
        try:
            with _quietly():
                shape = tuple(layer.compute_output_shape(shape))
        except Exception:  # noqa: BLE001 - layers that do not fit: Keras says so when building
            return
    if total <= MAX_PARAMETERS and _values_per_example(shape) <= MAX_VALUES:
        return
    raise SpecError(f"a model of {total:,} weights or more ({_values_per_example(shape):,} "
                    f"values per example at a layer): the checker rebuilds models of at most "
                    f"{MAX_PARAMETERS:,} weights and {MAX_VALUES:,} values per example")


def build_model(spec: Any, decode_array):
    """A new Keras model from ``model_spec``'s description (see the module docstring)."""
    import keras

    if not isinstance(spec, dict) or spec.get("kind") not in ("Sequential", "Functional"):
        raise SpecError("a malformed model")
    entries = spec.get("layers")
    if not isinstance(entries, list) or len(entries) > 64:
        raise SpecError("a model with a malformed list of layers")
    layers = [(_layer(entry, i), entry) for i, entry in enumerate(entries)]
    layers = [(layer, entry) for layer, entry in layers if layer is not None]
    shape = spec.get("input_shape")
    if shape is not None and not (isinstance(shape, list) and 1 <= len(shape) <= 6 and all(
            d is None or (type(d) is int and 0 < d < 10**6) for d in shape)):
        raise SpecError("a malformed input shape")
    if shape is not None:
        _check_size([layer for layer, _ in layers], shape)
    name = spec.get("name") if isinstance(spec.get("name"), str) else "model"
    safe_name = "".join(c for c in name if c.isalnum() or c in "_-")[:60] or "model"
    if spec["kind"] == "Sequential":
        stack = ([keras.Input(shape=tuple(shape[1:]))] if shape else []) + [
            layer for layer, _ in layers]
        model = keras.Sequential(stack, name=safe_name)
    else:
        if not shape:
            raise SpecError("a functional model without an input")
        inputs = keras.Input(shape=tuple(shape[1:]))
        outputs = inputs
        for layer, _ in layers:
            outputs = layer(outputs)
        model = keras.Model(inputs, outputs, name=safe_name)
    if model.built:
        for layer, entry in layers:
            weights = _weights(entry, decode_array)
            if weights:
                try:
                    layer.set_weights(weights)
                except ValueError as error:
                    raise SpecError(f"weights that do not fit the layers: {error}") from None
    if spec.get("compiled") is True:
        metrics = [build_metric(m) for m in spec.get("metrics", [])[:16]] if isinstance(
            spec.get("metrics"), list) else []
        model.compile(loss=build_loss(spec.get("loss")),
                      optimizer=build_optimizer(spec.get("optimizer")) or "rmsprop",
                      metrics=metrics or None)
    return model
