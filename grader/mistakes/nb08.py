"""08_multiclass_multilabel: wrong and alternative answers for multiclass and multi-label."""

from grader.mistakes import function_source as _fn

ASSIGNMENT = "08_multiclass_multilabel"


def _blob(layers, head="keras.Input(shape=(2,)), "):
    return _fn("build_blob_model()", f"return keras.Sequential([{head}{layers}])")


BLOB = 'keras.layers.Dense(2, activation="relu"), keras.layers.Dense(4, activation="linear")'


def _hot(body):
    return _fn("multi_hot(label_sets, n_labels)", body)


def _bce(body):
    return _fn("multilabel_bce_from_logits(Z, Y)", body)


def _model(layers, compile_args, n_inputs="n_inputs"):
    return _fn("build_multilabel_model(n_inputs, n_labels)",
               f"model = keras.Sequential([keras.Input(shape=({n_inputs},)), {layers}])\n"
               + (f"model.compile({compile_args})\n" if compile_args is not None else "")
               + "return model")


HIDDEN = 'keras.layers.Dense(64, activation="relu"), '
OUT = "keras.layers.Dense(n_labels)"
BCE = "loss=keras.losses.BinaryCrossentropy(from_logits=True)"


def _predict(body):
    return _fn("predict_labels(probabilities, threshold=0.5)", body)


def _metrics(body):
    return _fn("multilabel_metrics(Y_true, Y_pred)", body)


COUNTS = ("T = np.asarray(Y_true).astype(bool)\nP = np.asarray(Y_pred).astype(bool)\n"
          "tp, fp, fn = np.sum(T & P), np.sum(~T & P), np.sum(T & ~P)\n")
EXACT = "float(np.mean(np.all(T == P, axis=1)))"
HAMMING = "float(np.mean(T != P))"
PRECISION = "tp / (tp + fp) if tp + fp else 0.0"
RECALL = "tp / (tp + fn) if tp + fn else 0.0"
F1 = "2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0"


def _dict(exact=EXACT, hamming=HAMMING, precision=PRECISION, recall=RECALL, f1=F1, pre=COUNTS):
    return _metrics(pre + f'return {{"exact_match": {exact}, "hamming_loss": {hamming}, '
                    f'"precision": {precision}, "recall": {recall}, "f1": {f1}}}')


MACRO_F1 = ("per_label = [2 * np.sum(T[:, k] & P[:, k]) / max(np.sum(T[:, k]) + np.sum(P[:, k]), 1) "
            "for k in range(T.shape[1])]\n")

MISTAKES = {
    "build_blob_model": [
        ("softmax output", _blob(BLOB.replace('Dense(4, activation="linear")',
                                              'Dense(4, activation="softmax")'))),
        ("sigmoid hidden units", _blob(BLOB.replace('"relu"', '"sigmoid"'))),
        ("sizes swapped", _blob('keras.layers.Dense(4, activation="relu"), '
                                'keras.layers.Dense(2, activation="linear")')),
        ("one output unit", _blob(BLOB.replace("Dense(4", "Dense(1"))),
        ("no keras.Input", _blob(BLOB, head="")),
        ("compiled already", _fn("build_blob_model()",
                                 f"model = keras.Sequential([keras.Input(shape=(2,)), {BLOB}])\n"
                                 "model.compile(optimizer='adam', loss=keras.losses."
                                 "SparseCategoricalCrossentropy(from_logits=True))\nreturn model")),
        ("three inputs", _blob(BLOB, head="keras.Input(shape=(3,)), ")),
    ],
    "multi_hot": [
        ("counts a repeated label twice", _hot(
            "Y = np.zeros((len(label_sets), n_labels))\nfor i, labels in enumerate(label_sets):\n"
            "    for label in labels:\n        Y[i, label] += 1.0\nreturn Y")),
        ("integer array", _hot(
            "Y = np.zeros((len(label_sets), n_labels), dtype=int)\n"
            "for i, labels in enumerate(label_sets):\n    Y[i, list(labels)] = 1\nreturn Y")),
        ("boolean array", _hot(
            "Y = np.zeros((len(label_sets), n_labels), dtype=bool)\n"
            "for i, labels in enumerate(label_sets):\n    Y[i, list(labels)] = True\nreturn Y")),
        ("transposed: (n_labels, m)", _hot(
            "Y = np.zeros((n_labels, len(label_sets)))\nfor i, labels in enumerate(label_sets):\n"
            "    Y[list(labels), i] = 1.0\nreturn Y")),
        ("only the first label of each set (one-hot)", _hot(
            "Y = np.zeros((len(label_sets), n_labels))\nfor i, labels in enumerate(label_sets):\n"
            "    if len(labels):\n        Y[i, list(labels)[0]] = 1.0\nreturn Y")),
        ("labels counted from 1", _hot(
            "Y = np.zeros((len(label_sets), n_labels))\nfor i, labels in enumerate(label_sets):\n"
            "    for label in labels:\n        Y[i, label - 1] = 1.0\nreturn Y")),
        ("a tuple used as an index", _hot(
            "Y = np.zeros((len(label_sets), n_labels))\nfor i, labels in enumerate(label_sets):\n"
            "    Y[i, labels] = 1.0\nreturn Y")),
        ("a list of lists", _hot(
            "return [[1.0 if k in labels else 0.0 for k in range(n_labels)] for labels in label_sets]")),
    ],
    "multilabel_bce_from_logits": [
        ("log(sigmoid(z))", _bce(
            "A = 1 / (1 + np.exp(-Z))\nreturn np.mean(-Y * np.log(A) - (1 - Y) * np.log(1 - A))")),
        ("sum over the labels, mean over the examples", _bce(
            "return np.mean(np.sum(np.logaddexp(0.0, Z) - Y * Z, axis=1))")),
        ("one mean per example", _bce("return np.mean(np.logaddexp(0.0, Z) - Y * Z, axis=1)")),
        ("sign of y z wrong", _bce(
            "return np.mean(np.maximum(Z, 0) + Y * Z + np.log1p(np.exp(-np.abs(Z))))")),
        ("abs forgotten", _bce("return np.mean(np.maximum(Z, 0) - Y * Z + np.log1p(np.exp(-Z)))")),
        ("log(1 + e^z) naive", _bce("return np.mean(np.log(1 + np.exp(Z)) - Y * Z)")),
        ("softmax cross-entropy (multiclass thinking)", _bce(
            "c = Z.max(axis=1, keepdims=True)\n"
            "log_p = Z - c - np.log(np.exp(Z - c).sum(axis=1, keepdims=True))\n"
            "return -np.mean(np.sum(Y * log_p, axis=1))")),
        ("sum instead of mean", _bce("return np.sum(np.logaddexp(0.0, Z) - Y * Z)")),
        ("Keras in float32", _bce(
            "return float(keras.losses.BinaryCrossentropy(from_logits=True)(Y, Z))")),
    ],
    "build_multilabel_model": [
        ("sigmoid output with from_logits=True", _model(
            HIDDEN + 'keras.layers.Dense(n_labels, activation="sigmoid")', f"optimizer='adam', {BCE}")),
        ("softmax output", _model(
            HIDDEN + 'keras.layers.Dense(n_labels, activation="softmax")',
            "optimizer='adam', loss=keras.losses.CategoricalCrossentropy()")),
        ("linear output, from_logits missing", _model(
            HIDDEN + OUT, "optimizer='adam', loss=keras.losses.BinaryCrossentropy()")),
        ("the string 'binary_crossentropy' on logits", _model(
            HIDDEN + OUT, "optimizer='adam', loss='binary_crossentropy'")),
        ("categorical cross-entropy from logits", _model(
            HIDDEN + OUT, "optimizer='adam', loss=keras.losses.CategoricalCrossentropy(from_logits=True)")),
        ("always 10 outputs", _model(HIDDEN + "keras.layers.Dense(10)", f"optimizer='adam', {BCE}")),
        ("input size fixed at 300", _model(HIDDEN + OUT, f"optimizer='adam', {BCE}", n_inputs="300")),
        ("not compiled", _model(HIDDEN + OUT, None)),
    ],
    "predict_labels": [
        ("> instead of >=", _predict("return np.asarray(probabilities) > threshold")),
        ("0/1 integers", _predict("return (np.asarray(probabilities) >= threshold).astype(int)")),
        ("0/1 floats", _predict("return np.where(np.asarray(probabilities) >= threshold, 1.0, 0.0)")),
        ("threshold ignored", _predict("return np.asarray(probabilities) >= 0.5")),
        ("one label per example (argmax)", _predict(
            "P = np.asarray(probabilities)\nreturn np.arange(P.shape[1]) == np.argmax(P, axis=1)[:, None]")),
        ("softmax on multi-label outputs", _predict(
            "P = np.asarray(probabilities)\ne = np.exp(P - P.max(axis=1, keepdims=True))\n"
            "return e / e.sum(axis=1, keepdims=True) >= threshold")),
        ("sigmoid applied again", _predict(
            "return 1 / (1 + np.exp(-np.asarray(probabilities))) >= threshold")),
        ("rounding", _predict("return np.round(np.asarray(probabilities)).astype(bool)")),
    ],
    "multilabel_metrics": [
        ("macro F1 where micro was asked", _dict(
            pre=COUNTS + MACRO_F1, f1="float(np.mean(per_label))")),
        ("macro precision and recall", _dict(
            pre=COUNTS + "pk = [np.sum(T[:, k] & P[:, k]) / max(np.sum(P[:, k]), 1) for k in range(T.shape[1])]\n"
                "rk = [np.sum(T[:, k] & P[:, k]) / max(np.sum(T[:, k]), 1) for k in range(T.shape[1])]\n",
            precision="float(np.mean(pk))", recall="float(np.mean(rk))")),
        ("precision and recall swapped", _dict(precision=RECALL, recall=PRECISION)),
        ("Hamming loss per example (1 - exact match)",
         _dict(hamming="float(np.mean(np.any(T != P, axis=1)))")),
        ("exact match per entry", _dict(exact="float(np.mean(T == P))")),
        ("no check before dividing", _dict(
            precision="tp / (tp + fp)", recall="tp / (tp + fn)", f1="2 * tp / (2 * tp + fp + fn)")),
        ("F1 as 2PR / (P + R) without a check", _dict(
            pre=COUNTS + f"p = {PRECISION}\nr = {RECALL}\n", f1="2 * p * r / (p + r)")),
        ("F1 as the mean of precision and recall", _dict(
            pre=COUNTS + f"p = {PRECISION}\nr = {RECALL}\n", precision="p", recall="r",
            f1="(p + r) / 2")),
        ("accuracy instead of exact_match", _metrics(
            COUNTS + f'return {{"accuracy": {EXACT}, "hamming_loss": {HAMMING}, '
            f'"precision": {PRECISION}, "recall": {RECALL}, "f1": {F1}}}')),
    ],
}

ALTERNATIVES = {
    "build_blob_model": [
        (".add and activation=None", _fn(
            "build_blob_model()",
            "model = keras.Sequential()\nmodel.add(keras.Input(shape=(2,)))\n"
            "model.add(keras.layers.Dense(2, activation=keras.activations.relu))\n"
            "model.add(keras.layers.Dense(4, activation=None))\nreturn model")),
        ("tf.keras, positional activations", "\nimport tensorflow as tf\n" + _fn(
            "build_blob_model()",
            "return tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(2, 'relu'), "
            "tf.keras.layers.Dense(4)])")),
        ("named layers", _blob('keras.layers.Dense(units=2, activation="relu", name="hidden"), '
                               'keras.layers.Dense(units=4, name="logits")')),
    ],
    "multi_hot": [
        ("nested loops", _hot(
            "Y = np.zeros((len(label_sets), n_labels))\nfor i, labels in enumerate(label_sets):\n"
            "    for label in labels:\n        Y[i, int(label)] = 1.0\nreturn Y")),
        ("membership test per label", _hot(
            "return np.array([[float(k in set(labels)) for k in range(n_labels)] "
            "for labels in label_sets], dtype=float).reshape(len(label_sets), n_labels)")),
        ("np.add.at then np.minimum", _hot(
            "Y = np.zeros((len(label_sets), n_labels))\nfor i, labels in enumerate(label_sets):\n"
            "    np.add.at(Y[i], np.asarray(list(labels), dtype=int), 1.0)\nreturn np.minimum(Y, 1.0)")),
        ("rows and columns gathered first", _hot(
            "rows = [i for i, labels in enumerate(label_sets) for _ in labels]\n"
            "cols = [int(label) for labels in label_sets for label in labels]\n"
            "Y = np.zeros((len(label_sets), n_labels))\nY[rows, cols] = 1.0\nreturn Y")),
    ],
    "multilabel_bce_from_logits": [
        ("np.logaddexp", _bce("return np.mean(np.logaddexp(0.0, Z) - Y * Z)")),
        ("two logaddexp terms", _bce(
            "return np.mean(Y * np.logaddexp(0.0, -Z) + (1 - Y) * np.logaddexp(0.0, Z))")),
        ("per-example mean, then the mean (Keras's order)", _bce(
            "Z = np.asarray(Z, dtype=float)\n"
            "per_entry = np.maximum(Z, 0) - Y * Z + np.log1p(np.exp(-np.abs(Z)))\n"
            "return np.mean(np.mean(per_entry, axis=1))")),
        ("scipy.special.log_expit", "\nimport scipy.special\n" + _bce(
            "return np.mean(-Y * scipy.special.log_expit(Z) - (1 - Y) * scipy.special.log_expit(-Z))")),
        ("tf.nn.sigmoid_cross_entropy_with_logits in float64", "\nimport tensorflow as tf\n" + _bce(
            "loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=np.asarray(Y, dtype=np.float64), "
            "logits=np.asarray(Z, dtype=np.float64))\nreturn float(tf.reduce_mean(loss))")),
    ],
    "build_multilabel_model": [
        ("no hidden layer (K logistic regressions)", _model(OUT, f"optimizer='adam', {BCE}")),
        ("two hidden layers and dropout", _model(
            'keras.layers.Dense(128, activation="relu"), keras.layers.Dropout(0.2), '
            'keras.layers.Dense(64, activation="relu"), ' + OUT,
            f"optimizer=keras.optimizers.Adam(learning_rate=1e-3), {BCE}, metrics=['binary_accuracy']")),
        ("SGD and activation=None", _model(
            HIDDEN + "keras.layers.Dense(n_labels, activation=None)",
            f"optimizer=keras.optimizers.SGD(learning_rate=0.1), {BCE}")),
        ("batch normalisation", _model(
            "keras.layers.Dense(32), keras.layers.BatchNormalization(), keras.layers.ReLU(), "
            'keras.layers.Dense(n_labels, activation="linear")', f"optimizer='rmsprop', {BCE}")),
        ("tf.keras", "\nimport tensorflow as tf\n" + _fn(
            "build_multilabel_model(n_inputs, n_labels)",
            "model = tf.keras.Sequential([tf.keras.Input((n_inputs,)), "
            "tf.keras.layers.Dense(100, 'relu'), tf.keras.layers.Dense(n_labels)])\n"
            "model.compile('adam', tf.keras.losses.BinaryCrossentropy(from_logits=True))\n"
            "return model")),
    ],
    "predict_labels": [
        ("np.greater_equal", _predict("return np.greater_equal(probabilities, threshold)")),
        ("not below the threshold", _predict("return ~(np.asarray(probabilities) < threshold)")),
        ("np.where to booleans", _predict(
            "return np.where(np.asarray(probabilities) >= threshold, True, False)")),
        ("difference at least 0", _predict("return np.asarray(probabilities) - threshold >= 0")),
        ("tf.math.greater_equal", "\nimport tensorflow as tf\n" + _predict(
            "return tf.math.greater_equal(probabilities, threshold).numpy()")),
    ],
    "multilabel_metrics": [
        ("float arithmetic", _metrics(
            "T = np.asarray(Y_true, dtype=float)\nP = np.asarray(Y_pred, dtype=float)\n"
            "tp = np.sum(T * P)\nfp = np.sum((1 - T) * P)\nfn = np.sum(T * (1 - P))\n"
            "exact = np.mean(np.sum(np.abs(T - P), axis=1) == 0)\n"
            "return {'exact_match': exact, 'hamming_loss': np.mean(np.abs(T - P)), "
            "'precision': tp / (tp + fp) if tp + fp > 0 else 0.0, "
            "'recall': tp / (tp + fn) if tp + fn > 0 else 0.0, "
            "'f1': 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else 0.0}")),
        ("F1 as 2PR / (P + R) with a check", _dict(
            pre=COUNTS + f"p = {PRECISION}\nr = {RECALL}\n", precision="p", recall="r",
            f1="2 * p * r / (p + r) if p + r > 0 else 0.0")),
        ("np.count_nonzero and logical_and", _metrics(
            "T = np.asarray(Y_true) != 0\nP = np.asarray(Y_pred) != 0\n"
            "tp = np.count_nonzero(np.logical_and(T, P))\n"
            "fp = np.count_nonzero(np.logical_and(~T, P))\n"
            "fn = np.count_nonzero(np.logical_and(T, ~P))\nresult = {}\n"
            "result['exact_match'] = np.count_nonzero((T == P).all(axis=1)) / T.shape[0]\n"
            "result['hamming_loss'] = np.count_nonzero(T != P) / T.size\n"
            "result['precision'] = 0.0 if tp + fp == 0 else tp / (tp + fp)\n"
            "result['recall'] = 0.0 if tp + fn == 0 else tp / (tp + fn)\n"
            "result['f1'] = 0.0 if 2 * tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)\n"
            "return result")),
        ("np.divide with where", _metrics(
            COUNTS + "def ratio(a, b):\n    return float(np.divide(a, b, out=np.zeros(()), where=b > 0))\n"
            "return {'exact_match': float((T == P).all(axis=1).mean()), "
            "'hamming_loss': float((T != P).mean()), 'precision': ratio(tp, tp + fp), "
            "'recall': ratio(tp, tp + fn), 'f1': ratio(2 * tp, 2 * tp + fp + fn)}")),
    ],
}

# What a student's feedback says when their function gives the same outputs as a mistake above.
MESSAGES = {
    "build_blob_model": {
        "softmax output": (
            "Your `build_blob_model` ends in a softmax layer: the four outputs must stay linear "
            "logits, since the loss applies the softmax itself (`from_logits=True`)."),
        "sigmoid hidden units": (
            "Your `build_blob_model` uses sigmoid in the hidden layer: the two hidden units "
            "should be ReLU units."),
        "sizes swapped": (
            "Your `build_blob_model` has 4 hidden units and 2 outputs, the sizes swapped: two "
            "hidden ReLU units, then one output per class for the four classes."),
        "one output unit": (
            "Your `build_blob_model` has a single output unit: four classes need four logits, "
            "one per class."),
        "no keras.Input": (
            "Your `build_blob_model` has no `keras.Input`, so the model has no input shape (an "
            "unbuilt `Sequential` has no inputs in Keras 3): it must start with the input of 2 "
            "features."),
        "compiled already": (
            "Your `build_blob_model` compiles the model before returning it: the exercise asks "
            "for an uncompiled model, which the notebook compiles later."),
        "three inputs": (
            "Your `build_blob_model` declares 3 input features: a point of the plane has 2."),
    },
    "multi_hot": {
        "counts a repeated label twice": (
            "Your `multi_hot` adds 1 each time a label is listed, so a label listed twice gives "
            "2: an entry says only whether the label is present, not how often."),
        "integer array": (
            "Your `multi_hot` returns the right 0s and 1s as an integer array: the exercise asks "
            "for a float array."),
        "boolean array": (
            "Your `multi_hot` returns a boolean array: the exercise asks for a float array of "
            "1.0 and 0.0."),
        "transposed: (n_labels, m)": (
            "Your `multi_hot` returns the transpose, one row per label and one column per label "
            "set: the result must have one row per label set, shape (m, n_labels)."),
        "only the first label of each set (one-hot)": (
            "Your `multi_hot` marks only the first label of each set, a one-hot encoding: every "
            "label in the set needs its 1."),
        "labels counted from 1": (
            "Your `multi_hot` puts each label one column to the left, as if labels counted from "
            "1 (label 0 lands in the last column): labels run from 0 to n_labels - 1, and label "
            "k belongs in column k."),
        "a tuple used as an index": (
            "Your `multi_hot` indexes the array with each label collection as it is: that works "
            "for lists and tuples, but a Python set cannot index a NumPy array (an IndexError)."),
        "a list of lists": (
            "Your `multi_hot` returns a Python list of lists with the right values: the exercise "
            "asks for a NumPy float array."),
    },
    "multilabel_bce_from_logits": {
        "log(sigmoid(z))": (
            "Your `multilabel_bce_from_logits` computes the sigmoid and then its log: for logits "
            "of large magnitude the sigmoid rounds to exactly 0 or 1, and the loss becomes inf or "
            "nan (with a NumPy warning)."),
        "sum over the labels, mean over the examples": (
            "Your `multilabel_bce_from_logits` sums each example's losses over its labels before "
            "averaging over the examples, which is K times too large: the mean is over all "
            "m × K entries."),
        "one mean per example": (
            "Your `multilabel_bce_from_logits` returns one mean per example, an array of shape "
            "(m,), instead of one number: the mean is over all m × K entries."),
        "sign of y z wrong": (
            "Your `multilabel_bce_from_logits` adds `Y * Z` where the formula subtracts it, so "
            "a label of 1 with a large positive logit, a confident right answer, gets a large "
            "loss."),
        "abs forgotten": (
            "Your `multilabel_bce_from_logits` leaves the absolute value out of the log1p term: "
            "for negative logits the loss is too large by |z|, and very negative ones overflow "
            "(with a NumPy warning)."),
        "log(1 + e^z) naive": (
            "Your `multilabel_bce_from_logits` computes log(1 + e^z) directly: `np.exp` "
            "overflows for large positive logits and the loss becomes inf (with a NumPy "
            "warning)."),
        "softmax cross-entropy (multiclass thinking)": (
            "Your `multilabel_bce_from_logits` computes a softmax cross-entropy over each row, as "
            "for exclusive classes: each of the K labels is its own yes/no question, with its own "
            "sigmoid and binary cross-entropy."),
        "sum instead of mean": (
            "Your `multilabel_bce_from_logits` adds up the losses of all the entries instead of "
            "averaging them, which is m × K times too large."),
        "Keras in float32": (
            "Your `multilabel_bce_from_logits` gives Keras's `BinaryCrossentropy` value, "
            "computed in float32: right to about 7 digits, but the tests compare in float64, to "
            "a relative 1e-12."),
    },
    "build_multilabel_model": {
        "sigmoid output with from_logits=True": (
            "Your `build_multilabel_model` puts a sigmoid on the output layer and also uses "
            "`from_logits=True`, so the sigmoid is applied twice: the output layer must stay "
            "linear."),
        "softmax output": (
            "Your `build_multilabel_model` ends in a softmax with a categorical cross-entropy, "
            "as for exclusive classes: the labels are independent, so the outputs are linear "
            "logits and the loss a binary cross-entropy from logits."),
        "linear output, from_logits missing": (
            "Your `build_multilabel_model` has linear outputs but a `BinaryCrossentropy` without "
            "`from_logits=True`, so the loss takes the logits for probabilities."),
        "the string 'binary_crossentropy' on logits": (
            "Your `build_multilabel_model` compiles with the string `'binary_crossentropy'`, "
            "which expects probabilities: the outputs are logits, and the string cannot set "
            "`from_logits`."),
        "categorical cross-entropy from logits": (
            "Your `build_multilabel_model` uses `CategoricalCrossentropy`, which puts one softmax "
            "across the labels as if they were exclusive: each label needs its own binary "
            "cross-entropy."),
        "always 10 outputs": (
            "Your `build_multilabel_model` always has 10 outputs: the output layer needs one "
            "unit per label, `n_labels` of them."),
        "input size fixed at 300": (
            "Your `build_multilabel_model` fixes the input at 300 features (the canvases' size) "
            "instead of using `n_inputs`."),
        "not compiled": (
            "Your `build_multilabel_model` returns the model uncompiled: this function must also "
            "compile it, with a binary cross-entropy from logits."),
    },
    "predict_labels": {
        "> instead of >=": (
            "Your `predict_labels` uses a strict `>`, so a probability exactly equal to the "
            "threshold counts as no: a probability of at least the threshold is a yes."),
        "0/1 integers": (
            "Your `predict_labels` returns 0/1 integers: the exercise asks for a boolean array."),
        "0/1 floats": (
            "Your `predict_labels` returns 0/1 floats: the exercise asks for a boolean array."),
        "threshold ignored": (
            "Your `predict_labels` always compares with 0.5 and ignores the `threshold` it is "
            "given."),
        "one label per example (argmax)": (
            "Your `predict_labels` predicts only the most probable label of each example (an "
            "argmax): in a multi-label problem every label whose probability reaches the "
            "threshold is predicted, however many."),
        "softmax on multi-label outputs": (
            "Your `predict_labels` applies a softmax before comparing with the threshold: the "
            "values are already probabilities, each label's own, and are compared as they are."),
        "sigmoid applied again": (
            "Your `predict_labels` applies a sigmoid to values that are already probabilities: "
            "they are compared with the threshold as they are."),
        "rounding": (
            "Your `predict_labels` rounds the probabilities, which ignores `threshold` and acts "
            "like 0.5 with `>` (NumPy rounds 0.5 itself down to 0)."),
    },
    "multilabel_metrics": {
        "macro F1 where micro was asked": (
            "Your `multilabel_metrics` gives the macro F1, the mean of the per-label F1 scores: "
            "the exercise asks for the micro F1, from TP, FP and FN pooled over all the labels."),
        "macro precision and recall": (
            "Your `multilabel_metrics` gives macro precision and recall, means of per-label "
            "scores: the exercise asks for micro ones, from TP, FP and FN pooled over all the "
            "labels."),
        "precision and recall swapped": (
            "Your `multilabel_metrics` swaps precision and recall: precision is the share of the "
            "predicted labels that are true, recall the share of the true labels that are "
            "predicted."),
        "Hamming loss per example (1 - exact match)": (
            "Your `multilabel_metrics` gives the share of examples with any wrong entry (1 - "
            "exact match) as the Hamming loss: it is the share of all m × K entries that are "
            "wrong."),
        "exact match per entry": (
            "Your `multilabel_metrics` gives the share of right entries as the exact match: it "
            "is the share of examples whose entries are all right."),
        "no check before dividing": (
            "Your `multilabel_metrics` divides without checking the denominator: when nothing is "
            "predicted or nothing is true, a metric becomes nan (with a NumPy warning) instead "
            "of 0.0."),
        "F1 as 2PR / (P + R) without a check": (
            "Your `multilabel_metrics` computes F1 as 2PR / (P + R) without checking the "
            "denominator: with no true positives P + R is 0, and the division fails or gives "
            "nan where F1 is 0.0."),
        "F1 as the mean of precision and recall": (
            "Your `multilabel_metrics` computes F1 as the arithmetic mean of precision and "
            "recall: F1 is their harmonic mean, which is lower whenever the two differ."),
        "accuracy instead of exact_match": (
            "Your `multilabel_metrics` names a key `\"accuracy\"`: the dict must have exactly "
            "the five keys asked for, with `\"exact_match\"` for the share of examples that are "
            "entirely right."),
    },
}

# Mistakes that compute the same numbers on every test input: a diagnosis names them together
# (a loss is judged by what it computes, whatever it is called).
SAME_NUMBERS = {
    "build_multilabel_model": [("linear output, from_logits missing",
                                "the string 'binary_crossentropy' on logits")],
}
