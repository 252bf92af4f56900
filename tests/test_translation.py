"""The Spanish translation: gettext catalogues beside the one English source (grader.i18n).

Every markdown cell of every notebook has its Spanish in ``i18n/es/<notebook>.po``,
made for the English the cell holds now; a change of the English, a missing or a
much shorter translation is named by cell; the Spanish notebook computes what the
English one computes (the same cells, ids, nbgrader metadata and code); the glossary's
terms are rendered as the glossary says; a notebook's language is read from its
metadata, never from its text.
"""

import ast
import copy
import re
import shutil

import nbformat
import pytest

from grader import i18n
from grader.course import SOLUTIONS, assignments

ASSIGNMENTS = assignments()
TRANSLATED = ASSIGNMENTS
# every catalogue: the notebooks', the edition README's, the feedback pages'
DOCUMENTS = [*ASSIGNMENTS, i18n.README, i18n.DATA_README, i18n.FEEDBACK]
# drift tests edit a copy of a finished catalogue
FINISHED = ASSIGNMENTS[0]


def _english(assignment):
    return nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)


@pytest.mark.parametrize("assignment", DOCUMENTS)
def test_every_unit_is_translated_for_the_english_it_holds_now(assignment):
    assert i18n.problems(assignment, "es") == []


@pytest.mark.parametrize("assignment", DOCUMENTS)
def test_the_catalogue_holds_only_the_notebook_s_units_as_update_writes_them(
        assignment, tmp_path, monkeypatch):
    committed = i18n.catalogue_path(assignment, "es").read_bytes()
    contexts = {m.context for m in i18n.read_catalogue(i18n.catalogue_path(assignment, "es"))
                if m.id}
    assert contexts == {u.context for u in i18n.units_of(assignment)}
    monkeypatch.setattr(i18n, "I18N", tmp_path)
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / f"{assignment}.po").write_bytes(committed)
    i18n.update_catalogue(assignment, "es")
    assert (tmp_path / "es" / f"{assignment}.po").read_bytes() == committed


def _code_tree(source: str) -> str:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.dump(ast.parse("\n".join(lines)))


@pytest.mark.parametrize("assignment", TRANSLATED)
def test_the_spanish_notebook_computes_what_the_english_one_computes(assignment):
    english = _english(assignment)
    spanish = i18n.translated(assignment, "es")
    assert len(spanish.cells) == len(english.cells)
    for en, es in zip(english.cells, spanish.cells, strict=True):
        assert (es.cell_type, es.id, es.metadata) == (en.cell_type, en.id, en.metadata)
        if en.cell_type == "code":
            assert _code_tree(es.source) == _code_tree(en.source), en.id
        elif en.source.strip():
            assert es.source != en.source, f"{assignment} {en.id} is still English"
    assert i18n.language_of(spanish) == "es" and i18n.language_of(english) == "en"


@pytest.mark.parametrize("assignment", DOCUMENTS)
def test_the_glossary_s_terms_are_translated_as_it_says(assignment):
    assert i18n.glossary_problems(assignment, "es") == []


PLACEHOLDERS = re.compile(r"\{\w*\}|</?\w+[^>]*>|&\w+;|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)",
                          re.S)


def _kept(text):
    return sorted(PLACEHOLDERS.findall(text))


@pytest.mark.parametrize("assignment", DOCUMENTS)
def test_a_translation_keeps_every_placeholder_tag_code_span_math_and_link(assignment):
    """What the reader's language never changes: {values} filled in later, HTML tags,
    `code`, $math$ and links' targets, each as often as in the English."""
    changed = [m.context for m in i18n.read_catalogue(i18n.catalogue_path(assignment, "es"))
               if m.id and m.string and _kept(m.id.replace("# YOUR CODE HERE", "")) != _kept(
                   m.string.replace("# TU CÓDIGO AQUÍ", ""))]
    assert changed == []


def test_the_feedback_page_speaks_the_notebook_s_language():
    from grader.feedback import WORDS, feedback_page, notice_page

    grading = {"grade": True, "grade_id": "test_f_hidden", "points": 2, "score": 0}
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "### BEGIN HIDDEN TESTS\nassert f() == 1\n### END HIDDEN TESTS\n",
        metadata={"nbgrader": grading})])
    notebook.cells[0].outputs = [nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="", traceback=[])]
    english = feedback_page(notebook, "a", 1, 4, {"test_f_hidden"}, student="ana")
    spanish = feedback_page(notebook, "a", 1, 4, {"test_f_hidden"}, student="ana",
                            language="es")
    wording = i18n.current(i18n.FEEDBACK, "es")
    assert '<html lang="en">' in english and '<html lang="es">' in spanish
    for key in ("score", "as graded", "column hidden", "summary note"):
        shown = WORDS[key].split("{")[0]
        assert shown in english and shown not in spanish, key
        assert wording[WORDS[key]].split("{")[0] in spanish, key
    assert wording[WORDS["hidden code"]] in spanish
    assert wording[WORDS["not graded"]] in notice_page("a", "ana", "missing", "x", "es")


def test_the_language_is_read_from_the_metadata_never_from_the_text():
    notebook = _english(ASSIGNMENTS[0])
    notebook.cells[0].source = "# Neuronas y capas\n\nUna red neuronal de una sola capa."
    assert i18n.language_of(notebook) == "en"
    notebook.metadata[i18n.METADATA_KEY] = {"language": "es"}
    assert i18n.language_of(notebook) == "es"
    notebook.metadata[i18n.METADATA_KEY] = {"language": "xx"}  # not a language of the course
    assert i18n.language_of(notebook) == "en"


@pytest.fixture
def scratch_catalogues(tmp_path, monkeypatch):
    """The committed catalogues copied to a scratch i18n/ that grader.i18n then uses."""
    shutil.copytree(i18n.I18N, tmp_path / "i18n")
    monkeypatch.setattr(i18n, "I18N", tmp_path / "i18n")
    return tmp_path / "i18n"


def _markdown(notebook, index=0):
    return [c for c in notebook.cells if c.cell_type == "markdown" and c.source.strip()][index]


def test_an_english_change_after_translation_is_named_by_cell_and_kept_fuzzy(
        scratch_catalogues, monkeypatch):
    assignment = FINISHED
    english = _english(assignment)
    cell = _markdown(english, 1)
    before = cell.source
    cell.source = before + "\nOne more sentence the translator has not seen."
    assert i18n.problems(assignment, "es", english) == [
        f"{assignment} markdown:{cell.id}: the English changed after it was translated "
        "(python -m grader translations --update, then translate it again)"]
    with pytest.raises(ValueError, match=f"markdown:{cell.id}"):
        i18n.translated(assignment, "es", english)
    # the update keeps the old translation, fuzzy, until a translator has looked again
    monkeypatch.setattr(i18n, "_source", lambda _assignment: copy.deepcopy(english))
    i18n.update_catalogue(assignment, "es")
    message = {m.context: m for m in i18n.read_catalogue(
        i18n.catalogue_path(assignment, "es"))}[f"markdown:{cell.id}"]
    assert message.fuzzy and message.string and message.id == cell.source
    assert "#| msgid" in i18n.catalogue_path(assignment, "es").read_text()  # the old English
    assert "changed after" in i18n.problems(assignment, "es", english)[0]


def test_a_new_cell_and_a_shortened_translation_are_named(scratch_catalogues):
    assignment = FINISHED
    english = _english(assignment)
    english.cells.insert(3, nbformat.v4.new_markdown_cell("A new paragraph.", id="brand-new"))
    assert i18n.problems(assignment, "es", english) == [
        f"{assignment} markdown:brand-new: not translated"]
    path = i18n.catalogue_path(assignment, "es")
    catalogue = i18n.read_catalogue(path)
    first = _markdown(_english(assignment), 1)
    message = next(m for m in catalogue if m.context == f"markdown:{first.id}")
    message.string = message.string[: len(message.string) // 3]  # a paragraph dropped
    i18n.write_catalogue(catalogue, path)
    found = i18n.problems(assignment, "es")
    assert len(found) == 1 and f"markdown:{first.id}: the translation has" in found[0]


def test_a_glossary_term_rendered_otherwise_is_named(scratch_catalogues):
    assignment = FINISHED
    path = i18n.catalogue_path(assignment, "es")
    catalogue = i18n.read_catalogue(path)
    message = next(m for m in catalogue if m.id and " layer" in i18n._prose(m.id)
                   and "capa" in m.string)
    message.string = message.string.replace("capa", "estrato").replace("Capa", "Estrato")
    i18n.write_catalogue(catalogue, path)
    found = i18n.glossary_problems(assignment, "es")
    assert any(message.context in line and "'layer'" in line for line in found), found


def test_the_comments_a_reader_sees_are_units_and_nothing_else_is():
    from helpers.setup import SETUP_CELL

    source = ("# what the cell does\n"
              "x = 1  # why x is 1\n"
              "%timeit x  # a magic's line is not Python\n"
              "def f(z):\n"
              "    # YOUR CODE HERE\n"
              "    ### BEGIN SOLUTION\n"
              "    return z  # the answer's comment\n"
              "    ### END SOLUTION\n"
              "# noqa: E501\n"
              "# -----\n"
              "### BEGIN HIDDEN TESTS\n"
              "assert f(2) == 2  # a hidden test's comment\n"
              "### END HIDDEN TESTS\n"
              "s = '# not a comment'\n")
    assert [text for _, _, text in i18n.comments(source)] == [
        "# what the cell does", "# why x is 1"]
    assert i18n.comments(SETUP_CELL) == []

    class Message:
        def __init__(self, english, string):
            self.id, self.string = english, string

    messages = {"comment:c:1": Message("# what the cell does", "# lo que hace la celda"),
                "comment:c:2": Message("# an older English", "# stale: not used")}
    spanish = i18n.translated_code(source, "c", messages)
    assert spanish.splitlines()[0] == "# lo que hace la celda"
    assert spanish.splitlines()[1:] == source.splitlines()[1:]  # the stale one kept English


def test_a_comment_s_translation_must_stay_a_one_line_comment(scratch_catalogues):
    assignment = FINISHED
    path = i18n.catalogue_path(assignment, "es")
    catalogue = i18n.read_catalogue(path)
    message = next(m for m in catalogue if m.id and m.context.startswith("comment:"))
    message.string = message.string.lstrip("#").strip() + "\nx = 2"
    i18n.write_catalogue(catalogue, path)
    assert i18n.problems(assignment, "es") == [
        f"{assignment} {message.context}: a comment's translation must be one line starting "
        "with #"]
