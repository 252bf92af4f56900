"""Translations of the course: gettext catalogues beside the one English source.

``solutions/`` stays the only source of the notebooks. What a reader of another language
reads lives in ``i18n/<language>/<assignment>.po``, one gettext catalogue per notebook
(Babel reads and writes it; Poedit and Weblate open it). Each unit is one message: its
context names where the text is shown (``markdown:<cell id>`` for a markdown cell), its
id is the English text itself, its string the translation. So a translation always says
which English it translates: when the English changes, :func:`update_catalogue` keeps
the old translation marked fuzzy with the English it was made for (``#| msgid``), and
:func:`problems` names the cell until a translator has looked at it again.

The catalogues cover the notebooks' markdown cells, the student edition's README
(``README.po``: its paragraphs and the syllabus's lines) and the feedback pages' words
(``feedback.po``). Code, comments, strings shown by the code, ``helpers`` messages and
quizzes are still English in every edition (issue #26).
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


def units(notebook) -> list[Unit]:
    """The translatable units of an English notebook, in reading order: each markdown cell
    (``markdown:<cell id>``) and each comment a reader sees in a code cell
    (``comment:<cell id>:<n>``, the n-th such comment of the cell)."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            found.append(Unit(f"markdown:{cell.id}", cell.source))
        elif cell.cell_type == "code":
            found += [Unit(f"comment:{cell.id}:{n}", text)
                      for n, (_, _, text) in enumerate(comments(cell.source), 1)]
    return found


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
    hidden = [(m.start(), m.end()) for block in (SOLUTION_BLOCK, HIDDEN_BLOCK)
              for m in block.finditer(source)]
    lines = source.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    # IPython's % and ! lines are not Python: blanked, so line numbers stay
    python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    found = []
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        row, column = token.start[0] - 1, token.start[1]
        offset = starts[row] + column
        if any(start <= offset < end for start, end in hidden):
            continue
        if NOT_PROSE.match(token.string) or not re.search(r"[A-Za-z]{2}", token.string):
            continue
        found.append((row, column, token.string))
    return found


def translated_code(source: str, cell_id: str, messages: dict) -> str:
    """A code cell with each reader's comment replaced by its translation (``messages``:
    context -> Babel message); everything else, character for character, as it was."""
    lines = source.split("\n")
    for n, (row, column, text) in enumerate(comments(source), 1):
        message = messages.get(f"comment:{cell_id}:{n}")
        if message is not None and message.id == text and message.string:
            lines[row] = lines[row][:column] + message.string
    return "\n".join(lines)


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
    return units(_source(name) if root == ROOT else _source(name, root))


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
        old = {m.context: m for m in read_catalogue(path) if m.id}
    what = {README: "the student edition's README", FEEDBACK: "the feedback pages",
            DATA_README: "data/README.md"}.get(assignment, f"solutions/{assignment}")
    stamp = datetime(2026, 12, 1, tzinfo=timezone.utc)  # fixed: the same catalogue, same bytes
    catalogue = Catalog(locale=language, project="nn-course", domain=assignment,
                        fuzzy=False, creation_date=stamp, revision_date=stamp)
    catalogue.header_comment = (f"# {assignment}: the {language} translation of "
                                f"{what}. Made by python -m grader "
                                f"translations --update; translate the msgstr lines.")
    for unit in units_of(assignment):
        before = old.get(unit.context)
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


def _translations(assignment: str, language: str, folder: Path | None = None
                  ) -> dict[str, object]:
    path = catalogue_path(assignment, language, folder)
    return {m.context: m for m in read_catalogue(path) if m.id} if path.is_file() else {}


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
        message = messages.get(unit.context)
        if message is None or not message.string:
            found.append(f"{where}: not translated")
        elif message.id != unit.english or message.fuzzy:
            found.append(f"{where}: the English changed after it was translated "
                         f"(python -m grader translations --update, then translate it again)")
        elif len(message.string) < SHORTEST_SHARE * len(unit.english) and not (
                unit.context.startswith("comment:") and len(unit.english) < 40):
            found.append(f"{where}: the translation has {len(message.string)} characters "
                         f"against the English's {len(unit.english)} (a part left out?)")
        elif unit.context.startswith("comment:") and (
                not message.string.startswith("#") or "\n" in message.string):
            found.append(f"{where}: a comment's translation must be one line starting with #")
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
        if not message.string or message.fuzzy or message.context.startswith("comment:"):
            continue
        english, spanish = _prose(message.id), _prose(message.string).lower()
        for term, translations, pattern in terms:
            if pattern.search(english) and not any(t.lower() in spanish for t in translations):
                found.append(f"{assignment} {message.context}: '{term}' is not rendered as "
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
    for assignment in [*assignments(), README, DATA_README, FEEDBACK]:
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
