"""Write the student edition: what students clone and Colab installs from, with no answers.

    python -m grader publish OUT --repository OWNER/NAME [--ref REF]

OUT receives ``course/`` (the released notebooks, their setup cells and Colab badges
pointing at ``OWNER/NAME`` at the tag REF), ``helpers/``, ``data/`` (with provenance
and licences), ``pyproject.toml``, ``LICENSE``, a student ``README.md`` and a
``tasks.py`` whose ``lab`` command opens JupyterLab on the course with nbgrader's
Validate button only. Nothing else of this repository goes there: no ``solutions/``,
no grader, no tests (and so no hidden tests and no lists of student mistakes).

The default REF is ``edition-`` and the first 12 hex digits of this repository's
commit. Publishing the same commit twice writes the same bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat

from helpers.setup import COURSE_REF, COURSE_REPOSITORY, colab_badge_url, setup_cell

from .course import RELEASE, ROOT, assignments, nbgrader_meta

REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}")
COPIED = ["pyproject.toml", "LICENSE", "data/README.md"]
EDITION_GITIGNORE = ".venv/\n__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


class PublishError(RuntimeError):
    """The edition cannot be written as asked (bad repository name, no commit, ...)."""


def default_ref(root: Path = ROOT) -> str:
    """``edition-`` and the first 12 hex digits of the checkout's commit."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise PublishError("no git commit to name the edition after: pass --ref") from error
    return f"edition-{commit[:12]}"


def _rewrite_notebook(path: Path, assignment: str, repository: str, ref: str):
    """The released notebook with its badge and setup cell pointing at ``repository@ref``.

    Both cells are locked: their nbgrader checksums are recomputed, so that Validate
    (which refuses a changed read-only cell) works in the edition.
    """
    from nbgrader.utils import compute_checksum

    notebook = nbformat.read(path, as_version=4)
    old_badge, new_badge = colab_badge_url(assignment), colab_badge_url(assignment, repository, ref)
    old_setup, new_setup = setup_cell(), setup_cell(repository, ref)
    for cell in notebook.cells:
        changed = cell.source.replace(old_badge, new_badge) if cell.cell_type == "markdown" \
            else (new_setup if cell.source == old_setup else cell.source)
        if changed == cell.source:
            continue
        cell.source = changed
        meta = nbgrader_meta(cell)
        if "checksum" in meta:
            meta["checksum"] = compute_checksum(cell)
    if not any(c.source == new_setup for c in notebook.cells):
        raise PublishError(f"{path}: no setup cell to point at {repository}@{ref}")
    return notebook


def _syllabus(repository: str, ref: str) -> str:
    """The instructor README's syllabus table, with an "Open in Colab" badge per notebook."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"^\| # \|.*?(?=\n\n)", text, re.S | re.M)
    if table is None:
        raise PublishError("README.md has no syllabus table to copy")
    rows = []
    for line in table.group(0).splitlines():
        found = re.search(r"\]\(course/([^/]+)/", line)
        if line.startswith("| # "):
            rows.append(line + " Colab |")
        elif line.startswith("|---"):
            rows.append(line + "---|")
        elif found:
            url = colab_badge_url(found.group(1), repository, ref)
            rows.append(line + f" [![Open In Colab]({BADGE_IMAGE})]({url}) |")
    return "\n".join(rows)


def student_readme(repository: str, ref: str) -> str:
    template = (Path(__file__).parent / "edition_readme.md").read_text(encoding="utf-8")
    return (template.replace("{syllabus}", _syllabus(repository, ref))
            .replace("{repository}", repository).replace("{ref}", ref))


def _name_the_edition(setup_module: Path, repository: str, ref: str) -> None:
    """The edition's helpers.setup names its own repository and tag (so SETUP_CELL and the
    badge URLs it makes are the edition's)."""
    text = setup_module.read_text(encoding="utf-8")
    lines = {f'COURSE_REPOSITORY = "{COURSE_REPOSITORY}"': f'COURSE_REPOSITORY = "{repository}"',
             f'COURSE_REF = "{COURSE_REF}"': f'COURSE_REF = "{ref}"'}
    for old, new in lines.items():
        if f"\n{old}\n" not in text:
            raise PublishError(f"helpers/setup.py lacks the line {old}")
        text = text.replace(f"\n{old}\n", f"\n{new}\n")
    setup_module.write_text(text, encoding="utf-8")


def publish(out: Path, repository: str, ref: str | None = None) -> Path:
    """Write the student edition of this checkout to ``out`` (emptied first); return it."""
    if not REPOSITORY.fullmatch(repository):
        raise PublishError(f"--repository must be OWNER/NAME as on GitHub, not {repository!r}")
    ref = ref or default_ref()
    if not REF.fullmatch(ref) or ".." in ref:
        raise PublishError(f"--ref is not a valid git tag name: {ref!r}")
    if (repository, ref) == (COURSE_REPOSITORY, COURSE_REF):
        raise PublishError("give the edition's real repository (--repository OWNER/NAME)")
    out = Path(out).resolve()
    if out == ROOT or ROOT.is_relative_to(out) or (out.exists() and any(out.iterdir())
                                                   and not (out / "course").is_dir()):
        raise PublishError(f"{out} is not empty and is not an earlier edition: choose a new folder")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    for assignment in assignments():
        notebook = _rewrite_notebook(RELEASE / assignment / f"{assignment}.ipynb", assignment,
                                     repository, ref)
        target = out / "course" / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(notebook, target)
    for source in sorted((ROOT / "helpers").rglob("*.py")):
        target = out / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    _name_the_edition(out / "helpers" / "setup.py", repository, ref)
    for data in sorted((ROOT / "data").glob("*.npz")):
        (out / "data").mkdir(exist_ok=True)
        shutil.copyfile(data, out / "data" / data.name)
    for name in COPIED:
        shutil.copyfile(ROOT / name, out / name)
    tasks = (ROOT / "tasks.py").read_text(encoding="utf-8")
    if "\nSTUDENT_EDITION = False\n" not in tasks:
        raise PublishError("tasks.py lacks the line `STUDENT_EDITION = False`")
    (out / "tasks.py").write_text(tasks.replace("\nSTUDENT_EDITION = False\n",
                                                "\nSTUDENT_EDITION = True\n"), encoding="utf-8")
    (out / "tasks.py").chmod(0o755)
    (out / "README.md").write_text(student_readme(repository, ref), encoding="utf-8")
    (out / ".gitignore").write_text(EDITION_GITIGNORE, encoding="utf-8")
    (out / "edition.json").write_text(json.dumps(
        {"repository": repository, "ref": ref, "assignments": assignments()}, indent=2) + "\n",
        encoding="utf-8")
    return out
