"""The Spanish student edition (``python -m grader publish OUT --language es``).

Published once per run from the working tree (conftest's ``edition_es``) and read beside
the English one: the same files, the same code, cells, grade ids and points; the text a
reader reads in Spanish, from ``i18n/es``; nbgrader's checksums valid, so Validate works;
no answer leaks. A class where some hand in the Spanish notebook and some the English one
is graded by one command: equal scores for equal answers, each page in its notebook's
language.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import compute_checksum

from grader import i18n
from grader.course import assignments, nbgrader_meta
from grader.publish import PublishError, _build
from grader.release import filled_release, without_lesson_cells
from helpers.setup import SETUP_MESSAGES, colab_badge_url
from tests.browser import chromium, launched_browser
from tests.conftest import EDITION_REF, EDITION_REPOSITORY, SPANISH_REPOSITORY
from tests.test_edition import _files, _leaks, _secret_lines

ASSIGNMENTS = assignments()


def _notebook(edition: Path, assignment: str):
    return nbformat.read(edition / "course" / assignment / f"{assignment}.ipynb", as_version=4)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_spanish_notebook_is_the_english_one_in_spanish(edition, edition_es, assignment):
    english, spanish = _notebook(edition, assignment), _notebook(edition_es, assignment)
    assert i18n.language_of(spanish) == "es" and i18n.language_of(english) == "en"
    assert len(spanish.cells) == len(english.cells)
    wording = i18n.current(assignment, "es")
    messages = i18n.current_messages(assignment, "es")
    shown_es = {english: text for english, text in i18n.shown_messages("es").items()
                if english in SETUP_MESSAGES}  # the setup cell's, helpers' own messages
    shown = frozenset({*shown_es, *shown_es.values()})
    for en, es in zip(english.cells, spanish.cells, strict=True):
        en_meta, es_meta = dict(nbgrader_meta(en)), dict(nbgrader_meta(es))
        en_meta.pop("checksum", None), es_meta.pop("checksum", None)
        assert (es.cell_type, es.id, es_meta) == (en.cell_type, en.id, en_meta), en.id
        if en.cell_type == "code":  # the same code, but for the texts shown to the reader
            assert i18n.code_tree(es.source.replace(SPANISH_REPOSITORY, "OWNER/NAME"),
                                  shown) == i18n.code_tree(
                en.source.replace(EDITION_REPOSITORY, "OWNER/NAME"), shown), en.id
            translations = [shown_es[text] for text, _, _ in i18n.code_strings(en.source)
                            if text in shown_es]
            assert [text for text, _, _ in i18n.code_strings(es.source)
                    if text in translations] == translations, en.id
            # every comment the reader sees is the catalogue's Spanish
            english_comments = i18n.comments(en.source)
            spanish_comments = [text for _, _, text in i18n.comments(es.source)]
            assert spanish_comments == [
                messages[f"comment:{en.id}:{n}"].string
                for n, _ in enumerate(english_comments, 1)], en.id
            # and every string shown to the reader (printed, a figure's words, a docstring)
            assert [text for text, _, _ in i18n.shown_strings(es.source)] == [
                messages[f"string:{en.id}:{n}"].string
                for n, _ in enumerate(i18n.shown_strings(en.source), 1)], en.id
        elif en.source.strip():
            english_text = en.source.replace(
                colab_badge_url(assignment, EDITION_REPOSITORY, EDITION_REF),
                colab_badge_url(assignment))
            spanish_text = es.source.replace(
                colab_badge_url(assignment, SPANISH_REPOSITORY, EDITION_REF),
                colab_badge_url(assignment))
            assert spanish_text == wording[english_text], en.id
    assert colab_badge_url(assignment, SPANISH_REPOSITORY, EDITION_REF) in spanish.cells[0].source


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_checksum_is_nbgrader_s_and_the_stub_is_spanish(edition_es, assignment):
    notebook = _notebook(edition_es, assignment)
    checked = 0
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if "checksum" in meta:
            assert meta["checksum"] == compute_checksum(cell), cell.id
            checked += 1
    assert checked > 0
    answers = [c.source for c in notebook.cells if nbgrader_meta(c).get("solution")]
    assert answers and all("# TU CÓDIGO AQUÍ" in a and "YOUR CODE" not in a for a in answers)


def test_the_spanish_readme_is_the_english_one_in_spanish(edition, edition_es):
    english = (edition / "README.md").read_text(encoding="utf-8")
    spanish = (edition_es / "README.md").read_text(encoding="utf-8")
    wording = i18n.current(i18n.README, "es")
    template = (i18n.ROOT / "grader" / "edition_readme.md").read_text(encoding="utf-8")
    prose = [b for b in i18n.readme_blocks(template)
             if not b.startswith("```") and not re.fullmatch(r"\{\w+\}", b.strip())]
    for block in prose:
        shown = block.replace("{repository}", EDITION_REPOSITORY).replace(
            "{ref}", EDITION_REF)
        translated = wording[block].replace("{repository}", SPANISH_REPOSITORY).replace(
            "{ref}", EDITION_REF)
        assert shown in english and translated in spanish and translated != shown
        first = shown.splitlines()[0]
        assert first not in spanish or first in translated, first
    rows = [line for line in spanish.splitlines() if re.match(r"\| \d\d \| ", line)]
    assert len(rows) == len(ASSIGNMENTS)
    for assignment, row in zip(ASSIGNMENTS, rows, strict=True):
        assert colab_badge_url(assignment, SPANISH_REPOSITORY, EDITION_REF) in row
        learn = i18n.syllabus_lines((i18n.ROOT / "README.md").read_text(encoding="utf-8"))
        assert wording[learn[assignment]] in row
    assert "python3 tasks.py lab" in spanish and "# TU CÓDIGO AQUÍ" in spanish


def test_publishing_spanish_twice_writes_the_same_bytes(edition_es, tmp_path):
    from grader.publish import publish

    again = publish(tmp_path / "again", SPANISH_REPOSITORY, EDITION_REF, from_working_tree=True,
                    language="es").out
    assert _files(again) == _files(edition_es)
    assert [name for name in _files(again)
            if (again / name).read_bytes() != (edition_es / name).read_bytes()] == []


def test_no_line_of_a_solution_hidden_test_or_mistake_list_is_in_the_spanish_edition(
        edition_es):
    assert _leaks(edition_es, _secret_lines()) == []


def test_the_spanish_edition_is_refused_while_a_unit_is_missing(tmp_path):
    """Publishing Spanish with one paragraph untranslated names it and writes nothing."""
    source = tmp_path / "source"
    source.mkdir()
    for entry in i18n.ROOT.iterdir():
        if entry.name in ("course", "solutions", "helpers", "data", "grader", "README.md",
                          "pyproject.toml", "LICENSE", "tasks.py"):
            (source / entry.name).symlink_to(entry)
    subprocess.run(["cp", "-r", str(i18n.I18N), str(source / "i18n")], check=True)
    assignment = ASSIGNMENTS[0]
    path = i18n.catalogue_path(assignment, "es", source / "i18n")
    catalogue = i18n.read_catalogue(path)
    message = next(m for m in catalogue if m.id and m.context != "markdown:intro")
    message.string = ""
    i18n.write_catalogue(catalogue, path)
    (tmp_path / "out").mkdir()
    with pytest.raises(PublishError, match=f"{assignment} {message.context}: not translated"):
        _build(source, tmp_path / "out", SPANISH_REPOSITORY, EDITION_REF, "es")
    _build(source, tmp_path / "out", SPANISH_REPOSITORY, EDITION_REF, "en")  # English: fine


def test_a_class_in_both_languages_gets_equal_scores_and_pages_in_each_language(
        edition, edition_es, tmp_path, dask_cluster):
    """The same answers, one notebook English and one Spanish: the same points and
    detail; each page in its notebook's language; neither told a cell was restored."""
    from grader.grade import grade_class
    from grader.mistakes import catalogue

    assignment = "04_activations"
    mistakes = catalogue(assignment)
    grade_id = next(iter(mistakes))
    wrong = mistakes[grade_id][0][1]
    submissions = tmp_path / "submissions"
    for language, folder in (("en", edition), ("es", edition_es)):
        for who, answers in (("right", None), ("wrong", {grade_id: wrong})):
            student = submissions / f"{who}_{language}"
            student.mkdir(parents=True)
            nbformat.write(without_lesson_cells(filled_release(
                assignment, answers, release_root=folder / "course")),
                student / f"{assignment}.ipynb")
    report = grade_class(assignment, submissions, out=tmp_path / "out", home=tmp_path / "home",
                         cluster=dask_cluster.options())
    rows = {row.student_id: row for row in report.rows}
    for who in ("right", "wrong"):
        en, es = rows[f"{who}_en"], rows[f"{who}_es"]
        assert (es.status, es.score, es.detail) == (en.status, en.score, en.detail), who
        assert "restored" not in es.detail
    assert rows["right_es"].score == rows["right_es"].max_score > rows["wrong_es"].score
    wording = i18n.current(i18n.FEEDBACK, "es")
    from grader.feedback import WORDS

    for who in ("right", "wrong"):
        es_page = (tmp_path / "out" / "feedback" / f"{who}_es" / f"{assignment}.html").read_text()
        en_page = (tmp_path / "out" / "feedback" / f"{who}_en" / f"{assignment}.html").read_text()
        assert '<html lang="es">' in es_page and '<html lang="en">' in en_page
        assert wording[WORDS["as graded"]] in es_page and WORDS["as graded"] in en_page
        assert WORDS["as graded"] not in es_page
        # the lesson's text as the student read it
        assert "Aprenderás a" in es_page and "You will learn to" not in es_page
        assert "You will learn to" in en_page
    # the mistake named in each student's language, in the sentence the catalogue gives it
    from grader.feedback import _with_code

    english = mistakes[grade_id][0][2]
    spanish = i18n.current(assignment, "es")[english]
    wrong_es, wrong_en = ((tmp_path / "out" / "feedback" / f"wrong_{language}" /
                           f"{assignment}.html").read_text() for language in ("es", "en"))
    assert _with_code(spanish) in wrong_es and _with_code(english) not in wrong_es
    assert _with_code(english) in wrong_en
    # the checks' own words: Spanish on the Spanish page, never English
    from helpers.i18n import catalogue

    checks = catalogue("es")
    assert re.search(r"Se esperaba la forma|Valores incorrectos|Valor incorrecto", wrong_es)
    assert not re.search(r"Expected shape|Wrong values?\b|Hint: ", wrong_es)
    assert re.search(r"Expected shape|Wrong values?\b", wrong_en)
    assert checks["Hint: {hint}"] == "Pista: {hint}"


def test_the_spanish_edition_s_jupyterlab_speaks_spanish(edition_es, tmp_path):
    """The edition's tasks.py installs the language pack and sets the locale; a lab with
    its settings (served by the course's environment) shows its menus in Spanish."""
    import importlib.util
    import os

    from tests.test_jupyterlab import Lab

    spec = importlib.util.spec_from_file_location("edition_es_tasks", edition_es / "tasks.py")
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    assert (tasks.STUDENT_EDITION, tasks.COURSE_LANGUAGE) == (True, "es")
    assert tasks.EXTRAS.split(",") == ["tf", "course", "es"]
    assert tasks.LAB_SETTINGS["@jupyterlab/translation-extension:plugin"] == {"locale": "es_ES"}
    assert "jupyterlab-language-pack-es-ES" in (edition_es / "pyproject.toml").read_text()

    settings = tmp_path / "settings" / "overrides.d"
    settings.mkdir(parents=True)
    (settings / "nn-course.json").write_text(json.dumps(tasks.LAB_SETTINGS))
    lab = Lab([sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={edition_es}",
               f"--LabApp.app_settings_dir={settings.parent}", "--allow-root"],
              edition_es, dict(os.environ), tmp_path / "lab.log", wait=300)
    try:
        status, body = lab.get("/lab/api/settings/@jupyterlab/translation-extension:plugin")
        assert status == 200 and json.loads(body)["settings"].get("locale", "es_ES") == "es_ES"
        schema = json.loads(body)["schema"]["properties"]["locale"]["default"]
        assert schema == "es_ES", schema
        if chromium() is None and not os.environ.get("NN_COURSE_REQUIRE_BROWSER"):
            pytest.skip("Debian's chromium is not installed: the menus were not looked at")
        with launched_browser() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{lab.port}/lab?token={lab.token}")
            page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=120_000)
            page.wait_for_timeout(2000)
            menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "Archivo" in menus and "File" not in menus, menus
    finally:
        lab.stop()


def test_a_spanish_submission_is_graded_as_it_is_and_restored_in_spanish(edition_es, tmp_path):
    """Its read-only cells (Spanish text, Spanish comments) earn no note; one the student
    edited comes back as the Spanish edition holds it, not in English."""
    import copy

    from grader.autograde import prepare
    from tests.test_edition import _gradebook_spec

    assignment = "05_softmax_cross_entropy"
    spec = _gradebook_spec(assignment, tmp_path / assignment)
    submission = filled_release(assignment, release_root=edition_es / "course")
    assert prepare(copy.deepcopy(submission), spec)[1] == []
    index, test = next((i, c) for i, c in enumerate(submission.cells)
                       if nbgrader_meta(c).get("grade") and i18n.comments(c.source)
                       and "# Pruebas" in c.source)
    spanish = test.source
    test.source = "assert True  # I made it pass\n"
    prepared, notes, _ = prepare(submission, spec)
    assert notes == [f"{nbgrader_meta(test)['grade_id']} restored"]
    restored = next(c for c in prepared.cells
                    if nbgrader_meta(c).get("grade_id") == nbgrader_meta(test)["grade_id"])
    assert restored.source == spanish


def test_a_spanish_student_s_kernel_gets_helpers_in_spanish_without_the_hidden_hints(tmp_path):
    """The graded kernel's copy of helpers speaks its notebook's language, from the
    spec's messages, and holds no hint of a hidden test (the kernel is the student's);
    the checker's messages have them all, and the mistakes' sentences."""
    from grader.autograde import SpecCell
    from grader.worker import _WorkerState
    from helpers.i18n import DOMAIN
    from tests.test_edition import _gradebook_spec

    assignment = "05_softmax_cross_entropy"
    spec = _gradebook_spec(assignment, tmp_path / assignment)
    # no hidden test of the course has a hint today: one is planted, with its translation
    hidden = "the hidden test's hint names its input 1e4"
    spec.cells.append(SpecCell("test_planted_hidden", "test", "code", (
        "### BEGIN HIDDEN TESTS\nexpect(softmax, {'Z': Z}, P, hint=" + repr(hidden) + ")\n"
        "### END HIDDEN TESTS\n"), 1.0, hidden=True))
    spec.messages["es"][hidden] = "la pista de la prueba oculta nombra su entrada 1e4"
    checker = spec.messages["es"]
    visible = {text for cell in spec.cells for text, _ in i18n.hints(cell.source)} - {hidden}
    assert visible and visible <= set(checker)
    assert set(i18n.current(assignment, "es")) >= {m[2] for entries in spec.mistakes.values()
                                                   for m in entries} and all(
        m[2] in checker for entries in spec.mistakes.values() for m in entries)
    state = _WorkerState()
    state.scratch = tmp_path / "scratch"
    english, spanish = (state.helpers_for(spec, "0" * 64, language) for language in ("en", "es"))
    assert not (english / "locale").exists() and english != spanish
    compiled = spanish / "locale" / "es" / "LC_MESSAGES" / f"{DOMAIN}.mo"
    script = ("import gettext, json, sys; t = gettext.GNUTranslations(open(sys.argv[1], 'rb'));"
              "print(json.dumps([k for k in t._catalog if isinstance(k, str) and k]))")
    shown = set(json.loads(subprocess.run([sys.executable, "-c", script, str(compiled)],
                                          capture_output=True, text=True, check=True).stdout))
    assert visible <= shown and hidden not in shown
    assert not shown & {m[2] for entries in spec.mistakes.values() for m in entries}
    assert 'DEFAULT_LANGUAGE = "es"' in (spanish / "i18n.py").read_text()
