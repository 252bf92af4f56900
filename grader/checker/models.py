"""Keras models as data: layers, weights and compile settings, and back, from an allowlist.

``model_spec(model)`` describes a model (the student's kernel does this for a model a
student's function returns); ``build_model(spec)`` makes a new model from such a
description, using only the layer classes, activations, losses and optimizers listed
here, with only the listed settings, each checked for its type. Keras's own
deserialisation (``from_config``, ``keras.saving``, ``keras.losses.get`` of a dict) is
never used: it has had ways around its safe mode.

A layer whose activation is not a Keras activation gets :class:`UnknownActivation`,
which says so when the model is used; a loss that is not a Keras loss gets
:class:`UnknownLoss`. Both describe the problem instead of failing to rebuild.
"""

from __future__ import annotations

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
PROBE = np.linspace(-4.0, 4.0, 17, dtype=np.float32).reshape(1, -1)


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


def activation_spec(activation: Any) -> dict:
    """A layer's activation: its Keras name, or its values on a probe if it has none."""
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
                  "label": getattr(activation, "__name__", type(activation).__name__)}
    if spec["name"] is None:
        try:
            spec["probe"] = np.asarray(activation(PROBE), dtype=np.float64).ravel().tolist()
        except Exception:  # noqa: BLE001 - an activation that fails on numbers
            spec["probe"] = None
    return spec


def _loss_spec(loss: Any) -> dict:
    if loss is None:
        return {"kind": "none"}
    if isinstance(loss, str):
        return {"kind": "name", "name": loss}
    name = type(loss).__name__
    if name in LOSSES and hasattr(loss, "get_config"):
        config = loss.get_config()
        return {"kind": "class", "class": name,
                "config": {k: _plain(config.get(k)) for k in LOSSES[name] if k in config}}
    function = getattr(loss, "__name__", None)
    if callable(loss) and function in LOSS_FUNCTIONS and type(loss).__module__.startswith(
            "keras"):
        return {"kind": "name", "name": function}
    return {"kind": "custom", "label": function or name}


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
        names = []
        for metric in getattr(metrics, "_user_metrics", None) or []:
            if isinstance(metric, str) and metric in METRICS:
                names.append(metric)
        spec["metrics"] = names
    return spec


# ------------------------------------------------------------------ building one again

def _is_symbolic(x: Any) -> bool:
    import keras

    return isinstance(x, keras.KerasTensor)


class UnknownActivation:
    """Stands for an activation that is not a Keras one; using it says so."""

    def __init__(self, label: str, probe: list | None):
        self.__name__ = str(label)[:60]
        self.probe = probe

    def __call__(self, x):
        if _is_symbolic(x):  # building the model: shapes only
            return x
        raise TypeError(f"the activation `{self.__name__}` is not one of Keras's: use its name "
                        f"(e.g. activation=\"relu\") so that it can be graded")


class UnknownLoss:
    """Stands for a loss that is not a Keras loss; computing it says so."""

    def __init__(self, label: str):
        self.name = self.__name__ = str(label)[:60]

    def __call__(self, y_true, y_pred, sample_weight=None):
        raise TypeError(f"the loss `{self.name}` is not one of Keras's losses: use a Keras loss "
                        "(a name such as \"binary_crossentropy\", or keras.losses....)")


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
    import keras

    if not isinstance(spec, dict):
        raise SpecError(f"{where}: a malformed activation")
    name = spec.get("name")
    if name is not None:
        if name not in ACTIVATIONS:
            raise SpecError(f"{where}: an activation that is not allowed")
        return name
    probe = spec.get("probe")
    if isinstance(probe, list) and len(probe) == PROBE.size and all(
            type(v) in (int, float) for v in probe):
        for candidate in ACTIVATIONS:  # tf.nn.sigmoid and the like: the same function
            if candidate in ("softmax", "log_softmax"):
                continue
            values = np.asarray(keras.activations.get(candidate)(PROBE)).ravel()
            if np.allclose(values, probe, rtol=1e-5, atol=1e-6):
                return candidate
    label = spec.get("label")
    return UnknownActivation(label if isinstance(label, str) else "?", probe)


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


def build_loss(spec: Any):
    import keras

    if not isinstance(spec, dict):
        raise SpecError("a malformed loss")
    kind = spec.get("kind")
    if kind == "none":
        return None
    if kind == "name":
        name = LOSS_FUNCTIONS.get(spec.get("name"))
        if name is None:
            return UnknownLoss(str(spec.get("name"))[:60])
        return getattr(keras.losses, name)
    if kind == "class" and spec.get("class") in LOSSES and isinstance(spec.get("config"), dict):
        forms = LOSSES[spec["class"]]
        settings = {k: _setting(v, forms[k], "the loss") for k, v in spec["config"].items()
                    if k in forms}
        return getattr(keras.losses, spec["class"])(**settings)
    if kind == "custom":
        return UnknownLoss(str(spec.get("label"))[:60])
    raise SpecError("a malformed loss")


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
        metrics = [m for m in spec.get("metrics", []) if m in METRICS] if isinstance(
            spec.get("metrics"), list) else []
        model.compile(loss=build_loss(spec.get("loss")),
                      optimizer=build_optimizer(spec.get("optimizer")) or "rmsprop",
                      metrics=metrics or None)
    return model
