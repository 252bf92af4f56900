"""10_backprop: wrong and alternative answers for the numerical gradient and backpropagation."""

from tests.mistakes import function_source as _fn

ASSIGNMENT = "10_backprop"


def _num(body):
    return _fn("numerical_gradient(f, w, eps=1e-6)", body)


def _relu(body):
    return _fn("relu_backward(dA, Z)", body)


def _dense(body):
    return _fn("dense_backward(dZ, A_prev, W)", body)


def _two(body):
    return _fn("two_layer_loss_and_grads(X, y, W1, b1, W2, b2)", body)


def _train(body):
    return _fn("train_two_layer(X, y, hidden, lr, epochs, batch_size, seed)", body)


# The pieces of a correct two_layer_loss_and_grads, so a mistake changes one thing at a time.
FORWARD = ("m = X.shape[0]\nZ1 = X @ W1 + b1\nA1 = np.maximum(Z1, 0.0)\nZ2 = A1 @ W2 + b2\n"
           "shifted = Z2 - Z2.max(axis=1, keepdims=True)\n"
           "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
           "loss = -np.mean(log_probs[np.arange(m), y])\n")
DZ2 = "dZ2 = (np.exp(log_probs) - np.eye(W2.shape[1])[y]) / m\n"
BACKWARD = ("dA1, dW2, db2 = dense_backward(dZ2, A1, W2)\ndZ1 = relu_backward(dA1, Z1)\n"
            "_, dW1, db1 = dense_backward(dZ1, X, W1)\nreturn loss, (dW1, db1, dW2, db2)\n")

# The pieces of a correct train_two_layer.
START = ("m, n = X.shape\nK = int(y.max()) + 1\nrng = np.random.default_rng(seed)\n"
         "W1 = rng.normal(0.0, np.sqrt(2 / n), size=(n, hidden))\n"
         "W2 = rng.normal(0.0, np.sqrt(1 / hidden), size=(hidden, K))\n"
         "b1, b2 = np.zeros(hidden), np.zeros(K)\n")
LOOP = ("history = []\nfor _ in range(epochs):\n    order = rng.permutation(m)\n    losses = []\n"
        "    for start in range(0, m, batch_size):\n        batch = order[start:start + batch_size]\n"
        "        loss, (dW1, db1, dW2, db2) = two_layer_loss_and_grads(X[batch], y[batch], W1, b1, W2, b2)\n"
        "        W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2\n"
        "        losses.append(loss)\n    history.append(float(np.mean(losses)))\n"
        "return (W1, b1, W2, b2), history\n")

MISTAKES = {
    "numerical_gradient": [
        ("one-sided differences", _num(
            "grad = np.zeros(w.shape)\nfor i in np.ndindex(w.shape):\n    w_plus = w.copy()\n"
            "    w_plus[i] += eps\n    grad[i] = (f(w_plus) - f(w)) / eps\nreturn grad")),
        ("divides by eps, not 2 eps", _num(
            "grad = np.zeros(w.shape)\nfor i in np.ndindex(w.shape):\n"
            "    w_plus, w_minus = w.copy(), w.copy()\n    w_plus[i] += eps\n    w_minus[i] -= eps\n"
            "    grad[i] = (f(w_plus) - f(w_minus)) / eps\nreturn grad")),
        ("operator precedence: / 2 * eps", _num(
            "grad = np.zeros(w.shape)\nfor i in np.ndindex(w.shape):\n"
            "    w_plus, w_minus = w.copy(), w.copy()\n    w_plus[i] += eps\n    w_minus[i] -= eps\n"
            "    grad[i] = (f(w_plus) - f(w_minus)) / 2 * eps\nreturn grad")),
        ("nudges every entry at once", _num(
            "return np.full(w.shape, (f(w + eps) - f(w - eps)) / (2 * eps))")),
        ("nudges w itself and never puts it back", _num(
            "grad = np.zeros(w.shape)\nfor i in np.ndindex(w.shape):\n    w[i] += eps\n"
            "    f_plus = f(w)\n    w[i] -= 2 * eps\n    grad[i] = (f_plus - f(w)) / (2 * eps)\n"
            "return grad")),
        ("nudges w itself, restored by adding eps back", _num(
            "grad = np.zeros(w.shape)\nfor i in np.ndindex(w.shape):\n    w[i] += eps\n"
            "    f_plus = f(w)\n    w[i] -= 2 * eps\n    f_minus = f(w)\n    w[i] += eps\n"
            "    grad[i] = (f_plus - f_minus) / (2 * eps)\nreturn grad")),
        ("nudges w itself, undone by two steps of eps", _num(
            "grad = np.zeros(w.shape)\nfor i in np.ndindex(w.shape):\n    w[i] += eps\n"
            "    f_plus = f(w)\n    w[i] -= eps\n    w[i] -= eps\n    f_minus = f(w)\n    w[i] += eps\n"
            "    grad[i] = (f_plus - f_minus) / (2 * eps)\nreturn grad")),
        ("ignores eps, always 1e-6", _num(
            "h = 1e-6\ngrad = np.zeros(w.shape)\nfor i in np.ndindex(w.shape):\n"
            "    w_plus, w_minus = w.copy(), w.copy()\n    w_plus[i] += h\n    w_minus[i] -= h\n"
            "    grad[i] = (f(w_plus) - f(w_minus)) / (2 * h)\nreturn grad")),
        ("returns a flat gradient", _num(
            "flat = w.ravel()\ngrad = np.zeros(flat.size)\nfor i in range(flat.size):\n"
            "    plus, minus = flat.copy(), flat.copy()\n    plus[i] += eps\n    minus[i] -= eps\n"
            "    grad[i] = (f(plus.reshape(w.shape)) - f(minus.reshape(w.shape))) / (2 * eps)\n"
            "return grad")),
        ("gradient of the wrong sign", _num(
            "grad = np.zeros(w.shape)\nfor i in np.ndindex(w.shape):\n"
            "    w_plus, w_minus = w.copy(), w.copy()\n    w_plus[i] += eps\n    w_minus[i] -= eps\n"
            "    grad[i] = (f(w_minus) - f(w_plus)) / (2 * eps)\nreturn grad")),
    ],
    "relu_backward": [
        ("ReLU derivative missing: returns dA", _relu("return dA.copy()")),
        ("derivative 1 at Z = 0 (Z >= 0)", _relu("return dA * (Z >= 0)")),
        ("the mask alone, without dA", _relu("return (Z > 0).astype(float)")),
        ("multiplies by relu(Z) instead of its derivative", _relu("return dA * np.maximum(Z, 0)")),
        ("mask taken from dA", _relu("return dA * (dA > 0)")),
        ("changes dA in place", _relu("dA[Z <= 0] = 0.0\nreturn dA")),
        ("the mask inverted", _relu("return dA * (Z < 0)")),
    ],
    "dense_backward": [
        ("gradients divided by m again", _dense(
            "m = dZ.shape[0]\nreturn dZ @ W.T, A_prev.T @ dZ / m, dZ.sum(axis=0) / m")),
        ("db as a mean", _dense("return dZ @ W.T, A_prev.T @ dZ, dZ.mean(axis=0)")),
        ("db summed over everything", _dense("return dZ @ W.T, A_prev.T @ dZ, dZ.sum()")),
        ("db summed over the units", _dense("return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=1)")),
        ("dW transposed", _dense("return dZ @ W.T, dZ.T @ A_prev, dZ.sum(axis=0)")),
        ("dA_prev without the transpose", _dense("return dZ @ W, A_prev.T @ dZ, dZ.sum(axis=0)")),
        ("results in another order", _dense("return A_prev.T @ dZ, dZ.sum(axis=0), dZ @ W.T")),
        ("dW elementwise, not a product", _dense(
            "return dZ @ W.T, np.sum(A_prev, axis=0)[:, None] * np.sum(dZ, axis=0), dZ.sum(axis=0)")),
    ],
    "two_layer_loss_and_grads": [
        ("softmax without the shift (overflows)", _two(
            FORWARD.replace("shifted = Z2 - Z2.max(axis=1, keepdims=True)", "shifted = Z2")
            + DZ2 + BACKWARD)),
        ("log of the softmax probabilities", _two(
            FORWARD.replace("log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
                            "probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
                            "log_probs = np.log(probs)") + DZ2 + BACKWARD)),
        ("ReLU derivative missing", _two(
            FORWARD + DZ2 + BACKWARD.replace("relu_backward(dA1, Z1)", "dA1"))),
        ("gradients not averaged over the batch", _two(FORWARD + DZ2.replace(" / m", "") + BACKWARD)),
        ("loss summed, not averaged", _two(
            FORWARD.replace("-np.mean(log_probs", "-np.sum(log_probs") + DZ2 + BACKWARD)),
        ("one-hot not subtracted", _two(FORWARD + "dZ2 = np.exp(log_probs) / m\n" + BACKWARD)),
        ("K taken from the labels", _two(FORWARD + DZ2.replace("W2.shape[1]", "int(y.max()) + 1")
                                         + BACKWARD)),
        ("ReLU mask from X @ W1, without b1", _two(
            FORWARD + DZ2 + BACKWARD.replace("relu_backward(dA1, Z1)", "relu_backward(dA1, X @ W1)"))),
        ("b2 left out of the forward pass", _two(
            FORWARD.replace("Z2 = A1 @ W2 + b2", "Z2 = A1 @ W2") + DZ2 + BACKWARD)),
        ("dW1 from A1 instead of X", _two(
            FORWARD + DZ2 + BACKWARD.replace("dense_backward(dZ1, X, W1)", "dense_backward(dZ1, A1, W1)"))),
    ],
    "train_two_layer": [
        ("zero initialisation", _train(
            START.replace("rng.normal(0.0, np.sqrt(2 / n), size=(n, hidden))", "np.zeros((n, hidden))")
            .replace("rng.normal(0.0, np.sqrt(1 / hidden), size=(hidden, K))", "np.zeros((hidden, K))")
            + LOOP)),
        ("every hidden unit starts equal", _train(
            START.replace("rng.normal(0.0, np.sqrt(2 / n), size=(n, hidden))",
                          "np.full((n, hidden), 0.01)")
            .replace("rng.normal(0.0, np.sqrt(1 / hidden), size=(hidden, K))",
                     "np.full((hidden, K), 0.1)") + LOOP)),
        ("scale 0.01 for every weight", _train(
            START.replace("np.sqrt(2 / n)", "0.01").replace("np.sqrt(1 / hidden)", "0.01") + LOOP)),
        ("W1 scale sqrt(1 / n)", _train(START.replace("np.sqrt(2 / n)", "np.sqrt(1 / n)") + LOOP)),
        ("W2 scale sqrt(2 / n) too", _train(
            START.replace("np.sqrt(1 / hidden)", "np.sqrt(2 / n)") + LOOP)),
        ("random biases", _train(
            START.replace("b1, b2 = np.zeros(hidden), np.zeros(K)",
                          "b1, b2 = rng.normal(size=hidden), rng.normal(size=K)") + LOOP)),
        ("the seed ignored", _train(
            START.replace("np.random.default_rng(seed)", "np.random.default_rng()") + LOOP)),
        ("a fixed seed of 0", _train(START.replace("default_rng(seed)", "default_rng(0)") + LOOP)),
        ("steps up the gradient", _train(START + LOOP.replace("W1 - lr * dW1", "W1 + lr * dW1")
                                         .replace("W2 - lr * dW2", "W2 + lr * dW2"))),
        ("shuffles once, before the first epoch", _train(
            START + LOOP.replace("for _ in range(epochs):\n    order = rng.permutation(m)\n",
                                 "order = rng.permutation(m)\nfor _ in range(epochs):\n"))),
        ("never shuffles", _train(
            START + LOOP.replace("order = rng.permutation(m)", "order = np.arange(m)"))),
        ("history appended per batch", _train(
            START + LOOP.replace("        losses.append(loss)\n", "        history.append(loss)\n")
            .replace("    history.append(float(np.mean(losses)))\n", ""))),
        ("one epoch too few", _train(START + LOOP.replace("range(epochs)", "range(epochs - 1)"))),
        ("K from the number of examples", _train(START.replace("int(y.max()) + 1", "m") + LOOP)),
        ("history: the loss summed over the batches", _train(
            START + LOOP.replace("float(np.mean(losses))", "float(np.sum(losses))"))),
        ("biases never updated", _train(
            START + LOOP.replace("b1 - lr * db1", "b1").replace("b2 - lr * db2", "b2"))),
    ],
}

# The visible tests alone catch these: the instructions state them.
CAUGHT_VISIBLY = {
    "train_two_layer": ["shuffles once, before the first epoch", "never shuffles"],
}
# The hidden tests alone catch these too, so such a mistake costs the hidden points as well.
CAUGHT_BY_THE_HIDDEN_TESTS = {
    "numerical_gradient": ["nudges w itself, undone by two steps of eps",
                           "nudges w itself, restored by adding eps back"],
    "train_two_layer": ["shuffles once, before the first epoch"],
}

ALTERNATIVES = {
    "numerical_gradient": [
        ("nudges w in place, each entry put back by assignment (CS231n)", _num(
            "grad = np.zeros_like(w)\nit = np.nditer(w, flags=['multi_index'])\n"
            "while not it.finished:\n    i = it.multi_index\n    old = w[i]\n    w[i] = old + eps\n"
            "    f_plus = f(w)\n    w[i] = old - eps\n    f_minus = f(w)\n    w[i] = old\n"
            "    grad[i] = (f_plus - f_minus) / (2 * eps)\n    it.iternext()\nreturn grad")),
        ("flat loop with unravel_index", _num(
            "grad = np.empty(w.shape)\nfor k in range(w.size):\n    i = np.unravel_index(k, w.shape)\n"
            "    step = np.zeros(w.shape)\n    step[i] = eps\n"
            "    grad[i] = (f(w + step) - f(w - step)) / (2 * eps)\nreturn grad")),
        ("basis vectors from np.eye", _num(
            "steps = np.eye(w.size).reshape((w.size,) + w.shape) * eps\n"
            "values = [(f(w + step) - f(w - step)) / (2 * eps) for step in steps]\n"
            "return np.array(values).reshape(w.shape)")),
        ("float() of each loss, list comprehension", _num(
            "def nudged(i, h):\n    v = np.array(w, dtype=float)\n    v[i] = v[i] + h\n    return v\n"
            "return np.array([(float(f(nudged(i, eps))) - float(f(nudged(i, -eps)))) / (2 * eps)"
            "\n                 for i in np.ndindex(w.shape)]).reshape(w.shape)")),
    ],
    "relu_backward": [
        ("np.where", _relu("return np.where(Z > 0, dA, 0.0)")),
        ("copy, then zero the rest", _relu("dZ = np.array(dA, copy=True)\ndZ[Z <= 0] = 0\nreturn dZ")),
        ("np.heaviside", _relu("return dA * np.heaviside(Z, 0.0)")),
        ("mask cast to the dtype of dA", _relu("return dA * (Z > 0).astype(dA.dtype)")),
    ],
    "dense_backward": [
        ("einsum", _dense(
            "dA_prev = np.einsum('ik,jk->ij', dZ, W)\ndW = np.einsum('ij,ik->jk', A_prev, dZ)\n"
            "db = np.einsum('ik->k', dZ)\nreturn dA_prev, dW, db")),
        ("np.dot and a ones vector", _dense(
            "return np.dot(dZ, W.T), np.dot(A_prev.T, dZ), np.ones(dZ.shape[0]) @ dZ")),
        ("returns a list", _dense("return [dZ @ W.T, A_prev.T @ dZ, np.sum(dZ, axis=0)]")),
        ("sum of outer products over the examples", _dense(
            "dW = sum(np.outer(a, d) for a, d in zip(A_prev, dZ, strict=True))\n"
            "return dZ @ W.T, dW, dZ.sum(axis=0)")),
    ],
    "two_layer_loss_and_grads": [
        ("one-hot matrix form, inline backward pass, no helpers", _two(
            "m, K = X.shape[0], W2.shape[1]\nY = np.eye(K)[y]\nZ1 = X @ W1 + b1\nA1 = np.where(Z1 > 0, Z1, 0.0)\n"
            "Z2 = A1 @ W2 + b2\nZ2 = Z2 - Z2.max(axis=1, keepdims=True)\n"
            "lse = np.log(np.exp(Z2).sum(axis=1, keepdims=True))\nloss = -np.sum(Y * (Z2 - lse)) / m\n"
            "dZ2 = (np.exp(Z2 - lse) - Y) / m\ndZ1 = (dZ2 @ W2.T) * (Z1 > 0)\n"
            "return loss, (X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0))")),
        ("scipy.special log_softmax and softmax", "\nimport scipy.special\n" + _two(
            "m = len(y)\nZ1 = X @ W1 + b1\nA1 = np.maximum(Z1, 0)\nZ2 = A1 @ W2 + b2\n"
            "loss = -np.mean(scipy.special.log_softmax(Z2, axis=1)[np.arange(m), y])\n"
            "dZ2 = scipy.special.softmax(Z2, axis=1)\ndZ2[np.arange(m), y] -= 1\ndZ2 = dZ2 / m\n"
            "dA1, dW2, db2 = dense_backward(dZ2, A1, W2)\n"
            "_, dW1, db1 = dense_backward(relu_backward(dA1, Z1), X, W1)\n"
            "return loss, (dW1, db1, dW2, db2)")),
        ("einsum and np.logaddexp.reduce", _two(
            "m, K = X.shape[0], W2.shape[1]\nZ1 = np.einsum('ij,jk->ik', X, W1) + b1\n"
            "A1 = np.maximum(Z1, 0)\nZ2 = np.einsum('ij,jk->ik', A1, W2) + b2\n"
            "lse = np.logaddexp.reduce(Z2, axis=1)\nloss = np.mean(lse - Z2[np.arange(m), y])\n"
            "dZ2 = (np.exp(Z2 - lse[:, None]) - np.eye(K)[y]) / m\n"
            "dZ1 = relu_backward(np.einsum('ik,jk->ij', dZ2, W2), Z1)\n"
            "return loss, (np.einsum('ij,ik->jk', X, dZ1), dZ1.sum(0), np.einsum('ij,ik->jk', A1, dZ2), dZ2.sum(0))")),
        ("returns a list of gradients and a Python float", _two(
            FORWARD + DZ2 + BACKWARD.replace("return loss, (dW1, db1, dW2, db2)",
                                            "return float(loss), [dW1, db1, dW2, db2]"))),
    ],
    "train_two_layer": [
        ("W2 drawn before W1, standard_normal times the scale", _train(
            "m, n = X.shape\nK = int(y.max()) + 1\nrng = np.random.default_rng(seed)\n"
            "W2 = rng.standard_normal((hidden, K)) * np.sqrt(1 / hidden)\n"
            "W1 = rng.standard_normal((n, hidden)) * np.sqrt(2 / n)\n"
            "b1, b2 = np.zeros(hidden), np.zeros(K)\n" + LOOP)),
        ("batches from np.array_split, history as the mean over the examples", _train(
            START + "history = []\nfor _ in range(epochs):\n    total = 0.0\n"
            "    for batch in np.array_split(rng.permutation(m), int(np.ceil(m / batch_size))):\n"
            "        loss, grads = two_layer_loss_and_grads(X[batch], y[batch], W1, b1, W2, b2)\n"
            "        W1, b1, W2, b2 = (p - lr * g for p, g in zip((W1, b1, W2, b2), grads, strict=True))\n"
            "        total += loss * len(batch)\n    history.append(total / m)\n"
            "return (W1, b1, W2, b2), history")),
        ("parameters in a list, inline gradients with a one-hot matrix", _train(
            START + "params = [W1, b1, W2, b2]\nY = np.eye(K)[y]\nhistory = []\n"
            "for _ in range(epochs):\n    order = rng.permutation(m)\n    losses = []\n"
            "    for start in range(0, m, batch_size):\n        rows = order[start:start + batch_size]\n"
            "        Xb, Yb = X[rows], Y[rows]\n        Z1 = Xb @ params[0] + params[1]\n"
            "        A1 = np.maximum(Z1, 0)\n        Z2 = A1 @ params[2] + params[3]\n"
            "        Z2 = Z2 - Z2.max(axis=1, keepdims=True)\n"
            "        P = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)\n"
            "        losses.append(-np.sum(Yb * np.log(P + 1e-300)) / len(rows))\n"
            "        dZ2 = (P - Yb) / len(rows)\n        dZ1 = (dZ2 @ params[2].T) * (Z1 > 0)\n"
            "        grads = [Xb.T @ dZ1, dZ1.sum(0), A1.T @ dZ2, dZ2.sum(0)]\n"
            "        params = [p - lr * g for p, g in zip(params, grads, strict=True)]\n"
            "    history.append(np.mean(losses))\n"
            "return tuple(params), history")),
    ],
}
