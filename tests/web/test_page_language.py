"""Every producer, pendamping, auditor, coordinator and admin page, rendered in Indonesian, shows no raw enum
value, no English word from a fixed list and no internal id as text (DESIGN section 8b)."""

from __future__ import annotations

import enum
import html as html_lib
import re

import pytest

from tests.helpers import OPERATOR
from tests.pages import pages_of, review_of_a
from traceability import vocabulary

#: English words that never belong on an Indonesian page.
ENGLISH = {
    "the",
    "and",
    "with",
    "your",
    "this",
    "that",
    "are",
    "for",
    "not",
    "save",
    "submit",
    "search",
    "signed",
    "suspended",
    "small",
    "supplier",
    "suppliers",
    "material",
    "materials",
    "certificate",
    "received",
    "missing",
    "nothing",
    "voided",
    "history",
    "change",
    "changed",
    "recorded",
    "review",
    "approved",
    "pending",
    "verified",
    "users",
    "journal",
    "labels",
    "print",
    "issue",
    "code",
    "codes",
    "password",
    "sign",
    "out",
    "add",
    "edit",
}
#: Enum values that are also Indonesian (or names) and may appear as words.
SHARED = {"ok", "auditor", "pendamping", "admin", "online"}
RAW = {
    m.value
    for name in vocabulary.__all__
    if isinstance(cls := getattr(vocabulary, name), type) and issubclass(cls, enum.Enum)
    for m in cls
} - SHARED
INTERNAL = re.compile(r"#\d+|\b(?:user|lot|material|batch|step|supplier|certificate|facility|product|business):\d+\b")


def visible_text(html: str) -> str:
    """The words a person reads: no tags, scripts, styles, SVG titles of the drawing or attribute values."""
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<[^>]+>", " ", html)
    # Email addresses are data a person typed ("coordinator@test.id"), not words of the page.
    return re.sub(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", " ", html_lib.unescape(html))


def problems(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z_]+", text)
    found = [f"raw value {w}" for w in words if w in RAW and ("_" in w or w.lower() == w)]
    found += [f"English word {w}" for w in words if w.lower() in ENGLISH]
    found += [f"internal id {m}" for m in INTERNAL.findall(text)]
    return found


def test_the_checker_finds_what_it_looks_for():
    assert problems("Status: self_declare") == ["raw value self_declare"]
    assert problems("Nothing missing.") == ["English word Nothing", "English word missing"]
    assert problems("Tersimpan: Garam (#45)") == ["internal id #45"]
    assert problems("Bahan baku · Tumbuhan · Segar") == []


@pytest.mark.parametrize("who", ["producer_a", "pendamping_a", "auditor", "coordinator", "admin"])
def test_every_page_of_each_role_is_wholly_indonesian(client, filled, session, sign_in, who):
    review = review_of_a(session, filled, OPERATOR)
    browser = sign_in(who)
    found = {}
    for path in pages_of(filled, review)[who]:
        response = browser.get(path, headers={"Accept-Language": "id"})
        assert response.status_code == 200, (path, response.status_code)
        bad = problems(visible_text(response.get_data(as_text=True)))
        if bad:
            found[path] = sorted(set(bad))

    assert found == {}
