"""Translations of the course: gettext catalogues beside the one English source.

``solutions/`` stays the only source of the notebooks. What a reader of another language
reads lives in ``i18n/<language>/<assignment>.po``, one gettext catalogue per notebook
(Babel reads and writes it; Poedit and Weblate open it). Each unit is one message: its
context names where the text is shown (``markdown:<cell id>`` for a markdown cell), its
id is the English text itself, its string the translation. So a translation always says
which English it translates: when the English changes, :func:`update_catalogue` keeps
the old translation marked fuzzy with the English it was made for (``#| msgid``), and
:func:`problems` names the cell until a translator has looked at it again.

The catalogues cover the notebooks' markdown cells and, in their code cells, the
comments and the strings shown to the reader (:func:`shown_strings`: printed, a figure's
words, a message, a docstring; an f-string's fields stay code), the student edition's
README (``README.po``: its paragraphs and the syllabus's lines), ``data/README.md``
(``data_README.po``), the feedback pages' words (``feedback.po``) and the messages of
``helpers`` (``helpers.po``: each string its code marks with ``_()`` or ``N_()``, found
by reading the code; ``helpers.i18n`` shows them).
A helpers message has no context: gettext looks it up by its English alone, so a changed
English string is a new message, untranslated until a translator makes it (the update
keeps the old translation beside it, fuzzy, when the English is close).
"""

from __future__ import annotations

import copy
import csv
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from .course import ROOT, assignments

I18N = ROOT / "i18n"
LANGUAGES = ("es",)
SHORTEST_SHARE = 0.6  # a translation under 60% of its English's length lost something
SHORT_UNITS = ("comment:", "string:", "hint:", "helpers/")  # ... unless both are a few words
# the notebook metadata that says which language a notebook is written in (read by the
# grader, never guessed from the text)
METADATA_KEY = "nn_course"


@dataclass(frozen=True)
class Unit:
    """One piece of English a reader reads: where it is (``context``) and its text."""

    context: str
    english: str


README = "README"  # the student edition's README: grader/edition_readme.md and its syllabus
DATA_README = "data_README"  # data/README.md: what the bundled data are, where they come from
FEEDBACK = "feedback"  # the words of the feedback pages (grader/feedback.py's WORDS)
HELPERS = "helpers"  # helpers' messages: checks, hints, quizzes, widgets, figures, setup
MARKERS = ("_", "N_")  # helpers.i18n's functions: a string literal inside one is a message


def units(notebook) -> list[Unit]:
    """The translatable units of an English notebook, in reading order: each markdown cell
    (``markdown:<cell id>``), each comment a reader sees in a code cell
    (``comment:<cell id>:<n>``, the n-th such comment of the cell), each string literal a
    reader is shown (``string:<cell id>:<n>``: printed, a figure's title, label or legend,
    an exception's or assert's message, a docstring) and each hint a check
    shows (``hint:<cell id>:<n>``: a ``hint="..."`` the cell passes to ``helpers.checks``,
    translated where it is shown, so the cell's code is the same in every language)."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            found.append(Unit(f"markdown:{cell.id}", cell.source))
        elif cell.cell_type == "code":
            found += [Unit(f"comment:{cell.id}:{n}", text)
                      for n, (_, _, text) in enumerate(comments(cell.source), 1)]
            found += [Unit(f"string:{cell.id}:{n}", text)
                      for n, (text, _, _) in enumerate(shown_strings(cell.source), 1)]
            found += [Unit(f"hint:{cell.id}:{n}", text)
                      for n, (text, _) in enumerate(hints(cell.source), 1)]
    return found


def _python(source: str) -> str:
    """A cell's Python: IPython's ``%`` and ``!`` lines blanked, so line numbers stay."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


def _tree(source: str):
    """A cell's syntax tree (:func:`_python`), or None where it is no valid Python."""
    import ast

    try:
        return ast.parse(_python(source))
    except SyntaxError:
        return None


def _in_blocks(source: str, blocks):
    """A test of whether a place of ``source`` (0-based line, character column) lies in a
    match of one of ``blocks`` (regular expressions: solution, hidden tests)."""
    starts = [0]
    for line in source.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    spans = [(m.start(), m.end()) for block in blocks for m in block.finditer(source)]
    return lambda row, column: any(start <= starts[row] + column < end
                                   for start, end in spans)


def _parents(tree) -> dict:
    """Each node's parent, by the child's id."""
    import ast

    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def hints(source: str) -> list[tuple[str, bool]]:
    """Each ``hint="..."`` literal of a code cell, in order, and whether it lies in a hidden
    test (a student edition never holds those)."""
    import ast

    from .course import HIDDEN_BLOCK

    tree = _tree(source)
    if tree is None:
        return []
    lines = source.split("\n")
    hidden = _in_blocks(source, (HIDDEN_BLOCK,))
    found = [node.value for node in ast.walk(tree) if isinstance(node, ast.keyword)
             and node.arg == "hint" and isinstance(node.value, ast.Constant)
             and isinstance(node.value.value, str)]
    found.sort(key=lambda value: (value.lineno, value.col_offset))
    return [(value.value, hidden(value.lineno - 1, _column(lines[value.lineno - 1],
                                                           value.col_offset)))
            for value in found]


# comments that are not prose: nbgrader's markers and stub, linters' and tools' pragmas
# nbgrader's stub (grader/nbgrader_config.py) as each language's edition shows it
CODE_STUB = {"en": "# YOUR CODE HERE", "es": "# TU CÓDIGO AQUÍ"}
NOT_PROSE = re.compile(r"#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)|"
                       + "|".join(re.escape(stub) + "$" for stub in CODE_STUB.values())
                       + r"|#\s*(noqa|type:|pragma|fmt:)|#!")


def comments(source: str) -> list[tuple[int, int, str]]:
    """The comments of a code cell a reader sees, as (line index, column, text): not the
    setup cell's (helpers.setup's own), not those inside a solution or hidden-tests block
    (the student edition never shows them), not markers and pragmas, not a bare rule."""
    import io
    import tokenize

    from helpers.setup import SETUP_MARKER

    from .course import HIDDEN_BLOCK, SOLUTION_BLOCK

    if source.startswith(SETUP_MARKER):
        return []
    hidden = _in_blocks(source, (SOLUTION_BLOCK, HIDDEN_BLOCK))
    python = _python(source)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    found = []
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        row, column = token.start[0] - 1, token.start[1]
        if hidden(row, column):
            continue
        if NOT_PROSE.match(token.string) or not re.search(r"[A-Za-z]{2}", token.string):
            continue
        found.append((row, column, token.string))
    return found


# Where a string literal of a code cell is shown to the reader: the positional arguments
# of these calls (None: all of them; named by the callee's last name), these keywords of
# a plotting call (not a check's ``label``, which is code), a raised exception's message, an
# assert's message, a docstring. A literal inside a tuple, list, conditional, sum,
# f-string or join on its way there is shown too; anything else (dictionary keys,
# activation names, colours, dtypes) is code and stays as it is.
SHOWN_ARGUMENTS = {"print": None, "set_title": (0,), "set_xlabel": (0,), "set_ylabel": (0,),
                   "suptitle": (0,), "title": (0,), "xlabel": (0,), "ylabel": (0,),
                   "set_text": (0,), "annotate": (0,), "text": (2,), "legend": (0,),
                   "draw_grid": (2,)}
SHOWN_KEYWORDS = {"title", "xlabel", "ylabel", "label", "labels", "feature_names"}
PLOTS = {"plot", "scatter", "bar", "barh", "hist", "step", "loglog", "semilogx", "semilogy",
         "errorbar", "fill_between", "axhline", "axvline", "colorbar", "legend", "set",
         "pie", "image_grid", "training_curves", "decision_boundary", "hidden_unit_maps",
         "paths_on_bowl", "computation_graph"}  # where SHOWN_KEYWORDS are a reader's words
SHOWN_KEYS = {"paths_on_bowl", "training_curves"}  # their first argument's keys: a legend
PASSED_THROUGH = {"join", "format", "str", "upper", "lower", "capitalize", "strip"}


def shown_strings(source: str) -> list[tuple[str, tuple[int, int, int, int], bool]]:
    """The string literals of a code cell a reader sees (:data:`SHOWN_ARGUMENTS`), as
    :func:`code_strings` gives them: not the setup cell's (helpers.setup's own), not those
    inside a solution or hidden-tests block."""
    import ast

    from helpers.setup import SETUP_MARKER

    from .course import HIDDEN_BLOCK, SOLUTION_BLOCK

    if source.startswith(SETUP_MARKER):
        return []
    tree = _tree(source)
    if tree is None:
        return []
    python = _python(source)
    parents = _parents(tree)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef,
                                       ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    shown = {_span(node) for node in ast.walk(tree)
             if (isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                                    and isinstance(node.value, str)))
             and (id(node) in docstrings or _reaches_the_reader(node, parents))}
    shown |= _shown_through_names(tree, parents)[0]
    lines = source.split("\n")
    hidden = _in_blocks(source, (SOLUTION_BLOCK, HIDDEN_BLOCK))
    return [(text, span, is_f) for text, span, is_f in code_strings(python)
            if span in shown and re.search(r"[^\W\d_]{2}", _prose_of(text, is_f))
            and not hidden(span[0], _column(lines[span[0]], span[1]))]


def _shown_through_names(tree, parents: dict) -> tuple[set, set[str]]:
    """The spans of literals a loop or an assignment hands to a name that the cell only
    ever shows: ``for name, f in (("one-sided", f1), ...): print(f"{name}: ...")``, over
    a literal (or a name the cell binds once to one), its ``.items()``, ``.keys()``,
    ``.values()``, ``enumerate`` or ``zip``; ``note = "a" if c else "b"``. A loop's name
    also used as code, or a collection used otherwise than iterated (indexed, say), keeps
    its literals code. Also the names whose texts are translated."""
    import ast
    from collections import Counter

    loads, bindings, assigned, sources = {}, Counter(), {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.setdefault(node.id, []).append(node)
            else:
                bindings[node.id] += 1
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            assigned[node.targets[0].id] = node.value

    def harmless(use) -> bool:  # iterated (its texts flow to the loop's names), or its
        node = use               # values or length taken: never indexed by a text
        while (parent := parents.get(id(node))) is not None:
            if isinstance(parent, (ast.For, ast.comprehension)):
                return parent.iter is node
            call = parents.get(id(parent))
            if isinstance(parent, ast.Attribute) and isinstance(call, ast.Call) \
                    and call.func is parent and not call.args:
                if parent.attr == "values":
                    return True
                if parent.attr not in ("items", "keys"):
                    return False
                node = call
            elif isinstance(parent, ast.Call) and node in parent.args and _callee(parent) in (
                    "enumerate", "zip", "list", "tuple", "sorted", "reversed", "len"):
                if _callee(parent) == "len":
                    return True
                node = parent
            else:
                return False
        return False

    def literal(node):
        if isinstance(node, ast.Name):
            if bindings[node.id] != 1 or not all(map(harmless, loads.get(node.id, []))):
                return None
            sources.add(node.id)
            return assigned.get(node.id)
        return node

    def elements(node) -> list:
        node = literal(node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return list(node.elts)
        if isinstance(node, ast.Dict):
            return [key for key in node.keys if key is not None]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return elements(node.left) + elements(node.right)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):  # its one element's form
            return [node.elt]
        if not isinstance(node, ast.Call):
            return []
        name = _callee(node)
        if isinstance(node.func, ast.Attribute) and not node.args and name in (
                "items", "keys", "values"):
            mapping = literal(node.func.value)
            if not isinstance(mapping, ast.Dict):
                return []
            pairs = [(k, v) for k, v in zip(mapping.keys, mapping.values, strict=True)
                     if k is not None]
            return {"items": [list(p) for p in pairs], "keys": [k for k, _ in pairs],
                    "values": [v for _, v in pairs]}[name]
        if name == "enumerate" and len(node.args) == 1:
            return [[None, item] for item in elements(node.args[0])]
        if name == "zip":  # a column that is no literal (axes, say) binds nothing
            columns = [elements(argument) for argument in node.args]
            return [[column[i] if i < len(column) else None for column in columns]
                    for i in range(max(map(len, columns), default=0))]
        if name in ("list", "tuple", "sorted", "reversed") and len(node.args) == 1:
            return elements(node.args[0])
        return []

    def only_shown(name: str) -> bool:
        uses = loads.get(name, [])
        return bool(uses) and all(_reaches_the_reader(use, parents) for use in uses)

    found, names, used = set(), set(), set()

    def bind(target, item) -> None:
        if isinstance(item, ast.IfExp):
            bind(target, item.body)
            bind(target, item.orelse)
        elif isinstance(target, ast.Name):
            if (isinstance(item, ast.JoinedStr) or (isinstance(item, ast.Constant)
                                                    and isinstance(item.value, str))) \
                    and only_shown(target.id):
                found.add(_span(item))
                names.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            parts = item if isinstance(item, list) else (
                item.elts if isinstance(item, (ast.Tuple, ast.List)) else None)
            if parts is not None and len(parts) == len(target.elts):
                for inner, part in zip(target.elts, parts, strict=True):
                    bind(inner, part)

    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)):
            sources.clear()
            before = len(found)
            for item in elements(node.iter):
                bind(node.target, item)
            if len(found) > before:
                used |= sources  # a collection whose texts are translated
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name) and bindings[node.targets[0].id] == 1
              and isinstance(node.value, ast.IfExp)):
            bind(node.targets[0], node.value)  # note = "(none)" if ... else f"..."
    return found, names | used


def names_shown(source: str) -> set[str]:
    """The names through which a cell's literals reach the reader (and are translated):
    another cell that uses one would get the translation, so a test forbids it."""
    tree = _tree(source)
    return set() if tree is None else _shown_through_names(tree, _parents(tree))[1]


def _reaches_the_reader(node, parents: dict) -> bool:
    import ast

    through = (ast.Tuple, ast.List, ast.Set, ast.IfExp, ast.BinOp, ast.BoolOp, ast.Starred,
               ast.GeneratorExp, ast.ListComp, ast.JoinedStr, ast.FormattedValue,
               ast.Attribute)
    while (parent := parents.get(id(node))) is not None:
        if isinstance(parent, ast.Call):
            name = _callee(parent)
            if parent.func is node and isinstance(node, ast.Name):
                return False  # a function's name, not a text
            if parent.func is node or name in PASSED_THROUGH:
                node = parent
                continue
            if isinstance(parents.get(id(parent)), ast.Raise):
                return True
            positions = SHOWN_ARGUMENTS.get(name, ())
            return node in parent.args and (positions is None
                                            or parent.args.index(node) in positions)
        if isinstance(parent, ast.keyword):
            call = parents[id(parent)]
            return parent.arg in SHOWN_KEYWORDS and _callee(call) in PLOTS
        if isinstance(parent, ast.Assert):
            return parent.msg is node
        if isinstance(parent, ast.Dict):  # a plot's {label: data}
            call = parents.get(id(parent))
            return (node in parent.keys and isinstance(call, ast.Call)
                    and _callee(call) in SHOWN_KEYS and call.args[:1] == [parent])
        if isinstance(parent, ast.IfExp) and parent.test is node:
            return False
        if not isinstance(parent, through):
            return False
        node = parent
    return False


def code_tree(source: str, texts: frozenset[str] = frozenset()) -> str:
    """What a code cell computes: its syntax tree (IPython's ``%`` and ``!`` lines blank)
    with each string shown to the reader (:func:`shown_strings`, or any literal whose
    text is in ``texts``) written as "<shown>": equal in every language."""
    import ast

    python = _python(source)
    spans = {span for _, span, _ in shown_strings(source)}
    spans |= {span for text, span, _ in code_strings(python) if text in texts}

    class Mask(ast.NodeTransformer):
        def visit_JoinedStr(self, node):  # noqa: N802
            return self._masked(node) or self.generic_visit(node)

        def visit_Constant(self, node):  # noqa: N802
            return self._masked(node) or node

        def _masked(self, node):
            if _span(node) in spans:
                return ast.copy_location(ast.Constant("<shown>"), node)
            return None

    return ast.dump(Mask().visit(ast.parse(python)))


def _prose_of(text: str, is_f: bool) -> str:
    """A literal's text without an f-string's fields of code."""
    for field in fields(text, as_written=True) if is_f else ():
        if TEXT_FIELD.fullmatch(field):
            continue
        text = text.replace(field, " ")
    return text


def _callee(call) -> str:
    import ast

    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else (
        func.id if isinstance(func, ast.Name) else "")


def translated_code(source: str, cell_id: str, messages: dict) -> str:
    """A code cell with each reader's comment and shown string replaced by its translation
    (``messages``: context -> Babel message); everything else, character for character,
    as it was."""
    lines = source.split("\n")
    for n, (row, column, text) in enumerate(comments(source), 1):
        message = messages.get(f"comment:{cell_id}:{n}")
        if message is not None and message.id == text and message.string:
            lines[row] = lines[row][:column] + message.string
    commented = "\n".join(lines)
    at = {}
    for n, (text, span, _) in enumerate(shown_strings(source), 1):
        message = messages.get(f"string:{cell_id}:{n}")
        if message is not None and message.id == text and message.string:
            at[span] = message.string
    return translated_strings(commented, {}, at=at) if at else commented


def code_strings(source: str) -> list[tuple[str, tuple[int, int, int, int], bool]]:
    """The string literals of Python code, each as (its text, where it is: first line, first
    column, last line, end column, 0-based, and whether it is an f-string). An f-string's
    text is its template: each field written ``{expression!conversion:spec}`` as in the
    code (one whose spec holds a field of its own is left out)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found, inside = [], set()
    for node in ast.walk(tree):  # outside in: a JoinedStr before what it holds
        if isinstance(node, ast.JoinedStr) and id(node) not in inside:
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(value.value.replace("{", "{{").replace("}", "}}"))
                elif ((field := ast.get_source_segment(source, value.value))
                      and "\n" not in field and (spec := _format_spec(value)) is not None):
                    conversion = "" if value.conversion == -1 else "!" + chr(value.conversion)
                    parts.append("{" + field + conversion + spec + "}")
                else:
                    parts = None
                    break
            # its parts, its fields' specs (JoinedStrs of their own) and any literal in a
            # field's expression belong to the template
            inside |= {id(part) for part in ast.walk(node)}
            if parts is not None:
                found.append(("".join(parts), _span(node), True))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in inside):
            found.append((node.value, _span(node), False))
    return sorted(found, key=lambda item: item[1])


def _format_spec(value) -> str | None:
    """A formatted value's ``:spec`` as written ("" for none), None for a nested field."""
    import ast

    if value.format_spec is None:
        return ""
    pieces = value.format_spec.values
    if not all(isinstance(piece, ast.Constant) for piece in pieces):
        return None
    return ":" + "".join(piece.value for piece in pieces)


def _span(node) -> tuple[int, int, int, int]:
    return node.lineno - 1, node.col_offset, node.end_lineno - 1, node.end_col_offset


def translated_strings(source: str, messages: dict[str, str], width: int = 92,
                       at: dict | None = None) -> str:
    """Python code with each string literal whose text ``messages`` translates (or, given
    ``at``, each literal at one of its spans, by the translation ``at`` holds for it)
    replaced by a literal of the translation: triple-quoted where the original was, else
    in implicit concatenation wrapped near ``width`` columns where the original spanned
    lines; all else, character for character, as it was. A translation no literal can
    hold as the same template (a quote or backslash inside an f-string's field) keeps
    its English."""
    lines = source.split("\n")
    for text, span, is_f in reversed(code_strings(_python(source))):
        translation = messages.get(text) if at is None else at.get(span)
        if translation is None:
            continue
        first, start, last, end = span  # the syntax tree's columns count UTF-8 bytes
        start, end = _column(lines[first], start), _column(lines[last], end)
        prefix = "f" if is_f else ""
        triple = _triple_quoted(prefix, translation)
        if lines[first][start:].lstrip("rRfF")[:3] in ('"""', "'''"):  # a docstring, say
            candidates = [triple]
        else:
            indent = " " * start
            pieces = (_wrapped(translation, width - start, is_f) if last > first
                      else [translation])
            continued = any(line.rstrip().endswith("\\") for line in lines[first:last])
            joint = (" \\\n" if continued else "\n") + indent
            candidates = [joint.join(prefix + _quoted(piece) for piece in pieces), triple]
        literal = next((c for c in candidates if _holds(c, translation)), None)
        if literal is not None:
            lines[first:last + 1] = (lines[first][:start] + literal
                                     + lines[last][end:]).split("\n")
    return "\n".join(lines)


def _triple_quoted(prefix: str, text: str) -> str:
    """A triple-quoted literal of ``text``, its line breaks kept as they are."""
    body = text.replace("\\", "\\\\").replace('"""', '\\"""')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return f'{prefix}"""{body}"""'


def _holds(literal: str, text: str) -> bool:
    """Whether ``literal`` is one Python string literal of ``text`` (an f-string's template)."""
    found = code_strings("(" + literal + ")")
    return len(found) == 1 and found[0][0] == text


def _column(line: str, offset: int) -> int:
    """The column of ``line`` at byte ``offset`` of its UTF-8."""
    return len(line.encode("utf-8")[:offset].decode("utf-8"))


def _quoted(text: str) -> str:
    """A Python literal of ``text``, in double quotes unless it holds one."""
    literal = repr(text)
    return f'"{literal[1:-1]}"' if literal.startswith("'") and '"' not in text else literal


def _wrapped(text: str, width: int, fields: bool = False) -> list[str]:
    """``text`` cut after spaces into pieces of about ``width`` characters (a literal each);
    with ``fields`` (an f-string's template), never inside a ``{field}``."""
    pieces, current, depth = [], "", 0
    for word in re.split(r"(?<= )", text):
        if current and depth == 0 and len(current) + len(word) > max(width - 3, 20):
            pieces.append(current)
            current = ""
        current += word
        if fields:
            depth += word.replace("{{", "").count("{") - word.replace("}}", "").count("}")
    return [*pieces, current] if current else pieces or [""]


def _slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def readme_blocks(template: str) -> list[str]:
    """The edition README template cut into blocks: paragraphs, lists, headings and fenced
    code, each as written (a fence is one block, blank lines and all)."""
    blocks, current, fenced = [], [], False
    for line in template.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
            current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def block_units(text: str, prefix: str) -> list[Unit]:
    """Each prose block of a markdown file (context ``<prefix>:<section>:<n>``; code blocks
    and placeholders are not text to translate)."""
    found, section, count = [], "top", 0
    for block in readme_blocks(text):
        if block.startswith("#"):
            section, count = _slug(block.lstrip("#")), 0
        elif block.startswith("```") or re.fullmatch(r"\{\w+\}", block.strip()):
            continue
        count += 1
        found.append(Unit(f"{prefix}:{section}:{count}", block))
    return found


def translated_blocks(text: str, wording: dict[str, str]) -> str:
    """A markdown file with each block that has a translation replaced by it."""
    return "\n\n".join(wording.get(block, block) for block in readme_blocks(text)) + "\n"


def readme_units(template: str, syllabus: dict[str, str]) -> list[Unit]:
    """The README's units: each prose block of ``template`` (``readme:<section>:<n>``) and
    each syllabus line (``syllabus:<assignment>``, its "what you learn";
    ``syllabus:header``, the table's header)."""
    found = block_units(template, "readme")
    found.append(Unit("syllabus:header", SYLLABUS_HEADER))
    found += [Unit(f"syllabus:{name}", text) for name, text in syllabus.items()]
    return found


SYLLABUS_HEADER = "| # | notebook | what you learn | graded functions | Colab |"


def syllabus_lines(readme: str) -> dict[str, str]:
    """assignment -> its "what you learn" cell, from the instructor README's syllabus."""
    found = {}
    for line in readme.splitlines():
        match = re.match(r"\| \d+ \| \[`(\w+)`\]\([^)]*\) \| (.*?) \| [^|]*\|$", line)
        if match:
            found[match[1]] = match[2]
    return found


def feedback_units() -> list[Unit]:
    from .feedback import WORDS

    return [Unit(f"feedback:{key}", english) for key, english in WORDS.items()]


def helpers_units(root: Path = ROOT) -> list[Unit]:
    """Each message ``helpers`` marks, ``_("...")`` or ``N_("...")`` with a literal (context:
    ``helpers/<module>.py:<line>``), the first place of each, in the modules' order."""
    import ast

    found, seen = [], set()
    for path in sorted((root / "helpers").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name) and node.func.id in MARKERS and node.args]
        for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
            text = call.args[0]
            if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                raise ValueError(f"helpers/{path.name}:{call.lineno}: {call.func.id}() takes a "
                                 "string literal (format it after translating: "
                                 "_(\"{x} ...\").format(x=...))")
            if text.value not in seen:
                seen.add(text.value)
                found.append(Unit(f"helpers/{path.name}:{call.lineno}", text.value))
    return found


def placeholders(text: str) -> list[str]:
    """The ``{name}`` fields of a format string, sorted (a translation keeps them all)."""
    import string

    try:
        return sorted(field for _, field, _, _ in string.Formatter().parse(text)
                      if field is not None)
    except ValueError:
        return ["<not a format string>"]


# a field that is only text: a quoted string or a choice of two, with a format spec
# (``{'parameters':>12}``, ``{'more' if a > b else 'less'}``): its words are the reader's
TEXT_FIELD = re.compile(r"""\{(?:(['"])[^'"{}\\]*\1|(['"])[^'"{}\\]*\2 if ([^{}]+) else """
                        r"""(['"])[^'"{}\\]*\4)(:[^{}]*)?\}""")


def fields(template: str, as_written: bool = False) -> list[str]:
    """The ``{...}`` fields of an f-string's template as written, sorted (its code: a
    translation keeps every one, character for character, but for the words of a field
    that is only text, :data:`TEXT_FIELD`). ``{{`` and ``}}`` are text."""
    found, depth, start = [], 0, 0
    text = template.replace("{{", "  ").replace("}}", "  ") if "{" in template else template
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
            start = index if depth == 1 else start
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                field = template[start:index + 1]
                if not as_written and (words := TEXT_FIELD.fullmatch(field)) is not None:
                    field = (f"{{'…' if {words[3]} else '…'{words[5] or ''}}}" if words[3]
                             else f"{{'…'{words[5] or ''}}}")
                found.append(field)
    return sorted(found)


def catalogue_path(name: str, language: str, folder: Path | None = None) -> Path:
    return (folder or I18N) / language / f"{name}.po"


def _source(assignment: str, root: Path = ROOT):
    return nbformat.read(root / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)


def units_of(name: str, root: Path = ROOT) -> list[Unit]:
    """The English units of a notebook, of the README or of the feedback pages."""
    if name == README:
        return readme_units((root / "grader" / "edition_readme.md").read_text(encoding="utf-8"),
                            syllabus_lines((root / "README.md").read_text(encoding="utf-8")))
    if name == FEEDBACK:
        return feedback_units()
    if name == DATA_README:
        return block_units((root / "data" / "README.md").read_text(encoding="utf-8"), "data")
    if name == HELPERS:
        return helpers_units(root)
    return units(_source(name) if root == ROOT else _source(name, root)) + mistake_units(name)


def mistake_units(assignment: str) -> list[Unit]:
    """The sentences a feedback page names a catalogued mistake with (``grader.mistakes``;
    ``mistake:<grade id>:<mistake>``): the instructor edition's only, never published."""
    from .mistakes import catalogue

    return [Unit(f"mistake:{grade_id}:{mistake}", message)
            for grade_id, entries in catalogue(assignment).items()
            for mistake, _, message in entries]


def read_catalogue(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def write_catalogue(catalogue, path: Path) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:  # no wrapping: a cell's lines stay its lines
        write_po(handle, catalogue, width=0, include_previous=True, omit_header=False,
                 sort_output=False)


def shown_messages(language: str, assignment: str | None = None, visible_only: bool = False,
                   root: Path = ROOT, folder: Path | None = None) -> dict[str, str]:
    """English -> translation of what the checks show: the helpers' messages
    (``helpers.po``), the hints of ``assignment``'s checks (of every notebook where None)
    and its catalogued mistakes' sentences; with ``visible_only``, what a student edition
    may hold: no hidden test's hint and no mistake."""
    found = {}
    for message in _translations(HELPERS, language, folder).values():
        if message.string and not message.fuzzy:
            found[message.id] = message.string
    every = sorted(p.name for p in (root / "solutions").iterdir()
                   if (p / f"{p.name}.ipynb").is_file())
    for name in ([assignment] if assignment else every):
        messages = current_messages(name, language, folder)
        notebook = _source(name) if root == ROOT else _source(name, root)
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            for n, (text, hidden) in enumerate(hints(cell.source), 1):
                message = messages.get(f"hint:{cell.id}:{n}")
                if message is not None and message.id == text and not (hidden and visible_only):
                    found[text] = message.string
        if not visible_only:  # the mistakes' sentences: the checker's, never an edition's
            found.update({m.id: m.string for context, m in messages.items()
                          if context.startswith("mistake:")})
    return found


def speak(helpers: Path, language: str, messages: dict[str, str]) -> None:
    """Make the copy of ``helpers`` at ``helpers`` speak ``language``: its compiled catalogue
    of ``messages`` (``locale/<language>/LC_MESSAGES/helpers.mo``) and its
    ``helpers.i18n.DEFAULT_LANGUAGE`` (a student edition's, a graded kernel's copy)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from helpers.i18n import DOMAIN

    stamp = datetime(2026, 12, 1, tzinfo=timezone.utc)  # the same messages, the same bytes
    catalogue = Catalog(locale=language, domain=DOMAIN, project="nn-course",
                        creation_date=stamp, revision_date=stamp)
    for english, text in sorted(messages.items()):
        catalogue.add(english, text)
    compiled = helpers / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    compiled.parent.mkdir(parents=True, exist_ok=True)
    with compiled.open("wb") as handle:
        write_mo(handle, catalogue)
    module = helpers / "i18n.py"
    text = module.read_text(encoding="utf-8")
    if '\nDEFAULT_LANGUAGE = "en"\n' not in text:
        raise ValueError(f'{module} lacks the line DEFAULT_LANGUAGE = "en"')
    module.write_text(text.replace('\nDEFAULT_LANGUAGE = "en"\n',
                                   f'\nDEFAULT_LANGUAGE = "{language}"\n'), encoding="utf-8")


def update_catalogue(assignment: str, language: str) -> Path:
    """Write ``i18n/<language>/<assignment>.po`` for the notebook as it is now.

    A unit whose English is unchanged keeps its translation; a changed one keeps the old
    translation, marked fuzzy, with the English it was made for written beside it
    (``#| msgid``, for the translator's tool; Babel 2.19 does not read a multi-line one
    back, so only the first update after a change writes it); a new one is empty; a
    unit the notebook no longer has is dropped.
    """
    from babel.messages.catalog import Catalog

    path = catalogue_path(assignment, language)
    old = {}
    if path.is_file():
        old = {m.context or m.id: m for m in read_catalogue(path) if m.id}
    what = {README: "the student edition's README", FEEDBACK: "the feedback pages",
            DATA_README: "data/README.md", HELPERS: "the helpers' messages"
            }.get(assignment, f"solutions/{assignment}")
    stamp = datetime(2026, 12, 1, tzinfo=timezone.utc)  # fixed: the same catalogue, same bytes
    catalogue = Catalog(locale=language, project="nn-course", domain=assignment,
                        fuzzy=False, creation_date=stamp, revision_date=stamp)
    catalogue.header_comment = (f"# {assignment}: the {language} translation of "
                                f"{what}. Made by python -m grader "
                                f"translations --update; translate the msgstr lines.")
    if assignment == HELPERS:
        _update_helpers(catalogue, units_of(assignment),
                        {m.id: m for m in old.values()} if old else {})
        write_catalogue(catalogue, path)
        return path
    # a cell's n-th comment, string or hint moves when one is added before it: a unit
    # finds its old translation by cell and English too
    moved = {(m.context.rsplit(":", 1)[0], m.id): m for m in old.values()
             if m.context and m.context.count(":") == 2 and m.string and not m.fuzzy}
    found = units_of(assignment)
    now = {(unit.context.rsplit(":", 1)[0], unit.english) for unit in found}
    for unit in found:
        before = old.get(unit.context)
        cell = unit.context.rsplit(":", 1)[0]
        if unit.context.count(":") == 2 and (before is None or before.id != unit.english):
            if before is not None and (cell, before.id) in now:  # it moved on: not ours
                before = None
            before = moved.get((cell, unit.english), before)
        if before is None or not before.string:
            catalogue.add(unit.english, "", context=unit.context)
        elif before.id == unit.english:
            catalogue.add(unit.english, before.string, context=unit.context,
                          flags=before.flags, previous_id=before.previous_id)
        else:
            catalogue.add(unit.english, before.string, context=unit.context,
                          flags={"fuzzy"}, previous_id=[before.id])
    write_catalogue(catalogue, path)
    return path


def _update_helpers(catalogue, found: list[Unit], old: dict) -> None:
    """The helpers' messages, by their English (no context): a message whose English is
    gone but close to a new one's lends it its translation, fuzzy, with the old English."""
    import difflib

    gone = [english for english, m in old.items() if m.string
            and english not in {unit.english for unit in found}]
    for unit in found:
        where = [(unit.context.rsplit(":", 1)[0], int(unit.context.rsplit(":", 1)[1]))]
        flags = {"python-brace-format"} if placeholders(unit.english) else set()
        before = old.get(unit.english)
        if before is not None and before.string:
            catalogue.add(unit.english, before.string, locations=where,
                          flags=before.flags | flags, previous_id=before.previous_id)
            continue
        close = difflib.get_close_matches(unit.english, gone, n=1, cutoff=0.75)
        if close:
            catalogue.add(unit.english, old[close[0]].string, locations=where,
                          flags=flags | {"fuzzy"}, previous_id=[close[0]])
        else:
            catalogue.add(unit.english, "", locations=where, flags=flags)


def _translations(assignment: str, language: str, folder: Path | None = None
                  ) -> dict[str, object]:
    path = catalogue_path(assignment, language, folder)
    return ({m.context or m.id: m for m in read_catalogue(path) if m.id} if path.is_file()
            else {})


def current_messages(name: str, language: str, folder: Path | None = None) -> dict:
    """context -> Babel message, for the units translated for their English as it is."""
    return {context: m for context, m in _translations(name, language, folder).items()
            if m.string and not m.fuzzy}


def current(name: str, language: str, folder: Path | None = None) -> dict[str, str]:
    """English -> translation for every unit of ``name`` translated for its English as it
    is (not fuzzy): what a reader of ``language`` is shown in place of the English."""
    return {m.id: m.string for m in _translations(name, language, folder).values()
            if m.string and not m.fuzzy}


def problems(assignment: str, language: str, notebook=None, *, root: Path = ROOT,
             folder: Path | None = None) -> list[str]:
    """What keeps ``assignment`` (a notebook, README or feedback) from its ``language``
    edition, one line per unit: no translation, the English changed since the
    translation was made, or a translation far shorter than its English. Empty when
    every unit is translated."""
    found = []
    messages = _translations(assignment, language, folder)
    for unit in (units(notebook) if notebook is not None else units_of(assignment, root)):
        where = f"{assignment} {unit.context}"
        message = messages.get(unit.english if assignment == HELPERS else unit.context)
        if message is None or not message.string:
            found.append(f"{where}: not translated")
        elif message.id != unit.english or message.fuzzy:
            found.append(f"{where}: the English changed after it was translated "
                         f"(python -m grader translations --update, then translate it again)")
        elif len(message.string) < SHORTEST_SHARE * len(unit.english) and not (
                unit.context.startswith(SHORT_UNITS) and len(unit.english) < 40):
            found.append(f"{where}: the translation has {len(message.string)} characters "
                         f"against the English's {len(unit.english)} (a part left out?)")
        elif unit.context.startswith("comment:") and (
                not message.string.startswith("#") or "\n" in message.string):
            found.append(f"{where}: a comment's translation must be one line starting with #")
        elif unit.context.startswith("string:") and fields(message.string) != fields(
                unit.english):
            found.append(f"{where}: the translation's {{fields}} {fields(message.string)} "
                         f"are not the English's {fields(unit.english)} (code: keep them)")
        elif assignment == HELPERS and placeholders(message.string) != placeholders(
                unit.english):
            found.append(f"{where}: the translation's {{fields}} {placeholders(message.string)}"
                         f" are not the English's {placeholders(unit.english)}")
    return found


def whole(found: list[str]) -> None:
    """Raise ValueError naming (up to five of) the problems found, if any."""
    if found:
        raise ValueError("; ".join(found[:5]) + (f" (and {len(found) - 5} more)"
                                                 if len(found) > 5 else ""))


def translated(assignment: str, language: str, notebook=None, folder: Path | None = None):
    """The notebook in ``language``: each unit's text replaced by its translation, the
    language recorded in the notebook's metadata. Raises ValueError naming the units
    that keep it from being whole (:func:`problems`). ``notebook`` may be the release
    (its markdown is the source's); ``folder`` holds the catalogues (default i18n/)."""
    notebook = copy.deepcopy(notebook if notebook is not None else _source(assignment))
    whole(problems(assignment, language, notebook, folder=folder))
    messages = _translations(assignment, language, folder)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            cell.source = messages[f"markdown:{cell.id}"].string
        elif cell.cell_type == "code":
            cell.source = translated_code(cell.source, cell.id, messages)
    notebook.metadata[METADATA_KEY] = {"language": language}
    return notebook


def language_of(notebook) -> str:
    """The language a notebook says it is written in (English unless it says another)."""
    meta = notebook.get("metadata", {}).get(METADATA_KEY, {})
    language = meta.get("language") if isinstance(meta, dict) else None
    return language if language in LANGUAGES else "en"


def glossary(language: str) -> list[tuple[str, list[str]]]:
    """``i18n/<language>/glossary.csv``: (English term, the accepted translations)."""
    with (I18N / language / "glossary.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["english"], row["translation"].split("|"))
                for row in csv.DictReader(handle)]


def glossary_problems(assignment: str, language: str) -> list[str]:
    """Units whose English uses a glossary term that the translation does not render
    with one of the term's accepted translations."""
    found = []
    terms = [(english, translations,
              re.compile(rf"(?<![\w-]){re.escape(english)}(?![\w-])", re.IGNORECASE))
             for english, translations in glossary(language)]
    for message in _translations(assignment, language).values():
        # a code comment names the code's identifiers (`neuron`, `layer`): only prose is held
        # to the glossary
        if not message.string or message.fuzzy or (message.context or "").startswith("comment:"):
            continue
        english, spanish = _prose(message.id), _prose(message.string).lower()
        for term, translations, pattern in terms:
            if pattern.search(english) and not any(t.lower() in spanish for t in translations):
                where = message.context or repr(message.id[:60])
                found.append(f"{assignment} {where}: '{term}' is not rendered as "
                             f"{' or '.join(repr(t) for t in translations)}")
    return found


def _prose(text: str) -> str:
    """Text without code spans, math and links' targets: terms are looked for in prose."""
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.DOTALL)
    return re.sub(r"\]\([^)]*\)", "]", text)


def main(language: str, update: bool) -> int:
    """``python -m grader translations``: rewrite the catalogues (``--update``), then say
    what each notebook still lacks."""
    total = 0
    for assignment in [*assignments(), README, DATA_README, FEEDBACK, HELPERS]:
        if update:
            update_catalogue(assignment, language)
        found = problems(assignment, language) + glossary_problems(assignment, language)
        count = len(units_of(assignment))
        done = count - sum(": not translated" in line or "changed after" in line
                           for line in found)
        print(f"{assignment:<28} {done:>3}/{count} units translated"
              + (f", {len(found)} to look at" if found else ""))
        total += len(found)
    return 1 if total else 0
