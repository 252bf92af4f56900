"""The Spanish translation: gettext catalogues beside the one English source (grader.i18n).

Every markdown cell of every notebook has its Spanish in ``i18n/es/<notebook>.po``,
made for the English the cell holds now; a change of the English, a missing or a
much shorter translation is named by cell; the Spanish notebook computes what the
English one computes (the same cells, ids, nbgrader metadata and code); the glossary's
terms are rendered as the glossary says; a notebook's language is read from its
metadata, never from its text.
"""

import copy
import re
import shutil

import nbformat
import pytest

from grader import i18n
from grader.course import SOLUTIONS, assignments

ASSIGNMENTS = assignments()
TRANSLATED = ASSIGNMENTS
# every catalogue: the notebooks', the edition README's and data README's, the feedback
# pages', the helpers' messages
DOCUMENTS = [*ASSIGNMENTS, i18n.README, i18n.DATA_README, i18n.FEEDBACK, i18n.HELPERS]
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
    keys = {m.context or m.id for m in i18n.read_catalogue(i18n.catalogue_path(assignment, "es"))
            if m.id}  # a helpers message is known by its English alone
    assert keys == {u.english if assignment == i18n.HELPERS else u.context
                    for u in i18n.units_of(assignment)}
    monkeypatch.setattr(i18n, "I18N", tmp_path)
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / f"{assignment}.po").write_bytes(committed)
    i18n.update_catalogue(assignment, "es")
    assert (tmp_path / "es" / f"{assignment}.po").read_bytes() == committed


@pytest.mark.parametrize("assignment", TRANSLATED)
def test_the_spanish_notebook_computes_what_the_english_one_computes(assignment):
    english = _english(assignment)
    spanish = i18n.translated(assignment, "es")
    assert len(spanish.cells) == len(english.cells)
    for en, es in zip(english.cells, spanish.cells, strict=True):
        assert (es.cell_type, es.id, es.metadata) == (en.cell_type, en.id, en.metadata)
        if en.cell_type == "code":
            assert i18n.code_tree(es.source) == i18n.code_tree(en.source), en.id
        elif en.source.strip():
            assert es.source != en.source, f"{assignment} {en.id} is still English"
    assert i18n.language_of(spanish) == "es" and i18n.language_of(english) == "en"


@pytest.mark.parametrize("assignment", DOCUMENTS)
def test_the_glossary_s_terms_are_translated_as_it_says(assignment):
    assert i18n.glossary_problems(assignment, "es") == []


PLACEHOLDERS = re.compile(r"\{\w*\}|</?[A-Za-z]\w*[^>]*>|&\w+;|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$"
                          r"|\]\([^)]*\)", re.S)  # a tag starts with a letter: not {x:<30}


def _kept(text):
    return sorted(PLACEHOLDERS.findall(text))


@pytest.mark.parametrize("assignment", DOCUMENTS)
def test_a_translation_keeps_every_placeholder_tag_code_span_math_and_link(assignment):
    """What the reader's language never changes: {values} filled in later, HTML tags,
    `code`, $math$ and links' targets, each as often as in the English."""
    changed = [m.context or m.id for m in i18n.read_catalogue(
               i18n.catalogue_path(assignment, "es"))
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


def test_a_string_moved_by_a_new_one_before_it_keeps_its_translation(
        scratch_catalogues, monkeypatch):
    """A print added at the top of a cell renumbers the cell's strings: the update finds
    each moved string's translation by its cell and English, and only the new one is
    named."""
    assignment = FINISHED
    english = _english(assignment)
    cell = next(c for c in english.cells if c.cell_type == "code"
                and len(i18n.shown_strings(c.source)) >= 2)
    cell.source = 'print("A line the translator has not seen.")\n' + cell.source
    monkeypatch.setattr(i18n, "_source", lambda _assignment: copy.deepcopy(english))
    i18n.update_catalogue(assignment, "es")
    assert i18n.problems(assignment, "es", english) == [
        f"{assignment} string:{cell.id}:1: not translated"]


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


class _Message:
    def __init__(self, english, string):
        self.id, self.string = english, string


STRINGS = '''"""A cell's strings: what the reader is shown, and code."""
def area(w, h):
    """Area of a w x h rectangle.

    Args:
        w, h: sides.
    """
    ### BEGIN SOLUTION
    print("an answer's line")
    ### END SOLUTION
options = {"activation": "relu", "metrics": ["accuracy"]}
print(f"area {area(2, 3):.1f} m²", "(in °C)", {"key": 1}["key"], "(°C)")
ax.set(xlabel="accuracy", ylabel="temperature (°C)", title=f"{n} epochs", yscale="log")
ax.plot(x, y, "rv", label="data", color="tab:red")
check_close(area, (2, 3), 6, label="area(2, 3)")
assert area(1, 1) == 1, f"area(1, 1) = {area(1, 1)!r}, expected 1"
raise ValueError("a message for the reader " + str(3))
print(" ".join(f"{v:>6.2f}" for v in [1.0]), "x" if n else "y")
### BEGIN HIDDEN TESTS
assert area(2, 2) == 4, "a hidden test's message"
### END HIDDEN TESTS
'''


def test_the_strings_a_reader_is_shown_are_units_and_code_strings_are_not():
    """Printed, a figure's words, a docstring, an assert's or exception's message, with an
    f-string's fields as written (specs too); not dictionary keys, metrics, colours,
    formats, a check's label (code), a text of no two letters in a row, nor what a
    solution or hidden test holds."""
    shown = [text for text, _, _ in i18n.shown_strings(STRINGS)]
    assert shown == [
        "A cell's strings: what the reader is shown, and code.",
        "Area of a w x h rectangle.\n\n    Args:\n        w, h: sides.\n    ",
        "area {area(2, 3):.1f} m²", "(in °C)",
        "accuracy", "temperature (°C)", "{n} epochs",
        "data",
        "area(1, 1) = {area(1, 1)!r}, expected 1",
        "a message for the reader "]
    assert i18n.fields("area {area(2, 3):.1f} m² {{not a field}}") == ["{area(2, 3):.1f}"]


def test_a_shown_string_s_translation_is_valid_code_that_changes_nothing_else():
    """Each shown string is replaced where it stands (non-ASCII before it on the line, a
    docstring kept triple-quoted, the same text left alone where it is code), and the
    translated cell computes what the English one does."""
    english = [text for text, _, _ in i18n.shown_strings(STRINGS)]
    spanish = ["Las cadenas de una celda.", "Área de un rectángulo w x h.\n\n    Argumentos:"
               "\n        w, h: lados.\n    ", "área {area(2, 3):.1f} m²", "(en °C)",
               "exactitud", "temperatura (°C)", "{n} épocas", "datos",
               "area(1, 1) = {area(1, 1)!r}, se esperaba 1", "un mensaje para quien lee "]
    messages = {f"string:c:{n}": _Message(en, es)
                for n, (en, es) in enumerate(zip(english, spanish, strict=True), 1)}
    translated = i18n.translated_code(STRINGS, "c", messages)
    assert [text for text, _, _ in i18n.shown_strings(translated)] == spanish
    assert i18n.code_tree(translated) == i18n.code_tree(STRINGS)
    assert '"metrics": ["accuracy"]' in translated and 'xlabel="exactitud"' in translated
    assert '    """Área de un rectángulo w x h.\n\n    Argumentos:\n' in translated
    stale = {**messages, "string:c:5": _Message("an older English", "no se usa")}
    assert 'xlabel="accuracy"' in i18n.translated_code(STRINGS, "c", stale)


def test_a_shown_string_s_translation_keeps_its_fields(scratch_catalogues):
    assignment = FINISHED
    path = i18n.catalogue_path(assignment, "es")
    catalogue = i18n.read_catalogue(path)
    message = next(m for m in catalogue if m.id and m.context.startswith("string:")
                   and i18n.fields(m.id))
    message.string = message.string.replace(i18n.fields(message.id)[0], "{otro}")
    i18n.write_catalogue(catalogue, path)
    [problem] = i18n.problems(assignment, "es")
    assert problem.startswith(f"{assignment} {message.context}: the translation's {{fields}}")


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


# ------------------------------------------------------------- the helpers' messages

def _fake_helpers(root, text):
    """A ``helpers`` of one module whose one message is ``text``."""
    (root / "helpers").mkdir(parents=True, exist_ok=True)
    (root / "helpers" / "words.py").write_text(
        "from .i18n import _\n\n\ndef said(n):\n"
        f"    return _({text!r}).format(n=n)\n", encoding="utf-8")
    return root


def test_a_changed_helpers_message_is_named_where_it_is_and_keeps_its_old_translation_fuzzy(
        scratch_catalogues, tmp_path, monkeypatch):
    """gettext knows a message by its English: a changed English is a message with no
    translation (named with its file and line) until a translator looks again; the update
    lends it the old one, fuzzy, with the English it was made for."""
    old, new = "{n} tests did not pass yet.", "{n} tests did not pass, yet."
    root = _fake_helpers(tmp_path / "root", old)
    units = i18n.helpers_units
    monkeypatch.setattr(i18n, "helpers_units", lambda _root=None: units(root))
    i18n.update_catalogue(i18n.HELPERS, "es")
    path = i18n.catalogue_path(i18n.HELPERS, "es")
    catalogue = i18n.read_catalogue(path)
    catalogue[old].string = "{n} pruebas todavía no pasaron."
    i18n.write_catalogue(catalogue, path)
    assert i18n.problems(i18n.HELPERS, "es") == []
    _fake_helpers(root, new)
    assert i18n.problems(i18n.HELPERS, "es") == [
        "helpers helpers/words.py:5: not translated"]
    i18n.update_catalogue(i18n.HELPERS, "es")
    message = i18n.read_catalogue(path)[new]
    assert message.fuzzy and message.string == "{n} pruebas todavía no pasaron."
    assert f'#| msgid "{old}"\nmsgid "{new}"' in path.read_text()  # for the translator's tool
    assert "changed after it was translated" in i18n.problems(i18n.HELPERS, "es")[0]


def test_a_helpers_translation_keeps_every_field_of_its_english(scratch_catalogues):
    path = i18n.catalogue_path(i18n.HELPERS, "es")
    catalogue = i18n.read_catalogue(path)
    message = next(m for m in catalogue if m.id and len(i18n.placeholders(m.id)) >= 2)
    fields = i18n.placeholders(message.id)
    message.string = message.string.replace("{" + fields[0], "{renamed_" + fields[0], 1)
    i18n.write_catalogue(catalogue, path)
    found = i18n.problems(i18n.HELPERS, "es")
    assert len(found) == 1 and "the translation's {fields}" in found[0], found


def test_a_helpers_message_must_be_a_literal(tmp_path):
    root = tmp_path / "root"
    (root / "helpers").mkdir(parents=True)
    (root / "helpers" / "words.py").write_text(
        "from .i18n import _\nname = 'x'\nsaid = _(f'{name} is not written yet')\n")
    with pytest.raises(ValueError, match=r"helpers/words.py:3: _\(\) takes a string literal"):
        i18n.helpers_units(root)


def test_the_helpers_speak_the_language_they_are_set_to_and_english_by_default():
    from helpers import i18n as said

    spanish = said.catalogue("es")
    assert len(spanish) == len(i18n.units_of(i18n.HELPERS))  # every message, current
    assert said.catalogue("en") == {} and said.DEFAULT_LANGUAGE == "en"
    try:
        said.set_language("es")
        assert all(said._(english) == text for english, text in spanish.items())
        said.set_language("en")
        assert all(said._(english) == english for english in spanish)
    finally:
        said.set_language("en")


def test_a_spanish_check_s_failure_is_read_for_its_problem_hint_and_place(monkeypatch):
    """The grader reads a check's message for its problem line, its hint and "in the cell
    above" (a link on the page): in Spanish as in English. A hidden test's verdict, always
    English in the checker, is described in the page's language."""
    import numpy as np

    from grader import feedback
    from helpers import checks
    from helpers import i18n as said

    assert {feedback.NOT_WRITTEN_ABOVE, feedback.NOT_WRITTEN_ANYWHERE} <= {
        u.english for u in i18n.units_of(i18n.HELPERS)}
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    def double(z):
        return z * 3

    def failure():
        with pytest.raises(checks.CheckFailed) as raised:
            checks.expect(double, {"z": np.array([1.0, 2.0])}, [2.0, 4.0],
                          hint="multiply by two")
        return str(raised.value)

    english = failure()
    try:
        said.set_language("es", {**said.catalogue("es"), "multiply by two": "multiplica por dos"})
        spanish = failure()
    finally:
        said.set_language("en")
    assert "Wrong values" in english and "Valores incorrectos" in spanish
    token = feedback.LANGUAGE.set("es")
    try:
        line = feedback.visible_failure({"ename": "CheckFailed", "evalue": spanish})
        hidden = feedback.hidden_failure({"ename": "CheckFailed", "evalue": english}, "double")
        place = feedback._check_words("es")[2]
    finally:
        feedback.LANGUAGE.reset(token)
    assert line.startswith("Valores incorrectos") and line.endswith("Pista: multiplica por dos")
    assert hidden == ("`double`: valores incorrectos, para `z` (un array float64 de 1-D de "
                      "forma (2,))")
    assert place == "en la celda de arriba"
    assert feedback.visible_failure({"ename": "CheckFailed", "evalue": english}).endswith(
        "Hint: multiply by two")


def test_the_setup_cell_s_messages_are_its_literals_and_translate_into_valid_code():
    import ast as syntax

    from helpers.setup import SETUP_CELL, SETUP_MESSAGES

    literals = {text for text, _, _ in i18n.code_strings(SETUP_CELL)}
    assert set(SETUP_MESSAGES) <= literals
    spanish = i18n.translated_strings(SETUP_CELL, i18n.shown_messages("es", visible_only=True))
    syntax.parse(spanish)
    found = {text for text, _, _ in i18n.code_strings(spanish)}
    assert not found & set(SETUP_MESSAGES) and "pip dijo: {said[-1]}" in found
    # what a learner's failed install is matched against stays pip's and git's English
    assert {"Could not resolve host", "Repository not found", "unknown revision"} <= found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_name_whose_texts_are_translated_is_used_in_its_own_cell_only(assignment):
    """A loop's label translated because its cell only shows it must not reach another
    cell (one that uses the name without binding it), where it could be code."""
    import ast

    cells = [c for c in _english(assignment).cells if c.cell_type == "code"]
    for cell in cells:
        for name in i18n.names_shown(cell.source):
            for other in cells:
                if other is cell:
                    continue
                python = "\n".join(line for line in other.source.split("\n")
                                   if not line.lstrip().startswith(("%", "!")))
                nodes = [node for node in ast.walk(ast.parse(python))
                         if isinstance(node, ast.Name)]
                free = ({n.id for n in nodes if isinstance(n.ctx, ast.Load)}
                        - {n.id for n in nodes if isinstance(n.ctx, ast.Store)})
                assert name not in free, (cell.id, name, other.id)


def test_a_shown_string_is_translated_where_it_stands_or_left_english():
    """Each place gets its own translation (the same English twice may differ); a
    backslash-continued literal stays valid code; a translation that no literal can hold
    as the f-string's template in the original's quotes is triple-quoted; a list that is
    also indexed, and a non-plotting call's ``labels=``, stay code."""
    source = ('ax.set_title("Loss"); print("Loss")\n'
              'assert ok, "first " \\\n    "second part"\n'
              "print(f\"{d['k']} items\")\n"
              'names = ["relu", "tanh"]\n'
              'for name in names:\n    print(name)\n'
              'layer = Dense(1, activation=names[0])\n'
              'matrix = confusion_matrix(y, p, labels=["cat", "dog"])\n')
    assert [text for text, _, _ in i18n.shown_strings(source)] == [
        "Loss", "Loss", "first second part", "{d['k']} items"]
    spanish = ["Pérdida", "pérdida impresa", "primera parte, segunda parte",
               "{d['k']} elementos \"de verdad\""]
    messages = {f"string:c:{n}": _Message(en, es) for n, (en, es) in enumerate(zip(
        [text for text, _, _ in i18n.shown_strings(source)], spanish, strict=True), 1)}
    translated = i18n.translated_code(source, "c", messages)
    assert [text for text, _, _ in i18n.shown_strings(translated)] == spanish
    assert i18n.code_tree(translated) == i18n.code_tree(source)
    assert '"relu"' in translated and '"cat"' in translated
