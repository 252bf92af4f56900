"""Write the student edition: what students clone and Colab installs from, with no answers.

    python -m grader publish OUT --repository OWNER/NAME [--ref REF] [--dry-run]
                             [--from-working-tree] [--language es]

OUT receives ``course/`` (the released notebooks, their setup cells and Colab badges
pointing at ``OWNER/NAME`` at the tag REF), ``helpers/``, ``data/`` (with provenance
and licences), ``pyproject.toml``, ``LICENSE``, a student ``README.md`` and a
``tasks.py`` whose ``lab`` command opens JupyterLab on the course with nbgrader's
Validate button only. Nothing else of this repository goes there: no ``solutions/``,
no grader, no tests (and so no hidden tests and no lists of student mistakes).

``--language es`` writes the Spanish edition, for its own repository: the notebooks'
markdown and the README from ``i18n/es/`` (refused while a unit there is missing or
stale), nbgrader's stub as ``# TU CÓDIGO AQUÍ``, the language in each notebook's
metadata (the grader reads it to write that student's feedback in Spanish). The code
cells are the English edition's.

What is published is what this repository's commit (HEAD) holds, read with
``git archive``: notebooks saved in ``course/`` by a lab, or any other uncommitted
change, never reach students, and the report names what was left out. The commit's
``course/`` must be exactly what nbgrader generates from the commit's ``solutions/``
(no outputs saved by a lab, no answer typed in): publish refuses it otherwise, naming
the notebooks. ``--from-working-tree`` publishes the files on disk instead (the tests do,
to try an uncommitted checkout), with the same check; it needs ``--ref`` when those files
differ from the commit, since the default tag names the commit.

The default REF is ``edition-`` and the first 12 hex digits of the commit. The same
commit gives the same bytes, whatever the working tree holds.

OUT is a new or empty folder, an empty clone (only ``.git``), or an earlier edition
(it holds ``edition.json`` and nothing but what an edition holds): that one is updated
in place, keeping its ``.git`` and nothing else of the old tree. Any other folder is
refused. The report lists what changed and the git commands that commit, tag and push
the edition; ``--dry-run`` prints them and writes nothing.
"""

from __future__ import annotations

import filecmp
import importlib.util
import io
import json
import re
import shlex
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import ROOT, nbgrader_meta

REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}")
COPIED = ["pyproject.toml", "LICENSE", "data/README.md"]
# What of this repository an edition is made from (the commit's copies, by default).
SOURCES = ["course", "solutions", "helpers", "data", "pyproject.toml", "LICENSE", "README.md",
           "tasks.py", "grader/edition_readme.md", "i18n"]
EDITION_LANGUAGES = ("en", "es")
# The top-level entries an edition holds, and those its own tools make (.gitignore'd).
EDITION_ENTRIES = {"course", "helpers", "data", "pyproject.toml", "LICENSE", "README.md",
                   "tasks.py", ".gitignore", "edition.json"}
EDITION_BUILD_OUTPUTS = {".venv", "__pycache__", ".ipynb_checkpoints"}
EDITION_GITIGNORE = ".venv/\n__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


class PublishError(RuntimeError):
    """The edition cannot be written as asked (bad repository name, no commit, ...)."""


def _git(root: Path, *args: str) -> str:
    """A git command's standard output in ``root``; PublishError when it fails."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        raise PublishError(f"git {' '.join(args)} failed in {root}: "
                           f"{detail.decode(errors='replace').strip() or error}") from error
    return done.stdout.decode("utf-8", errors="replace")


def _head(root: Path) -> str:
    try:
        return _git(root, "rev-parse", "--verify", "HEAD^{commit}").strip()
    except PublishError as error:
        raise PublishError(f"{root} has no git commit to publish: commit first (or pass "
                           "--from-working-tree with --ref)") from error


def default_ref(root: Path = ROOT) -> str:
    """``edition-`` and the first 12 hex digits of the checkout's commit."""
    try:
        commit = _head(root)
    except PublishError as error:
        raise PublishError("no git commit to name the edition after: pass --ref") from error
    return f"edition-{commit[:12]}"


def uncommitted(root: Path = ROOT) -> list[str]:
    """The files the edition is made from that differ from the commit, with git's status
    letters, e.g. ``"M course/05_x/05_x.ipynb"`` (untracked files included)."""
    entries = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
                   *SOURCES).split("\0")
    found, index = [], 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if not entry:
            continue
        status, path = entry[:2].strip(), entry[3:]
        if status[:1] in "RC":
            index += 1  # a rename's second field is the old name
        found.append(f"{status} {path}")
    return sorted(found, key=lambda line: line.split(" ", 1)[1])


def _snapshot(root: Path, commit: str, folder: Path) -> Path:
    """The commit's copies of SOURCES, extracted into ``folder`` (what ``git archive`` gives)."""
    present = [path for path in SOURCES
               if _git(root, "ls-tree", "--name-only", commit, "--", path).strip()]
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "--", *present],
                             cwd=root, capture_output=True, check=False)
    if archive.returncode != 0:
        raise PublishError(f"git archive failed: {archive.stderr.decode(errors='replace')}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        # the commit's own files; the "data" filter (Python 3.10.12+) refuses odd members
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(folder, **safe)
    return folder


def _assignments(source: Path) -> list[str]:
    solutions = source / "solutions"
    return sorted(p.name for p in solutions.iterdir() if (p / f"{p.name}.ipynb").is_file())


def stale_release(source: Path) -> list[str]:
    """The notebooks of ``source/course`` that are not byte for byte what nbgrader
    generates from ``source/solutions`` (outputs a lab saved, an edited cell, an old
    release), as paths relative to ``source``."""
    from .release import generate

    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for assignment in _assignments(source):
            generated = generate(assignment, Path(tmp) / "release", Path(tmp) / "gradebook.db",
                                 solutions_dir=source / "solutions")
            released = source / "course" / assignment / f"{assignment}.ipynb"
            if not released.is_file() or released.read_bytes() != generated.read_bytes():
                stale.append(str(released.relative_to(source)))
    return stale


def _setup_module(source: Path):
    """``source``'s helpers/setup.py as a module of its own (not the one imported here)."""
    spec = importlib.util.spec_from_file_location("_edition_setup",
                                                  source / "helpers" / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rewrite_notebook(path: Path, assignment: str, repository: str, ref: str, setup=None,
                      language: str = "en", catalogues: Path | None = None):
    """The released notebook with its badge and setup cell pointing at ``repository@ref``,
    in ``language``: its markdown from the catalogues (``grader.i18n``), nbgrader's stub in
    that language, the language in its metadata.

    Changed cells may be locked: their nbgrader checksums are recomputed, so that Validate
    (which refuses a changed read-only cell) works in the edition. ``setup`` is the
    helpers.setup module whose placeholders the notebook holds.
    """
    from nbgrader.utils import compute_checksum

    if setup is None:
        import helpers.setup as setup
    notebook = nbformat.read(path, as_version=4)
    if language != "en":
        from .i18n import translated

        notebook = translated(assignment, language, notebook, folder=catalogues)
    old_badge = setup.colab_badge_url(assignment)
    new_badge = setup.colab_badge_url(assignment, repository, ref)
    old_setup, new_setup = setup.setup_cell(), setup.setup_cell(repository, ref)
    if language != "en":  # what the cell says, before helpers is there to say it
        from .i18n import shown_messages, translated_strings

        folder = catalogues or ROOT / "i18n"
        new_setup = translated_strings(new_setup, shown_messages(
            language, visible_only=True, root=folder.parent, folder=folder))
    released = nbformat.read(path, as_version=4)
    for cell, before in zip(notebook.cells, released.cells, strict=True):
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(old_badge, new_badge)
        elif cell.source == old_setup:
            cell.source = new_setup
        elif nbgrader_meta(cell).get("solution"):
            from .i18n import CODE_STUB

            cell.source = cell.source.replace(CODE_STUB["en"], CODE_STUB[language])
        meta = nbgrader_meta(cell)
        if cell.source != before.source and "checksum" in meta:
            meta["checksum"] = compute_checksum(cell)
    if not any(c.source == new_setup for c in notebook.cells):
        raise PublishError(f"{path}: no setup cell to point at {repository}@{ref}")
    return notebook


def _syllabus(repository: str, ref: str, source: Path = ROOT, setup=None) -> str:
    """The instructor README's syllabus table, with an "Open in Colab" badge per notebook."""
    if setup is None:
        import helpers.setup as setup
    text = (source / "README.md").read_text(encoding="utf-8")
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
            url = setup.colab_badge_url(found.group(1), repository, ref)
            rows.append(line + f" [![Open In Colab]({BADGE_IMAGE})]({url}) |")
    return "\n".join(rows)


def student_readme(repository: str, ref: str, source: Path = ROOT, setup=None,
                   language: str = "en") -> str:
    template = (source / "grader" / "edition_readme.md").read_text(encoding="utf-8")
    syllabus = _syllabus(repository, ref, source, setup)
    if language != "en":
        template, syllabus = _translated_readme(template, syllabus, source, language)
    return (template.replace("{syllabus}", syllabus)
            .replace("{repository}", repository).replace("{ref}", ref))


def _translated_readme(template: str, syllabus: str, source: Path, language: str
                       ) -> tuple[str, str]:
    """The README template and syllabus table in ``language`` (``i18n/<language>/README.po``:
    its prose blocks, the table's header and each notebook's "what you learn")."""
    from .i18n import README, SYLLABUS_HEADER, current, syllabus_lines, translated_blocks

    wording = current(README, language, source / "i18n")
    template = translated_blocks(template, wording)
    learn = syllabus_lines((source / "README.md").read_text(encoding="utf-8"))
    rows = []
    for line in syllabus.splitlines():
        if line == SYLLABUS_HEADER:
            line = wording[SYLLABUS_HEADER]
        found = re.match(r"\| \d+ \| \[`(\w+)`\]", line)
        if found and learn.get(found[1]) in wording:
            line = line.replace(f" | {learn[found[1]]} | ", f" | {wording[learn[found[1]]]} | ", 1)
        rows.append(line)
    return template, "\n".join(rows)


def _name_the_edition(setup_module: Path, repository: str, ref: str, setup) -> None:
    """The edition's helpers.setup names its own repository and tag (so SETUP_CELL and the
    badge URLs it makes are the edition's)."""
    text = setup_module.read_text(encoding="utf-8")
    lines = {f'COURSE_REPOSITORY = "{setup.COURSE_REPOSITORY}"':
             f'COURSE_REPOSITORY = "{repository}"',
             f'COURSE_REF = "{setup.COURSE_REF}"': f'COURSE_REF = "{ref}"'}
    for old, new in lines.items():
        if f"\n{old}\n" not in text:
            raise PublishError(f"helpers/setup.py lacks the line {old}")
        text = text.replace(f"\n{old}\n", f"\n{new}\n")
    setup_module.write_text(text, encoding="utf-8")


def _build(source: Path, out: Path, repository: str, ref: str, language: str = "en") -> None:
    """Write the edition made from the files of ``source`` into the empty folder ``out``."""
    setup = _setup_module(source)
    if (repository, ref) == (setup.COURSE_REPOSITORY, setup.COURSE_REF):
        raise PublishError("give the edition's real repository (--repository OWNER/NAME)")
    assignments = _assignments(source)
    if language != "en":
        from .i18n import DATA_README, HELPERS, README, problems

        missing = [line for name in [*assignments, README, DATA_README, HELPERS]
                   for line in problems(name, language, root=source, folder=source / "i18n")
                   if " mistake:" not in line]  # the mistakes' sentences are the grader's
        if missing:
            raise PublishError(f"the {language} translation is not whole ({len(missing)} "
                               "units; python -m grader translations): "
                               + "; ".join(missing[:5]))
    for assignment in assignments:
        notebook = _rewrite_notebook(source / "course" / assignment / f"{assignment}.ipynb",
                                     assignment, repository, ref, setup, language,
                                     source / "i18n")
        target = out / "course" / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(notebook, target)
    for module in sorted((source / "helpers").rglob("*.py")):
        target = out / module.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(module, target)
    _name_the_edition(out / "helpers" / "setup.py", repository, ref, setup)
    if language != "en":  # its helpers speak it: the messages and the visible tests' hints
        from .i18n import shown_messages, speak

        speak(out / "helpers", language, shown_messages(
            language, visible_only=True, root=source, folder=source / "i18n"))
    for data in sorted((source / "data").glob("*.npz")):
        (out / "data").mkdir(exist_ok=True)
        shutil.copyfile(data, out / "data" / data.name)
    for name in COPIED:
        shutil.copyfile(source / name, out / name)
    if language != "en":
        from .i18n import DATA_README, current, translated_blocks

        text = (source / "data" / "README.md").read_text(encoding="utf-8")
        (out / "data" / "README.md").write_text(translated_blocks(
            text, current(DATA_README, language, source / "i18n")), encoding="utf-8")
    tasks = (source / "tasks.py").read_text(encoding="utf-8")
    if "\nSTUDENT_EDITION = False\n" not in tasks:
        raise PublishError("tasks.py lacks the line `STUDENT_EDITION = False`")
    tasks = tasks.replace("\nSTUDENT_EDITION = False\n", "\nSTUDENT_EDITION = True\n")
    if language != "en":
        line = '\nCOURSE_LANGUAGE = "en"'
        if line not in tasks:
            raise PublishError(f"tasks.py lacks the line {line.strip()}")
        tasks = tasks.replace(line, f'\nCOURSE_LANGUAGE = "{language}"', 1)
    (out / "tasks.py").write_text(tasks, encoding="utf-8")
    (out / "tasks.py").chmod(0o755)
    (out / "README.md").write_text(student_readme(repository, ref, source, setup, language),
                                   encoding="utf-8")
    (out / ".gitignore").write_text(EDITION_GITIGNORE, encoding="utf-8")
    described = {"repository": repository, "ref": ref, "assignments": assignments}
    if language != "en":  # the English edition's file is as it always was
        described["language"] = language
    (out / "edition.json").write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")


# ------------------------------------------------------------------ the folder OUT

def _files(folder: Path) -> set[str]:
    """Every file under ``folder`` but its ``.git``, as relative paths."""
    if not folder.is_dir():
        return set()
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if (p.is_file() or p.is_symlink()) and p.relative_to(folder).parts[0] != ".git"}


def _check_out_folder(out: Path, root: Path = ROOT) -> None:
    """Refuse a folder that is neither new, empty, an empty clone nor an earlier edition."""
    if out == root or root.is_relative_to(out):
        raise PublishError(f"{out} holds this repository: choose another folder")
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out} is a file, not a folder")
    entries = {p.name for p in out.iterdir()} - {".git"} if out.exists() else set()
    if not entries:
        return
    if not (out / "edition.json").is_file():
        raise PublishError(f"{out} is not empty and is not an earlier edition (no edition.json)"
                           f": it holds {', '.join(sorted(entries)[:8])}. Choose a new folder, "
                           "an empty one or a clone of an empty repository")
    foreign = sorted(name for name in entries - EDITION_ENTRIES - EDITION_BUILD_OUTPUTS
                     if not name.endswith(".egg-info"))
    if foreign:
        raise PublishError(f"{out} is an earlier edition that also holds {', '.join(foreign)}, "
                           "which publishing would delete: move them out first")


def _replace_contents(out: Path, staging: Path) -> None:
    """Make ``out`` hold exactly what ``staging`` holds, keeping ``out/.git`` as it is."""
    out.mkdir(parents=True, exist_ok=True)
    for entry in out.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in sorted(staging.iterdir()):
        shutil.move(str(entry), str(out / entry.name))


@dataclass
class Edition:
    """What publishing wrote (or, in a dry run, would write) and what to do next."""

    out: Path
    repository: str
    ref: str
    made_from: str                                    # "commit 0123abcd..." or "working tree"
    dry_run: bool = False
    added: list[str] = field(default_factory=list)    # relative to out
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # "M path" in this repository
    git: dict = field(default_factory=dict)  # out's repository: exists, origin, tag, pending

    def next_steps(self) -> list[str]:
        """The shell commands that commit, tag and push the edition to its repository."""
        url = f"https://github.com/{self.repository}.git"
        steps = [f"cd {shlex.quote(str(self.out))}"]
        fresh = not self.git.get("exists")
        changes = bool(self.added or self.changed or self.removed)
        if fresh:
            steps.append("git init -b main")
        if fresh or changes or self.git.get("pending"):
            steps += ["git add -A", f"git commit -m {shlex.quote(f'Student edition {self.ref}')}"]
        if changes or not self.git.get("tag"):  # an existing tag: git refuses, as it should
            steps.append(f"git tag {self.ref}")
        if not self.git.get("origin"):
            steps.append(f"git remote add origin {url}")
        steps.append(f"git push -u origin main {self.ref}" if fresh
                     else f"git push origin HEAD {self.ref}")
        return steps

    def report(self) -> str:
        lines = []
        changes = len(self.added) + len(self.changed) + len(self.removed)
        if self.dry_run:
            lines.append(f"dry run: nothing written. Publishing {self.made_from} to {self.out} "
                         f"for {self.repository}@{self.ref} would change {changes} files:")
        else:
            lines.append(f"student edition of {self.made_from} written to {self.out} for "
                         f"{self.repository}@{self.ref}: {changes} files changed")
        for label, paths in (("added", self.added), ("changed", self.changed),
                             ("removed", self.removed)):
            if label == "added" and paths and not (self.changed or self.removed):
                lines.append(f"  added: {len(paths)} files (a new edition)")
                continue
            lines += [f"  {label}: {path}" for path in paths]
        if self.left_out:
            lines.append("not published (uncommitted in this repository; commit them to "
                         "publish them):")
            lines += [f"  {entry}" for entry in self.left_out]
        origin = self.git.get("origin")
        if origin and self.repository not in origin:
            lines.append(f"note: {self.out}'s remote origin is {origin}, but the badges and "
                         f"installs point at https://github.com/{self.repository}")
        if self.git.get("tag") and changes:
            lines.append(f"warning: the tag {self.ref} already names an earlier commit of this "
                         "edition, and students' links may use it: publish with a new --ref "
                         f"(or, if it was never pushed, run git tag -d {self.ref} first)")
        if not changes and not self.git.get("pending") and self.git.get("tag"):
            lines.append(f"the edition is already {self.ref}; if it is not pushed yet:")
        else:
            lines.append("then, to put it online (the badges and Colab installs need the tag "
                         "on GitHub):" if not self.dry_run else "then you would run:")
        lines += [f"  {step}" for step in self.next_steps()]
        return "\n".join(lines)


def _git_state(out: Path, ref: str) -> dict:
    """Whether ``out`` is a git work tree, its origin, whether it has the tag ``ref`` and
    uncommitted changes."""
    if not (out / ".git").exists():
        return {"exists": False}

    def answer(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=out, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"exists": True, "origin": answer("remote", "get-url", "origin"),
            "tag": bool(answer("rev-parse", "-q", "--verify", f"refs/tags/{ref}")),
            "pending": bool(answer("status", "--porcelain"))}


def publish(out: Path, repository: str, ref: str | None = None, *,
            from_working_tree: bool = False, dry_run: bool = False,
            root: Path = ROOT, language: str = "en") -> Edition:
    """Write the student edition of ``root``'s commit (or working tree) to ``out``, in
    ``language`` (English, or a language whose catalogues under i18n/ are whole).

    Returns what was done (or, with ``dry_run``, would be) and the commands to run next.
    """
    if language not in EDITION_LANGUAGES:
        raise PublishError(f"--language must be one of {', '.join(EDITION_LANGUAGES)}, "
                           f"not {language!r}")
    if not REPOSITORY.fullmatch(repository):
        raise PublishError(f"--repository must be OWNER/NAME as on GitHub, not {repository!r}")
    if ref is not None and (not REF.fullmatch(ref) or ".." in ref):
        raise PublishError(f"--ref is not a valid git tag name: {ref!r}")
    root = Path(root).resolve()
    out = Path(out).resolve()
    _check_out_folder(out, root)
    is_repository = (root / ".git").exists()
    left_out = uncommitted(root) if is_repository else []
    if from_working_tree:
        if ref is None and (left_out or not is_repository):
            raise PublishError("the working tree differs from the commit the default tag would "
                               "name: pass --ref (or commit, and publish without "
                               "--from-working-tree)")
        ref = ref or default_ref(root)
        return _publish_from(root, out, repository, ref, "the working tree", [], dry_run,
                             language)
    commit = _head(root)
    ref = ref or f"edition-{commit[:12]}"
    with tempfile.TemporaryDirectory(prefix="nn-course-commit-") as tmp:
        source = _snapshot(root, commit, Path(tmp))
        return _publish_from(source, out, repository, ref, f"commit {commit[:12]}", left_out,
                             dry_run, language)


def _publish_from(source: Path, out: Path, repository: str, ref: str, made_from: str,
                  left_out: list[str], dry_run: bool, language: str = "en") -> Edition:
    stale = stale_release(source)
    if stale:
        where = "the working tree's" if made_from == "the working tree" else f"{made_from}'s"
        raise PublishError(
            f"{where} course/ is not what nbgrader generates from its solutions/ (outputs "
            "saved by a lab, an edited cell, or a release not rerun): "
            + ", ".join(stale) + ". Run `python -m grader release`, commit, and publish again")
    with tempfile.TemporaryDirectory(prefix="nn-course-edition-") as tmp:
        staging = Path(tmp) / "edition"
        staging.mkdir()
        _build(source, staging, repository, ref, language)
        new, old = _files(staging), _files(out)
        common = sorted(new & old)
        _, mismatch, errors = filecmp.cmpfiles(staging, out, common, shallow=False)
        edition = Edition(out, repository, ref, made_from, dry_run,
                          added=sorted(new - old), changed=sorted(mismatch + errors),
                          removed=sorted(old - new), left_out=left_out)
        if not dry_run:
            _replace_contents(out, staging)
    edition.git = _git_state(out, ref)
    return edition


def command(out: str, repository: str, ref: str | None, *, dry_run: bool = False,
            from_working_tree: bool = False, language: str = "en") -> int:
    """``python -m grader publish``: publish, print the report; 0, or 1 with the reason."""
    import sys

    try:
        edition = publish(Path(out), repository, ref, dry_run=dry_run,
                          from_working_tree=from_working_tree, language=language)
    except PublishError as error:
        print(f"publish failed: {error}", file=sys.stderr)
        return 1
    print(edition.report())
    return 0
