"""09_convolution: wrong and alternative answers for 1-D/2-D convolution, sizes, parameters, CNN."""

from grader.mistakes import function_source as _fn

ASSIGNMENT = "09_convolution"


def _c1(body):
    return _fn("conv1d(x, w, b=0.0, stride=1)", body)


def _size(body):
    return _fn('conv_output_size(n, k, stride=1, padding="valid")', body)


def _c2(body):
    return _fn("conv2d(X, W, b)", body)


def _params(body):
    return _fn("conv_params(kh, kw, c_in, c_out)", body)


def _loop2d(window_times_kernel, out_size="X.shape[0] - kh + 1, X.shape[1] - kw + 1",
            dtype="float"):
    """conv2d with two loops; the expression computing Y[i, j] from `window` varies."""
    return _c2(f"kh, kw = W.shape[0], W.shape[1]\n"
               f"out_h, out_w = {out_size}\n"
               f"Y = np.zeros((out_h, out_w, W.shape[3]), dtype={dtype})\n"
               "for i in range(out_h):\n"
               "    for j in range(out_w):\n"
               "        window = X[i:i + kh, j:j + kw, :]\n"
               f"        Y[i, j] = {window_times_kernel}\n"
               "return Y")


SCCE = "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
CONV = 'keras.layers.Conv2D(8, (3, 3), activation="relu")'
POOL = "keras.layers.MaxPooling2D(2)"
DENSE = "keras.layers.Dense(10)"
INPUT = "keras.Input(shape=(28, 28, 1))"


def _cnn(layers=None, compile_arguments=f"optimizer=keras.optimizers.Adam(1e-3), loss={SCCE}",
         compiled=True):
    layers = layers or [INPUT, CONV, POOL, "keras.layers.Flatten()", DENSE]
    body = "model = keras.Sequential([" + ", ".join(layers) + "])\n"
    if compiled:
        body += f"model.compile({compile_arguments})\n"
    return _fn("build_small_cnn()", body + "return model")


def _cnn_replacing(old, new):
    layers = [INPUT, CONV, POOL, "keras.layers.Flatten()", DENSE]
    return _cnn([new if layer == old else layer for layer in layers])


MISTAKES = {
    "conv1d": [
        ("flipped kernel: true convolution", _c1(
            'return np.convolve(x, w, "valid")[::stride] + b')),
        ("bias missing", _c1(
            "k = len(w)\n"
            "return np.array([np.dot(x[i:i + k], w) for i in range(0, len(x) - k + 1, stride)])")),
        ("one output too few", _c1(
            "k = len(w)\nm = (len(x) - k) // stride\n"
            "return np.array([np.dot(x[i * stride:i * stride + k], w) + b for i in range(m)])")),
        ("stride ignored", _c1('return np.correlate(x, w, "valid") + b')),
        ("count (n - k + 1) // stride", _c1(
            "k = len(w)\nm = (len(x) - k + 1) // stride\n"
            "return np.array([np.dot(x[i * stride:i * stride + k], w) + b for i in range(m)])")),
        ("stride used as a dilation", _c1(
            "k = len(w)\nspan = stride * (k - 1) + 1\n"
            "return np.array([np.dot(x[i:i + span:stride], w) + b for i in range(len(x) - span + 1)])")),
        ("full correlation", _c1('return np.correlate(x, w, "full")[::stride] + b')),
        ("same correlation", _c1('return np.correlate(x, w, "same")[::stride] + b')),
        ("returns a list", _c1(
            "k = len(w)\n"
            "return [float(np.dot(x[i:i + k], w) + b) for i in range(0, len(x) - k + 1, stride)]")),
        ("integer output for integer signals", _c1(
            "x = np.asarray(x)\nk = len(w)\ny = np.zeros((len(x) - k) // stride + 1, dtype=x.dtype)\n"
            "for i in range(len(y)):\n    y[i] = np.dot(x[i * stride:i * stride + k], w) + b\n"
            "return y")),
        ("bias added to the kernel", _c1('return np.correlate(x, w + b, "valid")[::stride]')),
    ],
    "conv_output_size": [
        ("valid: one too few", _size(
            'if padding == "same":\n    return (n + stride - 1) // stride\nreturn (n - k) // stride')),
        ("same computed as valid", _size("return (n - k) // stride + 1")),
        ("same rounds down", _size(
            'if padding == "same":\n    return n // stride\nreturn (n - k) // stride + 1')),
        ("float division", _size(
            'if padding == "same":\n    return n / stride\nreturn (n - k) / stride + 1')),
        ("same via round(n / stride)", _size(
            'if padding == "same":\n    return round(n / stride)\nreturn (n - k) // stride + 1')),
        ("stride ignored", _size('if padding == "same":\n    return n\nreturn n - k + 1')),
        ("np.ceil returns a float", _size(
            'if padding == "same":\n    return np.ceil(n / stride)\nreturn (n - k) // stride + 1')),
        ("same as symmetric padding k // 2 (wrong for even k)", _size(
            'if padding == "same":\n    return (n + 2 * (k // 2) - k) // stride + 1\n'
            "return (n - k) // stride + 1")),
        ("same keeps n whatever the stride", _size(
            'if padding == "same":\n    return n\nreturn (n - k) // stride + 1')),
    ],
    "conv2d": [
        ("flipped kernel: true convolution",
         _loop2d("np.tensordot(window, W[::-1, ::-1], axes=3) + b")),
        ("bias missing", _loop2d("np.tensordot(window, W, axes=3)")),
        ("one row and column too few", _loop2d(
            "np.tensordot(window, W, axes=3) + b", out_size="X.shape[0] - kh, X.shape[1] - kw")),
        ("kernel read as (F, C, kh, kw), PyTorch's layout", _c2(
            "F, C, kh, kw = W.shape\n"
            "Y = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1, F))\n"
            "for i in range(Y.shape[0]):\n    for j in range(Y.shape[1]):\n"
            "        for f in range(F):\n"
            "            Y[i, j, f] = np.sum(X[i:i + kh, j:j + kw, :] * W[f].transpose(1, 2, 0)) + b[f]\n"
            "return Y")),
        ("kernel rows and columns swapped",
         _loop2d("np.tensordot(window, W.transpose(1, 0, 2, 3), axes=3) + b")),
        ("first channel only", _loop2d("window[:, :, 0].ravel() @ W[:, :, 0, :].reshape(-1, W.shape[3]) + b")),
        ("feature maps first: (F, H', W')", _c2(
            "kh, kw = W.shape[:2]\n"
            "windows = np.lib.stride_tricks.sliding_window_view(X, (kh, kw), axis=(0, 1))\n"
            'return np.einsum("ijcuv,uvcf->fij", windows, W) + b[:, None, None]')),
        ("true convolution with scipy.signal.convolve2d", "\nimport scipy.signal\n" + _c2(
            "out = [sum(scipy.signal.convolve2d(X[:, :, c], W[:, :, c, f], mode='valid')\n"
            "           for c in range(X.shape[2])) + b[f] for f in range(W.shape[3])]\n"
            "return np.stack(out, axis=-1)")),
        ("integer output for integer images",
         _loop2d("np.tensordot(window, W, axes=3) + b", dtype="X.dtype")),
    ],
    "conv_params": [
        ("biases missing", _params("return kh * kw * c_in * c_out")),
        ("input channels ignored", _params("return (kh * kw + 1) * c_out")),
        ("one bias for the layer", _params("return kh * kw * c_in * c_out + 1")),
        ("a bias per input channel", _params("return (kh * kw + 1) * c_in * c_out")),
        ("a float", _params("return (kh * kw * c_in + 1.0) * c_out")),
        ("a bias per weight row", _params("return kh * kw * (c_in + 1) * c_out")),
    ],
    "build_small_cnn": [
        ("not compiled", _cnn(compiled=False)),
        ("softmax output", _cnn_replacing(DENSE, 'keras.layers.Dense(10, activation="softmax")')),
        ("from_logits missing", _cnn(compile_arguments=(
            "optimizer='adam', loss=keras.losses.SparseCategoricalCrossentropy()"))),
        ("no pooling", _cnn([INPUT, CONV, "keras.layers.Flatten()", DENSE])),
        ("16 filters", _cnn_replacing(CONV, 'keras.layers.Conv2D(16, (3, 3), activation="relu")')),
        ("5 x 5 kernel", _cnn_replacing(CONV, 'keras.layers.Conv2D(8, (5, 5), activation="relu")')),
        ("'same' padding", _cnn_replacing(
            CONV, 'keras.layers.Conv2D(8, (3, 3), activation="relu", padding="same")')),
        ("no ReLU on the convolution", _cnn_replacing(CONV, "keras.layers.Conv2D(8, (3, 3))")),
        ("pooling with stride 1", _cnn_replacing(POOL, "keras.layers.MaxPooling2D(2, strides=1)")),
        ("average pooling", _cnn_replacing(POOL, "keras.layers.AveragePooling2D(2)")),
        ("an extra hidden Dense layer", _cnn(
            [INPUT, CONV, POOL, "keras.layers.Flatten()",
             'keras.layers.Dense(32, activation="relu")', DENSE])),
        ("input without the channel axis", _cnn(
            ["keras.Input(shape=(28, 28))", "keras.layers.Reshape((28, 28, 1))", CONV, POOL,
             "keras.layers.Flatten()", DENSE])),
        ("SGD", _cnn(compile_arguments=f"optimizer=keras.optimizers.SGD(1e-3), loss={SCCE}")),
        ("learning rate 1e-2", _cnn(compile_arguments=f"optimizer=keras.optimizers.Adam(1e-2), loss={SCCE}")),
    ],
}

# The visible tests alone catch these: the instructions state them.
CAUGHT_VISIBLY = {
    "conv_output_size": ["same via round(n / stride)", "same rounds down"],
}

ALTERNATIVES = {
    "conv1d": [
        ("np.correlate", _c1('return np.correlate(x, w, "valid")[::stride] + b')),
        ("scipy.signal.correlate", "\nimport scipy.signal\n" + _c1(
            'return scipy.signal.correlate(x, w, mode="valid")[::stride] + b')),
        ("np.convolve with the reversed kernel", _c1(
            'return np.convolve(x, w[::-1], "valid")[::stride] + b')),
        ("sliding_window_view", _c1(
            "windows = np.lib.stride_tricks.sliding_window_view(x, len(w))[::stride]\n"
            "return windows @ w + b")),
        ("sliding_window_view imported, einsum", "\nfrom numpy.lib.stride_tricks import sliding_window_view\n"
         + _c1('return np.einsum("ij,j->i", sliding_window_view(x, len(w))[::stride], w) + b')),
        ("two plain loops", _c1(
            "n_out = (len(x) - len(w)) // stride + 1\ny = np.zeros(n_out)\n"
            "for i in range(n_out):\n    total = b\n    for j in range(len(w)):\n"
            "        total += x[i * stride + j] * w[j]\n    y[i] = total\nreturn y")),
    ],
    "conv_output_size": [
        ("math.ceil and math.floor", "\nimport math\n" + _size(
            'if padding == "same":\n    return math.ceil(n / stride)\n'
            "return math.floor((n - k) / stride) + 1")),
        ("(n - 1) // stride + 1 for same", _size(
            'if padding == "valid":\n    return (n - k) // stride + 1\nreturn (n - 1) // stride + 1')),
        ("int(np.ceil(...))", _size(
            'if padding.lower() == "same":\n    return int(np.ceil(n / stride))\n'
            "return int((n - k) // stride + 1)")),
        ("TensorFlow 1's formula for valid", "\nimport math\n" + _size(
            'return math.ceil(n / stride) if padding == "same" else math.ceil((n - k + 1) / stride)')),
        ("explicit padding, as Keras pads", _size(
            'pad = 0\nif padding == "same":\n'
            "    pad = max(((n + stride - 1) // stride - 1) * stride + k - n, 0)\n"
            "return (n + pad - k) // stride + 1")),
    ],
    "conv2d": [
        ("sliding_window_view and einsum", _c2(
            "kh, kw = W.shape[:2]\n"
            "windows = np.lib.stride_tricks.sliding_window_view(X, (kh, kw), axis=(0, 1))\n"
            'return np.einsum("ijcuv,uvcf->ijf", windows, W) + b')),
        ("windows and tensordot", _c2(
            "windows = np.lib.stride_tricks.sliding_window_view(X, W.shape[:2], axis=(0, 1))\n"
            "return np.tensordot(windows, W, axes=([3, 4, 2], [0, 1, 2])) + b")),
        ("loop over kernel offsets", _c2(
            "kh, kw = W.shape[:2]\nout_h, out_w = X.shape[0] - kh + 1, X.shape[1] - kw + 1\n"
            "Y = np.zeros((out_h, out_w, W.shape[3])) + b\n"
            "for u in range(kh):\n    for v in range(kw):\n"
            "        Y = Y + X[u:u + out_h, v:v + out_w, :] @ W[u, v]\nreturn Y")),
        ("broadcast product in two loops", _loop2d(
            "(window[..., np.newaxis] * W).sum(axis=(0, 1, 2)) + b")),
        ("scipy.signal.correlate2d per channel and filter", "\nimport scipy.signal\n" + _c2(
            "maps = [sum(scipy.signal.correlate2d(X[:, :, c], W[:, :, c, f], mode='valid')\n"
            "            for c in range(X.shape[2])) + b[f] for f in range(W.shape[3])]\n"
            "return np.stack(maps, axis=-1).astype(float)")),
        ("five plain loops", _c2(
            "kh, kw, C, F = W.shape\nY = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1, F))\n"
            "for i in range(Y.shape[0]):\n  for j in range(Y.shape[1]):\n    for f in range(F):\n"
            "      total = b[f]\n      for u in range(kh):\n        for v in range(kw):\n"
            "          for c in range(C):\n            total += X[i + u, j + v, c] * W[u, v, c, f]\n"
            "      Y[i, j, f] = total\nreturn Y")),
        ("tf.nn.conv2d in float64", "\nimport tensorflow as tf\n" + _c2(
            "X64, W64 = np.asarray(X, dtype=np.float64), np.asarray(W, dtype=np.float64)\n"
            'return tf.nn.conv2d(X64[np.newaxis], W64, strides=1, padding="VALID").numpy()[0] + b')),
    ],
    "conv_params": [
        ("weights plus biases", _params("return kh * kw * c_in * c_out + c_out")),
        ("math.prod", "\nimport math\n" + _params("return math.prod((kh, kw, c_in, c_out)) + c_out")),
        ("np.prod, then int", _params("return int(np.prod([kh, kw, c_in]) + 1) * c_out")),
        ("a Keras layer's count", _params(
            "layer = keras.layers.Conv2D(c_out, (kh, kw))\nlayer.build((None, kh, kw, c_in))\n"
            "return layer.count_params()")),
    ],
    "build_small_cnn": [
        (".add, keywords, string optimizer", _fn("build_small_cnn()",
            "model = keras.Sequential()\nmodel.add(keras.Input(shape=(28, 28, 1)))\n"
            "model.add(keras.layers.Conv2D(filters=8, kernel_size=3, activation='relu'))\n"
            "model.add(keras.layers.MaxPooling2D(pool_size=(2, 2), strides=2))\n"
            "model.add(keras.layers.Flatten())\nmodel.add(keras.layers.Dense(10, activation=None))\n"
            f"model.compile(optimizer='adam', loss={SCCE}, metrics=['accuracy'])\nreturn model")),
        ("a separate ReLU layer", _cnn([INPUT, "keras.layers.Conv2D(8, 3)", "keras.layers.ReLU()",
                                        POOL, "keras.layers.Flatten()", DENSE])),
        ("an Activation layer", _cnn([INPUT, "keras.layers.Conv2D(8, (3, 3))",
                                      "keras.layers.Activation('relu')", POOL,
                                      "keras.layers.Flatten()", DENSE])),
        ("tf.keras and tf.nn.relu", "\nimport tensorflow as tf\n" + _fn("build_small_cnn()",
            "model = tf.keras.Sequential([tf.keras.Input((28, 28, 1)),\n"
            "    tf.keras.layers.Conv2D(8, (3, 3), activation=tf.nn.relu),\n"
            "    tf.keras.layers.MaxPooling2D(), tf.keras.layers.Flatten(),\n"
            "    tf.keras.layers.Dense(10, activation='linear')])\n"
            "model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),\n"
            "              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
            "return model")),
    ],
}

# What a student's feedback page says when their function gives the same outputs as a mistake.
MESSAGES = {
    "conv1d": {
        "flipped kernel: true convolution":
            "Your `conv1d` gives the same numbers as true convolution, which flips the kernel "
            "before sliding it (as `np.convolve` does): deep learning's convolution slides the "
            "kernel as it is, not flipped.",
        "bias missing":
            "Your `conv1d` leaves out the bias: `b` is added to every output, which shows as "
            "soon as a test passes a nonzero `b`.",
        "one output too few":
            "Your `conv1d` returns one output too few: the last window that fits wholly inside "
            "the signal is missing. Count the positions where the kernel fits, the one at 0 "
            "included.",
        "stride ignored":
            "Your `conv1d` ignores `stride`: it gives an output at every position, as with "
            "stride 1, instead of windows that start `stride` samples apart.",
        "count (n - k + 1) // stride":
            "Your `conv1d` counts its outputs as `(n - k + 1) // stride`, which with a stride "
            "above one can drop the last window that fits: count the window positions, the "
            "first one at 0 included.",
        "stride used as a dilation":
            "Your `conv1d` uses `stride` as a dilation: it spaces the kernel's taps `stride` "
            "samples apart and still moves one sample at a time. The window stays contiguous; "
            "the stride is how far it moves between outputs.",
        "full correlation":
            'Your `conv1d` gives the same numbers as a `"full"` correlation, which also counts '
            'the windows that overhang either end of the signal (padded with zeros): `"valid"` '
            "keeps only the windows wholly inside it.",
        "same correlation":
            'Your `conv1d` gives the same numbers as a `"same"` correlation, which pads the '
            'signal with zeros to keep its length: `"valid"` keeps only the windows that lie '
            "wholly inside the signal.",
        "returns a list":
            "Your `conv1d` returns a Python list: its numbers are right, but the answer should "
            "be a NumPy array of floats.",
        "integer output for integer signals":
            "Your `conv1d` makes its output with the signal's dtype, so an integer signal gives "
            "integer outputs and the fractional parts (from the kernel or the bias) are cut off: "
            "the output holds floats whatever the input's dtype.",
        "bias added to the kernel":
            "Your `conv1d` adds `b` to every weight of the kernel, which adds `b` times the "
            "window's sum to each output instead of `b` once: the bias is added after the dot "
            "product.",
    },
    "conv_output_size": {
        "valid: one too few":
            'Your `conv_output_size` gives one fewer than the number of `"valid"` windows: '
            "count the positions where the kernel fits, the first one, at 0, included.",
        "same computed as valid":
            'Your `conv_output_size` ignores `padding`: for `"same"` it gives the `"valid"` '
            'length, but `"same"` pads the input, so its output length depends on `n` and the '
            "stride only, not on the kernel.",
        "same rounds down":
            'Your `conv_output_size` rounds `n / stride` down for `"same"`: when the stride does '
            "not divide `n`, the last, partly padded window still gives an output, so the "
            "division rounds up.",
        "float division":
            "Your `conv_output_size` divides with `/`, which returns a float, and a fraction "
            "when the stride does not divide evenly: a size is an `int`, rounded down for "
            '`"valid"` and up for `"same"`.',
        "same via round(n / stride)":
            'Your `conv_output_size` uses `round(n / stride)` for `"same"`, which rounds to the '
            "nearest integer (halves to even), so often down: the `\"same\"` size is "
            "`n / stride` rounded up.",
        "stride ignored":
            "Your `conv_output_size` ignores `stride`: it gives the stride-1 sizes for both "
            "paddings, but a stride above one divides the number of windows by about the "
            "stride.",
        "np.ceil returns a float":
            'Your `conv_output_size` returns `np.ceil(n / stride)` for `"same"`: the value is '
            "right, but it is a NumPy float, and the size should be an `int`.",
        "same as symmetric padding k // 2 (wrong for even k)":
            'Your `conv_output_size` pads `"same"` with `k // 2` zeros on each side, right for '
            "an odd kernel only: an even kernel then gets one output too many whenever the "
            'stride divides `n`. The `"same"` size does not depend on the kernel.',
        "same keeps n whatever the stride":
            'Your `conv_output_size` returns `n` for `"same"` whatever the stride: `"same"` '
            "keeps the length only with stride 1; a larger stride divides it, rounding up.",
    },
    "conv2d": {
        "flipped kernel: true convolution":
            "Your `conv2d` flips the kernel's rows and columns, which is true convolution: deep "
            "learning's convolution, as Keras's `Conv2D` computes it, slides the kernel as it "
            "is, not flipped.",
        "bias missing":
            "Your `conv2d` leaves out the biases: feature map `f` gets `b[f]` added at every "
            "position.",
        "one row and column too few":
            "Your `conv2d` returns one row and one column too few: there is an output at every "
            "position where the kernel fits, including the last ones, whose window ends at the "
            "image's edge.",
        "kernel read as (F, C, kh, kw), PyTorch's layout":
            "Your `conv2d` reads `W` in PyTorch's layout (filters, channels, rows, columns), "
            "but here it has Keras's layout, (kh, kw, C, F): the filters are along the last "
            "axis.",
        "kernel rows and columns swapped":
            "Your `conv2d` applies each filter transposed, its rows as columns: `W`'s first "
            "axis runs down the image (its rows) and its second across it (its columns), as "
            "the window's do.",
        "first channel only":
            "Your `conv2d` uses only the first channel of the image and of the kernel: each "
            "filter spans all the input channels, and the sum runs over the channels too.",
        "feature maps first: (F, H', W')":
            "Your `conv2d` puts the feature maps first, shape (F, H', W'): the values are "
            "right, but the output is channels last, (H', W', F), like Keras's.",
        "true convolution with scipy.signal.convolve2d":
            "Your `conv2d` uses `scipy.signal.convolve2d`, which is true convolution and flips "
            "the kernel: deep learning's convolution, as Keras's `Conv2D` computes it, slides "
            "the kernel as it is, not flipped.",
        "integer output for integer images":
            "Your `conv2d` makes its output with the image's dtype, so an integer image gives "
            "integer feature maps and the fractional parts (from the kernel or the bias) are "
            "cut off: the output holds floats whatever the image's dtype.",
    },
    "conv_params": {
        "biases missing":
            "Your `conv_params` counts only the weights: each filter also has a bias.",
        "input channels ignored":
            "Your `conv_params` ignores `c_in`: each filter spans every input channel, with "
            "`kh * kw` weights in each.",
        "one bias for the layer":
            "Your `conv_params` counts one bias for the whole layer: there is one bias per "
            "filter.",
        "a bias per input channel":
            "Your `conv_params` counts a bias for every input channel of every filter: a "
            "filter has a single bias, however many channels it spans.",
        "a float":
            "Your `conv_params` returns a float (the `1.0` makes it one): the count is right, "
            "but it should be an `int`.",
        "a bias per weight row":
            "Your `conv_params` counts `kh * kw` biases per filter, as if the bias were one "
            "more input channel: a filter has a single bias.",
    },
    "build_small_cnn": {
        "not compiled":
            "Your `build_small_cnn` returns the model without compiling it: the function "
            "should compile it, with the optimizer and the loss the instructions give.",
        "softmax output":
            "Your `build_small_cnn` ends with a softmax: the last `Dense` layer should output "
            "logits (a linear activation), since the loss, told `from_logits=True`, applies "
            "the softmax itself.",
        "from_logits missing":
            "Your `build_small_cnn` compiles the loss without `from_logits=True`: the last "
            "layer outputs logits, and a loss not told so reads them as probabilities.",
        "no pooling":
            "Your `build_small_cnn` has no `MaxPooling2D` layer: the specified network pools "
            "the feature maps between the convolution and `Flatten`.",
        "16 filters":
            "Your `build_small_cnn` gives its `Conv2D` layer 16 filters; the specified network "
            "has 8.",
        "5 x 5 kernel":
            "Your `build_small_cnn` gives its `Conv2D` layer a 5 x 5 kernel; the specified "
            "network's is 3 x 3.",
        "'same' padding":
            "Your `build_small_cnn` gives its `Conv2D` layer `\"same\"` padding; the specified "
            "network uses the default, `\"valid\"`, so the feature maps shrink.",
        "no ReLU on the convolution":
            "Your `build_small_cnn` gives its `Conv2D` layer no activation (linear): the "
            "specified network applies ReLU to the convolution.",
        "pooling with stride 1":
            "Your `build_small_cnn` pools with stride 1, so the pooling windows overlap and "
            "the maps barely shrink: the specified pooling moves by its window's size, its "
            "default stride.",
        "average pooling":
            "Your `build_small_cnn` uses average pooling; the specified network keeps the "
            "largest value of each block, `MaxPooling2D`.",
        "an extra hidden Dense layer":
            "Your `build_small_cnn` adds a hidden `Dense` layer after `Flatten`: the specified "
            "network goes straight from `Flatten` to the 10 logits.",
        "input without the channel axis":
            "Your `build_small_cnn` takes inputs without the channel axis and reshapes them: "
            "the model's input already has it, shape (28, 28, 1), and needs no `Reshape` layer.",
        "SGD":
            "Your `build_small_cnn` compiles with SGD; the instructions ask for the Adam "
            "optimizer.",
        "learning rate 1e-2":
            "Your `build_small_cnn` gives Adam a learning rate ten times the one the "
            "instructions ask for.",
    },
}

# Mistakes that compute the same numbers on every test input: a diagnosis names them together.
SAME_NUMBERS = {
    "conv2d": [("flipped kernel: true convolution",
                "true convolution with scipy.signal.convolve2d")],
}
