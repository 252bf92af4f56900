"""01_neurons_and_layers: wrong and alternative answers for sigmoid, neuron, tf_dense."""

ASSIGNMENT = "01_neurons_and_layers"

MISTAKES = {
    "sigmoid": [
        ("naive formula: exp(-z) overflows for z = -1000", """
def sigmoid(z):
    return 1 / (1 + np.exp(-z))
"""),
        ("exp(z) / (1 + exp(z)): inf / inf = nan for z = 1000", """
def sigmoid(z):
    return np.exp(z) / (1 + np.exp(z))
"""),
        ("sign of the exponent wrong", """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))
"""),
        ("np.where over two naive branches: both are computed, both overflow", """
def sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
"""),
        ("clips the caller's array in place", """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    np.clip(z, -500, 500, out=z)
    return 1 / (1 + np.exp(-z))
"""),
        ("tanh identity without halving z", """
def sigmoid(z):
    return 0.5 * (1 + np.tanh(np.asarray(z, dtype=float)))
"""),
        ("rounds to 0 or 1", """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.round(np.where(z >= 0, 1 / (1 + e), e / (1 + e)))
"""),
        ("1 - exp in the denominator", """
def sigmoid(z):
    z = np.clip(np.asarray(z, dtype=float), -500, 500)
    return 1 / (1 - np.exp(-z))
"""),
        ("returns a Python list", """
def sigmoid(z):
    z = np.clip(np.asarray(z, dtype=float), -500, 500)
    return (1 / (1 + np.exp(-z))).tolist()
"""),
        ("computes in float32", """
def sigmoid(z):
    z = np.clip(np.asarray(z, dtype=np.float32), -80, 80)
    return 1 / (1 + np.exp(-z))
"""),
    ],
    "neuron": [
        ("bias forgotten", """
def neuron(x, w, b, g):
    return g(np.dot(w, x))
"""),
        ("bias added after the activation", """
def neuron(x, w, b, g):
    return g(np.dot(w, x)) + b
"""),
        ("activation not applied", """
def neuron(x, w, b, g):
    return np.dot(w, x) + b
"""),
        ("activation applied twice", """
def neuron(x, w, b, g):
    return g(g(np.dot(w, x) + b))
"""),
        ("elementwise product never summed", """
def neuron(x, w, b, g):
    return g(w * x + b)
"""),
        ("returns a (1,) array instead of a scalar", """
def neuron(x, w, b, g):
    return g(np.array([np.dot(w, x) + b]))
"""),
        ("returns a (1, 1) matrix", """
def neuron(x, w, b, g):
    return g(x.reshape(1, -1) @ w.reshape(-1, 1) + b)
"""),
        ("only the first feature", """
def neuron(x, w, b, g):
    return g(w[0] * x[0] + b)
"""),
        ("changes x in place", """
def neuron(x, w, b, g):
    x *= w
    return g(np.sum(x) + b)
"""),
        ("subtracts the bias", """
def neuron(x, w, b, g):
    return g(np.dot(w, x) - b)
"""),
    ],
    "tf_dense": [
        ("W transposed (rows used as units)", """
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(units=W.shape[0], activation=activation)
    layer.build(input_shape=(None, W.shape[1]))
    layer.set_weights([W.T, b])
    return layer(x).numpy()
"""),
        ("bias ignored", """
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(units=W.shape[1], activation=activation)
    layer.build(input_shape=(None, W.shape[0]))
    layer.set_weights([W, np.zeros_like(b)])
    return layer(x).numpy()
"""),
        ("activation ignored: always sigmoid", """
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(units=W.shape[1], activation="sigmoid")
    layer.build(input_shape=(None, W.shape[0]))
    layer.set_weights([W, b])
    return layer(x).numpy()
"""),
        ("activation ignored: always linear", """
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(units=W.shape[1])
    layer.build(input_shape=(None, W.shape[0]))
    layer.set_weights([W, b])
    return layer(x).numpy()
"""),
        ("returns the tensor, not a NumPy array", """
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(units=W.shape[1], activation=activation)
    layer.build(input_shape=(None, W.shape[0]))
    layer.set_weights([W, b])
    return layer(x)
"""),
        ("weights never set (random initial weights)", """
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(units=W.shape[1], activation=activation)
    return layer(x).numpy()
"""),
        ("only the first example of the batch", """
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(units=W.shape[1], activation=activation)
    layer.build(input_shape=(None, W.shape[0]))
    layer.set_weights([W, b])
    return layer(x[:1]).numpy()
"""),
        ("output flattened to 1-D", """
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(units=W.shape[1], activation=activation)
    layer.build(input_shape=(None, W.shape[0]))
    layer.set_weights([W, b])
    return layer(x).numpy().ravel()
"""),
    ],
}

ALTERNATIVES = {
    "sigmoid": [
        ("scipy.special.expit", """
from scipy.special import expit

def sigmoid(z):
    return expit(z)
"""),
        ("the tanh identity", """
def sigmoid(z):
    return 0.5 * (1 + np.tanh(np.asarray(z, dtype=float) / 2))
"""),
        ("exp of minus logaddexp", """
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
"""),
        ("clip, then the naive formula", """
def sigmoid(z):
    z = np.clip(z, -500, 500)
    return 1 / (1 + np.exp(-z))
"""),
        ("boolean masks on a new array", """
def sigmoid(z):
    z = np.array(z, dtype=float)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1 / (1 + np.exp(-z[positive]))
    e = np.exp(z[~positive])
    out[~positive] = e / (1 + e)
    return out
"""),
        ("TensorFlow's sigmoid, converted", """
def sigmoid(z):
    return tf.math.sigmoid(np.asarray(z, dtype=float)).numpy()
"""),
    ],
    "neuron": [
        ("explicit sum of products", """
def neuron(x, w, b, g):
    return g(np.sum(w * x) + b)
"""),
        ("matmul of 1-D arrays", """
def neuron(x, w, b, g):
    return g(x @ w + b)
"""),
        ("a Python loop", """
def neuron(x, w, b, g):
    z = b
    for j in range(len(x)):
        z = z + w[j] * x[j]
    return g(z)
"""),
        ("converted to a Python float", """
def neuron(x, w, b, g):
    return float(g(np.dot(w, x) + b))
"""),
    ],
    "tf_dense": [
        ("a Sequential model with an Input, predict", """
def tf_dense(x, W, b, activation):
    model = keras.Sequential([keras.Input(shape=(W.shape[0],)),
                              keras.layers.Dense(W.shape[1], activation=activation)])
    model.layers[0].set_weights([W, b])
    return model.predict(x, verbose=0)
"""),
        ("built by a first call, then weights set", """
def tf_dense(x, W, b, activation):
    layer = tf.keras.layers.Dense(W.shape[1], activation=activation)
    layer(x)
    layer.set_weights([W, b])
    return np.asarray(layer(x))
"""),
        ("constant initializers", """
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(
        W.shape[1], activation=activation,
        kernel_initializer=keras.initializers.Constant(W),
        bias_initializer=keras.initializers.Constant(b))
    return layer(tf.constant(x, dtype=tf.float32)).numpy()
"""),
    ],
}

# Mistakes that the visible tests must catch (an edge case the instructions state).
CAUGHT_VISIBLY = {
    "sigmoid": ["naive formula: exp(-z) overflows for z = -1000",
                "exp(z) / (1 + exp(z)): inf / inf = nan for z = 1000",
                "np.where over two naive branches: both are computed, both overflow"],
}

# What a student's feedback says when their function matches a mistake above.
MESSAGES = {
    "sigmoid": {
        "naive formula: exp(-z) overflows for z = -1000": (
            "Your `sigmoid` gives the right numbers, but NumPy warns of an overflow, as with the "
            "plain formula: for very negative z, `np.exp(-z)` is larger than any float. Arrange "
            "the computation so that `exp` never gets a positive number."),
        "exp(z) / (1 + exp(z)): inf / inf = nan for z = 1000": (
            "Your `sigmoid` gives the same numbers as `exp(z) / (1 + exp(z))`: `nan` for very "
            "large positive z, where `np.exp(z)` overflows to `inf` and `inf / inf` is not a "
            "number. Use each form only where its exponent cannot be positive."),
        "sign of the exponent wrong": (
            "Your `sigmoid` gives the same numbers as σ(-z), that is 1 - σ(z): positive z come "
            "out below 0.5. The two forms of the sigmoid are swapped between the two sides of 0; "
            "check which one goes with z ≥ 0."),
        "np.where over two naive branches: both are computed, both overflow": (
            "Your `sigmoid` picks the right values, but NumPy warns of an overflow: `np.where` "
            "computes both of its branches for every element before choosing, so each naive form "
            "still overflows where it is not used."),
        "clips the caller's array in place": (
            "Your `sigmoid` gives the right numbers but changes the caller's array, like "
            "`np.clip(..., out=z)` on the array passed in: `np.asarray` does not copy an array "
            "that is already float, so writing into it changes the caller's `z`."),
        "tanh identity without halving z": (
            "Your `sigmoid` gives the same numbers as σ(2z), a curve twice as steep as the "
            "sigmoid: check the argument you give `np.tanh` in the tanh identity."),
        "rounds to 0 or 1": (
            "Your `sigmoid` returns only 0s and 1s, as if the probabilities were rounded: every "
            "value in between is lost (even the midpoint 0.5, which NumPy rounds to 0)."),
        "1 - exp in the denominator": (
            "Your `sigmoid` gives the same numbers as `1 / (1 - exp(-z))`, with a minus sign in "
            "the denominator: values above 1 for positive z, negative ones for negative z, and a "
            "division by zero at z = 0."),
        "returns a Python list": (
            "Your `sigmoid` gets the numbers right but returns a Python list, as `.tolist()` "
            "gives; a list has no shape or dtype and does not support elementwise arithmetic. "
            "Return a NumPy array."),
        "computes in float32": (
            "Your `sigmoid` gives the same numbers as a computation in float32, which keeps only "
            "about 7 significant digits, so the results drift from the float64 answer after the "
            "7th digit. Keep the computation in float64."),
    },
    "neuron": {
        "bias forgotten": (
            "Your `neuron` gives the same result as leaving out the bias, applying `g` to w · x "
            "alone: it is right only when the bias is 0."),
        "bias added after the activation": (
            "Your `neuron` gives the same result as adding the bias to the output of `g` instead "
            "of to z: the bias goes inside the activation, with w · x. The two agree only for "
            "the identity activation."),
        "activation not applied": (
            "Your `neuron` returns z = w · x + b without applying the activation `g`, so it is "
            "right only for the identity (linear) activation."),
        "activation applied twice": (
            "Your `neuron` gives the same result as applying the activation twice, g(g(z)); a "
            "neuron applies `g` once, to z = w · x + b. The two agree only for the identity "
            "activation."),
        "elementwise product never summed": (
            "Your `neuron` multiplies `w` and `x` elementwise but never sums the products, so it "
            "returns one value per feature (each with the bias added) instead of a single "
            "number."),
        "returns a (1,) array instead of a scalar": (
            "Your `neuron` computes the right value but returns it wrapped in an array of shape "
            "(1,); the neuron's output is a scalar."),
        "returns a (1, 1) matrix": (
            "Your `neuron` computes the right value but returns it as a (1, 1) matrix, as the "
            "product of `x` reshaped into a row and `w` into a column does; the neuron's output "
            "is a scalar."),
        "only the first feature": (
            "Your `neuron` gives the same result as using only the first feature and its weight; "
            "the weighted sum runs over all the features, so this is right only for an input of "
            "a single feature."),
        "changes x in place": (
            "Your `neuron` returns the right value but changes the caller's array, as `x *= w` "
            "does: the features passed in are overwritten with the products."),
        "subtracts the bias": (
            "Your `neuron` gives the same result as subtracting the bias instead of adding it, "
            "so it is right only when the bias is 0."),
    },
    "tf_dense": {
        "W transposed (rows used as units)": (
            "Your `tf_dense` behaves like a layer given the transpose of `W`, where unit j takes "
            "its weights from row j; `W` has shape (n, units) and unit j's weights are column j. "
            "(That layer can only run when `W` is square.)"),
        "bias ignored": (
            "Your `tf_dense` gives the same numbers as a layer whose bias is zero instead of "
            "`b`: check that the bias you set is the one passed in."),
        "activation ignored: always sigmoid": (
            "Your `tf_dense` gives the same numbers as a layer that always uses the sigmoid, "
            "whatever the `activation` argument says: it is right only when the caller asks for "
            "the sigmoid."),
        "activation ignored: always linear": (
            "Your `tf_dense` gives the same numbers as a `Dense` layer created without "
            "`activation`, which then uses its default, the linear activation: z = xW + b "
            "whatever activation was asked for."),
        "returns the tensor, not a NumPy array": (
            "Your `tf_dense` gets the numbers right but returns the TensorFlow tensor that the "
            "layer outputs; the function must return a NumPy array."),
        "weights never set (random initial weights)": (
            "Your `tf_dense` gives the same kind of output as a layer whose weights were never "
            "set to `W` and `b`: built on its first call, it holds random initial weights (and "
            "zero biases), so its outputs are random."),
        "only the first example of the batch": (
            "Your `tf_dense` gives the same result as calling the layer on the first row of `x` "
            "only: one row instead of one per example, right only for a batch of a single "
            "example."),
        "output flattened to 1-D": (
            "Your `tf_dense` gets the values right but flattens them to 1-D; the output keeps "
            "the shape (m, units), one row per example and one column per unit."),
    },
}

# Mistakes that compute the same numbers on every test input: a diagnosis names them together.
SAME_NUMBERS = {
    "sigmoid": [("naive formula: exp(-z) overflows for z = -1000",
                 "np.where over two naive branches: both are computed, both overflow")],
}
# Mistakes no diagnosis can name, and why.
NOT_NAMED = {
    "tf_dense": {"weights never set (random initial weights)":
                 "its weights are random: no replay gives the same numbers"},
}
