"""The public surface of a code: consumer page and GS1 resolver, badge, embed card, oEmbed, keys.

No login, no outside network: the pages carry their own CSS and no scripts. Every answer about a code comes from
its stored public answer (``verification.stored_answer``): a signature on the URL is checked before any database
read, ``/v/<code>``, the badge, embed and oEmbed then read one indexed row, and a client's matching ETag is answered
304 before any body is built. Public templates render from their own context (no context processor reads the login
session), so one answer serves every visitor and an edge cache may keep it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import escape
from werkzeug.wrappers import Response as BaseResponse

from api import guards, public_text
from api.db import get_session, read_connection
from api.errors import problem
from api.kept import Kept
from api.programmes import note_listing_request
from api.signing import check_online, journal_keys, key_ring, public_answer, representation_tag, signed_code
from qr import codes, digital_link
from traceability import checkpoints, dates
from traceability.errors import InvalidInputError, NotFoundError
from traceability.rules import status
from traceability.service import journal, resolution, verification
from traceability.service.resolution import Level, Resolved
from traceability.service.verification import PublicView, StoredAnswer

bp = Blueprint("public", __name__)

GS1 = "https://gs1.org/voc/"  # the namespace of link types in linksets, as GS1's own resolver writes them
#: The namespace of the GS1 Web Vocabulary today (``gs1:``); the older forms are declared equivalent.
VOCABULARY = "https://ref.gs1.org/voc/"
_NAMESPACES = tuple(
    f"{scheme}://{host}/voc/" for scheme in ("https", "http") for host in ("ref.gs1.org", "gs1.org", "www.gs1.org")
)
LINKSET = "application/linkset+json"
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
LINK_TYPES = ("gs1:pip", "gs1:certificationInfo", "gs1:traceability", "gs1:hasRetailers")
#: Query parameters the resolver reads itself (GS1 Digital Link 4.10.1): not passed on when it redirects.
_OWN_PARAMETERS = frozenset({"linkType", "linktype", "context"})
#: The endpoints that answer as a GS1 resolver: CORS open, as GS1 resolver 2.2 requires.
RESOLVER_ENDPOINTS = frozenset(
    {
        "public.digital_link_path",
        "public.compressed_link",
        "public.consumer",
        "public.lot_page",
        "public.product_page",
        "public.gs1resolver",
    }
)
#: The badge's colours; the pages take the same ones from consumer.css by state.
COLOURS = {
    "verified": "#1b7f3b",
    "pending": "#9a6700",
    "not_halal": "#b42318",
    "revoked": "#57606a",
    "declared": "#1f4e79",
}


#: The request headers a resolver answer (page or linkset, in which language) is chosen by.
RESOLVER_VARY = ("Accept", "Accept-Language")


class _Shown:
    """What a public answer shows: its validator at once, the view itself only when a body is built, and the
    digest of what its batch's pages have in common (:func:`verification.batch_share`)."""

    def __init__(self, tag: str, load: Callable[[], PublicView], text: Callable[[], str], coded: bool) -> None:
        self.tag, self._load, self._text, self.coded = tag, load, text, coded
        self._view: PublicView | None = None

    @classmethod
    def of(cls, found: StoredAnswer | PublicView) -> _Shown:
        if isinstance(found, StoredAnswer):
            return cls(found.etag, found.view, found.text, True)
        return cls(found.digest(), lambda: found, found.as_json, bool(found.code))

    @property
    def view(self) -> PublicView:
        if self._view is None:
            self._view = self._load()
        return self._view

    def batch_share(self) -> tuple[str, dict[str, Any]]:
        """What the batch's pages share (:func:`verification.batch_share`), and whether this is a code's answer (a
        lot's page, of the same batch, says something else), with the code's own values."""
        digest, own = verification.batch_share(self._text())
        return f"{digest}:{'code' if self.coded else 'lot'}", own


def _render(name: str, **context: Any) -> str:
    """A public template rendered from its own context alone: no context processor runs, so nothing reads the
    login session or the user (an answer alike for everyone, without ``Vary: Cookie``, that an edge may keep)."""
    return current_app.jinja_env.get_template(name).render(**context)


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def _at_public_address() -> bool:
    """Whether this request came in under the public address's scheme and host (through the trusted proxy)."""
    public = urlsplit(_base())
    return request.scheme == public.scheme and request.host.lower() == public.netloc.lower()


def _level_page(gtin: str, lot: str | None) -> str:
    """The consumer page of a lot (or of the product), for a Digital Link that names no code."""
    page = f"{_base()}/v/01/{gtin}"
    return page if lot is None else f"{page}/10/{digital_link.escape(lot)}"


def _links(view: PublicView, page: str, level: Level = Level.CODE) -> dict[str, list[dict[str, Any]]]:
    """The links at one level, by GS1 link type; an absent type has no entry (and answers 404).

    `page` is the consumer page of that level, which is also the default link (the consumer page stays the
    default, DESIGN section 7). Only a code's links name the code.
    """
    html = {"type": "text/html", "hreflang": ["id", "en"]}
    links: dict[str, list[dict[str, Any]]] = {
        "gs1:defaultLink": [{"href": page, "title": view.product, **html}],
        "gs1:pip": [{"href": page, "title": view.product, **html}],
    }
    if level is not Level.PRODUCT:
        links["gs1:traceability"] = [{"href": page + "#ingredients", "title": "Ingredients and origins", **html}]
    certified = view.product_certificate is not None or any(i.certificate for i in view.ingredients)
    if certified and level is Level.CODE:
        links["gs1:certificationInfo"] = [
            {
                "href": f"{_base()}/api/v1/verify/{view.code}",
                "title": "Certificates and status",
                "type": "application/json",
            }
        ]
    elif certified:
        links["gs1:certificationInfo"] = [{"href": page + "#certificates", "title": "Certificates and status", **html}]
    return links  # gs1:hasRetailers: no marketplace listing is recorded for a code, so it stays absent


def link_type(raw: str | None) -> str | None:
    """A requested ``linkType`` as a CURIE: ``gs1:pip`` written as a full URI in any of the vocabulary's
    namespaces is ``gs1:pip``; ``linkset`` (or the deprecated ``all``) asks for the linkset."""
    if not raw:
        return None
    for namespace in _NAMESPACES:
        if raw.startswith(namespace):
            raw = "gs1:" + raw.removeprefix(namespace)
            break
    return "linkset" if raw in ("linkset", "all", "gs1:linkset") else raw


def _with_parameter(url: str, parameter: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{parameter}"


def _add_link(response: BaseResponse, value: str) -> None:
    """Add a link to the response's one ``Link`` header: clients that keep one value per header name (GS1's
    resolver test suite among them) would see only the last of several ``Link`` headers."""
    present = response.headers.get("Link")
    response.headers["Link"] = f"{present}, {value}" if present else value


def _linkset_link(anchor: str) -> str:
    return f'<{_with_parameter(anchor, "linkType=linkset")}>; rel="linkset"; type="{LINKSET}"'


def _resolver_headers(response: BaseResponse, anchor: str) -> BaseResponse:
    """What every resolver answer carries: where its linkset is, and that it varies with Accept."""
    _add_link(response, _linkset_link(anchor))
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response


Links = Callable[[], dict[str, list[dict[str, Any]]]]


def _linkset(shown: _Shown, links: Links, anchor: str) -> BaseResponse:
    """The linkset (RFC 9264, in the shape GS1's linkset schema requires): an item description and every link."""

    def build() -> Response:
        view = shown.view
        # Only itemDescription: GS1's published linkset schema reads any other key, "description" included, as a
        # link relation whose value must be a list of links.
        entry: dict[str, Any] = {"anchor": anchor, "itemDescription": view.product}
        for name, targets in links().items():
            entry[GS1 + name.removeprefix("gs1:")] = targets
        return current_app.response_class(json.dumps({"linkset": [entry]}), mimetype=LINKSET)

    response = public_answer(representation_tag(shown.tag, "linkset", anchor), RESOLVER_VARY, build)
    _add_link(response, f'<{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"')
    return _resolver_headers(response, anchor)


def _passed_on(target: str) -> str:
    """`target` with the request's query string, less the resolver's own parameters (GS1 resolver 2.12)."""
    raw = request.query_string.decode("ascii", "replace")
    kept = "&".join(p for p in raw.split("&") if p and p.partition("=")[0] not in _OWN_PARAMETERS)
    if not kept:
        return target
    base, hash_, fragment = target.partition("#")
    return _with_parameter(base, kept) + hash_ + fragment


def _wants_linkset() -> bool:
    accept = request.accept_mimetypes
    best = accept.best_match([LINKSET, "application/json", "text/html"])
    return best in (LINKSET, "application/json") and accept[best] > accept["text/html"]


def _resolve(
    shown: _Shown,
    anchor: str,
    links: Links,
    page: Callable[[], Response] | None = None,
) -> ResponseReturnValue:
    """GS1 resolver behaviour: ``linkType`` (or, without one, the default link) redirects with 307, an absent
    link type is 404, a linkset on request; `page` answers a plain request where this URL is the default link."""
    wanted = link_type(request.args.get("linkType") or request.args.get("linktype"))
    if wanted == "linkset" or (wanted is None and _wants_linkset()):
        return _linkset(shown, links, anchor)
    if wanted is None:
        if page is not None:
            return _resolver_headers(page(), anchor)
        wanted = "gs1:defaultLink"
    targets = links().get(wanted)
    if not targets:
        missing = problem(404, "Not Found", f"This item has no link of type {wanted}.")
        return _resolver_headers(missing, anchor)
    target = _passed_on(targets[0]["href"])
    if not _at_public_address() and target.startswith(_base() + "/"):
        # Reached under another name (a test server, a second domain): our own pages by path (RFC 9110 allows a
        # relative Location), so the visitor stays where they are.
        target = target.removeprefix(_base())
    # At the public address, the very URL the linkset names for this link type (a client compares the two).
    response = redirect(target, code=307)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_MAX_AGE"]
    return _resolver_headers(response, anchor)


#: What a query value keeps unescaped: what werkzeug's ``url_for`` keeps (the WHATWG URL standard's set).
URL_SAFE = "!$'()*,/:;?@"

#: What a cached page holds in place of its code's own values, filled in as each code's page is served: alphanumeric
#: (no escaping changes them) and drawn per process, so no product name can contain one.
_SLOTS = {name: f"slot{secrets.token_hex(8)}{name}" for name in ("code", "url", "page", "oembed")}


def _page(shown: _Shown, page_url: str | None = None, template: str = "consumer.html") -> Response:
    """The consumer page (or the product level's page) in the reader's language; 304 if the client has it.

    The page of a batch is drawn once per language and shared by all its codes (a batch may carry a million):
    it is drawn with slots for the code's own values (:data:`verification.PER_CODE_FIELDS`, its address) and
    kept by the batch's digest; serving fills the slots in.
    """
    lang = public_text.language()

    def build() -> Response:
        pages: Kept[tuple[str, str, str], str] = current_app.extensions.setdefault("public_pages", Kept(1024))
        shared, own = shown.batch_share()
        key = (template, lang, shared)
        drawn = pages.get(key)
        if drawn is None:
            slotted = dataclasses.replace(
                shown.view, code=own["code"] and _SLOTS["code"], url=_SLOTS["url"], issued_at=None, revoked_at=None
            )
            drawn = draw(template, lang, slotted, _SLOTS["page"], _SLOTS["oembed"])
            pages.put(key, drawn)
        address = page_url or codes.short_url(_base(), own["code"])
        filled = {"code": own["code"], "url": own["url"], "page": address, "oembed": oembed_link(own["code"], address)}
        for name, slot in _SLOTS.items():
            drawn = drawn.replace(slot, str(escape(filled[name] or "")))
        return current_app.response_class(drawn, mimetype="text/html")

    tag = representation_tag(shown.tag, template, lang, page_url or "")
    response = public_answer(tag, RESOLVER_VARY, build)
    response.content_language.add(lang)
    return response


def oembed_link(code: str | None, page_url: str) -> str:
    """Where a code's page says its oEmbed answer is (a lot or product page has none): the query written as
    ``url_for`` writes it, after a path found once per mount point."""
    if not code:
        return ""
    paths: Kept[str, str] = current_app.extensions.setdefault("oembed_paths", Kept(8))
    path = paths.get(request.script_root)
    if path is None:
        path = url_for("public.oembed")
        paths.put(request.script_root, path)
    return f"{path}?{urlencode({'url': page_url}, safe=URL_SAFE)}"


def draw(template: str, lang: str, view: PublicView, page_url: str, oembed_url: str) -> str:
    """A public page of `view` in `lang` (:func:`_page` draws it with slots for the code's own values)."""
    return _render(
        template,
        view=view,
        t=public_text.TEXT[lang],
        lang=lang,
        vouched=lambda certificate: public_text.confirmation_words(certificate, lang),
        day=lambda value: dates.day(value, lang),
        moment=lambda value: dates.moment(value, view.city, lang),
        other="en" if lang == "id" else "id",
        page_url=page_url,
        oembed_url=oembed_url,
    )


def _refused(exc: InvalidInputError) -> Response:
    lang = public_text.language()
    html = _render("not_genuine.html", t=public_text.TEXT[lang], lang=lang, detail=exc.message)
    return Response(html, status=400, mimetype="text/html")


def _answer(code: str) -> StoredAnswer:
    """The code's stored public answer: a malformed code costs no query, a well-formed one one indexed row."""
    found = verification.stored_answer(read_connection(), code) if codes.is_code(code) else None
    if found is None:
        raise NotFoundError("No code like that.")
    return found


@bp.get("/v/<code>")
def consumer(code: str) -> ResponseReturnValue:
    """The consumer page of a code (``?s=`` from a printed label is checked first; a forged one is refused)."""
    if "s" in request.args:
        try:
            check_online(request.url, code, field="s")
        except InvalidInputError as exc:
            return _refused(exc)
    shown = _Shown.of(_answer(code))
    page = codes.short_url(_base(), code)
    return _resolve(shown, page, lambda: _links(shown.view, page), lambda: _page(shown))


def _level(gtin: str, lot: str | None) -> Resolved:
    found = resolution.resolve(get_session(), gtin, lot, None)
    if found is None:
        raise NotFoundError("Nothing is known under that GTIN and lot.")
    return found


def _level_answer(found: Resolved) -> ResponseReturnValue:
    """The page of a lot or product level (its own default link), or its links on request."""
    page = _level_page(found.gtin, found.lot)
    anchor = _anchor(found.gtin, found.lot, None)
    shown = _Shown.of(found.view)
    template = "product.html" if found.level is Level.PRODUCT else "consumer.html"
    return _resolve(shown, anchor, lambda: _links(found.view, page, found.level), lambda: _page(shown, page, template))


@bp.get("/v/01/<gtin>")
def product_page(gtin: str) -> ResponseReturnValue:
    """The product level of a Digital Link: name, producer and the product's own certificate claim, no batch."""
    return _level_answer(_level(gtin, None))


@bp.get("/v/01/<gtin>/10/<path:lot>")
def lot_page(gtin: str, lot: str) -> ResponseReturnValue:
    """The lot level of a Digital Link without a code: the batch's status, without any code of its labels."""
    return _level_answer(_level(gtin, lot.rstrip("/")))


MAX_LINK_LENGTH = 1024  # far beyond any GTIN, lot, serial and attributes a label carries
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _check_escapes() -> None:
    """Refuse what the server's own decoding would hide: a malformed ``%`` escape, or an overlong path."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    if len(raw.partition("?")[0]) > MAX_LINK_LENGTH:  # a scanner or marketplace may add a long query
        raise digital_link.DigitalLinkError(f"The path is longer than {MAX_LINK_LENGTH} characters.")
    if _BAD_ESCAPE.search(raw):
        raise digital_link.DigitalLinkError("A '%' must start a percent-escape of two hexadecimal digits.")


def _anchor(gtin: str, lot: str | None, code: str | None) -> str:
    """The Digital Link of a level, as its linkset's anchor: the code's own link names it in ``c``."""
    anchor = f"{_base()}/01/{gtin}"
    if lot is not None:
        anchor += f"/10/{digital_link.escape(lot)}"
    return anchor if code is None else f"{anchor}?c={code}"


def _bad_link(exc: digital_link.DigitalLinkError) -> Response:
    """A 400 for what is no valid Digital Link: a page for a browser, a problem document for anyone else."""
    if guards.wants_page():
        lang = public_text.language()
        html = _render("not_genuine.html", t=public_text.TEXT[lang], lang=lang, key="bad_link", detail=str(exc))
        return Response(html, status=400, mimetype="text/html")
    return problem(400, "Bad Request", f"Not a valid GS1 Digital Link: {exc}", errors={"path": [str(exc)]})


def _answer_link(url: str) -> ResponseReturnValue:
    """Resolve an uncompressed Digital Link (as requested, made canonical) to the nearest level anything is known at."""
    try:
        link = digital_link.parse(url)
    except digital_link.DigitalLinkError as exc:
        return _bad_link(exc)
    code = link.extensions.get("c") if link.lot is not None else None
    if "s" in link.extensions:  # the signature first: a forged label costs no database read
        try:
            signed = signed_code(url, field="s")
            if code is not None and code != signed:
                raise InvalidInputError("The signature belongs to another code.", errors={"s": ["Another code's."]})
        except InvalidInputError as exc:
            return _refused(exc)
    found = resolution.resolve(get_session(), link.gtin, link.lot, code)
    if found is None:
        raise NotFoundError("Nothing is known under that GTIN and lot.")
    if found.level is not Level.CODE:
        page = _level_page(found.gtin, found.lot)
        shown = _Shown.of(found.view)
        return _resolve(shown, _anchor(found.gtin, found.lot, None), lambda: _links(found.view, page, found.level))
    view = found.view
    page = codes.short_url(_base(), view.code)
    return _resolve(_Shown.of(view), _anchor(found.gtin, found.lot, view.code), lambda: _links(view, page))


@bp.get("/01/<path:rest>")
def digital_link_path(rest: str) -> ResponseReturnValue:
    """A GS1 Digital Link: 400 if it is no valid Digital Link, 404 if nothing is known at any level of it.

    ``/01/{gtin}/10/{lot}?c={code}`` is one label's code; without ``c`` the lot; ``/01/{gtin}`` (or a path with
    only a serial or variant) the product. A serial after the lot walks up to the lot.
    """
    try:
        _check_escapes()
    except digital_link.DigitalLinkError as exc:
        return _bad_link(exc)
    return _answer_link(digital_link.as_requested(request.url))


@bp.get("/<packed>")
def compressed_link(packed: str) -> ResponseReturnValue:
    """A compressed GS1 Digital Link (one base64url segment): decompressed, then resolved as the uncompressed one.

    Anything else in one segment that is no route of ours stays a 404, as does a segment that does not decode.
    """
    if not digital_link.is_compressed(packed):
        raise NotFoundError("No page at this address.")
    try:
        _check_escapes()
        url = digital_link.decompress(request.url)
    except digital_link.DigitalLinkError:
        raise NotFoundError("No page at this address.") from None
    return _answer_link(url)


@bp.after_request
def _cors(response: Response) -> Response:
    """GS1 resolver 2.2: a resolver's answers (redirects, linksets, errors, preflights) are open to any origin."""
    if request.endpoint in RESOLVER_ENDPOINTS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language"
        response.headers["Access-Control-Expose-Headers"] = "Link, Location, ETag, Content-Language, Vary"
        if request.method == "OPTIONS" and request.endpoint == "public.digital_link_path":
            # A client probing with OPTIONS (GS1's suite does) learns where the linkset is, as a redirect says.
            _add_link(response, _linkset_link(_base() + request.path.rstrip("/")))
    return response


@bp.get("/badge/<code>.svg")
def badge(code: str) -> Response:
    """A small status badge for a marketplace listing: plain text on colour, no logo of any kind."""
    answer = _answer(code)
    note_listing_request(code)
    lang = public_text.language()

    def build() -> Response:
        view = answer.view()
        # The state and its reason in a few words; a certificate number is left to the page.
        reason = status.reason_text(view.status_reason, {**view.status_detail, "number": None}, lang)
        label = f"{public_text.TEXT[lang][f'state.{view.state}']} · {reason}"
        colour = COLOURS["declared" if view.status_reason == "declared_non_halal" else view.state]
        svg = _render("badge.svg", label=label, colour=colour, width=94 + 7 * len(label))
        return Response(svg, mimetype="image/svg+xml")

    return public_answer(representation_tag(answer.etag, "badge", lang), ("Accept-Language",), build)


@bp.get("/embed/<code>")
def embed(code: str) -> Response:
    """A card for an iframe in a listing: status, product, producer, and a link to the full page."""
    answer = _answer(code)
    lang = public_text.language()

    def build() -> Response:
        html = _render(
            "embed.html", view=answer.view(), t=public_text.TEXT[lang], lang=lang, page=codes.short_url(_base(), code)
        )
        return Response(html, mimetype="text/html")  # frameable: see api.security.FRAMEABLE

    return public_answer(representation_tag(answer.etag, "embed", lang), ("Accept-Language",), build)


@bp.get("/oembed")
def oembed() -> ResponseReturnValue:
    """oEmbed (JSON, type "rich") for a consumer URL of this site: ``/v/{code}`` or a Digital Link."""
    url = request.args.get("url", "")
    if request.args.get("format", "json") != "json":
        return problem(501, "Not Implemented", "Only format=json is offered.", errors={"format": ["Use json."]})
    answer = _answer_for_url(url)
    if answer is None:
        return problem(404, "Not Found", "No code of this site at that URL.", errors={"url": ["Unknown URL."]})
    maxwidth = request.args.get("maxwidth", "360")
    # isdigit() alone takes "²" and other digits int() refuses: only ASCII digits are a width.
    if not (maxwidth.isascii() and maxwidth.isdigit() and len(maxwidth) <= 6):
        message = "maxwidth is a whole number of pixels."
        return problem(400, "Bad Request", message, errors={"maxwidth": ["Not a number."]})
    width = min(int(maxwidth), 360)
    lang = public_text.language()
    tag = representation_tag(answer.etag, "oembed", lang, width, current_app.config["PUBLIC_MAX_AGE"])
    return public_answer(tag, ("Accept-Language",), lambda: _oembed_body(answer.view(), width, lang))


def _oembed_body(view: PublicView, width: int, lang: str) -> Response:
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
        "status_text": view.status_text[lang],
    }
    return current_app.response_class(json.dumps(body), mimetype="application/json")


def _answer_for_url(url: str) -> StoredAnswer | None:
    if not url.startswith(_base() + "/"):
        return None
    path = urlsplit(url).path
    if path.startswith("/v/") and codes.is_code(path[3:]):
        return verification.stored_answer(get_session(), path[3:])
    else:
        try:
            link = digital_link.parse(url)
        except digital_link.DigitalLinkError:
            return None
        if link.lot is None or "c" not in link.extensions:
            return None  # a lot or product level names no code to embed
        record = verification.find_code_by_link(get_session(), link.gtin, link.lot, link.extensions["c"])
    return verification.stored_answer(get_session(), record.code) if record else None


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
    """The resolver description file, with GS1-Conformant Resolver 1.2 field names."""
    body = {
        "name": "halal-trace verification resolver",
        "resolverRoot": _base(),
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": VOCABULARY, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "jsonLdContextLocation": LINKSET_CONTEXT,
        "contact": {"fn": "halal-trace"},
    }
    response = current_app.response_class(json.dumps(body), mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
