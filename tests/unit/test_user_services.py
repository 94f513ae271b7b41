"""Logins, tokens and the audit log, on the in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.model import Person, Role
from pipefit.domain.users import Scope, UserRole, normalise_email
from pipefit.services.users import (
    NotAuthenticated,
    add_user,
    authenticate_token,
    disable_user,
    issue_token,
    list_users,
    reset_password,
    revoke_token,
)
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.accounts import MemoryAccounts
from pipefit.store.memory.pay import MemoryCompensation

NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)


class PlainHasher:
    """Stands in for argon2 (slow on purpose): a reversible mark, enough to test the rules."""

    def hash(self, password: str) -> str:
        return f"hashed:{password}"

    def verify(self, encoded: str, password: str) -> bool:
        return encoded == f"hashed:{password}"


def org() -> MemoryUnitOfWork:
    people = [Person("emp-011", "Ana Rep", Role.SALES_REP), Person("emp-001", "Mo", Role.MANAGER)]
    return MemoryUnitOfWork(pay=MemoryCompensation(people_list=people))


def test_an_email_is_trimmed_and_lower_cased_and_a_malformed_one_is_refused() -> None:
    assert normalise_email("  Ana.Rep@Example.COM ") == "ana.rep@example.com"
    for bad in ("", "ana", "ana@", "@example.com", "ana@example", "a b@example.com"):
        with pytest.raises(PipefitError) as refused:
            normalise_email(bad)
        assert refused.value.field == "user.email"


def test_a_rep_login_is_linked_to_a_person_and_written_to_the_audit_log() -> None:
    accounts = MemoryAccounts()
    user = add_user(
        accounts, org(), PlainHasher(), " Ana@Example.com", "sales_rep",
        person_id="emp-011", password="correct horse battery", actor="cli:root",
        clock=lambda: NOON,
    )  # fmt: skip
    assert (user.email, user.role, user.person_id) == (
        "ana@example.com",
        UserRole.SALES_REP,
        "emp-011",
    )
    assert user.password_hash == "hashed:correct horse battery"
    [entry] = accounts.audit.entries()
    assert (entry.actor, entry.action, entry.target, entry.before) == (
        "cli:root", "user.add", "ana@example.com", None,
    )  # fmt: skip
    assert entry.after is not None and "password_hash" not in entry.after
    assert [u.email for u in list_users(accounts)] == ["ana@example.com"]


def test_a_person_id_that_matches_no_person_is_refused() -> None:
    with pytest.raises(NotFound) as refused:
        add_user(MemoryAccounts(), org(), PlainHasher(), "x@example.com", "manager",
                 person_id="emp-999", actor="cli")  # fmt: skip
    assert refused.value.field == "user.person"


def test_a_manager_login_without_a_person_is_refused_but_an_admin_needs_none() -> None:
    accounts = MemoryAccounts()
    with pytest.raises(PipefitError, match="name that person"):
        add_user(accounts, org(), PlainHasher(), "mo@example.com", "manager", actor="cli")
    admin = add_user(accounts, org(), PlainHasher(), "root@example.com", "admin", actor="cli")
    assert admin.person_id is None and admin.password_hash is None


def test_a_second_user_with_the_same_email_and_an_unknown_role_are_refused() -> None:
    accounts = MemoryAccounts()
    add_user(accounts, org(), PlainHasher(), "root@example.com", "admin", actor="cli")
    with pytest.raises(PipefitError, match="already exists"):
        add_user(accounts, org(), PlainHasher(), "ROOT@example.com", "revops", actor="cli")
    with pytest.raises(PipefitError, match="no role 'boss'"):
        add_user(accounts, org(), PlainHasher(), "boss@example.com", "boss", actor="cli")


def test_a_short_password_is_refused() -> None:
    with pytest.raises(PipefitError, match="at least 12"):
        add_user(MemoryAccounts(), org(), PlainHasher(), "root@example.com", "admin",
                 password="hunter2", actor="cli")  # fmt: skip


def test_a_token_authenticates_its_user_with_its_scope_until_revoked() -> None:
    accounts = MemoryAccounts()
    add_user(accounts, org(), PlainHasher(), "root@example.com", "admin", actor="cli")
    issued = issue_token(accounts, "root@example.com", scope="write", actor="cli")
    user, scope = authenticate_token(accounts, issued.secret)
    assert (user.email, scope) == ("root@example.com", Scope.WRITE)
    # only the hash is kept: the secret appears nowhere in storage
    assert issued.secret not in repr(accounts.users.by_token)
    revoke_token(accounts, "root@example.com", issued.token.token_id, actor="cli")
    with pytest.raises(NotAuthenticated):
        authenticate_token(accounts, issued.secret)
    assert [e.action for e in accounts.audit.entries()] == [
        "token.revoke",
        "token.issue",
        "user.add",
    ]


def test_a_forged_or_malformed_token_is_refused_the_same_way() -> None:
    accounts = MemoryAccounts()
    add_user(accounts, org(), PlainHasher(), "root@example.com", "admin", actor="cli")
    issued = issue_token(accounts, "root@example.com", actor="cli")
    forged = issued.secret[:-4] + "AAAA"
    messages = set()
    for bad in (forged, "pf_nope_x", "garbage", ""):
        with pytest.raises(NotAuthenticated) as refused:
            authenticate_token(accounts, bad)
        messages.add(refused.value.message)
    assert len(messages) == 1


def test_a_disabled_user_loses_their_tokens_and_a_reset_lets_them_back() -> None:
    accounts = MemoryAccounts()
    add_user(accounts, org(), PlainHasher(), "ana@example.com", "sales_rep",
             person_id="emp-011", actor="cli")  # fmt: skip
    issued = issue_token(accounts, "ana@example.com", actor="cli")
    disable_user(accounts, "ana@example.com", actor="cli")
    with pytest.raises(NotAuthenticated):
        authenticate_token(accounts, issued.secret)
    with pytest.raises(PipefitError, match="disabled"):
        issue_token(accounts, "ana@example.com", actor="cli")
    user = reset_password(
        accounts, PlainHasher(), "ana@example.com", "a much longer one", actor="cli"
    )
    assert not user.disabled and PlainHasher().verify(user.password_hash or "", "a much longer one")
    assert authenticate_token(accounts, issued.secret)[0].email == "ana@example.com"
    last = accounts.audit.entries()[0]
    assert last.before is not None and last.after is not None
    assert (last.before["disabled"], last.after["disabled"]) == (True, False)
