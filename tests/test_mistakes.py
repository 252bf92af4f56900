"""The notebooks' tests catch plausible mistakes and accept other correct answers.

Each solution notebook runs once in-process; then, for each graded cell, every
mistake of grader/mistakes/nbXX.py replaces the solution and at least one of its
test cells (visible or hidden) must fail, and every alternative must pass them all.
"""

import importlib
import pkgutil

import pytest

import grader.mistakes as mistake_modules
from tests.notebook_harness import NotebookSession

MODULES = [importlib.import_module(f"grader.mistakes.{m.name}")
           for m in pkgutil.iter_modules(mistake_modules.__path__)]
MISTAKES = [pytest.param(m.ASSIGNMENT, gid, desc, src, id=f"{m.ASSIGNMENT[:2]}-{gid}-{desc}")
            for m in MODULES for gid, cases in m.MISTAKES.items() for desc, src in cases]
MODULE_OF = {m.ASSIGNMENT: m for m in MODULES}
DIAGNOSED: dict[tuple[str, str, str], set[str]] = {}  # read by conftest's summary
ALTERNATIVES = [pytest.param(m.ASSIGNMENT, gid, src, id=f"{m.ASSIGNMENT[:2]}-{gid}-{desc}")
                for m in MODULES for gid, cases in m.ALTERNATIVES.items() for desc, src in cases]
# A module may name, in CAUGHT_VISIBLY (grade_id -> descriptions), mistakes that the visible
# tests alone must catch: the edge cases the instructions state.
VISIBLY = [pytest.param(m.ASSIGNMENT, gid, dict(m.MISTAKES[gid])[desc],
                        id=f"{m.ASSIGNMENT[:2]}-{gid}-{desc}-visibly")
           for m in MODULES for gid, descriptions in getattr(m, "CAUGHT_VISIBLY", {}).items()
           for desc in descriptions]
# ... and in CAUGHT_BY_THE_HIDDEN_TESTS, mistakes that the hidden tests alone must catch as well.
HIDDEN = [pytest.param(m.ASSIGNMENT, gid, dict(m.MISTAKES[gid])[desc],
                       id=f"{m.ASSIGNMENT[:2]}-{gid}-{desc}-hidden")
          for m in MODULES
          for gid, descriptions in getattr(m, "CAUGHT_BY_THE_HIDDEN_TESTS", {}).items()
          for desc in descriptions]
_sessions: dict[str, NotebookSession] = {}


def session(assignment: str) -> NotebookSession:
    if assignment not in _sessions:
        _sessions[assignment] = NotebookSession(assignment)
    return _sessions[assignment]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.ASSIGNMENT)
def test_every_graded_cell_has_mistakes_and_alternatives(module):
    graded = session(module.ASSIGNMENT).solution_cells
    assert graded == set(module.MISTAKES), "each solution cell needs a list of mistakes"
    assert graded == set(module.ALTERNATIVES), "each solution cell needs alternatives"


def _named_together(module, grade_id: str, description: str) -> set[str]:
    """The mistakes a diagnosis must name for this one: itself, or its group in
    ``SAME_NUMBERS`` (mistakes that compute the same thing on every test input)."""
    for group in getattr(module, "SAME_NUMBERS", {}).get(grade_id, []):
        if description in group:
            return set(group)
    return {description}


@pytest.mark.parametrize("assignment, grade_id, description, source", MISTAKES)
def test_mistake_is_caught_and_named(assignment, grade_id, description, source):
    """Caught by the tests, and named by the grader's diagnosis (grader.checker.diagnosis)
    replaying the tests' calls on the catalogue: exactly this mistake (or its group of
    mistakes that give the same numbers), unless the module says why it cannot be."""
    notebook = session(assignment)
    error = notebook.run_tests_with(grade_id, source, diagnose=True)
    assert error is not None, "the notebook's tests let this mistake through"
    assert not isinstance(error, (NameError, SyntaxError, ImportError)), (
        f"the mistake's own code is broken, so it proves nothing: {error!r}")
    module = MODULE_OF[assignment]
    named = {name for name, _ in notebook.diagnosis or []}
    DIAGNOSED[(assignment, grade_id, description)] = named
    unnamed = getattr(module, "NOT_NAMED", {}).get(grade_id, {})
    if description in unnamed:
        assert description not in named, f"named after all: drop it from NOT_NAMED ({named})"
        assert not named, f"another mistake is named instead: {named}"
        return
    assert named == _named_together(module, grade_id, description), (
        f"the diagnosis names {sorted(named) or 'nothing'}")
    assert all(message for name, message in notebook.diagnosis)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.ASSIGNMENT)
def test_every_mistake_has_a_message_for_the_student(module):
    assert module.MESSAGES.keys() == module.MISTAKES.keys()
    for grade_id, cases in module.MISTAKES.items():
        descriptions = [description for description, _ in cases]
        assert len(set(descriptions)) == len(descriptions), grade_id
        assert set(module.MESSAGES[grade_id]) == set(descriptions), grade_id
        for description, source in cases:
            message = module.MESSAGES[grade_id][description]
            assert message.startswith(f"Your `{grade_id}`") and len(message) <= 300, message
            code = {line.strip() for line in source.splitlines() if len(line.strip()) > 12}
            assert not [line for line in code if line in message], message  # no code handed over
    for grade_id, groups in getattr(module, "SAME_NUMBERS", {}).items():
        assert all(set(g) <= set(module.MESSAGES[grade_id]) for g in groups), grade_id
    for grade_id, reasons in getattr(module, "NOT_NAMED", {}).items():
        assert set(reasons) <= set(module.MESSAGES[grade_id]), grade_id


UNCATALOGUED = """
_reference_{name} = {name}


def {name}(*args, **kwargs):
    return _off(_reference_{name}(*args, **kwargs))


def _off(value):
    import numpy as np
    if isinstance(value, (tuple, list)):
        return type(value)(_off(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value + 0.0371
    if isinstance(value, float):
        return value + 0.0371
    return value
"""


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.ASSIGNMENT)
def test_a_wrong_answer_no_mistake_explains_names_nothing(module):
    """The reference answer, off by 0.0371 in every float it returns: wrong, and no
    catalogued mistake, so the diagnosis claims nothing."""
    notebook = session(module.ASSIGNMENT)
    failed = 0
    for grade_id in module.MISTAKES:
        source = notebook.cells[grade_id] + UNCATALOGUED.format(name=grade_id)
        if notebook.run_tests_with(grade_id, source, diagnose=True) is not None:
            failed += 1
            assert not notebook.diagnosis, (grade_id, notebook.diagnosis)
    assert failed, "no function returns floats?"


@pytest.mark.parametrize("assignment, grade_id, source", ALTERNATIVES)
def test_alternative_is_accepted(assignment, grade_id, source):
    error = session(assignment).run_tests_with(grade_id, source)
    assert error is None, f"a correct answer was rejected: {error}"


@pytest.mark.parametrize("assignment, grade_id, source", VISIBLY)
def test_mistake_is_caught_by_the_visible_tests(assignment, grade_id, source):
    error = session(assignment).run_tests_with(grade_id, source, kinds=("visible",))
    assert error is not None, "only the hidden tests catch this mistake; the visible ones must"
    assert not isinstance(error, (NameError, SyntaxError, ImportError)), (
        f"the mistake's own code is broken, so it proves nothing: {error!r}")


@pytest.mark.parametrize("assignment, grade_id, source", HIDDEN)
def test_mistake_is_caught_by_the_hidden_tests(assignment, grade_id, source):
    error = session(assignment).run_tests_with(grade_id, source, kinds=("hidden",))
    assert error is not None, "only the visible tests catch this mistake; the hidden ones must too"
    assert not isinstance(error, (NameError, SyntaxError, ImportError)), (
        f"the mistake's own code is broken, so it proves nothing: {error!r}")
