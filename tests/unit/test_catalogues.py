"""Every message the pages show has an Indonesian translation (Indonesian is the default language)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def test_every_message_is_translated_to_indonesian():
    with (ROOT / "api/translations/id/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    used = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT / "api"), METHODS)
        if isinstance(message, str)
    }

    untranslated = sorted(m for m in used if not (catalog.get(m) and catalog.get(m).string))

    assert used
    assert untranslated == []
