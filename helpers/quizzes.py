"""The course's "check your understanding" questions.

Each notebook ends with a few of them, shown with ``helpers.widgets.quiz(question_id)``.
They are self-checks, not graded: the widget gives the verdict and the explanation at
once. Answers are stored as digests so that reading this file does not give them away
at a glance; across the course the correct answers are spread over the letters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from . import i18n
from .i18n import N_, _


def answer_digest(question_id: str, letter: str) -> str:
    return hashlib.sha256(f"{question_id}:{letter.strip().lower()}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class QuizQuestion:
    question_id: str
    prompt: str
    options: dict[str, str]
    answer_digest: str
    explanation: str
    hint: str = N_("Read the question again, then try another option.")
    tags: tuple[str, ...] = field(default=())

    def is_correct(self, letter: str) -> bool:
        return answer_digest(self.question_id, letter) == self.answer_digest

    def feedback(self, letter: str | None) -> tuple[bool, str]:
        """``(correct, message)`` for a chosen option letter (None: nothing chosen)."""
        if letter is None:
            return False, _("Choose an option first.")
        if self.is_correct(letter):
            return True, _("Correct. {explanation}").format(explanation=_shown(self.explanation))
        return False, _("Not quite. {hint}").format(hint=_shown(self.hint))


def _shown(text: str) -> str:
    """A question's stored text (marked with ``N_``) in the reader's language. Looked up
    through ``i18n._``, not ``_``: the scan of helpers' ``_("...")`` calls takes only
    literals, and this text was catalogued where ``N_`` marks it."""
    return i18n._(text)


QUESTIONS: dict[str, QuizQuestion] = {}


def _add(question: QuizQuestion) -> None:
    QUESTIONS[question.question_id] = question


_add(QuizQuestion(
    "01.q1",
    N_("A neuron with a sigmoid activation receives the features <code>x</code>. What does it "
       "output?"),
    {
        "a": "w · x + b",
        "b": "1 / (1 + exp(-(w · x))) + b",
        "c": "1 / (1 + exp(-(w · x + b)))",
        "d": "max(0, w · x + b)",
    },
    "6573bd22922c9dd8",
    N_("The neuron first computes z = w · x + b, then applies g(z) = 1 / (1 + e^(-z)); the bias "
       "belongs inside the sigmoid, with w · x. With g the identity it would be linear regression, "
       "with sigmoid it is logistic regression."),
    hint=N_("A neuron applies its activation g to z = w · x + b."),
))
_add(QuizQuestion(
    "01.q2",
    N_("A Keras <code>Dense(3)</code> layer receives inputs with 2 features. "
       "What is the shape of its weight matrix <code>W</code> (from <code>get_weights()</code>)?"),
    {"a": "(2, 3)", "b": "(3, 2)", "c": "(1, 3)", "d": "(3,)"},
    "bac112464d627896",
    N_("Keras stores W with one row per input feature and one column per unit: (2, 3). "
       "Column j holds the weights of unit j, and the bias has shape (3,)."),
    hint=N_("The layer computes x @ W + b with x of shape (1, 2)."),
))
_add(QuizQuestion(
    "01.q3",
    N_("What is the shape of <code>np.array([[200.0, 17.0]])</code>?"),
    {"a": "(2,)", "b": "(2, 1)", "c": "(1, 1, 2)", "d": "(1, 2)"},
    "d66ab430f74f44d8",
    N_("Two pairs of brackets make a 2-D array: one row with two columns, shape (1, 2). "
       "Keras layers expect such a matrix, one row per example."),
    hint=N_("Count the brackets: each pair adds a dimension."),
))
_add(QuizQuestion(
    "01.q4",
    N_("Which of these terms does <b>not</b> name a part of an artificial neural network?"),
    {"a": N_("layer"), "b": N_("axon"), "c": N_("activation function"), "d": N_("neuron (unit)")},
    "e013f166aed060ca",
    N_("A network is made of neurons (units) grouped in layers, each applying an activation "
       "function to w · x + b. The axon belongs to a biological neuron: it carries the impulse "
       "a brain cell fires to the next cells, and has no counterpart in a Keras model."),
    hint=N_("Three of them appear in a Keras model; which one only in biology?"),
))
_add(QuizQuestion(
    "01.q5",
    N_("Which statement about neural networks and the brain is true?"),
    {
        "a": N_("a neural network is an accurate model of how the brain learns"),
        "b": N_("a neural network simulates the electrical impulses of biological neurons"),
        "c": N_("they were inspired by the brain but are not an accurate model of it"),
        "d": N_("neural networks have nothing in common with biological neurons"),
    },
    "fa1fbd1476d9fa1f",
    N_("The idea of many simple units that each combine their inputs and pass a signal on came "
       "from biological neurons, so the two share a little. But an artificial neuron is only "
       "g(w · x + b), and how the brain learns is still largely unknown: today's networks owe "
       "their success to data, computing power and algorithms such as gradient descent."),
    hint=N_("Inspiration is not the same as imitation."),
))
_add(QuizQuestion(
    "02.q1",
    N_("<code>A_in</code> has shape (m, n) and <code>W</code> has shape (n, k). "
       "What is the shape of <code>my_dense_v(A_in, W, b, g)</code>?"),
    {"a": "(n, k)", "b": "(m, k)", "c": "(k, m)", "d": "(m, n)"},
    "e3dac8521ea1b1d9",
    N_("(m, n) @ (n, k) gives (m, k): one row per example, one column per unit; "
       "b of shape (k,) is added to every row."),
    hint=N_("In a matrix product the inner sizes match and the outer ones remain."),
))
_add(QuizQuestion(
    "02.q2",
    N_("In <code>my_dense</code>, which numbers does unit j use?"),
    {
        "a": N_("row j of W and b[j]"),
        "b": N_("column j of W and all of b"),
        "c": N_("all of W and all of b"),
        "d": N_("column j of W and b[j]"),
    },
    "cf7d18cd35ea02be",
    N_("Each unit has one weight per input, stored in its column W[:, j], and one bias b[j]."),
    hint=N_("W has one row per input and one column per unit."),
))
_add(QuizQuestion(
    "02.q3",
    N_("Why is <code>my_dense_v</code> much faster than calling <code>my_dense</code> "
       "for every example?"),
    {
        "a": N_("one matrix product runs in compiled code instead of Python loops"),
        "b": N_("it computes in float32, which halves the work"),
        "c": N_("it needs fewer multiplications than the loops over examples and units"),
        "d": N_("it skips the activation function for most of the units"),
    },
    "41497e451ac46b0b",
    N_("Both do the same multiplications, in the same precision, and both apply g to every unit; "
       "the loop pays Python's overhead for every unit of every example, while one matrix product "
       "runs the whole batch in optimised compiled code (BLAS)."),
    hint=N_("Count the multiplications in both: are they different?"),
))
_add(QuizQuestion(
    "02.q4",
    N_("In this notebook's notation, which symbol is the activation of the third neuron (unit) "
       "of layer 2?"),
    {"a": "a_2^[3]", "b": "a_3^(2)", "c": "a_3^[2]", "d": "w_3^[2]"},
    "42240a915d646bc5",
    N_("The layer goes in the superscript, in square brackets, and the unit in the subscript: "
       "a_3^[2] = g(w_3^[2] · a^[1] + b_3^[2]). A superscript in round brackets, x^(i), numbers "
       "a training example, and w_3^[2] is that unit's weight vector, not its activation."),
    hint=N_("Where does the notation put the layer, where the unit, and what do round brackets "
            "number?"),
))
_add(QuizQuestion(
    "03.q1",
    N_("A <code>Sequential</code> model is a list of four <code>Dense</code> layers. "
       "Counting as this course does (the input is not a layer), how many layers has the network?"),
    {"a": "3", "b": "5", "c": "4", "d": "6"},
    "43c9c55b4789e148",
    N_("Each Dense layer is one layer of the network: 4 (3 hidden layers and the output layer). "
       "The input features are layer 0 and are not counted."),
    hint=N_("Is keras.Input a layer of neurons?"),
))
_add(QuizQuestion(
    "03.q2",
    N_("Which line defines a layer of 4 units with a sigmoid activation?"),
    {
        "a": 'keras.layers.Dense(activation="sigmoid")(4)',
        "b": 'keras.layers.Dense(units=4, activation="sigmoid")',
        "c": "keras.layers.Sigmoid(units=4)",
        "d": 'keras.layers.Dense(units=1, activation="sigmoid", input_shape=4)',
    },
    "efbb24135780e3e9",
    N_("units is the number of neurons and activation their function g."),
    hint=N_("Which argument of Dense sets the number of neurons?"),
))
_add(QuizQuestion(
    "03.q3",
    N_("In the weight matrix W of a layer (the course's convention, and Keras's), "
       "where are the weights of one neuron?"),
    {
        "a": N_("in one column of W"),
        "b": N_("in one row of W"),
        "c": N_("on the diagonal of W"),
        "d": N_("in b"),
    },
    "7d4c7e10697263a6",
    N_("W has shape (inputs, units): column j holds the weights of unit j, one per input."),
    hint=N_("W's shape is (number of inputs, number of units)."),
))
_add(QuizQuestion(
    "03.q4",
    N_("<code>W</code> has 2 rows and 3 columns. How many times does the loop of "
       "<code>my_dense</code> (one pass per unit) run?"),
    {"a": "2", "b": "6", "c": "3", "d": "1"},
    "ce077621fae1e7a3",
    N_("The loop runs once per unit, and units are columns: 3 times (each time a dot product of "
       "2 inputs)."),
    hint=N_("Which dimension of W counts the units?"),
))
_add(QuizQuestion(
    "03.q5",
    N_("The digit model (sigmoid output) outputs 0.93 for an image. What does that mean?"),
    {
        "a": N_("the image is a 0 with probability 0.93"),
        "b": N_("93% of the image's pixels hold ink, so it is probably a 1"),
        "c": N_("the model is right on 93% of the training images"),
        "d": N_("the model estimates a probability of 0.93 that it is a 1"),
    },
    "7cf7643880bb87c5",
    N_("With labels 0 and 1 and a sigmoid output, a is the model's estimate of P(y = 1 | x), the "
       "probability that the image is a 1; thresholding at 0.5 gives the prediction 1. It says "
       "nothing about the ink or the model's accuracy."),
    hint=N_("What does the label y = 1 stand for in this data set?"),
))
_add(QuizQuestion(
    "04.q1",
    N_("Which activation is the most common choice for the hidden layers of a network?"),
    {"a": N_("sigmoid"), "b": "ReLU", "c": N_("linear"), "d": "softmax"},
    "f3f1e70cc7fdce3f",
    N_("ReLU is cheap, and its gradient is 1 wherever a unit is active, so it does not flatten "
       "out the way a sigmoid does for large |z|; training is faster."),
    hint=N_("Which one is not flat for large positive z?"),
))
_add(QuizQuestion(
    "04.q2",
    N_("A model predicts tomorrow's temperature in °C, which can be negative. "
       "Which activation suits its output layer?"),
    {"a": N_("linear"), "b": "ReLU", "c": N_("sigmoid"), "d": "softmax"},
    "b73a71a8e16da11c",
    N_("The output can be any real number, so the output layer applies no squashing: linear."),
    hint=N_("Which activations cannot output -5?"),
))
_add(QuizQuestion(
    "04.q3",
    N_("A network has three hidden layers with linear activations and one sigmoid output unit. "
       "It computes the same functions as..."),
    {
        "a": N_("nothing simpler: depth adds power"),
        "b": N_("a network with ReLU hidden layers"),
        "c": N_("linear regression"),
        "d": N_("logistic regression"),
    },
    "5b017868c08a6b93",
    N_("Linear layers compose into one linear map x W + b, so the network is sigmoid(x W + b): "
       "logistic regression."),
    hint=N_("Compose the linear layers first, then apply the output activation."),
))
_add(QuizQuestion(
    "04.q4",
    N_("A house price is never negative. Which output activation fits a model that predicts it?"),
    {"a": N_("linear"), "b": N_("sigmoid"), "c": "ReLU", "d": "softmax"},
    "77b0b2c22a8927dc",
    N_("ReLU outputs any value from 0 up, and nothing below 0."),
    hint=N_("Which activation has the range [0, infinity)?"),
))
_add(QuizQuestion(
    "05.q1",
    N_("A softmax output layer has 3 units. What do its outputs a1 + a2 + a3 sum to?"),
    {"a": "3", "b": "1", "c": N_("it depends on the logits"), "d": "0"},
    "c3eb4c6e3171841a",
    N_("Each a_j = e^(z_j) / sum_k e^(z_k): the numerators add up to the denominator, so the "
       "sum is 1 for any logits and any number of classes."),
    hint=N_("Write out a1 + a2 + a3 with the common denominator."),
))
_add(QuizQuestion(
    "05.q2",
    N_("An example's true class is class 3 of 4 (numbered 1 to 4 as in the formulas; in code "
       "that is label <code>y = 2</code>), and the softmax outputs are a1..a4. "
       "Its cross-entropy loss is..."),
    {
        "a": "-log(1 - a3)",
        "b": "-(log a1 + log a2 + log a3 + log a4)",
        "c": "-log a3",
        "d": "-a3 log a3",
    },
    "b6f6f48e6a23e578",
    N_("The loss is -sum_j y_j log a_j with a one-hot y: only the true class's term survives, "
       "-log a3 (in code, -np.log(a[2]): column 2 holds class 3)."),
    hint=N_("With a one-hot label, which terms of -sum_j y_j log a_j are not zero?"),
))
_add(QuizQuestion(
    "05.q3",
    N_("A bag holds eight balls: four marked 1, two marked 2, one 3 and one 4. With the best "
       "yes/no questions, how many questions do you need on average to name a ball drawn at "
       "random?"),
    {
        "a": "2",
        "b": "1.75",
        "c": "1.5",
        "d": "2.25",
    },
    "ff62f90dc5869e62",
    N_("The entropy is 1/2*1 + 1/4*2 + 1/8*3 + 1/8*3 = 1.75 bits: ask 'is it 1?' first (half the "
       "time that is the only question), then 'is it 2?', then '3 or 4?'."),
    hint=N_("Entropy in bits: sum of p log2(1/p)."),
))
_add(QuizQuestion(
    "05.q4",
    N_("You add 10 to every logit z_k. What happens to the softmax probabilities?"),
    {
        "a": N_("they all increase by the same amount"),
        "b": N_("they all decrease"),
        "c": N_("they sum to 11"),
        "d": N_("they stay the same"),
    },
    "ff7981730f298f36",
    N_("e^(z_k + 10) = e^10 e^(z_k): the factor e^10 cancels between numerator and denominator. "
       "That is why subtracting the largest logit makes softmax stable without changing it."),
    hint=N_("Factor e^10 out of every exponential."),
))
_add(QuizQuestion(
    "05.q5",
    N_("A softmax has two classes, with logits z1 and z2. What is a1?"),
    {
        "a": "sigmoid(z1 - z2)",
        "b": "sigmoid(z1)",
        "c": "z1 / (z1 + z2)",
        "d": "sigmoid(z1) / (sigmoid(z1) + sigmoid(z2))",
    },
    "35286d5f15c702cb",
    N_("Divide the numerator and the denominator of e^z1 / (e^z1 + e^z2) by e^z1: "
       "a1 = 1 / (1 + e^-(z1 - z2)) = sigmoid(z1 - z2), and a2 = 1 - a1. Softmax regression "
       "with two classes is logistic regression with w = w1 - w2 and b = b1 - b2."),
    hint=N_("Divide the numerator and the denominator by e^z1."),
))
_add(QuizQuestion(
    "05.q6",
    N_("Softmax regression starts from W = 0 and b = 0. Why is that fine, when a hidden layer "
       "started from zeros is not?"),
    {
        "a": N_("it is not fine: softmax regression must start from random weights too"),
        "b": N_("zeros are never a problem: hidden layers are usually started from zeros too"),
        "c": N_("the labels give each class a different gradient from the first step on"),
        "d": N_("the learning rate of softmax regression is larger"),
    },
    "df88443cb95f68b9",
    N_("At W = 0 every class gets probability 1/K, but the gradient X^T (A - Y) / m contains the "
       "one-hot labels Y: column k moves towards the images of class k, and the loss is convex, so "
       "any start reaches its minimum. Hidden units started with the same weights compute the same "
       "activation, get the same gradient and stay identical, so the layer acts as one unit; "
       "random initial weights break that symmetry."),
    hint=N_("What makes two columns of the gradient differ?"),
))
_add(QuizQuestion(
    "06.q1",
    N_("A model's loss is <code>SparseCategoricalCrossentropy(from_logits=True)</code>. "
       "Which activation goes on its output layer?"),
    {"a": N_("linear"), "b": "softmax", "c": N_("sigmoid"), "d": "relu"},
    "037f0ed5f4d253bc",
    N_("from_logits=True tells the loss that the outputs are logits, so the loss applies the "
       "softmax itself, stably, and the output layer stays linear. With a softmax output the loss "
       "would get probabilities where it expects logits: Keras's TensorFlow backend notices a "
       "softmax output that reaches the loss directly, uses the logits behind it and warns; "
       "anywhere else (saved predictions, other backends, probabilities computed apart) the "
       "softmax would be applied twice."),
    hint=N_("What does 'logits' mean: before or after the softmax?"),
))
_add(QuizQuestion(
    "06.q2",
    N_("What is <code>logsumexp([1000.0, 1000.0])</code>, i.e. log(e^1000 + e^1000)?"),
    {
        "a": "inf",
        "b": "1000",
        "c": "log(2) × 1000",
        "d": "1000 + log 2",
    },
    "164e3aa3c702fae9",
    N_("log(2 e^1000) = log 2 + log e^1000 = 1000 + log 2 = 1000.693... (a log turns the product "
       "into a sum, not a product). The naive formula overflows to inf; subtracting the maximum "
       "first gives the exact value."),
    hint=N_("Factor e^1000 out of the sum."),
))
_add(QuizQuestion(
    "06.q3",
    N_("A model ends with a linear layer and was compiled with <code>from_logits=True</code>. "
       "What does <code>model.predict(X)</code> return?"),
    {
        "a": N_("probabilities"),
        "b": N_("class labels"),
        "c": "logits",
        "d": N_("log-probabilities"),
    },
    "26e9184e91e4bcb6",
    N_("predict returns what the last layer computes: logits. The softmax lives in the loss, so "
       "for probabilities apply it yourself (predict_proba)."),
    hint=N_("Where is the softmax in this model?"),
))
_add(QuizQuestion(
    "06.q4",
    N_("Why does <code>1 + 1/10000 - (1 - 1/10000)</code> not give exactly "
       "<code>2/10000</code> in float64?"),
    {
        "a": N_("1 + 1/10000 and 1 - 1/10000 are rounded; the subtraction keeps those errors"),
        "b": N_("Python keeps only about 7 significant digits, like float32"),
        "c": N_("division by 10000 is never exact"),
        "d": N_("it does give exactly 2/10000; the difference you see comes only from print"),
    },
    "ba7ecf297e29a52e",
    N_("Each of 1 + 1/10000 and 1 - 1/10000 is rounded to the nearest double; the subtraction "
       "removes the 1s and leaves their rounding errors. Near 1, doubles are 2.2e-16 apart, so 1 + "
       "1e-4 carries an error of up to 1.1e-16. The subtraction is exact, but it keeps that error "
       "while the result is 5000 times smaller: here 2.2e-17 on 2e-4, a relative error of about "
       "1e-13 instead of 1e-16, so about 3 of the 16 significant digits are lost. Tiny in absolute "
       "terms; it matters when such results are divided, exponentiated or subtracted again."),
    hint=N_("How far apart are neighbouring doubles near 1, and near 0.0002?"),
))
_add(QuizQuestion(
    "07.q1",
    N_("At the first step (t = 1, moments starting at 0), what does Adam's bias-corrected first "
       "moment m-hat equal?"),
    {
        "a": "0.1 g",
        "b": "g",
        "c": "0",
        "d": N_("g squared"),
    },
    "cd10a9f4b2a6dfc9",
    N_("m_1 = (1 - beta1) g = 0.1 g, and the correction divides by 1 - beta1^1 = 0.1: m-hat = g, "
       "the gradient itself. Without it (v-hat still corrected) the first steps would be ten times "
       "too small; without either correction the first step would be sqrt(1000) / 10, about 3.2 "
       "times too large."),
    hint=N_("Divide m_1 = (1 - beta1) g by 1 - beta1^t with t = 1."),
))
_add(QuizQuestion(
    "07.q2",
    N_("On the elongated bowl f(w) = (w1^2 + 25 w2^2) / 2, why does gradient descent zig-zag?"),
    {
        "a": N_("the learning rate is too small for both directions"),
        "b": N_("the gradients are noisy, as in minibatch training"),
        "c": N_("one step size has to serve two very different curvatures"),
        "d": N_("it uses momentum, which carries it past the minimum"),
    },
    "a3775548d3baa244",
    N_("The curvature is 25 times larger along w2, and one learning rate serves both directions: "
       "small enough for the steep w2 means far too small for the flat w1. A rate near the limit "
       "2/25 makes w2 flip sign every step while w1 crawls; per-parameter step sizes (Adam) fix "
       "that. The bowl's gradients are exact (no noise) and plain gradient descent has no "
       "momentum."),
    hint=N_("Compare the gradient's size along w1 and along w2."),
))
_add(QuizQuestion(
    "07.q3",
    N_("You multiply the loss by 100, so every gradient is 100 times larger. Far from the "
       "optimum, what happens to Adam's steps?"),
    {
        "a": N_("they stay about the same"),
        "b": N_("they become 100 times larger"),
        "c": N_("they become 10 times larger"),
        "d": N_("they become 100 times smaller"),
    },
    "05364b5aee33698a",
    N_("Adam divides m-hat (scaled by 100) by the square root of v-hat (scaled by 100^2 under the "
       "root, so by 100): the ratio, and the step, do not change while sqrt(v-hat) >> epsilon."),
    hint=N_("How do m-hat and the square root of v-hat scale with the gradient?"),
))
_add(QuizQuestion(
    "08.q1",
    N_("Which of these is a <b>multi-label</b> problem, not a multiclass one?"),
    {
        "a": N_("reading which handwritten digit, 0 to 9, an image shows"),
        "b": N_("sorting each e-mail into one of two folders: spam or not spam"),
        "c": N_("telling which of 500 species the bird in a photo belongs to"),
        "d": N_("tagging a street photo with each kind of object it shows"),
    },
    "0f25bb997dbc1d94",
    N_("A street photo can show a car, a bus and a pedestrian at once: each tag is its own yes/no "
       "question, and any number of them can be yes. A digit, a species, spam or not: exactly one "
       "class per example (multiclass, or binary)."),
    hint=N_("In which case can one example have several right answers at the same time?"),
))
_add(QuizQuestion(
    "08.q2",
    N_("For one camera image a network must say whether it shows a car, a bus and a pedestrian "
       "(any of them, all of them, or none). Which output layer and loss?"),
    {
        "a": N_('<code>Dense(3, activation="softmax")</code> with '
                "<code>SparseCategoricalCrossentropy()</code>"),
        "b": N_("<code>Dense(3)</code> with <code>BinaryCrossentropy(from_logits=True)</code>"),
        "c": N_('<code>Dense(1, activation="sigmoid")</code> with '
                "<code>BinaryCrossentropy()</code>"),
        "d": N_("<code>Dense(3)</code> (linear) with "
                "<code>SparseCategoricalCrossentropy(from_logits=True)</code>"),
    },
    "5663e11db5d30fa9",
    N_("Three yes/no questions: three output units, each with its own sigmoid, applied inside the "
       "loss when the layer is linear (Dense's default) and from_logits=True: three independent "
       "sigmoids. A softmax (a, d) makes the three probabilities sum to 1, as if exactly one of "
       "the three could be in the image; one unit (c) answers one question only."),
    hint=N_("How many questions are asked, and can several answers be yes?"),
))
_add(QuizQuestion(
    "08.q3",
    N_("A multi-label network has 10 outputs, each a sigmoid (a probability). What do the 10 "
       "outputs of one example sum to?"),
    {
        "a": N_("always 1, as probabilities do"),
        "b": N_("always 10"),
        "c": N_("always 5, half of 10"),
        "d": N_("anything from 0 to 10"),
    },
    "54c69b8cfa191628",
    N_("Each sigmoid lies between 0 and 1 whatever the others do, so the sum can be anything "
       "from 0 to 10: it estimates how many labels the example has. Only a softmax's outputs "
       "always sum to 1."),
    hint=N_("Does one sigmoid output depend on the other outputs?"),
))
_add(QuizQuestion(
    "08.q4",
    N_("You lower the threshold of a multi-label classifier from 0.5 to 0.3. What happens?"),
    {
        "a": N_("recall goes up or stays the same; precision usually goes down"),
        "b": N_("it predicts fewer labels: precision goes up, recall goes down"),
        "c": N_("nothing changes: the probabilities are the same"),
        "d": N_("exact match always improves, since more true labels are found"),
    },
    "06c841f1b9528709",
    N_("A label is predicted where its probability is at least the threshold; every probability at "
       "least 0.5 is also at least 0.3, so the classifier predicts at least the labels it "
       "predicted before, usually more. No more false negatives (recall up or unchanged), usually "
       "more false positives (precision down); a row that was exactly right can gain a wrong "
       "label, so exact match can fall."),
    hint=N_("Which labels are predicted at 0.3 that were not at 0.5?"),
))
_add(QuizQuestion(
    "09.q1",
    N_("Compared with a dense layer on the same image, why is a convolutional layer often the "
       "better choice?"),
    {
        "a": N_("it has more parameters, so it can fit more of the training set"),
        "b": N_("its outputs are probabilities, so no softmax is needed"),
        "c": N_("it lets Adam use a larger learning rate, so training always takes fewer epochs"),
        "d": N_("it has far fewer parameters: one small filter slides over the whole image"),
    },
    "4b11dbb3a5645fcd",
    N_("Each unit looks at a small window and all units share the same filter: Conv2D(8, 3x3) on a "
       "digit has 80 parameters, where a dense layer with as many outputs (26 x 26 x 8) has "
       "millions. Fewer parameters need less data to fit and overfit less. A convolution does not "
       "compute less: its 80 weights are used at every position, so this notebook's small CNN does "
       "about 62,000 multiplications per image against 20,125 for the 784-25-15-10 dense network. "
       "Its outputs are logits, and Adam's learning rate is the same."),
    hint=N_("Count the parameters of each kind of layer for the same output size."),
))
_add(QuizQuestion(
    "09.q2",
    N_("A <code>Conv2D</code> layer with 3 x 3 filters receives colour images of shape "
       "(28, 28, 3). What does one of its units (one output value) see?"),
    {
        "a": N_("a 3 x 3 window, through all 3 colour channels"),
        "b": N_("the whole image"),
        "c": N_("a 3 x 3 window of one colour channel, one channel per filter"),
        "d": N_("a single pixel"),
    },
    "e464cf4fda72b75e",
    N_("Output (i, j, f) is the bias plus the sum of the 3 x 3 x 3 window at (i, j) times filter "
       "f: a filter spans every input channel, so one unit sees a 3 x 3 window through all 3 "
       "colour channels. Its neighbour sees the window one pixel further, through the same "
       "weights."),
    hint=N_("What shape does one filter of the kernel (kh, kw, C, F) have?"),
))
_add(QuizQuestion(
    "09.q3",
    N_("How many parameters does <code>Conv2D(16, (3, 3))</code> have on RGB images "
       "(3 channels)?"),
    {"a": "144", "b": "160", "c": "448", "d": "432"},
    "4f5a7ac5b696634f",
    N_("Each of the 16 filters has 3 x 3 x 3 = 27 weights and one bias: (27 + 1) x 16 = 448, "
       "whatever the size of the image. 432 forgets the biases; 160 forgets the channels."),
    hint="(kh * kw * c_in + 1) * c_out.",
))
_add(QuizQuestion(
    "09.q4",
    N_("What does Keras's <code>Conv1D</code> compute at each position of a 1-D signal?"),
    {
        "a": N_("the dot product of the window with the kernel reversed, as np.convolve does"),
        "b": N_("the dot product of the window with the kernel as it is, plus the bias"),
        "c": N_("the largest value in the window"),
        "d": N_("the average of the window"),
    },
    "6ce072c4b0da1f2c",
    N_("Deep learning's convolution is cross-correlation: the dot product of each window with the "
       "kernel as it is, not flipped, plus the bias, like np.correlate(x, w, 'valid') + b. The "
       "mathematical convolution (np.convolve) flips it; a network would simply learn the flipped "
       "kernel, but to match Keras you must not flip."),
    hint=N_("Compare conv1d, np.correlate and np.convolve in section 1."),
))
_add(QuizQuestion(
    "10.q1",
    N_("In the graph of J = ½ (w x + b − y)² with x = −2, y = 2, w = 2 and b = 8, the backward "
       "pass has reached c = w x with ∂J/∂c = 2. What is ∂J/∂w?"),
    {"a": "2", "b": "−2", "c": "8", "d": "−4"},
    "dcf8924cb69eec03",
    N_("Chain rule: ∂J/∂w = ∂J/∂c · ∂c/∂w, and ∂c/∂w = x = −2, so ∂J/∂w = 2 · (−2) = −4. "
       "Nudging w by ε moves J by about −4 ε, which is what section 2 measured."),
    hint=N_("Multiply the derivative that arrived at c by the local derivative of c = w x by w."),
))
_add(QuizQuestion(
    "10.q2",
    N_("The course's 784-25-15-10 network has 20,175 parameters. How many forward passes does "
       "one gradient by centred differences take, and what does backpropagation need instead?"),
    {
        "a": N_("40,350 (two per parameter); backprop one forward and one backward pass"),
        "b": N_("20,175 (one per parameter); backprop one backward pass per parameter"),
        "c": N_("2 forward passes; backprop 1"),
        "d": N_("40,350 either way: backprop only does the same work in another order"),
    },
    "afce5c53ba5cdc49",
    N_("Each parameter needs J(w + ε) and J(w − ε): 2 × 20,175 = 40,350 forward passes. Backprop "
       "needs one forward pass and one backward pass: it reuses the forward pass's values and gets "
       "every derivative from one sweep back (two matrix products per layer), thousands of times "
       "less work."),
    hint=N_("How many evaluations of J does one centred difference take?"),
))
_add(QuizQuestion(
    "10.q3",
    N_("Why does the gradient check run in float64?"),
    {
        "a": N_("TensorFlow cannot compute gradients of float32 tensors with a GradientTape"),
        "b": N_("float64 arithmetic is faster than float32 on a CPU, so the check ends sooner"),
        "c": N_("J(w + ε) − J(w − ε) is tiny next to J: float32's rounding swamps it"),
        "d": N_("ReLU has no derivative at 0 in float32, so the check would divide by zero"),
    },
    "15aef1cf6d84c3f4",
    N_("With ε = 1e-6 the two losses differ in their 6th or 7th digit, which is where float32 "
       "(about 7 significant digits) rounds: that rounding, divided by 2ε, swamps the derivative. "
       "float64's 16 digits leave it accurate to about 1e-10. Section 4 shows relative errors of "
       "about 1e-10 in float64 and far larger ones with the loss in float32."),
    hint=N_("How many significant digits does each type keep, and how small is the difference?"),
))
_add(QuizQuestion(
    "10.q4",
    N_("Every weight and bias of the two-layer network starts at 0. What happens under gradient "
       "descent?"),
    {
        "a": N_("it learns as usual, only more slowly, since every unit starts from the same "
                "place"),
        "b": N_("only the output biases learn: W1 and W2 get zero gradients at every step"),
        "c": N_("the loss becomes nan at the first step, from a log of 0"),
        "d": N_("the gradients explode after a few steps, as the weights grow"),
    },
    "22388f3ab7cd425a",
    N_("With W2 = 0, dA1 = dZ2 W2ᵀ = 0, so dW1 = 0: W1 never moves. With W1 = 0 and b1 = 0, A1 = "
       "0, so dW2 = A1ᵀ dZ2 = 0: W2 never moves either, and only the output biases learn. More "
       "generally, units that start equal get equal gradients and stay equal. Random starts (He: "
       "standard deviation √(2/n)) break the symmetry."),
    hint=N_("Compute dA1 = dZ2 W2ᵀ when W2 is all zeros."),
))
