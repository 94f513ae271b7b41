"""What user commands show: the logins, a login's tokens, a token issued once."""

from __future__ import annotations

from collections.abc import Sequence

from pipefit.domain.users import ApiToken, AuditEntry, User
from pipefit.services.users import IssuedToken
from pipefit.views.shapes import Fact, Kind, Table, View

__all__ = ["audit_view", "issued_token_view", "tokens_view", "user_view", "users_view"]


def _row(user: User) -> dict[str, object]:
    return {
        "email": user.email,
        "role": str(user.role),
        "person_id": user.person_id,
        "disabled": user.disabled,
        "password": user.password_hash is not None,
        "created_at": user.created_at,
    }


def users_view(users: Sequence[User]) -> View:
    return View(
        title="Users",
        tables=[Table.of([_row(u) for u in users], {"created_at": Kind.TIME}, name="users")],
    )


def user_view(user: User, what: str) -> View:
    return View(title=f"{what}: {user.email}", document=_row(user), facts=[
        Fact("email", "Email", user.email),
        Fact("role", "Role", str(user.role)),
        Fact("person_id", "Person", user.person_id or ""),
        Fact("disabled", "Disabled", "yes" if user.disabled else "no"),
    ])  # fmt: skip


def tokens_view(email: str, tokens: Sequence[ApiToken]) -> View:
    rows = [
        {
            "token_id": t.token_id,
            "scope": str(t.scope),
            "created_at": t.created_at,
            "revoked_at": t.revoked_at,
        }
        for t in tokens
    ]
    kinds = {"created_at": Kind.TIME, "revoked_at": Kind.TIME}
    keys = ["token_id", "scope", "created_at", "revoked_at"]
    return View(
        title=f"Tokens of {email}", tables=[Table.of(rows, kinds, name="tokens", keys=keys)]
    )


def issued_token_view(issued: IssuedToken) -> View:
    """The token itself, shown this once (only its hash is kept)."""
    t = issued.token
    return View(
        title=f"API token {t.token_id} for {t.email} ({t.scope}); shown once, keep it safe",
        facts=[
            Fact("token", "Token", issued.secret),
            Fact("token_id", "Token id", t.token_id),
            Fact("scope", "Scope", str(t.scope)),
        ],
        document={"token": issued.secret, "token_id": t.token_id, "email": t.email,
                  "scope": str(t.scope)},
    )  # fmt: skip


def audit_entry(entry: AuditEntry) -> dict[str, object]:
    return {
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
    }


def _changed(entry: AuditEntry) -> str:
    """What the change did, in one cell: the new record's values, or what differs."""
    before, after = entry.before or {}, entry.after or {}
    if entry.before is None:
        return ", ".join(f"{k}: {v}" for k, v in after.items() if v is not None)
    keys = sorted(set(before) | set(after))
    return ", ".join(
        f"{k}: {before.get(k)} -> {after.get(k)}" for k in keys if before.get(k) != after.get(k)
    )


def audit_view(entries: Sequence[AuditEntry]) -> View:
    """The audit log, newest first; a terminal shows what changed, JSON the whole records."""
    rows = [audit_entry(e) | {"changed": _changed(e)} for e in entries]
    table = Table.of(rows, {"at": Kind.TIME}, name="entries",
                     keys=["at", "actor", "action", "target", "changed"])  # fmt: skip
    return View(title="Audit log", tables=[table], document=[audit_entry(e) for e in entries])
