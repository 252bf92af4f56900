"""05_softmax_cross_entropy: wrong and alternative answers for the eight graded functions."""

from tests.mistakes import function_source as _fn

ASSIGNMENT = "05_softmax_cross_entropy"


def _my_softmax(body):
    return _fn("my_softmax(z)", body)


def _softmax(body):
    return _fn("softmax(Z)", body)


def _ce(body):
    return _fn("cross_entropy_loss(A, y)", body)


def _entropy(body):
    return _fn("entropy_bits(p)", body)


def _cross(body):
    return _fn("cross_entropy_bits(p, q)", body)


def _grads(body):
    return _fn("softmax_regression_gradients(X, y, W, b)", body)


def _build(body):
    return _fn("build_softmax_regression(n_features, n_classes)", body)


TRAIN_RIGHT = """
m, n = X.shape
K = int(y.max()) + 1
W, b = np.zeros((n, K)), np.zeros(K)
rng = np.random.default_rng(seed)
history = []
for _ in range(epochs):
    order = rng.permutation(m)
    for start in range(0, m, batch_size):
        batch = order[start:start + batch_size]
        dW, db = softmax_regression_gradients(X[batch], y[batch], W, b)
        W, b = W - lr * dW, b - lr * db
    history.append(cross_entropy_loss(softmax(X @ W + b), y))
return W, b, history
"""


def _train(old: str, new: str) -> str:
    assert old in TRAIN_RIGHT, old
    return _fn("train_softmax_regression(X, y, lr, epochs, batch_size, seed)",
               TRAIN_RIGHT.replace(old, new))


BUILD_RIGHT = """
model = keras.Sequential([keras.Input(shape=(n_features,)),
                          keras.layers.Dense(n_classes, activation="linear")])
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer=keras.optimizers.Adam(learning_rate=1e-3), metrics=["accuracy"])
return model
"""


def _build_with(old: str, new: str) -> str:
    assert old in BUILD_RIGHT, old
    return _build(BUILD_RIGHT.replace(old, new))


MISTAKES = {
    "my_softmax": [
        ("z / sum(z)", _my_softmax("return z / np.sum(z)")),
        ("exp(z) / sum(z)", _my_softmax("return np.exp(z) / np.sum(z)")),
        ("returns the exponentials", _my_softmax("return np.exp(z)")),
        ("log-softmax", _my_softmax("return z - np.log(np.sum(np.exp(z)))")),
        ("subtracts the max in place", _my_softmax("z -= z.max()\nreturn np.exp(z) / np.exp(z).sum()")),
        ("divides by the largest exponential", _my_softmax("return np.exp(z) / np.max(np.exp(z))")),
    ],
    "softmax": [
        ("over the wrong axis", _softmax(
            "e = np.exp(Z - Z.max(axis=0, keepdims=True))\nreturn e / e.sum(axis=0, keepdims=True)")),
        ("one global maximum", _softmax("e = np.exp(Z - Z.max())\nreturn e / e.sum(axis=1, keepdims=True)")),
        ("no shift: exp overflows at 1000", _softmax(
            "e = np.exp(Z)\nreturn e / e.sum(axis=1, keepdims=True)")),
        ("one sum over the whole matrix", _softmax(
            "e = np.exp(Z - Z.max(axis=1, keepdims=True))\nreturn e / e.sum()")),
        ("keepdims forgotten", _softmax(
            "e = np.exp(Z - Z.max(axis=1, keepdims=True))\nreturn e / e.sum(axis=1)")),
        ("shifts the caller's array in place", _softmax(
            "Z -= Z.max(axis=1, keepdims=True)\ne = np.exp(Z)\n"
            "return e / e.sum(axis=1, keepdims=True)")),
        ("keepdims forgotten on the maximum", _softmax(
            "e = np.exp(Z - Z.max(axis=1))\nreturn e / e.sum(axis=1, keepdims=True)")),
        ("shifted by each column's maximum", _softmax(
            "e = np.exp(Z - Z.max(axis=0))\nreturn e / e.sum(axis=1, keepdims=True)")),
        ("adds the maximum instead of subtracting it", _softmax(
            "e = np.exp(Z + Z.max(axis=1, keepdims=True))\nreturn e / e.sum(axis=1, keepdims=True)")),
    ],
    "cross_entropy_loss": [
        ("sum instead of mean", _ce("return -np.sum(np.log(A[np.arange(len(y)), y]))")),
        ("minus sign missing", _ce("return np.mean(np.log(A[np.arange(len(y)), y]))")),
        ("log base 2", _ce("return -np.mean(np.log2(A[np.arange(len(y)), y]))")),
        ("A[:, y] makes an m x m matrix", _ce("return -np.mean(np.log(A[:, y]))")),
        ("mean over every entry", _ce("return -np.mean(np.log(A))")),
        ("binary cross-entropy formula", _ce(
            "a = A[np.arange(len(y)), y]\nreturn -np.mean(np.log(a) + np.log(1 - a))")),
    ],
    "entropy_bits": [
        ("nan for a zero probability", _entropy("p = np.asarray(p, dtype=float)\n"
                                                 "return -np.sum(p * np.log2(p))")),
        ("np.where still takes log2(0): NumPy warns", _entropy(
            "p = np.asarray(p, dtype=float)\nreturn -np.sum(np.where(p > 0, p * np.log2(p), 0.0))")),
        ("natural log", _entropy("p = np.asarray(p, dtype=float)\nnz = p > 0\n"
                                 "return -np.sum(p[nz] * np.log(p[nz]))")),
        ("minus sign missing", _entropy("p = np.asarray(p, dtype=float)\nnz = p > 0\n"
                                        "return np.sum(p[nz] * np.log2(p[nz]))")),
        ("log2 of 1 + p to avoid zeros", _entropy("p = np.asarray(p, dtype=float)\n"
                                                  "return -np.sum(p * np.log2(p + 1e-12))"
                                                  " + 1e-3")),
        ("mean instead of sum", _entropy("p = np.asarray(p, dtype=float)\nnz = p > 0\n"
                                         "return -np.mean(p[nz] * np.log2(p[nz]))")),
    ],
    "cross_entropy_bits": [
        ("p and q swapped", _cross("p, q = np.asarray(p, float), np.asarray(q, float)\nnz = q > 0\n"
                                   "return -np.sum(q[nz] * np.log2(p[nz]))")),
        ("natural log", _cross("p, q = np.asarray(p, float), np.asarray(q, float)\nnz = p > 0\n"
                               "return -np.sum(p[nz] * np.log(q[nz]))")),
        ("entropy of q instead", _cross("q = np.asarray(q, float)\nnz = q > 0\n"
                                        "return -np.sum(q[nz] * np.log2(q[nz]))")),
        ("np.where still takes log2(0): NumPy warns", _cross(
            "p, q = np.asarray(p, float), np.asarray(q, float)\n"
            "return -np.sum(np.where(p > 0, p * np.log2(q), 0.0))")),
        ("nan for zero p and q", _cross("p, q = np.asarray(p, float), np.asarray(q, float)\n"
                                        "return -np.sum(p * np.log2(q))")),
    ],
    "softmax_regression_gradients": [
        ("no 1/m", _grads("dZ = softmax(X @ W + b) - np.eye(W.shape[1])[y]\n"
                          "return X.T @ dZ, dZ.sum(axis=0)")),
        ("wrong sign", _grads("dZ = (np.eye(W.shape[1])[y] - softmax(X @ W + b)) / len(y)\n"
                              "return X.T @ dZ, dZ.sum(axis=0)")),
        ("db averaged twice", _grads("dZ = (softmax(X @ W + b) - np.eye(W.shape[1])[y]) / len(y)\n"
                                     "return X.T @ dZ, dZ.mean(axis=0)")),
        ("softmax forgotten", _grads("dZ = (X @ W + b - np.eye(W.shape[1])[y]) / len(y)\n"
                                     "return X.T @ dZ, dZ.sum(axis=0)")),
        ("dW transposed", _grads("dZ = (softmax(X @ W + b) - np.eye(W.shape[1])[y]) / len(y)\n"
                                 "return dZ.T @ X, dZ.sum(axis=0)")),
        ("K from the labels: y.max() + 1", _grads(
            "dZ = (softmax(X @ W + b) - np.eye(y.max() + 1)[y]) / len(y)\n"
            "return X.T @ dZ, dZ.sum(axis=0)")),
        ("K = the number of distinct labels in the batch", _grads(
            "K = len(np.unique(y))\ndZ = (softmax(X @ W + b) - np.eye(K)[y]) / len(y)\n"
            "return X.T @ dZ, dZ.sum(axis=0)")),
        ("one-hot of the wrong class", _grads(
            "dZ = (softmax(X @ W + b) - np.eye(W.shape[1])[(y + 1) % W.shape[1]]) / len(y)\n"
            "return X.T @ dZ, dZ.sum(axis=0)")),
    ],
    "train_softmax_regression": [
        ("shuffled once, not every epoch", _train(
            "for _ in range(epochs):\n    order = rng.permutation(m)",
            "order = rng.permutation(m)\nfor _ in range(epochs):")),
        ("a new generator every epoch", _train(
            "    order = rng.permutation(m)",
            "    order = np.random.default_rng(seed).permutation(m)")),
        ("gradient ascent", _train("W, b = W - lr * dW, b - lr * db",
                                   "W, b = W + lr * dW, b + lr * db")),
        ("learning rate ignored", _train("W, b = W - lr * dW, b - lr * db",
                                         "W, b = W - dW, b - db")),
        ("bias never updated", _train("W, b = W - lr * dW, b - lr * db", "W = W - lr * dW")),
        ("last partial batch dropped", _train(
            "for start in range(0, m, batch_size):",
            "for start in range(0, m - batch_size + 1, batch_size):")),
        ("history records the last batch's loss", _train(
            "history.append(cross_entropy_loss(softmax(X @ W + b), y))",
            "history.append(cross_entropy_loss(softmax(X[batch] @ W + b), y[batch]))")),
        ("one epoch too many", _train("for _ in range(epochs):", "for _ in range(epochs + 1):")),
        ("random initial weights", _train("W, b = np.zeros((n, K)), np.zeros(K)",
                                          "W = np.random.default_rng(seed).normal(size=(n, K)) / 100\n"
                                          "b = np.zeros(K)")),
    ],
    "build_softmax_regression": [
        ("softmax output with from_logits=True", _build_with(
            'activation="linear"', 'activation="softmax"')),
        ("from_logits missing", _build_with(
            "SparseCategoricalCrossentropy(from_logits=True)", "SparseCategoricalCrossentropy()")),
        ("not compiled", _build_with(
            "model.compile(", "dict(")),
        ("one output unit", _build_with("Dense(n_classes", "Dense(1")),
        ("a hidden ReLU layer added", _build_with(
            'keras.layers.Dense(n_classes, activation="linear")',
            'keras.layers.Dense(32, activation="relu"), '
            'keras.layers.Dense(n_classes, activation="linear")')),
        ("categorical (one-hot) cross-entropy", _build_with(
            "SparseCategoricalCrossentropy(from_logits=True)",
            "CategoricalCrossentropy(from_logits=True)")),
    ],
}

ALTERNATIVES = {
    "my_softmax": [
        ("plain formula", _my_softmax("return np.exp(z) / np.sum(np.exp(z))")),
        ("scipy.special.softmax", "\nfrom scipy.special import softmax as scipy_softmax\n"
         + _my_softmax("return scipy_softmax(z)")),
        ("logsumexp", "\nfrom scipy.special import logsumexp\n"
         + _my_softmax("return np.exp(z - logsumexp(z))")),
    ],
    "softmax": [
        ("scipy.special.softmax", "\nimport scipy.special\n"
         + _softmax("return scipy.special.softmax(Z, axis=1)")),
        ("transposes", _softmax("e = np.exp(Z.T - Z.max(axis=1))\nreturn (e / e.sum(axis=0)).T")),
        ("reshape instead of keepdims", _softmax(
            "e = np.exp(Z - Z.max(axis=1).reshape(-1, 1))\nreturn e / e.sum(axis=1).reshape(-1, 1)")),
        ("tf.nn.softmax in float64", "\nimport tensorflow as tf\n"
         + _softmax("return tf.nn.softmax(np.asarray(Z, dtype=np.float64), axis=1).numpy()")),
    ],
    "cross_entropy_loss": [
        ("np.take_along_axis", _ce(
            "return -np.mean(np.log(np.take_along_axis(A, y[:, None], axis=1)))")),
        ("one-hot product", _ce("Y = np.eye(A.shape[1])[y]\n"
                                "return -np.sum(Y * np.log(np.where(Y > 0, A, 1.0))) / len(y)")),
        ("a loop", _ce("total = 0.0\nfor i, label in enumerate(y):\n"
                       "    total -= np.log(A[i, label])\nreturn total / len(y)")),
    ],
    "entropy_bits": [
        ("np.where on a safe log", _entropy(
            "p = np.asarray(p, dtype=float)\n"
            "return -np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0))")),
        ("natural log over log 2", _entropy("p = np.asarray(p, dtype=float)\np = p[p > 0]\n"
                                            "return float(-(p * np.log(p)).sum() / np.log(2))")),
        ("scipy.stats.entropy", "\nfrom scipy.stats import entropy\n"
         + _entropy("return entropy(p, base=2)")),
    ],
    "cross_entropy_bits": [
        ("a loop over the classes", _cross(
            "total = 0.0\nfor p_j, q_j in zip(p, q):\n    if p_j > 0:\n"
            "        total -= p_j * np.log2(q_j)\nreturn total")),
        ("entropy plus KL divergence", "\nfrom scipy.stats import entropy\n"
         + _cross("return entropy(p, base=2) + entropy(p, q, base=2)")),
    ],
    "softmax_regression_gradients": [
        ("subtract 1 at the labels", _grads(
            "dZ = softmax(X @ W + b)\ndZ[np.arange(len(y)), y] -= 1\ndZ /= len(y)\n"
            "return X.T @ dZ, np.sum(dZ, axis=0)")),
        ("mean over examples", _grads(
            "dZ = softmax(X @ W + b) - np.eye(W.shape[1])[y]\n"
            "return X.T @ dZ / len(y), dZ.mean(axis=0)")),
        ("one-hot by comparison", _grads(
            "Y = (y[:, None] == np.arange(W.shape[1])).astype(float)\n"
            "dZ = (softmax(X @ W + b) - Y) / X.shape[0]\nreturn np.dot(X.T, dZ), dZ.sum(0)")),
    ],
    "train_softmax_regression": [
        ("a shuffled copy per epoch, then slices", _train(
            "        batch = order[start:start + batch_size]\n"
            "        dW, db = softmax_regression_gradients(X[batch], y[batch], W, b)",
            "        Xb, yb = Xs[start:start + batch_size], ys[start:start + batch_size]\n"
            "        dW, db = softmax_regression_gradients(Xb, yb, W, b)").replace(
            "    order = rng.permutation(m)\n",
            "    order = rng.permutation(m)\n        Xs, ys = X[order], y[order]\n")),
        ("in-place updates on own arrays, history as an array", _train(
            "        W, b = W - lr * dW, b - lr * db",
            "        W -= lr * dW\n        b -= lr * db").replace(
            "    return W, b, history", "    return W, b, np.array(history)")),
        ("shuffle of a fresh arange", _train(
            "    order = rng.permutation(m)",
            "    order = np.arange(m)\n    rng.shuffle(order)")),
    ],
    "build_softmax_regression": [
        ("no activation given (linear), string metric", _build(
            "model = keras.Sequential()\nmodel.add(keras.Input(shape=(n_features,)))\n"
            "model.add(keras.layers.Dense(n_classes))\n"
            "model.compile(optimizer='adam', metrics=['accuracy'],\n"
            "              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
            "return model")),
        ("plain SGD", _build_with(
            "keras.optimizers.Adam(learning_rate=1e-3)", "keras.optimizers.SGD(learning_rate=0.1)")),
        ("no metrics, RMSprop by name", _build_with(
            "optimizer=keras.optimizers.Adam(learning_rate=1e-3), metrics=[\"accuracy\"]",
            "optimizer=\"rmsprop\"")),
        ("tf.keras", "\nimport tensorflow as tf\n" + _build(
            "model = tf.keras.Sequential([tf.keras.Input((n_features,)),\n"
            "                             tf.keras.layers.Dense(n_classes, activation=None)])\n"
            "model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),\n"
            "              optimizer=tf.keras.optimizers.Adam(0.001))\nreturn model")),
    ],
}

# Mistakes that the visible tests must catch (an edge case the instructions state).
CAUGHT_VISIBLY = {
    "softmax": ["one global maximum", "keepdims forgotten", "keepdims forgotten on the maximum",
                "no shift: exp overflows at 1000"],
    "entropy_bits": ["nan for a zero probability", "np.where still takes log2(0): NumPy warns"],
    "cross_entropy_bits": ["nan for zero p and q", "np.where still takes log2(0): NumPy warns"],
    "softmax_regression_gradients": ["K from the labels: y.max() + 1",
                                     "K = the number of distinct labels in the batch"],
}
