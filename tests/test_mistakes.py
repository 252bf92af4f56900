"""The notebooks' tests catch plausible mistakes and accept other correct answers.

Each solution notebook runs once in-process; then, for each graded cell, every
mistake of tests/mistakes/nbXX.py replaces the solution and at least one of its
test cells (visible or hidden) must fail, and every alternative must pass them all.
"""

import importlib
import pkgutil

import pytest

import tests.mistakes as mistake_modules
from tests.notebook_harness import NotebookSession

MODULES = [importlib.import_module(f"tests.mistakes.{m.name}")
           for m in pkgutil.iter_modules(mistake_modules.__path__)]
MISTAKES = [pytest.param(m.ASSIGNMENT, gid, src, id=f"{m.ASSIGNMENT[:2]}-{gid}-{desc}")
            for m in MODULES for gid, cases in m.MISTAKES.items() for desc, src in cases]
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


@pytest.mark.parametrize("assignment, grade_id, source", MISTAKES)
def test_mistake_is_caught(assignment, grade_id, source):
    error = session(assignment).run_tests_with(grade_id, source)
    assert error is not None, "the notebook's tests let this mistake through"
    assert not isinstance(error, (NameError, SyntaxError, ImportError)), (
        f"the mistake's own code is broken, so it proves nothing: {error!r}")


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
