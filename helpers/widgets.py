"""Interactive widgets (ipywidgets 8) for the notebooks."""

from __future__ import annotations

import ipywidgets as widgets

from .quizzes import QUESTIONS, QuizQuestion

__all__ = ["quiz"]


def quiz(question: str | QuizQuestion) -> widgets.VBox:
    """A multiple-choice question with a "Check" button and instant feedback.

    ``question`` is a question id of ``helpers.quizzes.QUESTIONS`` (e.g. ``"01.q2"``)
    or a :class:`QuizQuestion`. A right answer shows the explanation; a wrong one a
    hint. The returned box has attributes ``choice``, ``check_button`` and
    ``feedback`` so it can be driven from code (and from tests).
    """
    if isinstance(question, str):
        question = QUESTIONS[question]
    prompt = widgets.HTML(f"<b>{question.question_id}</b> {question.prompt}")
    choice = widgets.RadioButtons(
        options=[(f"{letter}) {text}", letter) for letter, text in question.options.items()],
        value=None,
        layout=widgets.Layout(width="max-content"),
    )
    check_button = widgets.Button(description="Check", button_style="primary")
    feedback = widgets.HTML("")

    def on_check(_button=None) -> None:
        correct, message = question.feedback(choice.value)
        colour = "#1a7f37" if correct else "#b35900"
        feedback.value = f'<span style="color:{colour}">{message}</span>'

    check_button.on_click(on_check)
    box = widgets.VBox([prompt, choice, check_button, feedback])
    box.choice, box.check_button, box.feedback = choice, check_button, feedback
    return box
