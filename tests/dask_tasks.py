"""Grading tasks that play a failing worker; Dask workers import them from here."""

import os
import time

from grader.worker import grade_submission


def _fake(job: dict, score: float = 7, **more) -> dict:
    return {"student": job["student"], "submission": job["submission"], "score": score,
            "status": "graded", "detail": "fake", "cells": {},
            "seconds": {"total": 0.1, "cells": 0.0}, **more}


def playing_worker(job: dict) -> dict:
    """Dies, lies or fails for the students named so; a fake grade for the others."""
    student = job["student"]
    if student == "dies":           # takes its worker down, every time it is tried
        os._exit(3)
    if student == "raises":
        raise RuntimeError("the grader itself failed")
    if student == "impostor":
        return {**_fake(job, 99), "student": "somebody_else"}
    if student == "bad_status":
        return _fake(job, status="<script>")
    return _fake(job)


def slow_fake(job: dict) -> dict:
    """A fake grade that takes a second: long enough to stop a run in the middle."""
    time.sleep(1)
    return _fake(job)


def real(job: dict) -> dict:
    return grade_submission(job)
