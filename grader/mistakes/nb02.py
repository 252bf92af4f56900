"""02_forward_prop_numpy: wrong and alternative answers for the four layer functions."""

ASSIGNMENT = "02_forward_prop_numpy"


def _dense_loop(body: str, buffer: str = "np.zeros(units)", units: str = "W.shape[1]",
                loop: str = "range(units)") -> str:
    return f"""
def my_dense(a_in, W, b, g):
    units = {units}
    a_out = {buffer}
    for j in {loop}:
        {body}
    return a_out
"""


MISTAKES = {
    "my_dense": [
        ("bias forgotten", _dense_loop("a_out[j] = g(np.dot(W[:, j], a_in))")),
        ("bias added after the activation",
         _dense_loop("a_out[j] = g(np.dot(W[:, j], a_in)) + b[j]")),
        ("rows of W used as units", _dense_loop("a_out[j] = g(np.dot(W[j], a_in) + b[j])",
                                                units="W.shape[0]")),
        ("activation applied twice", _dense_loop("a_out[j] = g(g(np.dot(W[:, j], a_in) + b[j]))")),
        ("activation not applied", _dense_loop("a_out[j] = np.dot(W[:, j], a_in) + b[j]")),
        ("last unit skipped", _dense_loop("a_out[j] = g(np.dot(W[:, j], a_in) + b[j])",
                                          loop="range(units - 1)")),
        ("input reversed", _dense_loop("a_out[j] = g(np.dot(W[:, j], a_in[::-1]) + b[j])")),
        ("integer output buffer", _dense_loop("a_out[j] = g(np.dot(W[:, j], a_in) + b[j])",
                                              buffer="np.zeros(units, dtype=int)")),
        ("every unit gets bias b[0]", _dense_loop("a_out[j] = g(np.dot(W[:, j], a_in) + b[0])")),
        ("writes into the caller's bias array", _dense_loop(
            "a_out[j] = g(np.dot(W[:, j], a_in) + b[j])", buffer="b")),
    ],
    "my_sequential": [
        ("W1 used for both layers", """
def my_sequential(x, W1, b1, W2, b2):
    return my_dense(my_dense(x, W1, b1, sigmoid), W1, b1, sigmoid)
"""),
        ("second layer fed x instead of a1", """
def my_sequential(x, W1, b1, W2, b2):
    my_dense(x, W1, b1, sigmoid)
    return my_dense(x, W2, b2, sigmoid)
"""),
        ("returns the hidden layer", """
def my_sequential(x, W1, b1, W2, b2):
    a1 = my_dense(x, W1, b1, sigmoid)
    my_dense(a1, W2, b2, sigmoid)
    return a1
"""),
        ("no sigmoid on the output layer", """
def my_sequential(x, W1, b1, W2, b2):
    return my_dense(my_dense(x, W1, b1, sigmoid), W2, b2, lambda z: z)
"""),
        ("thresholds the output", """
def my_sequential(x, W1, b1, W2, b2):
    a2 = my_dense(my_dense(x, W1, b1, sigmoid), W2, b2, sigmoid)
    return (a2 >= 0.5).astype(float)
"""),
    ],
    "my_dense_v": [
        ("W transposed", """
def my_dense_v(A_in, W, b, g):
    return g(A_in @ W.T + b)
"""),
        ("bias after the activation", """
def my_dense_v(A_in, W, b, g):
    return g(A_in @ W) + b
"""),
        ("elementwise product instead of matmul", """
def my_dense_v(A_in, W, b, g):
    return g(A_in * W + b)
"""),
        ("returns (units, m)", """
def my_dense_v(A_in, W, b, g):
    return g(A_in @ W + b).T
"""),
        ("activation not applied", """
def my_dense_v(A_in, W, b, g):
    return A_in @ W + b
"""),
        ("only the first example", """
def my_dense_v(A_in, W, b, g):
    return g(A_in[:1] @ W + b)
"""),
        ("adds b in place into the caller's A_in", """
def my_dense_v(A_in, W, b, g):
    Z = A_in @ W
    Z += b
    A_in[:] = 0
    return g(Z)
"""),
    ],
    "my_predict": [
        ("thresholded output", """
def my_predict(X, W1, b1, W2, b2):
    return (my_dense_v(my_dense_v(X, W1, b1, sigmoid), W2, b2, sigmoid) >= 0.5).astype(float)
"""),
        ("(m,) instead of (m, 1)", """
def my_predict(X, W1, b1, W2, b2):
    return my_dense_v(my_dense_v(X, W1, b1, sigmoid), W2, b2, sigmoid).ravel()
"""),
        ("only the first layer's first unit", """
def my_predict(X, W1, b1, W2, b2):
    return my_dense_v(X, W1, b1, sigmoid)[:, :1]
"""),
        ("no sigmoid on the output", """
def my_predict(X, W1, b1, W2, b2):
    return my_dense_v(X, W1, b1, sigmoid) @ W2 + b2
"""),
        ("layers swapped", """
def my_predict(X, W1, b1, W2, b2):
    return my_dense_v(my_dense_v(X, W2.T, b1, sigmoid), W1.T, b2, sigmoid)
"""),
    ],
}

ALTERNATIVES = {
    "my_dense": [
        ("vectorised", """
def my_dense(a_in, W, b, g):
    return g(a_in @ W + b)
"""),
        ("W.T @ a_in", """
def my_dense(a_in, W, b, g):
    return g(np.dot(W.T, a_in) + b)
"""),
        ("list comprehension", """
def my_dense(a_in, W, b, g):
    return np.array([g(W[:, j] @ a_in + b[j]) for j in range(W.shape[1])], dtype=float)
"""),
        ("float buffer from zeros_like(b, dtype=float)", _dense_loop(
            "a_out[j] = g(np.sum(W[:, j] * a_in) + b[j])", buffer="np.zeros_like(b, dtype=float)")),
    ],
    "my_sequential": [
        ("vectorised inline", """
def my_sequential(x, W1, b1, W2, b2):
    return sigmoid(sigmoid(x @ W1 + b1) @ W2 + b2)
"""),
        ("through my_dense_v on a (1, n) row", """
def my_sequential(x, W1, b1, W2, b2):
    a1 = sigmoid(x.reshape(1, -1) @ W1 + b1)
    return sigmoid(a1 @ W2 + b2)[0]
"""),
    ],
    "my_dense_v": [
        ("np.matmul", """
def my_dense_v(A_in, W, b, g):
    return g(np.matmul(A_in, W) + b)
"""),
        ("transposes twice", """
def my_dense_v(A_in, W, b, g):
    return g((W.T @ A_in.T).T + b)
"""),
        ("np.dot and a row-shaped bias", """
def my_dense_v(A_in, W, b, g):
    return g(np.dot(A_in, W) + b.reshape(1, -1))
"""),
    ],
    "my_predict": [
        ("inline", """
def my_predict(X, W1, b1, W2, b2):
    return sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)
"""),
        ("my_sequential per example, stacked (slow but right)", """
def my_predict(X, W1, b1, W2, b2):
    return np.array([my_sequential(x, W1, b1, W2, b2) for x in X]).reshape(-1, 1)
"""),
    ],
}

# What a student's feedback says when their function matches a mistake above.
MESSAGES = {
    "my_dense": {
        "bias forgotten": (
            "Your `my_dense` gives the same numbers as leaving out the bias: each unit's z_j is "
            "the dot product alone, without that unit's `b[j]`."),
        "bias added after the activation": (
            "Your `my_dense` gives the same numbers as adding `b[j]` to the output of `g` "
            "instead of to z_j: the bias is part of z_j. The two agree only for the identity "
            "activation."),
        "rows of W used as units": (
            "Your `my_dense` gives the same numbers as taking unit j's weights from row j of `W` "
            "and counting the units by its rows; `W` has shape (n, units), with unit j's weights "
            "in column j. (This runs only when `W` is square.)"),
        "activation applied twice": (
            "Your `my_dense` gives the same numbers as applying `g` twice to each unit, "
            "g(g(z_j)); each activation is `g` applied once. The two agree only for the identity "
            "activation."),
        "activation not applied": (
            "Your `my_dense` gives the same numbers as storing z_j without applying the "
            "activation `g`, so it is right only for the identity activation."),
        "last unit skipped": (
            "Your `my_dense` gives the same numbers as a loop over one unit too few: the last "
            "unit keeps the 0 the output buffer started with. The loop must visit every column "
            "of `W`."),
        "input reversed": (
            "Your `my_dense` gives the same numbers as pairing the weights with the input in "
            "reverse order, `a_in[::-1]`, so each weight multiplies the wrong feature (unless "
            "the input reads the same backwards)."),
        "integer output buffer": (
            "Your `my_dense` gives the same numbers as storing the activations in an integer "
            "array: NumPy silently truncates each one toward 0 (a sigmoid output below 1 becomes "
            "0). The output buffer must hold floats."),
        "every unit gets bias b[0]": (
            "Your `my_dense` gives the same numbers as adding the first bias, `b[0]`, to every "
            "unit; each unit j has its own bias."),
        "writes into the caller's bias array": (
            "Your `my_dense` gets the values right but changes the caller's bias array: the "
            "activations overwrite the `b` that was passed in, as when `b` itself is used as the "
            "output buffer."),
    },
    "my_sequential": {
        "W1 used for both layers": (
            "Your `my_sequential` gives the same result as using the first layer's `W1` and `b1` "
            "in the second layer too; the second layer has its own weights and biases, `W2` and "
            "`b2`."),
        "second layer fed x instead of a1": (
            "Your `my_sequential` gives the same result as feeding `x` to the second layer "
            "instead of the first layer's activations, so the first layer's output is computed "
            "and thrown away."),
        "returns the hidden layer": (
            "Your `my_sequential` returns the first (hidden) layer's activations; the network's "
            "output is the second layer's."),
        "no sigmoid on the output layer": (
            "Your `my_sequential` gives the same result as applying no activation in the second "
            "layer: the output unit's z rather than a probability. Both layers use the sigmoid."),
        "thresholds the output": (
            "Your `my_sequential` turns the output into a 0/1 decision; it must return the "
            "probability itself, not thresholded."),
    },
    "my_dense_v": {
        "W transposed": (
            "Your `my_dense_v` gives the same numbers as multiplying by the transpose of `W`, so "
            "unit j gets the weights in row j; `W` has shape (n, units), with unit j's weights "
            "in column j. (This runs only when `W` is square.)"),
        "bias after the activation": (
            "Your `my_dense_v` gives the same numbers as adding `b` to the output of `g` instead "
            "of to z: the bias is part of z. The two agree only for the identity activation."),
        "elementwise product instead of matmul": (
            "Your `my_dense_v` gives the same numbers as multiplying `A_in` and `W` elementwise "
            "(`*`) instead of taking their matrix product: nothing is summed over the inputs, "
            "and it runs only when the shapes happen to broadcast."),
        "returns (units, m)": (
            "Your `my_dense_v` returns the transpose of the layer's output, shape (units, m); "
            "the result has one row per example and one column per unit."),
        "activation not applied": (
            "Your `my_dense_v` returns the layer's z without applying the activation `g`, so it "
            "is right only for the identity activation."),
        "only the first example": (
            "Your `my_dense_v` gives the same result as computing only the first row of `A_in`: "
            "one row instead of one per example, right only for a batch of a single example."),
        "adds b in place into the caller's A_in": (
            "Your `my_dense_v` returns the right values but changes the caller's array: the "
            "`A_in` that was passed in is overwritten (with zeros) by the time the function "
            "returns."),
    },
    "my_predict": {
        "thresholded output": (
            "Your `my_predict` returns 0/1 decisions; it must return the probabilities "
            "themselves, not thresholded."),
        "(m,) instead of (m, 1)": (
            "Your `my_predict` gets the values right but flattens them to shape (m,); the "
            "probabilities come back as a column of shape (m, 1)."),
        "only the first layer's first unit": (
            "Your `my_predict` gives the same numbers as the hidden layer's first unit, as if "
            "the second layer never ran; the network's output is the second layer's activation."),
        "no sigmoid on the output": (
            "Your `my_predict` gives the same numbers as applying no sigmoid in the output "
            "layer: that layer's z (any real number) instead of a probability."),
        "layers swapped": (
            "Your `my_predict` gives the same numbers as swapping the two layers' weight "
            "matrices (transposed to fit) while keeping `b1` first and `b2` second; the first "
            "layer uses `W1` on `X`, the second `W2` on its output."),
    },
}
