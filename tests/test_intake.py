"""Intake (grader.intake): every real-world submission handled, no archive can hurt the class.

Unit tests build awkward archives and folders and look at what ``collect`` makes of
them; one class of 04_activations is then graded from an archive holding all of it,
with two honest students whose ids a platform would export (a space, accents).
"""

import csv
import os
import stat
import struct
import subprocess
import sys
import unicodedata
import warnings
import zipfile
from datetime import datetime, timezone

import nbformat
import pytest

from grader.grade import grade_class, write_csv
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


def _zip(path, entries):
    """A zip of ``entries``: (name or ZipInfo, text) for a file, (name, None) for a folder."""
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about a repeated name
        for name, text in entries:
            if text is None:
                archive.mkdir(name)
            else:
                archive.writestr(name, text)
    return path


def _utc_entry(name, when):
    """A ZipInfo whose extended-timestamp field records ``when`` (UTC), as Info-ZIP writes it."""
    info = zipfile.ZipInfo(name, date_time=(1999, 1, 1, 0, 0, 0))
    info.extra = struct.pack("<HHBi", 0x5455, 5, 1, int(when.timestamp()))
    return info


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
    skipped = extract(archive, into, IntakeLimits()).skipped
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
    skipped = extract(archive, into, IntakeLimits(entry_mb=8, total_mb=10)).skipped
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
    clash = [found[nfc], found["jose\\u0301"]]  # the NFD folder, named as it is on disk
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
def test_a_hostile_archive_costs_the_class_nothing(tmp_path, dask_cluster):
    from nbgrader.api import Gradebook

    from grader.course import ROOT, course_id, sqlite_url

    solved = nbformat.writes(filled_release(A))
    recorded = datetime(2026, 11, 26, 10, 15, tzinfo=timezone.utc)
    archive = tmp_path / "class.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(archive, "w",
                                                     compression=zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")  # zipfile warns about a repeated name
        z.writestr("../../x.txt", "escape")
        _link(z, "lnk", "/etc")
        z.writestr("lnk/x.txt", "after the link")
        z.writestr(_utc_entry(f"first last/{NB}", recorded), solved)
        z.writestr("first last/timestamp.txt", STUDENT_S_TIME)  # the student's own
        z.writestr("first last/submission_secret.txt", "mine")
        z.writestr(f"=1+1/{NB}", nbformat.writes(filled_release(A, {
            "relu": "def relu(z):\n    return z\n"})))   # a first copy, replaced by
        z.mkdir(f"=1+1/{NB}")                               # a folder in its way and
        z.writestr(f"=1+1/{NB}", solved)                    # the copy that is graded
        z.writestr(f"jos\u00e9_\u00f1/{NB}", solved)
        with z.open("bomb/zeros.bin", "w") as entry:
            for _ in range(40):
                entry.write(bytes(2**20))
        z.writestr(f"junk/{NB}", "not a notebook")
        for index in range(2_000):
            z.writestr(f"junk/debris/{index:05d}-{'y' * 60}.txt", "")
    report = grade_class(A, archive, out=tmp_path / "out", home=tmp_path / "home",
                         cluster=dask_cluster.options(),
                         intake=IntakeLimits(entries=1_000, entry_mb=16, total_mb=64))
    with report.csv_path.open(newline="", encoding="utf-8") as handle:
        rows = {row[0]: row for row in csv.reader(handle)}  # csv's default field limit
    assert rows["first last"][3] == "graded" and rows["first last"][1] == rows["first last"][2]
    assert rows["first last"][5:] == ["2026-11-26T10:15:00Z", "archive record"]
    formula = rows["'=1+1"]  # a formula in a spreadsheet, text in grades.csv
    assert formula[3] == "graded" and formula[1] == formula[2]
    assert (f"the archive held 2 entries for {NB} (entries #7, #9 of 2012): the last, #9"
            in formula[4])
    assert f"=1+1/{NB}/ (a folder where the archive has a file of that name)" in formula[4]
    with Gradebook(sqlite_url(tmp_path / "home" / "gradebook.db"), course_id()) as gb:
        assert gb.find_submission(A, "=1+1").score == float(formula[2])  # the real id
        assert gb.find_submission(A, "first last").timestamp == recorded.replace(tzinfo=None)
    assert not (tmp_path / "home" / "feedback").exists()  # nbgrader's layout only
    subprocess.run([sys.executable, "-m", "nbgrader", "export", "--db",
                    sqlite_url(tmp_path / "home" / "gradebook.db"), "--to",
                    str(tmp_path / "export.csv")], cwd=ROOT, check=True, capture_output=True,
                   timeout=300)
    with (tmp_path / "export.csv").open(newline="", encoding="utf-8") as handle:
        assert "=1+1" in {row["student_id"] for row in csv.DictReader(handle)}
    assert (tmp_path / "out" / "feedback" / "=1+1" / f"{A}.html").is_file()
    assert rows["jos\u00e9_\u00f1"][3] == "graded"
    assert rows["junk"][3] == "invalid notebook" and "entries skipped from the archive" in rows[
        "junk"][4]
    assert rows["bomb"][3] == "missing" and "over 16 MB" in rows["bomb"][4]
    assert all(len(row[4]) <= 500 for row in rows.values())
    assert any("../../x.txt" in w for w in report.warnings)
    assert not (tmp_path / "x.txt").exists()
    assert (tmp_path / "out" / "feedback" / "first last" / NB.replace(".ipynb", ".html")).exists()


# ------------------------------------------------------------ entries in conflict

CONFLICTS = {
    "a folder named like the notebook, after it": [(f"ada/{NB}", "{}"), (f"ada/{NB}/", None)],
    "a folder named like the notebook, before it": [(f"ada/{NB}/", None), (f"ada/{NB}", "{}")],
    "a folder under the notebook": [(f"ada/{NB}", "{}"), (f"ada/{NB}/x/", None)],
    "a file named like the student's folder": [(f"ada/{NB}", "{}"), ("ada", "x")],
    "a name the disk refuses": [(f"ada/{'x' * 300}.txt", "x"), (f"ada/{NB}", "{}")],
    "a file under the notebook's name first": [(f"ada/{NB}/x.txt", "x"), (f"ada/{NB}", "{}")],
}


@pytest.mark.parametrize("entries", CONFLICTS.values(), ids=CONFLICTS)
def test_entries_in_conflict_cost_only_their_student_s_row(tmp_path, entries):
    archive = _zip(tmp_path / "class.zip", [*entries, (f"bob/{NB}", "{}")])
    submissions, warnings = collect(archive, A, tmp_path / "work")
    found = {s.student_id: s for s in submissions}
    assert set(found) == {"ada", "bob"} and warnings == []
    assert found["bob"].status is None and found["bob"].notes == []
    assert "1 entry skipped from the archive: ada" in found["ada"].detail()
    if entries[0][0] == f"ada/{NB}/x.txt":  # two files in conflict: the first one wins
        assert found["ada"].status == Status.MISSING
        assert "a file where the archive has a folder of that name" in found["ada"].detail()
    else:  # a folder entry never costs a file, whatever the order
        assert found["ada"].status is None and found["ada"].notebook.read_text() == "{}"


def test_two_entries_for_one_notebook_say_which_was_graded(tmp_path):
    entries = [(f"ada/{NB}", '{"copy": 1}'), ("ada/notes.txt", "n"), (f"ada/{NB}", '{"copy": 2}')]
    (ada,), _ = collect(_zip(tmp_path / "class.zip", entries), A, tmp_path / "work")
    assert ada.status is None and ada.notebook.read_text() == '{"copy": 2}'
    assert ada.detail().startswith(f"the archive held 2 entries for {NB} (entries #1, #3 of 3): "
                                   "the last, #3 (11 bytes")
    assert ada.detail().endswith("was graded")
    # a later copy that cannot be read whole leaves the earlier one, and the row says so
    entries[2] = (f"ada/{NB}", "x" * (2 * 2**20))
    (ada,), _ = collect(_zip(tmp_path / "big.zip", entries), A, tmp_path / "work2",
                        IntakeLimits(entry_mb=1))
    assert ada.notebook.read_text() == '{"copy": 1}'
    assert "an earlier one, #1 (11 bytes" in ada.detail() and "was graded" in ada.detail()
    assert f"ada/{NB} (over 1 MB)" in ada.detail()


# --------------------------------------------------------------- submission time

STUDENT_S_TIME = "2020-01-01 00:00:00.000000 UTC"  # what a student would like it to be


def test_a_student_s_timestamp_txt_never_sets_the_submission_time(tmp_path):
    collected = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)
    folder = tmp_path / "class" / "ada"
    folder.mkdir(parents=True)
    (folder / NB).write_text("{}")
    (folder / "timestamp.txt").write_text(STUDENT_S_TIME)
    (folder / "submission_secret.txt").write_text("mine")
    os.utime(folder / NB, (collected.timestamp(), collected.timestamp()))
    (ada,), _ = collect(folder.parent, A, tmp_path / "work")
    assert (ada.submitted_at, ada.submitted_from) == (collected, "time of collection")
    assert ada.nbgrader_folder is None and "timestamp.txt" in ada.extra

    recorded = datetime(2026, 11, 26, 10, 15, tzinfo=timezone.utc)
    archive = _zip(tmp_path / "class.zip", [
        (_utc_entry(f"ada/{NB}", recorded), "{}"), ("ada/timestamp.txt", STUDENT_S_TIME),
        (zipfile.ZipInfo(f"bo/{A}/{NB}", date_time=(2026, 11, 26, 11, 0, 0)), "{}"),
        (f"bo/{A}/timestamp.txt", STUDENT_S_TIME), (f"bo/{A}/submission_secret.txt", "s")])
    ada, bo = collect(archive, A, tmp_path / "work2")[0]
    assert (ada.submitted_at, ada.submitted_from) == (recorded, "archive record")
    local = datetime(2026, 11, 26, 11, 0).astimezone(timezone.utc)  # a zip's DOS time has no zone
    assert (bo.submitted_at, bo.submitted_from) == (local, "archive record (local time)")
    assert ada.nbgrader_folder is None and bo.nbgrader_folder is None


def test_nbgrader_s_collected_layout_keeps_nbgrader_s_timestamp(tmp_path):
    submitted = tmp_path / "grader" / "submitted"
    (submitted / "ada" / A).mkdir(parents=True)
    (submitted / "ada" / A / NB).write_text("{}")
    (submitted / "ada" / A / "timestamp.txt").write_text("2026-11-26 10:00:00.000000 UTC")
    (submitted / "ada" / A / "submission_secret.txt").write_text("nbgrader's")
    (ada,), _ = collect(submitted, A, tmp_path / "work")
    assert ada.submitted_at == datetime(2026, 11, 26, 10, tzinfo=timezone.utc)
    assert ada.submitted_from == "nbgrader timestamp.txt"
    assert ada.nbgrader_folder == submitted / "ada" / A and ada.extra == []


# ---------------------------------------------------------- rows that name folders

def test_refused_ids_name_their_folders_and_never_share_a_row(tmp_path):
    folder = tmp_path / "class"
    names = ["x" * 199 + "a", "x" * 199 + "b", "a\\x07", "a\x07"]
    for name in names:
        (folder / name).mkdir(parents=True)
        (folder / name / NB).write_text("{}")
    found = {s.student_id: s for s in collect(folder, A, tmp_path / "work")[0]}
    assert set(found) == {"x" * 199 + "a", "x" * 199 + "b", "a\\\\x07", "a\\x07"}
    assert all(s.status == Status.INVALID_ID for s in found.values())
    assert found["x" * 199 + "a"].detail() == (
        "the folder name (this row's id) is longer than 100 characters (200)")


# ------------------------------------------------------------------ CSV injection

def test_no_csv_cell_starts_a_formula_and_every_text_is_recoverable(tmp_path):
    cells = ['=HYPERLINK("http://x.example","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
             " =1", "\uff1d1", "'quoted", "'=x", "ada", "first last", "a=b", ""]
    write_csv(tmp_path / "t.csv", ["student_id", "score"], [[cell, 2.5] for cell in cells])
    with (tmp_path / "t.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    for cell, (written, score) in zip(cells, rows, strict=True):
        assert not written.lstrip().startswith(("=", "+", "-", "@", "\uff1d")), written
        assert not written.startswith(("\t", "\r")), written
        assert (written[1:] if written.startswith("'") else written) == cell
        assert score == "2.5"
