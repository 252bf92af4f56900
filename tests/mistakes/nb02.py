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
