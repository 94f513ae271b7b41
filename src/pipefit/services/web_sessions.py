"""Logging in and out of the web pages: a password checked with the users' hasher, a
server-side session (revocable, with its CSRF token), failed logins slowed down per email
and per client (`domain.web_sessions.Throttle`), and every login, refusal and logout in
the audit log."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from pipefit.domain.clock import Clock, utc_now
from pipefit.domain.errors import PipefitError
from pipefit.domain.users import AuditEntry, User
from pipefit.domain.web_sessions import (
    DEFAULT_THROTTLE,
    MAX_KEY,
    SESSION_LIFETIME,
    Throttle,
    WebSession,
    client_key,
    email_key,
)
from pipefit.services.ports.accounts import AccountsUnitOfWork, PasswordHasher
from pipefit.services.users import NotAuthenticated

__all__ = [
    "LoginThrottled",
    "OpenedSession",
    "csrf_matches",
    "log_in",
    "log_out",
    "revoke_sessions",
    "session_login",
]

MAX_TYPED = 254


class LoginThrottled(PipefitError):
    """Too many failed logins lately: the next try must wait `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, field="login")
        self.retry_after = retry_after


@dataclass(frozen=True)
class OpenedSession:
    secret: str  # for the cookie; only its hash is kept
    session: WebSession
    user: User


def _hash(secret: str) -> str:
    # 256 random bits: a plain SHA-256 is enough (nothing to slow a guess of).
    return hashlib.sha256(secret.encode()).hexdigest()


def _seconds(wait_seconds: float) -> int:
    return max(1, math.ceil(wait_seconds))


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


_WRONG = "the email or password is wrong"


def log_in(
    accounts: AccountsUnitOfWork,
    hasher: PasswordHasher,
    email: str,
    password: str,
    *,
    client: str | None,
    throttle: Throttle = DEFAULT_THROTTLE,
    lifetime: timedelta = SESSION_LIFETIME,
    clock: Clock = utc_now,
) -> OpenedSession:
    """A new session for the login whose password this is. Refused alike for an unknown
    email, a wrong password, a disabled login or one without a password, so the answer
    tells no one which logins exist; refused before the password is even checked while
    the email or the client must still wait."""
    typed = email.strip().lower()[:MAX_TYPED]
    keys = (email_key(typed), client_key(client))
    now = clock()
    with accounts:
        counts = [accounts.login_failures.get(k) for k in keys]
    waits = (
        throttle.wait(counts[0], throttle.free_per_email, now),
        throttle.wait(counts[1], throttle.free_per_client, now),
    )
    longest = max(waits)
    if longest.total_seconds() > 0:
        after = _seconds(longest.total_seconds())
        whose = "this email" if waits[0] >= waits[1] else "this address"
        raise LoginThrottled(
            f"too many failed logins for {whose}: try again in {_in_words(after)}",
            retry_after=after,
        )
    with accounts:
        user = accounts.users.get(typed)
    encoded = user.password_hash if user is not None else None
    if encoded is not None:
        right = hasher.verify(encoded, password)
    else:
        hasher.hash(password)  # the same work as a check, so timing tells nothing either
        right = False
    if user is None or user.disabled or not right:
        with accounts:
            for key in keys:
                accounts.login_failures.record(key, now, forget_before=now - throttle.forget_after)
            accounts.audit.append(
                AuditEntry(typed or "(no email)", now, "session.refused", typed[:MAX_KEY],
                           None, {"client": client})
            )  # fmt: skip
            accounts.commit()
        raise NotAuthenticated(_WRONG, field="login")
    secret = secrets.token_urlsafe(32)
    session = WebSession(
        _hash(secret), user.email, secrets.token_urlsafe(32), now,
        now + lifetime, client,
    )  # fmt: skip
    with accounts:
        accounts.sessions.add(session)
        accounts.login_failures.clear(keys[0])
        accounts.audit.append(
            AuditEntry(user.email, now, "session.login", user.email, None,
                       {"client": client, "expires_at": session.expires_at.isoformat()})
        )  # fmt: skip
        accounts.commit()
    return OpenedSession(secret, session, user)


_EXPIRED = "your session has ended: log in again"


def session_login(
    accounts: AccountsUnitOfWork, secret: str, *, clock: Clock = utc_now
) -> tuple[User, WebSession]:
    """Whose session this cookie opens; refused alike if unknown, ended, revoked or its
    login disabled."""
    with accounts:
        session = accounts.sessions.get(_hash(secret))
        user = accounts.users.get(session.email) if session is not None else None
    if session is None or user is None or user.disabled or not session.active(clock()):
        raise NotAuthenticated(_EXPIRED, field="login")
    return user, session


def csrf_matches(session: WebSession, submitted: str | None) -> bool:
    return submitted is not None and hmac.compare_digest(
        session.csrf_token.encode(), submitted.encode()
    )


def log_out(accounts: AccountsUnitOfWork, secret: str, *, clock: Clock = utc_now) -> None:
    """End the session on the server (the cookie it came in is then worth nothing)."""
    now = clock()
    with accounts:
        session = accounts.sessions.get(_hash(secret))
        if session is None or session.revoked_at is not None:
            return
        accounts.sessions.revoke(session.session_id, now)
        accounts.audit.append(
            AuditEntry(session.email, now, "session.logout", session.email,
                       {"client": session.client}, None)
        )  # fmt: skip
        accounts.commit()


def revoke_sessions(
    accounts: AccountsUnitOfWork, email: str, *, actor: str, clock: Clock = utc_now
) -> int:
    """End every session of a login (an admin's, e.g. a laptop lost); how many were open."""
    now = clock()
    address = email.strip().lower()
    with accounts:
        ended = accounts.sessions.revoke_all(address, now)
        if ended:
            accounts.audit.append(
                AuditEntry(actor, now, "session.revoke", address, None, {"sessions": ended})
            )
        accounts.commit()
    return ended
