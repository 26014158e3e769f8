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


#: The material categories the catalogue and the rules know, each in words (Indonesian, English); not in
#: ``__all__``, which lists the enums (models map each to a column type). A
#: material's category stays open text on the wire (dossiers name categories the rules may not); forms offer
#: these, and pages show the words, never the value.
MATERIAL_CATEGORIES: dict[str, tuple[str, str]] = {
    "vegetable": ("Sayuran", "Vegetable"),
    "fruit": ("Buah", "Fruit"),
    "spice": ("Rempah dan bumbu segar atau kering", "Spice or herb, fresh or dried"),
    "seasoning": ("Bumbu olahan (penyedap, kaldu bubuk)", "Prepared seasoning (stock powder, mixes)"),
    "condiment": ("Saus, kecap atau sambal jadi", "Condiment (sauce, soy sauce, ready sambal)"),
    "sauce": ("Saus", "Sauce"),
    "grain": ("Biji-bijian dan beras", "Grain or rice"),
    "flour": ("Tepung", "Flour"),
    "tuber": ("Umbi (singkong, kentang)", "Tuber (cassava, potato)"),
    "legume": ("Kacang-kacangan dan kedelai", "Legume or soy"),
    "noodle": ("Mi dan bihun", "Noodles"),
    "sugar": ("Gula dan pemanis", "Sugar or sweetener"),
    "salt": ("Garam", "Salt"),
    "salt_plain": ("Garam murni tanpa campuran", "Plain salt, nothing added"),
    "water": ("Air", "Water"),
    "mineral": ("Mineral", "Mineral"),
    "oil_fat": ("Minyak dan lemak", "Oil or fat"),
    "animal_fat": ("Lemak hewan", "Animal fat"),
    "meat": ("Daging", "Meat"),
    "offal": ("Jeroan", "Offal"),
    "bone": ("Tulang", "Bone"),
    "blood": ("Darah", "Blood"),
    "broth": ("Kaldu hewan", "Animal broth"),
    "gelatin": ("Gelatin", "Gelatin"),
    "collagen": ("Kolagen", "Collagen"),
    "rennet": ("Rennet (penggumpal susu)", "Rennet"),
    "animal_product": ("Produk hewani lain", "Other animal product"),
    "fish": ("Ikan", "Fish"),
    "seafood": ("Hasil laut (udang, cumi, kerang)", "Seafood (shrimp, squid, shellfish)"),
    "egg": ("Telur", "Egg"),
    "milk": ("Susu segar", "Fresh milk"),
    "dairy": ("Olahan susu (keju, mentega, krim)", "Dairy product (cheese, butter, cream)"),
    "honey": ("Madu", "Honey"),
    "beeswax": ("Lilin lebah", "Beeswax"),
    "fermented": ("Fermentasi (tape, tempe, oncom)", "Fermented (tape, tempe, oncom)"),
    "fermented_food": ("Makanan fermentasi", "Fermented food"),
    "starter_culture": ("Ragi atau kultur starter", "Starter culture"),
    "yeast": ("Ragi roti", "Yeast"),
    "yeast_extract": ("Ekstrak ragi", "Yeast extract"),
    "enzyme": ("Enzim", "Enzyme"),
    "vitamin": ("Vitamin", "Vitamin"),
    "amino_acid": ("Asam amino", "Amino acid"),
    "flavour_enhancer": ("Penguat rasa (MSG)", "Flavour enhancer (MSG)"),
    "flavour": ("Perisa (aroma buatan atau alami)", "Flavouring"),
    "colour": ("Pewarna", "Colouring"),
    "emulsifier": ("Pengemulsi", "Emulsifier"),
    "gelling_agent": ("Pengental atau pembentuk gel", "Thickener or gelling agent"),
    "additive": ("Bahan tambahan pangan lain", "Other food additive"),
    "alcohol": ("Alkohol atau minuman beralkohol", "Alcohol or alcoholic drink"),
    "beverage_base": ("Bahan dasar minuman (kopi, teh, sirup)", "Drink base (coffee, tea, syrup)"),
    "bakery": ("Roti dan kue jadi", "Bread or baked goods"),
    "confectionery": ("Permen dan cokelat", "Sweets or chocolate"),
    "snack": ("Camilan jadi", "Ready snack"),
    "processing_aid": ("Bahan penolong produksi", "Processing aid"),
    "activated_carbon": ("Karbon aktif", "Activated carbon"),
    "filter_aid": ("Bahan penyaring", "Filter aid"),
    "resin": ("Resin penukar ion", "Ion-exchange resin"),
    "carrier": ("Bahan pembawa", "Carrier"),
    "anti_caking": ("Antikempal", "Anti-caking agent"),
    "plant_wrap": ("Pembungkus dari tanaman (daun pisang)", "Plant wrap (banana leaf)"),
    "paper": ("Kertas dan karton", "Paper or carton"),
    "plastic": ("Plastik", "Plastic"),
    "glass": ("Kaca", "Glass"),
    "metal": ("Logam (kaleng)", "Metal (can)"),
    "tool": ("Alat", "Tool"),
    "cleaning": ("Bahan pembersih", "Cleaning product"),
    "lubricant": ("Pelumas mesin", "Machine lubricant"),
}


#: The product categories the reference data groups (food, traditional medicine, cosmetics, goods), each in words
#: (Indonesian, English). Open text on the wire, as a material's category; forms offer these, pages show the words.
PRODUCT_CATEGORIES: dict[str, tuple[str, str]] = {
    "meat_product": ("Olahan daging", "Meat product"),
    "fish_product": ("Olahan ikan", "Fish product"),
    "bakery": ("Roti", "Bakery"),
    "cake": ("Kue", "Cake"),
    "snack": ("Makanan ringan", "Snack"),
    "cracker": ("Kerupuk dan keripik", "Crackers and chips"),
    "confectionery": ("Permen dan cokelat", "Confectionery"),
    "condiment": ("Kecap dan bumbu pelengkap", "Condiment"),
    "sauce": ("Saus", "Sauce"),
    "sambal": ("Sambal", "Sambal"),
    "spice_mix": ("Bumbu racik", "Spice mix"),
    "noodle": ("Mi", "Noodles"),
    "dairy": ("Olahan susu", "Dairy product"),
    "frozen_food": ("Makanan beku", "Frozen food"),
    "ready_meal": ("Makanan siap saji", "Ready meal"),
    "food": ("Makanan lainnya", "Other food"),
    "beverage": ("Minuman", "Beverage"),
    "drink": ("Minuman lainnya", "Other drink"),
    "jamu": ("Jamu", "Jamu"),
    "herbal": ("Obat herbal", "Herbal medicine"),
    "traditional_medicine": ("Obat tradisional", "Traditional medicine"),
    "supplement": ("Suplemen kesehatan", "Health supplement"),
    "cosmetic": ("Kosmetik", "Cosmetics"),
    "skincare": ("Perawatan kulit", "Skincare"),
    "soap": ("Sabun", "Soap"),
    "clothing": ("Pakaian", "Clothing"),
    "accessory": ("Aksesori", "Accessory"),
    "household": ("Barang rumah tangga", "Household goods"),
}
