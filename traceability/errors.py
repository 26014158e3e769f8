"""Errors raised by the traceability domain on purpose.

* TraceabilityError
  x NotFoundError          -- unknown, or not visible to the caller (both answer 404)
  x PermissionDeniedError  -- visible, but the caller's role may not do this
  x InvalidInputError      -- input breaks a rule of the domain; carries field-level messages
    x ProvenanceCycleError -- a step would make a batch its own ancestor
    x QueryParameterError  -- an EPCIS query parameter unknown here or malformed (answers 400, as the standard says)
  x ConflictError          -- the request collides with stored state (duplicate, stale version)
  x UnsupportedContentError -- a file is not of a kind the service accepts
  x ContentTooLargeError   -- a file is larger than the service accepts
  x BusyError              -- the database could not serialise this write with others now; retry it
  x AuthenticationError    -- no or bad credentials
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AuthenticationError",
    "BusyError",
    "ConflictError",
    "ContentTooLargeError",
    "ErrorTree",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProvenanceCycleError",
    "QueryParameterError",
    "QueryTooLargeError",
    "TraceabilityError",
    "UnsupportedContentError",
]


class TraceabilityError(Exception):
    """Base class for every error the domain raises on purpose."""

    def __init__(self, message: str, *, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFoundError(TraceabilityError, LookupError):
    """The record does not exist or the caller may not see it."""


class PermissionDeniedError(TraceabilityError):
    """The caller sees the record but their role may not do this to it."""


class InvalidInputError(TraceabilityError, ValueError):
    """The input is well-formed but breaks a rule; ``errors`` maps field paths to messages."""


class ProvenanceCycleError(InvalidInputError):
    """A production step would make a batch an ingredient of itself."""


class QueryParameterError(InvalidInputError):
    """The EPCIS standard's QueryParameterException: a query parameter unknown here, or a value it cannot take."""


class QueryTooLargeError(TraceabilityError):
    """The EPCIS standard's QueryTooLargeException: more events match than the query's maxEventCount allows."""


class ConflictError(TraceabilityError):
    """The request collides with what is stored (a duplicate key, a stale version).

    For a stale version, `version` is the record's current one, so a client can re-read and retry.
    """

    def __init__(self, message: str, *, errors: dict[str, Any] | None = None, version: int | None = None) -> None:
        super().__init__(message, errors=errors)
        self.version = version


class BusyError(TraceabilityError):
    """The write lost a lock wait, a deadlock or a serialisation check against other writers; nothing was
    written and the same request may simply be sent again."""


class UnsupportedContentError(TraceabilityError):
    """A file whose content (judged by its bytes, not its name) is not an accepted kind."""


class ContentTooLargeError(TraceabilityError):
    """A file larger than the configured limit."""


class AuthenticationError(TraceabilityError):
    """Missing, unknown, revoked or wrong credentials."""


class ErrorTree:
    """Field messages in marshmallow's nested layout: ``{"inputs": {0: ["..."]}}``."""

    def __init__(self) -> None:
        self.tree: dict[Any, Any] = {}

    def add(self, path: Sequence[Any], message: str) -> None:
        node = self.tree
        *parents, leaf = path
        for key in parents:
            node = node.setdefault(key, {})
        node.setdefault(leaf, []).append(message)

    def raise_if_any(self, message: str, error: type[TraceabilityError] = InvalidInputError) -> None:
        if self.tree:
            raise error(message, errors=self.tree)
