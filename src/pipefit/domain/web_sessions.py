"""Web sessions and the slowing of password guessing: pure rules (how long a session
lives, how long a login must wait after failures); keeping them is the store's business.

A session is known to the server by the SHA-256 of its secret (the cookie holds the
secret): a stolen copy of the table opens no session, and revoking one is deleting its
right to be used, server-side, whatever the browser still holds.

Failed logins are counted per email and per client address. Below `free` failures a
login is checked at once; from then on each further try must wait `base_delay` doubled
per failure past `free`, at most `max_delay`; failures are forgotten `forget_after` the
last one, and a successful login forgets its email's (not its client's) failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "DEFAULT_THROTTLE",
    "SESSION_LIFETIME",
    "FailureCount",
    "Throttle",
    "WebSession",
    "client_key",
    "email_key",
]

SESSION_LIFETIME = timedelta(hours=12)  # a working day; then log in again


@dataclass(frozen=True)
class WebSession:
    session_id: str  # SHA-256 of the cookie's secret, in hex
    email: str
    csrf_token: str  # the synchronizer token every form and htmx request of it sends back
    created_at: datetime
    expires_at: datetime
    client: str | None = None
    revoked_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class FailureCount:
    key: str
    failures: int
    last_failed_at: datetime


@dataclass(frozen=True)
class Throttle:
    """How failed logins slow the next ones (see the module's docstring)."""

    free_per_email: int = 5
    free_per_client: int = 20  # an office behind one address shares it
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=1)

    def wait(self, count: FailureCount | None, free: int, now: datetime) -> timedelta:
        """How long before the next try may be checked (zero: now)."""
        if count is None or now - count.last_failed_at >= self.forget_after:
            return timedelta(0)
        if count.failures < free:
            return timedelta(0)
        doublings = min(count.failures - free, 30)  # 2**30 x 30 s is past any cap
        delay: timedelta = min(self.base_delay * (2**doublings), self.max_delay)
        left: timedelta = count.last_failed_at + delay - now
        return max(left, timedelta(0))


DEFAULT_THROTTLE = Throttle()

MAX_KEY = 300


def email_key(email: str) -> str:
    """The counter of an email as typed (lower case, trimmed): unknown emails are counted
    alike, so the delay tells nothing about which logins exist."""
    return ("email:" + email.strip().lower())[:MAX_KEY]


def client_key(client: str | None) -> str:
    return ("client:" + (client or "unknown"))[:MAX_KEY]
