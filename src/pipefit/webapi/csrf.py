"""Cross-site request forgery: a request that changes something and authenticates with
the session cookie must carry the session's synchronizer token, in the form field
`csrf_token` (plain forms) or the `X-CSRF-Token` header (htmx sends it from the page's
`hx-headers`). Another site can make a browser send the cookie (SameSite=Lax already
stops most of that) but cannot read the token. Bearer-token calls need none: a browser
never adds an Authorization header by itself.

The login form has no session yet; it is checked by origin instead: a browser's Origin
(or Referer) header must name this server, so another site cannot log a victim in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from pipefit.domain.access import AccessDenied

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "SAFE_METHODS", "CsrfRefused", "same_origin", "submitted"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfRefused(AccessDenied):
    """A change sent with the session cookie but without this session's token."""


REFUSED = (
    "this form is out of date or was sent from another site: reload the page and send it again"
)


async def submitted(request: Request) -> str | None:
    """The token a state-changing request carries (None for a safe method or none sent).
    The form is read once here; Starlette keeps it for the route's own form fields."""
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def same_origin(request: Request) -> bool:
    """Whether the browser says the request comes from a page of this server (a client
    that sends neither Origin nor Referer, such as a script, is let through)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source == "null":  # an opaque origin: a sandboxed frame, a file
        return False
    if not source:
        return True
    parts = urlsplit(source)
    return parts.netloc == request.headers.get("host", request.url.netloc)
