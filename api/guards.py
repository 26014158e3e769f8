"""Checks every request passes before a handler sees it: body type, JSON shape, NUL characters, query names.

The rules, in one place so every route follows them:

* A write (POST, PUT, PATCH under ``/api/``) that sends a body, or whose route takes one, must send it as
  ``application/json`` (415 otherwise); routes that take another kind of body say so in :data:`BODY_TYPES`.
  A route without a body (revoking a code) may be called with none.
* A JSON body must be strict JSON: UTF-8 without a byte order mark, no ``NaN``/``Infinity``, no
  duplicate keys, at most :data:`MAX_DEPTH` levels of nesting (400). Python's parser would otherwise
  recurse until it fails (a 500), and duplicate keys would silently keep the last value.
* No text anywhere may hold a NUL character: PostgreSQL cannot store one, so a body string with NUL is
  a 422 naming the field, and a NUL in a form field a 400 (in the path or query: ``errors.check_url``).
* The JSON API refuses query parameters its route does not declare (400 naming them), so a typo such
  as ``?pagesize=`` is not silently ignored. Public pages and the verify API ignore extra parameters:
  marketplaces and QR scanners append ``utm_*`` and the like.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from api.errors import problem

MAX_DEPTH = 64
NUL = "\x00"
JSON_TYPES = ("application/json", "application/ld+json")

#: Write routes whose body is not (only) plain JSON: endpoint -> accepted media types (None: any bytes).
BODY_TYPES: dict[str, tuple[str, ...] | None] = {
    "epcis.Capture": JSON_TYPES,
    "epcis.Events": JSON_TYPES,  # POST captures one event
    "programmes.Registry": ("text/csv", "multipart/form-data"),
    "evidence.CertificateEvidence": None,
}
#: API routes not held to their declared query parameters: the verify API ignores those it does not know (public,
#: scanned or embedded); the EPCIS event queries read every name, since many of the standard's carry a value
#: (``EQ_bizTransaction_po``), and refuse an unknown one by name (400) themselves.
LENIENT_QUERY = {
    "codes.Verify",
    *(
        f"epcis.{name}"
        for name in (
            "Events",
            "EventTypeEvents",
            "EpcEvents",
            "BizStepEvents",
            "BizLocationEvents",
            "ReadPointEvents",
            "DispositionEvents",
        )
    ),  # fmt: skip
}


class StrictJSONError(ValueError):
    """A body that is not the strict JSON this service accepts."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # the common case costs one C call; only a duplicate is looked for by hand
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise StrictJSONError(f"The key {key!r} appears twice in one object.")
            seen.add(key)
    return result


def _no_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not a JSON number.")


def loads(data: bytes | str) -> Any:
    """Parse strict JSON (see the module docstring) or raise :class:`StrictJSONError`."""
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            raise StrictJSONError("JSON must not start with a byte order mark.")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StrictJSONError("The body is not UTF-8.") from exc
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError as exc:
        raise StrictJSONError(f"The JSON is nested more than {MAX_DEPTH} levels deep.") from exc
    except json.JSONDecodeError as exc:
        raise StrictJSONError(f"Not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.") from exc
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    # Level by level, not recursively: a recursive walk would fail on exactly the documents it must refuse.
    level, depth = [value], 0
    while level:
        depth += 1
        containers = [item for item in level if type(item) in (dict, list)]
        if containers and depth > MAX_DEPTH:
            raise StrictJSONError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
        level = [child for item in containers for child in (item.values() if type(item) is dict else item)]


def nul_paths(value: Any) -> dict[str, Any]:
    """Where strings holding NUL are, as the nested ``errors`` tree the API reports
    (``{"lots": {"2": {"material": [...]}}}``)."""
    errors: dict[str, Any] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    message = "Text may not contain the NUL character (\\u0000)."
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                _put(errors, path or ("body",), message)
        elif isinstance(item, dict):
            for key, child in item.items():
                if NUL in key:
                    _put(errors, (*path, key.replace(NUL, "\\u0000")), message)
                stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, str(i))) for i, child in enumerate(item))
    return errors


def _put(tree: dict[str, Any], path: tuple[str, ...], message: str) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node.setdefault(path[-1], [message])


def is_number(text: str) -> bool:
    """ASCII digits only, at most 18 of them: `str.isdigit()` alone takes "²", which `int()` refuses (a 500)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def is_api() -> bool:
    return request.path.startswith("/api/")


def wants_page() -> bool:
    """A person's browser (HTML preferred), outside the JSON API."""
    if is_api():
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def _handler(endpoint: str) -> Callable[..., Any] | None:
    """The function that answers this request's method on `endpoint` (a MethodView's method)."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    handler: Callable[..., Any] | None = getattr(view_class, request.method.lower(), None)
    return handler or getattr(view_class, "get", None)


def _apidoc(endpoint: str) -> dict[str, Any]:
    return getattr(_handler(endpoint), "_apidoc", {})


def _query_names(endpoint: str) -> set[str]:
    """The query parameters an API route declares."""
    names: set[str] = set()
    for argument in _apidoc(endpoint).get("arguments", {}).get("parameters", []):
        if argument.get("in") == "query":
            names.update(field.data_key or name for name, field in _fields(argument["schema"]).items())
    return names


def _takes_body(endpoint: str) -> bool:
    """Whether the route declares a request body (a body schema, or a documented requestBody)."""
    doc = _apidoc(endpoint)
    arguments = doc.get("arguments", {}).get("parameters", [])
    return any(a.get("in") in ("json", "form", "files") for a in arguments) or "requestBody" in doc.get(
        "manual_doc", {}
    )


def _fields(schema: Any) -> dict[str, Any]:
    instance = schema() if isinstance(schema, type) else schema
    return {name: field for name, field in instance.fields.items() if not field.dump_only}


def _check_query() -> Response | None:
    if not is_api() or request.endpoint is None or request.endpoint in LENIENT_QUERY:
        return None
    if request.endpoint in ("api-docs.openapi_json", "static"):
        return None
    known = _query_names(request.endpoint)
    unknown = sorted(set(request.args) - known)
    if not unknown:
        return None
    allowed = ", ".join(sorted(known)) or "none"
    return problem(
        400,
        "Bad Request",
        f"Unknown query parameter(s): {', '.join(unknown)} (this route takes {allowed}).",
        errors={name: ["Unknown query parameter."] for name in unknown},
    )


def _check_body_type() -> None:
    if not is_api() or request.method not in ("POST", "PUT", "PATCH") or request.endpoint is None:
        return
    if request.endpoint in BODY_TYPES:
        accepted = BODY_TYPES[request.endpoint]
        if accepted is not None and request.mimetype not in accepted:
            raise UnsupportedMediaType(f"Send the body as {' or '.join(accepted)}.")
        return
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding") is not None
    if request.mimetype != "application/json" and (has_body or _takes_body(request.endpoint)):
        raise UnsupportedMediaType("Send the body as application/json.")


def _check_json_body() -> Response | None:
    if request.method not in ("POST", "PUT", "PATCH") or not (request.is_json or request.mimetype in JSON_TYPES):
        return None
    data = request.get_data(cache=True)
    if not data:
        return None
    # Parsed once, through the strict provider, and cached for the handler's own get_json(); only a
    # refused body is parsed again, to say why.
    value = request.get_json(force=True, silent=True, cache=True)
    if value is None:
        try:
            value = loads(data)
        except StrictJSONError as exc:
            return problem(400, "Bad Request", str(exc), errors={"body": [str(exc)]})
    # JSON can only carry NUL as the escape \u0000 (a raw control character is not valid JSON).
    bad = nul_paths(value) if b"\\u0000" in data else None
    if bad:
        return problem(422, "Unprocessable Content", "The request failed validation.", errors=bad)
    return None


def _check_nul_in_form() -> None:
    # (A NUL in the path or query is refused by errors.check_url.)
    form = request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    )
    if form and any(NUL in k or NUL in v for k, v in request.form.items(multi=True)):
        raise BadRequest("The form contains a NUL character.")


def before_request() -> Response | None:
    _check_nul_in_form()
    _check_body_type()
    return _check_json_body() or _check_query()


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, parsing as strictly as the request checks (``request.get_json()`` included)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)


def init_app(app: Flask) -> None:
    """Install the checks; call before anything else registers a ``before_request``."""
    app.json = StrictJSONProvider(app)
    app.before_request(before_request)
