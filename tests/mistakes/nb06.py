"""06_from_logits_stability: wrong and alternative answers for the stable losses and Keras."""

from tests.mistakes import function_source as _fn

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
