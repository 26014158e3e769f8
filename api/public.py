"""The public surface of a code: consumer page and GS1 resolver, badge, embed card, oEmbed, keys.

No login, no outside network: the pages carry their own CSS and no scripts. Every status comes from
``verification.public_status``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import escape

from api import guards, public_text
from api.db import get_session
from api.errors import problem
from api.programmes import note_listing_request
from api.signing import check_online, journal_keys, key_ring, public_headers
from qr import codes, digital_link
from traceability import checkpoints
from traceability.errors import InvalidInputError, NotFoundError
from traceability.rules import status
from traceability.service import journal, verification
from traceability.service.verification import PublicView

bp = Blueprint("public", __name__)

GS1 = "https://gs1.org/voc/"
LINKSET = "application/linkset+json"
LINK_TYPES = ("gs1:pip", "gs1:certificationInfo", "gs1:traceability", "gs1:hasRetailers")
#: The badge's colours; the pages take the same ones from consumer.css by state.
COLOURS = {
    "verified": "#1b7f3b",
    "pending": "#9a6700",
    "not_halal": "#b42318",
    "revoked": "#57606a",
    "declared": "#1f4e79",
}


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def _links(view: PublicView) -> dict[str, list[dict[str, Any]]]:
    """The links a code has, by GS1 link type; an absent type has no entry (and answers 404)."""
    page = codes.short_url(_base(), view.code)
    links: dict[str, list[dict[str, Any]]] = {
        "gs1:pip": [{"href": page, "title": view.product, "type": "text/html", "hreflang": ["id", "en"]}],
        "gs1:traceability": [
            {
                "href": page + "#ingredients",
                "title": "Ingredients and origins",
                "type": "text/html",
                "hreflang": ["id", "en"],
            }
        ],
    }
    if view.product_certificate or any(i.certificate for i in view.ingredients):
        links["gs1:certificationInfo"] = [
            {
                "href": f"{_base()}/api/v1/verify/{view.code}",
                "title": "Certificates and status",
                "type": "application/json",
            }
        ]
    return links  # gs1:hasRetailers: no marketplace listing is recorded for a code, so it stays absent


def _linkset(view: PublicView, anchor: str) -> Response:
    entry: dict[str, Any] = {"anchor": anchor}
    for link_type, targets in _links(view).items():
        entry[GS1 + link_type.removeprefix("gs1:")] = targets
    response = current_app.response_class(json.dumps({"linkset": [entry]}), mimetype=LINKSET)
    return public_headers(response, view)


def _resolve(view: PublicView, anchor: str) -> ResponseReturnValue:
    """GS1 resolver behaviour: ``linkType`` redirects (307) or 404s; linkset on request; else the page."""
    link_type = request.args.get("linkType") or request.args.get("linktype")
    wants_linkset = (
        request.accept_mimetypes.best_match([LINKSET, "text/html"]) == LINKSET
        and request.accept_mimetypes[LINKSET] > request.accept_mimetypes["text/html"]
    )
    if link_type in ("linkset", "all") or (link_type is None and wants_linkset):
        return _linkset(view, anchor)
    if link_type is not None:
        targets = _links(view).get(link_type)
        if not targets:
            return problem(404, "Not Found", f"This code has no link of type {link_type}.")
        return redirect(targets[0]["href"], code=307)
    return _page(view)


def _page(view: PublicView) -> Response:
    lang = public_text.language()
    html = render_template(
        "consumer.html",
        view=view,
        t=public_text.TEXT[lang],
        lang=lang,
        vouched=lambda certificate: public_text.confirmation_words(certificate, lang),
        other="en" if lang == "id" else "id",
        page_url=codes.short_url(_base(), view.code),
    )
    response = current_app.response_class(html, mimetype="text/html")
    response.content_language.add(lang)
    return public_headers(response, view)


def _refused(exc: InvalidInputError) -> Response:
    lang = public_text.language()
    html = render_template("not_genuine.html", t=public_text.TEXT[lang], lang=lang, detail=exc.message)
    return Response(html, status=400, mimetype="text/html")


def _view(code: str) -> PublicView:
    if not codes.is_code(code):
        raise NotFoundError("No code like that.")
    return verification.public_status(get_session(), code)


@bp.get("/v/<code>")
def consumer(code: str) -> ResponseReturnValue:
    """The consumer page of a code (``?s=`` from a printed label is checked; a forged one is refused)."""
    view = _view(code)
    if "s" in request.args:
        try:
            check_online(request.url, view, field="s")
        except InvalidInputError as exc:
            return _refused(exc)
    return _resolve(view, codes.short_url(_base(), code))


MAX_LINK_LENGTH = 1024  # far beyond any GTIN, lot, serial and attributes a label carries
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _check_escapes() -> None:
    """Refuse what the server's own decoding would hide: a malformed ``%`` escape, or an overlong path."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    if len(raw.partition("?")[0]) > MAX_LINK_LENGTH:  # a scanner or marketplace may add a long query
        raise digital_link.DigitalLinkError(f"The path is longer than {MAX_LINK_LENGTH} characters.")
    if _BAD_ESCAPE.search(raw):
        raise digital_link.DigitalLinkError("A '%' must start a percent-escape of two hexadecimal digits.")


@bp.get("/01/<path:rest>")
def digital_link_path(rest: str) -> ResponseReturnValue:
    """A GS1 Digital Link ``/01/{gtin14}/10/{lot}``: 400 if it is no valid Digital Link, 404 if unknown."""
    try:
        _check_escapes()
        link = digital_link.parse(request.url)
    except digital_link.DigitalLinkError as exc:
        if guards.wants_page():
            lang = public_text.language()
            html = render_template(
                "not_genuine.html", t=public_text.TEXT[lang], lang=lang, key="bad_link", detail=str(exc)
            )
            return Response(html, status=400, mimetype="text/html")
        return problem(400, "Bad Request", f"Not a valid GS1 Digital Link: {exc}", errors={"path": [str(exc)]})
    if link.lot is None or set(link.qualifiers) != {"10"}:
        return problem(404, "Not Found", "This resolver knows trade items by GTIN and lot (/01/{gtin}/10/{lot}).")
    code = link.extensions.get("c")
    record = verification.find_code_by_link(get_session(), link.gtin, link.lot, code)
    if record is None:
        raise NotFoundError("No code for that GTIN and lot.")
    view = verification.public_status(get_session(), record.code)
    if "s" in link.extensions:
        try:
            check_online(request.url, view, field="s")
        except InvalidInputError as exc:
            return _refused(exc)
    return _resolve(view, f"{_base()}/01/{link.gtin}/10/{digital_link.escape(link.lot)}")


@bp.get("/badge/<code>.svg")
def badge(code: str) -> Response:
    """A small status badge for a marketplace listing: plain text on colour, no logo of any kind."""
    view = _view(code)
    note_listing_request(code)
    lang = public_text.language()
    # The state and its reason in a few words; a certificate number is left to the page.
    reason = status.reason_text(view.status_reason, {**view.status_detail, "number": None}, lang)
    label = f"{public_text.TEXT[lang][f'state.{view.state}']} · {reason}"
    colour = COLOURS["declared" if view.status_reason == "declared_non_halal" else view.state]
    svg = render_template("badge.svg", label=label, colour=colour, width=94 + 7 * len(label))
    return public_headers(Response(svg, mimetype="image/svg+xml"), view)


@bp.get("/embed/<code>")
def embed(code: str) -> Response:
    """A card for an iframe in a listing: status, product, producer, and a link to the full page."""
    view = _view(code)
    lang = public_text.language()
    html = render_template(
        "embed.html", view=view, t=public_text.TEXT[lang], lang=lang, page=codes.short_url(_base(), code)
    )
    return public_headers(Response(html, mimetype="text/html"), view)  # frameable: see api.security.FRAMEABLE


@bp.get("/oembed")
def oembed() -> ResponseReturnValue:
    """oEmbed (JSON, type "rich") for a consumer URL of this site: ``/v/{code}`` or a Digital Link."""
    url = request.args.get("url", "")
    if request.args.get("format", "json") != "json":
        return problem(501, "Not Implemented", "Only format=json is offered.", errors={"format": ["Use json."]})
    view = _view_for_url(url)
    if view is None:
        return problem(404, "Not Found", "No code of this site at that URL.", errors={"url": ["Unknown URL."]})
    maxwidth = request.args.get("maxwidth", "360")
    # isdigit() alone takes "²" and other digits int() refuses: only ASCII digits are a width.
    if not (maxwidth.isascii() and maxwidth.isdigit() and len(maxwidth) <= 6):
        message = "maxwidth is a whole number of pixels."
        return problem(400, "Bad Request", message, errors={"maxwidth": ["Not a number."]})
    width = min(int(maxwidth), 360)
    height = 180
    src = f"{_base()}{url_for('public.embed', code=view.code)}"
    body = {
        "version": "1.0",
        "type": "rich",
        "provider_name": "halal-trace",
        "provider_url": _base(),
        "title": f"{view.product} ({view.business})",
        "width": width,
        "height": height,
        "html": f'<iframe src="{escape(src)}" width="{width}" height="{height}" '
        f'style="border:0" loading="lazy" title="{escape(view.product)}"></iframe>',
        "cache_age": current_app.config["PUBLIC_MAX_AGE"],
        # Beyond oEmbed 1.0 (extra keys are allowed): the status and its reason, in the reader's language.
        "status": view.state,
        "status_reason": view.status_reason,
        "status_text": view.status_text[public_text.language()],
    }
    return public_headers(current_app.response_class(json.dumps(body), mimetype="application/json"), view)


def _view_for_url(url: str) -> PublicView | None:
    if not url.startswith(_base() + "/"):
        return None
    path = urlsplit(url).path
    if path.startswith("/v/") and codes.is_code(path[3:]):
        record = verification.find_code(get_session(), path[3:])
    else:
        try:
            link = digital_link.parse(url)
        except digital_link.DigitalLinkError:
            return None
        if link.lot is None:
            return None
        record = verification.find_code_by_link(get_session(), link.gtin, link.lot, link.extensions.get("c"))
    return verification.public_status(get_session(), record.code) if record else None


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public keys that check code signatures offline (RFC 7517 JWK Set)."""
    response = current_app.response_class(json.dumps(key_ring().jwks()), mimetype="application/jwk-set+json")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/.well-known/halal-trace/checkpoint")
def journal_checkpoint() -> Response:
    """The journal's newest signed checkpoint (C2SP tlog-checkpoint signed note): save it to witness the log."""
    newest = journal.newest_checkpoint(get_session())
    if newest is None:
        raise NotFoundError("No checkpoint has been signed yet.")
    response = current_app.response_class(newest.note, mimetype="text/plain")
    response.set_etag(f"{newest.size}-{newest.root}")
    response.cache_control.public = True
    response.cache_control.max_age = 0
    response.cache_control.must_revalidate = True
    response.make_conditional(request)
    return response


@bp.get("/.well-known/halal-trace/checkpoints")
def journal_checkpoints() -> Response:
    """Kept checkpoints above size ``after`` (oldest first, at most 100) and the log's verifier keys: what a witness
    fetches to check the log only grew (with ``/api/v1/journal/proofs/consistency``) and to cosign."""
    after = request.args.get("after", "0")
    if not guards.is_number(after):
        raise InvalidInputError("after is a tree size: a whole number.", errors={"after": ["Not a whole number."]})
    keys = journal_keys()
    body = {
        "origin": keys.origin,
        "verifier_keys": [checkpoints.verifier_key(keys.origin, key) for key in keys.public],
        "checkpoints": [
            {"size": c.size, "root": c.root, "note": c.note, "created_at": c.created_at.isoformat()}
            for c in journal.history(get_session(), after=int(after))
        ],
    }
    return current_app.response_class(json.dumps(body), mimetype="application/json")


@bp.get("/.well-known/gs1resolver")
def gs1resolver() -> Response:
    """The resolver description file (GS1 Resolver standard)."""
    body = {
        "name": "halal-trace verification resolver",
        "resolverRoot": _base(),
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeAll": False,
        "supportsLanguageVariants": True,
        "supportsSemanticInterpretation": False,
        "validatesAIcombinations": True,
        "activeLinkTypes": {
            "en": {lt: {"title": lt.removeprefix("gs1:"), "url": GS1 + lt.removeprefix("gs1:")} for lt in LINK_TYPES}
        },
        "defaultLinkType": "gs1:pip",
        "jwks_uri": f"{_base()}/.well-known/jwks.json",
    }
    return current_app.response_class(json.dumps(body), mimetype="application/json")
