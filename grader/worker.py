"""Grade one student's notebook in a process of its own (started by grader.grade).

    python -m grader.worker '{"assignment": ..., "student": ..., "notebook": ...,
                              "work_root": ..., "master_db": ...}'

Builds a private nbgrader course folder in ``work_root`` (a copy of the gradebook,
the submission, an empty source folder: no solutions), runs nbgrader's autograde
and generate_feedback there, and prints one JSON line with the scores.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from traitlets import Bool

from .course import HIDDEN_BLOCK, nbgrader_config, sqlite_url

HIDDEN_NOTE = "# (hidden tests: their code is not shown)\n"
RESULT_PREFIX = "GRADER-RESULT "


class HideHiddenTests(Preprocessor):
    """In feedback, replace hidden-test code by a note and keep only each error's message."""

    enabled = Bool(True)  # nbconvert skips a preprocessor that is not enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and "BEGIN HIDDEN TESTS" in cell.source:
            cell.source = HIDDEN_BLOCK.sub(HIDDEN_NOTE, cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
        return cell, resources


def _status(autograded: Path) -> str:
    """'timeout' or 'kernel died' if the autograded notebook shows it, else 'graded'."""
    if not autograded.is_file():
        return "not graded"
    nb = nbformat.read(autograded, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "CellTimeoutError":
                return "timeout"
            if output.get("ename") == "DeadKernelError":
                return "kernel died"
    return "graded"


def grade_one(assignment: str, student: str, notebook: Path, work_root: Path,
              master_db: Path) -> dict:
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades

    if work_root.exists():
        shutil.rmtree(work_root)
    (work_root / "source" / assignment).mkdir(parents=True)
    submitted = work_root / "submitted" / student / assignment
    submitted.mkdir(parents=True)
    shutil.copyfile(notebook, submitted / f"{assignment}.ipynb")
    db = work_root / "gradebook.db"
    shutil.copyfile(master_db, db)

    config = nbgrader_config(
        root=str(work_root), source_directory="source", submitted_directory="submitted",
        autograded_directory="autograded", feedback_directory="feedback",
        db_url=sqlite_url(db),
    )
    config.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests,
                                             CSSHTMLHeaderPreprocessor]
    config.HTMLExporter.template_name = "feedback"
    for app_class in (Autograde, GenerateFeedback):
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id, coursedir.student_id = assignment, student
        app = app_class(coursedir=coursedir, config=config)
        app.force = True
        app.start()

    with Gradebook(sqlite_url(db), config.CourseDirectory.course_id) as gb:
        submission = gb.find_submission(assignment, student)
        cells = {
            grade.name: {
                "auto_score": grade.auto_score,
                "max_score": grade.max_score,
                "needs_manual_grade": grade.needs_manual_grade,
            }
            for nb in submission.notebooks for grade in nb.grades
        }
        score, max_score = submission.score, submission.max_score
    autograded = work_root / "autograded" / student / assignment / f"{assignment}.ipynb"
    feedback = work_root / "feedback" / student / assignment / f"{assignment}.html"
    return {
        "student": student, "score": score, "max_score": max_score,
        "status": _status(autograded), "cells": cells,
        "autograded": str(autograded), "feedback": str(feedback) if feedback.is_file() else None,
    }


def main(argv: list[str]) -> int:
    job = json.loads(argv[0])
    result = grade_one(job["assignment"], job["student"], Path(job["notebook"]),
                       Path(job["work_root"]), Path(job["master_db"]))
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
