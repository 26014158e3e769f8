"""The words of the coordinator's pages and exports: milestones, what blocks them, modes and column names.

Message ids in English, translated by the catalogue (``api/translations``); Indonesian is the default.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["BLOCKER_WORDS", "COLUMN_WORDS", "MILESTONE_WORDS", "MODE_WORDS", "export_words"]

MILESTONE_WORDS = {
    "nib_valid": _l("NIB recorded and valid"),
    "first_material": _l("First material logged"),
    "all_evidenced": _l("All materials evidenced"),
    "self_declare_known": _l("Self-declare eligibility known"),
    "submitted": _l("Submitted for review"),
    "approved": _l("Approved and verified in public"),
    "code_issued": _l("Verification code issued"),
    "listing_linked": _l("Marketplace listing linked"),
}
#: What holds a business at its next milestone; ``{count}`` is filled where a number helps.
BLOCKER_WORDS = {
    "nib_invalid": _l("The NIB is not a valid 13-digit number."),
    "no_material": _l("No material is recorded yet."),
    "not_assessed": _l("No batch has been checked yet."),
    "needs_evidence": _l("{count} items still need evidence (a certificate or its scan)."),
    "self_declare_unknown": _l("Whether the self-declare route applies is not settled yet."),
    "not_submitted": _l("No product has been submitted for review."),
    "in_review": _l("Waiting for the auditor's decision."),
    "changes_requested": _l("The auditor asked for evidence; the business has to answer."),
    "rejected": _l("The auditor rejected the product."),
    "public_not_verified": _l("Approved, but the public page does not show the product as verified."),
    "no_code": _l("No verification code has been issued."),
    "no_listing": _l("No marketplace listing is recorded."),
    "listing_not_seen": _l("A listing is recorded, but its page has not shown the badge yet."),
}
MODE_WORDS = {"in_person": _l("In person"), "online": _l("Online")}
COLUMN_WORDS = {
    "name": _l("Business"),
    "nib": _l("NIB"),
    "kecamatan": _l("Kecamatan"),
    "kelurahan": _l("Kelurahan"),
    "mode": _l("Mode"),
    "pendamping": _l("Pendamping"),
    "joined_on": _l("Enrolled on"),
    "waiting_at": _l("Next milestone"),
    "waiting_days": _l("Days waiting"),
    "blocked_by": _l("What blocks it"),
}


def export_words() -> dict[str, str]:
    """Every word a participants export needs, in the current language (the keys `participant_table` asks)."""
    words = {f"milestone.{k}": str(v) for k, v in MILESTONE_WORDS.items()}
    words |= {f"blocked.{k}": str(v) for k, v in BLOCKER_WORDS.items()}
    words |= {f"mode.{k}": str(v) for k, v in MODE_WORDS.items()}
    words |= {f"column.{k}": str(v) for k, v in COLUMN_WORDS.items()}
    return words
