"""The words of the domain: every closed set of values that records, formats and rules share.

Values are the strings used in the dossier format (``halal-trace/dossier@1``) and the API, so an enum
member's value is also its wire form and its stored form.
"""

from __future__ import annotations

import enum

__all__ = [
    "ApplicationRoute",
    "BusinessScale",
    "CertificateScheme",
    "CertificateStatus",
    "CleansingMethod",
    "ConfirmationState",
    "EthanolSource",
    "EvidenceType",
    "FacilityKind",
    "HalalStatus",
    "MaterialKind",
    "MaterialState",
    "NajisKind",
    "ProgrammeMode",
    "Origin",
    "RegisterStatus",
    "ReviewState",
    "Role",
    "Severity",
    "Stunning",
    "Technology",
    "SupplierKind",
]


class Role(enum.StrEnum):
    """What a user may do (DESIGN section 9)."""

    PRODUCER = "producer"
    PENDAMPING = "pendamping"
    AUDITOR = "auditor"
    ADMIN = "admin"
    COORDINATOR = "coordinator"  # PLUT staff: programmes and the registry, not records


class BusinessScale(enum.StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class ApplicationRoute(enum.StrEnum):
    REGULAR = "regular"
    SELF_DECLARE = "self_declare"


class SupplierKind(enum.StrEnum):
    MANUFACTURER = "manufacturer"
    SLAUGHTERHOUSE = "slaughterhouse"
    POULTRY_SLAUGHTERHOUSE = "poultry_slaughterhouse"
    MARKET = "market"
    FARM = "farm"
    IMPORTER = "importer"
    BUSINESS = "business"


class CertificateScheme(enum.StrEnum):
    REGULAR = "regular"
    SELF_DECLARE = "self_declare"
    FOREIGN = "foreign"
    LEGACY_MUI = "legacy_mui"


class CertificateStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class ConfirmationState(enum.StrEnum):
    """How far a certificate record is from a producer's word (DESIGN section 3)."""

    CLAIMED = "claimed"  # typed by a producer, nothing more
    EVIDENCED = "evidenced"  # a scan of the certificate is attached
    CONFIRMED = "confirmed"  # matched against the register, or checked by an auditor or admin against its scan


class RegisterStatus(enum.StrEnum):
    """A certificate's status in the BPJPH register: the register also lists certificates past their term."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class MaterialKind(enum.StrEnum):
    INGREDIENT = "ingredient"
    ADDITIVE = "additive"
    PROCESSING_AID = "processing_aid"
    PACKAGING = "packaging"
    CLEANING_AGENT = "cleaning_agent"
    LUBRICANT = "lubricant"


class Origin(enum.StrEnum):
    PLANT = "plant"
    ANIMAL = "animal"
    AQUATIC = "aquatic"
    INSECT = "insect"
    MICROBIAL = "microbial"
    MINERAL = "mineral"
    SYNTHETIC = "synthetic"
    HUMAN = "human"
    UNKNOWN = "unknown"


class MaterialState(enum.StrEnum):
    FRESH = "fresh"
    PHYSICALLY_PROCESSED = "physically_processed"
    PROCESSED = "processed"


class EthanolSource(enum.StrEnum):
    NONE = "none"
    SYNTHETIC = "synthetic"
    NON_KHAMR_FERMENTATION = "non_khamr_fermentation"
    KHAMR_INDUSTRY = "khamr_industry"
    UNKNOWN = "unknown"


class Stunning(enum.StrEnum):
    NONE = "none"
    NON_LETHAL = "non_lethal"
    LETHAL = "lethal"


class EvidenceType(enum.StrEnum):
    SPEC_SHEET = "spec_sheet"
    SOURCE_STATEMENT = "source_statement"
    LAB_TEST = "lab_test"
    PORK_FREE_STATEMENT = "pork_free_statement"
    PURIFICATION_RECORD = "purification_record"  # a najis microbial medium purified (Fatwa MUI 1/2010)


class FacilityKind(enum.StrEnum):
    PRODUCTION = "production"
    OUTLET = "outlet"
    STORAGE = "storage"
    VEHICLE = "vehicle"
    EXTERNAL_SERVICE = "external_service"


class NajisKind(enum.StrEnum):
    MUGHALLAZAH = "mughallazah"
    MUTAWASSITAH = "mutawassitah"
    MUKHAFFAFAH = "mukhaffafah"


class CleansingMethod(enum.StrEnum):
    SERTU_7X_WITH_SOIL = "sertu_7x_with_soil"
    SERTU_7X_WITH_SUBSTITUTE = "sertu_7x_with_substitute"
    WASH_UNTIL_CLEAN = "wash_until_clean"


class Severity(enum.StrEnum):
    """Finding severities, weakest first; compare with :func:`Severity.rank`."""

    OK = "ok"
    ADVISORY = "advisory"
    NEEDS_EVIDENCE = "needs_evidence"
    VIOLATION = "violation"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class HalalStatus(enum.StrEnum):
    """The status people see (DESIGN section 5)."""

    HALAL_VERIFIED = "halal_verified"
    PENDING = "pending"
    NOT_HALAL = "not_halal"


class Technology(enum.StrEnum):
    """How a product is made; self-declare is for simple (manual or semi-automatic) technology."""

    MANUAL = "manual"
    SEMI_AUTOMATIC = "semi_automatic"
    INDUSTRIAL = "industrial"


class ReviewState(enum.StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class ProgrammeMode(enum.StrEnum):
    """How a participant takes part in a programme."""

    IN_PERSON = "in_person"
    ONLINE = "online"
