"""Helping a business: its home page exactly as its producer sees it, read-only, for an assigned pendamping (and
the auditors and admins who may read every business); nobody else sees it."""

from __future__ import annotations

import re

import pytest

from tests.helpers import OPERATOR, PASSWORD, csrf_of
from traceability.service import businesses

BANNER_ID = "Anda melihat tampilan pelaku usaha ini."
BANNER_EN = "You are seeing what this business's owner sees."

# Business A's view, for each person: who helps or reads it sees it, its producer is sent to their own page.
EXPECTED = {
    "producer_a": 302,
    "producer_b": 404,
    "pendamping_a": 200,
    "pendamping_other": 404,
    "auditor": 200,
    "admin": 200,
    "coordinator": 403,
}


def _signed_in(app, who: str):
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": f"{who}@test.id", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _checklists(html: str) -> list[tuple[str, str]]:
    """Each checklist item: its rule and its words, what the owner is offered to fix it included, without tags."""
    items = re.findall(r'<li class="sev-[a-z_]+" data-rule="([^"]*)">(.*?)</li>', html, flags=re.S)
    return [(rule, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for rule, body in items]


@pytest.mark.parametrize(("who", "status"), EXPECTED.items())
def test_the_view_of_business_a_answers_each_role_as_the_roles_allow(app, filled, who, status):
    response = _signed_in(app, who).get(f"/businesses/{filled.world.business_a}/as-producer")

    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].endswith("/producer")
    if status in (403, 404):
        assert response.mimetype == "text/html"  # a page in the reader's language, never JSON


@pytest.mark.parametrize("who", ["pendamping_a", "pendamping_other", "producer_a"])
def test_business_b_is_not_found_for_those_who_do_not_follow_it(app, filled, who):
    response = _signed_in(app, who).get(f"/businesses/{filled.world.business_b}/as-producer")

    assert response.status_code == 404


def test_an_unknown_business_is_not_found_even_for_an_admin(app, filled):
    response = _signed_in(app, "admin").get("/businesses/999999/as-producer")

    assert response.status_code == 404


def test_signed_out_goes_to_the_login_page(client, filled):
    response = client.get(f"/businesses/{filled.world.business_a}/as-producer")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_pendamping_sees_the_same_products_checklist_and_next_step_as_the_producer(app, filled, session):
    # Business B's shared production line leaves something to do: assign it to the pendamping too.
    businesses.assign_pendamping(session, OPERATOR, filled.world.users["pendamping_a"], filled.world.business_b)
    session.commit()
    own = _signed_in(app, "producer_b").get("/producer").get_data(as_text=True)
    seen = _signed_in(app, "pendamping_a").get(f"/businesses/{filled.world.business_b}/as-producer")
    html = seen.get_data(as_text=True)

    assert seen.status_code == 200
    assert BANNER_ID in html
    assert _checklists(html) == _checklists(own)
    assert _checklists(own)  # the example has something missing: the comparison means something
    assert re.findall(r"<h2>(.*?)</h2>", html) == re.findall(r"<h2>(.*?)</h2>", own)
    assert re.findall(r'<p class="next">(.*?)</p>', _strip_links(html)) == re.findall(
        r'<p class="next">(.*?)</p>', _strip_links(own)
    )


def _strip_links(html: str) -> str:
    return re.sub(r"<(a|span)\b[^>]*>(.*?)</\1>", r"\2", html, flags=re.S)


@pytest.mark.parametrize("who", ["pendamping_a", "auditor", "admin"])
def test_nothing_on_the_view_writes_or_leads_to_the_owners_forms(app, filled, who):
    html = _main(_signed_in(app, who).get(f"/businesses/{filled.world.business_a}/as-producer").get_data(as_text=True))

    assert "<form" not in html
    assert 'name="csrf_token"' not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links
    assert [href for href in links if href.startswith(("/producer", "/codes", "/invitations"))] == []
    assert re.search(r'<button[^>]*class="submit-review as-seen"[^>]*disabled', html)


def test_a_pendamping_reaches_the_view_from_the_business_page_and_returns(app, filled):
    browser = _signed_in(app, "pendamping_a")
    business = filled.world.business_a

    page = browser.get(f"/pendamping/businesses/{business}").get_data(as_text=True)
    html = browser.get(f"/businesses/{business}/as-producer").get_data(as_text=True)

    assert f'href="/businesses/{business}/as-producer"' in page
    assert "Lihat tampilan pelaku usaha" in page
    assert f'href="/pendamping/businesses/{business}"' in html
    # The owner's record lists open as the pendamping's read-only lists of the same business.
    assert f'href="/pendamping/businesses/{business}/materials"' in html


def test_the_view_speaks_english_when_asked(app, filled):
    html = _signed_in(app, "pendamping_a").get(f"/businesses/{filled.world.business_a}/as-producer?lang=en")

    assert BANNER_EN in html.get_data(as_text=True)
    assert BANNER_ID not in html.get_data(as_text=True)


def test_an_admin_finds_the_view_from_the_businesses_list(app, filled):
    html = _signed_in(app, "admin").get("/admin/businesses").get_data(as_text=True)

    assert f'href="/businesses/{filled.world.business_a}/as-producer"' in html
