"""GS1 Digital Link URIs for a trade item and its lot: build, parse, escape (GS1 Digital Link URI Syntax 1.2).

Only what a label needs is supported: the primary key ``01`` (GTIN, check digit verified, always 14 digits)
with its key qualifiers ``22``, ``10`` and ``21`` in that order, data attributes in the query string, and
non-GS1 query parameters (our code and signature) kept aside. Labels carry the uncompressed form so that any
scanner app can read the GTIN and lot; a compressed Digital Link that reaches the resolver is decompressed first
(:func:`decompress`, GS1 resolver 2.3).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from urllib.parse import urlsplit

from traceability.identifiers import gtin14 as pad_gtin14
from traceability.identifiers import gtin_check_digit, is_valid_gtin

__all__ = [
    "DigitalLink",
    "DigitalLinkError",
    "as_requested",
    "build",
    "decompress",
    "escape",
    "is_compressed",
    "generate",
    "parse",
    "unescape",
    "valid_lot",
]

# RFC 3986 unreserved characters stay as they are; everything else is percent-encoded.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# GS1 AI encodable character set 82: what a lot (10), serial (21) or CPV (22) may contain.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_NUMERIC_KEY = re.compile(r"^\d{2,4}$")
_QUALIFIERS = ("22", "10", "21")  # allowed after 01, in this order (dictionary: dlpkey=22,10,21|235)
_ALT_QUALIFIER = "235"
_FLAGS = set("*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~")
_COMPONENT = re.compile(r"^\[?[NXYZ](?:\.\.)?\d+(?:,\w+)*\]?$")
_CSET = {"N": "[0-9]", "X": r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]", "Y": r"[#\-/0-9A-Z]", "Z": r"[\-0-9A-Z_a-z]"}


@dataclass(frozen=True, slots=True)
class _AiSpec:
    fixed: bool  # "*": predefined length, no FNC1 after it
    attribute: bool  # "?": may be a Digital Link data attribute
    pattern: re.Pattern[str]
    checksum: tuple[int, int] | None  # (start, length) of a component carrying a GS1 check digit


@functools.cache
def _dictionary() -> dict[str, _AiSpec]:
    # The GS1 Barcode Syntax Dictionary (Apache-2.0, shipped in qr/data/) is the reference for which AIs
    # exist, their formats, and which may appear in a Digital Link query.
    specs: dict[str, _AiSpec] = {}
    text = resources.files("qr").joinpath("data/gs1-syntax-dictionary.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        tokens = line.split("#", 1)[0].split()
        if not tokens:
            continue
        ais, rest = tokens[0], tokens[1:]
        flags = rest.pop(0) if rest and set(rest[0]) <= _FLAGS else ""
        pattern, position, checksum = "", 0, None
        for component in rest:
            if not _COMPONENT.fullmatch(component):
                break  # the attributes (req=, ex=, dlpkey) follow the components
            optional = component.startswith("[")
            kind, *linters = component.strip("[]").split(",")
            cset, size = _CSET[kind[0]], kind[1:]
            low, high = (1, int(size[2:])) if size.startswith("..") else (int(size), int(size))
            group = f"{cset}{{{low},{high}}}"
            pattern += f"(?:{group})?" if optional else group
            if "csum" in linters and low == high:
                checksum = (position, high)
            position += high
        start, _, end = ais.partition("-")
        for ai in range(int(start), int(end or start) + 1):
            specs[str(ai).zfill(len(start))] = _AiSpec("*" in flags, "?" in flags, re.compile(pattern), checksum)
    return specs


class DigitalLinkError(ValueError):
    """The text is not a GS1 Digital Link URI this resolver accepts; the message says why."""


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed Digital Link: the GTIN, its qualifiers, data attributes and other query parameters."""

    gtin: str
    qualifiers: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)
    stem: str = ""

    @property
    def lot(self) -> str | None:
        return self.qualifiers.get("10")

    def element_string(self) -> str:
        """The GS1 element string, ``^`` marking FNC1 where a variable-length value needs a separator.

        >>> parse("https://a/01/09520123456788/10/ABC1/21/12345?17=180426").element_string()
        '^010952012345678810ABC1^2112345^17180426'
        """
        parts = [("01", self.gtin), *self.qualifiers.items(), *self.attributes.items()]
        out = "^"
        for index, (ai, value) in enumerate(parts):
            out += ai + value
            if not _dictionary()[ai].fixed and index < len(parts) - 1:
                out += "^"
        return out


def escape(value: str, *, query: bool = False) -> str:
    """Percent-encode `value` for a Digital Link path segment (or query value).

    >>> escape("LOT 24/A"), escape("LOT 24/A", query=True), escape("!'()*")
    ('LOT%2024%2FA', 'LOT+24%2FA', '%21%27%28%29%2A')
    """
    encoded = "".join(
        ch if ch in _UNRESERVED or (query and ch == " ") else "".join(f"%{b:02X}" for b in ch.encode()) for ch in value
    )
    return encoded.replace(" ", "+") if query else encoded


def unescape(value: str, *, query: bool = False) -> str:
    """Decode percent-escapes; ``+`` means a space only in a query component.

    >>> unescape("ABC%2d123"), unescape("a+b"), unescape("a+b", query=True)
    ('ABC-123', 'a+b', 'a b')
    """
    if query:
        value = value.replace("+", " ")
    raw = _PCT.sub(lambda m: chr(int(m.group(1), 16)), value)
    if "\x00" in raw:
        raise DigitalLinkError("A percent-escape decodes to NUL.")
    return raw


def valid_lot(lot: str) -> bool:
    """Say whether `lot` can be a batch/lot (AI 10) value: 1 to 20 characters of GS1 character set 82.

    >>> valid_lot("RBN-251118"), valid_lot("Lot 12 (pagi)"), valid_lot("X" * 21)
    (True, False, False)
    """
    return bool(_CSET82.fullmatch(lot))


def build(base_url: str, gtin: str, lot: str, extensions: dict[str, str] | None = None) -> str:
    """Return the uncompressed Digital Link ``{base_url}/01/{gtin14}/10/{lot}``, with extensions as a query.

    Raises
    ------
    DigitalLinkError
        If the GTIN's check digit is wrong or the lot is not in GS1 character set 82.

    Examples
    --------
    >>> build("https://trace.example/", "8994471000237", "RB/1*2", {"c": "x"})
    'https://trace.example/01/08994471000237/10/RB%2F1%2A2?c=x'
    """
    if not is_valid_gtin(gtin):
        raise DigitalLinkError(f"GTIN {gtin!r} has a wrong length or check digit.")
    if not valid_lot(lot):
        raise DigitalLinkError("A lot code must be 1 to 20 characters of GS1 character set 82.")
    url = f"{base_url.rstrip('/')}/01/{pad_gtin14(gtin)}/10/{escape(lot)}"
    if extensions:
        url += "?" + "&".join(f"{k}={escape(v, query=True)}" for k, v in extensions.items())
    return url


def generate(stem: str | None, elements: list[tuple[str, str]]) -> str:
    """Return the Digital Link for GS1 element strings (AI, value) whose primary key is a GTIN.

    Key qualifiers go into the path in their fixed order, data attributes into the query in the order given;
    an element repeated with the same value is written once.

    Raises
    ------
    DigitalLinkError
        No GTIN, conflicting repeats, 235 mixed with 22/10/21, or an AI that is no Digital Link attribute.

    Examples
    --------
    >>> generate("https://example.com", [("21", "XYZ"), ("01", "12312312312333"), ("10", "ABC"), ("99", "Q")])
    'https://example.com/01/12312312312333/10/ABC/21/XYZ?99=Q'
    """
    values: dict[str, str] = {}
    for ai, value in elements:
        if values.setdefault(ai, value) != value:
            raise DigitalLinkError(f"AI {ai} appears twice with different values.")
    if "01" not in values:
        raise DigitalLinkError("No GTIN (AI 01) among the elements.")
    if _ALT_QUALIFIER in values and any(q in values for q in _QUALIFIERS):
        raise DigitalLinkError("AI 235 cannot be combined with 22, 10 or 21.")
    path_keys = ["01", *(q for q in (*_QUALIFIERS, _ALT_QUALIFIER) if q in values)]
    for ai, value in values.items():
        spec = _dictionary().get(ai)
        if spec is None or (ai not in path_keys and not spec.attribute):
            raise DigitalLinkError(f"AI {ai} is unknown or not allowed as a Digital Link data attribute.")
        _checked_value(ai, value)
    if not is_valid_gtin(values["01"]):
        raise DigitalLinkError("The GTIN has a wrong check digit.")
    url = (stem or "https://id.gs1.org").rstrip("/") + "".join(f"/{k}/{escape(values[k])}" for k in path_keys)
    query = [f"{k}={escape(v, query=True)}" for k, v in values.items() if k not in path_keys]
    return url + ("?" + "&".join(query) if query else "")


#: A compressed Digital Link's path: one segment of base64url (GS1 Digital Link compression), long enough to hold
#: a GTIN (a GTIN alone packs into 10 characters).
_COMPRESSED = re.compile(r"[A-Za-z0-9_-]{10,}")


def is_compressed(segment: str) -> bool:
    """Whether a single path segment could be a compressed Digital Link (cheap: no decoding)."""
    return _COMPRESSED.fullmatch(segment) is not None


def decompress(uri: str) -> str:
    """The uncompressed Digital Link of a compressed one (``https://host/ARFKk4XB0CDKWcnpq``), for :func:`parse`.

    Decoding is gs1-compression's (a port of GS1's compression prototype); only a result with a GTIN is returned.

    Raises
    ------
    DigitalLinkError
        If the segment does not decode, or decodes to anything but a GTIN's Digital Link.

    >>> decompress("https://id.example/ARFKk4XB0CDKWcnpq")
    'https://id.example/01/09506000134376/10/LOT01'
    """
    import logging

    from gs1 import decompress_gs1_digital_link  # gs1-compression

    head, _, query = uri.partition("?")
    stem, _, packed = head.rpartition("/")
    if not is_compressed(packed):
        raise DigitalLinkError("Not a compressed Digital Link.")
    quiet = logging.getLogger("__name__")  # sic: gs1-compression's logger, which logs a trace for each bad input
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        out = decompress_gs1_digital_link(f"{stem}/{packed}", False)
    except Exception as exc:  # noqa: BLE001 - the library raises whatever its decoding stumbles on
        raise DigitalLinkError(f"Not a compressed Digital Link: {exc}") from None
    finally:
        quiet.level = level
    if not isinstance(out, str) or "/01/" not in out:
        raise DigitalLinkError("The compressed Digital Link names no GTIN.")
    return f"{stem}{out[out.index('/01/') :]}" + (f"{'&' if '?' in out else '?'}{query}" if query else "")


def as_requested(uri: str) -> str:
    """A request's URI in the form :func:`parse` takes: what a resolver tolerates (GS1 resolver 2.13, URI syntax
    4.1) made canonical, without changing what :func:`parse` accepts from a label.

    One trailing slash is dropped, and a GTIN-8, -12 or -13 after the last ``/01/`` is zero-padded to 14 digits.

    >>> as_requested("https://a/01/9506000134352/10/L1/?c=x")
    'https://a/01/09506000134352/10/L1?c=x'
    >>> as_requested("https://a/01/95060001")
    'https://a/01/00000095060001'
    """
    head, mark, query = uri.partition("?")
    if head.endswith("/") and not head.endswith("//"):
        head = head[:-1]
    segments = head.split("/")
    for i in range(len(segments) - 2, 2, -1):
        if segments[i] == "01" and (len(segments) - i) % 2 == 0:
            value = segments[i + 1]
            if len(value) in (8, 12, 13) and value.isascii() and value.isdigit():
                segments[i + 1] = value.zfill(14)
            break
    return "/".join(segments) + mark + query


def parse(uri: str) -> DigitalLink:
    """Parse an uncompressed Digital Link whose primary key is ``01``.

    Raises
    ------
    DigitalLinkError
        With the reason: wrong scheme, no ``/01/`` key, wrong check digit, qualifiers out of order,
        a qualifier or duplicate in the query, an empty value, a trailing slash, characters outside set 82.

    Examples
    --------
    >>> link = parse("https://trace.example/01/08994471000237/10/RB-1?c=abc&s=k.1")
    >>> link.gtin, link.lot, link.extensions
    ('08994471000237', 'RB-1', {'c': 'abc', 's': 'k.1'})
    """
    if any(ch in uri for ch in '<>{}\\^`"| ') or any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in uri):
        raise DigitalLinkError("The URI contains characters that must be percent-encoded.")
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        raise DigitalLinkError(f"Not a URI: {exc}.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "%" in parts.netloc:
        raise DigitalLinkError("A Digital Link is an http or https URI with a host.")
    segments = parts.path.split("/")[1:]
    if not segments or segments[-1] == "":
        raise DigitalLinkError("The path must end in a value, without a trailing slash.")
    # The primary key is the last "01" segment that leaves an even number of segments after it.
    start = next(
        (i for i in range(len(segments) - 2, -1, -1) if segments[i] == "01" and (len(segments) - i) % 2 == 0), None
    )
    if start is None:
        raise DigitalLinkError("No GTIN (/01/) in the path.")
    pairs = list(zip(segments[start::2], segments[start + 1 :: 2], strict=True))
    gtin = unescape(pairs[0][1])
    if len(gtin) != 14 or not is_valid_gtin(gtin):
        raise DigitalLinkError("The GTIN must have 14 digits and a correct check digit.")
    qualifiers: dict[str, str] = {}
    position = -1
    for key, raw in pairs[1:]:
        if key == _ALT_QUALIFIER and len(pairs) == 2:
            position = len(_QUALIFIERS)
        elif key not in _QUALIFIERS or _QUALIFIERS.index(key) <= position:
            raise DigitalLinkError(
                f"/{key}/ is not a key qualifier of a GTIN here (22, 10, 21 in that order, or 235 alone)."
            )
        else:
            position = _QUALIFIERS.index(key)
        qualifiers[key] = _checked_value(key, unescape(raw))
    attributes: dict[str, str] = {}
    extensions: dict[str, str] = {}
    for item in parts.query.split("&"):
        if not item:
            continue
        key, has_value, raw = item.partition("=")
        if not _NUMERIC_KEY.fullmatch(key):
            if has_value:
                extensions[key] = unescape(raw, query=True)
            continue
        spec = _dictionary().get(key)
        if spec is None or not spec.attribute:
            raise DigitalLinkError(f"AI {key} is unknown or not allowed as a Digital Link data attribute.")
        in_path = {"01", *qualifiers} | (set() if _ALT_QUALIFIER in qualifiers else {*_QUALIFIERS, _ALT_QUALIFIER})
        if key in in_path or key in attributes:
            raise DigitalLinkError(f"AI {key} may not appear in the query here (a key, qualifier or duplicate).")
        if "+" in raw:
            raise DigitalLinkError(f"AI {key}: '+' is not allowed in a GS1 value.")
        attributes[key] = _checked_value(key, unescape(raw, query=True))
    stem = f"{parts.scheme}://{parts.netloc}" + "/".join([""] + segments[:start])
    return DigitalLink(gtin=gtin, qualifiers=qualifiers, attributes=attributes, extensions=extensions, stem=stem)


def _checked_value(ai: str, value: str) -> str:
    spec = _dictionary()[ai]
    if not spec.pattern.fullmatch(value):
        raise DigitalLinkError(f"AI {ai}: the value is empty, too long or has characters its format forbids.")
    if spec.checksum:
        start, length = spec.checksum
        digits = value[start : start + length]
        if not is_valid_gtin(digits.zfill(14)) and gtin_check_digit(digits[:-1]) != int(digits[-1]):
            raise DigitalLinkError(f"AI {ai}: wrong check digit.")
    return value
