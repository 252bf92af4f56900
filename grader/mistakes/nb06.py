"""06_from_logits_stability: wrong and alternative answers for the stable losses and Keras."""

from grader.mistakes import function_source as _fn

ASSIGNMENT = "06_from_logits_stability"


def _lse(body):
    return _fn("logsumexp(z, axis=-1)", body)


def _ls(body):
    return _fn("log_softmax(Z)", body)


def _sce(body):
    return _fn("sparse_ce_from_logits(Z, y)", body)


def _bce(body):
    return _fn("bce_from_logits(z, y)", body)


def _proba(body):
    return _fn("predict_proba(model, X)", body)


def _build(layers):
    return _fn("build_mnist_model()", f"return keras.Sequential([keras.Input(shape=(784,)), {layers}])")


RIGHT = ('keras.layers.Dense(25, activation="relu"), keras.layers.Dense(15, activation="relu"), '
         'keras.layers.Dense(10, activation="linear")')


def _compile(arguments):
    return _fn("compile_mnist_model(model)", f"model.compile({arguments})\nreturn model")


SCCE = "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"

MISTAKES = {
    "logsumexp": [
        ("naive: overflows", _lse("return np.log(np.sum(np.exp(z), axis=axis))")),
        ("one maximum over the whole array", _lse(
            "c = np.max(z)\nreturn c + np.log(np.sum(np.exp(z - c), axis=axis))")),
        ("maximum subtracted but not added back", _lse(
            "c = np.max(z, axis=axis, keepdims=True)\nreturn np.log(np.sum(np.exp(z - c), axis=axis))")),
        ("keepdims forgotten", _lse(
            "c = np.max(z, axis=axis)\nreturn c + np.log(np.sum(np.exp(z - c), axis=axis))")),
        ("reduces over every axis", _lse(
            "c = np.max(z)\nreturn c + np.log(np.sum(np.exp(z - c)))")),
        ("keeps the reduced axis", _lse(
            "c = np.max(z, axis=axis, keepdims=True)\n"
            "return c + np.log(np.sum(np.exp(z - c), axis=axis, keepdims=True))")),
        ("ignores axis", _lse(
            "c = np.max(z, axis=-1, keepdims=True)\n"
            "return np.squeeze(c, -1) + np.log(np.sum(np.exp(z - c), axis=-1))")),
        ("the maximum alone", _lse("return np.max(z, axis=axis)")),
        ("mean instead of sum", _lse(
            "c = np.max(z, axis=axis, keepdims=True)\n"
            "return np.squeeze(c, axis) + np.log(np.mean(np.exp(z - c), axis=axis))")),
    ],
    "log_softmax": [
        ("log of the softmax", _ls("e = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
                                   "return np.log(e / e.sum(axis=1, keepdims=True))")),
        ("logsumexp over the columns", _ls("return Z - logsumexp(Z, axis=0)")),
        ("broadcast along the wrong axis", _ls("return Z - logsumexp(Z, axis=1)")),
        ("the softmax itself", _ls("e = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
                                   "return e / e.sum(axis=1, keepdims=True)")),
        ("plus instead of minus", _ls("return Z + logsumexp(Z, axis=1)[:, None]")),
    ],
    "sparse_ce_from_logits": [
        ("log of the softmax probabilities", _sce(
            "e = np.exp(Z - Z.max(axis=1, keepdims=True))\nP = e / e.sum(axis=1, keepdims=True)\n"
            "return -np.mean(np.log(P[np.arange(len(y)), y]))")),
        ("sum instead of mean", _sce("return -np.sum(log_softmax(Z)[np.arange(len(y)), y])")),
        ("minus sign missing", _sce("return np.mean(log_softmax(Z)[np.arange(len(y)), y])")),
        ("picks a column for every row", _sce("return -np.mean(log_softmax(Z)[:, y])")),
        ("the raw logit of the true class", _sce("return -np.mean(Z[np.arange(len(y)), y])")),
    ],
    "bce_from_logits": [
        ("log(sigmoid(z))", _bce(
            "a = 1 / (1 + np.exp(-z))\nreturn np.mean(-y * np.log(a) - (1 - y) * np.log(1 - a))")),
        ("sign of y z wrong", _bce("return np.mean(np.maximum(z, 0) + y * z + np.log1p(np.exp(-np.abs(z))))")),
        ("log(1 + e^z) naive", _bce("return np.mean(np.log(1 + np.exp(z)) - y * z)")),
        ("abs forgotten", _bce("return np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-z)))")),
        ("sum instead of mean", _bce("return np.sum(np.logaddexp(0.0, z) - y * z)")),
        ("labels flipped", _bce("return np.mean(np.logaddexp(0.0, z) - (1 - y) * z)")),
    ],
    "build_mnist_model": [
        ("softmax output", _build(RIGHT.replace('Dense(10, activation="linear")',
                                                'Dense(10, activation="softmax")'))),
        ("sigmoid hidden layers", _build(RIGHT.replace('"relu"', '"sigmoid"'))),
        ("no keras.Input", "\ndef build_mnist_model():\n    return keras.Sequential(["
                           + RIGHT + "])\n"),
        ("layer sizes swapped", _build(RIGHT.replace("Dense(25", "Dense(X").replace(
            "Dense(15", "Dense(25").replace("Dense(X", "Dense(15"))),
        ("one output unit", _build(RIGHT.replace("Dense(10", "Dense(1"))),
    ],
    "compile_mnist_model": [
        ("from_logits missing", _compile(
            "optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy()")),
        ("one-hot categorical loss", _compile(
            "optimizer='adam', loss=keras.losses.CategoricalCrossentropy(from_logits=True)")),
        ("SGD", _compile(f"optimizer=keras.optimizers.SGD(1e-3), loss={SCCE}")),
        ("RMSprop", _compile(f"optimizer=keras.optimizers.RMSprop(1e-3), loss={SCCE}")),
        ("learning rate 1e-2", _compile(f"optimizer=keras.optimizers.Adam(1e-2), loss={SCCE}")),
        ("binary cross-entropy", _compile(
            "optimizer='adam', loss=keras.losses.BinaryCrossentropy(from_logits=True)")),
    ],
    "predict_proba": [
        ("returns the logits", _proba("return model.predict(X, verbose=0)")),
        ("softmax over the examples (axis 0)", _proba(
            "Z = model.predict(X, verbose=0)\ne = np.exp(Z - Z.max(axis=0))\nreturn e / e.sum(axis=0)")),
        ("returns a tensor", _proba("return tf.nn.softmax(model(X))")),
        ("returns the predicted labels", _proba("return np.argmax(model.predict(X, verbose=0), axis=1)")),
        ("sigmoid instead of softmax", _proba("return 1 / (1 + np.exp(-model.predict(X, verbose=0)))")),
        ("own softmax without the shift", _proba(
            "Z = model.predict(X, verbose=0)\nreturn np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)")),
        ("softmax applied twice", _proba("return softmax(softmax(model.predict(X, verbose=0)))")),
    ],
}

ALTERNATIVES = {
    "logsumexp": [
        ("scipy.special.logsumexp", "\nimport scipy.special\n"
         + _lse("return scipy.special.logsumexp(z, axis=axis)")),
        ("np.logaddexp.reduce", _lse("return np.logaddexp.reduce(np.asarray(z, dtype=float), axis=axis)")),
        ("np.logaddexp in a loop (1-D and 2-D)", _lse(
            "z = np.moveaxis(np.asarray(z, dtype=float), axis, 0)\nout = z[0]\n"
            "for row in z[1:]:\n    out = np.logaddexp(out, row)\nreturn out")),
        ("tf.reduce_logsumexp in float64", "\nimport tensorflow as tf\n"
         + _lse("return tf.reduce_logsumexp(np.asarray(z, dtype=np.float64), axis=axis).numpy()")),
    ],
    "log_softmax": [
        ("keepdims", _ls("c = Z.max(axis=1, keepdims=True)\n"
                         "return Z - c - np.log(np.exp(Z - c).sum(axis=1, keepdims=True))")),
        ("scipy.special.log_softmax", "\nimport scipy.special\n"
         + _ls("return scipy.special.log_softmax(Z, axis=1)")),
        ("logsumexp reshaped", _ls("return Z - logsumexp(Z, axis=-1).reshape(-1, 1)")),
    ],
    "sparse_ce_from_logits": [
        ("np.take_along_axis", _sce(
            "return -np.mean(np.take_along_axis(log_softmax(Z), y[:, None], axis=1))")),
        ("logit minus logsumexp", _sce(
            "return np.mean(logsumexp(Z, axis=1) - Z[np.arange(Z.shape[0]), y])")),
        ("one-hot product", _sce("return -np.sum(np.eye(Z.shape[1])[y] * log_softmax(Z)) / len(y)")),
    ],
    "bce_from_logits": [
        ("np.logaddexp", _bce("return np.mean(np.logaddexp(0.0, z) - y * z)")),
        ("two logaddexp terms", _bce(
            "return np.mean(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z))")),
        ("softplus with np.where", _bce(
            "z = np.asarray(z, dtype=float)\n"
            "return np.mean(np.where(z > 0, z + np.log1p(np.exp(-np.abs(z))), np.log1p(np.exp(-np.abs(z)))) - y * z)")),
    ],
    "build_mnist_model": [
        (".add and activation=None", "\ndef build_mnist_model():\n    model = keras.Sequential()\n"
         "    model.add(keras.Input(shape=(784,)))\n"
         "    model.add(keras.layers.Dense(25, activation=keras.activations.relu))\n"
         "    model.add(keras.layers.Dense(15, activation=tf.nn.relu))\n"
         "    model.add(keras.layers.Dense(10, activation=None))\n    return model\n"),
        ("tf.keras", "\ndef build_mnist_model():\n    return tf.keras.Sequential([tf.keras.Input((784,)), "
         "tf.keras.layers.Dense(25, 'relu'), tf.keras.layers.Dense(15, 'relu'), "
         "tf.keras.layers.Dense(10)])\n"),
    ],
    "compile_mnist_model": [
        ("string optimizer", _compile(f"optimizer='adam', loss={SCCE}")),
        ("keyword learning_rate and metrics", _compile(
            f"loss={SCCE}, optimizer=keras.optimizers.Adam(learning_rate=0.001), "
            "metrics=['accuracy']")),
    ],
    "predict_proba": [
        ("tf.nn.softmax then .numpy()", _proba("return tf.nn.softmax(model.predict(X, verbose=0)).numpy()")),
        ("calling the model, keras.ops.softmax", _proba(
            "return np.asarray(keras.ops.softmax(model(X), axis=-1))")),
        ("own stable softmax defined in the answer cell", """
def softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
""" + _proba("return softmax(model.predict(X, verbose=0))")),
        ("scipy.special.softmax", "\nimport scipy.special\n"
         + _proba("return scipy.special.softmax(model.predict(X, verbose=0), axis=1)")),
    ],
}

# Mistakes that the visible tests must catch (an edge case the instructions state).
CAUGHT_VISIBLY = {
    "logsumexp": ["naive: overflows", "one maximum over the whole array", "keepdims forgotten",
                  "ignores axis", "reduces over every axis"],
    "log_softmax": ["broadcast along the wrong axis", "logsumexp over the columns"],
    "predict_proba": ["own softmax without the shift"],
}

# What a student's feedback says when their function gives the same outputs as a mistake above.
MESSAGES = {
    "logsumexp": {
        "naive: overflows": (
            "Your `logsumexp` gives the same numbers as exponentiating `z` directly: `np.exp` "
            "overflows to inf for large values, and a row of very negative values gives log(0); "
            "the maximum must be taken out first."),
        "one maximum over the whole array": (
            "Your `logsumexp` gives the same numbers as subtracting one maximum of the whole "
            "array instead of each row's (or column's): a row far below the largest value "
            "underflows to log(0) = -inf."),
        "maximum subtracted but not added back": (
            "Your `logsumexp` gives the same numbers as subtracting the maximum inside the "
            "exponentials and never adding it back after the log: each result is short by the "
            "maximum of its row (or column)."),
        "keepdims forgotten": (
            "Your `logsumexp` gives the same numbers as taking the maximum without `keepdims`: "
            "the row maxima then line up with the columns, so each row is shifted by other rows' "
            "maxima (or the shapes do not broadcast)."),
        "reduces over every axis": (
            "Your `logsumexp` gives one number for the whole array, as if the maximum and the "
            "sum ignored `axis`: a 2-D input needs one value per row (or per column with "
            "`axis=0`)."),
        "keeps the reduced axis": (
            "Your `logsumexp` gives the right values but keeps the reduced axis (`keepdims` in "
            "the sum and in the maximum added back): a 1-D input must give a scalar, and a 2-D "
            "input of m rows an array of shape (m,), not (m, 1)."),
        "ignores axis": (
            "Your `logsumexp` always reduces along the last axis, whatever `axis` it is given: "
            "with `axis=0` it must give one value per column."),
        "the maximum alone": (
            "Your `logsumexp` returns only the maximum along the axis and leaves out the log of "
            "the sum of the shifted exponentials: that is close only when one value is far above "
            "all the others."),
        "mean instead of sum": (
            "Your `logsumexp` gives the same numbers as taking the mean of the shifted "
            "exponentials instead of their sum: each result is too small by the log of the "
            "number of values reduced."),
    },
    "log_softmax": {
        "log of the softmax": (
            "Your `log_softmax` gives the same values as the log of a softmax: a logit far below "
            "its row's largest gets a probability of exactly 0, and its log is -inf (with a NumPy "
            "warning) where the true value is finite."),
        "logsumexp over the columns": (
            "Your `log_softmax` subtracts the logsumexp of each column (axis 0) instead of each "
            "row's: with a batch of several examples, the exponentials of a row no longer sum "
            "to 1."),
        "broadcast along the wrong axis": (
            "Your `log_softmax` subtracts the row logsumexps without making them a column: value "
            "i is subtracted from column i instead of row i, which is wrong for a batch of "
            "several examples (or does not broadcast)."),
        "the softmax itself": (
            "Your `log_softmax` returns the softmax probabilities themselves, not their logs: "
            "log-probabilities are never positive, and the largest of a row is close to 0."),
        "plus instead of minus": (
            "Your `log_softmax` adds each row's logsumexp to the logits instead of subtracting "
            "it: log-probabilities are never positive."),
    },
    "sparse_ce_from_logits": {
        "log of the softmax probabilities": (
            "Your `sparse_ce_from_logits` takes the log of softmax probabilities: when a true "
            "class's logit is far below the largest, its probability rounds to 0 and the loss is "
            "inf (with a NumPy warning) instead of large and finite."),
        "sum instead of mean": (
            "Your `sparse_ce_from_logits` adds up the losses of the examples instead of "
            "averaging them: with a batch of several examples it is too large by a factor of "
            "the batch size."),
        "minus sign missing": (
            "Your `sparse_ce_from_logits` returns the mean log-probability of the true classes "
            "without the minus sign: a cross-entropy is never negative."),
        "picks a column for every row": (
            "Your `sparse_ce_from_logits` indexes with `[:, y]`, which takes every example's "
            "log-probability at every label of `y` (an m × m table) and averages them all; each "
            "row needs only its own label."),
        "the raw logit of the true class": (
            "Your `sparse_ce_from_logits` averages minus the raw logits of the true classes, "
            "leaving out each row's logsumexp: the loss needs the log-probabilities, not the "
            "logits."),
    },
    "bce_from_logits": {
        "log(sigmoid(z))": (
            "Your `bce_from_logits` computes the sigmoid and then its log: for logits of large "
            "magnitude the sigmoid rounds to exactly 0 or 1, and the loss becomes inf or nan "
            "(with a NumPy warning) instead of large and finite."),
        "sign of y z wrong": (
            "Your `bce_from_logits` adds `y * z` where the formula subtracts it, so an example "
            "of label 1 with a large positive logit, a confident right answer, gets a large "
            "loss."),
        "log(1 + e^z) naive": (
            "Your `bce_from_logits` computes log(1 + e^z) directly: `np.exp` overflows for large "
            "positive logits and the loss becomes inf (with a NumPy warning); the stable form "
            "never exponentiates a positive number."),
        "abs forgotten": (
            "Your `bce_from_logits` leaves the absolute value out of the log1p term: for "
            "negative logits the loss is too large by |z|, and very negative ones overflow "
            "(with a NumPy warning)."),
        "sum instead of mean": (
            "Your `bce_from_logits` adds up the losses of the examples instead of averaging "
            "them: with several examples it is too large by a factor of their number."),
        "labels flipped": (
            "Your `bce_from_logits` uses `1 - y` where the formula has `y`, as if every label "
            "were flipped: examples of class 1 are scored as class 0 and the other way round."),
    },
    "build_mnist_model": {
        "softmax output": (
            "Your `build_mnist_model` builds the same model as one ending in a softmax layer: "
            "the output layer must stay linear and give logits, since the loss applies the "
            "softmax itself (`from_logits=True`)."),
        "sigmoid hidden layers": (
            "Your `build_mnist_model` builds the same model as one with sigmoid hidden layers: "
            "both hidden layers should use ReLU."),
        "no keras.Input": (
            "Your `build_mnist_model` builds a `Sequential` without `keras.Input`, so the model "
            "has no input shape (an unbuilt model has no inputs in Keras 3): the list of layers "
            "must start with the input of 784 features."),
        "layer sizes swapped": (
            "Your `build_mnist_model` has its hidden layers in the wrong order, 15 units then "
            "25: the first hidden layer has 25 units and the second 15."),
        "one output unit": (
            "Your `build_mnist_model` ends in a single output unit: a classifier of the ten "
            "digits needs one logit per class."),
    },
    "compile_mnist_model": {
        "from_logits missing": (
            "Your `compile_mnist_model` uses `SparseCategoricalCrossentropy` without "
            "`from_logits=True`: the loss then takes the model's logits for probabilities and "
            "gives the wrong value."),
        "one-hot categorical loss": (
            "Your `compile_mnist_model` uses `CategoricalCrossentropy`, which expects one-hot "
            "labels: the labels here are integer class numbers, which need the sparse version "
            "of the loss."),
        "SGD": (
            "Your `compile_mnist_model` compiles with the SGD optimizer: the exercise asks for "
            "Adam, at a learning rate of 1e-3."),
        "RMSprop": (
            "Your `compile_mnist_model` compiles with the RMSprop optimizer: the exercise asks "
            "for Adam, at a learning rate of 1e-3."),
        "learning rate 1e-2": (
            "Your `compile_mnist_model` uses Adam with a learning rate ten times the one asked "
            "for: check the value you give as `learning_rate`."),
        "binary cross-entropy": (
            "Your `compile_mnist_model` uses `BinaryCrossentropy`, a loss for yes/no labels: "
            "ten exclusive classes with integer labels need the sparse categorical "
            "cross-entropy."),
    },
    "predict_proba": {
        "returns the logits": (
            "Your `predict_proba` returns the model's raw outputs, which are logits, not "
            "probabilities: each row still needs a softmax."),
        "softmax over the examples (axis 0)": (
            "Your `predict_proba` takes the softmax over the examples (axis 0), so each column "
            "sums to 1 instead of each row: every example needs its own softmax over its "
            "classes."),
        "returns a tensor": (
            "Your `predict_proba` returns a TensorFlow tensor: the probabilities are right, but "
            "the result must be a NumPy array."),
        "returns the predicted labels": (
            "Your `predict_proba` returns the predicted class of each example (an argmax) "
            "instead of the probabilities of all the classes, one row per example."),
        "sigmoid instead of softmax": (
            "Your `predict_proba` applies a sigmoid to each logit on its own, so the rows do not "
            "sum to 1: the ten classes are exclusive and need a softmax over each row."),
        "own softmax without the shift": (
            "Your `predict_proba` computes the softmax without subtracting each row's largest "
            "logit first: with large logits `np.exp` overflows and the probabilities become nan "
            "(with a NumPy warning)."),
        "softmax applied twice": (
            "Your `predict_proba` applies the softmax twice: the second one pulls the "
            "probabilities towards equal shares, although each row still sums to 1."),
    },
}
