"""The Content-Security-Policy in a real browser: every kind of page renders with zero violations.

Headless Chromium signs in as a producer (dashboard and a form), an auditor (queue, review page with
the drawn graph, whose hover and click must still work), a coordinator (funnel), opens a consumer page,
and loads the embed card inside an iframe of a marketplace page on another origin. Each page reports
``securitypolicyviolation`` events and console errors; the test expects none, except the one it
provokes on purpose to show the check sees them (a sign-in page framed by the marketplace, refused by
``frame-ancestors 'none'``, and an inline style added to a page).
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from models import Batch, Review
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, PASSWORD

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")

# Every violation and uncaught error goes to the console, where the test listens (also inside frames).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


class Watcher:
    """Console errors and page errors, by the page kind that was open when they came."""

    def __init__(self) -> None:
        self.kind = ""
        self.seen: dict[str, list[str]] = {}

    def attach(self, page) -> None:
        page.on("console", lambda m: self._console(page, m))
        page.on("pageerror", lambda e: self._note(f"page error: {e}"))

    def _console(self, page, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        # A status the server meant (the refused form's 422) or the browser's own favicon guess is no fault.
        if message.text.startswith("Failed to load resource: the server responded with a status of") and (
            url == page.url or url.endswith("/favicon.ico")
        ):
            return
        self._note(f"{message.text} ({url})")

    def _note(self, text: str) -> None:
        self.seen.setdefault(self.kind, []).append(text)

    def visit(self, page, kind: str, url: str):
        self.kind = kind
        self.seen.setdefault(kind, [])
        response = page.goto(url)
        page.wait_for_load_state("load")
        return response


@pytest.fixture
def marketplace(live):
    """A listing page on another origin (another port) that frames the embed card and the sign-in page."""
    frames: dict[str, str] = {}

    def listing(environ, start_response):
        body = "<!doctype html><title>Listing</title><h1>Rendang</h1>" + "".join(
            f'<iframe id="{name}" src="{src}" width="360" height="180"></iframe>' for name, src in frames.items()
        )
        return Response(body, mimetype="text/html")(environ, start_response)

    server = make_server("127.0.0.1", 0, listing, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", frames
    server.shutdown()
    thread.join()


def _context(browser, watcher: Watcher, live_url: str, outside: list[str], elsewhere: str = ""):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="id", extra_http_headers={"Accept-Language": "id-ID,id;q=0.9"}
    )
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    watcher.attach(page)
    page.on("request", lambda r: None if r.url.startswith((live_url, elsewhere or live_url)) else outside.append(r.url))
    return context, page


def _sign_in(page, watcher: Watcher, live_url: str, role: str) -> None:
    watcher.visit(page, "login", f"{live_url}/login")
    page.fill("input[name=email]", f"{role}@test.id")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def test_pages_render_without_policy_violations_and_the_graph_still_responds(
    live,
    marketplace,
    client,
    filled,
    session,
):
    from playwright.sync_api import sync_playwright

    issued = client.post(
        f"/api/v1/batches/{filled.own['batches']}/codes", json={}, headers=filled.auth("producer_a")
    ).json[0]
    consumer_path = issued["url"].removeprefix("https://trace.test")
    market_url, frames = marketplace
    frames.update(card=f"{live}/embed/{issued['code']}", login=f"{live}/login")
    watcher = Watcher()
    outside: list[str] = []
    headers: dict[str, dict[str, str]] = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            context, page = _context(browser, watcher, live, outside)
            _sign_in(page, watcher, live, "producer_a")
            watcher.visit(page, "producer dashboard", f"{live}/producer")
            page.click(f"#product-{filled.product_a} button.submit-review")
            page.wait_for_load_state("load")
            headers["form"] = watcher.visit(page, "producer form", f"{live}/producer/lots/new").headers
            page.click("form.record button.save")  # refused: the page comes back with messages, still clean
            page.wait_for_load_state("load")
            context.close()

            review = session.scalar(sa.select(Review).where(Review.product_id == filled.product_a))
            context, page = _context(browser, watcher, live, outside)
            _sign_in(page, watcher, live, "auditor")
            watcher.visit(page, "auditor queue", f"{live}/auditor")
            headers["review"] = watcher.visit(page, "auditor review", f"{live}/auditor/reviews/{review.id}").headers
            page.wait_for_selector("svg.provenance .node")
            page.hover(f'.node[data-node="batch:{review.batch_id}"]')
            hovered = page.inner_text("#node-panel h3")
            hovered_panel = page.inner_text("#node-panel")
            lot = page.locator('.node[data-node^="lot:"]').first
            lot_id = lot.get_attribute("data-node")
            lot.click()
            clicked = page.inner_text("#node-panel h3")
            selected = page.locator(f'.node.selected[data-node="{lot_id}"]').count()
            node_fill = page.eval_on_selector(".node rect", "e => getComputedStyle(e).fill")
            page.screenshot(path=str(ARTIFACTS / "csp-auditor-review.png"), full_page=True)
            context.close()

            context, page = _context(browser, watcher, live, outside)
            _sign_in(page, watcher, live, "coordinator")
            watcher.visit(page, "coordinator", f"{live}/coordinator?programme={filled.world.programme}")
            funnel_bars = page.locator("#funnel svg.funnel-bar rect").count()
            context.close()

            context, page = _context(browser, watcher, live, outside, market_url)
            headers["consumer"] = watcher.visit(page, "consumer page", live + consumer_path).headers
            consumer_word = page.inner_text(".status-word")
            status_colour = page.eval_on_selector(".status", "e => getComputedStyle(e).backgroundColor")
            watcher.visit(page, "badge", f"{live}/badge/{issued['code']}.svg")

            # A marketplace listing on another origin frames the embed card (allowed) and, to show the
            # policy bites, the sign-in page (refused by frame-ancestors 'none').
            watcher.visit(page, "marketplace with embed", f"{market_url}/listing")
            card = page.frame_locator("#card")
            card_word = card.locator(".status-word").inner_text()
            card_colour = card.locator(".status").evaluate("e => getComputedStyle(e).backgroundColor")
            login_frame = page.frame(url=f"{live}/login")
            login_framed = login_frame is not None and login_frame.locator("input[name=email]").count() > 0
            page.screenshot(path=str(ARTIFACTS / "csp-marketplace-embed.png"), full_page=True)

            # The check itself: an inline style added to a page is refused and reported.
            watcher.visit(page, "provoked", live + consumer_path)
            page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>body { color: red }</style>')")
            page.wait_for_timeout(300)
            context.close()
        finally:
            browser.close()

    marketplace = watcher.seen.pop("marketplace with embed")
    provoked = watcher.seen.pop("provoked")
    assert {kind: errors for kind, errors in watcher.seen.items() if errors} == {}
    assert set(watcher.seen) == {
        "login",
        "producer dashboard",
        "producer form",
        "auditor queue",
        "auditor review",
        "coordinator",
        "consumer page",
        "badge",
    }
    # The only complaint on the marketplace page is the framed sign-in page; the embed card is clean.
    assert len(marketplace) == 1, marketplace
    assert "frame-ancestors" in marketplace[0]
    assert f"Framing '{live}/'" in marketplace[0]  # Chrome names the origin; the card frame loaded fine
    assert not login_framed
    assert card_word == consumer_word
    assert card_colour == status_colour != "rgba(0, 0, 0, 0)"  # the state colour comes from the stylesheet
    assert any("style-src" in text for text in provoked)
    # The graph still answers hover and click (its script is a file, its colours are classes).
    lot_code = session.get(Batch, review.batch_id).lot_code
    assert lot_code in hovered  # the node is named in words, never by its id
    assert not hovered.startswith("batch:")
    assert lot_code in hovered_panel
    assert clicked
    assert clicked != lot_id
    assert selected == 1
    assert node_fill != "rgb(0, 0, 0)"  # the stylesheet coloured the nodes
    assert funnel_bars >= 1
    for kind, seen in headers.items():
        assert "script-src 'self'" in seen["content-security-policy"], kind
        assert seen["x-frame-options"] == "DENY", kind
    assert outside == []
