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
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from traceability.errors import ErrorTree, QueryParameterError
from traceability.formats.event_hash import normalise_id

__all__ = [
    "EPC_PARAMETERS",
    "EVENT_TYPES",
    "FILED_PARAMETERS",
    "LIST_PARAMETERS",
    "MOMENT_PARAMETERS",
    "NUMBER_FIELDS",
    "PARAMETERS",
    "PATTERNS",
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
#: With-descendants parameters -> the stored field, and the master data vocabulary whose children they follow.
WD_PARAMETERS = {
    "WD_readPoint": ("read_point", "urn:epcglobal:epcis:vtype:ReadPoint"),
    "WD_bizLocation": ("biz_location", "urn:epcglobal:epcis:vtype:BusinessLocation"),
}
#: Sensor parameters that compare a sensorMetadata or sensorReport attribute -> the role it is filed under.
SENSOR_PARAMETERS = {
    "EQ_type": "s:type",
    "EQ_deviceID": "s:device",
    "EQ_dataProcessingMethod": "s:method",
    "EQ_microorganism": "s:micro",
    "EQ_chemicalSubstance": "s:chem",
    "EQ_bizRules": "s:rules",
    "EQ_stringValue": "s:string",
    "EQ_hexBinaryValue": "s:hex",
    "EQ_uriValue": "s:uri",
}
#: The sensor attributes each role above is read from (sensorMetadata and sensorReport alike).
SENSOR_ATTRIBUTES = {
    "type": "s:type",
    "deviceID": "s:device",
    "dataProcessingMethod": "s:method",
    "microorganism": "s:micro",
    "chemicalSubstance": "s:chem",
    "bizRules": "s:rules",
    "stringValue": "s:string",
    "hexBinaryValue": "s:hex",
    "uriValue": "s:uri",
}
#: Typed identifier lists -> (the role they are filed under, the list, its member, the CBV prefixes of its types).
_BTT = ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-", "cbv:BTT-")
_SDT = ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-", "cbv:SDT-")
TYPED_LISTS = {
    "bizTransaction": ("bizTx", "bizTransactionList", "bizTransaction", _BTT),
    "source": ("source", "sourceList", "source", _SDT),
    "destination": ("dest", "destinationList", "destination", _SDT),
}
#: Numeric fields a query compares: a QuantityElement's quantity and a sensorReport's values.
NUMBER_FIELDS = ("quantity", "value", "minValue", "maxValue", "meanValue", "sDev", "percValue", "percRank")
COMPARISONS = ("EQ", "GT", "GE", "LT", "LE")
#: Equality parameters on values filed with a role (see :func:`event_fields`) -> that role.
FILED_PARAMETERS = {
    "EQ_transformationID": "xform",
    "EQ_persistentDisposition_set": "pd:set",
    "EQ_persistentDisposition_unset": "pd:unset",
    "EQ_errorReason": "err:reason",
    "EQ_correctiveEventID": "err:fix",
}
LIST_PARAMETERS = (
    "eventType",
    *EQ_PARAMETERS,
    *EPC_PARAMETERS,
    *WD_PARAMETERS,
    *SENSOR_PARAMETERS,
    *FILED_PARAMETERS,
)
TIME_PARAMETERS = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")
#: Time parameters on a moment filed as a number (Unix seconds): an error declaration's time, a sensor reading's
#: ``time`` (sensorMetadata or sensorReport), ``startTime`` and ``endTime`` -> (the number's field, comparison).
MOMENT_PARAMETERS = {
    "GE_errorDeclarationTime": ("err:time", "GE"),
    "LT_errorDeclarationTime": ("err:time", "LT"),
    "GE_time": ("s:time", "GE"),
    "LT_time": ("s:time", "LT"),
    "GE_startTime": ("s:start", "GE"),
    "LT_startTime": ("s:start", "LT"),
    "GE_endTime": ("s:end", "GE"),
    "LT_endTime": ("s:end", "LT"),
}
#: Another spelling of a parameter (GS1's query schema writes these two so) -> the binding's name, kept.
ALIASES = {
    "GE_errorDeclaration_Time": "GE_errorDeclarationTime",
    "LT_errorDeclaration_Time": "LT_errorDeclarationTime",
}
ORDER_FIELDS = ("eventTime", "recordTime")
NUMBER_PARAMETERS = (
    *(f"{op}_quantity" for op in COMPARISONS),
    *(f"{op}_percRank" for op in COMPARISONS if op != "EQ"),
)
PARAMETERS = (
    *LIST_PARAMETERS,
    *TIME_PARAMETERS,
    *MOMENT_PARAMETERS,
    *NUMBER_PARAMETERS,
    "EQ_booleanValue",
    "orderBy",
    "orderDirection",
    "eventCountLimit",
    "maxEventCount",
)
#: Parameters whose names carry a value (a type, a unit, a field), as the standard writes them.
PATTERNS = {
    "typed": re.compile(r"EQ_(bizTransaction|source|destination)_([a-z][a-zA-Z0-9_]+)"),
    "number": re.compile(
        r"(EQ|GT|GE|LT|LE)_(quantity|value|minValue|maxValue|meanValue|sDev|percValue)_([A-Z0-9]{2,4})"
    ),
    # An event's own field (camelCase) or an extension's (ns:field); EXISTS_ILMD_, EXISTS_INNER_ ... are other
    # families, refused rather than read as a field nobody writes (which would silently find nothing).
    "exists": re.compile(r"EXISTS_([a-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9_]*)?)"),
}
_GS1_VOC = ("https://gs1.org/voc/", "http://gs1.org/voc/", "https://www.gs1.org/voc/", "gs1:")
MAX_VALUES = 100  # values in one list parameter
_CBV = {
    "biz_step": ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:", "cbv:BizStep-"),
    "disposition": ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:", "cbv:Disp-"),
    "error_reason": ("https://ref.gs1.org/cbv/ER-", "urn:epcglobal:cbv:er:", "cbv:ER-"),
}
#: The word each filed role's values are compared as (a CBV value as its bare word).
_FILED_WORDS = {"pd:set": "disposition", "pd:unset": "disposition", "err:reason": "error_reason"}


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
    max_count: int | None = None  # maxEventCount: more matching events than this is the QueryTooLargeException
    #: Filed identifiers with a role and a qualifier (a bizTransaction's type ...; None: any) -> the values.
    typed: list[tuple[str, str | None, tuple[str, ...]]] = field(default_factory=list)
    #: Numeric comparisons: (field, unit or None for any, comparison, values; several only for EQ).
    numbers: list[tuple[str, str | None, str, tuple[float, ...]]] = field(default_factory=list)
    #: WD_ parameters: stored field -> (master data vocabulary, the locations whose descendants count).
    within: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    exists: tuple[str, ...] = ()  # top-level fields the event must have (EXISTS_<field>)


def _values(name: str, raw: Any, errors: ErrorTree) -> tuple[str, ...]:
    values = raw.split("|") if isinstance(raw, str) else raw
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) and v for v in values) or not values:
        errors.add([name], "Give one or more values (pipe-delimited in a URL, an array in a query body).")
        return ()
    if len(values) > MAX_VALUES or any(len(v) > 500 for v in values):
        errors.add([name], f"Give at most {MAX_VALUES} values of at most 500 characters.")
        return ()
    return tuple(values)


def voc_word(value: str) -> str:
    """A GS1 Web Vocabulary term (a sensor's measurement type) as the bare word the standard queries with.

    >>> voc_word("gs1:Temperature"), voc_word("https://gs1.org/voc/Temperature"), voc_word("ex:Odour")
    ('Temperature', 'Temperature', 'ex:Odour')
    """
    for prefix in _GS1_VOC:
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


def type_word(kind: str, value: str) -> str:
    """A bizTransaction, source or destination type as the bare word a parameter name carries.

    >>> type_word("bizTransaction", "urn:epcglobal:cbv:btt:po")
    'po'
    >>> type_word("source", "https://ref.gs1.org/cbv/SDT-location")
    'location'
    """
    for prefix in TYPED_LISTS[kind][3]:
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


def _number(name: str, raw: Any, errors: ErrorTree) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        value = None
    else:
        try:
            value = float(raw)
        except ValueError:
            value = None
    if value is None or not math.isfinite(value) or (isinstance(raw, str) and raw.strip().lower() in ("nan", "inf")):
        errors.add([name], "Give a number, e.g. 12.5.")
        return None
    return value


def _numbers(name: str, raw: Any, errors: ErrorTree) -> tuple[float, ...]:
    """An EQ_ comparison takes one or more numbers (pipe-delimited in a URL); the others take one."""
    if name.startswith("EQ_"):
        items = raw.split("|") if isinstance(raw, str) else raw if isinstance(raw, list) else [raw]
        if not items or len(items) > MAX_VALUES:
            errors.add([name], f"Give one to {MAX_VALUES} numbers.")
            return ()
    else:
        items = [raw]
    values = [_number(name, item, errors) for item in items]
    return tuple(v for v in values if v is not None) if all(v is not None for v in values) else ()


def _flag(name: str, raw: Any, errors: ErrorTree) -> bool | None:
    """A true/false parameter (``true`` or ``false`` in a URL, a JSON boolean in a query body)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    errors.add([name], "Give true or false.")
    return None


def _moment(raw: Any) -> dt.datetime | None:
    """A date-time written with its offset, in UTC (None for anything else)."""
    if not isinstance(raw, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo is not None else None


def _time(name: str, raw: Any, errors: ErrorTree) -> dt.datetime | None:
    moment = _moment(raw)
    if moment is None:
        errors.add([name], "Give a date-time with its offset, e.g. 2024-03-01T08:00:00+07:00.")
    return moment


def _count(name: str, parameters: Mapping[str, Any], errors: ErrorTree) -> int | None:
    """A whole number of 1 or more (a limit), if given; a malformed one is an error (and None)."""
    raw = parameters.get(name)
    if raw is None:
        return None
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 0
    if isinstance(raw, bool) or number < 1 or str(raw) != str(number):
        errors.add([name], "Give a whole number of 1 or more.")
        return None
    return number


def read_query(parameters: Mapping[str, Any]) -> Query:
    """Check `parameters` (URL strings or JSON values) and return the query they ask.

    Raises
    ------
    QueryParameterError
        Naming every parameter that is unknown, unsupported or malformed (the standard's QueryParameterException).

    Examples
    --------
    >>> read_query({"EQ_bizStep": "urn:epcglobal:cbv:bizstep:shipping|receiving"}).equal
    {'biz_step': ('shipping', 'receiving')}
    >>> read_query({"eventCountLimit": "1"})
    Traceback (most recent call last):
    ...
    traceability.errors.QueryParameterError: The query parameters are not valid.
    """
    errors = ErrorTree()
    for alias, name in ALIASES.items():
        if alias in parameters and name in parameters:
            errors.add([alias], f"Give {name} once (this is its other spelling).")
    parameters = {ALIASES.get(name, name): value for name, value in parameters.items()}
    patterned = {name for name in parameters if any(p.fullmatch(name) for p in PATTERNS.values())}
    for name in sorted(set(parameters) - set(PARAMETERS) - patterned):
        errors.add([name], "This repository does not answer this query parameter.")
    kept: dict[str, Any] = {}
    typed: list[tuple[str, str | None, tuple[str, ...]]] = []
    numbers: list[tuple[str, str | None, str, tuple[float, ...]]] = []
    within: dict[str, tuple[str, tuple[str, ...]]] = {}
    exists: list[str] = []
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
        elif name in WD_PARAMETERS:
            column, vocabulary = WD_PARAMETERS[name]
            within[column] = (vocabulary, values)
        elif name in SENSOR_PARAMETERS:
            role = SENSOR_PARAMETERS[name]
            words = tuple(voc_word(v) for v in values) if role == "s:type" else values
            typed.append((role, None, tuple(w.upper() for w in words) if role == "s:hex" else words))
        elif name in FILED_PARAMETERS:
            role = FILED_PARAMETERS[name]
            kind = _FILED_WORDS.get(role)
            typed.append((role, None, tuple(cbv_word(kind, v) for v in values) if kind else values))
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
    for name, (number_field, op) in MOMENT_PARAMETERS.items():
        if name in parameters:
            moment = _time(name, parameters[name], errors)
            if moment is not None:
                kept[name] = parameters[name]
                numbers.append((number_field, None, op, (moment.timestamp(),)))
    for name in sorted(patterned | (set(NUMBER_PARAMETERS) & set(parameters))):
        raw = parameters[name]
        if (found := PATTERNS["typed"].fullmatch(name)) is not None:
            values = _values(name, raw, errors)
            if values:
                kind = found[1]
                kept[name] = list(values)
                typed.append((TYPED_LISTS[kind][0], type_word(kind, found[2]), values))
        elif (found := PATTERNS["exists"].fullmatch(name)) is not None:
            wanted = True if raw in ("", None) else _flag(name, raw, errors)
            if wanted is not None:
                kept[name] = wanted
                if wanted:  # false: the standard's "regardless"
                    exists.append(found[1])
        else:
            op, number_field, *unit = name.split("_", 2)
            amounts = _numbers(name, raw, errors)
            if amounts:
                kept[name] = list(amounts) if op == "EQ" else amounts[0]
                numbers.append((number_field, unit[0] if unit else None, op, amounts))
    if "EQ_booleanValue" in parameters:
        flag = _flag("EQ_booleanValue", parameters["EQ_booleanValue"], errors)
        if flag is not None:
            kept["EQ_booleanValue"] = flag
            typed.append(("s:bool", None, ("true" if flag else "false",)))
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
    count_limit = _count("eventCountLimit", parameters, errors)
    if count_limit is not None:
        if order_by is None:
            errors.add(["eventCountLimit"], "eventCountLimit needs orderBy: it keeps the first events in that order.")
        kept["eventCountLimit"] = count_limit
    max_count = _count("maxEventCount", parameters, errors)
    if max_count is not None:
        if "eventCountLimit" in parameters:
            errors.add(["maxEventCount"], "Give maxEventCount or eventCountLimit, not both.")
        kept["maxEventCount"] = max_count
    errors.raise_if_any("The query parameters are not valid.", QueryParameterError)
    return Query(
        parameters=kept,
        event_types=event_types,
        equal=equal,
        epcs=epcs,
        times=times,
        order_by=order_by,
        descending=direction != "ASC",
        count_limit=count_limit,
        max_count=max_count,
        typed=typed,
        numbers=numbers,
        within=within,
        exists=tuple(exists),
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


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _moments(value: Any) -> list[float]:
    """A date-time with its offset as Unix seconds (a one-item list; none for anything else)."""
    moment = _moment(value)
    return [] if moment is None else [moment.timestamp()]


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def event_fields(event: Mapping[str, Any]) -> dict[str, Any]:
    """What the repository files an event under: its filtered fields, each identifier with its role, the typed
    values (role, qualifier, value) and the numbers (field, unit, number) the query parameters compare.

    Identifier roles: ``epc`` (epcList, childEPCs), ``parent`` (parentID), ``input``/``output`` (a
    transformation's EPC lists), ``class`` (quantityList, childQuantityList), ``inclass``/``outclass`` (its
    quantity lists). Typed roles: ``bizTx``, ``source``, ``dest`` (qualified by their type's bare word), the
    sensor attributes (``s:type``, ``s:device`` ..., see SENSOR_ATTRIBUTES), ``xform`` (transformationID),
    ``pd:set``/``pd:unset`` (persistentDisposition), ``err:reason``/``err:fix`` (an errorDeclaration's reason and
    correctiveEventIDs). Moments are numbers in Unix seconds: ``err:time`` (declarationTime) and a sensor part's
    ``s:time``, ``s:start``, ``s:end``.
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
    typed: list[tuple[str, str | None, str]] = []
    for kind, (role, key, member, _prefixes) in TYPED_LISTS.items():
        for item in _list(event.get(key)):
            if isinstance(item, dict) and isinstance(item.get(member), str):
                qualifier = item.get("type")
                typed.append((role, type_word(kind, qualifier) if isinstance(qualifier, str) else None, item[member]))
    if isinstance(event.get("transformationID"), str):
        typed.append(("xform", None, event["transformationID"]))
    persistent = event.get("persistentDisposition")
    for part in ("set", "unset"):
        for word in _list(persistent.get(part) if isinstance(persistent, dict) else None):
            if isinstance(word, str):
                typed.append((f"pd:{part}", None, cbv_word("disposition", word)))
    numbers: list[tuple[str, str | None, float]] = []
    declared = event.get("errorDeclaration")
    if isinstance(declared, dict):
        if isinstance(declared.get("reason"), str):
            typed.append(("err:reason", None, cbv_word("error_reason", declared["reason"])))
        typed += [("err:fix", None, i) for i in _ids(declared.get("correctiveEventIDs"))]
        numbers += [("err:time", None, moment) for moment in _moments(declared.get("declarationTime"))]
    for key in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        for item in _list(event.get(key)):
            if isinstance(item, dict) and _finite(item.get("quantity")):
                unit = item.get("uom")
                numbers.append(("quantity", unit if isinstance(unit, str) else None, float(item["quantity"])))
    for element in _list(event.get("sensorElementList")):
        if not isinstance(element, dict):
            continue
        for part in [element.get("sensorMetadata"), *_list(element.get("sensorReport"))]:
            if not isinstance(part, dict):
                continue
            for attribute, role in SENSOR_ATTRIBUTES.items():
                value = part.get(attribute)
                if isinstance(value, str) and value:
                    word = voc_word(value) if role == "s:type" else value.upper() if role == "s:hex" else value
                    typed.append((role, None, word))
            numbers += [
                (field_name, None, moment)
                for attribute, field_name in (("time", "s:time"), ("startTime", "s:start"), ("endTime", "s:end"))
                for moment in _moments(part.get(attribute))
            ]
            if isinstance(part.get("booleanValue"), bool):
                typed.append(("s:bool", None, "true" if part["booleanValue"] else "false"))
            unit = part.get("uom") if isinstance(part.get("uom"), str) else None
            numbers += [
                (name, None if name == "percRank" else unit, float(part[name]))
                for name in NUMBER_FIELDS[1:]
                if _finite(part.get(name))
            ]
    return {
        "action": event.get("action") if isinstance(event.get("action"), str) else None,
        "biz_step": cbv_word("biz_step", biz_step) if isinstance(biz_step, str) else None,
        "disposition": cbv_word("disposition", disposition) if isinstance(disposition, str) else None,
        "read_point": _id_of(event.get("readPoint")),
        "biz_location": _id_of(event.get("bizLocation")),
        "identifiers": [(role, value, canonical_epc(value)) for role, value in dict.fromkeys(identifiers)],
        "typed": list(dict.fromkeys(typed)),
        "numbers": list(dict.fromkeys(numbers)),
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
