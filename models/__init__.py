"""SQLAlchemy models: tables, constraints and relationships, and nothing else."""

from models.base import Base, table_of
from models.confirmation import CertificateCheck
from models.epcis import EpcisCapture, EpcisEvent, EpcisEventEpc, EpcisQuery
from models.journal import IdempotencyRecord, JournalCheckpoint, JournalEntry, JournalNode
from models.people import ApiToken, Business, Invitation, PendampingAssignment, User
from models.production import (
    Batch,
    Cleansing,
    Facility,
    FacilitySharing,
    FacilityTool,
    NajisContact,
    Product,
    ProductComposition,
    ProductionStep,
    StepInput,
    Storage,
    StorageItem,
    Transport,
    TransportItem,
)
from models.programmes import BusinessSearchToken, ProductListing, Programme, ProgrammeParticipant
from models.register import RegisterEntry, RegisterSnapshot
from models.review import Assessment, PublicAnswer, ReferenceVersion, Review, ReviewEvent, VerificationCode
from models.supply import (
    Certificate,
    CertificateEvidence,
    CertificateScope,
    Material,
    MaterialEvidence,
    MaterialInput,
    MaterialLot,
    RecordEvidence,
    Supplier,
)
from models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "EpcisCapture",
    "EpcisEvent",
    "EpcisEventEpc",
    "EpcisQuery",
    "Webhook",
    "WebhookDelivery",
    "ApiToken",
    "Assessment",
    "Base",
    "Batch",
    "Business",
    "BusinessSearchToken",
    "Certificate",
    "CertificateCheck",
    "CertificateEvidence",
    "RecordEvidence",
    "CertificateScope",
    "Cleansing",
    "Facility",
    "FacilitySharing",
    "FacilityTool",
    "IdempotencyRecord",
    "Invitation",
    "JournalEntry",
    "JournalCheckpoint",
    "JournalNode",
    "Material",
    "MaterialEvidence",
    "MaterialInput",
    "MaterialLot",
    "NajisContact",
    "PendampingAssignment",
    "Product",
    "ProductComposition",
    "ProductListing",
    "ProductionStep",
    "Programme",
    "ProgrammeParticipant",
    "PublicAnswer",
    "ReferenceVersion",
    "RegisterEntry",
    "RegisterSnapshot",
    "Review",
    "ReviewEvent",
    "StepInput",
    "Storage",
    "StorageItem",
    "Supplier",
    "Transport",
    "TransportItem",
    "User",
    "VerificationCode",
    "table_of",
]
