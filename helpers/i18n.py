"""The helpers' messages in the reader's language (gettext; English is the source).

Every message a reader sees (a check's failure, a hint, "not written yet", a quiz, a
widget's or a figure's labels) is written in English inside ``_()``, or ``N_()`` where it
is data kept for later (a quiz question) and translated by ``_()`` where it is shown:

    print(_("{name} is not written yet").format(name=name))

``_`` returns the English unless the language is another one and its catalogue has a
translation of that English (gettext's message id is the English text, so a changed
English string has no translation until a translator makes one). Numbers, code and the
names of functions, arrays and Keras arguments stay outside the translated text.

The language: :func:`set_language`, else ``$NN_COURSE_LANGUAGE``, else the edition's
:data:`DEFAULT_LANGUAGE` (``python -m grader publish --language es`` writes ``"es"`` and
puts the compiled catalogue in ``helpers/locale/es/LC_MESSAGES/helpers.mo``). In the
instructor edition the catalogue is ``i18n/<language>/helpers.po`` itself.
"""

from __future__ import annotations

import contextlib
import gettext
import io
import os
from pathlib import Path

DEFAULT_LANGUAGE = "en"
DOMAIN = "helpers"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_SOURCE_DIR = Path(__file__).resolve().parent.parent / "i18n"  # the instructor edition's

_state = {"language": None, "messages": {}}


def language() -> str:
    """The language messages are shown in now ("en", "es")."""
    if _state["language"] is None:
        set_language(os.environ.get("NN_COURSE_LANGUAGE") or DEFAULT_LANGUAGE)
    return _state["language"]


def set_language(code: str, messages: dict[str, str] | None = None) -> None:
    """Show messages in ``code`` from now on; ``messages`` (English -> translation) in place
    of the installed catalogue (the grader hands its checker the one it graded with)."""
    _state["language"] = code
    _state["messages"] = dict(messages) if messages is not None else catalogue(code)


@contextlib.contextmanager
def in_english():
    """Messages in English for the body (the grader reads a hidden test's verdict by its
    English words and never shows it), then in the language set before."""
    language()
    saved = dict(_state)
    _state.update(language="en", messages={})
    try:
        yield
    finally:
        _state.update(saved)


def catalogue(code: str) -> dict[str, str]:
    """English -> translation for ``code`` (empty for English, or where none is installed)."""
    if code == "en":
        return {}
    compiled = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if compiled.is_file():
        with compiled.open("rb") as handle:
            return _messages(gettext.GNUTranslations(handle))
    source = _SOURCE_DIR / code / f"{DOMAIN}.po"
    if source.is_file():
        return _messages(gettext.GNUTranslations(io.BytesIO(compile_catalogue(source))))
    return {}


def compile_catalogue(po: Path) -> bytes:
    """The ``.mo`` bytes of a ``.po`` catalogue: its translations that are current (not
    fuzzy). Needs Babel (the instructor's environment has it)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        read = read_po(handle)
    out = io.BytesIO()
    write_mo(out, read, use_fuzzy=False)
    return out.getvalue()


def _messages(translations: gettext.GNUTranslations) -> dict[str, str]:
    return {english: text for english, text in translations._catalog.items()
            if isinstance(english, str) and english and text}


def _(english: str) -> str:
    """``english`` in the reader's language."""
    if _state["language"] is None:
        language()
    return _state["messages"].get(english, english)


def N_(english: str) -> str:  # noqa: N802 (gettext's name for a marker)
    """Marks ``english`` for the catalogue without translating it (data shown later)."""
    return english
