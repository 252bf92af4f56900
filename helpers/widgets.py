"""Interactive widgets for the notebooks (ipywidgets 7.7, as on Colab, and 8)."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from . import i18n
from .i18n import N_, _
from .nn import relu, softmax
from .quizzes import QUESTIONS, QuizQuestion

__all__ = ["optimizer_paths", "quiz", "relu_pieces", "softmax_bars"]


class _Box(widgets.VBox):
    """A VBox that also carries a static form, for places without widgets.

    A notebook viewer, a static HTML page or a kernel without a widget front end shows
    ``static_text`` or ``static_html`` (a quiz's question and choices, never the answer;
    a slider widget's description and first picture); JupyterLab and Colab show the
    widget. Published by hand, the same way on ipywidgets 7 and 8.
    """

    static_text = ""
    static_html = ""

    def _ipython_display_(self, **kwargs):
        from IPython.display import display

        view = {"version_major": 2, "version_minor": 0, "model_id": self.model_id}
        display({"text/plain": self.static_text, "text/html": self.static_html,
                 "application/vnd.jupyter.widget-view+json": view}, raw=True)


def _shown(text: str) -> str:
    """A question's stored text (its prompt or an option, marked with ``N_`` in
    ``helpers.quizzes``) in the reader's language. Looked up through ``i18n._``: the scan
    of helpers' ``_("...")`` calls takes only literals."""
    return i18n._(text)


def _plain(html: str) -> str:
    """The text of a question's HTML (it uses <code> and entities only)."""
    import html as html_module
    import re

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def quiz(question: str | QuizQuestion) -> widgets.VBox:
    """A multiple-choice self-check with a "Check" button and instant feedback.

    ``question`` is a question id of ``helpers.quizzes.QUESTIONS`` (e.g. ``"01.q2"``)
    or a :class:`QuizQuestion`. A right answer shows the explanation; a wrong one a
    hint. Not graded: the widget gives the verdict at once. Where widgets cannot
    render, the question and its choices show as text. The returned box has
    attributes ``choice``, ``check_button`` and ``feedback`` so it can be driven from
    code (and from tests).
    """
    if isinstance(question, str):
        question = QUESTIONS[question]
    heading = _("Self-check {question_id}").format(question_id=question.question_id)
    text_of_prompt = _shown(question.prompt)
    options = {letter: _shown(text) for letter, text in question.options.items()}
    prompt = widgets.HTML(f"<b>{heading}</b> {text_of_prompt}")
    choice = widgets.RadioButtons(
        options=[(f"{letter}) {text}", letter) for letter, text in options.items()],
        value=None,
        layout=widgets.Layout(width="max-content"),
    )
    check_button = widgets.Button(description=_("Check"), button_style="primary")
    feedback = widgets.HTML("")

    def on_check(_button=None) -> None:
        correct, message = question.feedback(choice.value)
        colour = "#1a7f37" if correct else "#b35900"
        feedback.value = f'<span style="color:{colour}">{message}</span>'

    check_button.on_click(on_check)
    box = _Box([prompt, choice, check_button, feedback])
    choices = [f"  {letter}) {_plain(text)}" for letter, text in options.items()]
    box.static_text = "\n".join([f"{heading}: {_plain(text_of_prompt)}", *choices])
    items = "".join(f"<li>{letter}) {option}</li>" for letter, option in options.items())
    box.static_html = (f"<div><b>{heading}</b> {text_of_prompt}"
                       f'<ul style="list-style: none">{items}</ul></div>')
    box.question = question
    box.choice, box.check_button, box.feedback = choice, check_button, feedback
    return box


def _slider_box(rows, sliders, draw, description: str) -> _Box:
    """Rows of sliders above a plot that shows ``draw()``'s figure now and again whenever
    a slider moves. Its static form is ``description`` and the first picture.

    Under graded execution nobody sees it, so nothing is drawn (and the reference
    functions the drawing uses may be withheld while the exercise they answer is graded).
    """
    import base64
    import html
    import io

    from .checks import graded_execution

    plot = widgets.Output()
    box = _Box([*rows, plot])
    box.static_text = _("[interactive] {description} (run the notebook to move the "
                        "sliders)").format(description=description)
    caption = f"<p><i>{html.escape(box.static_text)}</i></p>"
    box.static_html = f"<div>{caption}</div>"
    if graded_execution():
        return box

    def redraw(_change=None, first: bool = False) -> None:
        with plot:
            plot.clear_output(wait=True)
            fig = draw()
            if first:
                picture = io.BytesIO()
                fig.savefig(picture, format="png", dpi=60, bbox_inches="tight")
                alt = html.escape(_("the first picture of the widget"))
                box.static_html = (f'<div>{caption}<img alt="{alt}" '
                                   'src="data:image/png;base64,'
                                   f'{base64.b64encode(picture.getvalue()).decode()}"></div>')
            plt.show()
            plt.close(fig)

    for slider in sliders:
        slider.observe(redraw, names="value")
    redraw(first=True)
    return box


def relu_target(x):
    """The piecewise-linear target of :func:`relu_pieces`: slopes -1, 0, 1, 3 on [0, 3]."""
    return relu(1 - x) + relu(x - 2) + relu(2 * x - 5)


def relu_pieces(n_units: int = 3, x_range: tuple[float, float] = (0.0, 3.0)) -> widgets.VBox:
    """Sliders for the weight and bias of ``n_units`` ReLU units; their sum should fit a target.

    The output is sum_i relu(w_i x + b_i): each unit adds a kink at x = -b_i / w_i.
    The plot shows the target (dashed), each unit, and their sum, with the mean squared
    error. Attributes for code and tests: ``sliders`` (a list of (w, b) sliders),
    ``prediction()``, ``error()`` and ``status`` (an HTML widget with the error).
    """
    x = np.linspace(*x_range, 301)
    sliders = [
        (widgets.FloatSlider(value=0.5, min=-4, max=4, step=0.1, description=f"w{i}"),
         widgets.FloatSlider(value=0.0, min=-6, max=6, step=0.1, description=f"b{i}"))
        for i in range(n_units)
    ]
    status = widgets.HTML()

    def units() -> np.ndarray:
        return np.stack([relu(w.value * x + b.value) for w, b in sliders])

    def prediction() -> np.ndarray:
        return units().sum(axis=0)

    def error() -> float:
        return float(np.mean((prediction() - relu_target(x)) ** 2))

    def draw():
        status.value = _("mean squared error: <b>{error:.4f}</b>").format(error=error())
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for i, unit in enumerate(units()):
            ax.plot(x, unit, lw=1, alpha=0.6,
                    label=_("unit {unit}: relu(w{unit} x + b{unit})").format(unit=i))
        ax.plot(x, relu_target(x), "k--", lw=2, label=_("target"))
        ax.plot(x, prediction(), "C3", lw=2.5, label=_("sum of the units"))
        ax.set(xlabel="x", ylabel=_("output"),
               title=_("ReLU pieces (error {error:.4f})").format(error=error()))
        ax.legend(fontsize=7, loc="upper center")
        return fig

    rows = [*(widgets.HBox(list(pair)) for pair in sliders), status]
    box = _slider_box(rows, [slider for pair in sliders for slider in pair], draw,
                      _("sliders for the weight and bias of {n_units} ReLU units, whose sum "
                        "should fit a target made of straight pieces").format(n_units=n_units))
    box.sliders, box.status = sliders, status
    box.prediction, box.error = prediction, error
    return box


def softmax_bars(logits=(2.0, 1.0, 0.1, -1.0), class_names=None) -> widgets.VBox:
    """Sliders for the logits z_k and a bar chart of softmax(z), which always sums to 1.

    Logits and classes are numbered 1..K, as in the notebooks' formulas.
    Attributes for code and tests: ``sliders`` and ``probabilities()``.
    """
    class_names = class_names or [_("class {k}").format(k=k) for k in range(1, len(logits) + 1)]
    sliders = [widgets.FloatSlider(value=float(v), min=-6, max=6, step=0.1,
                                   description=f"z{k}") for k, v in enumerate(logits, start=1)]

    def probabilities() -> np.ndarray:
        return softmax(np.array([s.value for s in sliders]))

    def draw():
        p = probabilities()
        fig, ax = plt.subplots(figsize=(6, 3))
        bars = ax.bar(class_names, p, color="C0")
        ax.bar_label(bars, labels=[f"{v:.3f}" for v in p])
        ax.set(ylim=(0, 1.1), ylabel=_("softmax probability"),
               title=_("softmax of the logits (sum = {total:.3f})").format(total=p.sum()))
        return fig

    box = _slider_box([widgets.HBox(sliders[:2]), widgets.HBox(sliders[2:])], sliders, draw,
                      _("sliders for the logits z1..z{k} and a bar chart of their softmax, "
                        "which always sums to 1").format(k=len(sliders)))
    box.sliders, box.probabilities = sliders, probabilities
    return box


def optimizer_paths(gd_step, adam_step, steps: int = 60) -> widgets.VBox:
    """Sliders for the learning rates and Adam's betas; both paths redrawn on the bowl.

    ``gd_step(w, grad, lr)`` and ``adam_step(w, grad, m, v, t, lr=, beta1=, beta2=)`` are
    the notebook's functions. Attributes for code and tests: ``sliders`` (a dict) and
    ``paths()``, which returns the current paths by name.
    """
    from .bowl import adam_path, bowl, gd_path
    from .plots import paths_on_bowl

    sliders = {
        "gd_lr": widgets.FloatLogSlider(value=0.075, base=10, min=-3, max=-1.0, step=0.025,
                                        description=_("GD lr"), readout_format=".3f"),
        "adam_lr": widgets.FloatLogSlider(value=0.3, base=10, min=-2, max=0, step=0.05,
                                          description=_("Adam lr"), readout_format=".3f"),
        "beta1": widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="beta1"),
        "beta2": widgets.FloatSlider(value=0.999, min=0.9, max=0.9999, step=0.0001,
                                     description="beta2", readout_format=".4f"),
    }

    def paths() -> dict:
        return {
            N_("gradient descent"): gd_path(gd_step, sliders["gd_lr"].value, steps),
            "Adam": adam_path(adam_step, sliders["adam_lr"].value, steps,
                              sliders["beta1"].value, sliders["beta2"].value),
        }

    def draw():
        # the paths by the names a reader reads (paths() keeps the English keys for code)
        current = {i18n._(name): path for name, path in paths().items()}
        ax = paths_on_bowl(current)
        finals = ", ".join(f"f = {bowl(path[-1]):.2g} ({name})" for name, path in current.items())
        ax.set_title(_("After {steps} steps: {finals}").format(steps=steps, finals=finals),
                     fontsize=9)
        return ax.figure

    rows = [widgets.HBox([sliders["gd_lr"], sliders["adam_lr"]]),
            widgets.HBox([sliders["beta1"], sliders["beta2"]])]
    box = _slider_box(rows, sliders.values(), draw,
                      _("sliders for the learning rates and Adam's betas, and the paths of "
                        "gradient descent and Adam over {steps} steps on the bowl").format(
                          steps=steps))
    box.sliders, box.paths = sliders, paths
    return box
