"""EPCIS 2.0 query parameters (the standard's SimpleEventQuery as the REST binding names them), read and checked.

A query arrives in two forms: a URL query string, where list parameters are pipe-delimited (``EQ_bizStep=shipping|
receiving``), and a named query's JSON body, where they are arrays. Both read into one canonical dictionary, the form
a named query stores and a page token carries. A parameter this repository does not answer is refused by name,
never silently ignored, since ignoring a filter returns events the client asked to leave out.

Identifiers are compared in their GS1 Digital Link form (``urn:epc:id:sgtin:0614141.107346.2017`` and
``https://id.gs1.org/01/10614141073464/21/2017`` are one EPC); an EPC pattern (``urn:epc:idpat:sgtin:
0614141.107346.*``) matches every EPC the pattern's fixed fields name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from traceability.errors import ErrorTree
from traceability.formats.event_hash import normalise_id

__all__ = [
    "EPC_PARAMETERS",
    "EVENT_TYPES",
    "LIST_PARAMETERS",
    "PARAMETERS",
    "Query",
    "canonical",
    "cbv_word",
    "event_fields",
    "read_query",
]

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
#: MATCH_* parameter -> the roles (see :func:`event_fields`) whose identifiers it matches.
EPC_PARAMETERS: dict[str, tuple[str, ...]] = {
    "MATCH_epc": ("epc",),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "parent", "input", "output"),
    "MATCH_epcClass": ("class",),
    "MATCH_inputEPCClass": ("inclass",),
    "MATCH_outputEPCClass": ("outclass",),
    "MATCH_anyEPCClass": ("class", "inclass", "outclass"),
}
#: Equality parameters -> the stored field they compare.
EQ_PARAMETERS = {
    "EQ_action": "action",
    "EQ_bizStep": "biz_step",
    "EQ_disposition": "disposition",
    "EQ_readPoint": "read_point",
    "EQ_bizLocation": "biz_location",
    "EQ_eventID": "event_id",
}
LIST_PARAMETERS = ("eventType", *EQ_PARAMETERS, *EPC_PARAMETERS)
TIME_PARAMETERS = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")
ORDER_FIELDS = ("eventTime", "recordTime")
PARAMETERS = (*LIST_PARAMETERS, *TIME_PARAMETERS, "orderBy", "orderDirection", "eventCountLimit")
MAX_VALUES = 100  # values in one list parameter
_CBV = {
    "biz_step": ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:", "cbv:BizStep-"),
    "disposition": ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:", "cbv:Disp-"),
}


def cbv_word(kind: str, value: str) -> str:
    """A standard CBV value as the bare word the binding queries with; any other value unchanged.

    >>> cbv_word("biz_step", "urn:epcglobal:cbv:bizstep:receiving")
    'receiving'
    >>> cbv_word("disposition", "https://ref.gs1.org/cbv/Disp-in_transit")
    'in_transit'
    """
    for prefix in _CBV[kind]:
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


def canonical_epc(value: str) -> str:
    """The Digital Link form of an identifier, when it has one; otherwise the identifier as written."""
    try:
        return normalise_id(value)
    except (ValueError, IndexError):
        return value


def epc_pattern(value: str) -> str | None:
    """A SQL LIKE pattern for an EPC pattern URI (``urn:epc:idpat:<scheme>:<fields with *>``), else None.

    >>> epc_pattern("urn:epc:idpat:sgtin:0614141.107346.*")
    'urn:epc:id:sgtin:0614141.107346.%'
    >>> epc_pattern("urn:epc:id:sgtin:0614141.107346.2017") is None
    True
    """
    if not value.startswith("urn:epc:idpat:") or "%" in value or "_" in value:
        return None
    head, _, fields = value.removeprefix("urn:epc:idpat:").rpartition(":")
    parts = fields.split(".")
    stars = [i for i, part in enumerate(parts) if part == "*"]
    if not head or not stars or stars != list(range(stars[0], len(parts))):
        return None  # a star stands only for the trailing fields
    fixed = ".".join(parts[: stars[0]])
    return f"urn:epc:id:{head}:{fixed}{'.' if fixed else ''}%"


@dataclass(frozen=True)
class Query:
    """A checked query: the canonical parameters (:func:`canonical`) and what they mean for the SQL."""

    parameters: dict[str, Any]
    event_types: tuple[str, ...] = ()
    equal: dict[str, tuple[str, ...]] = field(default_factory=dict)  # stored field -> values
    epcs: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    times: dict[str, dt.datetime] = field(default_factory=dict)  # GE_eventTime ... -> UTC time
    order_by: str | None = None
    descending: bool = True
    count_limit: int | None = None


def _values(name: str, raw: Any, errors: ErrorTree) -> tuple[str, ...]:
    values = raw.split("|") if isinstance(raw, str) else raw
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) and v for v in values) or not values:
        errors.add([name], "Give one or more values (pipe-delimited in a URL, an array in a query body).")
        return ()
    if len(values) > MAX_VALUES or any(len(v) > 500 for v in values):
        errors.add([name], f"Give at most {MAX_VALUES} values of at most 500 characters.")
        return ()
    return tuple(values)


def _time(name: str, raw: Any, errors: ErrorTree) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not isinstance(raw, str):
        errors.add([name], "Give a date-time with its offset, e.g. 2024-03-01T08:00:00+07:00.")
        return None
    return moment.astimezone(dt.UTC)


def read_query(parameters: Mapping[str, Any]) -> Query:
    """Check `parameters` (URL strings or JSON values) and return the query they ask.

    Raises
    ------
    InvalidInputError
        Naming every parameter that is unknown, unsupported or malformed (the standard's QueryParameterException).

    Examples
    --------
    >>> read_query({"EQ_bizStep": "urn:epcglobal:cbv:bizstep:shipping|receiving"}).equal
    {'biz_step': ('shipping', 'receiving')}
    >>> read_query({"eventCountLimit": "1"})
    Traceback (most recent call last):
    ...
    traceability.errors.InvalidInputError: The query parameters are not valid.
    """
    errors = ErrorTree()
    for name in sorted(set(parameters) - set(PARAMETERS)):
        errors.add([name], "This repository does not answer this query parameter.")
    kept: dict[str, Any] = {}
    event_types: tuple[str, ...] = ()
    equal: dict[str, tuple[str, ...]] = {}
    epcs: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
    times: dict[str, dt.datetime] = {}
    for name in LIST_PARAMETERS:
        if name not in parameters:
            continue
        values = _values(name, parameters[name], errors)
        if not values:
            continue
        kept[name] = list(values)
        if name == "eventType":
            event_types = values
        elif name in EQ_PARAMETERS:
            column = EQ_PARAMETERS[name]
            equal[column] = tuple(cbv_word(column, v) for v in values) if column in _CBV else values
        else:
            patterns = tuple(p for p in (epc_pattern(v) for v in values) if p)
            exact = tuple(canonical_epc(v) for v in values if epc_pattern(v) is None)
            epcs[name] = (EPC_PARAMETERS[name], exact, patterns)
    for name in TIME_PARAMETERS:
        if name in parameters:
            moment = _time(name, parameters[name], errors)
            if moment is not None:
                kept[name], times[name] = parameters[name], moment
    order_by = parameters.get("orderBy")
    if order_by is not None:
        if order_by not in ORDER_FIELDS:
            errors.add(["orderBy"], f"Order by one of {', '.join(ORDER_FIELDS)}.")
        kept["orderBy"] = order_by
    direction = parameters.get("orderDirection")
    if direction is not None:
        if direction not in ("ASC", "DESC"):
            errors.add(["orderDirection"], "Give ASC or DESC.")
        kept["orderDirection"] = direction
    limit = parameters.get("eventCountLimit")
    count_limit = None
    if limit is not None:
        try:
            count_limit = int(limit)
        except (TypeError, ValueError):
            count_limit = 0
        if isinstance(limit, bool) or count_limit < 1 or str(limit) != str(count_limit):
            errors.add(["eventCountLimit"], "Give a whole number of 1 or more.")
        elif order_by is None:
            errors.add(["eventCountLimit"], "eventCountLimit needs orderBy: it keeps the first events in that order.")
        kept["eventCountLimit"] = count_limit
    errors.raise_if_any("The query parameters are not valid.")
    return Query(
        parameters=kept,
        event_types=event_types,
        equal=equal,
        epcs=epcs,
        times=times,
        order_by=order_by,
        descending=direction != "ASC",
        count_limit=count_limit,
    )


def canonical(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of `parameters` (list values as arrays, limits as numbers), checked."""
    return read_query(parameters).parameters


def _ids(value: Any) -> list[str]:
    return [v for v in (value if isinstance(value, list) else []) if isinstance(v, str)]


def _classes(value: Any) -> list[str]:
    items = value if isinstance(value, list) else []
    return [q["epcClass"] for q in items if isinstance(q, dict) and isinstance(q.get("epcClass"), str)]


def _id_of(value: Any) -> str | None:
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def event_fields(event: Mapping[str, Any]) -> dict[str, Any]:
    """What the repository files an event under: its filtered fields, and each identifier with its role.

    Roles: ``epc`` (epcList, childEPCs), ``parent`` (parentID), ``input``/``output`` (a transformation's EPC
    lists), ``class`` (quantityList, childQuantityList), ``inclass``/``outclass`` (its quantity lists).
    """
    identifiers: list[tuple[str, str]] = []
    for role, key in (("epc", "epcList"), ("epc", "childEPCs"), ("input", "inputEPCList"), ("output", "outputEPCList")):
        identifiers += [(role, v) for v in _ids(event.get(key))]
    if isinstance(event.get("parentID"), str):
        identifiers.append(("parent", event["parentID"]))
    for role, key in (
        ("class", "quantityList"),
        ("class", "childQuantityList"),
        ("inclass", "inputQuantityList"),
        ("outclass", "outputQuantityList"),
    ):
        identifiers += [(role, v) for v in _classes(event.get(key))]
    biz_step, disposition = event.get("bizStep"), event.get("disposition")
    return {
        "action": event.get("action") if isinstance(event.get("action"), str) else None,
        "biz_step": cbv_word("biz_step", biz_step) if isinstance(biz_step, str) else None,
        "disposition": cbv_word("disposition", disposition) if isinstance(disposition, str) else None,
        "read_point": _id_of(event.get("readPoint")),
        "biz_location": _id_of(event.get("bizLocation")),
        "identifiers": [(role, value, canonical_epc(value)) for role, value in dict.fromkeys(identifiers)],
    }


# --- subscription schedules ----------------------------------------------------------------------------

#: The binding's schedule fields, their ranges, and how a moment (UTC) gives each.
SCHEDULE_FIELDS: dict[str, tuple[int, int]] = {
    "second": (0, 59),
    "minute": (0, 59),
    "hour": (0, 23),
    "dayOfMonth": (1, 31),
    "month": (1, 12),
    "dayOfWeek": (1, 7),  # 1 is Monday
}


def _element(text: str, low: int, high: int) -> set[int]:
    if text.startswith("[") and text.endswith("]") and "-" in text:
        first, _, last = text[1:-1].partition("-")
        start, end = int(first), int(last)
        if not low <= start <= end <= high:
            raise ValueError(text)
        return set(range(start, end + 1))
    value = int(text)
    if not low <= value <= high or not text.isdigit():
        raise ValueError(text)
    return {value}


def read_schedule(schedule: Any) -> dict[str, list[int]]:
    """A subscription schedule (``{"hour": "1", "minute": "5"}``, ranges as ``[1-5]``, lists with commas) as the
    values each field allows; a field left out allows every value, except that seconds default to 0.

    Raises
    ------
    InvalidInputError
        Naming each field that is unknown or out of its range.

    Examples
    --------
    >>> read_schedule({"hour": "1,[3-4]", "minute": "5"})["hour"]
    [1, 3, 4]
    """
    errors = ErrorTree()
    if not isinstance(schedule, dict) or not schedule:
        errors.add(["schedule"], "Give at least one of second, minute, hour, dayOfMonth, month, dayOfWeek.")
        errors.raise_if_any("The schedule is not valid.")
    allowed: dict[str, list[int]] = {}
    for name in sorted(set(schedule) - set(SCHEDULE_FIELDS)):
        errors.add(["schedule", name], "Not a schedule field.")
    for name, (low, high) in SCHEDULE_FIELDS.items():
        raw = schedule.get(name)
        if raw is None:
            allowed[name] = [0] if name == "second" else list(range(low, high + 1))
            continue
        try:
            values = set().union(*(_element(part.strip(), low, high) for part in str(raw).split(",")))
        except ValueError:
            errors.add(["schedule", name], f"Give numbers from {low} to {high}, [a-b] ranges, separated by commas.")
            continue
        allowed[name] = sorted(values)
    errors.raise_if_any("The schedule is not valid.")
    return allowed


def next_run(allowed: Mapping[str, list[int]], after: dt.datetime) -> dt.datetime | None:
    """The first moment (UTC, whole seconds) later than `after` that `allowed` matches; None within ten years.

    >>> next_run(read_schedule({"hour": "1", "minute": "5"}), dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    datetime.datetime(2026, 12, 3, 1, 5, tzinfo=datetime.timezone.utc)
    """
    start = after.astimezone(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1)
    day = start.date()
    for _ in range(3660):
        matches = (day.month, day.day, day.isoweekday())
        if all(
            value in allowed[name] for value, name in zip(matches, ("month", "dayOfMonth", "dayOfWeek"), strict=True)
        ):
            for hour in allowed["hour"]:
                for minute in allowed["minute"]:
                    for second in allowed["second"]:
                        moment = dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=dt.UTC)
                        if moment >= start:
                            return moment
        day += dt.timedelta(days=1)
    return None
