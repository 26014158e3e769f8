"""One transaction per use case: commit on success, roll back on any error, and turn what the
database refused into domain errors that name the field where we know it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Base
from traceability.errors import ConflictError

__all__ = ["before_commit", "integrity_conflict", "touch", "writing"]

#: Work that must join every write's transaction (e.g. reassessing what a change reaches).
_BEFORE_COMMIT: list[Callable[[Session], None]] = []


def before_commit(hook: Callable[[Session], None]) -> Callable[[Session], None]:
    """Register `hook` to run inside every :func:`writing` transaction, just before it commits."""
    _BEFORE_COMMIT.append(hook)
    return hook


def touch(session: Session, *nodes: str) -> None:
    """Note records this transaction changed, as graph node ids (``lot:12``); hooks read them before commit."""
    session.info.setdefault("touched", set()).update(nodes)

_UNIQUE_FIELDS = {
    ("product", ("gtin",)): ("gtin", "Another product already has this GTIN."),
    ("batch", ("product_id", "lot_code")): ("lot_code", "This product already has a batch with this lot code."),
    ("business", ("nib",)): ("nib", "A business with this NIB is already registered."),
    ("user_account", ("email",)): ("email", "A user with this email already exists."),
    ("pendamping_assignment", ("pendamping_id", "business_id")): (
        "pendamping", "That pendamping already follows this business."),
}


def _unique_columns(exc: sa.exc.IntegrityError) -> tuple[str, tuple[str, ...]] | None:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:  # PostgreSQL names the constraint; find its columns in our metadata
        for table in Base.metadata.tables.values():
            for constraint in table.constraints:
                if constraint.name == name and isinstance(constraint, sa.UniqueConstraint):
                    return table.name, tuple(c.name for c in constraint.columns)
        return None
    text = str(exc.orig)  # SQLite: "UNIQUE constraint failed: batch.product_id, batch.lot_code"
    if "UNIQUE constraint failed:" not in text:
        return None
    columns = [c.strip().split(".") for c in text.split("UNIQUE constraint failed:", 1)[1].split(",")]
    return columns[0][0], tuple(c[-1] for c in columns)


def integrity_conflict(exc: sa.exc.IntegrityError) -> ConflictError:
    """Translate a refused write into a conflict that names the field, where we know it."""
    found = _unique_columns(exc)
    if found and found in _UNIQUE_FIELDS:
        field, message = _UNIQUE_FIELDS[found]
        return ConflictError(message, errors={field: [message]})
    if found and found[1] == ("business_id", "ref"):
        message = "Another record of this kind in the business already uses this ref."
        return ConflictError(message, errors={"ref": [message]})
    return ConflictError("The change conflicts with records already stored.")


@contextmanager
def writing(session: Session) -> Iterator[Session]:
    """Run the body as one transaction: all of it is committed, or none of it.

    Nested use joins the outer transaction, so a use case made of others (a spreadsheet import) stays whole.
    """
    if session.info.get("writing"):
        yield session
        return
    session.info["writing"] = True
    try:
        yield session
        for hook in _BEFORE_COMMIT:
            hook(session)
        session.commit()
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise integrity_conflict(exc) from exc
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError("Someone else changed this record first; reload it and try again.") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop("touched", None)
        session.info.pop("writing", None)
