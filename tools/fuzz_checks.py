"""The schemathesis check `tools/fuzz_api.py` adds to the built-in ones: every error is problem+json.

Loaded by schemathesis through ``SCHEMATHESIS_HOOKS=tools.fuzz_checks``. Scripts and marketplaces branch on
``type``/``status``/``errors`` of RFC 9457 documents, so an HTML or plain-text error page anywhere in the API
is a defect even when its status code is right.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

PROBLEM = "application/problem+json"
# gunicorn's own request-line limit (``halal-trace serve``); beyond it the WSGI server answers before the app.
SERVER_REQUEST_LINE_LIMIT = 8190


@schemathesis.check
def problem_json_errors(ctx: Any, response: Any, case: Any) -> None:
    """A 4xx or 5xx answer is ``application/problem+json`` whose ``status`` repeats the HTTP status."""
    if response.status_code < 400:
        return None
    request_line = len(response.request.method or "") + len(response.request.path_url or "") + 10
    if response.status_code in (400, 414) and request_line > SERVER_REQUEST_LINE_LIMIT:
        return None  # refused by gunicorn itself; the app's own limit (MAX_URL_BYTES) sits below this one
    values = response.headers.get("content-type") or [""]
    media_type = values[0].split(";", 1)[0].strip().lower()
    if media_type != PROBLEM:
        raise AssertionError(f"{response.status_code} answered as {values[0] or 'no Content-Type'}, not {PROBLEM}")
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"{response.status_code} problem document is not JSON: {error}") from None
    if not isinstance(body, dict) or body.get("status") != response.status_code or not body.get("title"):
        raise AssertionError(f"{response.status_code} problem document lacks a matching status or a title: {body!r}")
    return None
