"""What every ``halal-trace`` command shares: who the command line acts as, and how it reports."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def progress_bar(label: str = "Importing") -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal (drawn once the rows to write are known), for use cases that
    report (rows written, rows to write); nothing in scripts and pipes."""
    if not sys.stderr.isatty():
        yield None
        return
    with contextlib.ExitStack() as stack:
        bars: list[Any] = []

        def advance(written: int, total: int) -> None:
            if not bars:
                bars.append(stack.enter_context(click.progressbar(length=total, label=label, file=sys.stderr)))
            bars[0].update(written)

        yield advance


def read_text(path: Path) -> str:
    """The UTF-8 text of `path` (a byte-order mark dropped); a file that is not UTF-8 is refused on stderr."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        click.echo(f"error: {path} is not UTF-8 text.", err=True)
        sys.exit(1)
