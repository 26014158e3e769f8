"""Every route of the app, for every role, on its own and on another business's records (DESIGN section 9).

The answers are read from the capability table (`traceability.service.access.HOLDERS`): a caller who holds what a
route asks for succeeds; one who may read the record but lacks the capability gets 403; anyone else gets 404,
exactly as for an unknown id. A route added without an entry in `expected` fails
`test_every_route_has_an_expectation`; `tests/unit/test_capabilities.py` holds the table to DESIGN.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from gs1 import compress_gs1_digital_link  # the compressor serves the tests only

from models import ApiToken, EpcisCapture, EpcisSubscription, Review, User, VerificationCode
from qr import digital_link
from qr.codes import new_code
from tests.helpers import OPERATOR, PATCH_BODIES, PEOPLE, ROLES, WEB_PAGES, Filled, create_bodies, example
from traceability.service import accounts, businesses, epcis_repository, evidence, reviews, verification
from traceability.service.access import HOLDERS, Capability, actor_for
from traceability.service.record_kinds import KINDS
from traceability.service.unit_of_work import writing

LABELS = "/api/v1/batches/labels.pdf"
EPCIS_EXAMPLES = Path(__file__).parent.parent / "data" / "epcis" / "examples"
REGISTRY_CSV = (
    "nib,name,owner,address,kelurahan,kecamatan,city,phone,scale,kbli\n"
    "2103250009911,Kedai Kopi Pak Man,Sulaiman,Jl. Raja Isa,Batam Kota,Batam Kota,Batam,,micro,56303\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # the signature is all the upload checks
OF_A = {"producer_a", "pendamping_a"}  # business A's producer and the pendamping assigned to it
RUNS_THE_PROGRAMME = "coordinator"
Expectation = Callable[[str], int]


def _holds(who: str, capability: Capability) -> bool:
    return PEOPLE[who][0] in HOLDERS[capability]


def _reads_a(who: str) -> bool:
    return _holds(who, Capability.READ_RECORDS) and (who in OF_A or _holds(who, Capability.READ_EVERY_BUSINESS))


READERS_OF_A = {who for who in PEOPLE if _reads_a(who)}


def _item_read(who: str) -> int:
    # A record of business A: invisible (404, exactly like an unknown id) to everyone else.
    return 401 if who == "anonymous" else 200 if who in READERS_OF_A else 404


def _on_a(capability: Capability, ok: int) -> Expectation:
    """An action on a record of business A: `ok` for a holder, 403 for another reader, 404 for the rest."""
    return lambda who: (
        401 if who == "anonymous" else 404 if who not in READERS_OF_A else ok if _holds(who, capability) else 403
    )


def _holders(capability: Capability, ok: int) -> Expectation:
    """An action on no business's record: `ok` for a holder, 403 for anyone else signed in."""
    return lambda who: 401 if who == "anonymous" else ok if _holds(who, capability) else 403


def _bring_in_pendamping(who: str) -> int:
    """An admin assigns a pendamping to business A, or A's producer consents to one; roles ask in ROLES order."""
    if who == "anonymous":
        return 401
    if _holds(who, Capability.CONSENT_TO_PENDAMPING):
        return 201 if who == "producer_a" else 404  # another business's producer: as if it did not exist
    if _holds(who, Capability.MANAGE_USERS):
        return 409  # producer_a consented first: the pendamping already follows A
    return 403


def _signed_in(ok: int) -> Expectation:
    return lambda who: 401 if who == "anonymous" else ok


def _programme(ok: int) -> Expectation:
    """The programme is run by the coordinator; those who run every programme see it too; to others it does not
    exist."""

    def status(who: str) -> int:
        if who == "anonymous":
            return 401
        runs = _holds(who, Capability.RUN_EVERY_PROGRAMME) or (
            who == RUNS_THE_PROGRAMME and _holds(who, Capability.RUN_PROGRAMMES)
        )
        return ok if runs else 404

    return status


def _revoke_code(who: str) -> int:
    # Any code for those who revoke any; otherwise only as the writer of the code's business.
    if who != "anonymous" and _holds(who, Capability.REVOKE_ANY_CODE):
        return 200
    return _on_a(Capability.WRITE_RECORDS, 200)(who)


def _register_business(who: str) -> int:
    if who == "anonymous":
        return 401
    if _holds(who, Capability.REGISTER_ANY_BUSINESS):
        return 201
    # A producer registers their own business, but both producers already belong to one.
    return 409 if _holds(who, Capability.REGISTER_OWN_BUSINESS) else 403


def _revoke_token(who: str) -> int:
    # The token belongs to producer_a: their own, or anyone's for those who manage users.
    return 401 if who == "anonymous" else 204 if who == "producer_a" or _holds(who, Capability.MANAGE_USERS) else 404


def _own_query(ok: int) -> Expectation:
    """Producer A's named query: theirs alone; any other reader finds no query of that name."""

    def status(who: str) -> int:
        if who in ("anonymous", "producer_a"):
            return 401 if who == "anonymous" else ok
        return 404 if _holds(who, Capability.READ_RECORDS) else 403

    return status


#: EPCIS query paths that list events (with the placeholders `_epcis_of_a` fills).
EPCIS_READS = (
    "events",
    "eventTypes/<event_type>/events",
    "epcs/<path:epc>/events",
    "bizSteps/<biz_step>/events",
    "bizLocations/<path:biz_location>/events",
    "readPoints/<path:read_point>/events",
    "dispositions/<disposition>/events",
)
#: EPCIS listings: capture jobs and the top-level collections, each of the businesses the reader may read.
EPCIS_LISTINGS = ("capture", "eventTypes", "epcs", "bizSteps", "bizLocations", "readPoints", "dispositions")
PACKED = "ni:///sha-256;87b5f18a69993f0052046d4687dfacdf48f7c988cfabda2819688c86b4066a49?ver=CBV2.0"
EPCIS_VALUES = {
    "<capture_id>": None,  # the job's, once made
    "<path:event_id>": quote(PACKED, safe=""),
    "<event_type>": "AggregationEvent",
    "<path:epc>": quote("urn:epc:id:sscc:0614141.1234567890", safe=""),
    "<biz_step>": "receiving",
    "<path:biz_location>": "urn:epc:id:sgln:0614141.00888.0",
    "<path:read_point>": "urn:epc:id:sgln:0614141.00777.0",
    "<disposition>": "in_progress",
    "<query_name>": "matrix",
    "<subscription_id>": None,  # its subscription's, once made
}


def _epcis_of_a(session, filled: Filled) -> dict[str, str]:
    """Business A's aggregation event (the official example) and capture job, B's copy under another eventID, and
    producer A's named query; made once per test."""
    values = {k: v for k, v in EPCIS_VALUES.items() if v is not None}
    job = session.scalar(sa.select(EpcisCapture.capture_id).order_by(EpcisCapture.id))
    if job is None:
        document = json.loads((EPCIS_EXAMPLES / "Example_9.6.3-AggregationEvent.jsonld").read_text("utf-8"))
        with writing(session):
            epcis_repository.file_document(session, filled.world.business_a, document)
            copied = copy.deepcopy(document)
            copied["epcisBody"]["eventList"][0]["eventID"] = "urn:uuid:6f0e2d6a-0b2c-4b4e-9d1e-b0b0b0b0b0b0"
            epcis_repository.file_document(session, filled.world.business_b, copied)
        producer_a = actor_for(session, session.get_one(User, filled.world.users["producer_a"]))
        epcis_repository.create_query(session, producer_a, "matrix", {"eventType": ["AggregationEvent"]})
        body = {"dest": "http://127.0.0.1:9/epcis", "stream": True}
        epcis_repository.subscribe(session, producer_a, "matrix", body, allow_private=True)
        job = epcis_repository.submit_capture(session, producer_a, document, behaviour="rollback").capture_id
    values["<capture_id>"] = job
    subscription = session.scalars(sa.select(EpcisSubscription.subscription_id)).first()
    values["<subscription_id>"] = subscription or "gone"  # deleted with its query by an earlier role
    return values


_item_write = _on_a(Capability.WRITE_RECORDS, 200)
_collection_post = _holders(Capability.WRITE_RECORDS, 201)  # each producer into their own business


def expected() -> dict[tuple[str, str], object]:
    """(rule, method) -> status for each role, or the test module that covers a web route."""
    table: dict[tuple[str, str], object] = {
        ("/api/v1/openapi.json", "GET"): lambda who: 200,
        ("/api/v1/schemas/dossier.json", "GET"): lambda who: 200,
        ("/api/v1/me", "GET"): _signed_in(200),
        ("/api/v1/businesses", "GET"): _signed_in(200),
        ("/api/v1/businesses", "POST"): _register_business,
        ("/api/v1/businesses/<int:business_id>", "GET"): _item_read,
        ("/api/v1/businesses/<int:business_id>", "PATCH"): _item_write,
        ("/api/v1/businesses/<int:business_id>/pendamping", "POST"): _bring_in_pendamping,
        # The dossier names business A's NIB: producer_b's own business has another (422).
        ("/api/v1/dossiers", "POST"): lambda who: 422 if who == "producer_b" else _collection_post(who),
        ("/api/v1/products/<int:product_id>/dossier", "GET"): _item_read,
        ("/api/v1/tokens", "GET"): _signed_in(200),
        ("/api/v1/tokens", "POST"): _signed_in(201),
        ("/api/v1/tokens/<int:token_id>", "DELETE"): _revoke_token,
        ("/api/v1/journal", "GET"): _signed_in(200),
        ("/api/v1/batches/<int:batch_id>/assessment", "GET"): _item_read,
        ("/api/v1/certificates/<int:certificate_id>/status", "POST"): _on_a(Capability.DECIDE_CERTIFICATES, 200),
        ("/api/v1/certificates/<int:certificate_id>/confirmation", "GET"): _item_read,
        ("/api/v1/certificates/<int:certificate_id>/confirmation", "POST"): _on_a(Capability.DECIDE_CERTIFICATES, 200),
        ("/api/v1/certificate-confirmations", "GET"): _holders(Capability.DECIDE_CERTIFICATES, 200),
        ("/api/v1/reference", "GET"): _signed_in(200),
        ("/api/v1/reference", "PUT"): _holders(Capability.MANAGE_REFERENCE, 200),
        ("/api/v1/batches/<int:batch_id>/trace", "GET"): _item_read,
        ("/api/v1/batches/<int:batch_id>/trace.csv", "GET"): _item_read,
        ("/api/v1/batches/<int:batch_id>/epcis", "GET"): _item_read,
        ("/api/v1/batches/<int:batch_id>/prov", "GET"): _item_read,
        ("/api/v1/lots/<int:lot_id>/impact", "GET"): _item_read,
        ("/api/v1/suppliers/<int:supplier_id>/impact", "GET"): _item_read,
        ("/api/v1/certificates/<int:certificate_id>/impact", "GET"): _item_read,
        # An empty document: refused (422) for a producer, 403 for roles that cannot write.
        ("/api/v1/epcis/capture", "POST"): _holders(Capability.WRITE_RECORDS, 422),
        ("/api/v1/epcis/events", "POST"): _holders(Capability.WRITE_RECORDS, 422),
        # The EPCIS repository: a capture job and an event of business A, and producer A's own named query.
        ("/api/v1/epcis/capture/<capture_id>", "GET"): _item_read,
        ("/api/v1/epcis/events/<path:event_id>", "GET"): _item_read,
        **{(f"/api/v1/epcis/{path}", "GET"): _holders(Capability.READ_RECORDS, 200) for path in EPCIS_READS},
        **{(f"/api/v1/epcis/{path}", "GET"): _holders(Capability.READ_RECORDS, 200) for path in EPCIS_LISTINGS},
        ("/api/v1/epcis/queries", "GET"): _holders(Capability.READ_RECORDS, 200),
        ("/api/v1/epcis/queries", "POST"): _holders(Capability.READ_RECORDS, 201),
        ("/api/v1/epcis/queries/<query_name>", "GET"): _own_query(200),
        ("/api/v1/epcis/queries/<query_name>", "DELETE"): _own_query(204),
        ("/api/v1/epcis/queries/<query_name>/events", "GET"): _own_query(200),
        ("/api/v1/epcis/queries/<query_name>/subscriptions", "GET"): _own_query(200),
        # The matrix's webhook points inside the network: refused (422) even to the query's owner.
        ("/api/v1/epcis/queries/<query_name>/subscriptions", "POST"): _own_query(422),
        ("/api/v1/epcis/queries/<query_name>/subscriptions/<subscription_id>", "GET"): _own_query(200),
        ("/api/v1/epcis/queries/<query_name>/subscriptions/<subscription_id>", "DELETE"): _own_query(204),
        ("/api/v1/epcis/queries/<query_name>/subscriptions/<subscription_id>/deliveries", "GET"): _own_query(200),
        ("/", "GET"): "tests/api/test_web_login.py",
        ("/login", "GET"): "tests/api/test_web_login.py",
        ("/login", "POST"): "tests/api/test_web_login.py",
        ("/logout", "POST"): "tests/api/test_web_login.py",
        ("/static/<path:filename>", "GET"): "tests/api/test_web_login.py",
        ("/api/v1/batches/<int:batch_id>/codes", "GET"): _item_read,
        ("/api/v1/batches/<int:batch_id>/codes", "POST"): _on_a(Capability.ISSUE_CODES, 201),
        ("/api/v1/codes/<string:code>/revoke", "POST"): _revoke_code,
        ("/api/v1/batches/labels.pdf", "GET"): _item_read,
        ("/codes", "GET"): "tests/api/test_codes_web.py",
        ("/codes/issue", "POST"): "tests/api/test_codes_web.py",
        ("/codes/labels.pdf", "GET"): "tests/web/test_guided_entry.py",
        ("/invite/<token>", "GET"): "tests/web/test_onboarding.py",
        ("/invite/<token>", "POST"): "tests/web/test_onboarding.py",
        ("/api/v1/programmes", "GET"): _signed_in(200),
        ("/api/v1/programmes", "POST"): _holders(Capability.RUN_PROGRAMMES, 201),
        ("/api/v1/programmes/<int:programme_id>", "GET"): _programme(200),
        ("/api/v1/programmes/<int:programme_id>/participants", "POST"): _programme(201),
        ("/api/v1/programmes/<int:programme_id>/dashboard", "GET"): _programme(200),
        ("/api/v1/programmes/<int:programme_id>/dashboard.csv", "GET"): _programme(200),
        ("/api/v1/registry", "POST"): _holders(Capability.IMPORT_REGISTRY, 200),
        ("/api/v1/products/<int:product_id>/listings", "POST"): _on_a(Capability.WRITE_RECORDS, 201),
        ("/api/v1/reviews", "GET"): _signed_in(200),
        # producer_a submits first; the assigned pendamping then finds the batch already waiting.
        ("/api/v1/products/<int:product_id>/reviews", "POST"): lambda who: (
            409 if who == "pendamping_a" else _on_a(Capability.SUBMIT_FOR_REVIEW, 201)(who)
        ),
        ("/api/v1/reviews/<int:review_id>", "GET"): _item_read,
        ("/api/v1/reviews/<int:review_id>/comments", "POST"): _on_a(Capability.COMMENT_ON_REVIEWS, 200),
        ("/api/v1/reviews/<int:review_id>/evidence-requests", "POST"): _on_a(Capability.REVIEW, 200),
        ("/api/v1/reviews/<int:review_id>/decision", "POST"): _on_a(Capability.REVIEW, 200),
        # A scanned certificate: written by its producer, read like the certificate itself.
        ("/api/v1/certificates/<int:certificate_id>/evidence", "PUT"): _item_write,
        ("/api/v1/certificates/<int:certificate_id>/evidence", "GET"): _item_read,
        ("/api/v1/products/<int:product_id>/pendamping-verification", "PUT"): _on_a(
            Capability.VERIFY_SELF_DECLARE, 200
        ),
    }
    # An operator's probes and scrape: the same for everyone (the scrape answers the machine itself).
    for probe in ("/healthz", "/readyz", "/metrics"):
        table[(probe, "GET")] = lambda who: 200
    table[("/products/<int:product_id>/application-pack.pdf", "GET")] = "tests/web/test_application_pack.py"
    table[("/products/<int:product_id>/application-pack.docx", "GET")] = "tests/web/test_application_pack.py"
    # Webhooks belong to a business's producer; the matrix's URL points inside the network, so it is refused.
    table[("/api/v1/webhooks", "GET")] = _holders(Capability.WRITE_RECORDS, 200)
    table[("/api/v1/webhooks", "POST")] = _holders(Capability.WRITE_RECORDS, 422)
    no_such_webhook = _holders(Capability.WRITE_RECORDS, 404)
    table[("/api/v1/webhooks/<int:webhook_id>", "DELETE")] = no_such_webhook
    table[("/api/v1/webhooks/<int:webhook_id>/deliveries", "GET")] = no_such_webhook
    for page in WEB_PAGES:
        table[page] = "tests/web/test_pages.py"
    for public in (
        "/api/v1/verify/<string:code>",
        "/api/v1/codes/<string:code>/qr.png",
        "/api/v1/codes/<string:code>/qr.svg",
        "/v/<code>",
        "/01/<path:rest>",
        "/badge/<code>.svg",
        "/embed/<code>",
        "/oembed",
        "/.well-known/jwks.json",
        "/.well-known/gs1resolver",
        "/.well-known/halal-trace/checkpoints",
        "/v/01/<gtin>",
        "/v/01/<gtin>/10/<path:lot>",
    ):
        table[(public, "GET")] = lambda who: 200  # public: the same answer for every role
    table[("/01/<path:rest>", "GET")] = lambda who: 307  # a resolver: to the default link, for every role
    table[("/<packed>", "GET")] = lambda who: 307  # the same, compressed
    # The journal's checkpoint and proofs are public too: nothing is sealed in this world yet (404), and a proof
    # asked without its parameters is refused (422), the same for every role.
    table[("/.well-known/halal-trace/checkpoint", "GET")] = lambda who: 404
    table[("/api/v1/journal/proofs/inclusion", "GET")] = lambda who: 422
    table[("/api/v1/journal/proofs/consistency", "GET")] = lambda who: 422
    for kind in KINDS:
        table[(f"/api/v1/{kind}", "GET")] = _signed_in(200)
        table[(f"/api/v1/{kind}", "POST")] = _collection_post
        table[(f"/api/v1/{kind}/<int:record_id>", "GET")] = _item_read
        table[(f"/api/v1/{kind}/<int:record_id>", "PATCH")] = _item_write
        # Suppliers, materials and products still carry lots or batches: voiding them is refused until those go.
        blocked = kind in ("suppliers", "materials", "products")
        table[(f"/api/v1/{kind}/<int:record_id>/void", "POST")] = _on_a(
            Capability.WRITE_RECORDS, 409 if blocked else 200
        )
    return table


def _routes(app) -> list[tuple[str, str]]:
    return sorted(
        (rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_route_has_an_expectation(app):
    missing = [route for route in _routes(app) if route not in expected()]

    assert missing == []


def _code_of_a(client, filled: Filled, session):
    """Business A's code for the matrix, issued once per test by the operator."""
    existing = session.scalar(sa.select(VerificationCode).order_by(VerificationCode.id))
    if existing is not None:
        return existing
    from api.signing import seal

    with client.application.test_request_context():
        return verification.issue_codes(session, OPERATOR, filled.own["batches"], seal=seal, new_code=new_code)[0]


def _request(client, filled: Filled, session, rule: str, method: str, role: str):
    """Build and send the request a user in `role` would make on business A's record."""
    ids, path, body = filled.own, rule, None
    for kind in KINDS:
        if rule.startswith(f"/api/v1/{kind}"):
            own = filled.own if role != "producer_b" else filled.foreign
            gtin = "8994471000244" if role != "producer_b" else "8994471000251"
            path = rule.replace("<int:record_id>", str(ids[kind]))
            body = create_bodies(own, gtin)[kind] if method == "POST" else PATCH_BODIES[kind]
            if rule.endswith("/void"):
                body = {"reason": "Recorded twice by mistake."}
    path = path.replace("<int:business_id>", str(filled.world.business_a))
    path = path.replace("<int:programme_id>", str(filled.world.programme))
    path = path.replace("<int:batch_id>", str(ids["batches"])).replace("<int:certificate_id>", str(ids["certificates"]))
    path = path.replace("<int:product_id>", str(filled.product_a)).replace("<int:webhook_id>", "1")
    for name, kind in (
        ("batch_id", "batches"),
        ("lot_id", "lots"),
        ("supplier_id", "suppliers"),
        ("certificate_id", "certificates"),
    ):
        path = path.replace(f"<int:{name}>", str(ids[kind]))
    if rule == "/api/v1/businesses":
        body = {"name": "Keripik Mak Ijah", "nib": "1203250071846", "scale": "micro"}
    elif rule.endswith("/pendamping"):
        body = {"pendamping": filled.world.users["pendamping_other"]}
    elif rule.startswith("/api/v1/businesses/"):
        body = {"region": "Batam"}
    elif rule == "/api/v1/dossiers":
        body = copy.deepcopy(example("rendang-ok"))
        body["product"].update(id=f"p-extra-{role}", gtin=None)
        for batch in body["batches"]:
            batch["lot_code"] += f"-{role}"
        for item in body["steps"] + body["batches"]:
            item["id"] += f"-{role}"
        for item in body["steps"]:
            item["inputs"] = [i + f"-{role}" if i.startswith("b-") else i for i in item["inputs"]]
            item["outputs"] = [o + f"-{role}" for o in item["outputs"]]
        for item in body["batches"]:
            item["step"] += f"-{role}"
    elif rule == "/api/v1/programmes":
        body = {
            "name": f"Kelas {role}",
            "organiser": "PLUT Batam",
            "starts_on": "2025-08-04",
            "coordinator": filled.world.users["coordinator"],
        }
    elif rule.endswith("/participants"):
        business = (
            filled.world.business_b
            if role != "admin"
            else businesses.create_business(
                session, OPERATOR, {"name": "Keripik Mak Ijah", "nib": "1203250071846", "scale": "micro"}
            ).id
        )
        body = {"business": business, "mode": "online"}
    elif rule.endswith("/evidence"):
        if method == "GET":
            evidence.put_evidence(session, OPERATOR, ids["certificates"], PNG, max_bytes=len(PNG))
            return client.get(path, headers=filled.auth(role))
        return client.put(path, data=PNG, content_type="image/png", headers=filled.auth(role))
    elif rule == "/api/v1/registry":
        return client.open(path, method=method, data=REGISTRY_CSV, content_type="text/csv", headers=filled.auth(role))
    elif rule.endswith("/listings"):
        body = {"url": "https://www.tokopedia.com/rendangbundo/rendang-daging-250g"}
    elif rule.endswith("/reviews") and method == "POST":
        body = {}
    elif rule.endswith(("/comments", "/evidence-requests")):
        body = {"comment": "Please upload the supplier's halal certificate."}
    elif rule.endswith("/decision"):
        body = {"decision": "reject", "reason": "The gelatin has no halal certificate."}
    elif rule.endswith("/pendamping-verification"):
        body = {"pendamping": "Siti Aminah", "registration_no": "PPH-2025-0117", "verified_on": "2025-11-01"}
    elif rule == "/api/v1/epcis/capture":
        body = {"type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": []}}
    elif rule == "/api/v1/epcis/events" and method == "POST":
        body = {"type": "ObjectEvent", "action": "ADD"}  # refused by the schema: nothing is captured
    elif rule.startswith("/api/v1/epcis/"):
        for placeholder, value in _epcis_of_a(session, filled).items():
            path = path.replace(placeholder, value)
        body = {"name": f"matrix-{role}", "query": {"EQ_bizStep": ["receiving"]}} if method == "POST" else None
        if rule.endswith("/subscriptions") and method == "POST":
            body = {"dest": "http://127.0.0.1:9/epcis", "stream": True}
    elif rule == "/api/v1/tokens":
        body = {"name": "matrix"}
    elif rule == "/api/v1/webhooks":
        body = {"url": "http://127.0.0.1:9/status"}
    elif rule.endswith("/confirmation") and method == "POST":
        body = {"decision": "reject", "reason": "Pindaian tidak terbaca"}
    elif rule.endswith("/status"):
        body = {"status": "suspended", "effective": "2025-01-01", "reason": "surveillance audit"}
    elif rule == "/api/v1/reference":
        body = {"version": f"2025.12-{role}", "recognised_foreign_bodies": []}
    elif (
        "code>" in rule
        or "<path:rest>" in rule
        or "batch_id" in rule
        or "<gtin>" in rule
        or rule in ("/oembed", LABELS, "/<packed>")
    ):
        record = _code_of_a(client, filled, session)
        link = digital_link.parse(record.url)
        packed = compress_gs1_digital_link(record.url.partition("?")[0], False, "https://trace.test")
        path = (
            rule.replace("/<packed>", packed.removeprefix("https://trace.test"))
            .replace("<gtin>", link.gtin)
            .replace("<path:lot>", digital_link.escape(link.lot or ""))
            .replace("<code>", record.code)
            .replace("<string:code>", record.code)
            .replace("<int:batch_id>", str(record.batch_id))
            .replace("/01/<path:rest>", record.url.removeprefix("https://trace.test"))
        )
        if rule == "/oembed":
            path += f"?url=https://trace.test/v/{record.code}"
        elif rule == LABELS:
            path += f"?batch={record.batch_id}"
        body = {} if method == "POST" else None
    elif rule == "/api/v1/tokens/<int:token_id>":
        victim = session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "victim"))
        path = rule.replace("<int:token_id>", str(victim))
    if "<int:review_id>" in path:
        path = path.replace("<int:review_id>", str(_review_of_a(session, filled)))
    return client.open(path, method=method, json=body, headers=filled.auth(role))


def _review_of_a(session, filled: Filled) -> int:
    """A review of business A's product, submitted once per test by the operator."""
    existing = session.scalar(sa.select(Review.id).order_by(Review.id))
    if existing is not None:
        return existing
    return reviews.submit(session, OPERATOR, filled.product_a, batch_id=filled.own["batches"]).id


@pytest.mark.parametrize(("rule", "method"), [r for r, v in expected().items() if callable(v)])
def test_route_answers_each_role_as_the_table_says(client, filled, session, rule, method):
    producer_a = session.get(User, filled.world.users["producer_a"])
    accounts.create_token(session, OPERATOR, user=producer_a, name="victim")
    rule_expectation = expected()[(rule, method)]

    answers = {role: _request(client, filled, session, rule, method, role) for role in ROLES}

    got = {role: response.status_code for role, response in answers.items()}
    want = {role: rule_expectation(role) for role in ROLES}
    assert got == want, {role: answers[role].get_json() for role in ROLES if got[role] != want[role]}
    for role, response in answers.items():
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json", (role, response.data[:200])


@pytest.mark.parametrize("kind", list(KINDS))
def test_lists_show_a_producer_only_their_own_business(client, filled, kind):
    answers = {
        role: client.get(f"/api/v1/{kind}?per_page=200", headers=filled.auth(role)).json
        for role in ("producer_b", "pendamping_a", "pendamping_other", "auditor", "coordinator")
    }

    seen = {role: {item["business"] for item in page["items"]} for role, page in answers.items()}
    assert seen["producer_b"] == {filled.world.business_b}
    assert seen["pendamping_a"] == {filled.world.business_a}
    assert seen["pendamping_other"] == set()
    assert seen["coordinator"] == set()
    assert seen["auditor"] == {filled.world.business_a, filled.world.business_b}


@pytest.mark.parametrize("path", EPCIS_READS)
def test_epcis_events_show_each_role_only_the_businesses_it_may_read(client, filled, session, path):
    for placeholder, value in _epcis_of_a(session, filled).items():
        path = path.replace(placeholder, value)
    of_b = "urn:uuid:6f0e2d6a-0b2c-4b4e-9d1e-b0b0b0b0b0b0"

    seen = {}
    for role in ROLES:
        response = client.get(f"/api/v1/epcis/{path}", headers=filled.auth(role))
        body = response.get_json()
        events = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"] if response.status_code == 200 else []
        seen[role] = (response.status_code, {event["eventID"] for event in events})

    assert seen == {
        "anonymous": (401, set()),
        "producer_a": (200, {PACKED}),
        "producer_b": (200, {of_b}),
        "pendamping_a": (200, {PACKED}),
        "pendamping_other": (200, set()),
        "auditor": (200, {PACKED, of_b}),
        "admin": (200, {PACKED, of_b}),
        "coordinator": (403, set()),
    }


def test_epcis_capture_jobs_and_collections_list_each_role_only_the_businesses_it_may_read(client, filled, session):
    job = _epcis_of_a(session, filled)["<capture_id>"]

    seen = {}
    for role in ROLES:
        jobs = client.get("/api/v1/epcis/capture", headers=filled.auth(role))
        steps = client.get("/api/v1/epcis/bizLocations", headers=filled.auth(role))
        seen[role] = (
            jobs.status_code,
            {j["captureID"] for j in jobs.json} if jobs.status_code == 200 else set(),
            set(steps.json["member"]) if steps.status_code == 200 else set(),
        )

    where = {"urn:epc:id:sgln:0614141.00888.0"}  # A's event and B's copy name the same location
    assert seen == {
        "anonymous": (401, set(), set()),
        "producer_a": (200, {job}, where),
        "producer_b": (200, set(), where),
        "pendamping_a": (200, {job}, where),
        "pendamping_other": (200, set(), set()),
        "auditor": (200, {job}, where),
        "admin": (200, {job}, where),
        "coordinator": (403, set(), set()),
    }


def test_an_epcis_page_token_reads_only_what_its_holder_may(client, filled, session):
    _epcis_of_a(session, filled)
    auditor = client.get("/api/v1/epcis/events?perPage=1", headers=filled.auth("auditor"))
    token = auditor.headers["Link"].split("nextPageToken=")[1].split(">")[0]

    carried = {
        role: client.get(f"/api/v1/epcis/events?nextPageToken={token}", headers=filled.auth(role)).status_code
        for role in ("producer_a", "producer_b", "admin", "auditor")
    }

    assert carried == {"producer_a": 422, "producer_b": 422, "admin": 422, "auditor": 200}
