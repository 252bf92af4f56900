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
