"""The session cookie of the web pages: its name and how it is set.

The cookie holds the session's secret (the server keeps only its hash, `services.web_sessions`).
It is HttpOnly (no script reads it), SameSite=Lax (not sent with another site's
form posts or scripted requests) and Secure (sent over HTTPS only). Secure is the default;
`PIPEFIT_SECURE_COOKIES=false` turns it off for plain http, which is for one case: a server
on this machine's loopback address with no TLS in front (the browser tests, a demo). Over
any network, serve through HTTPS (a TLS-terminating proxy) and keep the default: a cookie
sent over plain http can be read by anyone on the path.
"""

from __future__ import annotations

import os

from fastapi import Request, Response

from pipefit.domain.web_sessions import SESSION_LIFETIME

__all__ = [
    "FLASH_COOKIE",
    "SESSION_COOKIE",
    "clear_session_cookie",
    "secure_cookies_from_environment",
    "set_session_cookie",
]

SESSION_COOKIE = "pipefit_session"
FLASH_COOKIE = "pipefit_flash"
SECURE_VARIABLE = "PIPEFIT_SECURE_COOKIES"


def secure_cookies_from_environment() -> bool:
    """True unless PIPEFIT_SECURE_COOKIES says false (0, no, off)."""
    value = os.environ.get(SECURE_VARIABLE, "").strip().lower()
    return value not in ("0", "false", "no", "off")


def _secure(request: Request) -> bool:
    return bool(getattr(request.app.state, "secure_cookies", True))


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax"
    )


def set_flash(request: Request, response: Response, message: str) -> None:
    """A one-line message for the next page (read and cleared by it)."""
    response.set_cookie(
        FLASH_COOKIE, message[:300], path="/", secure=_secure(request), httponly=True,
        samesite="lax",
    )  # fmt: skip
