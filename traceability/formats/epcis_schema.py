"""The official EPCIS 2.0 JSON Schema, checked before any of our own capture rules.

Compiled once with jsonschema-rs: on a 5,000-event document it takes about 0.05 s where the pure-Python
``jsonschema`` takes about 40 s, and it asserts ``format`` (an ``eventTime`` without offset, an ILMD key that is
not a URI), which draft-07 leaves optional.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from itertools import islice
from typing import Any

import jsonschema_rs

from traceability.errors import ErrorTree

__all__ = ["MAX_MESSAGES", "event_list_path", "schema_errors", "schema_errors_by_event"]

MAX_MESSAGES = 50  # a document wrong in every event is refused with a readable list, not thousands of lines
_MESSAGE_LENGTH = 300  # "... is not valid under any of the given schemas" quotes the whole event
_SCAN = 5_000  # messages read at most: enough to show the first MAX_MESSAGES, cheap on a huge bad document
_NOISE = (jsonschema_rs.ValidationErrorKind.AnyOf, jsonschema_rs.ValidationErrorKind.OneOfNotValid)


@cache
def _validator() -> jsonschema_rs.Validator:
    schema = json.loads(files("traceability.formats").joinpath("data/EPCIS-JSON-Schema.json").read_text("utf-8"))
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


def _shorten(message: str) -> str:
    return message if len(message) <= _MESSAGE_LENGTH else message[: _MESSAGE_LENGTH - 1] + "…"


def schema_errors(document: Any) -> ErrorTree:
    """The schema's own messages for `document`, by the path of the value they are about.

    A "required" message sits at the missing member's path; an "any of"/"one of" failure is left out when a
    more precise message about the same value or one inside it says what is wrong.

    Examples
    --------
    >>> schema_errors({"type": "EPCISDocument"}).tree["creationDate"]
    ['"creationDate" is a required property']
    """
    found: list[tuple[list[Any], str, bool]] = []
    for error in islice(_validator().iter_errors(document), _SCAN):
        path = list(error.instance_path)
        if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
            path.append(error.kind.property)
        found.append((path, _shorten(error.message), isinstance(error.kind, _NOISE)))
    precise = [path for path, _, noise in found if not noise]
    kept = [
        (path, message)
        for path, message, noise in found
        if not (noise and any(p[: len(path)] == path for p in precise))
    ]
    errors = ErrorTree()
    parents = {tuple(path[:i]) for path, _ in kept for i in range(len(path))}
    for path, message in sorted(kept, key=lambda e: [str(p) for p in e[0]])[:MAX_MESSAGES]:
        # A value with messages of its own and about its members keeps its own under "_schema".
        errors.add([*path, "_schema"] if not path or tuple(path) in parents else path, message)
    if len(kept) > MAX_MESSAGES:
        more = f"{len(kept) - MAX_MESSAGES}" if len(found) < _SCAN else "many"
        errors.add(["_schema"], f"… and {more} more schema errors.")
    return errors


def event_list_path(document: Any) -> list[str]:
    """Where `document`'s events are: an EPCISDocument's ``epcisBody.eventList``, or a query document's results."""
    if isinstance(document, dict) and document.get("type") == "EPCISQueryDocument":
        return ["epcisBody", "queryResults", "resultsBody", "eventList"]
    return ["epcisBody", "eventList"]


def schema_errors_by_event(document: Any, *, per_event: int = 5) -> tuple[list[str], dict[int, list[str]]]:
    """The schema's messages about `document` outside its events, and up to `per_event` about each event, by index.

    For a capture that stores the valid events of a document and reports the others
    (``GS1-Capture-Error-Behaviour: proceed``): every message is read, so no invalid event goes unnoticed, and a
    message about the document itself refuses every event.
    """
    where = event_list_path(document)
    outside: list[str] = []
    found: dict[int, list[tuple[str, bool]]] = {}
    for error in _validator().iter_errors(document):
        path = list(error.instance_path)
        if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
            path.append(error.kind.property)
        message = _shorten(error.message)
        index = path[len(where)] if path[: len(where)] == where and len(path) > len(where) else None
        if isinstance(index, int):
            rest = "/".join(str(p) for p in path[len(where) + 1 :])
            noted = found.setdefault(index, [])
            noted.append((f"{rest}: {message}" if rest else message, isinstance(error.kind, _NOISE)))
        elif len(outside) < MAX_MESSAGES:
            outside.append("/".join(str(p) for p in path) + f": {message}")
    by_event = {
        index: ([m for m, noise in messages if not noise] or [m for m, _ in messages])[:per_event]
        for index, messages in found.items()
    }
    return outside, by_event
