"""The producer's label page: issue a code with the button, print the sheet with the other."""

import re

import pypdfium2

from tests.helpers import qr_texts


def _login(client, email):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/login", data={"email": email, "password": "correct horse battery", "csrf_token": token}
        ).status_code
        == 302
    )


def test_producer_issues_a_code_and_prints_labels_from_the_page(client, filled):
    _login(client, "producer_a@test.id")
    page = client.get("/codes").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    issued = client.post("/codes/issue", data={"batch": filled.own["batches"], "csrf_token": token})
    listed = client.get("/codes").get_data(as_text=True)
    code = re.search(r'/v/([a-z2-7]{16})"', listed).group(1)
    pdf = client.get(f"/api/v1/batches/labels.pdf?batch={filled.own['batches']}&per_batch=2")

    assert issued.status_code == 302
    assert "Cetak label (PDF)" in listed
    assert pdf.status_code == 200
    image = pypdfium2.PdfDocument(pdf.data)[0].render(scale=150 / 72).to_pil()
    assert [text.split("c=")[1][:16] for text in qr_texts(image)] == [code, code]


def test_the_page_needs_a_login_and_another_business_cannot_issue(client, filled):
    assert client.get("/codes").status_code == 302
    _login(client, "producer_b@test.id")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/codes").get_data(as_text=True)).group(1)

    client.post("/codes/issue", data={"batch": filled.own["batches"], "csrf_token": token})

    assert "No batch with that id" in client.get("/codes").get_data(as_text=True)
    assert client.get(f"/api/v1/batches/{filled.own['batches']}/codes").status_code == 404
