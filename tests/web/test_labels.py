"""Enum words: values shared by different enums ("none", "unknown", "synthetic") keep each enum's own words."""

from __future__ import annotations

from api.labels import enum_label
from traceability.vocabulary import EthanolSource, Origin, Stunning


def test_equal_values_of_different_enums_read_as_their_own_words(app):
    with app.test_request_context("/?lang=en", headers={"Accept-Language": "en"}):
        # A list, not a dict: StrEnum members with equal values are equal keys (the bug this guards against).
        members = [EthanolSource.NONE, Stunning.NONE, EthanolSource.UNKNOWN, Origin.UNKNOWN]
        members += [EthanolSource.SYNTHETIC, Origin.SYNTHETIC]
        words = [enum_label(m) for m in members]

    assert words == [
        "No alcohol",
        "No stunning",
        "Alcohol of unknown source",
        "Not known",
        "Alcohol made chemically",
        "Made chemically",
    ]
