"""Paths and nbgrader configuration shared by the grader's commands."""

from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
RELEASE = ROOT / "course"
GRADER_DIR = ROOT / "grader"
MASTER_DB = GRADER_DIR / "gradebook.db"
CONFIG_FILE = GRADER_DIR / "nbgrader_config.py"

# A solution or hidden-test block, marker lines included; group 1 is what is inside.
SOLUTION_BLOCK = re.compile(
    r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION[ \t]*(?:\n|\Z)", re.S | re.M)
HIDDEN_BLOCK = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*(?:\n|\Z)",
    re.S | re.M)
# a failed test cell's metadata in a graded notebook: the catalogued mistakes its answer
# agrees with, set by the grader from the checker's diagnosis (grader.checker.diagnosis)
DIAGNOSIS_KEY = "nn_diagnosis"

# nbgrader runs the `alembic` and `jupyter` programs of its own environment by name.
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata ({} for a cell nbgrader does not know, or a broken one)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def assignments() -> list[str]:
    """Assignment ids: the folders of solutions/ holding a notebook of the same name."""
    return sorted(
        p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file()
    )


def notebook_path(folder: Path, assignment: str) -> Path:
    return folder / assignment / f"{assignment}.ipynb"


@functools.cache
def course_id() -> str:
    """The course id of grader/nbgrader_config.py (the gradebook is keyed by it)."""
    return nbgrader_config().CourseDirectory.course_id


def nbgrader_config(**course_directory: str) -> Config:
    """The course's nbgrader config, with CourseDirectory settings overridden.

    Keyword arguments set CourseDirectory traits, e.g. ``root=...``, ``db_url=...``.
    """
    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    for key, value in course_directory.items():
        setattr(config.CourseDirectory, key, value)
    return config


def sqlite_url(path: Path) -> str:
    return "sqlite:///" + os.fspath(path)
