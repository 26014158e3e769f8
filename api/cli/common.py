"""What every ``halal-trace`` command shares: who the command line acts as, and how it reports."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from traceability.errors import InvalidInputError, TraceabilityError
from traceability.service.access import Actor

F = TypeVar("F", bound=Callable[..., Any])

#: The operator at the server's shell: the journal names it "cli".
OPERATOR = Actor.operator("cli")


def emit(data: Any) -> None:
    """Print `data` as the one JSON object of a ``--json`` answer."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=None, default=str))


def domain_errors(func: F) -> F:
    """Report refusals of the domain on stderr, with field messages, and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TraceabilityError as exc:
            click.echo(f"error: {exc.message}", err=True)
            if exc.errors:
                click.echo(json.dumps(exc.errors, ensure_ascii=False, indent=2, default=str), err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def load_json(path: Path, what: str) -> Any:
    """The JSON document in `path`; one that is not JSON is refused as input, naming `what` was expected."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"{path} is not a JSON {what}: {exc}") from exc
