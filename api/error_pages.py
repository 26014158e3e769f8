"""The page a person gets for an error, in their language; the JSON API answers problem+json instead.

Both the people's pages and the login form's rate limit show it, so its words live here, beside neither.
"""

from __future__ import annotations

from flask import render_template


def N_(message: str) -> str:
    """Mark a message for the catalogue; it is translated where it is shown."""
    return message


ERROR_TEXT = {
    400: N_("The form was not accepted; reload the page and try again."),
    403: N_("Your role cannot open this page."),
    404: N_("There is nothing here, or it is not yours to see."),
    405: N_("This page cannot be opened that way. Go back and use its buttons."),
    409: N_("Someone changed this at the same time. Reload the page and try again."),
    422: N_("Some of what was sent could not be used. Go back, check the form and try again."),
    500: N_("Something went wrong on our side; nothing was saved. Try again in a moment."),
    413: N_("What you sent is too large. Send a smaller file or shorter text."),
    415: N_("This kind of file or form is not accepted here."),
    429: N_("Too many sign-in attempts from this address. Wait a minute, then try again."),
}


def error_page(code: int, fallback: str) -> str:
    """The error page for status `code`: its words from :data:`ERROR_TEXT`, else `fallback`."""
    return render_template("error.html", code=code, description=ERROR_TEXT.get(code, fallback))
