"""Feedback pages (grader.feedback) are safe to open anywhere, and say what a student needs.

A page made from a hostile notebook is opened in a real browser (Debian's chromium,
driven by Playwright): no dialog may fire and no request may leave the page; the
math of the markdown is rendered (MathML) with no network.
"""

import base64
import os
import re
import shutil

import nbformat
import pytest

from grader.feedback import feedback_page, markdown_html, sanitize, student_traceback

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
    assert "CheckFailed: wrong" in html


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


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None and not os.environ.get("NN_COURSE_REQUIRE_BROWSER"),
                    reason="Debian's chromium is not installed (python3 tasks.py env installs "
                           "it where apt-get needs no password)")
def test_in_a_real_browser_no_dialog_fires_no_request_leaves_and_math_renders(page):
    from playwright.sync_api import sync_playwright

    path, _ = page
    dialogs, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium(), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync"])
        try:
            tab = browser.new_page()
            tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            tab.on("request", lambda request: requests.append(request.url))
            tab.goto(path.as_uri())
            tab.wait_for_timeout(1500)
            for link in tab.locator("a").all():  # even clicked, no link runs code
                link.click(modifiers=["Alt"], timeout=60_000, no_wait_after=True)
            tab.wait_for_timeout(500)
            math = tab.locator("math").count()
            width = tab.evaluate("document.querySelector('math').getBoundingClientRect().width")
        finally:
            browser.close()
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
    badge = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             "(https://colab.research.google.com/github/a/b)")
    html = markdown_html(badge)
    assert "<img" not in html and "[Open In Colab]" in html


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
