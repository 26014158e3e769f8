"""Who is calling: a bearer token (API) or a login session (web), turned into an :class:`Actor`."""

from __future__ import annotations

import datetime as dt
import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import CSRFProtect, FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from api.db import get_session
from models import User
from traceability.errors import AuthenticationError, TraceabilityError
from traceability.service import accounts
from traceability.service.access import Actor, actor_for
from traceability.vocabulary import Role

bp = Blueprint("auth", __name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
login_manager = LoginManager()
csrf = CSRFProtect()


class SessionUser(UserMixin):  # type: ignore[misc]  # Flask-Login ships no type hints
    """What Flask-Login keeps in the session: only the user id."""

    def __init__(self, user_id: int) -> None:
        self.id = user_id


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    # Every request with a session cookie, web or API: a session opened before the user's last logout or
    # password change carries an older version and is no session at all.
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or session.get(_VERSION) != user.session_version:
        return None
    return SessionUser(user.id)


_VERSION = "session_version"


def keep_session(user_id: int | None) -> None:
    """Carry the user's current session version in this session (after login, or after their own password change)."""
    user = get_session().get(User, user_id) if user_id is not None else None
    if user is not None:
        session[_VERSION] = user.session_version


def sign_in(user_id: int) -> None:
    """Start a login session that carries the user's session version, so a logout or password change ends it."""
    login_user(SessionUser(user_id))
    keep_session(user_id)


def current_user_record() -> User | None:
    """The user behind this request, from its bearer token or its login session."""
    if "auth_user" in g:
        user: User | None = g.auth_user
        return user
    user = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("Use 'Authorization: Bearer <token>'.")
        user = accounts.authenticate_token(get_session(), token.strip())
    elif current_user.is_authenticated and (request.method in SAFE_METHODS or not request.path.startswith("/api/")):
        # The API is exempt from CSRF, so a browser session may only read through it.
        user = get_session().get(User, current_user.id)
    g.auth_user = user
    return user


def current_actor(*, required: bool = True) -> Actor | None:
    """The actor for this request; without credentials, a 401 unless `required` is False."""
    if "actor" not in g:
        user = current_user_record()
        g.actor = actor_for(get_session(), user) if user is not None else None
    actor: Actor | None = g.actor
    if actor is None and required:
        raise AuthenticationError("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
    return actor


def require_actor() -> Actor:
    actor = current_actor(required=True)
    assert actor is not None
    return actor


class LoginForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the login form and sign the user in."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.authenticate_password(
                get_session(),
                form.email.data or "",  # never empty once validated (DataRequired)
                form.password.data or "",
                max_failures=int(current_app.config["LOGIN_MAX_FAILURES"]),
                lockout=dt.timedelta(minutes=float(current_app.config["LOGIN_LOCKOUT_MINUTES"])),
            )
        except TraceabilityError as exc:
            error = exc.message
        else:
            session.clear()
            sign_in(user.id)
            target = request.args.get("next")
            return redirect(safe_next(target) if target else _landing(user.role))
    status = 401 if error else 200
    return render_template("login.html", form=form, error=error), status


@bp.post("/logout")
@login_required  # type: ignore[untyped-decorator]  # Flask-Login ships no type hints
def logout() -> ResponseReturnValue:
    """Sign out: this and every other session of the user ends on the server too."""
    accounts.end_sessions(get_session(), int(current_user.id))
    logout_user()
    session.clear()
    flash(_("Signed out."))
    return redirect(url_for("auth.login"))


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site, else the home page.

    An open redirect would let a phishing link borrow our login page. Browsers drop tabs and line breaks
    from URLs and read a backslash as a slash, so "/\t/evil.example" is "//evil.example" to them: any control
    or space character or backslash is refused, then the URL is parsed and kept only if it names no other
    host (an absolute URL to this very host is reduced to its path).
    """
    home: str = url_for("home.index")
    if not target or "\\" in target or any(unicodedata.category(c)[0] in "CZ" for c in target):
        return home
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc) and (parts.scheme not in ("http", "https") or parts.netloc != request.host):
        return home
    path = parts.path
    if not path.startswith("/") or path.startswith("//"):
        return home
    return path + (f"?{parts.query}" if parts.query else "")


#: Where each role lands after signing in: its own page.
LANDING = {
    Role.PRODUCER: "web.producer",
    Role.PENDAMPING: "web.pendamping",
    Role.AUDITOR: "web.auditor",
    Role.ADMIN: "web.admin",
    Role.COORDINATOR: "coordinator.dashboard_page",
}


def _landing(role: Role) -> str:
    return url_for(LANDING[role]) if role in LANDING else url_for("home.index")


def init_app(app: Flask) -> None:
    """Keep login sessions and check CSRF tokens; the factory registers :data:`bp` and exempts the API."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
