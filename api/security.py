"""Security headers on every response, cookie flags, and trust in a reverse proxy's X-Forwarded-* headers.

The pages carry no inline script and no inline style (scripts and styles are files under ``static/``;
colours by state are classes), so the Content-Security-Policy needs no ``'unsafe-inline'`` at all.
The one page others may frame is the embed card (``/embed/<code>``), which marketplaces put in an iframe.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

#: Everything from this origin only; no plugins, no <base> rewriting, forms post back here.
POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: Endpoints other sites may put in a frame: the embed card for marketplace listings.
FRAMEABLE = frozenset({"public.embed"})
HSTS = "max-age=31536000; includeSubDomains"
#: Powerful features no page here uses; off, for the pages and anything that might get injected.
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"


def content_security_policy(*, frameable: bool = False) -> str:
    """The policy header value; `frameable` lets any site frame the page."""
    policy = dict(POLICY, **({"frame-ancestors": "*"} if frameable else {}))
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def set_headers(response: Response) -> Response:
    """Put the security headers on `response` (an after-request hook, so errors get them too)."""
    frameable = request.endpoint in FRAMEABLE
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(frameable=frameable)
    if frameable:
        headers.pop("X-Frame-Options", None)
    else:
        headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Permissions-Policy"] = PERMISSIONS
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    # Only over https (as seen through a trusted proxy): on plain http the header is ignored at best.
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    return response


class SharedAnswerSessions(SecureCookieSessionInterface):
    """Login sessions in a signed cookie, with no ``Vary: Cookie`` on a public answer alike for everyone.

    Flask-Login looks into the session after every request, which Flask answers with ``Vary: Cookie``; a public
    answer (``g.shared_answer``, set by :func:`api.signing.public_answer`) is built without the session, so an
    edge cache may keep one copy for every visitor. A session that was changed is still saved.
    """

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if g.get("shared_answer") and not session.modified:
            session.accessed = False
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Trust ``TRUSTED_PROXIES`` reverse proxies (0: none) and add the headers to every response."""
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies < 0:
        raise ValueError("HALAL_TRACE_TRUSTED_PROXIES is a number of proxies, 0 or more.")
    if proxies:
        # The client address (for rate limits), the scheme (for HSTS and Secure cookies) and the host
        # come from the last `proxies` X-Forwarded-* values; anyone could forge them without a proxy.
        # Replacing wsgi_app is Flask's documented way to add middleware, which mypy reads as a method assignment.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    app.after_request(set_headers)
    app.session_interface = SharedAnswerSessions()
