"""The course's "check your understanding" questions.

Each notebook shows its questions with ``helpers.widgets.quiz(question_id)`` and
grades them from answer variables (``answer_q1 = "b"``) with hidden tests. Answers
are stored as digests so that reading this file does not give them away at a glance.
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
        "b": "1 / (1 + exp(-(w · x + b)))",
        "c": "exp(w · x + b)",
        "d": "max(0, w · x + b)",
    },
    "5ff34ae037bdad3a",
    "The neuron first computes z = w · x + b, then applies g(z) = 1 / (1 + e^(-z)); "
    "with g the identity it would be linear regression, with sigmoid it is logistic regression.",
    hint="A neuron applies its activation g to z = w · x + b.",
))
_add(QuizQuestion(
    "01.q2",
    "A Keras <code>Dense(3)</code> layer receives inputs with 2 features. "
    "What is the shape of its weight matrix <code>W</code> (from <code>get_weights()</code>)?",
    {"a": "(3, 2)", "b": "(2, 3)", "c": "(1, 3)", "d": "(3,)"},
    "f0acf260a35c898b",
    "Keras stores W with one row per input feature and one column per unit: (2, 3). "
    "Column j holds the weights of unit j, and the bias has shape (3,).",
    hint="The layer computes x @ W + b with x of shape (1, 2).",
))
_add(QuizQuestion(
    "01.q3",
    "What is the shape of <code>np.array([[200.0, 17.0]])</code>?",
    {"a": "(2,)", "b": "(2, 1)", "c": "(1, 2)", "d": "(1, 1, 2)"},
    "43c389206dc79f2d",
    "Two pairs of brackets make a 2-D array: one row with two columns, shape (1, 2). "
    "Keras layers expect such a matrix, one row per example.",
    hint="Count the brackets: each pair adds a dimension.",
))
