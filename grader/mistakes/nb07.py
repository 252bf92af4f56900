"""07_adam: wrong and alternative answers for gd_step, adam_step and compile_with_adam."""

from grader.mistakes import function_source

ASSIGNMENT = "07_adam"

ADAM_RIGHT = """
m = beta1 * m + (1 - beta1) * grad
v = beta2 * v + (1 - beta2) * grad**2
m_hat = m / (1 - beta1**t)
v_hat = v / (1 - beta2**t)
w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
return w, m, v
"""


def _adam(old: str | None = None, new: str = "", body: str | None = None) -> str:
    assert body is not None or old in ADAM_RIGHT, old
    text = body if body is not None else ADAM_RIGHT.replace(old, new)
    return function_source("adam_step(w, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7)",
                           text)


def _gd(body: str) -> str:
    return f"\ndef gd_step(w, grad, lr):\n    {body}\n"


def _compile(arguments: str, tail: str = "return model") -> str:
    return f"\ndef compile_with_adam(model, learning_rate):\n    model.compile({arguments})\n    {tail}\n"


SCCE = "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"

MISTAKES = {
    "gd_step": [
        ("steps up the gradient", _gd("return w + lr * grad")),
        ("learning rate ignored", _gd("return w - grad")),
        ("changes w in place", _gd("w -= lr * grad\n    return w")),
        ("divides by the learning rate", _gd("return w - grad / lr")),
        ("returns the step, not the new weights", _gd("return -lr * grad")),
    ],
    "adam_step": [
        ("no bias correction", _adam("m_hat = m / (1 - beta1**t)\nv_hat = v / (1 - beta2**t)",
                                     "m_hat, v_hat = m, v")),
        ("epsilon inside the square root", _adam("np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)")),
        ("step counter off by one (t + 1)", _adam(
            "m_hat = m / (1 - beta1**t)\nv_hat = v / (1 - beta2**t)",
            "m_hat = m / (1 - beta1**(t + 1))\nv_hat = v / (1 - beta2**(t + 1))")),
        ("step counter off by one (t - 1) in the second moment", _adam(
            "v_hat = v / (1 - beta2**t)", "v_hat = v / (1 - beta2**max(t - 1, 1))")),
        ("|g| instead of g squared", _adam("(1 - beta2) * grad**2", "(1 - beta2) * np.abs(grad)")),
        ("betas swapped", _adam(
            "m = beta1 * m + (1 - beta1) * grad\nv = beta2 * v + (1 - beta2) * grad**2",
            "m = beta2 * m + (1 - beta2) * grad\nv = beta1 * v + (1 - beta1) * grad**2")),
        ("old moments returned", _adam(body="""
m_new = beta1 * m + (1 - beta1) * grad
v_new = beta2 * v + (1 - beta2) * grad**2
w = w - lr * (m_new / (1 - beta1**t)) / (np.sqrt(v_new / (1 - beta2**t)) + eps)
return w, m, v
""")),
        ("learning rate ignored", _adam("w = w - lr * m_hat", "w = w - 1e-3 * m_hat")),
        ("bias-corrected moments returned", _adam("return w, m, v", "return w, m_hat, v_hat")),
        ("square root forgotten", _adam("np.sqrt(v_hat) + eps", "v_hat + eps")),
        ("moments updated in place", _adam(
            "m = beta1 * m + (1 - beta1) * grad\nv = beta2 * v + (1 - beta2) * grad**2",
            "m *= beta1\nm += (1 - beta1) * grad\nv *= beta2\nv += (1 - beta2) * grad**2")),
        ("plain gradient step", _adam(body="return w - lr * grad, m, v")),
        ("Keras's order: epsilon added before the bias correction", _adam(body="""
m = beta1 * m + (1 - beta1) * grad
v = beta2 * v + (1 - beta2) * grad**2
alpha = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
return w - alpha * m / (np.sqrt(v) + eps), m, v
""")),
    ],
    "compile_with_adam": [
        ("learning rate ignored", _compile(f"optimizer=keras.optimizers.Adam(), loss={SCCE}")),
        ("SGD", _compile(f"optimizer=keras.optimizers.SGD(learning_rate), loss={SCCE}")),
        ("RMSprop", _compile(f"optimizer=keras.optimizers.RMSprop(learning_rate), loss={SCCE}")),
        ("from_logits missing", _compile(
            "optimizer=keras.optimizers.Adam(learning_rate), "
            "loss=keras.losses.SparseCategoricalCrossentropy()")),
        ("does not return the model", _compile(
            f"optimizer=keras.optimizers.Adam(learning_rate), loss={SCCE}", tail="pass")),
    ],
}

ALTERNATIVES = {
    "gd_step": [
        ("np.subtract", _gd("return np.subtract(w, lr * grad)")),
        ("copy then update", _gd("new = np.array(w, dtype=float)\n    new -= lr * grad\n    return new")),
    ],
    "adam_step": [
        ("Keras-style moment updates", _adam(
            "m = beta1 * m + (1 - beta1) * grad\nv = beta2 * v + (1 - beta2) * grad**2",
            "m = m + (grad - m) * (1 - beta1)\nv = v + (grad * grad - v) * (1 - beta2)")),
        ("np.square and np.power", _adam(body="""
m = np.multiply(beta1, m) + np.multiply(1 - beta1, grad)
v = np.multiply(beta2, v) + np.multiply(1 - beta2, np.square(grad))
m_hat = m / (1 - np.power(beta1, t))
v_hat = v / (1 - np.power(beta2, t))
return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""")),
        ("returns a list", _adam("return w, m, v", "return [w, m, v]")),
    ],
    "compile_with_adam": [
        ("positional learning rate, string metric", _compile(
            f"keras.optimizers.Adam(learning_rate), {SCCE}, metrics=['accuracy']")),
        ("tf.keras optimizer", _compile(
            f"optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate), loss={SCCE}")),
    ],
}

# Mistakes that the visible tests must catch (Algorithm 1 as the instructions state it).
CAUGHT_VISIBLY = {
    "adam_step": ["no bias correction", "Keras's order: epsilon added before the bias correction",
                  "step counter off by one (t + 1)"],
}

# What a student's feedback says when their function gives the same outputs as a mistake above.
MESSAGES = {
    "gd_step": {
        "steps up the gradient": (
            "Your `gd_step` moves the weights along the gradient instead of against it: that is "
            "gradient ascent, which makes the loss larger."),
        "learning rate ignored": (
            "Your `gd_step` subtracts the whole gradient and ignores the learning rate `lr`: the "
            "step must be scaled by it."),
        "changes w in place": (
            "Your `gd_step` returns the right weights but changes the caller's array `w` in "
            "place (`-=`): return a new array and leave `w` as it was."),
        "divides by the learning rate": (
            "Your `gd_step` divides the gradient by `lr` instead of scaling it by `lr`, so a "
            "small learning rate gives a huge step."),
        "returns the step, not the new weights": (
            "Your `gd_step` returns only the step, without applying it to the current weights: "
            "the function must return the new weights."),
    },
    "adam_step": {
        "no bias correction": (
            "Your `adam_step` steps with the raw moments `m` and `v`, without their bias "
            "correction: the returned moments are right, but while they are still close to "
            "their zero start the step has the wrong size."),
        "epsilon inside the square root": (
            "Your `adam_step` adds `eps` inside the square root instead of after it: the step "
            "differs a little for ordinary gradients and a lot for small ones."),
        "step counter off by one (t + 1)": (
            "Your `adam_step` bias-corrects with `t + 1` instead of this step's `t`: `t` already "
            "counts from 1, the first step."),
        "step counter off by one (t - 1) in the second moment": (
            "Your `adam_step` bias-corrects the second moment with the previous step's number "
            "instead of this step's `t`: the first step comes out right, later ones do not."),
        "|g| instead of g squared": (
            "Your `adam_step` averages the absolute value of the gradient into `v` instead of its "
            "square: `v` is the moving average of the squared gradient."),
        "betas swapped": (
            "Your `adam_step` swaps the two decay rates in the moment updates: `beta1` belongs "
            "to the first moment `m`, and `beta2` to the second moment `v`."),
        "old moments returned": (
            "Your `adam_step` computes the new weights correctly but returns the moments it was "
            "given, not the updated ones, so the next step would start from stale `m` and `v`."),
        "learning rate ignored": (
            "Your `adam_step` uses a fixed step size of 1e-3 (the default) instead of the `lr` "
            "it is given, so with any other learning rate the step is wrong."),
        "bias-corrected moments returned": (
            "Your `adam_step` returns the bias-corrected moments `m_hat` and `v_hat` instead of "
            "`m` and `v`: the new weights are right, but the next step would correct the "
            "moments a second time."),
        "square root forgotten": (
            "Your `adam_step` divides by the corrected second moment itself, without its square "
            "root, so the step scales like 1/g instead of being about `lr` per parameter."),
        "moments updated in place": (
            "Your `adam_step` gives the right results but changes the caller's arrays `m` and "
            "`v` in place (`*=` and `+=`): return new arrays and leave the inputs as they were."),
        "plain gradient step": (
            "Your `adam_step` takes a plain gradient-descent step and returns `m` and `v` "
            "unchanged: none of Adam's moment updates, bias correction or per-parameter scaling "
            "happens."),
        "Keras's order: epsilon added before the bias correction": (
            "Your `adam_step` follows Keras's form, with `eps` added to the square root of the "
            "uncorrected `v` and the bias correction folded into the step size: Algorithm 1 adds "
            "`eps` after the bias correction, which matters for small gradients."),
    },
    "compile_with_adam": {
        "learning rate ignored": (
            "Your `compile_with_adam` creates Adam with its default learning rate instead of "
            "the `learning_rate` it is given."),
        "SGD": (
            "Your `compile_with_adam` compiles with SGD: the learning rate is passed on, but the "
            "optimizer must be Adam."),
        "RMSprop": (
            "Your `compile_with_adam` compiles with RMSprop: the learning rate is passed on, but "
            "the optimizer must be Adam."),
        "from_logits missing": (
            "Your `compile_with_adam` uses `SparseCategoricalCrossentropy` without "
            "`from_logits=True`: the model outputs logits, and the loss takes them for "
            "probabilities."),
        "does not return the model": (
            "Your `compile_with_adam` compiles the model but returns None: the function must "
            "return the compiled model."),
    },
}
