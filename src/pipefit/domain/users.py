"""Who logs in: users with one role each, linked to a person of the data, and their API
tokens (scoped, revocable). Pure rules: emails normalised and checked, roles and scopes
named; hashing and storage are the adapters' business."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pipefit.domain.errors import PipefitError

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Scope",
    "User",
    "UserRole",
    "check_password",
    "check_role",
    "check_scope",
    "normalise_email",
]


class UserRole(StrEnum):
    """What a login may do (issue 11); the person it is linked to decides whose rows."""

    ADMIN = "admin"
    REVOPS = "revops"
    COMP_ADMIN = "comp_admin"
    MANAGER = "manager"
    SALES_REP = "sales_rep"
    PRESALES = "presales"


# Roles whose rows come from the person they stand for: without one they would see nothing.
PERSONAL_ROLES = frozenset({UserRole.MANAGER, UserRole.SALES_REP, UserRole.PRESALES})


class Scope(StrEnum):
    """What a token may do: read only, or read and change."""

    READ = "read"
    WRITE = "write"


MAX_EMAIL = 254  # RFC 5321's limit on a forward path
# One @, something before it, a dotted domain after it, no spaces: what a login needs.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; a megabyte of "password" is a mistake


def normalise_email(value: str) -> str:
    """An email as a login: spaces around it dropped, lower case; a malformed one refused."""
    email = value.strip().lower()
    if not email:
        raise PipefitError("an email is needed to name a user", field="user.email")
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise PipefitError(
            f"'{email[:60]}' is not an email address (name@example.com)", field="user.email"
        )
    return email


def check_role(value: str) -> UserRole:
    try:
        return UserRole(value.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in UserRole)
        raise PipefitError(f"no role '{value}'; the roles are {roles}", field="user.role") from None


def check_scope(value: str) -> Scope:
    try:
        return Scope(value.strip().lower())
    except ValueError:
        scopes = ", ".join(s.value for s in Scope)
        raise PipefitError(
            f"no token scope '{value}'; the scopes are {scopes}", field="token.scope"
        ) from None


def check_password(password: str) -> str:
    """A password long enough to resist guessing (length beats character rules)."""
    if len(password) < MIN_PASSWORD:
        raise PipefitError(
            f"a password needs at least {MIN_PASSWORD} characters; got {len(password)}",
            field="user.password",
        )
    if len(password) > MAX_PASSWORD:
        raise PipefitError(
            f"a password has at most {MAX_PASSWORD} characters", field="user.password"
        )
    return password


@dataclass(frozen=True)
class User:
    email: str
    role: UserRole
    person_id: str | None
    created_at: datetime
    password_hash: str | None = None  # argon2's encoded hash; None: token access only
    disabled: bool = False


@dataclass(frozen=True)
class ApiToken:
    """A token as kept: its public id, whose, what it may do; only its hash is stored."""

    token_id: str
    email: str
    scope: Scope
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class AuditEntry:
    """One change: who, when, what (an action on a record), before and after (JSON-able)."""

    actor: str
    at: datetime
    action: str
    target: str
    before: dict[str, object] | None = None
    after: dict[str, object] | None = None
