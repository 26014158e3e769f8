"""The EPCIS 2.0 repository: capture jobs that store events as written, queries over them, named queries.

Every business has its own repository; a reader sees the events of the businesses whose records they may read (a
producer their own, a pendamping those they follow, an auditor every one), and nobody else's. Events captured by
the synchronous capture (which also makes records of them) are filed here too, so a client reads what it wrote.

Subscriptions to a named query send its results to a webhook through the status webhooks' outbox (signed, retried,
logged): a streaming one in the transaction that captures matching events, a scheduled one at the times it names.

A capture job (``POST /capture`` answered 202) waits in ``epcis_capture`` until the job queue stores its events; with
``rollback`` (the default) one invalid event refuses them all, with ``proceed`` the valid ones are kept and the job
lists the others. A page of a query is one SQL statement; the next page's token is signed, so a client can carry it
but not alter it, and it expires.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    EpcisCapture,
    EpcisEvent,
    EpcisEventEpc,
    EpcisEventNumber,
    EpcisLocationChild,
    EpcisQuery,
    EpcisSubscription,
    User,
    WebhookAttempt,
    WebhookDelivery,
    table_of,
)
from models.epcis import URI
from traceability.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    QueryTooLargeError,
)
from traceability.formats.epcis_query import (
    EVENT_TYPES,
    Query,
    canonical_epc,
    event_fields,
    next_run,
    read_query,
    read_schedule,
)
from traceability.formats.epcis_schema import event_list_path, schema_errors_by_event
from traceability.formats.event_hash import event_hash
from traceability.service.access import Actor, actor_for
from traceability.service.bulk import insert_rows
from traceability.service.unit_of_work import defer, writing

__all__ = [
    "CAPTURE_JOB",
    "COLLECTIONS",
    "CONTEXT",
    "BEHAVIOURS",
    "Listing",
    "Page",
    "capture_job",
    "capture_jobs",
    "collection",
    "create_query",
    "delete_query",
    "delivery_log",
    "file_document",
    "named_query",
    "named_queries",
    "query_document",
    "query_events",
    "read_token",
    "run_captures",
    "run_schedules",
    "single_event_document",
    "submit_capture",
    "subscribe",
    "subscription",
    "subscriptions",
    "unsubscribe",
]

CAPTURE_JOB = "epcis.capture"
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
BEHAVIOURS = ("rollback", "proceed")
CAPTURE_LIMIT = 20_000  # events in one capture, as the synchronous capture (GS1-EPCIS-Capture-Limit)
LEASE = dt.timedelta(minutes=10)  # a worker's hold on a capture job; a crashed worker's job is taken again after it
TOKEN_SECONDS = 3600  # a next-page token's life
MAX_PER_PAGE = 1000
QUERY_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_CHUNK = 500


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _prefixes(document: Mapping[str, Any]) -> dict[str, str]:
    """The namespace prefixes a document's ``@context`` defines (its events' extension fields use them)."""
    context = document.get("@context")
    entries = context if isinstance(context, list) else [context]
    return {
        k: v
        for entry in entries
        if isinstance(entry, dict)
        for k, v in entry.items()
        if isinstance(k, str) and isinstance(v, str)
    }


def _events_of(document: Any) -> Any:
    node = document
    for key in event_list_path(document):
        node = node.get(key) if isinstance(node, dict) else None
    return node


# --- storing -------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    index: int
    row: dict[str, Any]  # the event's columns, but for those the insert sets
    identifiers: list[tuple[str, str, str]]
    typed: list[tuple[str, str | None, str]]
    numbers: list[tuple[str, str | None, float]]


def _event_id(event: dict[str, Any], prefixes: dict[str, str]) -> str:
    """The event's own eventID, else its CBV hash (a random UUID for an identifier scheme the hash does not know)."""
    if isinstance(event.get("eventID"), str):
        return str(event["eventID"])
    try:
        return event_hash(event, prefixes)
    except (ValueError, KeyError, TypeError):
        return f"urn:uuid:{uuid.uuid4()}"


def single_event_document(event: Any) -> tuple[dict[str, Any], str]:
    """The EPCISDocument that capturing one event at ``POST /events`` stands for, and the eventID it is filed as.

    Raises
    ------
    InvalidInputError
        When the body is not one EPCIS event.
    """
    kind = event.get("type") if isinstance(event, dict) else None
    if kind not in EVENT_TYPES:
        message = "Send one EPCIS event (ObjectEvent, TransformationEvent...); a whole document goes to capture."
        raise InvalidInputError(message, errors={"type": [f"Give one of {', '.join(EVENT_TYPES)}."]})
    assert isinstance(event, dict)
    body = {k: v for k, v in event.items() if k != "@context"}
    document = {
        "@context": event.get("@context", CONTEXT),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _stamp(_now()),
        "epcisBody": {"eventList": [body]},
    }
    body["eventID"] = _event_id(body, _prefixes(document))
    return document, body["eventID"]


def _prepare(index: int, event: dict[str, Any], prefixes: dict[str, str]) -> tuple[_Prepared | None, list[str]]:
    """The row of a schema-valid event, or why it cannot be filed; an event without eventID gets its CBV hash."""
    body = dict(event)
    body["eventID"] = _event_id(body, prefixes)
    body.pop("recordTime", None)  # the repository's to set, when it stores the event
    filed = event_fields(body)
    too_long = [
        name
        for name, value in [("eventID", body["eventID"]), *((f, filed[f]) for f in ("biz_step", "biz_location"))]
        + [("identifier", v) for _, v, c in filed["identifiers"] for v in (v, c)]
        if isinstance(value, str) and len(value) > URI
    ]
    if too_long:
        return None, [f"{too_long[0]}: identifiers of more than {URI} characters are not stored here."]
    moment = dt.datetime.fromisoformat(str(body["eventTime"]).replace("Z", "+00:00"))
    row = {
        "event_id": body["eventID"],
        "event_type": str(body.get("type"))[:100],
        "event_time": moment.astimezone(dt.UTC),
        "action": filed["action"],
        "biz_step": filed["biz_step"],
        "disposition": filed["disposition"],
        "read_point": filed["read_point"],
        "biz_location": filed["biz_location"],
        "context": prefixes,
        "body": body,
    }
    typed = [  # a value too long for any query to name is not filed (the event is kept whole all the same)
        (role, qualifier, value)
        for role, qualifier, value in filed["typed"]
        if len(value) <= URI and len(canonical_epc(value)) <= URI and len(qualifier or "") <= URI
    ]
    numbers = [(name, unit, number) for name, unit, number in filed["numbers"] if unit is None or len(unit) <= 10]
    return _Prepared(index, row, filed["identifiers"], typed, numbers), []


def _stored_ids(session: Session, business_id: int, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        found.update(
            session.scalars(
                sa.select(EpcisEvent.event_id).where(
                    EpcisEvent.business_id == business_id, EpcisEvent.event_id.in_(ids[start : start + _CHUNK])
                )
            )
        )
    return found


def _sort(
    session: Session, business_id: int, document: dict[str, Any], schema_ok: dict[int, list[str]] | None
) -> tuple[list[_Prepared], dict[int, list[str]]]:
    """Each event of `document` as a row to insert, or the reasons it cannot be (by index); `schema_ok` gives the
    schema's messages by event (None: the whole document is known valid)."""
    prefixes = _prefixes(document)
    prepared: list[_Prepared] = []
    refused: dict[int, list[str]] = dict(schema_ok or {})
    for index, event in enumerate(_events_of(document) or []):
        if index in refused:
            continue
        item, problems = _prepare(index, event, prefixes)
        if item is None:
            refused[index] = problems
        else:
            prepared.append(item)
    stored = _stored_ids(session, business_id, [p.row["event_id"] for p in prepared])
    seen: set[str] = set()
    kept = []
    for item in prepared:
        if item.row["event_id"] in stored or item.row["event_id"] in seen:
            refused[item.index] = [f"eventID {item.row['event_id']} is already captured."]
        else:
            seen.add(item.row["event_id"])
            kept.append(item)
    return kept, refused


def _insert(
    session: Session, business_id: int, items: list[_Prepared], capture: EpcisCapture | None, at: dt.datetime
) -> int:
    """File the events and their query index in one statement per table, whatever their number.

    The rows go in through the bulk path: the ORM would insert them one by one on SQLite, which cannot promise
    the order of a multi-row INSERT's RETURNING. The events' keys are read back by their eventIDs.
    """
    filed = {"business_id": business_id, "record_time": at, "capture_id": capture.id if capture else None}
    insert_rows(session, table_of(EpcisEvent), [{**item.row, **filed} for item in items])
    keys: dict[str, int] = {}
    event_ids = [item.row["event_id"] for item in items]
    for start in range(0, len(event_ids), _CHUNK):
        chosen = EpcisEvent.event_id.in_(event_ids[start : start + _CHUNK])
        rows = session.execute(
            sa.select(EpcisEvent.event_id, EpcisEvent.id).where(EpcisEvent.business_id == business_id, chosen)
        )
        keys.update((event_id, key) for event_id, key in rows)
    insert_rows(
        session,
        table_of(EpcisEventEpc),
        [
            {
                "event_pk": keys[item.row["event_id"]],
                "role": role,
                "value": value,
                "canonical": canon,
                "qualifier": None,
            }
            for item in items
            for role, value, canon in item.identifiers
        ]
        + [
            {
                "event_pk": keys[item.row["event_id"]],
                "role": role,
                "value": value,
                "canonical": canonical_epc(value),
                "qualifier": kind,
            }
            for item in items
            for role, kind, value in item.typed
        ],
    )
    insert_rows(
        session,
        table_of(EpcisEventNumber),
        [
            {"event_pk": keys[item.row["event_id"]], "field": name, "uom": unit, "number": number}
            for item in items
            for name, unit, number in item.numbers
        ],
    )
    _stream(session, business_id, at)
    return len(items)


def _children(document: Mapping[str, Any]) -> set[tuple[str, str, str]]:
    """(vocabulary, parent, child) for each child its master data names (``epcisHeader.epcisMasterData``)."""
    header = document.get("epcisHeader")
    master = header.get("epcisMasterData") if isinstance(header, dict) else None
    vocabularies = master.get("vocabularyList") if isinstance(master, dict) else None
    found: set[tuple[str, str, str]] = set()
    for vocabulary in vocabularies if isinstance(vocabularies, list) else []:
        kind = vocabulary.get("type") if isinstance(vocabulary, dict) else None
        elements = vocabulary.get("vocabularyElementList") if isinstance(vocabulary, dict) else None
        if not isinstance(kind, str) or len(kind) > 100 or not isinstance(elements, list):
            continue
        for element in elements:
            parent = element.get("id") if isinstance(element, dict) else None
            children = element.get("children") if isinstance(element, dict) else None
            if isinstance(parent, str) and len(parent) <= URI and isinstance(children, list):
                found |= {(kind, parent, c) for c in children if isinstance(c, str) and len(c) <= URI and c != parent}
    return found


def _file_children(session: Session, business_id: int, document: Mapping[str, Any]) -> None:
    """Keep the location hierarchy a document's master data names, for the business (each pair once)."""
    pairs = _children(document)
    if not pairs:
        return
    c = EpcisLocationChild
    rows = session.execute(
        sa.select(c.vocabulary, c.parent, c.child).where(
            c.business_id == business_id, c.parent.in_(sorted({parent for _k, parent, _c in pairs}))
        )
    )
    known = {(kind, parent, child) for kind, parent, child in rows}
    session.add_all(
        c(business_id=business_id, vocabulary=kind, parent=parent, child=child)
        for kind, parent, child in sorted(pairs - known)
    )
    session.flush()


def file_document(session: Session, business_id: int, document: dict[str, Any]) -> int:
    """File a schema-valid document's events (and the location hierarchy of its master data) in the business's
    repository, inside the caller's transaction.

    The synchronous capture's share: an event already filed (the same eventID) is left as it is.
    """
    items, _ = _sort(session, business_id, document, None)
    _file_children(session, business_id, document)
    return _insert(session, business_id, items, None, _now())


# --- capture jobs --------------------------------------------------------------------------------------


def submit_capture(session: Session, actor: Actor, document: Any, *, behaviour: str) -> EpcisCapture:
    """Accept a document for capture into the actor's business; the job queue stores its events.

    Raises
    ------
    InvalidInputError
        When the body is no EPCIS document or the behaviour is unknown (nothing is accepted).
    """
    business_id = actor.writable_business(None, "EPCIS capture")
    if behaviour not in BEHAVIOURS:
        raise InvalidInputError(
            "GS1-Capture-Error-Behaviour is rollback or proceed.",
            errors={"GS1-Capture-Error-Behaviour": [f"Give one of {', '.join(BEHAVIOURS)}."]},
        )
    kind = document.get("type") if isinstance(document, dict) else None
    if kind not in ("EPCISDocument", "EPCISQueryDocument"):
        raise InvalidInputError(
            "Capture takes an EPCISDocument or an EPCISQueryDocument.",
            errors={"type": ["Give EPCISDocument or EPCISQueryDocument."]},
        )
    events = _events_of(document)
    count = len(events) if isinstance(events, list) else 0
    if count > CAPTURE_LIMIT:
        raise InvalidInputError(
            f"Capture at most {CAPTURE_LIMIT} events at once (got {count}).",
            errors={"epcisBody": [f"At most {CAPTURE_LIMIT} events (GS1-EPCIS-Capture-Limit)."]},
        )
    job = EpcisCapture(
        capture_id=secrets.token_hex(12),
        business_id=business_id,
        created_by=actor.user_id,
        behaviour=behaviour,
        document=document,
        events=count,
        errors=[],
    )
    with writing(session):
        session.add(job)
        defer(session, CAPTURE_JOB)
    return job


def capture_job(session: Session, actor: Actor, capture_id: str) -> EpcisCapture:
    """A capture job of a business the actor may read (any other is not found)."""
    job = session.scalar(sa.select(EpcisCapture).where(EpcisCapture.capture_id == capture_id))
    if job is None or not actor.may_read_records or not actor.can_read(job.business_id):
        raise NotFoundError("No capture job with that id.")
    return job


def _claim(session: Session) -> int | None:
    """Take the oldest waiting job (or one whose worker's lease ran out); None when there is none."""
    now = _now()
    waiting = sa.and_(
        EpcisCapture.running.is_(True),
        sa.or_(EpcisCapture.claimed_at.is_(None), EpcisCapture.claimed_at < now - LEASE),
    )
    with writing(session):
        job_id = session.scalar(sa.select(EpcisCapture.id).where(waiting).order_by(EpcisCapture.id).limit(1))
        if job_id is None:
            return None
        taken = session.execute(
            sa.update(EpcisCapture).where(EpcisCapture.id == job_id, waiting).values(claimed_at=now)
        ).rowcount  # type: ignore[attr-defined]
    return job_id if taken == 1 else -1


def _run(session: Session, job_id: int) -> None:
    with writing(session):
        job = session.get_one(EpcisCapture, job_id, populate_existing=True)
        document: dict[str, Any] = job.document or {}
        outside, by_event = schema_errors_by_event(document)
        errors: list[dict[str, Any]] = [{"pointer": "", "message": m} for m in outside]
        items: list[_Prepared] = []
        if not outside:
            items, refused = _sort(session, job.business_id, document, by_event)
            where = "/" + "/".join(event_list_path(document))
            errors += [
                {"pointer": f"{where}/{index}", "message": message}
                for index, messages in sorted(refused.items())
                for message in messages
            ]
        if errors and job.behaviour == "rollback":
            items = []
        elif not outside:
            _file_children(session, job.business_id, document)
        job.captured = _insert(session, job.business_id, items, job, _now()) if items else 0
        job.errors, job.success, job.running = errors, not errors, False
        job.document, job.finished_at = None, _now()


def run_captures(session: Session) -> dict[str, int]:
    """Store the events of every waiting capture job, one transaction each; idempotent (a finished job stays)."""
    done = 0
    while (job_id := _claim(session)) is not None:
        if job_id > 0:
            _run(session, job_id)
            done += 1
    return {"captures": done}


# --- queries -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    events: list[dict[str, Any]]
    prefixes: dict[str, str]
    next_token: str | None
    expires: dt.datetime | None


def _sign(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token(key: bytes, state: dict[str, Any]) -> str:
    payload = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_b64(_sign(key, payload))}"


def read_token(key: bytes, token: str, actor: Actor, listing: str | None = None) -> dict[str, Any]:
    """The state a next-page token carries, once its signature, owner, listing and age are checked.

    `listing` names the collection the token pages through (None: a query's events), so a token made for one
    listing is refused by every other.

    Raises
    ------
    InvalidInputError
        For a token that was altered, is someone else's, belongs to another listing, or has expired.
    """
    bad = InvalidInputError("The nextPageToken is not valid.", errors={"nextPageToken": ["Not a valid page token."]})
    head, _, mac = token.partition(".")
    try:
        payload, signature = _unb64(head), _unb64(mac)
        state = json.loads(payload)
    except (binascii.Error, ValueError):
        raise bad from None
    if not hmac.compare_digest(signature, _sign(key, payload)) or not isinstance(state, dict):
        raise bad
    if state.get("u") != actor.user_id or state.get("l") != listing:
        raise bad
    if float(state.get("x", 0)) < _now().timestamp():
        raise InvalidInputError(
            "The nextPageToken has expired.", errors={"nextPageToken": ["Expired: run the query again."]}
        )
    return state


_COMPARE: dict[str, Any] = {
    "GT": lambda column, value: column > value,
    "GE": lambda column, value: column >= value,
    "LT": lambda column, value: column < value,
    "LE": lambda column, value: column <= value,
}


def _within(column: Any, business: Any, vocabulary: str, roots: tuple[str, ...]) -> sa.ColumnElement[bool]:
    """The location is one of `roots` or a descendant of one, as its own business's master data names them: a
    recursive common table expression, in the same statement (a cycle in the master data ends, as UNION keeps
    each row once)."""
    c = EpcisLocationChild
    start = sa.select(c.business_id, c.child.label("node")).where(c.vocabulary == vocabulary, c.parent.in_(roots))
    tree = start.cte(f"below_{column.key}", recursive=True)  # one name per field: WD_ of both in one statement
    tree = tree.union(
        sa.select(c.business_id, c.child)
        .join(tree, sa.and_(c.parent == tree.c.node, c.business_id == tree.c.business_id))
        .where(c.vocabulary == vocabulary)
    )
    below = sa.exists().where(tree.c.business_id == business, tree.c.node == column)
    return sa.or_(column.in_(roots), below)


def _statement(
    visible: frozenset[int] | None,
    query: Query,
    after: list[Any] | None,
    limit: int,
    *also: sa.ColumnElement[bool],
) -> sa.Select[Any]:
    e = EpcisEvent
    statement = sa.select(e.id, e.body, e.context, e.record_time, e.event_time).where(*also)
    if visible is not None:
        statement = statement.where(e.business_id.in_(sorted(visible)))
    if query.event_types:
        statement = statement.where(e.event_type.in_(query.event_types))
    for column, values in query.equal.items():
        statement = statement.where(getattr(e, column).in_(values))
    for roles, exact, patterns in query.epcs.values():
        match = [EpcisEventEpc.canonical.in_(exact)] if exact else []
        match += [EpcisEventEpc.value.like(pattern) for pattern in patterns]
        statement = statement.where(
            sa.exists().where(EpcisEventEpc.event_pk == e.id, EpcisEventEpc.role.in_(roles), sa.or_(*match))
        )
    for role, qualifier, values in query.typed:
        typed = sa.exists().where(
            EpcisEventEpc.event_pk == e.id,
            EpcisEventEpc.role == role,
            EpcisEventEpc.canonical.in_(sorted({canonical_epc(v) for v in values})),
        )
        statement = statement.where(typed.where(EpcisEventEpc.qualifier == qualifier) if qualifier else typed)
    for name, unit, op, amounts in query.numbers:
        n = EpcisEventNumber
        compare = n.number.in_(amounts) if op == "EQ" else _COMPARE[op](n.number, amounts[0])
        number = sa.exists().where(n.event_pk == e.id, n.field == name, compare)
        statement = statement.where(number.where(n.uom == unit) if unit else number)
    for column, (vocabulary, roots) in query.within.items():
        statement = statement.where(_within(getattr(e, column), e.business_id, vocabulary, roots))
    for name in query.exists:
        statement = statement.where(e.body[name].as_string().is_not(None))
    bounds = {
        "GE_eventTime": e.event_time.__ge__,
        "LT_eventTime": e.event_time.__lt__,
        "GE_recordTime": e.record_time.__ge__,
        "LT_recordTime": e.record_time.__lt__,
    }
    for name, moment in query.times.items():
        statement = statement.where(bounds[name](moment))
    columns: dict[str, Any] = {"eventTime": e.event_time, "recordTime": e.record_time}
    sort = columns.get(query.order_by or "")
    if sort is None:
        if after is not None:
            statement = statement.where(e.id > after[1])
        return statement.order_by(e.id).limit(limit)
    if after is not None:
        since = dt.datetime.fromisoformat(after[0])
        if query.descending:
            statement = statement.where(sa.or_(sort < since, sa.and_(sort == since, e.id < after[1])))
        else:
            statement = statement.where(sa.or_(sort > since, sa.and_(sort == since, e.id > after[1])))
    order = (sort.desc(), e.id.desc()) if query.descending else (sort.asc(), e.id.asc())
    return statement.order_by(*order).limit(limit)


def _check_size(session: Session, visible: frozenset[int] | None, query: Query, *also: sa.ColumnElement[bool]) -> None:
    """Refuse a query whose events outnumber its maxEventCount (the standard's QueryTooLargeException)."""
    if query.max_count is None:
        return
    matching = _statement(visible, query, None, query.max_count + 1, *also).with_only_columns(EpcisEvent.id)
    if (session.scalar(sa.select(sa.func.count()).select_from(matching.subquery())) or 0) > query.max_count:
        raise QueryTooLargeError(
            f"More than {query.max_count} events match (maxEventCount): narrow the query or raise the count."
        )


def query_events(
    session: Session,
    actor: Actor,
    parameters: Mapping[str, Any] | None,
    *,
    key: bytes,
    per_page: int = 30,
    token: str | None = None,
) -> Page:
    """One page of the events `parameters` ask for, among those the actor may read, in one SQL statement.

    With `token` (from the previous page), the query is the one the token carries and `parameters` are not read.
    """
    if not actor.may_read_records:
        raise PermissionDeniedError(f"A {actor.role} does not read EPCIS events.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInputError("perPage is out of range.", errors={"perPage": [f"Give 1 to {MAX_PER_PAGE}."]})
    state: dict[str, Any] = read_token(key, token, actor) if token else {"q": dict(parameters or {}), "k": None, "n": 0}
    query = read_query(state["q"])
    served = int(state["n"])
    visible = actor.visible_businesses()
    if not token:  # checked once, before the first page: the result as a whole
        _check_size(session, visible, query)
    limit = per_page if query.count_limit is None else min(per_page, query.count_limit - served)
    rows = session.execute(_statement(visible, query, state["k"], limit + 1)).all() if limit > 0 else []
    more = len(rows) > limit and (query.count_limit is None or served + limit < query.count_limit)
    rows = rows[:limit]
    prefixes: dict[str, str] = {}
    events = []
    for row in rows:
        for prefix, uri in (row.context or {}).items():
            prefixes.setdefault(prefix, uri)
        events.append({**row.body, "recordTime": _stamp(row.record_time)})
    if not more or not rows:
        return Page(events, prefixes, None, None)
    last = rows[-1]
    sort_value = {"eventTime": last.event_time, "recordTime": last.record_time}.get(query.order_by or "")
    expires = _now() + dt.timedelta(seconds=TOKEN_SECONDS)
    next_state = {
        "q": query.parameters,
        "k": [sort_value.isoformat() if sort_value else None, last.id],
        "n": served + len(rows),
        "u": actor.user_id,
        "x": int(expires.timestamp()),
    }
    return Page(events, prefixes, _token(key, next_state), expires.replace(microsecond=0))


def query_document(
    page: Page, *, query_name: str = "SimpleEventQuery", subscription_id: str | None = None
) -> dict[str, Any]:
    """The EPCISQueryDocument of one page of results (or of one delivery to a subscription)."""
    prefixes = dict(page.prefixes)
    results: dict[str, Any] = {"queryName": query_name, "resultsBody": {"eventList": page.events}}
    if subscription_id is not None:
        results = {"subscriptionID": subscription_id, **results}
    return {
        "@context": [CONTEXT, prefixes] if prefixes else [CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": _stamp(_now()),
        "epcisBody": {"queryResults": results},
    }


# --- listings ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a listing (capture jobs, or a top-level collection's values) and the next page's token."""

    members: list[Any]
    next_token: str | None
    expires: dt.datetime | None


#: Top-level collections (``GET /bizSteps`` ...) -> the stored field whose values they list.
COLLECTIONS: dict[str, Any] = {
    "eventTypes": EpcisEvent.event_type,
    "bizSteps": EpcisEvent.biz_step,
    "bizLocations": EpcisEvent.biz_location,
    "readPoints": EpcisEvent.read_point,
    "dispositions": EpcisEvent.disposition,
    "epcs": EpcisEventEpc.value,
}
EPC_ROLES = ("epc", "parent", "input", "output")  # identifiers of instances, not classes: what ``/epcs`` lists


def _listing_start(key: bytes, actor: Actor, listing: str, per_page: int, token: str | None) -> Any:
    """Where a page of `listing` starts (None: at the beginning), once the reader and the token are checked."""
    if not actor.may_read_records:
        raise PermissionDeniedError(f"A {actor.role} does not read EPCIS events.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInputError("perPage is out of range.", errors={"perPage": [f"Give 1 to {MAX_PER_PAGE}."]})
    return read_token(key, token, actor, listing)["k"] if token else None


def _listing(key: bytes, actor: Actor, listing: str, members: list[Any], per_page: int, last: Any) -> Listing:
    """`members` (up to one more than a page, the extra only telling that more follow) as a page of `listing`."""
    if len(members) <= per_page:
        return Listing(members, None, None)
    expires = _now() + dt.timedelta(seconds=TOKEN_SECONDS)
    state = {"l": listing, "k": last, "u": actor.user_id, "x": int(expires.timestamp())}
    return Listing(members[:per_page], _token(key, state), expires.replace(microsecond=0))


def capture_jobs(
    session: Session, actor: Actor, *, key: bytes, per_page: int = 30, token: str | None = None
) -> Listing:
    """The capture jobs of the businesses the actor may read, newest first, a page at a time."""
    after = _listing_start(key, actor, "capture", per_page, token)
    statement = sa.select(EpcisCapture).order_by(EpcisCapture.id.desc()).limit(per_page + 1)
    visible = actor.visible_businesses()
    if visible is not None:
        statement = statement.where(EpcisCapture.business_id.in_(sorted(visible)))
    if after is not None:
        statement = statement.where(EpcisCapture.id < int(after))
    jobs = list(session.scalars(statement))
    return _listing(key, actor, "capture", jobs, per_page, jobs[per_page - 1].id if len(jobs) > per_page else None)


def collection(
    session: Session, actor: Actor, name: str, *, key: bytes, per_page: int = 30, token: str | None = None
) -> Listing:
    """The distinct values of one top-level collection (``bizSteps`` ...) in the events the actor may read, in
    order, a page at a time; ``eventTypes`` always lists the five standard types, which every repository takes."""
    after = _listing_start(key, actor, name, per_page, token)
    column = COLLECTIONS[name]
    statement = sa.select(column).distinct().where(column.is_not(None))
    if name == "epcs":
        statement = statement.join(EpcisEvent, EpcisEvent.id == EpcisEventEpc.event_pk).where(
            EpcisEventEpc.role.in_(EPC_ROLES)
        )
    visible = actor.visible_businesses()
    if visible is not None:
        statement = statement.where(EpcisEvent.business_id.in_(sorted(visible)))
    if name == "eventTypes":  # a handful of values: the standard ones joined in here
        every = sorted(set(session.scalars(statement)) | set(EVENT_TYPES))
        members = [value for value in every if after is None or value > after][: per_page + 1]
    else:
        if after is not None:
            statement = statement.where(column > str(after))
        members = list(session.scalars(statement.order_by(column).limit(per_page + 1)))
    return _listing(key, actor, name, members, per_page, members[per_page - 1] if len(members) > per_page else None)


# --- named queries -------------------------------------------------------------------------------------


def _reader(actor: Actor) -> int:
    if not actor.may_read_records or actor.user_id is None:
        raise PermissionDeniedError(f"A {actor.role} does not read EPCIS events.")
    return actor.user_id


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= 200 or not set(name) <= QUERY_NAME_CHARACTERS:
        raise InvalidInputError(
            "The query name is not valid.",
            errors={"name": ["Give 1 to 200 letters, digits, '-', '_' or '.'."]},
        )
    return name


def create_query(session: Session, actor: Actor, name: Any, parameters: Any) -> EpcisQuery:
    """Save `parameters` (checked as a query) under `name`, for the actor alone."""
    user_id = _reader(actor)
    name = _check_name(name)
    if not isinstance(parameters, dict):
        raise InvalidInputError("Give the query as an object.", errors={"query": ["Give an object."]})
    try:
        stored = read_query(parameters).parameters
    except InvalidInputError as exc:
        raise InvalidInputError(exc.message, errors={"query": exc.errors}) from None
    if session.scalar(sa.select(EpcisQuery.id).where(EpcisQuery.user_id == user_id, EpcisQuery.name == name)):
        raise ConflictError("You already have a query of that name.", errors={"name": ["Already used."]})
    query = EpcisQuery(user_id=user_id, name=name, query=stored)
    with writing(session):
        session.add(query)
    return query


def named_queries(session: Session, actor: Actor) -> list[EpcisQuery]:
    user_id = _reader(actor)
    return list(session.scalars(sa.select(EpcisQuery).where(EpcisQuery.user_id == user_id).order_by(EpcisQuery.name)))


def named_query(session: Session, actor: Actor, name: str) -> EpcisQuery:
    """The actor's query called `name` (another user's is not found)."""
    user_id = _reader(actor)
    found = session.scalar(sa.select(EpcisQuery).where(EpcisQuery.user_id == user_id, EpcisQuery.name == name))
    if found is None:
        raise NotFoundError("No query of that name.")
    return found


def delete_query(session: Session, actor: Actor, name: str) -> None:
    query = named_query(session, actor, name)
    with writing(session):
        session.delete(query)


def merged(parameters: Mapping[str, Any], fixed: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`parameters` with a path's fixed filter (``/bizSteps/{bizStep}/events``) in place of the same parameter."""
    return {**parameters, **{name: [value] for name, value in fixed}}


# --- subscriptions -------------------------------------------------------------------------------------

SUBSCRIPTION_JOB = "epcis.subscriptions"
DELIVERY_EVENTS = 500  # events in one delivery: a large result goes out as several documents
#: A scheduled run reads events recorded until this long before it, so a capture still committing is not skipped.
SCHEDULE_LAG = dt.timedelta(minutes=1)


def _time_value(name: str, raw: Any) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not isinstance(raw, str):
        raise InvalidInputError(f"{name} is not a date-time.", errors={name: ["Give a date-time with its offset."]})
    return moment.astimezone(dt.UTC)


def subscribe(
    session: Session, actor: Actor, query_name: str, body: Mapping[str, Any], *, allow_private: bool = False
) -> tuple[EpcisSubscription, str | None]:
    """Subscribe `body["dest"]` to the actor's named query, streamed (``stream: true``) or on a ``schedule``.

    Returns the subscription and, when the client sent no ``signatureToken``, the secret made for it (shown once).
    """
    from traceability.service import webhooks  # the same URL rules as the status webhooks

    query = named_query(session, actor, query_name)
    try:
        dest = webhooks.check_url(str(body.get("dest") or ""), allow_private=allow_private)
    except InvalidInputError as exc:
        raise InvalidInputError(exc.message, errors={"dest": exc.errors.get("url", [exc.message])}) from None
    stream, schedule = body.get("stream"), body.get("schedule")
    if (stream is True) == (schedule is not None) or stream not in (None, True, False):
        message = "Give either stream: true or a schedule."
        raise InvalidInputError(message, errors={"schedule": [message]})
    allowed = read_schedule(schedule) if schedule is not None else None
    token = body.get("signatureToken")
    if token is not None and (not isinstance(token, str) or not 16 <= len(token) <= 200):
        raise InvalidInputError(
            "signatureToken is not valid.", errors={"signatureToken": ["Give 16 to 200 characters."]}
        )
    report = body.get("reportIfEmpty", False)
    if not isinstance(report, bool):
        raise InvalidInputError("reportIfEmpty is true or false.", errors={"reportIfEmpty": ["Give true or false."]})
    now = _now()
    initial = _time_value("initialRecordTime", body["initialRecordTime"]) if "initialRecordTime" in body else now
    made = None if token is not None else secrets.token_urlsafe(32)
    subscription = EpcisSubscription(
        subscription_id=str(uuid.uuid4()),
        query_id=query.id,
        dest=dest,
        secret=token or made,
        stream=stream is True,
        schedule=schedule,
        report_if_empty=report,
        initial_record_time=initial,
        min_record_time=initial,
        next_run_at=next_run(allowed, now) if allowed is not None else None,
        created_at=now,
    )
    with writing(session):
        session.add(subscription)
    return subscription, made


def subscriptions(session: Session, actor: Actor, query_name: str) -> list[EpcisSubscription]:
    query = named_query(session, actor, query_name)
    return list(
        session.scalars(
            sa.select(EpcisSubscription).where(EpcisSubscription.query_id == query.id).order_by(EpcisSubscription.id)
        )
    )


def subscription(session: Session, actor: Actor, query_name: str, subscription_id: str) -> EpcisSubscription:
    query = named_query(session, actor, query_name)
    found = session.scalar(
        sa.select(EpcisSubscription).where(
            EpcisSubscription.query_id == query.id, EpcisSubscription.subscription_id == subscription_id
        )
    )
    if found is None:
        raise NotFoundError("No subscription with that id.")
    return found


def unsubscribe(session: Session, actor: Actor, query_name: str, subscription_id: str) -> None:
    """End a subscription; deliveries not yet sent go with it."""
    found = subscription(session, actor, query_name, subscription_id)
    with writing(session):
        session.delete(found)


def delivery_log(
    session: Session,
    actor: Actor,
    query_name: str,
    subscription_id: str,
    *,
    key: bytes,
    per_page: int = 30,
    token: str | None = None,
) -> Listing:
    """Every attempt at delivering to one of the actor's subscriptions, newest first, a page at a time: when, the
    HTTP status or the error, which attempt of its delivery, and how many events that delivery carries."""
    found = subscription(session, actor, query_name, subscription_id)
    listing = f"deliveries:{found.subscription_id}"
    after = _listing_start(key, actor, listing, per_page, token)
    a, d = WebhookAttempt, WebhookDelivery
    statement = (
        sa.select(a, d.body, d.gave_up_at, d.attempts)
        .join(d, d.id == a.delivery_id)
        .where(d.subscription_id == found.id)
        .order_by(a.id.desc())
        .limit(per_page + 1)
    )
    if after is not None:
        statement = statement.where(a.id < int(after))
    rows = session.execute(statement).all()
    members = [
        {
            "delivery": attempt.delivery_id,
            "attempt": attempt.attempt,
            "at": attempt.at,
            "status": attempt.status,
            "error": attempt.error,
            "delivered": attempt.status is not None and 200 <= attempt.status < 300,
            "gave_up": gave_up is not None and attempt.attempt == attempts,
            "events": len(_events_of(body) or []) if isinstance(body, dict) else 0,
        }
        for attempt, body, gave_up, attempts in rows
    ]
    last = rows[per_page - 1][0].id if len(rows) > per_page else None
    return _listing(key, actor, listing, members, per_page, last)


def _deliver(
    session: Session,
    actor: Actor,
    subscription: EpcisSubscription,
    query: EpcisQuery,
    also: list[sa.ColumnElement[bool]],
    *,
    report_if_empty: bool,
) -> int:
    """Write the outbox deliveries of the events `query` and `also` find for `subscription`'s owner."""
    parsed = read_query(query.query)
    written, after = 0, None
    try:
        _check_size(session, actor.visible_businesses(), parsed, *also)
    except QueryTooLargeError as error:  # the standing query's answer is this exception, delivered as one
        body = {
            "type": "epcisException:QueryTooLargeException",
            "title": "Content Too Large",
            "status": 413,
            "detail": error.message,
            "subscriptionID": subscription.subscription_id,
            "queryName": query.name,
        }
        session.add(WebhookDelivery(subscription_id=subscription.id, code=subscription.subscription_id[:64],
                                    body=body, next_attempt_at=_now()))  # fmt: skip
        written = 1
    else:
        while True:
            rows = list(session.execute(_statement(actor.visible_businesses(), parsed, after, DELIVERY_EVENTS, *also)))
            if not rows and (written or not report_if_empty):
                break
            prefixes: dict[str, str] = {}
            for row in rows:
                prefixes.update({k: v for k, v in (row.context or {}).items() if k not in prefixes})
            events = [{**row.body, "recordTime": _stamp(row.record_time)} for row in rows]
            page = Page(events, prefixes, None, None)
            document = query_document(page, query_name=query.name, subscription_id=subscription.subscription_id)
            session.add(WebhookDelivery(subscription_id=subscription.id, code=subscription.subscription_id[:64],
                                        body=document, next_attempt_at=_now()))  # fmt: skip
            written += 1
            if len(rows) < DELIVERY_EVENTS or parsed.count_limit is not None:
                break
            last = rows[-1]
            sort = {"eventTime": last.event_time, "recordTime": last.record_time}.get(parsed.order_by or "")
            after = [sort.isoformat() if sort else None, last.id]
    if written:
        from traceability.service import webhooks

        defer(session, webhooks.DELIVER_JOB)
    return written


def _owners(session: Session, user_ids: set[int]) -> dict[int, Actor]:
    return {user.id: actor_for(session, user) for user in session.scalars(sa.select(User).where(User.id.in_(user_ids)))}


def _stream(session: Session, business_id: int, at: dt.datetime) -> None:
    """In the capturing transaction: each streaming subscription whose owner may read the business gets the new
    events its query matches (an outbox delivery, sent after commit)."""
    streams = session.execute(
        sa.select(EpcisSubscription, EpcisQuery)
        .join(EpcisQuery, EpcisQuery.id == EpcisSubscription.query_id)
        .where(EpcisSubscription.stream.is_(True))
    ).all()
    if not streams:
        return
    owners = _owners(session, {query.user_id for _s, query in streams})
    new = [EpcisEvent.business_id == business_id, EpcisEvent.record_time == at]
    for sub, query in streams:
        owner = owners.get(query.user_id)
        if owner is not None and owner.may_read_records and owner.can_read(business_id):
            _deliver(session, owner, sub, query, new, report_if_empty=False)


def run_schedules(session: Session, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every scheduled subscription that is due: its query over the events recorded since its last run.

    Idempotent beside other workers: a run claims its subscription by moving ``next_run_at`` on.
    """
    now = now or _now()
    due = list(
        session.scalars(
            sa.select(EpcisSubscription.id)
            .where(EpcisSubscription.stream.is_(False), EpcisSubscription.next_run_at <= now)
            .order_by(EpcisSubscription.next_run_at)
        )
    )
    ran = delivered = 0
    for subscription_id in due:
        with writing(session):
            sub = session.get(EpcisSubscription, subscription_id, populate_existing=True)
            if sub is None or sub.next_run_at is None or sub.next_run_at > now:
                continue
            claimed = session.execute(
                sa.update(EpcisSubscription)
                .where(EpcisSubscription.id == sub.id, EpcisSubscription.next_run_at == sub.next_run_at)
                .values(next_run_at=next_run(read_schedule(sub.schedule), now))
                .execution_options(synchronize_session=False)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                continue
            query = session.get_one(EpcisQuery, sub.query_id)
            owner = _owners(session, {query.user_id}).get(query.user_id)
            until = now - SCHEDULE_LAG
            if owner is not None and owner.may_read_records:
                window = [EpcisEvent.record_time >= sub.min_record_time, EpcisEvent.record_time < until]
                delivered += _deliver(session, owner, sub, query, window, report_if_empty=sub.report_if_empty)
            sub.min_record_time = max(sub.min_record_time, until)
            ran += 1
    return {"runs": ran, "deliveries": delivered}
