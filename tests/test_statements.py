"""What notebooks 01-07 state in their prose is what their cells print (issue 22, round 3).

Each test runs the cells behind a statement of a solution notebook in-process, reads what
they print, computes the claim independently where it can, and checks the markdown says
the same (and no longer says what was false).
"""

from __future__ import annotations

import contextlib
import io
import math
import re

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest

from helpers import plots
from helpers.data import FASHION_CLASS_NAMES
from tests.notebook_harness import ROOT


def _notebook(assignment: str):
    return nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)


def _source(notebook, cell_id: str) -> str:
    return next(cell.source for cell in notebook.cells if cell.get("id") == cell_id)


def _run(notebook, cell_ids: list[str], namespace: dict | None = None) -> dict[str, str]:
    """Run the code cells ``cell_ids`` in order in one namespace; return each one's stdout."""
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    printed = {}
    for cell_id in cell_ids:
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(_source(notebook, cell_id), cell_id, "exec"), namespace)
        finally:
            plt.close("all")
        printed[cell_id] = out.getvalue()
    return printed


def _run_until(notebook, last_id: str) -> dict[str, str]:
    """Run every code cell from the setup cell to ``last_id``, as Run All does."""
    ids = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            ids.append(cell.id)
        if cell.get("id") == last_id:
            return _run(notebook, ids)
    raise KeyError(last_id)


# --------------------------------------------------------------------------- 01
def test_01_the_naive_sigmoid_warns_and_the_other_form_gives_nan():
    notebook = _notebook("01_neurons_and_layers")
    printed = _run(notebook, ["imports", "cell-04"])["cell-04"]
    assert ("first form, z = -1000: 0.0 with a RuntimeWarning: overflow encountered in exp"
            in printed)
    assert "second form, z = 709: 1.0" in printed and "second form, z = 710: nan" in printed
    text = _source(notebook, "cell-03")
    assert "it breaks for very negative" not in text
    assert "gives $0.0$" in text and "`nan`" in text and "709.78" in text


def test_01_dense_on_a_1d_array_says_why_without_keras_s_name_none():
    notebook = _notebook("01_neurons_and_layers")
    printed = _run(notebook, ["imports", "cell-18"])["cell-18"]
    assert "raises ValueError: expected min_ndim=2, found ndim=1" in printed
    assert "name 'None'" not in printed and "dense_" not in printed


def test_01_the_sum_of_1_0_is_a_saturated_layer_as_printed():
    notebook = _notebook("01_neurons_and_layers")
    printed = _run_until(notebook, "cell-20")["cell-20"]
    z_line = next(line for line in printed.splitlines() if line.startswith("z = row @ W + b"))
    z_values = re.search(r"\[\[(.*)\]\]", z_line).group(1).split()
    outputs = z_line.split("sigmoid:")[1].strip().split(", ")
    text = _source(notebook, "saturated-layer").replace("−", "-")
    assert f"({', '.join(z_values[:-1])} and {z_values[-1]}," in text
    mantissa, exponent = outputs[1].split("e-")
    assert outputs[0] == "1" and f"${mantissa} \\times 10^{{-{int(exponent)}}}$" in text
    assert "NumPy on a tensor  : 1.0" in printed and "saturated" in text
    assert all(abs(float(z)) > 10 for z in z_values)  # far from 0: sigmoid flat at 0 or 1


# --------------------------------------------------------------------------- 04
def test_04_a_regression_is_compiled_with_mean_squared_error_and_fitted():
    import keras

    notebook = _notebook("04_activations")
    namespace: dict = {"__name__": "__main__"}
    printed = _run(notebook, ["imports", "regression-fit"], namespace)["regression-fit"]
    numbers = [float(v) for v in re.findall(r"\d+\.\d+", printed)]
    before, after, line, noise = numbers
    assert after < 2 * noise < line < before
    model = namespace["regressor"]
    assert isinstance(model.loss, keras.losses.MeanSquaredError)
    assert model.layers[-1].get_config()["activation"] == "linear"
    x, y = namespace["x_curve"][:50], namespace["y_curve"][:50]
    y_hat = model.predict(x, verbose=0)
    assert np.isclose(float(keras.losses.MeanSquaredError()(y, y_hat)), np.mean((y_hat - y) ** 2),
                      rtol=1e-5)
    assert "MeanSquaredError()" in _source(notebook, "regression-md")


# --------------------------------------------------------------------------- 05
def _best_average_questions_of_equal_outcomes(n: int) -> float:
    """Optimal average code length for n equally likely outcomes: lengths k and k + 1."""
    k = int(math.floor(math.log2(n)))
    return (n * k + 2 * (n - 2**k)) / n


def test_05_the_entropy_is_reached_only_for_powers_of_a_half():
    notebook = _notebook("05_softmax_cross_entropy")
    printed = _run(notebook, ["imports", "entropy-not-powers-of-half-check"])[
        "entropy-not-powers-of-half-check"]
    best, entropy = _best_average_questions_of_equal_outcomes(3), math.log2(3)
    assert f"three equal balls               : best strategy {best:.3f} questions, " \
           f"H = {entropy:.3f} bits" in printed
    assert (f"{best:.3f}", f"{entropy:.3f}") == ("1.667", "1.585")
    for k in (2, 5):
        per_draw = _best_average_questions_of_equal_outcomes(3**k) / k
        assert f"blocks of size {k}: {per_draw:.3f} questions per draw" in printed
    assert f"(1 / ln 2 = {1 / math.log(2):.4f})" in printed

    game = _source(notebook, "cell-21")
    assert "With the\nbest strategy, the average number of questions is the **entropy**" not in game
    assert "power of ½" in game and "$5/3 = 1.667$" in game and "$H = \\log_2 3 = 1.585$" in game
    assert "only\nrescales the loss" in game and f"{1 / math.log(2):.4f}" in game
    summary = notebook.cells[-1].source
    assert "powers of ½" in summary and "1.585" in summary
    assert "the minimiser is the same" in summary


def test_05_softmax_minus_one_hot_is_derived_with_a_worked_example():
    notebook = _notebook("05_softmax_cross_entropy")
    printed = _run(notebook, ["imports", "softmax-gradient-worked-example"])[
        "softmax-gradient-worked-example"]
    z = np.array([2.0, 1.0, 0.1])
    a = np.exp(z) / np.exp(z).sum()
    gradient = a - np.eye(3)[0]
    text = _source(notebook, "cell-31")
    assert "L = -z_c + \\log \\sum_{k=1}^{K} e^{z_k}" in text and "= a_j - y_j" in text
    assert "(" + ", ".join(f"{v:.3f}" for v in a) + ")" in text
    assert "(" + ", ".join(f"{v:.3f}" for v in gradient) + ")" in text
    assert "a = softmax(z)       : [" + " ".join(f"{v:.3f}" for v in a) + "]" in printed
    measured = re.search(r"centred differences  : \[(.*?)\]", printed).group(1).split()
    assert np.allclose([float(v) for v in measured], gradient, atol=1e-3)
    assert "batch of m = 2" in printed


def test_05_flatten_feeds_the_images_to_the_same_dense_layer():
    notebook = _notebook("05_softmax_cross_entropy")
    namespace: dict = {"__name__": "__main__"}
    _run(notebook, ["imports", "data", "softmax", "build-softmax-regression"], namespace)
    exec("keras_model = build_softmax_regression(784, 10)\n"
         "logits = keras_model.predict(X_test, verbose=0)", namespace)
    printed = _run(notebook, ["flatten-check"], namespace)["flatten-check"]
    assert "Flatten  (None, 28, 28) -> (None, 784), 0 parameters" in printed
    parameters = 784 * 10 + 10
    assert f"parameters: {parameters} (keras_model: {parameters})" in printed
    assert f"{parameters:,}" in _source(notebook, "flatten")


# --------------------------------------------------------------------------- 06, 07
def test_06_only_the_overflowing_entry_is_nan():
    notebook = _notebook("06_from_logits_stability")
    printed = _run(notebook, ["imports", "cell-08"])["cell-08"]
    assert "softmax without the shift: [[nan  0.  0.]]" in printed
    text = _source(notebook, "cell-07")
    assert "the probabilities are `nan`" not in text and "`[[nan 0. 0.]]`" in text


def test_07_the_drift_is_stated_as_printed():
    notebook = _notebook("07_adam")
    printed = _run_until(notebook, "cell-20")
    relative = re.search(r"largest relative difference (\d\.\d)e-0(\d)", printed["cell-18"])
    ratio = re.search(r"Algorithm 1's = 1 -(\d\.\d)e-0(\d)", printed["cell-20"])
    text = _source(notebook, "cell-19")
    assert f"${relative.group(1)} \\times 10^{{-{relative.group(2)}}}$" in text
    assert f"$1 - {ratio.group(1)} \\times 10^{{-{ratio.group(2)}}}$" in text
    assert "$10^{-7}$-level" not in text


# --------------------------------------------------------------------------- image_grid
@pytest.mark.parametrize("count, ncols, shape, predicted", [
    (16, 8, (28, 28), True),     # 05's misclassified Fashion-MNIST images: two-line titles
    (16, 8, (28, 28), False),
    (30, 10, (28, 28), True),
    (12, 4, (28, 84), True),     # 08's canvases
])
def test_image_grid_titles_do_not_overprint_the_row_above(count, ncols, shape, predicted):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(count, *shape), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count)
    predictions = (labels + 1) % 10 if predicted else None
    fig = plots.image_grid(images, labels, predictions, class_names=FASHION_CLASS_NAMES,
                           ncols=ncols, title="Misclassified test images (300 of 2000)")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = fig.axes
    try:
        for i in range(ncols, count):
            title = axes[i].title.get_window_extent(renderer)
            image_above = axes[i - ncols].get_window_extent(renderer)
            assert title.y1 <= image_above.y0, (
                f"title {i} runs {title.y1 - image_above.y0:.1f} px into the row above")
        top = fig._suptitle.get_window_extent(renderer)
        for i in range(min(ncols, count)):
            assert axes[i].title.get_window_extent(renderer).y1 <= top.y0
        for i in range(count - 1):
            if (i + 1) % ncols:
                left = axes[i].title.get_window_extent(renderer)
                right = axes[i + 1].title.get_window_extent(renderer)
                assert left.x1 <= right.x0, f"titles {i} and {i + 1} overlap"
    finally:
        plt.close(fig)


def test_every_intro_says_what_grading_means_with_and_without_an_instructor():
    """A Colab learner reads what applies to them: grading is the instructor's."""
    import json

    from grader.course import SOLUTIONS

    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        intro = "".join(json.loads(path.read_text())["cells"][0]["source"])
        assert "where an instructor grades the course" in intro, path.name
        assert "When the notebook is graded" not in intro, path.name
        assert "**On your own** (Colab, or a clone with no instructor): nothing is graded" in \
            intro.replace("\n", " "), path.name
