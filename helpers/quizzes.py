"""The course's "check your understanding" questions.

Each notebook ends with a few of them, shown with ``helpers.widgets.quiz(question_id)``.
They are self-checks, not graded: the widget gives the verdict and the explanation at
once. Answers are stored as digests so that reading this file does not give them away
at a glance; across the course the correct answers are spread over the letters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def answer_digest(question_id: str, letter: str) -> str:
    return hashlib.sha256(f"{question_id}:{letter.strip().lower()}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class QuizQuestion:
    question_id: str
    prompt: str
    options: dict[str, str]
    answer_digest: str
    explanation: str
    hint: str = "Read the question again, then try another option."
    tags: tuple[str, ...] = field(default=())

    def is_correct(self, letter: str) -> bool:
        return answer_digest(self.question_id, letter) == self.answer_digest

    def feedback(self, letter: str | None) -> tuple[bool, str]:
        """``(correct, message)`` for a chosen option letter (None: nothing chosen)."""
        if letter is None:
            return False, "Choose an option first."
        if self.is_correct(letter):
            return True, f"Correct. {self.explanation}"
        return False, f"Not quite. {self.hint}"


QUESTIONS: dict[str, QuizQuestion] = {}


def _add(question: QuizQuestion) -> None:
    QUESTIONS[question.question_id] = question


_add(QuizQuestion(
    "01.q1",
    "A neuron with a sigmoid activation receives the features <code>x</code>. What does it output?",
    {
        "a": "w · x + b",
        "b": "exp(w · x + b)",
        "c": "1 / (1 + exp(-(w · x + b)))",
        "d": "max(0, w · x + b)",
    },
    "6573bd22922c9dd8",
    "The neuron first computes z = w · x + b, then applies g(z) = 1 / (1 + e^(-z)); "
    "with g the identity it would be linear regression, with sigmoid it is logistic regression.",
    hint="A neuron applies its activation g to z = w · x + b.",
))
_add(QuizQuestion(
    "01.q2",
    "A Keras <code>Dense(3)</code> layer receives inputs with 2 features. "
    "What is the shape of its weight matrix <code>W</code> (from <code>get_weights()</code>)?",
    {"a": "(2, 3)", "b": "(3, 2)", "c": "(1, 3)", "d": "(3,)"},
    "bac112464d627896",
    "Keras stores W with one row per input feature and one column per unit: (2, 3). "
    "Column j holds the weights of unit j, and the bias has shape (3,).",
    hint="The layer computes x @ W + b with x of shape (1, 2).",
))
_add(QuizQuestion(
    "01.q3",
    "What is the shape of <code>np.array([[200.0, 17.0]])</code>?",
    {"a": "(2,)", "b": "(2, 1)", "c": "(1, 1, 2)", "d": "(1, 2)"},
    "d66ab430f74f44d8",
    "Two pairs of brackets make a 2-D array: one row with two columns, shape (1, 2). "
    "Keras layers expect such a matrix, one row per example.",
    hint="Count the brackets: each pair adds a dimension.",
))
_add(QuizQuestion(
    "02.q1",
    "<code>A_in</code> has shape (m, n) and <code>W</code> has shape (n, k). "
    "What is the shape of <code>my_dense_v(A_in, W, b, g)</code>?",
    {"a": "(n, k)", "b": "(m, k)", "c": "(k, m)", "d": "(m, n)"},
    "e3dac8521ea1b1d9",
    "(m, n) @ (n, k) gives (m, k): one row per example, one column per unit; "
    "b of shape (k,) is added to every row.",
    hint="In a matrix product the inner sizes match and the outer ones remain.",
))
_add(QuizQuestion(
    "02.q2",
    "In <code>my_dense</code>, which numbers does unit j use?",
    {
        "a": "row j of W and b[j]",
        "b": "column j of W and all of b",
        "c": "all of W and all of b",
        "d": "column j of W and b[j]",
    },
    "cf7d18cd35ea02be",
    "Each unit has one weight per input, stored in its column W[:, j], and one bias b[j].",
    hint="W has one row per input and one column per unit.",
))
_add(QuizQuestion(
    "02.q3",
    "Why is <code>my_dense_v</code> much faster than calling <code>my_dense</code> "
    "for every example?",
    {
        "a": "one matrix product runs the whole batch in compiled, optimised code "
             "instead of Python loops",
        "b": "it computes in float32",
        "c": "it does fewer multiplications",
        "d": "it skips the activation function",
    },
    "41497e451ac46b0b",
    "Both do the same multiplications; the loop pays Python's overhead for every unit of "
    "every example, while the matrix product runs in optimised compiled code (BLAS).",
    hint="Count the multiplications in both: are they different?",
))
_add(QuizQuestion(
    "03.q1",
    "A <code>Sequential</code> model is a list of four <code>Dense</code> layers. "
    "Counting as this course does (the input is not a layer), how many layers has the network?",
    {"a": "3", "b": "5", "c": "4", "d": "6"},
    "43c9c55b4789e148",
    "Each Dense layer is one layer of the network: 4 (3 hidden layers and the output layer). "
    "The input features are layer 0 and are not counted.",
    hint="Is keras.Input a layer of neurons?",
))
_add(QuizQuestion(
    "03.q2",
    "Which line defines a layer of 4 units with a sigmoid activation?",
    {
        "a": 'keras.layers.Dense(activation="sigmoid")(4)',
        "b": 'keras.layers.Dense(units=4, activation="sigmoid")',
        "c": "keras.layers.Sigmoid(units=4)",
        "d": 'keras.layers.Dense(units=1, activation="sigmoid", input_shape=4)',
    },
    "efbb24135780e3e9",
    "units is the number of neurons and activation their function g.",
    hint="Which argument of Dense sets the number of neurons?",
))
_add(QuizQuestion(
    "03.q3",
    "In the weight matrix W of a layer (the course's convention, and Keras's), "
    "where are the weights of one neuron?",
    {
        "a": "in one column of W",
        "b": "in one row of W",
        "c": "on the diagonal of W",
        "d": "in b",
    },
    "7d4c7e10697263a6",
    "W has shape (inputs, units): column j holds the weights of unit j, one per input.",
    hint="W's shape is (number of inputs, number of units).",
))
_add(QuizQuestion(
    "03.q4",
    "<code>W</code> has 2 rows and 3 columns. How many times does the loop of "
    "<code>my_dense</code> (one pass per unit) run?",
    {"a": "2", "b": "6", "c": "3", "d": "1"},
    "ce077621fae1e7a3",
    "The loop runs once per unit, and units are columns: 3 times (each time a dot product of "
    "2 inputs).",
    hint="Which dimension of W counts the units?",
))
_add(QuizQuestion(
    "03.q5",
    "The digit model (sigmoid output) outputs 0.93 for an image. What does that mean?",
    {
        "a": "the image is a 0 with probability 0.93",
        "b": "93% of the image's pixels are ink",
        "c": "the model is 93% accurate",
        "d": "the model's estimate of the probability that the image is a 1, so it predicts 1",
    },
    "7cf7643880bb87c5",
    "With labels 0 and 1 and a sigmoid output, a is the estimated P(y = 1 | x); "
    "thresholding at 0.5 gives the prediction 1.",
    hint="What does the label y = 1 stand for in this data set?",
))
_add(QuizQuestion(
    "04.q1",
    "Which activation is the most common choice for the hidden layers of a network?",
    {"a": "sigmoid", "b": "ReLU", "c": "linear", "d": "softmax"},
    "f3f1e70cc7fdce3f",
    "ReLU is cheap, and its gradient is 1 wherever a unit is active, so it does not flatten "
    "out the way a sigmoid does for large |z|; training is faster.",
    hint="Which one is not flat for large positive z?",
))
_add(QuizQuestion(
    "04.q2",
    "A model predicts tomorrow's temperature in °C, which can be negative. "
    "Which activation suits its output layer?",
    {"a": "linear", "b": "ReLU", "c": "sigmoid", "d": "softmax"},
    "b73a71a8e16da11c",
    "The output can be any real number, so the output layer applies no squashing: linear.",
    hint="Which activations cannot output -5?",
))
_add(QuizQuestion(
    "04.q3",
    "A network has three hidden layers with linear activations and one sigmoid output unit. "
    "It computes the same functions as...",
    {
        "a": "nothing simpler: depth adds power",
        "b": "a network with ReLU hidden layers",
        "c": "linear regression",
        "d": "logistic regression",
    },
    "5b017868c08a6b93",
    "Linear layers compose into one linear map x W + b, so the network is sigmoid(x W + b): "
    "logistic regression.",
    hint="Compose the linear layers first, then apply the output activation.",
))
_add(QuizQuestion(
    "04.q4",
    "A house price is never negative. Which output activation fits a model that predicts it?",
    {"a": "linear", "b": "sigmoid", "c": "ReLU", "d": "softmax"},
    "77b0b2c22a8927dc",
    "ReLU outputs any value from 0 up, and nothing below 0.",
    hint="Which activation has the range [0, infinity)?",
))
_add(QuizQuestion(
    "05.q1",
    "A softmax output layer has 3 units. What do its outputs a1 + a2 + a3 sum to?",
    {"a": "3", "b": "1", "c": "it depends on the logits", "d": "0"},
    "c3eb4c6e3171841a",
    "Each a_j = e^(z_j) / sum_k e^(z_k): the numerators add up to the denominator, so the "
    "sum is 1 for any logits and any number of classes.",
    hint="Write out a1 + a2 + a3 with the common denominator.",
))
_add(QuizQuestion(
    "05.q2",
    "An example has the true class y = 3 (of 4 classes) and the softmax outputs a1..a4. "
    "Its cross-entropy loss is...",
    {
        "a": "-log(1 - a3)",
        "b": "-(log a1 + log a2 + log a3 + log a4)",
        "c": "-log a3",
        "d": "-a3 log a3",
    },
    "b6f6f48e6a23e578",
    "The loss is -sum_j y_j log a_j with a one-hot y: only the true class's term survives, "
    "-log a3.",
    hint="With a one-hot label, which terms of -sum_j y_j log a_j are not zero?",
))
_add(QuizQuestion(
    "05.q3",
    "A bag holds eight balls: four marked 1, two marked 2, one 3 and one 4. With the best "
    "yes/no questions, how many questions do you need on average to name a ball drawn at random?",
    {"a": "2", "b": "1.75", "c": "1.5", "d": "3"},
    "ff62f90dc5869e62",
    "The entropy is 1/2*1 + 1/4*2 + 1/8*3 + 1/8*3 = 1.75 bits: ask 'is it 1?' first (half the "
    "time that is the only question), then 'is it 2?', then '3 or 4?'.",
    hint="Entropy in bits: sum of p log2(1/p).",
))
_add(QuizQuestion(
    "05.q4",
    "You add 10 to every logit z_k. What happens to the softmax probabilities?",
    {
        "a": "they all increase",
        "b": "they all decrease",
        "c": "they sum to 11",
        "d": "they stay the same",
    },
    "ff7981730f298f36",
    "e^(z_k + 10) = e^10 e^(z_k): the factor e^10 cancels between numerator and denominator. "
    "That is why subtracting the largest logit makes softmax stable without changing it.",
    hint="Factor e^10 out of every exponential.",
))
_add(QuizQuestion(
    "06.q1",
    "A model's loss is <code>SparseCategoricalCrossentropy(from_logits=True)</code>. "
    "Which activation goes on its output layer?",
    {"a": "linear", "b": "softmax", "c": "sigmoid", "d": "relu"},
    "037f0ed5f4d253bc",
    "from_logits=True tells the loss that the outputs are logits; it applies the softmax "
    "itself, stably. A softmax output would be applied twice.",
    hint="What does 'logits' mean: before or after the softmax?",
))
_add(QuizQuestion(
    "06.q2",
    "What is <code>logsumexp([1000.0, 1000.0])</code>, i.e. log(e^1000 + e^1000)?",
    {"a": "inf", "b": "1000", "c": "2000", "d": "1000 + log 2"},
    "164e3aa3c702fae9",
    "log(2 e^1000) = 1000 + log 2 = 1000.693... The naive formula overflows to inf; "
    "subtracting the maximum first gives the exact value.",
    hint="Factor e^1000 out of the sum.",
))
_add(QuizQuestion(
    "06.q3",
    "A model ends with a linear layer and was compiled with <code>from_logits=True</code>. "
    "What does <code>model.predict(X)</code> return?",
    {
        "a": "probabilities",
        "b": "class labels",
        "c": "logits: apply the softmax to get probabilities",
        "d": "log-probabilities",
    },
    "26e9184e91e4bcb6",
    "predict returns what the last layer computes: logits. The softmax lives in the loss, "
    "so for probabilities apply it yourself (predict_proba).",
    hint="Where is the softmax in this model?",
))
_add(QuizQuestion(
    "06.q4",
    "Why does <code>1 + 1/10000 - (1 - 1/10000)</code> not give exactly "
    "<code>2/10000</code> in float64?",
    {
        "a": "1 + 1/10000 and 1 - 1/10000 are each rounded to the nearest double; the "
          "subtraction removes the 1s and leaves their rounding errors",
        "b": "a bug in Python's arithmetic",
        "c": "division by 10000 is never exact",
        "d": "it does give exactly 2/10000",
    },
    "ba7ecf297e29a52e",
    "Near 1, doubles are 2.2e-16 apart, so 1 + 1e-4 carries an error of up to 1.1e-16; "
    "after subtracting, that error is large compared with the small result.",
    hint="How far apart are neighbouring doubles near 1, and near 0.0002?",
))
_add(QuizQuestion(
    "07.q1",
    "At the first step (t = 1, moments starting at 0), what does Adam's bias-corrected first "
    "moment m-hat equal?",
    {"a": "0.1 g", "b": "g, the gradient itself", "c": "0", "d": "g squared"},
    "cd10a9f4b2a6dfc9",
    "m_1 = (1 - beta1) g = 0.1 g, and the correction divides by 1 - beta1^1 = 0.1: m-hat = g. "
    "Without it the first steps would be ten times too small.",
    hint="Divide m_1 = (1 - beta1) g by 1 - beta1^t with t = 1.",
))
_add(QuizQuestion(
    "07.q2",
    "On the elongated bowl f(w) = (w1^2 + 25 w2^2) / 2, why does gradient descent zig-zag?",
    {
        "a": "the learning rate is too small",
        "b": "the gradients are noisy",
        "c": "one learning rate serves both directions: small enough for the steep w2 means "
          "far too small for the flat w1, and near the limit w2 overshoots back and forth",
        "d": "it uses momentum",
    },
    "a3775548d3baa244",
    "The curvature is 25 times larger along w2. A rate near 2/25 makes w2 flip sign every "
    "step while w1 crawls: per-parameter step sizes (Adam) fix that.",
    hint="Compare the gradient's size along w1 and along w2.",
))
_add(QuizQuestion(
    "07.q3",
    "You multiply the loss by 100, so every gradient is 100 times larger. Far from the "
    "optimum, what happens to Adam's steps?",
    {
        "a": "they stay about the same",
        "b": "they become 100 times larger",
        "c": "they become 10 times larger",
        "d": "they become 100 times smaller",
    },
    "05364b5aee33698a",
    "Adam divides m-hat (scaled by 100) by the square root of v-hat (scaled by 100^2 under the "
    "root, so by 100): the ratio, and the step, do not change while sqrt(v-hat) >> epsilon.",
    hint="How do m-hat and the square root of v-hat scale with the gradient?",
))
