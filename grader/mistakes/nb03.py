"""03_keras_sequential: wrong and alternative answers for the model-building exercises."""

ASSIGNMENT = "03_keras_sequential"


def _build(layers: str, start: str = "keras.Input(shape=(784,)),", extra: str = "") -> str:
    return f"""
def build_digit_model():
    model = keras.Sequential([{start} {layers}])
    {extra}
    return model
"""


SIG = 'activation="sigmoid"'
RIGHT_LAYERS = (f"keras.layers.Dense(25, {SIG}), keras.layers.Dense(15, {SIG}), "
                f"keras.layers.Dense(1, {SIG})")


def _compile(arguments: str, tail: str = "return model") -> str:
    return f"""
def compile_digit_model(model):
    model.compile({arguments})
    {tail}
"""


def _forward(body: str) -> str:
    return f"""
def numpy_forward(weights, X):
{body}
"""


MISTAKES = {
    "build_digit_model": [
        ("no keras.Input: an unbuilt model", _build(RIGHT_LAYERS, start="")),
        ("wrong layer sizes", _build(RIGHT_LAYERS.replace("Dense(15", "Dense(10"))),
        ("relu hidden layers", _build('keras.layers.Dense(25, activation="relu"), '
                                      'keras.layers.Dense(15, activation="relu"), '
                                      f"keras.layers.Dense(1, {SIG})")),
        ("linear output (no activation)", _build(f"keras.layers.Dense(25, {SIG}), "
                                                 f"keras.layers.Dense(15, {SIG}), "
                                                 "keras.layers.Dense(1)")),
        ("input of 28 x 28 images", _build(RIGHT_LAYERS, start="keras.Input(shape=(28, 28)),")),
        ("an extra layer", _build(f"keras.layers.Dense(25, {SIG}), " + RIGHT_LAYERS)),
        ("compiled already", _build(
            RIGHT_LAYERS, extra='model.compile(loss="binary_crossentropy", optimizer="adam")')),
        ("forgets to return", """
def build_digit_model():
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(25)])
"""),
        ("one global model returned at every call", """
_the_model = keras.Sequential([keras.Input(shape=(784,)),
                               keras.layers.Dense(25, activation="sigmoid"),
                               keras.layers.Dense(15, activation="sigmoid"),
                               keras.layers.Dense(1, activation="sigmoid")])

def build_digit_model():
    return _the_model
"""),
    ],
    "compile_digit_model": [
        ("mean squared error", _compile('loss="mse", optimizer="adam"')),
        ("from_logits=True with a sigmoid output",
         _compile("loss=keras.losses.BinaryCrossentropy(from_logits=True), optimizer='adam'")),
        ("categorical cross-entropy",
         _compile('loss="categorical_crossentropy", optimizer="adam"')),
        ("SGD", _compile('loss="binary_crossentropy", optimizer="sgd"')),
        ("RMSprop",
         _compile('loss="binary_crossentropy", optimizer=keras.optimizers.RMSprop(1e-3)')),
        ("Adam at 0.01",
         _compile('loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01)')),
        ("does not return the model", _compile('loss="binary_crossentropy", optimizer="adam"',
                                               tail="pass")),
    ],
    "count_parameters": [
        ("biases forgotten", """
def count_parameters(n_inputs, layer_sizes):
    sizes = [n_inputs, *layer_sizes]
    return sum(a * b for a, b in zip(sizes, sizes[1:]))
"""),
        ("input layer ignored", """
def count_parameters(n_inputs, layer_sizes):
    return sum((a + 1) * b for a, b in zip(layer_sizes, layer_sizes[1:]))
"""),
        ("one bias per input instead of per unit", """
def count_parameters(n_inputs, layer_sizes):
    sizes = [n_inputs, *layer_sizes]
    return sum(a * b + a for a, b in zip(sizes, sizes[1:]))
"""),
        ("every layer fed by the input", """
def count_parameters(n_inputs, layer_sizes):
    return sum((n_inputs + 1) * n for n in layer_sizes)
"""),
        ("returns a float", """
def count_parameters(n_inputs, layer_sizes):
    sizes = [n_inputs, *layer_sizes]
    return float(sum((a + 1) * b for a, b in zip(sizes, sizes[1:])))
"""),
    ],
    "numpy_forward": [
        ("weights transposed", _forward("""    A = X
    for W, b in zip(weights[0::2], weights[1::2]):
        A = sigmoid(A @ W.T + b)
    return A""")),
        ("biases forgotten", _forward("""    A = X
    for W in weights[0::2]:
        A = sigmoid(A @ W)
    return A""")),
        ("no sigmoid on the output layer", _forward("""    A = X
    pairs = list(zip(weights[0::2], weights[1::2]))
    for W, b in pairs[:-1]:
        A = sigmoid(A @ W + b)
    return A @ pairs[-1][0] + pairs[-1][1]""")),
        ("hard-coded three layers", _forward("""    W1, b1, W2, b2, W3, b3 = weights
    return sigmoid(sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2) @ W3 + b3)""")),
        ("flattened output", _forward("""    A = X
    for W, b in zip(weights[0::2], weights[1::2]):
        A = sigmoid(A @ W + b)
    return A.ravel()""")),
        ("thresholded output", _forward("""    A = X
    for W, b in zip(weights[0::2], weights[1::2]):
        A = sigmoid(A @ W + b)
    return (A >= 0.5).astype(float)""")),
        ("relu in the hidden layers", _forward("""    A = X
    pairs = list(zip(weights[0::2], weights[1::2]))
    for W, b in pairs[:-1]:
        A = np.maximum(A @ W + b, 0)
    return sigmoid(A @ pairs[-1][0] + pairs[-1][1])""")),
    ],
}

ALTERNATIVES = {
    "build_digit_model": [
        ("Sequential and .add", """
def build_digit_model():
    model = keras.Sequential()
    model.add(keras.Input(shape=(784,)))
    model.add(keras.layers.Dense(units=25, activation="sigmoid"))
    model.add(keras.layers.Dense(units=15, activation="sigmoid"))
    model.add(keras.layers.Dense(units=1, activation="sigmoid"))
    return model
"""),
        ("tf.nn.sigmoid and tf.keras", """
import tensorflow as tf

def build_digit_model():
    return tf.keras.Sequential([tf.keras.Input(shape=(784,)),
                                tf.keras.layers.Dense(25, activation=tf.nn.sigmoid),
                                tf.keras.layers.Dense(15, activation=tf.nn.sigmoid),
                                tf.keras.layers.Dense(1, activation=tf.nn.sigmoid)])
"""),
        ("keras.activations.sigmoid", _build(
            "keras.layers.Dense(25, activation=keras.activations.sigmoid), "
            "keras.layers.Dense(15, activation=keras.activations.sigmoid), "
            "keras.layers.Dense(1, activation=keras.activations.sigmoid)")),
        ("deprecated input_shape (Keras warns; the note goes to stdout)", """
def build_digit_model():
    return keras.Sequential([keras.layers.Dense(25, activation="sigmoid", input_shape=(784,)),
                             keras.layers.Dense(15, activation="sigmoid"),
                             keras.layers.Dense(1, activation="sigmoid")])
"""),
    ],
    "compile_digit_model": [
        ("strings", _compile('loss="binary_crossentropy", optimizer="adam"')),
        ("loss function and tf.keras optimizer", """
import tensorflow as tf

def compile_digit_model(model):
    model.compile(loss=keras.losses.binary_crossentropy,
                  optimizer=tf.keras.optimizers.Adam(learning_rate=0.001))
    return model
"""),
        ("BinaryCrossentropy(from_logits=False)",
         _compile("optimizer=keras.optimizers.Adam(), "
                  "loss=keras.losses.BinaryCrossentropy(from_logits=False)")),
    ],
    "count_parameters": [
        ("sum over zip", """
def count_parameters(n_inputs, layer_sizes):
    sizes = [n_inputs, *layer_sizes]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
"""),
        ("weights plus biases, with NumPy ints converted", """
def count_parameters(n_inputs, layer_sizes):
    sizes = np.array([n_inputs, *layer_sizes])
    return int(np.sum(sizes[:-1] * sizes[1:]) + np.sum(sizes[1:]))
"""),
    ],
    "numpy_forward": [
        ("index loop", _forward("""    A = X
    for i in range(0, len(weights), 2):
        A = sigmoid(np.matmul(A, weights[i]) + weights[i + 1])
    return A""")),
        ("scipy's expit", _forward("""    from scipy.special import expit
    A = X
    for W, b in zip(weights[::2], weights[1::2]):
        A = expit(A @ W + b)
    return A""")),
        ("functools.reduce", _forward("""    import functools
    pairs = zip(weights[::2], weights[1::2])
    return functools.reduce(lambda A, Wb: sigmoid(A @ Wb[0] + Wb[1]), pairs, X)""")),
    ],
}

# What a student's feedback says when their function matches a mistake above.
MESSAGES = {
    "build_digit_model": {
        "no keras.Input: an unbuilt model": (
            "Your `build_digit_model` returns an unbuilt model, as one without `keras.Input` is: "
            "it has no weights and no input shape until its first call, and its parameters "
            "cannot be counted."),
        "wrong layer sizes": (
            "Your `build_digit_model` gives the second hidden layer the wrong number of units; "
            "the network is 784 inputs, then layers of 25, 15 and 1 units."),
        "relu hidden layers": (
            "Your `build_digit_model` uses ReLU in the hidden layers; all three layers of this "
            "network use the sigmoid activation."),
        "linear output (no activation)": (
            "Your `build_digit_model` gives the output layer no activation, so Keras makes it "
            "linear and it outputs any real number instead of a probability; the output layer "
            "uses the sigmoid too."),
        "input of 28 x 28 images": (
            "Your `build_digit_model` expects 28 × 28 images, but each image arrives flattened "
            "into 784 pixels; a `Dense` layer on a 2-D input acts on its last axis only, so the "
            "parameters and output shape are wrong."),
        "an extra layer": (
            "Your `build_digit_model` has one `Dense` layer too many; the network has exactly "
            "three, of 25, 15 and 1 units."),
        "compiled already": (
            "Your `build_digit_model` compiles the model; it must return the model uncompiled "
            "(compiling is the job of `compile_digit_model`)."),
        "forgets to return": (
            "Your `build_digit_model` returns `None`: the function builds a model but never "
            "returns it."),
        "one global model returned at every call": (
            "Your `build_digit_model` returns the same model object at every call, as one built "
            "once outside the function would; each call must build a new model, or training one "
            "would change the other."),
    },
    "compile_digit_model": {
        "mean squared error": (
            "Your `compile_digit_model` uses the mean squared error as the loss; for a 0/1 label "
            "and a sigmoid output, the loss is the binary cross-entropy."),
        "from_logits=True with a sigmoid output": (
            "Your `compile_digit_model` uses a loss with `from_logits=True`, which expects the "
            "model to output logits; this model already outputs sigmoid probabilities, so the "
            "loss would apply the sigmoid a second time."),
        "categorical cross-entropy": (
            "Your `compile_digit_model` uses the categorical cross-entropy, a loss for several "
            "classes; for one sigmoid output and a 0/1 label, the loss is the binary "
            "cross-entropy."),
        "SGD": (
            "Your `compile_digit_model` uses the SGD optimizer; the exercise asks for Adam, with "
            "a learning rate of 0.001."),
        "RMSprop": (
            "Your `compile_digit_model` uses the RMSprop optimizer; the exercise asks for Adam, "
            "with a learning rate of 0.001."),
        "Adam at 0.01": (
            "Your `compile_digit_model` uses Adam with a learning rate ten times too large; the "
            "exercise asks for 0.001, which is also Adam's default in Keras."),
        "does not return the model": (
            "Your `compile_digit_model` returns `None`: it compiles the model but does not "
            "return it."),
    },
    "count_parameters": {
        "biases forgotten": (
            "Your `count_parameters` gives the same count as the weights alone; each layer also "
            "has one bias per unit."),
        "input layer ignored": (
            "Your `count_parameters` gives the same count as leaving out the first layer, the "
            "one fed by the `n_inputs` features, and counting only the layers after it."),
        "one bias per input instead of per unit": (
            "Your `count_parameters` gives the same count as one bias per input of each layer "
            "instead of one per unit: a layer has as many biases as it has units."),
        "every layer fed by the input": (
            "Your `count_parameters` gives the same count as feeding every layer the `n_inputs` "
            "features; each layer after the first gets its inputs from the units of the layer "
            "before it."),
        "returns a float": (
            "Your `count_parameters` gets the number right but returns it as a float; a count of "
            "parameters is an `int`."),
    },
    "numpy_forward": {
        "weights transposed": (
            "Your `numpy_forward` gives the same numbers as multiplying by the transpose of each "
            "weight matrix; Keras stores each `W` with shape (n_in, n_out), ready to multiply "
            "the activations. (This runs only where the matrices are square.)"),
        "biases forgotten": (
            "Your `numpy_forward` gives the same numbers as never adding the biases: every "
            "second array in `weights` is a bias vector, and each layer adds its own."),
        "no sigmoid on the output layer": (
            "Your `numpy_forward` gives the same numbers as applying no sigmoid in the last "
            "layer: that layer's z instead of probabilities. Every layer, the last included, is "
            "a sigmoid layer."),
        "hard-coded three layers": (
            "Your `numpy_forward` works only for exactly three layers (six arrays in `weights`); "
            "it must handle any number of layers, as many as the list holds."),
        "flattened output": (
            "Your `numpy_forward` gets the values right but flattens them to 1-D; the output "
            "keeps the shape (m, n_out), one row per example."),
        "thresholded output": (
            "Your `numpy_forward` returns 0/1 decisions; it must return the last layer's "
            "activations, not thresholded."),
        "relu in the hidden layers": (
            "Your `numpy_forward` gives the same numbers as ReLU in the hidden layers; every "
            "layer of these networks uses the sigmoid."),
    },
}
