"""helpers.plots render headless; helpers.widgets' quiz gives instant feedback."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import plots
from helpers.quizzes import QUESTIONS, QuizQuestion, answer_digest
from helpers.widgets import quiz


def _gd_step(w, grad, lr):
    return w - lr * grad


def _adam_step(w, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return w - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_image_grid_titles_true_and_predicted_labels_and_marks_errors():
    images = np.random.default_rng(0).integers(0, 255, size=(5, 784), dtype=np.uint8)
    fig = plots.image_grid(images, [0, 1, 2, 3, 4], [0, 1, 9, 3, 4],
                           class_names=list("abcdefghij"), ncols=3, title="grid")
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == 5 and len(fig.axes) == 6
    assert titled[2].get_title() == "true: c\npred: j"
    assert titled[2].title.get_color() == "red" and titled[0].title.get_color() == "black"
    fig.savefig(__import__("io").BytesIO(), format="png")


def test_image_grid_keeps_the_shape_of_wide_images():
    canvases = np.zeros((3, 28, 84), dtype=np.uint8)
    fig = plots.image_grid(canvases, [0, 1, 1], class_names=["3, 7", "0"], ncols=3)
    shown = [ax.get_images()[0].get_array().shape for ax in fig.axes]
    assert shown == [(28, 84)] * 3 and fig.axes[1].get_title() == "true: 0"
    assert fig.get_figwidth() > 3 * 1.5 * 2


def test_training_curves_from_a_history_or_a_dict():
    class History:
        history = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6],
                   "accuracy": [0.5, 0.7, 0.8]}

    fig = plots.training_curves(History())
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_xlabel() == "epoch"
    assert len(plots.training_curves({"loss": [3, 2]}).axes) == 1


def test_decision_boundary_predicts_once_over_the_whole_grid():
    calls = []

    def predict(grid):
        calls.append(grid.shape)
        return (grid[:, :1] > 0.5).astype(float)  # shape (k, 1)

    X = np.random.default_rng(1).random((40, 2))
    y = (X[:, 0] > 0.5).astype(int)
    ax = plots.decision_boundary(predict, X, y, feature_names=("temperature", "duration"),
                                 resolution=50)
    assert calls == [(2500, 2)]
    assert ax.get_xlabel() == "temperature" and ax.get_ylabel() == "duration" and ax.get_title()


@pytest.mark.parametrize("question_id", sorted(QUESTIONS))
def test_every_question_has_exactly_one_right_option(question_id):
    question = QUESTIONS[question_id]
    right = [letter for letter in question.options if question.is_correct(letter)]
    assert len(right) == 1
    assert question.explanation and question.hint


def test_quiz_widget_gives_instant_feedback():
    question = QuizQuestion("test.q", "2 + 2?", {"a": "3", "b": "4"}, answer_digest("test.q", "b"),
                            "Two and two make four.", hint="Count on your fingers.")
    box = quiz(question)
    box.check_button.click()
    assert "Choose an option" in box.feedback.value
    box.choice.value = "a"
    box.check_button.click()
    assert "Not quite" in box.feedback.value and "fingers" in box.feedback.value
    box.choice.value = "b"
    box.check_button.click()
    assert "Correct" in box.feedback.value and "make four" in box.feedback.value


def test_quiz_widget_by_id():
    box = quiz("01.q2")
    assert "Dense(3)" in box.children[0].value
    assert [value for _, value in box.choice.options] == ["a", "b", "c", "d"]


def test_quiz_shows_the_question_and_choices_as_text_where_widgets_do_not_render(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw=False: shown.append(data))
    quiz("05.q5")._ipython_display_()
    text = shown[0]["text/plain"]
    assert text.startswith("Self-check 05.q5: A softmax has two classes")
    assert "a) sigmoid(z1 - z2)" in text and "d) sigmoid(z1) / (sigmoid(z1) + sigmoid(z2))" in text
    assert "<li>" in shown[0]["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in shown[0]


@pytest.mark.parametrize("build", ["relu_pieces", "softmax_bars", "optimizer_paths"])
def test_slider_widgets_show_a_description_and_their_first_picture_where_widgets_do_not_render(
        monkeypatch, build):
    import IPython.display

    import helpers.widgets

    args = (_gd_step, _adam_step) if build == "optimizer_paths" else ()
    box = getattr(helpers.widgets, build)(*args)
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw=False: shown.append(data))
    box._ipython_display_()
    text, page = shown[0]["text/plain"], shown[0]["text/html"]
    assert text.startswith("[interactive] ") and "sliders" in text
    assert '<img alt="the first picture of the widget" src="data:image/png;base64,' in page
    assert shown[0]["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id


def test_hidden_unit_maps_calls_the_layer_once_and_draws_a_panel_per_unit():
    calls = []

    def layer(grid):
        calls.append(grid.shape)
        return np.column_stack([grid[:, 0] > 0.5, grid[:, 1] > 0.5, grid.sum(1) > 1]).astype(float)

    X = np.random.default_rng(2).random((30, 2))
    fig = plots.hidden_unit_maps(layer, X, (X[:, 0] > 0.5).astype(int), resolution=40,
                                 feature_names=("t", "d"))
    assert calls == [(1600, 2)]
    panels = [ax for ax in fig.axes if ax.get_title().startswith("unit")]
    assert [ax.get_title() for ax in panels] == ["unit 0", "unit 1", "unit 2"]
    assert panels[0].get_ylabel() == "d" and panels[1].get_ylabel() == ""


def test_relu_pieces_error_reaches_zero_at_the_documented_solution():
    from helpers.widgets import relu_pieces, relu_target

    box = relu_pieces()
    assert box.error() > 0.1 and "mean squared error" in box.status.value
    for (w, b), (w_value, b_value) in zip(box.sliders, [(-1, 1), (1, -2), (2, -5)], strict=True):
        w.value, b.value = w_value, b_value
    assert box.error() < 1e-24 and "<b>0.0000</b>" in box.status.value
    x = np.linspace(0, 3, 7)
    assert np.allclose(relu_target(x), [1, 0.5, 0, 0, 0, 0.5, 2])  # slopes -1, 0, 1, 3


def test_softmax_bars_follow_the_sliders_and_sum_to_one():
    from helpers.widgets import softmax_bars

    box = softmax_bars(logits=(1.0, 1.0, 1.0))
    assert np.allclose(box.probabilities(), 1 / 3)
    box.sliders[0].value = 5.0
    p = box.probabilities()
    assert np.isclose(p.sum(), 1.0) and p[1] == p[2]
    assert np.isclose(p[0], np.exp(4) / (np.exp(4) + 2))


def test_reference_softmax_is_stable_and_row_wise():
    from helpers.nn import softmax

    Z = np.array([[1000.0, 1000.0, -1000.0], [1.0, 2.0, 3.0]])
    P = softmax(Z)
    assert np.allclose(P[0], [0.5, 0.5, 0.0]) and np.allclose(P.sum(axis=1), 1.0)
    assert np.allclose(P[1], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())


def test_training_curves_on_one_axes():
    fig = plots.training_curves({"sgd": [3, 2, 1], "adam": [3, 1, 0.5]}, one_axes=True,
                                title="compare")
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == ["sgd", "adam"]
    assert ax.get_ylabel() == "loss" and ax.get_xlabel() == "epoch" and ax.get_title() == "compare"


def test_optimizer_paths_widget_uses_the_given_step_functions():
    from helpers.bowl import START, bowl
    from helpers.widgets import optimizer_paths

    calls = {"gd": 0, "adam": 0}

    def gd_step(w, grad, lr):
        calls["gd"] += 1
        return _gd_step(w, grad, lr)

    def adam_step(w, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
        calls["adam"] += 1
        return _adam_step(w, grad, m, v, t, lr, beta1, beta2, eps)

    box = optimizer_paths(gd_step, adam_step, steps=30)
    assert calls == {"gd": 30, "adam": 30}
    paths = box.paths()
    assert np.array_equal(paths["gradient descent"][0], START)
    assert bowl(paths["Adam"][-1]) < bowl(START) and paths["Adam"].shape == (31, 2)
    box.sliders["gd_lr"].value = 0.09           # above 2/25: gradient descent diverges
    assert bowl(box.paths()["gradient descent"][-1]) > bowl(START)


def test_paths_on_bowl_draws_each_path():
    from helpers.bowl import gd_path

    ax = plots.paths_on_bowl({"gd": gd_path(lambda w, g, lr: w - lr * g, 0.05, 10)})
    labels = [line.get_label() for line in ax.lines]
    assert "gd (10 steps)" in labels and "minimum" in labels
    assert ax.get_xlabel() == "w1" and ax.get_ylabel() == "w2"


def test_computation_graph_draws_a_box_per_node_and_an_arrow_per_edge():
    nodes = {"w": (0.0, 1.0, "w"), "x": (0.0, 0.0, "x"), "c": (1.5, 0.5, "c = w x")}
    fig = plots.computation_graph(nodes, [("w", "c"), ("x", "c")], {"w": 2.0, "x": -2.0, "c": -4.0},
                                  {"c": 1.0, "w": -2.0}, title="graph")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "c = w x\n= -4" in texts and "w\n= 2" in texts
    assert sum("partial" in t for t in texts) == 2          # dJ/dc and dJ/dw, not dJ/dx
    assert len([c for c in ax.get_children() if type(c).__name__ == "Annotation"]) == 2
    assert ax.get_title().startswith("graph")
    fig.savefig(__import__("io").BytesIO(), format="png")


def test_quiz_answers_are_spread_over_the_letters():
    from collections import Counter

    from grader.course import assignments

    answers = {q.question_id: next(letter for letter in q.options if q.is_correct(letter))
               for q in QUESTIONS.values()}
    overall = Counter(answers.values())
    assert set(overall) == set("abcd")
    assert max(overall.values()) <= 2 * min(overall.values()), overall
    for assignment in assignments():
        letters = [a for q, a in answers.items() if q.startswith(assignment[:2] + ".")]
        assert len(letters) >= 3, assignment  # every notebook ends with a few self-checks
        assert len(set(letters)) >= 2, (assignment, letters)


def test_the_longest_option_is_not_a_way_to_pass_the_quizzes():
    """The correct option is strictly the longest (or the shortest) in at most a quarter of
    the questions, and never 1.5 times as long as every other: its length gives nothing
    away, and its justification lives in the explanation."""
    import re

    def length(text):  # what the reader sees, without the HTML tags
        return len(re.sub(r"<[^>]+>", "", text))

    longest, shortest, far_longer = [], [], []
    for question in QUESTIONS.values():
        right = next(letter for letter in question.options if question.is_correct(letter))
        own = length(question.options[right])
        others = [length(text) for letter, text in question.options.items() if letter != right]
        if own > max(others):
            longest.append(question.question_id)
        if own < min(others):
            shortest.append(question.question_id)
        if own >= 1.5 * max(others) and own - max(others) > 3:
            far_longer.append(question.question_id)
    assert len(longest) <= len(QUESTIONS) / 4, longest
    assert len(shortest) <= len(QUESTIONS) / 4, shortest
    assert not far_longer, far_longer


def test_adam_first_step_in_the_explanation_of_07_q1():
    """Without m's correction the first step is 10x too small; without both, 3.2x too large."""
    g, beta1, beta2, lr = 0.37, 0.9, 0.999, 1e-3
    m, v = (1 - beta1) * g, (1 - beta2) * g**2
    corrected = lr * (m / (1 - beta1)) / np.sqrt(v / (1 - beta2))
    assert "ten times too small" in QUESTIONS["07.q1"].explanation
    assert "3.2 times too large" in QUESTIONS["07.q1"].explanation
    np.testing.assert_allclose(corrected, lr, rtol=1e-12)
    np.testing.assert_allclose(lr * m / np.sqrt(v / (1 - beta2)) / corrected, 0.1, rtol=1e-12)
    np.testing.assert_allclose(lr * m / np.sqrt(v) / corrected, np.sqrt(1000) / 10, rtol=1e-12)
    assert round(np.sqrt(1000) / 10, 1) == 3.2


def test_quizzes_are_self_checks_not_graded():
    from grader.course import SOLUTIONS, assignments

    for assignment in assignments():
        text = (SOLUTIONS / assignment / f"{assignment}.ipynb").read_text()
        assert "answer_q1" not in text and "test_quiz" not in text, assignment


def test_widgets_build_under_grading_without_the_withheld_references(monkeypatch):
    """While 04 or 05 is graded, helpers.nn's relu and softmax only raise: nothing draws."""
    import helpers.nn
    from helpers.widgets import relu_pieces, softmax_bars

    def withheld(*args, **kwargs):
        raise RuntimeError("withheld while graded")

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setattr(helpers.nn, "relu", withheld)
    monkeypatch.setattr(helpers.nn, "softmax", withheld)
    monkeypatch.setattr("helpers.widgets.relu", withheld)
    monkeypatch.setattr("helpers.widgets.softmax", withheld)
    assert relu_pieces().sliders and softmax_bars().sliders
