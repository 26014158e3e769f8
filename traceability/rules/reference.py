"""Reference data for the halal rules: versioned JSON, overridable per assessment and by an admin.

What the domain notes mark as unconfirmed (the KMA 1360 annex, the list of recognised foreign halal
bodies, name lists, deadlines) lives here as data, so it can be corrected without touching code.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from traceability.errors import InvalidInputError
from traceability.identifiers import issuer_key

__all__ = ["CatalogueMatch", "Reference", "default_reference", "merge_reference", "normalise"]

_SPACES = re.compile(r"[^a-z0-9]+")
_RUNS = re.compile(r"([a-z])\1+")


def _squeezed(text: str) -> str:
    """Doubled letters folded, so a slip such as "minyak babbi" or "gelatinn" still meets its entry."""
    return _RUNS.sub(r"\1", text)


#: Catalogue risks that make a material haram by name, whatever else its name says.
_HARAM_RISKS = frozenset({"haram", "khamr"})


@functools.lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, so "Ang-Ciu" and "ang ciu" compare equal.

    >>> normalise("  Minyak  BABI (lard)! ")
    'minyak babi lard'
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _SPACES.sub(" ", folded).strip()


def contains_phrase(text: str, phrase: str) -> bool:
    """Whole-word phrase match on normalised text.

    >>> contains_phrase("es krim rasa rhum raisin", "rhum"), contains_phrase("hampers lebaran", "ham")
    (True, False)
    """
    return f" {normalise(phrase)} " in f" {normalise(text)} "


@dataclass(frozen=True, slots=True)
class CatalogueMatch:
    """The catalogue entry a free-text material name was recognised as."""

    key: str
    matched: str
    entry: Mapping[str, Any]


class Reference:
    """One version of the reference data, with the lookups the rules need."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        synonyms = [(_squeezed(normalise(name)), entry) for entry in data["materials"] for name in entry["names"]]
        #: Each phrase's entries, in catalogue order: a name is looked up by its word runs, not scanned
        #: against every synonym (hundreds of them, for every material of every batch judged).
        self._phrases: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
        for rank, (phrase, entry) in enumerate(synonyms):
            if phrase:
                self._phrases.setdefault(phrase, []).append((rank, entry))
        self._longest = max((phrase.count(" ") + 1 for phrase in self._phrases), default=0)
        self._entries = {entry["key"]: entry for entry in data["materials"]}

    @property
    def label(self) -> str:
        return f"{self.data['name']}@{self.data['version']}"

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def recognise(self, name: str) -> CatalogueMatch | None:
        """Recognise a free-text material name (Indonesian or English) or an E-number in it.

        >>> default_reference().recognise("Ang-ciu botol kecil").key
        'angciu'
        >>> default_reference().recognise("Susu sapi segar").key
        'milk'
        >>> default_reference().recognise("Bir pletok Betawi") is None
        True
        >>> [default_reference().recognise(n).key for n in ("Telur ayam kampung", "Kecap (ada angciu)")]
        ['egg', 'angciu']
        >>> default_reference().recognise("Cabe merah seger").key, default_reference().recognise("minyak babbi").key
        ('chili', 'lard')
        """
        text = normalise(name)
        for allowed in self.data["names"]["whitelist"]:
            text = f" {text} ".replace(f" {normalise(allowed)} ", " ").strip()
        words = _squeezed(text).split()
        starts = list(itertools.accumulate((len(w) + 1 for w in words[:-1]), initial=0))
        found: dict[str, int] = {}  # each phrase the name holds, at its first place
        for i in range(len(words)):
            for j in range(i + 1, min(i + self._longest, len(words)) + 1):
                phrase = " ".join(words[i:j])
                if phrase in self._phrases:
                    found.setdefault(phrase, starts[i])
        candidates = [(at, -len(p), rank, p, e) for p, at in found.items() for rank, e in self._phrases[p]]
        if not candidates:
            return None
        # What is haram speaks wherever it stands; otherwise the head word, which Indonesian puts first
        # ("telur ayam kampung" is an egg, not a chicken), and the longest phrase there ("susu sapi" is milk
        # even though "sapi" alone might be beef).
        haram = [c for c in candidates if c[4].get("risk") in _HARAM_RISKS]
        *_, phrase, entry = min(haram or candidates, key=lambda c: c[:3])
        return CatalogueMatch(entry["key"], phrase, entry)

    def display_name(self, key: str) -> dict[str, str] | None:
        """A catalogue entry's name for people, in Indonesian and English (its first names by default)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        label = entry.get("label") or {}
        names = entry["names"]
        return {"id": label.get("id") or names[0], "en": label.get("en") or names[-1]}

    def deadline(self, group: str, scale: str) -> Mapping[str, Any] | None:
        deadlines: list[Mapping[str, Any]] = self.data["deadlines"]
        for item in deadlines:
            if item["group"] == group and scale in item["scales"]:
                return item
        return None

    def product_group(self, category: str | None) -> str | None:
        groups: Mapping[str, list[str]] = self.data["product_groups"]
        for group, categories in groups.items():
            if category in categories:
                return group
        return None

    def recognised_body(self, issuer: str) -> Mapping[str, Any] | None:
        bodies: list[Mapping[str, Any]] = self.data["recognised_foreign_bodies"]
        for body in bodies:
            if issuer_key(body["name"]) == issuer_key(issuer):
                return body
        return None

    def deadline_date(self, item: Mapping[str, Any]) -> dt.date:
        return dt.date.fromisoformat(item["date"])


def merge_reference(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Overlay `override` on `base`: top-level keys replace, except ``materials``, merged by ``key``.

    An override must name its own version, so an assessment made with it says so.
    """
    if not isinstance(override, Mapping):
        raise InvalidInputError("Reference data is a JSON object.", errors={"_schema": ["Not an object."]})
    unknown = sorted(set(override) - set(base))
    if unknown:
        raise InvalidInputError("Unknown reference data keys.", errors={k: ["Unknown key."] for k in unknown})
    if "version" not in override:
        raise InvalidInputError(
            "Reference data overrides carry their own version.",
            errors={"version": ["Missing data for required field."]},
        )
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if key == "materials":
            by_key = {entry["key"]: entry for entry in merged["materials"]}
            for entry in value:
                if not isinstance(entry, Mapping) or not {"key", "names"} <= set(entry):
                    raise InvalidInputError(
                        "Each material entry has a key and names.",
                        errors={"materials": ["Each entry needs key and names."]},
                    )
                by_key[entry["key"]] = dict(entry)
            merged["materials"] = list(by_key.values())
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@functools.cache
def _shipped() -> str:
    return resources.files("traceability.rules").joinpath("reference_data.json").read_text(encoding="utf-8")


def default_reference() -> Reference:
    """The reference data shipped with this version of the rules."""
    return _cached_default()


@functools.cache
def _cached_default() -> Reference:
    return Reference(json.loads(_shipped()))


def shipped_data() -> dict[str, Any]:
    """A fresh copy of the shipped reference data (for overlays)."""
    data: dict[str, Any] = json.loads(_shipped())
    return data
