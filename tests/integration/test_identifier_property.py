"""Any two spellings of an identifier that canonicalise equal are one identifier everywhere: in uniqueness,
in certificate decisions and in the Digital Link resolver (DESIGN section 7)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Batch, Business, Certificate, Product, VerificationCode
from tests.helpers import OPERATOR
from traceability.errors import ConflictError
from traceability.identifiers import certificate_number_key, gtin_check_digit, gtin_key, issuer_key, lot_key
from traceability.service import assessments, certificate_status, verification
from traceability.service.unit_of_work import writing
from traceability.vocabulary import BusinessScale, CertificateScheme, CertificateStatus

_SERIAL = itertools.count(1)
#: Characters that change how an identifier looks, never what it is.
_INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", " ", "\u00a0", "\u3000", "\u2009"]
DB_SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def spelling(draw, base: str) -> str:
    """`base` with random case changes, full-width forms and invisible characters inserted anywhere."""
    out = []
    for c in base:
        if c.isalpha() and draw(st.booleans()):
            c = c.swapcase()
        if c.isascii() and c.isalnum() and draw(st.booleans()):
            c = chr(ord(c) + 0xFEE0)  # the full-width form NFKC folds back
        out.append(draw(st.sampled_from(["", *_INVISIBLE])) + c)
    return "".join(out) + draw(st.sampled_from(["", *_INVISIBLE]))


codes = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=3, max_size=12)
pairs = codes.flatmap(lambda base: st.tuples(st.just(base), spelling(base), spelling(base)))


@given(pairs)
def test_spellings_have_one_key(triple):
    base, one, other = triple
    assert certificate_number_key(one) == certificate_number_key(other) == certificate_number_key(base)
    assert lot_key(one) == lot_key(other) == lot_key(base)


@given(st.sampled_from(["BPJPH", "bpjph", " BPJPH ", "B P J P H", "Badan Penyelenggara Jaminan Produk Halal"]))
def test_issuer_aliases_are_one_body(name):
    assert issuer_key(name) == "BPJPH"


@given(st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)))
def test_every_padding_of_a_gtin_is_one_gtin(body):
    gtin = body + str(gtin_check_digit(body))
    assert {gtin_key(gtin.zfill(n)) for n in range(len(gtin), 15)} == {gtin.zfill(14)}


def _business(session):
    n = next(_SERIAL)
    business = Business(name=f"Usaha {n}", nib=f"{7_000_000_000_000 + n}", scale=BusinessScale.MICRO)
    session.add(business)
    session.flush()
    return business


def _gtin(n: int) -> str:
    body = f"{899_000_000_000 + n:012d}"
    return body + str(gtin_check_digit(body))


@DB_SETTINGS
@given(pairs)
def test_lot_spellings_are_one_batch_in_uniqueness_and_in_the_resolver(session, triple):
    base, one, other = triple
    business = _business(session)
    product = Product(business_id=business.id, name="P", gtin=_gtin(business.id))
    session.add(product)
    session.flush()
    batch = Batch(business_id=business.id, product_id=product.id, lot_code=one, produced_on=dt.date(2025, 11, 1))
    session.add(batch)
    session.flush()
    code = VerificationCode(
        code=f"c{business.id:015d}", business_id=business.id, batch_id=batch.id, url="-", signature="-", key_id="-"
    )
    session.add(code)
    session.commit()

    found = verification.find_code_by_link(session, product.gtin.zfill(14), base.lower(), code.code)
    assert found is not None
    assert found.batch_id == batch.id

    session.add(Batch(business_id=business.id, product_id=product.id, lot_code=other, produced_on=dt.date(2025, 11, 2)))
    with pytest.raises(ConflictError), writing(session):
        session.flush()


def _certificate(business, number, issuer):
    return Certificate(
        business_id=business.id,
        number=number,
        issuer=issuer,
        scheme=CertificateScheme.REGULAR,
        issued_on=dt.date(2024, 1, 1),
    )


@DB_SETTINGS
@given(pairs)
def test_number_spellings_are_one_certificate_for_decisions(session, triple):
    _, one, other = triple
    suffix = f"{next(_SERIAL)}"
    owner, copier = _business(session), _business(session)
    first = _certificate(owner, one + suffix, "BPJPH")
    session.add(first)
    session.commit()
    assessments.set_certificate_status(
        session,
        OPERATOR,
        first.id,
        status=CertificateStatus.REVOKED,
        effective=dt.date(2025, 1, 1),
        reason="palsu",
        fraud=True,
    )
    copy = _certificate(copier, other + suffix, " bpjph")

    certificate_status.enforce(session, copy)

    assert (copy.status, copy.fraud) == (CertificateStatus.REVOKED, True)
    with pytest.raises(ConflictError):
        certificate_status.enforce(session, copy, {"status": CertificateStatus.ACTIVE})
    session.rollback()
