"""05_softmax_cross_entropy: wrong and alternative answers for the eight graded functions."""

from grader.mistakes import function_source as _fn

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

# What a student's feedback says when their function matches a mistake above.
MESSAGES = {
    "my_softmax": {
        "z / sum(z)": (
            "Your `my_softmax` divides the logits themselves by their sum, without the "
            "exponential: the results can be negative, or infinite when the logits sum to 0, "
            "and they are not the softmax."),
        "exp(z) / sum(z)": (
            "Your `my_softmax` divides the exponentials by the sum of the logits instead of "
            "the sum of the exponentials, so the outputs do not sum to 1."),
        "returns the exponentials": (
            "Your `my_softmax` returns the exponentials of the logits without normalising "
            "them, so the outputs do not sum to 1."),
        "log-softmax": (
            "Your `my_softmax` returns the logarithm of the softmax (log-probabilities, all at "
            "most 0) instead of the probabilities themselves."),
        "subtracts the max in place": (
            "Your `my_softmax` returns the right probabilities but subtracts the maximum from "
            "the caller's `z` in place, changing the array that was passed in: do the shift on "
            "a new array."),
        "divides by the largest exponential": (
            "Your `my_softmax` divides each exponential by the largest one instead of by their "
            "sum: the largest entry comes out as 1, and the outputs do not sum to 1."),
    },
    "softmax": {
        "over the wrong axis": (
            "Your `softmax` works down the columns (axis 0) instead of along the rows: with one "
            "example per row, each row must be shifted by its own maximum and sum to 1."),
        "one global maximum": (
            "Your `softmax` gives the same numbers as subtracting the largest logit of the "
            "whole batch instead of each row's: with rows far apart, the smaller rows underflow "
            "to 0 / 0, which is nan, with a NumPy warning."),
        "no shift: exp overflows at 1000": (
            "Your `softmax` exponentiates the logits without shifting them first: for large "
            "logits `np.exp` overflows to inf and the row becomes nan (inf / inf), with a NumPy "
            "warning."),
        "one sum over the whole matrix": (
            "Your `softmax` divides by one sum over the whole batch instead of each row's own "
            "sum: with several examples no row sums to 1, only the batch as a whole does."),
        "keepdims forgotten": (
            "Your `softmax` sums each row but without `keepdims`, so the m row sums line up "
            "with the columns: a square batch is divided by the wrong sums, and other shapes "
            "raise a broadcasting error."),
        "shifts the caller's array in place": (
            "Your `softmax` returns the right probabilities but subtracts the row maxima from "
            "the caller's `Z` in place, changing the array that was passed in: compute the "
            "shifted logits as a new array."),
        "keepdims forgotten on the maximum": (
            "Your `softmax` takes each row's maximum but without `keepdims`, so the m maxima "
            "are subtracted from the columns instead of the rows: a square batch gets the wrong "
            "shifts (and can overflow), other shapes raise a broadcasting error."),
        "shifted by each column's maximum": (
            "Your `softmax` shifts each entry by its column's maximum (axis 0) instead of its "
            "row's: only one constant per row leaves the softmax unchanged, so the "
            "probabilities change, and rows far apart can underflow to 0 / 0."),
        "adds the maximum instead of subtracting it": (
            "Your `softmax` adds each row's maximum instead of subtracting it: mathematically "
            "the same softmax, but the exponents grow, so large logits overflow and very "
            "negative ones underflow, giving nan with a NumPy warning."),
    },
    "cross_entropy_loss": {
        "sum instead of mean": (
            "Your `cross_entropy_loss` adds up the losses of the examples instead of averaging "
            "them: the result grows with the number of examples in the batch."),
        "minus sign missing": (
            "Your `cross_entropy_loss` leaves out the minus sign: the log of a probability is "
            "at most 0, so your loss comes out negative."),
        "log base 2": (
            "Your `cross_entropy_loss` uses the base-2 logarithm, which gives the loss in bits, "
            "1 / ln 2 (about 1.44) times too large: this loss uses the natural logarithm."),
        "A[:, y] makes an m x m matrix": (
            "Your `cross_entropy_loss` indexes `A[:, y]`, which takes the labels' columns for "
            "every example (an m x m matrix) and averages all of them: each example counts "
            "only the probability of its own label."),
        "mean over every entry": (
            "Your `cross_entropy_loss` averages -log over every entry of `A` and never uses the "
            "labels `y`: only the probability of each example's true class counts."),
        "binary cross-entropy formula": (
            "Your `cross_entropy_loss` adds a log(1 - a) term, as in binary cross-entropy: with "
            "K classes only the probability of the true class counts, and there is no term for "
            "1 - a."),
    },
    "entropy_bits": {
        "nan for a zero probability": (
            "Your `entropy_bits` computes p log2 p for every entry, so a zero probability gives "
            "0 * (-inf) = nan, with a NumPy warning: the terms where p is 0 count 0 and must be "
            "left out."),
        "np.where still takes log2(0): NumPy warns": (
            "Your `entropy_bits` returns the right number, but `np.where` evaluates both "
            "branches, so `log2` is taken of the zero probabilities too and NumPy warns, which "
            "fails the test: compute the log only where p > 0."),
        "natural log": (
            "Your `entropy_bits` uses the natural logarithm, which gives the entropy in nats: "
            "in bits it is 1 / ln 2 (about 1.44) times larger."),
        "minus sign missing": (
            "Your `entropy_bits` leaves out the minus sign: log2 p is at most 0, so your "
            "entropy comes out negative."),
        "log2 of 1 + p to avoid zeros": (
            "Your `entropy_bits` gives the same numbers as nudging the probabilities and the "
            "result by small constants to dodge log2(0): the entropy comes out slightly off. "
            "Leave out the zero terms instead of changing the values."),
        "mean instead of sum": (
            "Your `entropy_bits` averages the terms -p log2 p instead of adding them up: the "
            "entropy is their sum over the outcomes."),
    },
    "cross_entropy_bits": {
        "p and q swapped": (
            "Your `cross_entropy_bits` swaps the roles of `p` and `q`: the weights of the sum "
            "are the true probabilities `p`, and the log is taken of the assumed probabilities "
            "`q`."),
        "natural log": (
            "Your `cross_entropy_bits` uses the natural logarithm, which gives the result in "
            "nats: in bits it is 1 / ln 2 (about 1.44) times larger."),
        "entropy of q instead": (
            "Your `cross_entropy_bits` returns the entropy of `q` and never uses `p`: the "
            "cross-entropy weights the log of `q` by the true probabilities `p`."),
        "np.where still takes log2(0): NumPy warns": (
            "Your `cross_entropy_bits` returns the right number, but `np.where` evaluates both "
            "branches, so `log2` is taken of the zero entries of `q` too and NumPy warns, which "
            "fails the test: compute the terms only where p > 0."),
        "nan for zero p and q": (
            "Your `cross_entropy_bits` computes p log2 q for every entry, so an entry where p "
            "and q are both 0 gives 0 * (-inf) = nan, with a NumPy warning: the terms where p "
            "is 0 count 0, even where q is 0."),
    },
    "softmax_regression_gradients": {
        "no 1/m": (
            "Your `softmax_regression_gradients` gives the gradients of the summed loss, not of "
            "the mean: softmax minus one-hot must also be divided by the number of examples m."),
        "wrong sign": (
            "Your `softmax_regression_gradients` returns the gradients with the wrong sign "
            "(one-hot minus softmax), so a descent step would climb the loss: check the order "
            "of the subtraction."),
        "db averaged twice": (
            "Your `softmax_regression_gradients` divides `db` by m twice: `dZ` already holds "
            "the 1/m, and averaging it over the examples divides again. Your `dW` is right."),
        "softmax forgotten": (
            "Your `softmax_regression_gradients` subtracts the one-hot labels from the logits "
            "`X @ W + b` instead of from their softmax: the gradient needs the probabilities."),
        "dW transposed": (
            "Your `softmax_regression_gradients` returns `dW` transposed, shape (K, n) instead "
            "of the shape of `W`, (n, K): look at the order of the matrix product that gives "
            "`dW`."),
        "K from the labels: y.max() + 1": (
            "Your `softmax_regression_gradients` takes the number of classes from the labels "
            "(the largest label plus 1): a batch with no example of the last class gets one-hot "
            "rows that are too short. The number of classes is fixed by `W`."),
        "K = the number of distinct labels in the batch": (
            "Your `softmax_regression_gradients` counts the distinct labels in the batch as the "
            "number of classes: a batch that lacks a class gets one-hot rows that are too "
            "short, or fails on its labels. The number of classes is fixed by `W`."),
        "one-hot of the wrong class": (
            "Your `softmax_regression_gradients` subtracts the one-hot row of the next class "
            "(label + 1) instead of each example's own label: check how the one-hot rows are "
            "picked for the labels `y`."),
    },
    "train_softmax_regression": {
        "shuffled once, not every epoch": (
            "Your `train_softmax_regression` draws one permutation before the loop and reuses "
            "it in every epoch: the recipe reshuffles at the start of each epoch, with the one "
            "generator."),
        "a new generator every epoch": (
            "Your `train_softmax_regression` makes a new generator from `seed` in every epoch, "
            "so every epoch gets the same order: the recipe makes one generator before the loop "
            "and draws a new permutation from it each epoch."),
        "gradient ascent": (
            "Your `train_softmax_regression` adds the gradient steps instead of subtracting "
            "them: that is gradient ascent, and the loss grows from epoch to epoch."),
        "learning rate ignored": (
            "Your `train_softmax_regression` never multiplies the gradients by the learning "
            "rate `lr`: every step has the full size of the gradient."),
        "bias never updated": (
            "Your `train_softmax_regression` updates `W` but never `b`: the bias stays at zero, "
            "though each batch gives a gradient `db` for it too."),
        "last partial batch dropped": (
            "Your `train_softmax_regression` skips the last batch of an epoch when it is "
            "smaller than `batch_size`: when m is not a multiple of the batch size, the "
            "leftover examples must still make a step."),
        "history records the last batch's loss": (
            "Your `train_softmax_regression` records the loss of each epoch's last batch in "
            "`history`: the recipe asks for the loss on the whole of `X` and `y` after each "
            "epoch."),
        "one epoch too many": (
            "Your `train_softmax_regression` runs one epoch more than `epochs`: `history` gets "
            "one number too many, and the weights one epoch of training too many."),
        "random initial weights": (
            "Your `train_softmax_regression` starts from small random weights instead of "
            "zeros: the recipe starts `W` and `b` at zero, so that everyone's numbers match."),
    },
    "build_softmax_regression": {
        "softmax output with from_logits=True": (
            "Your `build_softmax_regression` puts a softmax on the `Dense` layer while the "
            "loss has `from_logits=True`, so the softmax is applied twice: the layer must "
            "output the logits, with the linear activation."),
        "from_logits missing": (
            "Your `build_softmax_regression` compiles the loss without `from_logits=True`, so "
            "Keras takes the layer's outputs for probabilities: they are logits, since the "
            "layer is linear."),
        "not compiled": (
            "Your `build_softmax_regression` returns the model without compiling it, so it has "
            "no loss or optimizer: the exercise asks for a compiled model."),
        "one output unit": (
            "Your `build_softmax_regression` gives the `Dense` layer a single unit: softmax "
            "regression needs one logit per class."),
        "a hidden ReLU layer added": (
            "Your `build_softmax_regression` adds a hidden ReLU layer: softmax regression is a "
            "single `Dense` layer of logits, straight from the inputs."),
        "categorical (one-hot) cross-entropy": (
            "Your `build_softmax_regression` uses `CategoricalCrossentropy`, which expects "
            "one-hot labels: the labels here are integers, which need the sparse version of "
            "the loss."),
    },
}

# Mistakes that compute the same numbers on every test input: a diagnosis names them together.
SAME_NUMBERS = {
    "softmax": [("keepdims forgotten", "keepdims forgotten on the maximum")],  # the same error
    "train_softmax_regression": [("shuffled once, not every epoch", "a new generator every epoch")],
}
