"""Use cases: load from the database, apply the domain, persist.

Functions here take an open :class:`~sqlalchemy.orm.Session` and an :class:`Actor`, own the
transaction (commit or rollback) and raise only :mod:`traceability.errors`; they never see Flask.
Every write runs :data:`BEFORE_COMMIT` inside its transaction once :func:`install` has been called:
the app factory calls it, and so must a script that writes without the app.
"""

from traceability.service import assessments, public_views, reviews, unit_of_work

#: What every write does inside its transaction just before it commits, in this order: reassess the batches
#: the change reaches (noting them in ``session.info["assessed_batches"]``), then send back to the queue the
#: approved reviews whose batch's graph that reassessment changed, then rebuild the public answers of the codes
#: of every batch judged (or lower them, for a revocation whose reassessment was left to the queue).
BEFORE_COMMIT = (assessments.propagate, reviews.reopen_changed, public_views.refresh)


def install() -> None:
    """Make every :func:`~traceability.service.unit_of_work.writing` transaction run :data:`BEFORE_COMMIT`."""
    unit_of_work.install_before_commit(BEFORE_COMMIT)
