"""Feedback pages (grader.feedback) are safe to open anywhere, and say what a student needs.

A page made from a hostile notebook is opened in a real browser (Debian's chromium,
driven by Playwright): no dialog may fire and no request may leave the page; the
math of the markdown is rendered (MathML) with no network.
"""

import base64
import os
import re
from pathlib import Path

import nbformat
import pytest

from grader.feedback import (
    feedback_page,
    hidden_failure,
    markdown_html,
    sanitize,
    student_traceback,
    tidy_numbers,
)
from tests.browser import launched_browser, needs_chromium

ATTACKS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=\"alert('onerror')\">",
    "[click](javascript:alert('link'))",
    "<a href=\"javascript:alert('href')\">x</a>",
    "<svg onload=\"alert('svg')\"><circle r=\"4\"/></svg>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<object data=\"javascript:alert('object')\"></object>",
    "<form action=\"https://example.org\"><button>go</button></form>",
    "<img src=\"https://example.org/pixel.png\">",
    "<style>@import url(https://example.org/x.css); "
    "body { background: url(https://example.org/b.png) }</style>",
    "<meta http-equiv=\"refresh\" content=\"0; url=https://example.org\">",
    "<details open ontoggle=\"alert('toggle')\">x</details>",
    "<math><mi xlink:href=\"javascript:alert('math')\">x</mi></math>",
]


def _hostile_notebook():
    notebook = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_markdown_cell(
        "# Title\n\nA neuron: $a = g(\\mathbf w \\cdot \\mathbf x + b)$ and\n\n"
        "$$\\sigma(z) = \\frac{1}{1 + e^{-z}}$$")]
    cells += [nbformat.v4.new_markdown_cell(attack) for attack in ATTACKS]
    code = nbformat.v4.new_code_cell("print('hi')")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/html": attack})
                    for attack in ATTACKS]
    svg = "<svg xmlns='http://www.w3.org/2000/svg'><script>alert('svg-output')</script></svg>"
    code.outputs.append(nbformat.v4.new_output("display_data", data={"image/svg+xml": svg}))
    code.outputs.append(nbformat.v4.new_output(
        "display_data", data={"image/png": "not base64 <script>alert(1)</script>"}))
    code.outputs.append(nbformat.v4.new_output("stream", name="stdout",
                                               text="<script>alert('stream')</script>"))
    code.outputs.append(nbformat.v4.new_output(
        "error", ename="ValueError", evalue="<b>bad</b>", traceback=[
            "\x1b[0;31m------\x1b[0m", "Cell In[3], line 2\n      1 def relu(z):\n----> 2     "
            "return z.nope", f"File {os.__file__}:1, in something", "ValueError: <b>bad</b>"]))
    test = nbformat.v4.new_code_cell("expect(relu, ...)")
    test.metadata["nbgrader"] = {"grade": True, "grade_id": "test_relu_visible", "points": 2,
                                 "score": 0, "solution": False, "locked": True}
    hidden = nbformat.v4.new_code_cell(
        "# Hidden tests\n### BEGIN HIDDEN TESTS\nsecret_expected = 42\n### END HIDDEN TESTS\n")
    hidden.metadata["nbgrader"] = {"grade": True, "grade_id": "test_relu_hidden", "points": 2,
                                   "score": 0, "solution": False, "locked": True}
    hidden.outputs = [nbformat.v4.new_output("stream", name="stdout", text="secret_expected=42"),
                      nbformat.v4.new_output("error", ename="CheckFailed", evalue="wrong",
                                             traceback=["secret traceback line"])]
    notebook.cells = cells + [code, test, hidden]
    return notebook


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    html = feedback_page(_hostile_notebook(), "04_activations", 0, 4, {"test_relu_hidden"},
                         student="<script>alert('id')</script>", notes=["<b>a note</b>"])
    path = tmp_path_factory.mktemp("feedback") / "page.html"
    path.write_text(html, encoding="utf-8")
    return path, html


def test_nothing_executable_survives_in_the_markup(page):
    _, html = page
    body = html.split("</style>", 1)[1]
    assert "<script" not in body.lower()
    assert not re.search(r"""(href|src|action|data|xlink:href)\s*=\s*["']?\s*javascript:""",
                         body, re.I)
    assert not re.search(r"\son[a-z]+\s*=", body, re.I)
    for tag in ("<iframe", "<object", "<form", "<svg", "<meta http-equiv=\"refresh"):
        assert tag not in body.lower(), tag
    assert "https://example.org" not in body.replace('href="https://example.org"', "")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_test_cells_are_named_and_hidden_tests_show_only_their_error(page):
    _, html = page
    assert "test_relu_visible" in html and "0 / 2 points" in html
    assert "test_relu_hidden" in html and "hidden tests: their code is not shown" in html
    assert "secret_expected" not in html and "secret traceback line" not in html
    assert "CheckFailed: wrong" not in html and "<code>relu</code>: a wrong result" in html


def test_tracebacks_keep_the_student_s_lines_and_lose_the_instructor_s_paths():
    lines = ["\x1b[0;31m---\x1b[0m", "Cell In[3], line 2\n----> 2     return z.nope",
             f"File {os.__file__}:10, in helper", "File /work/main/helpers/checks.py:5",
             "AttributeError: 'float' object has no attribute 'nope'"]
    text = student_traceback(lines)
    assert "Cell In[3], line 2" in text and "return z.nope" in text
    assert os.__file__ not in text and "helpers/checks.py" not in text and "\x1b" not in text
    assert text.endswith("AttributeError: 'float' object has no attribute 'nope'")


def test_math_is_mathml_and_markdown_stays_readable():
    html = markdown_html("Loss $-\\log a_y$ and **bold** `code` and $$\\sum_{j=1}^{n} x_j$$")
    assert html.count("<math") == 2 and "<strong>bold</strong>" in html and "<code>" in html
    assert sanitize("<p onclick='x()'>ok</p>") == "<p>ok</p>"


@needs_chromium
def test_in_a_real_browser_no_dialog_fires_no_request_leaves_and_math_renders(page):
    path, _ = page
    dialogs, requests = [], []
    with launched_browser() as browser:
        tab = browser.new_page()
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.on("request", lambda request: requests.append(request.url))
        tab.goto(path.as_uri())
        tab.wait_for_timeout(1500)
        tab.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        for link in tab.locator("a").all():  # even clicked, no link runs code
            link.click(modifiers=["Alt"], timeout=60_000, no_wait_after=True)
        tab.wait_for_timeout(500)
        math = tab.locator("math").count()
        width = tab.evaluate("document.querySelector('math').getBoundingClientRect().width")
    assert dialogs == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert math >= 2 and width > 10


def test_a_figure_is_a_data_image_and_a_broken_one_is_dropped():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plot()")
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png}),
                    nbformat.v4.new_output("display_data", data={"image/png": "%%%"})]
    notebook.cells = [cell]
    html = feedback_page(notebook, "a", 1, 1, set())
    assert html.count("<img") == 1 and f"data:image/png;base64,{png}" in html


def test_inline_math_may_wrap_onto_the_next_line_and_bold_letters_are_bold():
    html = markdown_html("so $\\mathbf a^{[1]} = \\mathbf x W_1 +\n\\mathbf b_1$ holds; "
                         "$5 and\n\n6$")
    assert html.count("<math") == 1 and "$" not in html.split("holds")[0]
    assert "\U0001d41a" in html and "\U0001d431" in html and "\U0001d41b" in html  # bold a, x, b
    assert 'mathvariant="bold"' not in html and "$5 and" in html  # never across a blank line


def test_an_image_that_is_never_fetched_shows_its_alt_text():
    html = markdown_html("![the data set](https://example.org/data.png)")
    assert "<img" not in html and "[the data set]" in html


def test_the_colab_badge_of_the_gradebook_copy_is_dropped():
    # the gradebook's badge names a placeholder, not the edition the student used
    badge = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             "(https://colab.research.google.com/github/OWNER/NAME/blob/edition-x/course/a.ipynb)"
             " and [the docs](https://keras.io/)")
    html = markdown_html(badge)
    assert "colab.research.google.com" not in html and "Open In Colab" not in html
    assert '<a href="https://keras.io/"' in html


def test_double_struck_and_bold_letters_are_the_letters_themselves():
    html = markdown_html("$\\mathbf w \\in \\mathbb R^n$, $\\mathbb{Z}$, $\\mathbf 1$")
    assert "\u211d" in html and "\u2124" in html and "\U0001d430" in html  # ℝ, ℤ, bold w
    assert "\U0001d7cf" in html and "mathvariant" not in html  # bold 1


def test_numbers_on_the_page_are_written_in_one_style():
    message = ("  expected: array(0.90514825, shape=(), dtype=float64)\n"
               "  got:      np.float64(1.2615941559557649)\n"
               "  (1 of 1 values differ beyond rtol=1e-09, atol=0; first at index ())")
    tidy = tidy_numbers(message)
    assert "expected: 0.90514825" in tidy and "got:      1.2615941559557649" in tidy
    assert "np.float64" not in tidy and "shape=()" not in tidy and "index ()" not in tidy
    assert tidy_numbers("array([1., 2.], shape=(2,), dtype=float64)") == (
        "array([1., 2.], shape=(2,), dtype=float64)")


def test_a_hidden_failure_names_the_function_and_the_kind_of_input_only():
    check = {"ename": "CheckFailed", "evalue": (
        "sigmoid(z=array([-10000.,   -745.,  709.9], shape=(3,), dtype=float32), g=tanh)\n"
        "Wrong values.\n  expected: array([0.4242, 1.], shape=(3,), dtype=float32)\n"
        "  got:      array([nan, 1., 1.], shape=(3,), dtype=float32)\nHint: exp(-|z|)")}
    line = hidden_failure(check, "sigmoid")
    assert line == ("`sigmoid`: wrong values, for `z` (a 1-D float32 array of shape (3,), with "
                    "extreme values), `g` (a function)")
    mutated = {"ename": "CheckFailed", "evalue": "relu(z=0.25)\nIt changed its input `z` in "
                                                 "place (now 0.3333)."}
    assert hidden_failure(mutated, "relu") == ("`relu`: it changed its input `z` in place, "
                                               "for `z` (a number)")
    own = {"ename": "ValueError", "evalue": "I do not like [-40. -37.5]\n  in your code: "
                                             "sigmoid, line 3: raise ValueError(f'{z}')"}
    assert hidden_failure(own, "sigmoid") == (
        "`sigmoid` raised ValueError on a hidden input (the message is not shown: it could hold "
        "the hidden values)")
    source = ("### BEGIN HIDDEN TESTS\nz = np.linspace(-4.0, 4.0, 6)\nexpect(sigmoid, {\"z\": z}, "
              "[0.5])\nexpect(sigmoid, {\"z\": np.array([-1e4, 0.0],\n    dtype=np.float32)}, "
              "[0.0, 0.5])\n### END HIDDEN TESTS\n")
    own["traceback"] = ["Traceback (most recent call last):", "  test_sigmoid_hidden, line 5",
                        "ValueError: I do not like [-40. -37.5]"]
    assert hidden_failure(own, "sigmoid", source).startswith(
        "`sigmoid` raised ValueError on a hidden input, for `z` (float32, extreme values) (the")
    own["traceback"][1] = "  test_sigmoid_hidden, line 3"
    assert "for `z` (the message" in hidden_failure(own, "sigmoid", source)
    keras_own = {"ename": "ValueError", "evalue": "the layer sequential_2 isn't built"}
    assert hidden_failure(keras_own, "build").startswith(
        "a hidden test of `build` stopped with ValueError (the message is not shown")
    asserted = {"ename": "AssertionError", "evalue": "19896 parameters, expected 20031"}
    assert "20031" not in hidden_failure(asserted, "build")
    compiled = {"ename": "CheckFailed", "evalue": "compile_digit_model(model)\nIts loss on "
                "y_true=[0., 1.], y_pred=[[0.05], [0.6]] is 0.054200; the expected loss gives "
                "0.190723 (loss=mean_squared_error)."}
    assert hidden_failure(compiled, "compile_digit_model") == (
        "`compile_digit_model`: the wrong loss, for `model`")
    forged = {"ename": "<b>x</b> 4.2424", "evalue": "4.2424"}
    assert "4.2424" not in hidden_failure(forged, "sigmoid")


def test_a_page_where_grading_stopped_says_why_and_which_tests_did_not_run():
    notebook = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_code_cell(f"check_{n}()") for n in range(3)]
    for n, cell in enumerate(cells):
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": f"test_{n}",
                                     "points": 2, "score": 2 if n == 0 else 0}
    notebook.cells = cells
    html = feedback_page(notebook, "a", 2, 6, set(),
                         stopped="timeout: cell 1 (test_1) ran over 120 s", stopped_at=1)
    assert "Grading stopped part way" in html and "cell 1 (test_1) ran over 120 s" in html
    assert html.count("Not run: grading stopped at an earlier cell.") == 1
    assert html.index("test_2") < html.index("Not run:")
    assert "Grading stopped" not in feedback_page(notebook, "a", 2, 6, set())


# ------------------------------------------------- pages of a class graded for real (01)
# One small class of 01 goes through grade_class (a sandboxed kernel per student, the tests
# in the checker): the solution; a student whose sigmoid prints its inputs and raises with
# the hidden inputs in its message, whose neuron is wrong (visible and hidden) and whose
# tf_dense fails only the hidden tests (an activation passed as a function is ignored);
# and the blank release.
GRADED = "01_neurons_and_layers"
LEAKY_ANSWERS = {
    "sigmoid": '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    print("sigmoid was given", z.ravel()[:3])
    if z.ndim == 2 and z.shape[0] == 3:
        raise ValueError(f"I do not like {z.ravel()[:4]}")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
''',
    "neuron": '''
def neuron(x, w, b, g):
    return g(np.dot(w, x)) + b
''',
    "tf_dense": '''
def tf_dense(x, W, b, activation):
    layer = keras.layers.Dense(units=W.shape[1],
                               activation=activation if isinstance(activation, str) else None)
    layer.build(input_shape=(None, W.shape[0]))
    layer.set_weights([W, b])
    return layer(x).numpy()
'''}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, dask_cluster):
    from grader.course import RELEASE
    from grader.grade import grade_class
    from grader.release import filled_release
    from grader.sandbox import sandbox_problem

    base = tmp_path_factory.mktemp("graded")
    notebooks = {"ada": filled_release(GRADED), "bo": filled_release(GRADED, LEAKY_ANSWERS),
                 "cy": nbformat.read(RELEASE / GRADED / f"{GRADED}.ipynb", as_version=4)}
    for student, notebook in notebooks.items():
        (base / "submissions" / student).mkdir(parents=True)
        nbformat.write(notebook, base / "submissions" / student / f"{GRADED}.ipynb")
    report = grade_class(GRADED, base / "submissions", out=base / "out", home=base / "home",
                         cluster=dask_cluster.options(), sandbox=sandbox_problem() is None)
    assert [row.status for row in report.rows] == ["graded"] * 3, report.summary()

    def page(student):
        return (base / "out" / "feedback" / student / f"{GRADED}.html").read_text()

    def autograded(student):
        return nbformat.read(base / "home" / "autograded" / student / GRADED / f"{GRADED}.ipynb",
                             as_version=4)

    return {"base": base, "home": base / "home", "out": base / "out", "page": page,
            "autograded": autograded, "report": report}


def _text(html_page: str) -> str:
    import html as html_module

    body = html_page.split("</style>", 1)[1]
    return html_module.unescape(re.sub(r"<[^>]+>", "", body))


def _summary_rows(html_page: str) -> dict[str, list[str]]:
    table = re.search(r'<table class="summary">(.*?)</table>', html_page, re.S)
    assert table, "no summary table"
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows[_text("</style>" + cells[0]).strip()] = cells
    return rows


def test_the_page_opens_with_every_graded_function_its_points_and_what_failed(graded_class):
    page = graded_class["page"]("bo")
    notebook = graded_class["autograded"]("bo")
    scores = {c.metadata.nbgrader.grade_id: (c.metadata.nbgrader.score,
                                             c.metadata.nbgrader.points)
              for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")}
    rows = _summary_rows(page)
    assert list(rows) == ["sigmoid", "neuron", "tf_dense"]
    assert page.index('<table class="summary">') < page.index('class="cell')
    for function, cells in rows.items():
        for column, kind in ((1, "visible"), (2, "hidden")):
            got, points = scores[f"test_{function}_{kind}"]
            assert f"{got:g} / {points:g}" in cells[column], (function, kind)
        for target in re.findall(r'href="#(cell-\d+)"', "".join(cells)):  # every link lands
            assert f'id="{target}"' in page, target
    answer = re.search(r'href="#(cell-\d+)"', rows["neuron"][0]).group(1)
    assert re.search(rf'id="{answer}"><div class="label">your answer: neuron<', page)
    assert "test_neuron_visible" in rows["neuron"][3] and "Wrong value" in rows["neuron"][3]
    assert rows["tf_dense"][3].count("test_tf_dense_hidden") == 1
    assert "all tests passed" in _summary_rows(graded_class["page"]("ada"))["sigmoid"][3]


def test_hidden_tests_name_the_function_and_the_kind_of_input_never_their_values(graded_class):
    notebook = graded_class["autograded"]("bo")
    # what the hidden tests' errors hold (inputs, expected values, the student's message)
    hidden_messages = [o.evalue for c in notebook.cells if c.metadata.get("nbgrader", {}).get(
        "grade_id", "").endswith("_hidden") for o in c.outputs if o.output_type == "error"]
    secrets = {token for message in hidden_messages
               for token in re.findall(r"-?\d+\.\d{3,}(?:e[-+]?\d+)?", message)}
    secrets |= {"I do not like [", "-37.5"}  # the code is on the page, not its message
    printed = [o.text for c in notebook.cells if c.metadata.get("nbgrader", {}).get(
        "grade_id") == "test_sigmoid_hidden" for o in c.outputs if o.output_type == "stream"]
    assert "sigmoid was given [-40." in "".join(printed)  # what it printed, with the inputs
    assert len(hidden_messages) == 3 and len(secrets) > 10  # the baseline holds values
    page = graded_class["page"]("bo")
    text = _text(page)
    assert [s for s in secrets if s in text] == []
    rows = _summary_rows(page)
    assert "sigmoid raised ValueError on a hidden input, for z" in _text(
        "</style>" + rows["sigmoid"][3])
    assert re.search(r"tf_dense</code>: wrong values, for <code>x</code> \(a 2-D", rows[
        "tf_dense"][3]) and "<code>activation</code> (a function)" in rows["tf_dense"][3]
    assert "neuron</code>: wrong values" in rows["neuron"][3] or "test_neuron_visible" in rows[
        "neuron"][3]
    written = (graded_class["out"] / "grades.csv").read_text() + (
        graded_class["out"] / "summary.txt").read_text()
    assert [s for s in secrets if s in written] == []


def test_an_unwritten_exercise_reads_as_in_the_lab_and_links_its_answer_cell(graded_class):
    page = graded_class["page"]("cy")
    text = _text(page)
    assert "NotImplementedError:" not in text and "----> " not in text
    assert "This cell needs neuron and sigmoid, which are not written yet" in text
    assert "in the cell above" not in text
    rows = _summary_rows(page)
    link = re.search(r'in <a href="#(cell-\d+)">its answer cell', rows["sigmoid"][3])
    assert link and re.search(rf'id="{link.group(1)}"><div class="label">your answer: sigmoid<',
                              page)


def test_number_formats_and_the_colab_link_on_a_graded_page(graded_class):
    text = _text(graded_class["page"]("bo"))
    assert "np.float64(" not in text and "shape=()" not in text and "index ()" not in text
    assert "colab.research.google.com" not in graded_class["page"]("bo")
    assert "\u211d" in text  # 01's "w ∈ ℝ^n"


def test_the_formgrader_counts_the_submissions_and_names_every_student(graded_class):
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from grader.course import ROOT, course_id, nbgrader_config, sqlite_url

    home = graded_class["home"]
    config = nbgrader_config(root=str(ROOT), submitted_directory=str(home / "submitted"),
                             autograded_directory=str(home / "autograded"),
                             feedback_directory=str(home / "feedback"),
                             db_url=sqlite_url(home / "gradebook.db"))
    config.CourseDirectory.course_id = course_id()
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    assignment = api.get_assignment(GRADED)
    assert assignment["num_submissions"] == 3
    submissions = {s["student"]: s for s in api.get_submissions(GRADED)}
    report = {row.student_id: row.score for row in graded_class["report"].rows}
    assert {s: (v["autograded"], v["score"]) for s, v in submissions.items()} == {
        s: (True, score) for s, score in report.items()}
    students = {s["id"]: s for s in api.get_students()}
    assert {s: (v["last_name"], v["first_name"], v["email"]) for s, v in students.items()} == {
        s: (s, "", "") for s in report}


def _screenshots_folder(tmp_path):
    folder = os.environ.get("NN_COURSE_SCREENSHOTS")
    return Path(folder) if folder else tmp_path


@needs_chromium
def test_a_graded_page_in_a_browser_puts_the_table_first_and_folds_the_lesson(graded_class,
                                                                               tmp_path):
    shots = _screenshots_folder(tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    measured = {}
    with launched_browser() as browser:
        for student in ("bo", "cy"):
            path = graded_class["out"] / "feedback" / student / f"{GRADED}.html"
            tab = browser.new_page(viewport={"width": 1100, "height": 900})
            tab.goto(path.as_uri())
            table = tab.locator("table.summary").bounding_box()
            folded = tab.evaluate("document.body.scrollHeight")
            tab.screenshot(path=str(shots / f"{GRADED}-{student}-top.png"))
            tab.screenshot(path=str(shots / f"{GRADED}-{student}-folded.png"),
                           full_page=True)
            tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            unfolded = tab.evaluate("document.body.scrollHeight")
            double_struck = tab.evaluate(
                "[...document.querySelectorAll('mi')].some(m => m.textContent === '\u211d')")
            measured[student] = (table, folded, unfolded, double_struck)
            tab.close()
    for student, (table, folded, unfolded, double_struck) in measured.items():
        assert table["y"] + table["height"] < 900, student  # in the first screen
        assert folded < unfolded / 2, (student, folded, unfolded)
        assert double_struck, student
