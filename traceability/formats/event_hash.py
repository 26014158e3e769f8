"""EPCIS event IDs by the CBV 2.0 event-hash algorithm: a canonical pre-hash string, then SHA-256.

Covers the fields our exports and captures use (identifiers, quantities, CBV values, business transactions,
sources and destinations, certification info, user extensions); an event with sensor data is refused with
:class:`ValueError` rather than hashed wrongly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

from traceability.identifiers import gtin_check_digit

__all__ = ["event_hash", "normalise_id", "prehash"]

_CBV = "https://ref.gs1.org/cbv/"
_DL = "https://id.gs1.org"
_PRIMARY_AI = re.compile(r"^https?://[^/]+(/(?:01|00|253|255|401|402|414|417|8003|8004|8006|8010|8017|8018)/.*)$")
_ORDER = (
    "certificationInfo",
    "parentID",
    "epcList",
    "inputEPCList",
    "childEPCs",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputEPCList",
    "outputQuantityList",
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    "persistentDisposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "destinationList",
    "sourceList",
    "sensorElementList",
    "ilmd",
)
# Not hashed: what the pre-hash string already led with, what a repository adds, and comments (rdfs:comment).
_IGNORED = {
    "@context",
    "type",
    "eventTime",
    "eventTimeZoneOffset",
    "eventID",
    "recordTime",
    "errorDeclaration",
    "rdfs:comment",
}
_CBV_PREFIX = {
    "bizStep": "BizStep-",
    "disposition": "Disp-",
    "bizTransaction": "BTT-",
    "source": "SDT-",
    "destination": "SDT-",
}


def _check(digits: str) -> str:
    return digits + str(gtin_check_digit(digits))


def normalise_id(value: str) -> str:
    """Return the canonical form of an identifier: GS1 keys as ``https://id.gs1.org`` Digital Links.

    Examples
    --------
    >>> normalise_id("urn:epc:id:sgtin:0614141.107346.2017")
    'https://id.gs1.org/01/10614141073464/21/2017'
    >>> normalise_id("urn:epc:id:sgln:0614141.07346.1234")
    'https://id.gs1.org/414/0614141073467/254/1234'
    """
    if value.startswith("urn:epc:"):
        scheme, _, body = value.rpartition(":")
        parts = body.split(".")
        kind = scheme.rsplit(":", 1)[-1]
        if scheme == "urn:epc:idpat:sgtin" and len(parts) == 3 and parts[2] == "*":
            prefix, item, _ = parts  # every instance of a GTIN: the class is the GTIN itself
            return f"{_DL}/01/{_check(item[0] + prefix + item[1:])}"
        if kind in ("sgtin", "lgtin") and len(parts) == 3:
            prefix, item, tail = parts
            gtin = _check(item[0] + prefix + item[1:])
            return f"{_DL}/01/{gtin}/{'21' if kind == 'sgtin' else '10'}/{tail}"
        if kind == "sscc" and len(parts) == 2:
            return f"{_DL}/00/{_check(parts[1][0] + parts[0] + parts[1][1:])}"
        if kind == "gdti" and len(parts) == 3:
            return f"{_DL}/253/{_check(parts[0] + parts[1])}{parts[2]}"
        if kind in ("sgln", "pgln") and len(parts) in (2, 3):
            gln = _check(parts[0] + parts[1])
            ai = "414" if kind == "sgln" else "417"
            extension = f"/254/{parts[2]}" if kind == "sgln" and parts[2] != "0" else ""
            return f"{_DL}/{ai}/{gln}{extension}"
        if kind in ("grai", "giai") or scheme.startswith("urn:epc:idpat"):
            raise ValueError(f"identifier scheme {kind} is not supported by this hash implementation")
        return value
    match = _PRIMARY_AI.match(value)
    return f"{_DL}{match.group(1)}" if match else value


def _time(value: str) -> str:
    """UTC to the millisecond, rounded half up as the reference generator does (``.1415Z`` is ``.142Z``)."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
    moment = moment.replace(microsecond=0) + dt.timedelta(milliseconds=(moment.microsecond + 500) // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _number(value: Any) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def _cbv(field: str, value: str) -> str:
    if value.startswith(("http://", "https://")):
        return value
    word = value.rsplit(":", 1)[-1] if value.startswith("urn:epcglobal:cbv:") else value
    return f"{_CBV}{_CBV_PREFIX[field]}{word}"


def _expand(key: str, prefixes: dict[str, str]) -> str:
    prefix, sep, local = key.partition(":")
    if sep and prefix in prefixes:
        return "{" + prefixes[prefix] + "}" + local
    return key


def _extension(key: str, value: Any, prefixes: dict[str, str]) -> list[str]:
    name = _expand(key, prefixes)
    if isinstance(value, dict):
        inner = sorted(s for k, v in value.items() if not k.startswith("@") for s in _extension(k, v, prefixes))
        return [name + "".join(inner)]
    if isinstance(value, list):
        return sorted(s for item in value for s in _extension(key, item, prefixes))
    return [f"{name}={value if isinstance(value, str) else _number(value)}"]


def _quantities(items: list[dict[str, Any]]) -> str:
    out = []
    for item in items:
        text = "quantityElementepcClass=" + normalise_id(item["epcClass"])
        if "quantity" in item:
            text += "quantity=" + _number(item["quantity"])
        if "uom" in item:
            text += "uom=" + item["uom"]
        out.append(text)
    return "".join(sorted(out))


def _field(name: str, value: Any, prefixes: dict[str, str]) -> str:
    if name in ("epcList", "inputEPCList", "childEPCs", "outputEPCList"):
        return name + "".join(sorted("epc=" + normalise_id(v) for v in value))
    if name.endswith("uantityList"):
        return name + _quantities(value)
    if name in ("readPoint", "bizLocation"):
        rest = sorted(s for k, v in value.items() if k != "id" for s in _extension(k, v, prefixes))
        return f"{name}id={normalise_id(value['id'])}" + "".join(rest)
    if name in ("bizStep", "disposition"):
        return f"{name}={_cbv(name, value)}"
    if name == "persistentDisposition":
        parts = [f"{k}={_cbv('disposition', v)}" for k in ("set", "unset") for v in sorted(value.get(k, []))]
        return name + "".join(parts)
    if name == "bizTransactionList":
        items = [
            (f"type={_cbv('bizTransaction', t['type'])}" if "type" in t else "")
            + f"bizTransaction={normalise_id(t['bizTransaction'])}"
            for t in value
        ]
        return name + "".join(sorted(items))
    if name in ("sourceList", "destinationList"):
        key = "source" if name == "sourceList" else "destination"
        items = [f"type={_cbv(key, t['type'])}{key}={normalise_id(t[key])}" for t in value]
        return name + "".join(sorted(items))
    if name == "certificationInfo":
        values = value if isinstance(value, list) else [value]
        return "".join(f"certificationInfo={v}" for v in sorted(values))
    if name == "ilmd":
        return name + "".join(sorted(s for k, v in value.items() for s in _extension(k, v, prefixes)))
    if name == "sensorElementList":
        raise ValueError("sensor data is not supported by this hash implementation")
    if name in ("parentID", "transformationID"):
        return f"{name}={normalise_id(value)}"
    return f"{name}={value}"


def prehash(event: dict[str, Any], prefixes: dict[str, str] | None = None) -> str:
    """Return the CBV 2.0 canonical pre-hash string of `event`.

    `prefixes` maps the JSON-LD prefixes of the document's ``@context`` to their namespaces, for
    user extensions.

    Examples
    --------
    >>> prehash({"type": "ObjectEvent", "eventTime": "2020-03-04T11:00:30+01:00",
    ...          "eventTimeZoneOffset": "+01:00", "action": "OBSERVE", "bizStep": "receiving"})
    'eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-receiving'
    """
    prefixes = prefixes or {}
    text = f"eventType={event['type']}eventTime={_time(event['eventTime'])}"
    text += f"eventTimeZoneOffset={event['eventTimeZoneOffset']}"
    text += "".join(_field(name, event[name], prefixes) for name in _ORDER if name in event)
    extensions = [
        s for k, v in event.items() if k not in _IGNORED and k not in _ORDER for s in _extension(k, v, prefixes)
    ]
    return text + "".join(sorted(extensions))


def event_hash(event: dict[str, Any], prefixes: dict[str, str] | None = None) -> str:
    """Return the event ID ``ni:///sha-256;<hex>?ver=CBV2.0`` of `event`.

    Examples
    --------
    >>> event_hash({"type": "ObjectEvent", "eventTime": "2020-03-04T11:00:30+01:00",
    ...             "eventTimeZoneOffset": "+01:00", "action": "OBSERVE"})[:24]
    'ni:///sha-256;db3d7a8738'
    """
    digest = hashlib.sha256(prehash(event, prefixes).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"
