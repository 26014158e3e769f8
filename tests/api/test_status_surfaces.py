"""Every public status reason, on every public surface: verify JSON, consumer page (id and en), badge,
embed and oEmbed say the same status and the same reason, in plain words in the reader's language."""

from __future__ import annotations

import re

import pytest

from tests.helpers import STORY_DOSSIERS, status_story
from traceability.rules.catalogue import RULES
from traceability.rules.status import REASONS

#: What each story must read as: (state on the public surfaces, a phrase of the Indonesian wording).
EXPECTED = {
    "approved": ("verified", "Disetujui auditor halal"),
    "product_certificate": ("verified", "Bersertifikat halal BPJPH"),
    "under_review": ("pending", "Sedang diperiksa auditor halal"),
    "evidence_missing": ("pending", "Bukti bahan sedang dilengkapi"),
    "certificate_inactive": ("pending", "Sertifikat halal pemasok margarin dicabut sejak 15 Agu 2025"),
    "certificate_unconfirmed": ("pending", "belum dikonfirmasi"),
    "not_certified": ("pending", "Belum bersertifikat halal"),
    "cannot_be_certified": ("pending", "Belum memenuhi syarat sertifikasi halal"),
    "false_halal_claim": ("pending", "Klaim atau label halal pada kemasan tidak sah"),
    "haram_material": ("not_halal", "Mengandung bahan tidak halal: minyak babi"),
    "najis_contact": ("not_halal", "juga dipakai untuk produk tidak halal"),
    "declared_non_halal": ("not_halal", "Dinyatakan tidak halal oleh produsen"),
    "code_revoked": ("revoked", "Kode ini telah dicabut"),
}
RULE_ID = re.compile(r"\b(" + "|".join(RULES) + r")\b")


def test_every_reason_has_a_story():
    assert set(EXPECTED) == set(REASONS) == set(STORY_DOSSIERS)


@pytest.mark.parametrize("reason", REASONS)
def test_the_reason_reads_the_same_on_every_public_surface(client, session, reason):
    state, phrase = EXPECTED[reason]
    code = status_story(session, reason, REASONS.index(reason))

    verify = client.get(f"/api/v1/verify/{code}").json
    assert (verify["state"], verify["status_reason"]) == (state, reason)
    assert phrase in verify["status_text"]["id"]
    english = verify["status_text"]["en"]
    for lang, text in (("id", verify["status_text"]["id"]), ("en", english)):
        page = client.get(f"/v/{code}?lang={lang}").get_data(as_text=True)
        badge = client.get(f"/badge/{code}.svg?lang={lang}").get_data(as_text=True)
        embed = client.get(f"/embed/{code}?lang={lang}").get_data(as_text=True)
        oembed = client.get(f"/oembed?url=https://trace.test/v/{code}&lang={lang}").json
        for surface in (page, embed):
            assert text in surface.replace("&#39;", "'"), (lang, surface)
            assert f'data-reason="{reason}"' in surface
            assert not RULE_ID.search(surface)
        short = text.split(" ID")[0] if reason == "product_certificate" else text
        assert short in badge.replace("&#39;", "'")
        assert (oembed["status"], oembed["status_reason"], oembed["status_text"]) == (state, reason, text)
    page_id = client.get(f"/v/{code}?lang=id").get_data(as_text=True)
    assert english not in page_id  # no English on the Indonesian page
    assert f">{reason}<" not in page_id  # no raw code
