"""Every error leaves as ``application/problem+json`` (RFC 9457), with field-level messages."""

from __future__ import annotations

import http
import json
from typing import Any

import flask_smorest
from apispec import BasePlugin
from flask import Flask, Response, current_app, g, has_request_context, request
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, RequestURITooLarge

from traceability.errors import (
    AuthenticationError,
    BusyError,
    ConflictError,
    ContentTooLargeError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    QueryParameterError,
    QueryTooLargeError,
    TraceabilityError,
    UnsupportedContentError,
)
from traceability.service.unit_of_work import busy_error

PROBLEM_JSON = "application/problem+json"

DOMAIN_ERRORS: dict[type[TraceabilityError], tuple[int, str]] = {
    NotFoundError: (404, "Not Found"),
    PermissionDeniedError: (403, "Forbidden"),
    InvalidInputError: (422, "Unprocessable Content"),
    QueryParameterError: (400, "Bad Request"),  # the EPCIS binding's QueryParameterException
    QueryTooLargeError: (413, "Content Too Large"),  # ... and its QueryTooLargeException
    ConflictError: (409, "Conflict"),
    AuthenticationError: (401, "Unauthorized"),
    UnsupportedContentError: (415, "Unsupported Media Type"),
    ContentTooLargeError: (413, "Content Too Large"),
    BusyError: (503, "Service Unavailable"),
}


class ProblemSchema(Schema):
    """RFC 9457 problem details; ``errors`` maps each bad field to its messages."""

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "Field name (or path) to messages."})
    request_id = fields.String(
        metadata={"description": "This request's id, as in the X-Request-ID header and the service's log lines."}
    )


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    problem_type: str = "about:blank",
    **extra: Any,
) -> Response:
    """Build a problem-details response."""
    body: dict[str, Any] = {"type": problem_type, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v})
    rid = g.get("request_id") if has_request_context() else None
    if rid:
        body["request_id"] = rid  # the same id as the response's X-Request-ID header and the request's log lines
    response = current_app.response_class(json.dumps(body, default=str), status=status, mimetype=PROBLEM_JSON)
    response.headers.extend(headers or {})
    return response


def _field_errors(data: dict[str, Any] | None) -> dict[str, Any] | None:
    # webargs nests messages by location ({"json": {...}}); a body's fields are what callers fix.
    messages = (data or {}).get("messages")
    if not messages:
        return None
    if set(messages) == {"json"}:
        body = messages["json"]
        return dict(body) if isinstance(body, dict) else {"body": list(body)}
    return dict(messages)


class AbsoluteRefs(BasePlugin):  # type: ignore[misc]  # apispec ships no type hints for plugins
    """Root-relative ``$ref``s (the dossier's JSON Schema) made absolute with the public address, so the
    OpenAPI document still resolves once saved to a file or loaded from another host."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None, **_: Any) -> None:
        self._rewrite(operations or {})

    def _rewrite(self, node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("/"):
                node["$ref"] = self.base + ref
            for value in node.values():
                self._rewrite(value)
        elif isinstance(node, list):
            for value in node:
                self._rewrite(value)


class Api(flask_smorest.Api):  # type: ignore[misc]  # flask-smorest ships no type hints
    """flask-smorest's Api, speaking problem+json for errors in responses and in the spec."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask) -> None:
        plugin = AbsoluteRefs(str(app.config["PUBLIC_BASE_URL"]))
        super().__init__(app, spec_kwargs={"extra_plugins": [plugin]})

    def handle_http_exception(self, error: HTTPException) -> Response:
        return handle_http_exception(error)

    def _register_responses(self) -> None:
        # A private hook (pinned minor version; tests/api/test_openapi.py guards it): document
        # every error response as problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's errors (404, 405, 413, 415, 422 from webargs...) as problem details.

    An error that carries its own response (the login form's 429 page) keeps it.
    """
    if error.response is not None:
        return error.response  # type: ignore[return-value]  # typed as werkzeug's Response; ours are Flask's
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}  # keeps Allow, WWW-Authenticate
    data = getattr(error, "data", None)
    errors = _field_errors(data)
    detail = (data or {}).get("message") or error.description
    if errors:
        detail = "The request failed validation."
    return problem(error.code or 500, error.name, detail, headers=headers, errors=errors)


def handle_domain_error(error: TraceabilityError) -> Response:
    """A rule of the domain refused the request."""
    status, title = DOMAIN_ERRORS.get(type(error)) or next(
        (v for k, v in DOMAIN_ERRORS.items() if isinstance(error, k)), (400, "Bad Request")
    )
    headers = {"WWW-Authenticate": 'Bearer realm="halal-trace"'} if status == 401 else {}
    if isinstance(error, ConflictError) and error.version is not None:
        headers["ETag"] = f'"v{error.version}"'  # the version to send back as If-Match after re-reading
    if isinstance(error, BusyError):
        headers["Retry-After"] = "1"  # nothing was written: the same request may be sent again at once
    kind = EPCIS_EXCEPTIONS.get(type(error), "about:blank")  # the EPCIS binding names its problems' types
    return problem(status, title, error.message, headers=headers, problem_type=kind, errors=error.errors or None)


#: Domain errors that are EPCIS exceptions -> the problem type the binding gives them.
EPCIS_EXCEPTIONS = {
    QueryParameterError: "epcisException:QueryParameterException",
    QueryTooLargeError: "epcisException:QueryTooLargeException",
}


def handle_unexpected(error: Exception) -> Response:
    """Log the bug and answer a problem document, never an HTML traceback."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    busy = busy_error(error)
    if busy is not None:  # a lock wait or deadlock lost outside a write's own transaction handling
        current_app.logger.warning("Database busy: %s", error)
        return handle_domain_error(busy)
    current_app.logger.exception("Unhandled error", exc_info=error)
    return handle_http_exception(InternalServerError())


def check_url() -> None:
    """Refuse, as problem documents, URLs the service cannot take.

    Longer than ``MAX_URL_BYTES``: 414. The WSGI server refuses longer request lines still (gunicorn: 8,190
    bytes) with its own HTML page; the margin keeps every 414 a client can reach through the app in the API's
    format. A NUL character anywhere in the path or query: 400, since no identifier or search holds one and
    PostgreSQL cannot even compare text with it.
    """
    uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    if len(uri.encode("latin-1", "replace")) > current_app.config["MAX_URL_BYTES"]:
        raise RequestURITooLarge(f"The URL is longer than {current_app.config['MAX_URL_BYTES']} bytes.")
    # A Digital Link's parser refuses an escaped NUL in its path itself, answering scanners and browsers alike.
    in_path = "\x00" in request.path and request.endpoint != "public.digital_link_path"
    if in_path or b"%00" in request.query_string.lower() or b"\x00" in request.query_string:
        raise BadRequest("The URL contains a NUL character (%00).")


def init_app(app: Flask) -> None:
    app.before_request(check_url)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(TraceabilityError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)
