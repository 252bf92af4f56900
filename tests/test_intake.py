"""Intake (grader.intake): every real-world submission handled, no archive can hurt the class.

Unit tests build awkward archives and folders and look at what ``collect`` makes of
them; one class of 04_activations is then graded from an archive holding all of it,
with two honest students whose ids a platform would export (a space, accents).
"""

import csv
import os
import stat
import unicodedata
import zipfile

import nbformat
import pytest

from grader.grade import grade_class
from grader.intake import IntakeLimits, collect, extract
from grader.release import filled_release
from grader.sandbox import sandbox_problem
from grader.status import Status

A = "04_activations"
NB = f"{A}.ipynb"


def _link(archive: zipfile.ZipFile, name: str, target: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive.writestr(info, target)


def _files_under(folder):
    return [p for p in folder.rglob("*") if p.is_file()]


def test_unsafe_paths_and_links_are_skipped_and_nothing_lands_outside(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../escaped.txt", "out")
        z.writestr("/abs.txt", "out")
        z.writestr("C:/windows.txt", "out")
        _link(z, "ada/lnk", "/etc")
        z.writestr("ada/lnk/x.txt", "through the link?")
        _link(z, "ada/" + NB, "/etc/passwd")
        z.writestr("bob/" + NB, "{}")
    into = tmp_path / "work" / "unpacked"
    skipped = extract(archive, into, IntakeLimits())
    assert set(skipped) == {"../../escaped.txt", "/abs.txt", "C:/windows.txt", "ada/lnk",
                            "ada/" + NB}
    assert not any(p.name == "escaped.txt" for p in tmp_path.parent.rglob("escaped.txt"))
    assert not any(p.is_symlink() for p in into.rglob("*"))
    assert (into / "ada" / "lnk" / "x.txt").read_text() == "through the link?"  # a plain folder


def test_an_archive_bomb_never_writes_past_the_limits(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("ada/zeros.bin", "w") as entry:  # 64 MiB of zeros, ~64 KiB compressed
            for _ in range(64):
                entry.write(bytes(2**20))
        for name in ("bob", "cy", "dee", "eve"):
            z.writestr(f"{name}/{NB}", "x" * (3 * 2**20))
    assert archive.stat().st_size < 2**20
    into = tmp_path / "unpacked"
    skipped = extract(archive, into, IntakeLimits(entry_mb=8, total_mb=10))
    written = sum(p.stat().st_size for p in _files_under(into))
    assert written <= 10 * 2**20
    assert skipped["ada/zeros.bin"] == ["over 8 MB"]
    assert skipped[f"eve/{NB}"] == ["past the 10 MB an archive may hold"]


def test_too_many_entries_are_skipped_not_extracted(tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"ada/{NB}", "{}")
        for index in range(300):
            z.writestr(f"ada/junk/{index}.txt", "x")
    submissions, warnings = collect(archive, A, tmp_path / "work", IntakeLimits(entries=100))
    (ada,) = submissions
    assert len(_files_under(tmp_path / "work" / "unpacked")) == 100
    assert ada.detail().startswith("201 entries skipped from the archive: ")
    assert len(ada.detail()) <= 500
    assert warnings == []


def test_ids_as_platforms_export_them(tmp_path):
    folder = tmp_path / "class"
    names = ["first last", "jos\u00e9_\u00f1", "Ana", "ana", "jose\u0301", "jos\u00e9",
             "bad\x07bell", "x" * 101, " padded"]
    for name in names:
        (folder / name).mkdir(parents=True)
        (folder / name / NB).write_text("{}")
    found = {s.student_id: s for s in collect(folder, A, tmp_path / "work")[0]}
    assert found["first last"].status is None and found["jos\u00e9_\u00f1"].status is None
    assert found["Ana"].status is None and found["ana"].status is None
    assert "differ only in case" in found["Ana"].detail()
    nfc = unicodedata.normalize("NFC", "jose\u0301")
    clash = [found[nfc], found[nfc + " (2)"]]
    assert len(clash) == 2 and all(s.status == Status.AMBIGUOUS_ID for s in clash)
    assert found["bad\\x07bell"].status == Status.INVALID_ID
    assert "control character" in found["bad\\x07bell"].detail()
    assert found["x" * 101].status == Status.INVALID_ID
    assert "longer than 100" in found["x" * 101].detail()
    assert found[" padded"].status == Status.INVALID_ID


def test_nbgrader_s_collected_layout_and_a_wrapped_zip_are_read(tmp_path):
    submitted = tmp_path / "grader" / "submitted"
    for student in ("ada", "bob"):
        (submitted / student / A).mkdir(parents=True)
        (submitted / student / A / NB).write_text("{}")
        (submitted / student / A / "timestamp.txt").write_text("2026-11-26 10:00:00.000000 UTC")
    found, _ = collect(submitted, A, tmp_path / "work")
    assert [(s.student_id, s.notebook.name, s.extra) for s in found] == [
        ("ada", NB, []), ("bob", NB, [])]
    archive = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"downloads/class/ada/{NB}", "{}")
        z.writestr("__MACOSX/._ada", "debris")
    found, _ = collect(archive, A, tmp_path / "work2")
    assert [s.student_id for s in found] == ["ada"]


def test_links_in_a_folder_are_not_followed(tmp_path):
    folder = tmp_path / "class"
    (folder / "ada").mkdir(parents=True)
    (folder / "ada" / NB).symlink_to("/etc/passwd")
    (folder / "bob").symlink_to("/etc")
    found = {s.student_id: s for s in collect(folder, A, tmp_path / "work")[0]}
    assert found["ada"].notebook is None and "is a link" in found["ada"].detail()
    assert found["bob"].notebook is None and found["bob"].status == Status.MISSING


def test_a_missing_notebook_names_the_files_handed_in_not_the_folders(tmp_path):
    submitted = tmp_path / "submitted"
    (submitted / "ada" / A).mkdir(parents=True)
    (submitted / "ada" / A / "timestamp.txt").write_text("2026-11-26 10:00:00")
    (submitted / "bob" / A).mkdir(parents=True)
    (submitted / "bob" / A / f"{A} (1).ipynb").write_text("{}")
    found = {s.student_id: s for s in collect(submitted, A, tmp_path / "work")[0]}
    assert found["ada"].status == Status.MISSING and found["ada"].detail() == f"no {NB}"
    assert found["bob"].detail() == f"no {NB}; found {A}/{A} (1).ipynb"


@pytest.mark.skipif(sandbox_problem() is not None and not os.environ.get(
    "NN_COURSE_REQUIRE_SANDBOX"), reason=f"bubblewrap cannot run here: {sandbox_problem()}")
def test_a_hostile_archive_costs_the_class_nothing(tmp_path):
    solved = nbformat.writes(filled_release(A))
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../x.txt", "escape")
        _link(z, "lnk", "/etc")
        z.writestr("lnk/x.txt", "after the link")
        z.writestr(f"first last/{NB}", solved)
        z.writestr(f"jos\u00e9_\u00f1/{NB}", solved)
        with z.open("bomb/zeros.bin", "w") as entry:
            for _ in range(40):
                entry.write(bytes(2**20))
        z.writestr(f"junk/{NB}", "not a notebook")
        for index in range(2_000):
            z.writestr(f"junk/debris/{index:05d}-{'y' * 60}.txt", "")
    report = grade_class(A, archive, out=tmp_path / "out", home=tmp_path / "home", workers=2,
                         intake=IntakeLimits(entries=1_000, entry_mb=16, total_mb=64))
    with report.csv_path.open(newline="", encoding="utf-8") as handle:
        rows = {row[0]: row for row in csv.reader(handle)}  # csv's default field limit
    assert rows["first last"][3] == "graded" and rows["first last"][1] == rows["first last"][2]
    assert rows["jos\u00e9_\u00f1"][3] == "graded"
    assert rows["junk"][3] == "invalid notebook" and "entries skipped from the archive" in rows[
        "junk"][4]
    assert rows["bomb"][3] == "missing" and "over 16 MB" in rows["bomb"][4]
    assert all(len(row[4]) <= 500 for row in rows.values())
    assert any("../../x.txt" in w for w in report.warnings)
    assert not (tmp_path / "x.txt").exists()
    assert (tmp_path / "out" / "feedback" / "first last" / NB.replace(".ipynb", ".html")).exists()
