"""User use cases: add a login for a person, list, disable, reset a password, issue and
revoke API tokens, and tell who a token belongs to. Every change is written to the audit
log in the same transaction as the change itself."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from typing import Any

from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.clock import Clock, utc_now
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.users import (
    PERSONAL_ROLES,
    ApiToken,
    AuditEntry,
    Scope,
    User,
    check_password,
    check_role,
    check_scope,
    normalise_email,
)
from pipefit.services.ports.accounts import AccountsUnitOfWork, PasswordHasher
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "IssuedToken",
    "NotAuthenticated",
    "add_user",
    "audit_entries",
    "authenticate_token",
    "disable_user",
    "issue_token",
    "list_users",
    "reset_password",
    "revoke_token",
    "user_tokens",
]

TOKEN_PREFIX = "pf"


class NotAuthenticated(PipefitError):
    """No valid credentials: an unknown, revoked or malformed token, or a disabled user."""


def user_record(user: User) -> dict[str, Any]:
    """A user as the audit log keeps it (never the password hash)."""
    return {
        "email": user.email,
        "role": str(user.role),
        "person_id": user.person_id,
        "disabled": user.disabled,
        "has_password": user.password_hash is not None,
    }


def _token_hash(secret: str) -> str:
    # Tokens are 256 random bits: a plain SHA-256 is enough (no guessing to slow down).
    return hashlib.sha256(secret.encode()).hexdigest()


def _user(accounts: AccountsUnitOfWork, email: str) -> User:
    user = accounts.users.get(email)
    if user is None:
        raise NotFound(f"no user '{email}'", field="user.email")
    return user


def add_user(
    accounts: AccountsUnitOfWork,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    email: str,
    role: str,
    *,
    person_id: str | None = None,
    password: str | None = None,
    actor: str,
    clock: Clock = utc_now,
) -> User:
    """A new login. A manager, rep or presales login must stand for a person of the data
    (their rows are decided by it); a person id that matches no person is refused."""
    address = normalise_email(email)
    chosen = check_role(role)
    person = person_id.strip() if person_id is not None and person_id.strip() else None
    if person is None and chosen in PERSONAL_ROLES:
        raise PipefitError(
            f"a {chosen} login sees the rows of the person it stands for: name that person",
            field="user.person",
        )
    if person is not None:
        with uow:
            known = {p.person_id for p in uow.pay.people()}
        if person not in known:
            raise NotFound(f"no person '{person}' in the workspace's data", field="user.person")
    encoded = hasher.hash(check_password(password)) if password is not None else None
    user = User(address, chosen, person, clock(), password_hash=encoded)
    with accounts:
        if accounts.users.get(address) is not None:
            raise PipefitError(f"a user '{address}' already exists", field="user.email")
        accounts.users.add(user)
        accounts.audit.append(
            AuditEntry(actor, user.created_at, "user.add", address, None, user_record(user))
        )
        accounts.commit()
    return user


def list_users(accounts: AccountsUnitOfWork) -> list[User]:
    with accounts:
        return sorted(accounts.users.all(), key=lambda u: u.email)


def disable_user(
    accounts: AccountsUnitOfWork, email: str, *, actor: str, clock: Clock = utc_now
) -> User:
    """A disabled user can no longer log in or use any of their tokens (kept for the log);
    their web sessions end (and stay ended if they are enabled again)."""
    address = normalise_email(email)
    with accounts:
        before = _user(accounts, address)
        after = replace(before, disabled=True)
        now = clock()
        accounts.users.update(after)
        accounts.sessions.revoke_all(address, now)
        accounts.audit.append(
            AuditEntry(actor, now, "user.disable", address, user_record(before), user_record(after))
        )
        accounts.commit()
    return after


def reset_password(
    accounts: AccountsUnitOfWork,
    hasher: PasswordHasher,
    email: str,
    password: str,
    *,
    actor: str,
    clock: Clock = utc_now,
) -> User:
    """A new password; the user is enabled again (resetting is how an admin lets one back).
    Their web sessions end: whoever held one must log in with the new password."""
    address = normalise_email(email)
    encoded = hasher.hash(check_password(password))
    with accounts:
        before = _user(accounts, address)
        after = replace(before, password_hash=encoded, disabled=False)
        now = clock()
        accounts.users.update(after)
        accounts.sessions.revoke_all(address, now)
        accounts.audit.append(
            AuditEntry(actor, now, "user.reset", address, user_record(before), user_record(after))
        )
        accounts.commit()
    return after


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once: only its hash is kept


def issue_token(
    accounts: AccountsUnitOfWork,
    email: str,
    *,
    scope: str = "read",
    actor: str,
    clock: Clock = utc_now,
) -> IssuedToken:
    """A new API token for the user: `pf_<id>_<secret>`; the id names it for revoking."""
    address = normalise_email(email)
    chosen = check_scope(scope)
    token_id = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    with accounts:
        user = _user(accounts, address)
        if user.disabled:
            raise PipefitError(f"{address} is disabled: reset them first", field="user.email")
        token = ApiToken(token_id, address, chosen, _token_hash(secret), clock())
        accounts.users.add_token(token)
        accounts.audit.append(
            AuditEntry(
                actor,
                token.created_at,
                "token.issue",
                address,
                None,
                {"token_id": token_id, "scope": str(chosen)},
            )
        )
        accounts.commit()
    return IssuedToken(token, secret)


def user_tokens(accounts: AccountsUnitOfWork, email: str) -> list[ApiToken]:
    address = normalise_email(email)
    with accounts:
        _user(accounts, address)
        return accounts.users.tokens(address)


def revoke_token(
    accounts: AccountsUnitOfWork, email: str, token_id: str, *, actor: str, clock: Clock = utc_now
) -> ApiToken:
    address = normalise_email(email)
    wanted = token_id.strip()
    with accounts:
        token = accounts.users.token(wanted)
        if token is None or token.email != address:
            raise NotFound(f"{address} has no token '{wanted}'", field="token.id")
        if token.revoked_at is not None:
            return token
        now = clock()
        accounts.users.revoke_token(wanted, now)
        accounts.audit.append(
            AuditEntry(
                actor,
                now,
                "token.revoke",
                address,
                {"token_id": wanted, "revoked": False},
                {"token_id": wanted, "revoked": True},
            )
        )
        accounts.commit()
    return replace(token, revoked_at=now)


def authenticate_token(accounts: AccountsUnitOfWork, secret: str) -> tuple[User, Scope]:
    """Whose token this is and what it may do; refused the same way whatever is wrong with
    it, so a caller learns nothing about which tokens or users exist."""
    refused = NotAuthenticated("the token is not valid: ask an admin for a new one")
    parts = secret.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise refused
    with accounts:
        token = accounts.users.token(parts[1])
        user = accounts.users.get(token.email) if token is not None else None
    if token is None or user is None or not token.active or user.disabled:
        raise refused
    if not hmac.compare_digest(token.token_hash, _token_hash(secret.strip())):
        raise refused
    return user, token.scope


MAX_AUDIT = 10_000


def audit_entries(
    accounts: AccountsUnitOfWork, *, limit: int = 100, scope: AccessScope | None = None
) -> list[AuditEntry]:
    """The latest changes, newest first. Through the API (`scope` given) for admins only;
    the CLI runs as the workspace's operator, who holds the database anyway."""
    if scope is not None and not scope.manages_users:
        raise AccessDenied("the audit log is for admins")
    if not 1 <= limit <= MAX_AUDIT:
        raise PipefitError(f"give 1 to {MAX_AUDIT} entries; got {limit}", field="limit")
    with accounts:
        return accounts.audit.entries(limit=limit)
