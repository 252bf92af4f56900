"""04_activations: wrong and alternative answers for relu, collapse_linear and the output choice."""

ASSIGNMENT = "04_activations"


def _relu(body: str) -> str:
    return f"\ndef relu(z):\n    {body}\n"


def _collapse(body: str) -> str:
    return f"\ndef collapse_linear(W1, b1, W2, b2):\n    {body}\n"


def _choose(mapping: str) -> str:
    return f"\ndef choose_output_activation(task):\n    return {mapping}[task]\n"


RIGHT = {"binary": "sigmoid", "regression": "linear", "nonnegative_regression": "relu",
         "multiclass_logits": "linear"}

MISTAKES = {
    "relu": [
        ("np.max reduces instead of comparing elementwise", _relu("return np.max(z, 0)")),
        ("absolute value", _relu("return np.abs(np.asarray(z, dtype=float))")),
        ("zeroes negatives in place", _relu("z[z < 0] = 0\n    return z")),
        ("threshold at 1", _relu("return np.maximum(np.asarray(z, dtype=float), 1.0)")),
        ("leaky ReLU", _relu("z = np.asarray(z, dtype=float)\n    return np.maximum(z, 0.01 * z)")),
        ("returns the mask", _relu("return (np.asarray(z) > 0).astype(float)")),
        ("integer result", _relu("return np.maximum(z, 0).astype(int)")),
        ("Python's max on an array", _relu("return max(0.0, z)")),
    ],
    "collapse_linear": [
        ("W2 @ W1", _collapse("return W2.T @ W1.T, b1 @ W2 + b2")),
        ("biases simply added", _collapse("return W1 @ W2, b1 + b2")),
        ("b2 forgotten", _collapse("return W1 @ W2, b1 @ W2")),
        ("b1 forgotten", _collapse("return W1 @ W2, b2")),
        ("W and b swapped", _collapse("return b1 @ W2 + b2, W1 @ W2")),
        ("elementwise product", _collapse("return W1 * W2.T[0], b1 @ W2 + b2")),
        ("b1 not multiplied by W2", _collapse("return W1 @ W2, b1.sum() + b2")),
    ],
    "choose_output_activation": [
        ("softmax for logits", _choose({**RIGHT, "multiclass_logits": "softmax"})),
        ("sigmoid for any regression", _choose({**RIGHT, "regression": "sigmoid"})),
        ("linear for non-negative values", _choose({**RIGHT, "nonnegative_regression": "linear"})),
        ("relu for binary", _choose({**RIGHT, "binary": "relu"})),
        ("capitalised names", _choose({k: v.capitalize() for k, v in RIGHT.items()})),
        ("None for linear", """
def choose_output_activation(task):
    return {"binary": "sigmoid", "nonnegative_regression": "relu"}.get(task)
"""),
    ],
}

ALTERNATIVES = {
    "relu": [
        ("mask multiply", _relu("z = np.asarray(z, dtype=float)\n    return z * (z > 0)")),
        ("np.clip", _relu("return np.clip(np.asarray(z, dtype=float), 0, None)")),
        ("np.where on a copy", _relu("z = np.array(z, dtype=float)\n"
                                     "    return np.where(z > 0, z, 0.0)")),
        ("copy then zero", _relu("out = np.array(z, dtype=float)\n    out[out < 0] = 0\n"
                                 "    return out")),
    ],
    "collapse_linear": [
        ("np.dot", _collapse("return np.dot(W1, W2), np.dot(b1, W2) + b2")),
        ("matmul and a list", _collapse("return [np.matmul(W1, W2), np.matmul(b1, W2) + b2]")),
        ("through a row-shaped bias", _collapse(
            "W = W1 @ W2\n    b = (b1.reshape(1, -1) @ W2 + b2).ravel()\n    return W, b")),
    ],
    "choose_output_activation": [
        ("if / elif", """
def choose_output_activation(task):
    if task == "binary":
        return "sigmoid"
    elif task == "nonnegative_regression":
        return "relu"
    elif task in ("regression", "multiclass_logits"):
        return "linear"
    raise ValueError(f"unknown task {task!r}")
"""),
        ("match", """
def choose_output_activation(task):
    match task:
        case "binary":
            return "sigmoid"
        case "nonnegative_regression":
            return "relu"
        case _:
            return "linear"
"""),
    ],
}

# What a student's feedback says when their function matches a mistake above.
MESSAGES = {
    "relu": {
        "np.max reduces instead of comparing elementwise": (
            "Your `relu` gives the same output as `np.max(z, 0)`, which reads the 0 as an axis "
            "and reduces the array to its largest entries instead of comparing each element "
            "with 0: the result loses the input's shape."),
        "absolute value": (
            "Your `relu` gives the same numbers as the absolute value of `z`: negative inputs "
            "come back positive, where ReLU sets them to 0."),
        "zeroes negatives in place": (
            "Your `relu` returns the right values but sets the negative entries of the caller's "
            "`z` to 0 in place, changing the array that was passed in (and a plain number "
            "cannot be changed at all): return a new array and leave `z` as it was."),
        "threshold at 1": (
            "Your `relu` gives the same numbers as taking the maximum with 1 instead of with 0: "
            "every value below 1, zeros and small positive values included, comes back as 1."),
        "leaky ReLU": (
            "Your `relu` gives the same numbers as a leaky ReLU: negative inputs come back as a "
            "small fraction of themselves instead of exactly 0."),
        "returns the mask": (
            "Your `relu` returns 1 where `z` is positive and 0 elsewhere, the mask of the "
            "positive entries (ReLU's slope), instead of the value of `z` itself where it is "
            "positive."),
        "integer result": (
            "Your `relu` gives the same numbers as converting the result to integers: positive "
            "values lose their fractional part and huge ones do not fit, while ReLU must return "
            "floats."),
        "Python's max on an array": (
            "Your `relu` behaves like Python's built-in `max`, which works for one number but "
            "raises an error for an array (an array compared with 0 has no single truth value): "
            "ReLU must compare each element with 0."),
    },
    "collapse_linear": {
        "W2 @ W1": (
            "Your `collapse_linear` gives the same W as multiplying the weight matrices in the "
            "reverse order (transposed to fit): that is the transpose of the right W, shape "
            "(k, n) instead of (n, k). A row x meets `W1` first, then `W2`."),
        "biases simply added": (
            "Your `collapse_linear` gives the same b as adding the two biases: `b1` is added "
            "before the second layer, so it too passes through the weights `W2` (and it has h "
            "entries, not k)."),
        "b2 forgotten": (
            "Your `collapse_linear` leaves the second layer's bias `b2` out of the combined "
            "bias: it reaches the output unchanged, alongside what `b1` becomes after the "
            "second layer."),
        "b1 forgotten": (
            "Your `collapse_linear` returns only `b2` as the bias: the first layer's bias `b1` "
            "also reaches the output, through the second layer's weights."),
        "W and b swapped": (
            "Your `collapse_linear` returns the bias first and the weights second: the function "
            "must return the pair `(W, b)` in that order."),
        "elementwise product": (
            "Your `collapse_linear` computes W with an elementwise product (`*`) instead of a "
            "matrix product: nothing is summed over the hidden units, and W keeps the shape of "
            "`W1`, (n, h) instead of (n, k)."),
        "b1 not multiplied by W2": (
            "Your `collapse_linear` adds up the entries of `b1` instead of passing `b1` through "
            "the second layer: each hidden unit's bias reaches each output weighted by that "
            "unit's weights in `W2`."),
    },
    "choose_output_activation": {
        "softmax for logits": (
            "Your `choose_output_activation` returns `\"softmax\"` for `\"multiclass_logits\"`: "
            "a loss that takes logits applies the softmax itself, so the output layer must "
            "leave the scores as they are."),
        "sigmoid for any regression": (
            "Your `choose_output_activation` returns `\"sigmoid\"` for `\"regression\"`: a "
            "sigmoid squeezes every output into (0, 1), but a regression must be able to "
            "predict any real number, negative ones included."),
        "linear for non-negative values": (
            "Your `choose_output_activation` returns `\"linear\"` for "
            "`\"nonnegative_regression\"`: a linear output can go below 0; this task needs the "
            "activation whose outputs are never negative."),
        "relu for binary": (
            "Your `choose_output_activation` returns `\"relu\"` for `\"binary\"`: the output "
            "must be a probability between 0 and 1, and ReLU's outputs have no upper bound."),
        "capitalised names": (
            "Your `choose_output_activation` picks the right activations but capitalises their "
            "names: Keras spells its activations in lower case, and the tests compare the "
            "strings exactly."),
        "None for linear": (
            "Your `choose_output_activation` returns `None` for the tasks that need the linear "
            "activation: Keras treats a missing activation as linear, but the function must "
            "return its name as a string."),
    },
}
