"""09_convolution: wrong and alternative answers for 1-D/2-D convolution, sizes, parameters, CNN."""

from tests.mistakes import function_source as _fn

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
