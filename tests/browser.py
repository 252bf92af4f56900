"""Debian's chromium, driven by playwright: for the tests that look at what users see."""

import contextlib
import os
import shutil

import pytest

ARGUMENTS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-sync"]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


needs_chromium = pytest.mark.skipif(
    chromium() is None and not os.environ.get("NN_COURSE_REQUIRE_BROWSER"),
    reason="Debian's chromium is not installed (python3 tasks.py env installs it where "
           "apt-get needs no password)")


@contextlib.contextmanager
def launched_browser():
    """A headless chromium (no sandbox: tests run as root in containers), closed after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=ARGUMENTS)
        try:
            yield browser
        finally:
            browser.close()
