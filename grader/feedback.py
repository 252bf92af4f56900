"""Feedback pages: safe to open anywhere, useful to the student, readable offline.

A page is one self-contained HTML file:

- nothing from a submission can run: every markdown cell and every HTML output is
  sanitised on its own with ``nh3`` (no script, event handler, ``javascript:`` URL,
  iframe, form or external resource survives), SVG and images become ``data:`` images,
  and a Content-Security-Policy that allows no script and no network is a second wall;
- it opens with a table of every graded function (visible and hidden points, what
  failed first in one line, links to the cells); the lesson's own cells are folded;
- each test cell is named (``test_sigmoid_visible``) with its points;
- hidden tests show which function failed, the kind of failure and the kind of input
  (shape, dtype, extreme values), never their code, values, or what the student's code
  printed or raised with them (:func:`hidden_failure`);
- a demo cell stopped by an unwritten exercise says so in the lab's one line;
- tracebacks show the student's own lines and the check's message, not the course's
  internals or the instructor's paths;
- math is rendered to MathML when the page is written (``latex2mathml``): no MathJax,
  no CDN, nothing to fetch.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import functools
import html
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import DIAGNOSIS_KEY, HIDDEN_BLOCK, ROOT, nbgrader_meta

# What the pages say, in English; each reader's language is read from the notebook handed
# in, and its words come from i18n/<language>/feedback.po (``say``). Values are filled in
# with str.format: names of functions and cells, numbers, never translated.
WORDS = {
    "title": "{assignment}: feedback",
    "feedback for": "Feedback for <b>{student}</b>",
    "score": "Score: {score} / {max_score}",
    "not graded": "Not graded",
    "stopped": "<b>Grading stopped part way</b>: {why}. The tests after that cell did not "
               "run, so they score 0 even where your answer may be right. Make that cell "
               "finish quickly (look for an endless loop), then check the notebook with Run "
               "All.",
    "notes": "<b>Notes from the grader</b> (what it changed or refused before running your "
             "notebook):",
    "not gradable": "<b>Your submission could not be graded</b> ({status}): {detail}.<br>Hand "
                    "in the notebook itself, named <code>{notebook}</code>, as saved by "
                    "JupyterLab or Colab (File &gt; Download .ipynb).",
    "column function": "function",
    "column visible": "visible tests",
    "column hidden": "hidden tests",
    "column failed": "what failed first",
    "all passed": "all tests passed",
    "summary note": "Hidden tests say which function failed and on what kind of input "
                    "(shape, dtype, extreme values), never the values: fix the function for "
                    "every input its description allows, not for one case.",
    "same numbers": "Your answer gives the same numbers as each of these known mistakes:",
    "as graded": "Your notebook, as graded",
    "points": "{score} / {points} points",
    "your answer": "your answer: {grade_id}",
    "not run": "Not run: grading stopped at an earlier cell.",
    "lesson cell": "{count} cell of the lesson (text, demos and figures, as they ran)",
    "lesson cells": "{count} cells of the lesson (text, demos and figures, as they ran)",
    "hidden code": "# (hidden tests: their code is not shown)",
    "its answer cell": "in its answer cell, {function}",
    "needs one": "This cell needs {name}, which is not written yet: replace "
                 "<code>raise NotImplementedError()</code> in its cell, then run this cell "
                 "again.",
    "needs several": "This cell needs {names} and {last}, which are not written yet: replace "
                     "<code>raise NotImplementedError()</code> in their cells, then run this "
                     "cell again.",
    "outcome not run": "not run: grading stopped at an earlier cell",
    "outcome stderr": "it wrote to stderr (a warning?): a test cell that does earns no points",
    "outcome failed": "did not pass",
    "hidden not written": "`{function}` is not written yet",
    "hidden too slow": "`{function}` ran past the time allowed (an endless loop, or far too "
                       "slow)",
    "hidden check": "`{function}`: {problem}",
    "for inputs": ", for {inputs}",
    "withheld": " (the message is not shown: it could hold the hidden values)",
    "hidden raised": "`{function}` raised {kind} on a hidden input{withheld}",
    "hidden assertion": "`{function}` failed a check of a hidden test{withheld}",
    "hidden stopped": "a hidden test of `{function}` stopped with {kind}{withheld}",
    "an exception": "an exception",
    # what kind of failure and of input a hidden test met (never its values)
    "problem warned": "NumPy warned ({warning})",
    "problem changed input": "it changed its input `{name}` in place",
    "problem wrong values": "wrong values",
    "problem wrong value": "a wrong value",
    "problem wrong shape": "wrong shape",
    "problem results": "wrong number of results",
    "problem none": "it returned None",
    "problem dtype": "wrong dtype",
    "problem loss": "the wrong loss",
    "problem optimizer": "the wrong optimizer",
    "problem learning rate": "the wrong learning rate",
    "problem layers": "the wrong layers",
    "problem input shape": "the wrong input shape",
    "problem no input": "a model with no input shape",
    "problem compiled": "a model already compiled",
    "problem not compiled": "a model not compiled",
    "problem activation": "a layer with the wrong activation",
    "problem integers": "wrong dtype (integers where floats were expected)",
    "problem whole number": "wrong dtype (expected a whole number)",
    "problem tensor": "it returned a tensor, not a NumPy array",
    "problem type": "it returned the wrong type",
    "problem other": "a wrong result",
    "input array": "a {ndim}-D {dtype}array",
    "input shape": " of shape ({shape})",
    "input number": "a number",
    "input list": "a list",
    "input tuple": "a tuple",
    "input string": "a string",
    "input dict": "a dict",
    "input function": "a function",
    "input constant": "a constant",
    "input object": "an object",
    "input extreme": ", with extreme values",
    "extreme values": "extreme values",
}
LANGUAGE = contextvars.ContextVar("feedback_language", default="en")


@functools.cache
def _words(language: str) -> dict[str, str]:
    """key -> this language's wording, for the words translated for their English as it is
    (others stay English)."""
    if language == "en":
        return {}
    from .i18n import FEEDBACK, current

    wording = current(FEEDBACK, language)
    return {key: wording[english] for key, english in WORDS.items() if english in wording}


def say(key: str, **values) -> str:
    """The page's words ``key`` in the reader's language (``LANGUAGE``), values filled in."""
    template = _words(LANGUAGE.get()).get(key, WORDS[key])
    return template.format(**values) if values else template


HIDDEN_NOTE = WORDS["hidden code"]
# frame-ancestors is left out: browsers ignore it in a <meta> tag (and say so)
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# $$display$$, or $inline$ (which may wrap onto the next line, never across a blank one)
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)((?:[^$\n]|\n(?![ \t]*\n))+?)(?<!\s)\$",
                  re.S)
# latex2mathml writes \mathbb R (no braces) and \mathbf x as a letter with a mathvariant
VARIANT_LETTERS = re.compile(
    r'<(mi|mn) mathvariant="(bold|double-struck|script|fraktur)">([A-Za-z0-9]+)</(?:mi|mn)>')
# The instructor's folders, as given and as resolved, longest first (a folder inside
# another is replaced whole); a student's code can print them (sys.path, /proc's mount
# list), so whatever prints them, the page shows a placeholder.
PRIVATE_PATHS = tuple(sorted({str(path) for folder in (ROOT, sys.prefix, sys.base_prefix,
                                                       tempfile.gettempdir())
                              for path in (Path(folder), Path(folder).resolve())
                              if str(path) not in ("/", "/tmp", "/usr")},
                             key=len, reverse=True))
KERNEL_FOLDER = re.compile(r"/[^\s'\"<>]*?nn-grader-[a-z]+-[A-Za-z0-9_]+")
MATHML_TAGS = {"math", "mi", "mn", "mo", "ms", "mspace", "mtext", "mrow", "mfrac", "msqrt",
               "mroot", "msub", "msup", "msubsup", "munder", "mover", "munderover", "mtable",
               "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "semantics",
               "annotation"}
HTML_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd",
             "del", "details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6",
             "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "samp", "small",
             "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
             "thead", "tr", "u", "ul"}
ATTRIBUTES = {"*": {"title", "align", "colspan", "rowspan", "mathvariant"}, "a": {"href"},
              "img": {"src", "alt", "width", "height"}, "math": {"display"},
              "mo": {"stretchy", "fence", "separator", "lspace", "rspace"},
              "mstyle": {"displaystyle", "scriptlevel"}, "mspace": {"width"},
              "mfrac": {"linethickness"}, "mtd": {"columnalign"}, "mtable": {"columnalign"}}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1f2328; line-height: 1.45; }
header { border-bottom: 2px solid #d0d7de; margin-bottom: 1.5rem; }
.score { font-size: 1.3rem; font-weight: 600; }
.cell { margin: 1rem 0; }
.cell.graded { border-left: 4px solid #1a7f37; padding-left: .75rem; }
.cell.graded.failed { border-left-color: #cf222e; }
.label { font: 600 .85rem ui-monospace, monospace; color: #57606a; }
.label .points { float: right; }
pre { background: #f6f8fa; padding: .6rem .8rem; overflow-x: auto; border-radius: 6px;
      font: .85rem/1.4 ui-monospace, monospace; white-space: pre-wrap; }
pre.stderr { background: #fff1f0; }
pre.error { background: #ffebe9; color: #82071e; }
.notes { background: #fff8c5; padding: .5rem 1rem; border-radius: 6px; margin: .5rem 0; }
.notes.stopped { background: #ffebe9; }
.image-alt { color: #57606a; font-size: .85rem; }
.not-run { color: #82071e; font-style: italic; margin: .2rem 0; }
img { max-width: 100%; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: .2rem .5rem; }
table.summary { width: 100%; margin: 1rem 0 .3rem; font-size: .92rem; }
table.summary th { background: #f6f8fa; text-align: left; }
table.summary td.ok { background: #dafbe1; white-space: nowrap; }
table.summary td.lost { background: #ffebe9; white-space: nowrap; }
.summary-note { color: #57606a; font-size: .85rem; margin-top: 0; }
.diagnosis { background: #fff8c5; border-left: 3px solid #bf8700; padding: .3rem .6rem;
             margin: .3rem 0; }
.diagnosis ul { margin: .2rem 0; }
h2 { border-bottom: 1px solid #d0d7de; margin-top: 2rem; }
details.lesson { margin: .6rem 0; padding: .3rem .6rem; background: #f6f8fa; border-radius: 6px; }
details.lesson > summary { cursor: pointer; color: #57606a; font-size: .9rem; }
"""


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":  # images only as data, never fetched
        return value if re.match(r"data:image/(png|jpeg|gif);base64,", value) else None
    return value


def sanitize(fragment: str) -> str:
    """``fragment`` with only harmless HTML and MathML left (see the module docstring)."""
    import nh3

    clean = nh3.clean(fragment, tags=HTML_TAGS | MATHML_TAGS, attributes=ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer",
                      attribute_filter=_keep_attribute, strip_comments=True)
    return UNFETCHED_IMAGE.sub(_image_alt, clean)


# an image whose source was removed (never fetched), e.g. the Colab badge: shown as its alt text
UNFETCHED_IMAGE = re.compile(r"<img\b(?![^>]*\ssrc=)([^>]*)>")


def _image_alt(match: re.Match) -> str:
    alt = re.search(r'\salt="([^"]*)"', match.group(1))
    return f'<span class="image-alt">[{alt.group(1) if alt else "image"}]</span>'


def _math(latex: str, display: bool) -> str:
    from latex2mathml.converter import convert

    try:
        mathml = convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - shown as source when it cannot be converted
        return f"<code>{html.escape(latex)}</code>"
    # Browsers ignore mathvariant (MathML Core): use the styled letters themselves (𝐰, ℝ)
    return VARIANT_LETTERS.sub(
        lambda m: f"<{m.group(1)}>" + "".join(_styled(m.group(2), c) for c in m.group(3))
        + f"</{m.group(1)}>", mathml)


def _styled(variant: str, character: str) -> str:
    """``character`` (a Latin letter or digit) in a mathematical style: 𝐚, ℝ, ℒ, 𝔉."""
    import unicodedata

    style = variant.upper()
    kind = (f"DIGIT {unicodedata.name(character).split()[-1]}" if character.isdigit() else
            f"{'CAPITAL' if character.isupper() else 'SMALL'} {character.upper()}")
    for name in (f"MATHEMATICAL {style} {kind}", f"{style} {kind}",
                 f"BLACK-LETTER {kind}" if variant == "fraktur" else ""):
        try:
            return unicodedata.lookup(name)
        except KeyError:
            continue
    return character


def markdown_html(source: str) -> str:
    """A markdown cell as sanitised HTML, its math as MathML."""
    import mistune

    formulas: list[str] = []

    def hold(match: re.Match) -> str:
        display = match.group(1) is not None
        formulas.append(_math(match.group(1) if display else match.group(2), display))
        return f"MATHPLACEHOLDER{len(formulas) - 1}X"

    text = mistune.html(MATH.sub(hold, source))
    text = re.sub(r"MATHPLACEHOLDER(\d+)X", lambda m: formulas[int(m.group(1))], text)
    return COLAB_LINK.sub("", sanitize(text))


# The badge of the gradebook's copy names no edition (a placeholder): it is dropped
COLAB_LINK = re.compile(r'<a href="https://colab\.research\.google\.com/[^"]*"[^>]*>.*?</a>',
                        re.S)


def _public(text: str) -> str:
    """Text without the instructor's paths and terminal colours."""
    text = KERNEL_FOLDER.sub("<kernel folder>", ANSI.sub("", text))
    for path in PRIVATE_PATHS:
        text = text.replace(path, "<course>")
    return text


def student_traceback(lines: list[str]) -> str:
    """An IPython traceback kept to the student's own frames and the exception."""
    frames = [ANSI.sub("", line) for line in lines]
    kept = [frame for frame in frames[:-1]
            if not frame.startswith("File ") and "site-packages" not in frame
            and not any(path in frame for path in PRIVATE_PATHS)
            and "Traceback (most recent call last)" not in frame and not set(frame) <= {"-"}]
    return _public("\n".join([*kept, *frames[-1:]]))


def _pre(text: str, css: str) -> str:
    return f'<pre class="{css}">{html.escape(text)}</pre>'


def _output_html(output: dict, hidden: bool) -> str:
    kind = output.get("output_type")
    if kind == "error" and hidden:  # its message may hold the hidden values: never shown
        ename = str(output.get("ename", ""))
        return _pre(f"{ename if IDENTIFIER.fullmatch(ename) else 'Error'}: a hidden test failed "
                    "(its message is not shown)", "error")
    if kind == "error":
        return _pre(tidy_numbers(student_traceback([str(line) for line in output.get(
            "traceback", [])]) or f"{output.get('ename')}: {output.get('evalue')}"), "error")
    if hidden:
        return ""
    if kind == "stream":
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        return _pre(_public(str(output.get("text", ""))), name)
    data = output.get("data", {}) if kind in ("display_data", "execute_result") else {}
    for mime in IMAGE_TYPES:
        if isinstance(data.get(mime), str):
            payload = data[mime].replace("\n", "")
            try:
                base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                continue
            return f'<img src="data:{mime};base64,{payload}" alt="a figure">'
    if isinstance(data.get("image/svg+xml"), str):  # as an image: its scripts never run
        svg = base64.b64encode(data["image/svg+xml"].encode()).decode()
        return f'<img src="data:image/svg+xml;base64,{svg}" alt="a figure">'
    if isinstance(data.get("text/html"), str):
        return f'<div class="html-output">{sanitize(_public(data["text/html"]))}</div>'
    if isinstance(data.get("text/plain"), str):
        return _pre(_public(data["text/plain"]), "stdout")
    return ""


# ------------------------------------------------------------- what failed, in one line

def tidy_numbers(text: str) -> str:
    """Numbers in one style: ``np.float64(0.5)`` and ``array(0.5, shape=(), ...)`` as
    ``0.5``; no "first at index ()" for a single number."""
    text = NUMPY_SCALAR.sub(r"\1", text)
    text = ZERO_D_ARRAY.sub(r"\1", text)
    return text.replace("; first at index ())", ")")


NUMPY_SCALAR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool_?)\d*\(([^()]*)\)")
ZERO_D_ARRAY = re.compile(r"\barray\(([^()\[\],]*), shape=\(\), dtype=\w+\)")
# the line of a check's message that says what was wrong (the lines before it are the call)
PROBLEM_LINE = re.compile(r"^(?:result \d+: )?(?:Wrong value|Expected |It |Its |The model |"
                          r"Layer \d|NumPy warned)")
NUMPY_WARNING = re.compile(r"NumPy warned during the call: ((?:overflow|underflow|divide by "
                           r"zero|invalid value) encountered in \w+)")
IDENTIFIER = re.compile(r"[A-Za-z_]\w{0,60}")
UNWRITTEN_WHERE = "in the cell above"
# helpers.checks.not_written_message's lines, as its catalogue knows them
NOT_WRITTEN_ABOVE = ("{name} is not written yet: replace raise NotImplementedError() in the "
                     "cell above.")
NOT_WRITTEN_ANYWHERE = "{name} is not written yet: replace raise NotImplementedError() {where}."


def _message_parts(message: str) -> tuple[str, list[str]]:
    """A check's message as (the call it made, the lines after it)."""
    problem_line = _check_words(LANGUAGE.get())[0]
    lines = message.splitlines()
    for index, line in enumerate(lines):
        if index and problem_line.match(line):
            return "\n".join(lines[:index]), lines[index:]
    return (lines[0] if lines else ""), lines[1:]


@functools.lru_cache(maxsize=8)
def _check_words(language: str) -> tuple[re.Pattern, str, str]:
    """How the checks (``helpers.checks``) start a problem's line and a hint's, and say "in
    the cell above", in ``language``: PROBLEM_LINE, and each translation of a message it
    matches up to the message's first {field}."""
    if language == "en":
        return PROBLEM_LINE, "Hint: ", UNWRITTEN_WHERE
    from helpers.i18n import catalogue

    messages = catalogue(language)
    starts = sorted({re.escape(text.split("{")[0]) for english, text in messages.items()
                     if PROBLEM_LINE.match(english) and text.split("{")[0].strip()}, key=len,
                    reverse=True)
    result = re.escape(messages.get("result {index}", "result {index}")).replace(
        re.escape("{index}"), r"\d+")
    hint = messages.get("Hint: {hint}", "Hint: {hint}").split("{")[0]
    translated = re.compile(rf"^(?:{result}: )?(?:{'|'.join(starts)})") if starts else None
    # "in the cell above": the not-written line said there, less the line said {where}
    anywhere = messages.get(NOT_WRITTEN_ANYWHERE, "").split("{where}")
    above = messages.get(NOT_WRITTEN_ABOVE, "")
    where = UNWRITTEN_WHERE
    if len(anywhere) == 2 and above.startswith(anywhere[0]) and above.endswith(anywhere[1]):
        where = above[len(anywhere[0]):len(above) - len(anywhere[1])].strip() or where
    return (re.compile(f"{PROBLEM_LINE.pattern}|{translated.pattern}") if translated
            else PROBLEM_LINE), hint, where


def _split_arguments(text: str) -> list[str]:
    """``a=1, b=array([1, 2], shape=(2,), dtype=int64)`` as ``["a=1", "b=array(...)"]``.

    Split where ``, name=`` starts an argument (a long value is cut with "..." and its
    brackets left open, so they cannot be counted)."""
    starts = [0] + [m.start() + 2 for m in ARGUMENT_START.finditer(text)]
    ends = [*starts[1:], len(text)]
    return [text[a:b].strip().rstrip(",") for a, b in zip(starts, ends, strict=True)
            if text[a:b].strip()]


ARGUMENT_START = re.compile(r", (?!shape=|dtype=)\w+=")


def _input_kind(value: str) -> str:
    """What kind of input a shown value is (a 2-D float32 array of shape (3, 4), with
    extreme values), never the values."""
    value = value.strip()
    shape = re.search(r"shape=\(([\d, ]*)\)", value)
    dtype = re.search(r"dtype=(\w+)", value)
    numbers = re.sub(r"(shape|dtype)=\S*", "", value)
    magnitudes = [abs(float(n)) for n in re.findall(
        r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", numbers)]
    extreme = any(m >= 100 for m in magnitudes) or re.search(r"\binf\b", numbers)
    if value.startswith("array("):
        ndim = len(re.match(r"array\((\[*)", value).group(1))
        text = say("input array", ndim=ndim, dtype=f"{dtype.group(1)} " if dtype else "")
        text += say("input shape", shape=shape.group(1)) if shape else ""
    elif re.fullmatch(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|np\.\w+\(.*\)|[-+]?inf|nan",
                      value):
        text = say("input number")
    elif value[:1] in "[(":
        text = say("input list") if value[:1] == "[" else say("input tuple")
    elif value[:1] in "'\"":
        return say("input string")
    elif value[:1] == "{":
        return say("input dict")
    elif IDENTIFIER.fullmatch(value):
        return say("input function") if value not in ("True", "False", "None") else say(
            "input constant")
    else:
        return say("input object")
    return text + (say("input extreme") if extreme else "")


def _hidden_inputs(call: str, function: str) -> str:
    """The arguments of a check's call, each by kind: "`z` (a 2-D float64 array ...)"."""
    match = re.match(rf"{re.escape(function)}\((.*)\)\s*$", call.strip(), re.S) or re.match(
        r"\w+\((.*)\)\s*$", call.strip(), re.S)
    if match is None:
        return ""
    kinds = []
    for argument in _split_arguments(match.group(1)):
        name, _, value = argument.partition("=")
        if IDENTIFIER.fullmatch(name.strip()):
            kinds.append(f"`{name.strip()}`" + (f" ({_input_kind(value)})" if value else ""))
    return ", ".join(kinds)


def _hidden_problem(lines: list[str]) -> str:
    """The kind of failure a check's message names, in words that hold no values."""
    problem = lines[0] if lines else ""
    problem = re.sub(r"^result (\d+): ", "", problem)
    warned = NUMPY_WARNING.search(problem)
    changed = re.match(r"It changed its input `(\w+)` in place", problem)
    if warned:
        return say("problem warned", warning=warned.group(1))
    if changed:
        return say("problem changed input", name=changed.group(1))
    for start, key in (("Wrong values", "wrong values"), ("Wrong value", "wrong value"),
                       ("Expected a scalar", "wrong shape"), ("Expected shape", "wrong shape"),
                       ("Expected a tuple", "results"), ("It returned None", "none"),
                       ("It returned values of dtype", "dtype"),
                       ("Expected a whole number", "dtype")):
        if problem.startswith(start) or start in problem:
            return say(f"problem {key}")
    for start, key in (("Its loss", "loss"), ("Its optimizer", "optimizer"),
                       ("Its learning rate", "learning rate"), ("Its layers", "layers"),
                       ("Its input shape", "input shape"), ("The model has no input", "no input"),
                       ("The model is already compiled", "compiled"),
                       ("The model is not compiled", "not compiled"),
                       ("The model it returned is not", "not compiled")):
        if problem.startswith(start):
            return say(f"problem {key}")
    if re.match(r"Layer \d+ \(\d+ units\) does not apply", problem):
        return say("problem activation")
    if "integers where floats" in problem:
        return say("problem integers")
    if "expected a whole number" in problem:
        return say("problem whole number")
    if "not a NumPy array" in problem:
        return say("problem tensor")
    if problem.startswith("It returned a "):
        return say("problem type")
    return say("problem other")


def _statement_inputs(source: str, traceback_lines: list, function: str) -> str:
    """The inputs of the test statement an error stopped at, read from the test's own
    code (trusted), by name and by what the code shows of their kind: a dtype it names,
    extreme literals (|x| >= 100, inf). ``traceback_lines`` is the checker's traceback,
    whose first ``<label>, line N`` is that statement."""
    import ast

    found = next((re.search(r", line (\d+)$", str(line)) for line in traceback_lines
                  if re.search(r"^  \w+, line \d+$", str(line))), None)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    if found is None:
        return ""
    line = int(found.group(1))
    statement = next((node for node in tree.body
                      if node.lineno <= line <= (node.end_lineno or node.lineno)), None)
    for call in ast.walk(statement) if statement is not None else ():
        if (isinstance(call, ast.Call) and len(call.args) >= 2
                and isinstance(call.args[0], ast.Name) and call.args[0].id == function
                and isinstance(call.args[1], ast.Dict)):
            described = []
            for key, value in zip(call.args[1].keys, call.args[1].values, strict=True):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)
                        and IDENTIFIER.fullmatch(key.value)):
                    continue
                hints = sorted({node.attr for node in ast.walk(value) if isinstance(
                    node, ast.Attribute) and re.fullmatch(r"(float|int|uint)\d+", node.attr)})
                numbers = [node.value for node in ast.walk(value) if isinstance(
                    node, ast.Constant) and isinstance(node.value, (int, float))
                    and not isinstance(node.value, bool)]
                if any(abs(n) >= 100 for n in numbers) or any(
                        isinstance(n, ast.Attribute) and n.attr == "inf" for n in ast.walk(value)):
                    hints.append(say("extreme values"))
                described.append(f"`{key.value}`" + (f" ({', '.join(hints)})" if hints else ""))
            return ", ".join(described)
    return ""


def hidden_failure(output: dict, function: str, source: str = "") -> str:
    """What a hidden test's error may tell: the function, the kind of failure and of input.

    Never the message itself: it holds the hidden inputs and expected values, and an
    exception the student's code raised may carry the inputs it was given. ``source``,
    the test cell's code, names the inputs of the statement that failed.
    """
    ename = str(output.get("ename", ""))
    if ename in ("NotWritten", "NotImplementedError"):
        return say("hidden not written", function=function)
    if ename == "BridgeTimeout":
        return say("hidden too slow", function=function)
    if ename == "CheckFailed":
        call, lines = _message_parts(str(output.get("evalue", "")))
        inputs = _hidden_inputs(call, function)
        return say("hidden check", function=function, problem=_hidden_problem(lines)) + (
            say("for inputs", inputs=inputs) if inputs else "")
    kind = ename if IDENTIFIER.fullmatch(ename) and ename not in ("StudentCodeError",) else (
        say("an exception"))
    inputs = _statement_inputs(source, output.get("traceback") or [], function)
    withheld = (say("for inputs", inputs=inputs) if inputs else "") + say("withheld")
    if "\n  in your code: " in str(output.get("evalue", "")):  # the student's own exception
        return say("hidden raised", function=function, kind=kind, withheld=withheld)
    if kind == "AssertionError":  # an assertion of the test itself
        return say("hidden assertion", function=function, withheld=withheld)
    return say("hidden stopped", function=function, kind=kind, withheld=withheld)


def visible_failure(output: dict) -> str:
    """A visible test's error in one line: the check's problem and hint, or the exception."""
    ename, evalue = str(output.get("ename", "")), _public(str(output.get("evalue", "")))
    if ename == "NotWritten":
        return evalue.splitlines()[0] if evalue else "not written yet"
    if ename == "CheckFailed":
        _, lines = _message_parts(evalue)
        problem = next((line for line in lines if line.strip()), "")
        hint = next((line for line in lines if line.startswith(
            ("Hint: ", _check_words(LANGUAGE.get())[1]))), "")
        return tidy_numbers(" ".join(filter(None, [problem, hint])))
    first = evalue.splitlines()[0] if evalue else ""
    return f"{ename}: {first}" if first else ename


def _shorten(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3].rsplit(" ", 1)[0] + "..."


# ----------------------------------------------------------------- the cells, as graded

@dataclass
class TestCell:
    grade_id: str
    index: int
    points: float
    score: float
    hidden: bool
    outcome: str          # one line: what failed, or "" when it passed
    diagnosis: list = field(default_factory=list)  # [[mistake, sentence]] the answer agrees with


@dataclass
class GradedFunction:
    name: str             # the answer cell's grade id (the function's name)
    index: int | None     # the answer cell
    tests: list[TestCell] = field(default_factory=list)

    def points(self, hidden: bool) -> tuple[float, float] | None:
        tests = [t for t in self.tests if t.hidden == hidden]
        return (sum(t.score for t in tests), sum(t.points for t in tests)) if tests else None


def _answer_functions(notebook) -> dict[str, int]:
    """Answer cells by their grade id and by every function they define -> cell index."""
    found = {}
    for index, cell in enumerate(notebook.cells):
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            found.setdefault(str(meta.get("grade_id")), index)
            for name in re.findall(r"^def (\w+)\s*\(", cell.source, re.M):
                found.setdefault(name, index)
    return found


def _unwritten(notebook) -> set[str]:
    """The functions whose answer cell still raises NotImplementedError (the stub)."""
    names = set()
    for cell in notebook.cells:
        if nbgrader_meta(cell).get("solution") and "raise NotImplementedError()" in cell.source:
            names.update(re.findall(r"^def (\w+)\s*\(", cell.source, re.M))
    return names


def graded_functions(notebook, hidden: set[str], stopped_at: int | None = None
                     ) -> list[GradedFunction]:
    """Every graded function with its test cells (``test_<name>_visible/_hidden``, or the
    tests after its answer cell), each with its points and one line on what failed."""
    answers = _answer_functions(notebook)
    functions: dict[str, GradedFunction] = {}
    diagnosed: dict[str, list | None] = {}
    last_answer = None
    for index, cell in enumerate(notebook.cells):
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            last_answer = str(meta.get("grade_id"))
            functions.setdefault(last_answer, GradedFunction(last_answer, index))
            continue
        if not meta.get("grade") or cell.cell_type != "code":
            continue
        grade_id = str(meta.get("grade_id"))
        named = re.fullmatch(r"test_(.+)_(visible|hidden)", grade_id)
        owner = named.group(1) if named and named.group(1) in answers else (
            last_answer or (named.group(1) if named else grade_id))
        function = functions.setdefault(owner, GradedFunction(owner, answers.get(owner)))
        points, score = float(meta.get("points", 0)), float(meta.get("score", 0))
        is_hidden = grade_id in hidden
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        outcome = ""
        if stopped_at is not None and index > stopped_at:
            outcome = say("outcome not run")
        elif errors:
            outcome = (hidden_failure(errors[0], owner, cell.source) if is_hidden
                       else visible_failure(errors[0]))
        elif score < points:
            wrote = any(o.get("name") == "stderr" for o in cell.get("outputs", []))
            outcome = say("outcome stderr") if wrote else say("outcome failed")
        function.tests.append(TestCell(grade_id, index, points, score, is_hidden,
                                       _shorten(outcome)))
        diagnosed[grade_id] = _diagnosis(cell) if outcome else None
    for function in functions.values():
        _final_diagnosis(function, diagnosed)
    return [f for f in functions.values() if f.tests]


def _diagnosis(cell) -> list[list[str]] | None:
    """The catalogued mistakes a failed test cell's answer agrees with (set by the grader);
    None where the grader did not diagnose that cell."""
    found = cell.get("metadata", {}).get(DIAGNOSIS_KEY)
    pairs = found.get("mistakes") if isinstance(found, dict) else None
    if not isinstance(pairs, list):
        return None
    return [[str(p[0]), str(p[1])] for p in pairs
            if isinstance(p, (list, tuple)) and len(p) == 2]


def _final_diagnosis(function: GradedFunction, diagnosed: dict[str, list | None]) -> None:
    """Give each failed test of ``function`` the function's last diagnosis: the grader
    replays all the calls so far at every failing cell, so the last one has seen most."""
    final = next((diagnosed[t.grade_id] for t in reversed(function.tests)
                  if diagnosed.get(t.grade_id) is not None), None) or []
    for test in function.tests:
        test.diagnosis = final if test.outcome else []


def diagnosis_html(test: TestCell) -> str:
    """The sentence naming the student's mistake (several when several give the same
    numbers), or "" when none was diagnosed."""
    sentences = [message for _, message in test.diagnosis if message]
    if not sentences:
        return ""
    if len(sentences) == 1:
        return f'<p class="diagnosis">{_with_code(sentences[0])}</p>'
    items = "".join(f"<li>{_with_code(s)}</li>" for s in sentences)
    return f'<div class="diagnosis">{say("same numbers")}<ul>{items}</ul></div>'


def _link(index: int | None, text: str) -> str:
    return text if index is None else f'<a href="#cell-{index}">{text}</a>'


def _with_code(text: str) -> str:
    """Escaped text with `backticks` as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _answer_link(text: str, function: GradedFunction | None) -> str:
    """A message's "in the cell above" (said in the lab, under the test) as a link to
    the answer cell, which on this page is not the cell above."""
    escaped = _with_code(text)
    where = _check_words(LANGUAGE.get())[2]
    if function is None or function.index is None or where not in text:
        return escaped
    link = say("its answer cell", function=f"<code>{html.escape(function.name)}</code>")
    return escaped.replace(where, link.replace(
        link[link.index(" ") + 1:], _link(function.index, link[link.index(" ") + 1:]), 1))


def summary_table(functions: list[GradedFunction]) -> str:
    """The page's first table: each graded function, its visible and hidden points, and
    what failed first, each linking to its cell."""
    def points(function: GradedFunction, hidden: bool) -> str:
        got = function.points(hidden)
        if got is None:
            return "<td>-</td>"
        test = next(t for t in function.tests if t.hidden == hidden)
        css = "ok" if got[0] >= got[1] else "lost"
        return f'<td class="{css}">{_link(test.index, f"{got[0]:g} / {got[1]:g}")}</td>'

    rows = []
    for function in functions:
        failed = [t for t in function.tests if t.outcome]
        if failed:
            first = failed[0]
            what = (f'{_link(first.index, html.escape(first.grade_id))}: '
                    + _answer_link(first.outcome, function)
                    + diagnosis_html(first))
        else:
            what = say("all passed")
        rows.append(f"<tr><td>{_link(function.index, f'<code>{html.escape(function.name)}</code>')}"
                    f"</td>{points(function, False)}{points(function, True)}<td>{what}</td></tr>")
    heads = "".join(f"<th>{say(key)}</th>" for key in ("column function", "column visible",
                                                        "column hidden", "column failed"))
    return (f'<table class="summary"><thead><tr>{heads}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>"
            f'<p class="summary-note">{say("summary note")}</p>')


def _demo_unwritten(cell, unwritten: set[str], answers: dict[str, int]) -> str | None:
    """The lab's one line for a demo cell that stopped on an unwritten exercise, or None."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors or errors[0].get("ename") not in ("NotImplementedError", "NotWritten"):
        return None
    frames = re.findall(r", in (\w+)", ANSI.sub("", "\n".join(map(str, errors[0].get(
        "traceback", [])))))
    raised = next((name for name in reversed(frames) if name in unwritten), None)
    if raised is None:
        return None
    needed = re.findall(r"[\"'](\w+)[\"']", "".join(re.findall(r"needs\(([^)]*)\)",
                                                              cell.source)))
    missing = [raised] + [name for name in needed if name in unwritten and name != raised]

    def named(name: str) -> str:
        return _link(answers.get(name), f"<code>{html.escape(name)}</code>")

    if len(missing) == 1:
        text = say("needs one", name=named(raised))
    else:
        text = say("needs several", names=", ".join(named(n) for n in missing[:-1]),
                   last=named(missing[-1]))
    return f'<pre class="stderr">{text}</pre>'


def feedback_page(notebook: nbformat.NotebookNode, assignment: str, score: float,
                  max_score: float, hidden: set[str], student: str = "",
                  notes: list[str] = (), stopped: str = "",
                  stopped_at: int | None = None, language: str = "en") -> str:
    """The feedback page of a graded notebook (test cells carry their scores).

    First a table of the graded functions (points, what failed, links to the cells),
    then the notebook as graded. ``stopped`` says why grading stopped part way (a
    timeout, the memory limit...) and ``stopped_at`` is the index of that cell: the
    cells after it did not run. The page's own words are in ``language``, the notebook's.
    """
    token = LANGUAGE.set(language)
    try:
        return _feedback_page(notebook, assignment, score, max_score, hidden, student, notes,
                              stopped, stopped_at)
    finally:
        LANGUAGE.reset(token)


def _feedback_page(notebook, assignment, score, max_score, hidden, student, notes, stopped,
                   stopped_at) -> str:
    parts = [_header(assignment, student, say("score", score=f"{score:g}",
                                              max_score=f"{max_score:g}"))]
    if stopped:
        parts.append(f'<div class="notes stopped">{say("stopped", why=html.escape(stopped))}'
                     "</div>")
    if notes:
        items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
        parts.append(f'<div class="notes">{say("notes")}<ul>{items}</ul></div>')
    functions = graded_functions(notebook, hidden, stopped_at)
    if functions:
        parts.append(summary_table(functions))
    parts.append(f"<h2>{say('as graded')}</h2>")
    lesson: list[str] = []  # the course's own cells that ran as they should: folded away
    by_test = {t.grade_id: (f, t) for f in functions for t in f.tests}
    answers, unwritten = _answer_functions(notebook), _unwritten(notebook)
    for index, cell in enumerate(notebook.cells):
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if cell.cell_type == "markdown":
            lesson.append(f'<div class="cell markdown">{markdown_html(cell.source)}</div>')
            continue
        if cell.cell_type != "code":
            continue
        is_hidden = grade_id in hidden
        source = (HIDDEN_BLOCK.sub(say("hidden code") + "\n", cell.source) if is_hidden
                  else cell.source)
        graded = bool(meta.get("grade")) and not meta.get("solution")
        css, label = "cell code", ""
        if graded:
            got, points = float(meta.get("score", 0)), float(meta.get("points", 0))
            css += " graded" + (" failed" if got < points else "")
            shown_points = say("points", score=f"{got:g}", points=f"{points:g}")
            label = (f'<div class="label">{html.escape(grade_id)}'
                     f'<span class="points">{shown_points}</span></div>')
        elif meta.get("solution"):
            label = f'<div class="label">{say("your answer", grade_id=html.escape(grade_id))}</div>'
        demo = None if graded else _demo_unwritten(cell, unwritten, answers)
        outputs = ""
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and graded and grade_id in by_test:
                function, test = by_test[grade_id]
                outputs += (f'<pre class="error">{_answer_link(test.outcome, function)}</pre>'
                            if is_hidden or output.get("ename") == "NotWritten"
                            else _output_html(output, False))
            elif output.get("output_type") == "error" and demo is not None:
                outputs += demo
            else:
                outputs += _output_html(output, is_hidden)
        if graded and grade_id in by_test:
            outputs += diagnosis_html(by_test[grade_id][1])
        if stopped_at is not None and index > stopped_at:
            outputs += f'<p class="not-run">{say("not run")}</p>'
        shown = (f'<div class="{css}" id="cell-{index}">{label}{_pre(source, "source")}'
                 f"{outputs}</div>")
        failed = any(o.get("output_type") == "error" or o.get("name") == "stderr"
                     for o in cell.get("outputs", []))
        if graded or meta.get("solution") or failed or (stopped_at is not None
                                                        and index > stopped_at):
            parts.append(_folded(lesson))
            lesson = []
            parts.append(shown)
        else:
            lesson.append(shown)
    parts.append(_folded(lesson))
    return _page(assignment, parts)


def _folded(cells: list[str]) -> str:
    """The lesson's cells between two of the student's, folded (``<details>``, no script)."""
    if not cells:
        return ""
    summary = say("lesson cells" if len(cells) > 1 else "lesson cell", count=len(cells))
    return (f'<details class="lesson"><summary>{summary}</summary>'
            + "".join(cells) + "</details>")


def notice_page(assignment: str, student: str, status: str, detail: str,
                language: str = "en") -> str:
    """The page of a submission that could not be graded (no notebook, or not a readable one)."""
    token = LANGUAGE.set(language)
    try:
        return _page(assignment, [
            _header(assignment, student, say("not graded")),
            '<div class="notes stopped">' + say(
                "not gradable", status=html.escape(status), detail=html.escape(detail),
                notebook=html.escape(f"{assignment}.ipynb")) + "</div>"])
    finally:
        LANGUAGE.reset(token)


def _header(assignment: str, student: str, score: str) -> str:
    return (f"<header><h1>{html.escape(assignment)}</h1>"
            + (f"<p>{say('feedback for', student=html.escape(student))}</p>" if student else "")
            + f'<p class="score">{html.escape(score)}</p></header>')


def _page(assignment: str, parts: list[str]) -> str:
    title = html.escape(say("title", assignment=assignment))
    return (f"<!DOCTYPE html>\n<html lang=\"{LANGUAGE.get()}\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>{title}</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def write_page(path: Path, page: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
