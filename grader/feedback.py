"""Feedback pages: safe to open anywhere, useful to the student, readable offline.

A page is one self-contained HTML file:

- nothing from a submission can run: every markdown cell and every HTML output is
  sanitised on its own with ``nh3`` (no script, event handler, ``javascript:`` URL,
  iframe, form or external resource survives), SVG and images become ``data:`` images,
  and a Content-Security-Policy that allows no script and no network is a second wall;
- each test cell is named (``test_sigmoid_visible``) with its points;
- hidden tests show their name and the error, never their code;
- tracebacks show the student's own lines and the check's message, not the course's
  internals or the instructor's paths;
- math is rendered to MathML when the page is written (``latex2mathml``): no MathJax,
  no CDN, nothing to fetch.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import sys
from pathlib import Path

import nbformat

from .course import HIDDEN_BLOCK, ROOT, nbgrader_meta

HIDDEN_NOTE = "# (hidden tests: their code is not shown)"
# frame-ancestors is left out: browsers ignore it in a <meta> tag (and say so)
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# $$display$$, or $inline$ (which may wrap onto the next line, never across a blank one)
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)((?:[^$\n]|\n(?![ \t]*\n))+?)(?<!\s)\$",
                  re.S)
BOLD_LETTER = re.compile(r'<mi mathvariant="bold">([A-Za-z0-9])</mi>')
PRIVATE_PATHS = tuple({str(ROOT), sys.prefix, sys.base_prefix})
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
    # Browsers ignore mathvariant="bold" (MathML Core): use the bold letters themselves
    return BOLD_LETTER.sub(lambda m: f"<mi>{_bold(m.group(1))}</mi>", mathml)


def _bold(character: str) -> str:
    """The mathematical bold form of a Latin letter or digit (U+1D400 and on)."""
    if character.isdigit():
        return chr(0x1D7CE + int(character))
    base = 0x1D400 if character.isupper() else 0x1D41A
    return chr(base + ord(character.lower()) - ord("a"))


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
    return sanitize(text)


def _public(text: str) -> str:
    """Text without the instructor's paths and terminal colours."""
    text = ANSI.sub("", text)
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
    if kind == "error":
        if hidden:
            return _pre(f"{output.get('ename')}: {_public(str(output.get('evalue', '')))}", "error")
        return _pre(student_traceback([str(line) for line in output.get("traceback", [])])
                    or f"{output.get('ename')}: {output.get('evalue')}", "error")
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
        return f'<div class="html-output">{sanitize(data["text/html"])}</div>'
    if isinstance(data.get("text/plain"), str):
        return _pre(_public(data["text/plain"]), "stdout")
    return ""


def feedback_page(notebook: nbformat.NotebookNode, assignment: str, score: float,
                  max_score: float, hidden: set[str], student: str = "",
                  notes: list[str] = (), stopped: str = "",
                  stopped_at: int | None = None) -> str:
    """The feedback page of a graded notebook (test cells carry their scores).

    ``stopped`` says why grading stopped part way (a timeout, the memory limit...) and
    ``stopped_at`` is the index of that cell: the cells after it did not run.
    """
    parts = [_header(assignment, student, f"Score: {score:g} / {max_score:g}")]
    if stopped:
        parts.append(f'<div class="notes stopped"><b>Grading stopped part way</b>: '
                     f"{html.escape(stopped)}. The tests after that cell did not run, so "
                     "they score 0 even where your answer may be right. Make that cell finish "
                     "quickly (look for an endless loop), then check the notebook with "
                     "Run All.</div>")
    if notes:
        items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
        parts.append(f'<div class="notes"><b>Notes from the grader</b> (what it changed or '
                     f"refused before running your notebook):<ul>{items}</ul></div>")
    for index, cell in enumerate(notebook.cells):
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if cell.cell_type == "markdown":
            parts.append(f'<div class="cell markdown">{markdown_html(cell.source)}</div>')
            continue
        if cell.cell_type != "code":
            continue
        is_hidden = grade_id in hidden
        source = HIDDEN_BLOCK.sub(HIDDEN_NOTE + "\n", cell.source) if is_hidden else cell.source
        graded = bool(meta.get("grade")) and not meta.get("solution")
        css, label = "cell code", ""
        if graded:
            got, points = float(meta.get("score", 0)), float(meta.get("points", 0))
            css += " graded" + (" failed" if got < points else "")
            label = (f'<div class="label">{html.escape(grade_id)}'
                     f'<span class="points">{got:g} / {points:g} points</span></div>')
        elif meta.get("solution"):
            label = f'<div class="label">your answer: {html.escape(grade_id)}</div>'
        outputs = "".join(_output_html(o, is_hidden) for o in cell.get("outputs", []))
        if stopped_at is not None and index > stopped_at:
            outputs += '<p class="not-run">Not run: grading stopped at an earlier cell.</p>'
        parts.append(f'<div class="{css}">{label}{_pre(source, "source")}{outputs}</div>')
    return _page(assignment, parts)


def notice_page(assignment: str, student: str, status: str, detail: str) -> str:
    """The page of a submission that could not be graded (no notebook, or not a readable one)."""
    return _page(assignment, [
        _header(assignment, student, "Not graded"),
        f'<div class="notes stopped"><b>Your submission could not be graded</b> '
        f"({html.escape(status)}): {html.escape(detail)}.<br>Hand in the notebook itself, "
        f"named <code>{html.escape(assignment)}.ipynb</code>, as saved by JupyterLab or "
        "Colab (File &gt; Download .ipynb).</div>"])


def _header(assignment: str, student: str, score: str) -> str:
    return (f"<header><h1>{html.escape(assignment)}</h1>"
            + (f"<p>Feedback for <b>{html.escape(student)}</b></p>" if student else "")
            + f'<p class="score">{html.escape(score)}</p></header>')


def _page(assignment: str, parts: list[str]) -> str:
    title = html.escape(f"{assignment}: feedback")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>{title}</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def write_page(path: Path, page: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
