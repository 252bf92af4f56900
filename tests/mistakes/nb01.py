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
