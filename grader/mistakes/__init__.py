"""Plausible student mistakes and alternative correct answers, per assignment.

Each module ``nbXX.py`` defines ``MISTAKES`` and ``ALTERNATIVES``: dicts from the
grade_id of a solution cell to a list of ``(description, source)`` pairs, and
``MESSAGES``: grade_id -> description -> the sentence a student's feedback page shows
when their function agrees with that mistake (``grader.checker.diagnosis``). Every
mistake must make at least one of that cell's tests fail (tests/test_mistakes.py);
every alternative must pass them all. Instructor edition only: the student edition's
leak test keeps these lines out of it.
"""

import importlib
import pkgutil


def function_source(signature: str, body: str) -> str:
    """Source of ``def <signature>:`` with ``body`` indented under it."""
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"\ndef {signature}:\n{lines}\n"


def modules() -> list:
    """The catalogue's modules, one per assignment."""
    return [importlib.import_module(f"{__name__}.{info.name}")
            for info in pkgutil.iter_modules(__path__) if info.name.startswith("nb")]


def catalogue(assignment: str) -> dict[str, list[list[str]]]:
    """grade id -> [[mistake, source, message]] for ``assignment`` (empty if none)."""
    for module in modules():
        if module.ASSIGNMENT == assignment:
            messages = getattr(module, "MESSAGES", {})
            return {grade_id: [[name, source, messages.get(grade_id, {}).get(name, "")]
                               for name, source in cases]
                    for grade_id, cases in module.MISTAKES.items()}
    return {}
