"""Use cases: load from the database, apply the domain, persist.

Functions here take an open :class:`~sqlalchemy.orm.Session` and an :class:`Actor`, own the
transaction (commit or rollback) and raise only :mod:`traceability.errors`; they never see Flask.
Importing the package installs the reassessment that joins every write (see ``assessments``) and the
reopening of approved reviews whose graph changed (see ``reviews``).
"""

from traceability.service import assessments as assessments
from traceability.service import reviews as reviews  # after assessments: reopens reviews whose graph changed
