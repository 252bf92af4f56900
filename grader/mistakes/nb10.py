"""10_backprop: wrong and alternative answers for the numerical gradient and backpropagation."""

from grader.mistakes import function_source as _fn

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

# What a student's feedback page says when their function gives the same outputs as a mistake.
MESSAGES = {
    "numerical_gradient": {
        "one-sided differences":
            "Your `numerical_gradient` nudges each entry one way only, a one-sided difference: "
            "the exercise asks for the centred difference, nudged both ways, whose error is "
            "far smaller.",
        "divides by eps, not 2 eps":
            "Your `numerical_gradient` gives twice the gradient: the two evaluations lie "
            "2 eps apart, and the difference is divided by that distance.",
        "operator precedence: / 2 * eps":
            "Your `numerical_gradient` writes `/ 2 * eps`, which Python reads as dividing by 2 "
            "and then multiplying by `eps`: mind the operator precedence.",
        "nudges every entry at once":
            "Your `numerical_gradient` nudges every entry of `w` at once and gives them all the "
            "same value: each partial derivative nudges one entry while the others stay still.",
        "nudges w itself and never puts it back":
            "Your `numerical_gradient` nudges `w` itself and leaves each entry `eps` below where "
            "it was: the caller's array is changed, and later entries are differentiated at a "
            "shifted point. Nudge copies of `w`.",
        "nudges w itself, restored by adding eps back":
            "Your `numerical_gradient` gives the right gradient but changes the caller's `w`: "
            "adding and subtracting `eps` in place does not always give back the same float, "
            "so some entries end up slightly off. Nudge copies of `w`.",
        "nudges w itself, undone by two steps of eps":
            "Your `numerical_gradient` gives the right gradient but changes the caller's `w`: "
            "adding and subtracting `eps` in place does not always give back the same float, "
            "so some entries end up slightly off. Nudge copies of `w`.",
        "ignores eps, always 1e-6":
            "Your `numerical_gradient` always nudges by 1e-6 and ignores the `eps` it is "
            "given.",
        "returns a flat gradient":
            "Your `numerical_gradient` returns a flat, 1-D gradient for a `w` of two or more "
            "dimensions: the values are right, but the result should have `w`'s shape.",
        "gradient of the wrong sign":
            "Your `numerical_gradient` has the wrong sign: it subtracts `f` at the upward "
            "nudge from `f` at the downward one.",
    },
    "relu_backward": {
        "ReLU derivative missing: returns dA":
            "Your `relu_backward` returns `dA` unchanged: it leaves out ReLU's derivative, "
            "which is 0 wherever `Z` is not positive.",
        "derivative 1 at Z = 0 (Z >= 0)":
            "Your `relu_backward` lets the gradient through where `Z` is exactly 0: at ReLU's "
            "kink the derivative is taken as 0, as TensorFlow does.",
        "the mask alone, without dA":
            "Your `relu_backward` returns ReLU's derivative alone, a mask of ones and zeros: "
            "by the chain rule it multiplies the incoming gradient `dA`.",
        "multiplies by relu(Z) instead of its derivative":
            "Your `relu_backward` multiplies `dA` by relu(`Z`) itself instead of by its "
            "derivative, which is 1 where `Z` is positive and 0 elsewhere.",
        "mask taken from dA":
            "Your `relu_backward` takes the mask from the sign of `dA`: whether the gradient "
            "passes depends on the sign of `Z`, the ReLU's input.",
        "changes dA in place":
            "Your `relu_backward` zeroes entries of `dA` in place: the result is right, but "
            "the caller's `dA` is changed. Return a new array and leave `dA` as it was.",
        "the mask inverted":
            "Your `relu_backward` passes the gradient where `Z` is negative and blocks it where "
            "`Z` is positive: the mask is the wrong way round.",
    },
    "dense_backward": {
        "gradients divided by m again":
            "Your `dense_backward` divides `dW` and `db` by the batch size: `dZ` already holds "
            "the 1/m of the mean loss, so dividing again counts it twice.",
        "db as a mean":
            "Your `dense_backward` averages `dZ` over the examples for `db`: like `dW`, `db` "
            "sums over them, since `dZ` already holds the 1/m of the mean loss.",
        "db summed over everything":
            "Your `dense_backward` sums `dZ` over both axes, so `db` is a single number: it has "
            "one entry per unit, a sum over the examples only.",
        "db summed over the units":
            "Your `dense_backward` sums `dZ` over the units (axis 1), one number per example: "
            "`db` has one entry per unit, a sum over the examples.",
        "dW transposed":
            "Your `dense_backward` returns `dW` transposed: each gradient has the shape of "
            "what it differentiates, and `dW` has `W`'s shape, (n, k).",
        "dA_prev without the transpose":
            "Your `dense_backward` computes `dA_prev` with `W` not transposed: check the "
            "shapes, `dA_prev` comes out (m, n), like `A_prev`.",
        "results in another order":
            "Your `dense_backward` returns the right gradients in the wrong order: the tuple "
            "is (dA_prev, dW, db).",
        "dW elementwise, not a product":
            "Your `dense_backward` makes `dW` from the column sums of `A_prev` and `dZ`, which "
            "mixes one example's input with another's gradient: each example's input pairs "
            "with its own gradient before the sum over examples.",
    },
    "two_layer_loss_and_grads": {
        "softmax without the shift (overflows)":
            "Your `two_layer_loss_and_grads` takes `exp` of the logits without first "
            "subtracting each row's largest: with large logits `exp` overflows (a NumPy "
            "warning) and the loss is not finite.",
        "log of the softmax probabilities":
            "Your `two_layer_loss_and_grads` takes the log of the softmax probabilities: with "
            "logits far apart a probability rounds to 0 and its log is -inf (a NumPy "
            "warning). Compute the log-softmax from the shifted logits.",
        "ReLU derivative missing":
            "Your `two_layer_loss_and_grads` passes `dA1` back as `dZ1`, skipping the ReLU's "
            "backward pass, so `dW1` and `db1` are wrong wherever a hidden unit is inactive.",
        "gradients not averaged over the batch":
            "Your `two_layer_loss_and_grads` leaves the 1/m out of `dZ2`: the loss is a mean "
            "over the batch, so its gradients come out m times too large.",
        "loss summed, not averaged":
            "Your `two_layer_loss_and_grads` returns the loss summed over the examples: the "
            "loss is the mean cross-entropy over the batch (the gradients already are those "
            "of the mean).",
        "one-hot not subtracted":
            "Your `two_layer_loss_and_grads` takes the softmax alone as `dZ2`, without "
            "subtracting the one-hot labels, so the labels never reach the gradients.",
        "K taken from the labels":
            "Your `two_layer_loss_and_grads` takes the number of classes from the labels: a "
            "batch that lacks the highest classes gets a one-hot matrix too narrow. The number "
            "of classes is the number of logits, `W2`'s columns.",
        "ReLU mask from X @ W1, without b1":
            "Your `two_layer_loss_and_grads` takes the ReLU's mask from `X @ W1`, without "
            "`b1`: the mask comes from `Z1`, the ReLU's actual input, bias included.",
        "b2 left out of the forward pass":
            "Your `two_layer_loss_and_grads` leaves `b2` out of the logits, so the loss and "
            "every gradient are computed as if `b2` were zero.",
        "dW1 from A1 instead of X":
            "Your `two_layer_loss_and_grads` computes `dW1` from `A1`, the hidden layer's "
            "output: the first layer's input, which `dW1` pairs with `dZ1`, is `X`.",
    },
    "train_two_layer": {
        "zero initialisation":
            "Your `train_two_layer` starts every weight at zero: the hidden units then output 0 "
            "and get no gradient, so only the output biases learn. Draw `W1` and `W2` at "
            "random, with the scales given.",
        "every hidden unit starts equal":
            "Your `train_two_layer` starts all the weights of a layer at one value: the hidden "
            "units then compute the same thing and get the same updates, so they stay equal. "
            "Draw the weights at random.",
        "scale 0.01 for every weight":
            "Your `train_two_layer` draws both weight matrices with a standard deviation of "
            "0.01: the instructions give each layer its own scale, set by its number of "
            "inputs.",
        "W1 scale sqrt(1 / n)":
            "Your `train_two_layer` draws `W1` with a standard deviation of sqrt(1 / n): the "
            "instructions give the ReLU layer He's scale, which is larger.",
        "W2 scale sqrt(2 / n) too":
            "Your `train_two_layer` draws `W2` with `W1`'s scale, set by `n`: `W2`'s inputs "
            "are the hidden units, so its scale depends on `hidden`.",
        "random biases":
            "Your `train_two_layer` draws the biases at random: `b1` and `b2` start at zero.",
        "the seed ignored":
            "Your `train_two_layer` makes its generator without `seed`: two runs with the same "
            "seed then give different results.",
        "a fixed seed of 0":
            "Your `train_two_layer` seeds its generator with a fixed number instead of `seed`: "
            "another seed then gives the same weights.",
        "steps up the gradient":
            "Your `train_two_layer` adds `lr` times the gradient to `W1` and `W2` instead of "
            "subtracting it: those weights climb the loss instead of descending it.",
        "shuffles once, before the first epoch":
            "Your `train_two_layer` draws the permutation once, before the epochs, so every "
            "epoch visits the examples in the same order: reshuffle at the start of each epoch.",
        "never shuffles":
            "Your `train_two_layer` never shuffles: every epoch takes the examples in their "
            "stored order, instead of a fresh random permutation.",
        "history appended per batch":
            "Your `train_two_layer` appends every batch's loss to `history`: it holds one "
            "number per epoch, the mean of that epoch's batch losses.",
        "one epoch too few":
            "Your `train_two_layer` trains for one epoch fewer than `epochs`, and its `history` "
            "is one entry short.",
        "K from the number of examples":
            "Your `train_two_layer` takes the number of classes to be the number of examples: "
            "it comes from the labels, as the instructions say.",
        "history: the loss summed over the batches":
            "Your `train_two_layer` records each epoch's loss as the sum of its batch losses: "
            "`history` holds their mean.",
        "biases never updated":
            "Your `train_two_layer` never updates `b1` and `b2`: every parameter, the biases "
            "included, takes a gradient step.",
    },
}

# Mistakes no diagnosis can name, and why.
NOT_NAMED = {
    "train_two_layer": {"the seed ignored":
                        "its weights come from an unseeded generator: no replay gives the same "
                        "numbers"},
}
