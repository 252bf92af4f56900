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


@functools.cache
def _alembic_head() -> str | None:
    """The newest migration of nbgrader's gradebook schema, read from its migration files
    (None if they do not name exactly one)."""
    import nbgrader

    revisions, parents = set(), set()
    for script in (Path(nbgrader.__file__).parent / "alembic" / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revisions |= set(re.findall(r"^revision = '(\w+)'", text, re.M))
        parents |= set(re.findall(r"^down_revision = '(\w+)'", text, re.M))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def create_gradebook(path: Path) -> None:
    """An empty nbgrader gradebook at ``path`` if there is none, as nbgrader would make it.

    nbgrader learns its schema version by running ``alembic heads`` in a new process (about
    5 s, on every new gradebook: each class graded into a fresh folder); here it is read
    from the migration files. Where that fails, nbgrader makes the gradebook itself.
    """
    if path.exists() or (head := _alembic_head()) is None:
        return
    from nbgrader.api import Base
    from sqlalchemy import create_engine, text

    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(sqlite_url(path), future=True)
    try:
        with engine.begin() as connection:
            Base.metadata.create_all(bind=connection)
            connection.execute(text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                               {"v": head})
    finally:
        engine.dispose()
