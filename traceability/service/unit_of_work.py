"""One transaction per use case: commit on success, roll back on any error, and turn what the
database refused into domain errors that name the field where we know it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Base
from models.base import Versioned
from traceability.errors import BusyError, ConflictError

__all__ = [
    "busy_error",
    "defer",
    "enlist",
    "install_before_commit",
    "install_job_runner",
    "integrity_conflict",
    "touch",
    "writing",
]

Hook = Callable[[Session], None]

#: Work that joins every write's transaction just before it commits, in order; None until installed.
_before_commit: tuple[Hook, ...] | None = None


#: Queues a background job by name once the write that asked for it has committed; None: nothing is queued.
_run_job: Callable[[str], object] | None = None


def install_job_runner(runner: Callable[[str], object] | None) -> None:
    """Have jobs :func:`defer`-red by a write queued by `runner` after it commits (the HTTP layer's job queue)."""
    global _run_job
    _run_job = runner


def defer(session: Session, job: str) -> None:
    """Queue background job `job` once this write transaction commits (never if it rolls back)."""
    session.info.setdefault("deferred_jobs", []).append(job)


def install_before_commit(hooks: tuple[Hook, ...]) -> None:
    """Run `hooks`, in this order, inside every :func:`writing` transaction just before it commits.

    The tuple replaces whatever was installed: it is the whole list. :func:`traceability.service.install` passes
    :data:`traceability.service.BEFORE_COMMIT`.
    """
    global _before_commit
    _before_commit = tuple(hooks)


def enlist(session: Session, *rows: object) -> None:
    """Add `rows` to the next :func:`writing` transaction on `session`: they commit with its write or vanish with it.

    For what a caller outside the service layer must keep exactly when a write is kept, such as the HTTP layer's
    record of an ``Idempotency-Key``. If nothing on `session` writes, they are never stored.
    """
    session.info.setdefault("enlisted", []).extend(rows)


def touch(session: Session, *nodes: str) -> None:
    """Note records this transaction changed, as graph node ids (``lot:12``); hooks read them before commit."""
    session.info.setdefault("touched", set()).update(nodes)


_UNIQUE_FIELDS = {
    ("product", ("gtin",)): ("gtin", "Another product already has this GTIN."),
    ("product", ("gtin14",)): ("gtin", "Another product already has this GTIN."),
    ("batch", ("product_id", "lot_code")): ("lot_code", "This product already has a batch with this lot code."),
    ("batch", ("product_id", "lot_key")): ("lot_code", "This product already has a batch with this lot code."),
    ("business", ("nib",)): ("nib", "A business with this NIB is already registered."),
    ("user_account", ("email",)): ("email", "A user with this email already exists."),
    ("pendamping_assignment", ("pendamping_id", "business_id")): (
        "pendamping",
        "That pendamping already follows this business.",
    ),
}


def _unique_columns(exc: sa.exc.IntegrityError) -> tuple[str, tuple[str, ...]] | None:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:  # PostgreSQL names the constraint; find its columns in our metadata
        for table in Base.metadata.tables.values():
            for constraint in table.constraints:
                if constraint.name == name and isinstance(constraint, sa.UniqueConstraint):
                    return table.name, tuple(c.name for c in constraint.columns)
            for index in table.indexes:
                if index.name == name and index.unique:
                    return table.name, tuple(c.name for c in index.columns if isinstance(c, sa.Column))
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


# PostgreSQL's answers to writers it could not serialise: serialization_failure, deadlock_detected,
# lock_not_available (lock_timeout). SQLite's: its write lock still held by another writer after the
# busy timeout (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT ...) or a locked table.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_TRANSIENT_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED")


def busy_error(exc: BaseException) -> BusyError | None:
    """The retryable error for a database failure caused only by concurrent writers, else None."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return None
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    sqlite_name = str(getattr(orig, "sqlite_errorname", ""))
    if sqlstate in _TRANSIENT_SQLSTATES or sqlite_name.startswith(_TRANSIENT_SQLITE):
        return BusyError("The database is busy with other changes; nothing was saved. Send the request again.")
    return None


@sa.event.listens_for(Session, "before_flush")
def _note_versioned(session: Session, _context: Any, _instances: Any) -> None:
    """Remember which versioned records each flush updates: a failed flush forgets its objects, and a
    stale-version conflict should name the version now stored."""
    if session.info.get("writing"):
        noted = session.info.setdefault("versioned", set())
        noted.update((type(obj), obj.id) for obj in session.dirty if isinstance(obj, Versioned) and obj.id is not None)


def _stale_versions(session: Session) -> list[tuple[type[Any], Any]]:
    """The versioned records this transaction was changing (to name their current version on a conflict)."""
    return sorted(session.info.get("versioned", ()), key=lambda k: (k[0].__name__, k[1]))


def _stale_conflict(session: Session, changing: list[tuple[type[Any], Any]]) -> ConflictError:
    """The conflict for an UPDATE that found its record at another version than the one it read.

    Called after the rollback: it reads the version now stored, so the client can reload and retry.
    """
    message = "Someone else changed this record first; reload it and try again."
    if len(changing) != 1:
        return ConflictError(message)
    model, record_id = changing[0]
    current = session.scalar(sa.select(model.version).where(model.id == record_id))
    session.rollback()  # end the short read, as the failed write's transaction was ended
    if current is None:
        return ConflictError(message)
    return ConflictError(
        f"Someone else changed this record first: it is now at version {current}; reload it and try again.",
        errors={"version": [f"Current version is {current}."]},
        version=current,
    )


#: What a transaction notes in ``session.info`` for its hooks: none of it outlives the transaction.
_TRANSACTION_NOTES = (
    "touched",
    "versioned",
    "deferred_jobs",
    "public_batches",
    "public_codes",
    "reassess_later",
    "public_hold",
)


@contextmanager
def writing(session: Session) -> Iterator[Session]:
    """Run the body as one transaction: all of it is committed, or none of it.

    Nested use joins the outer transaction, so a use case made of others (a spreadsheet import) stays whole.
    """
    if session.info.get("writing"):
        yield session
        return
    hooks = _before_commit
    if hooks is None:  # a write that skipped reassessment would store stale verdicts without a word
        raise RuntimeError("No before-commit hooks are installed: call traceability.service.install() first.")
    session.info["writing"] = True
    try:
        session.add_all(session.info.pop("enlisted", ()))
        yield session
        for hook in hooks:
            hook(session)
        session.commit()
        jobs = dict.fromkeys(session.info.pop("deferred_jobs", ()))
        if _run_job is not None:
            for job in jobs:
                _run_job(job)
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise integrity_conflict(exc) from exc
    except StaleDataError as exc:
        # UPDATE ... WHERE version = <the version read> matched nothing: another writer committed first.
        changing = _stale_versions(session)
        session.rollback()
        raise _stale_conflict(session, changing) from exc
    except sa.exc.DBAPIError as exc:
        session.rollback()
        busy = busy_error(exc)
        if busy is None:
            raise
        raise busy from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        for key in _TRANSACTION_NOTES:
            session.info.pop(key, None)
        session.info.pop("writing", None)
