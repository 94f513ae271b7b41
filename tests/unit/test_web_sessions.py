"""Logging in to the web pages, on in-memory fakes: the delay after failures, by hand;
sessions that end; logins refused alike whatever is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipefit.domain.users import User, UserRole
from pipefit.domain.web_sessions import FailureCount, Throttle
from pipefit.services.users import NotAuthenticated
from pipefit.services.web_sessions import (
    LoginThrottled,
    csrf_matches,
    log_in,
    log_out,
    session_login,
)
from pipefit.store.memory.accounts import MemoryAccounts, MemoryHasher

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RULES = Throttle()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("failures", "expected_seconds"),
    # free 5; then 30 s doubled per failure past 5, at most 15 minutes (900 s), by hand
    [(4, 0), (5, 30), (6, 60), (7, 120), (8, 240), (9, 480), (10, 900), (40, 900)],
)
def test_the_wait_after_failures_doubles_from_30_seconds_up_to_15_minutes(
    failures: int, expected_seconds: int
) -> None:
    count = FailureCount("email:a@example.com", failures, T0)
    assert RULES.wait(count, RULES.free_per_email, T0) == timedelta(seconds=expected_seconds)


def test_the_wait_runs_down_and_failures_are_forgotten_an_hour_after_the_last() -> None:
    count = FailureCount("email:a@example.com", 6, T0)
    assert RULES.wait(count, 5, at(45)) == timedelta(seconds=15)  # 60 s - 45 s
    assert RULES.wait(count, 5, at(60)) == timedelta(0)
    many = FailureCount("email:a@example.com", 40, T0)
    assert RULES.wait(many, 5, at(3600)) == timedelta(0)


def accounts_with(*users: User) -> MemoryAccounts:
    accounts = MemoryAccounts()
    for user in users:
        accounts.users.add(user)
    return accounts


ANA = User(
    "ana@example.com", UserRole.SALES_REP, "emp-003", T0, password_hash="plain:right-password"
)


def test_the_right_password_opens_a_session_and_forgets_the_emails_failures() -> None:
    accounts = accounts_with(ANA)
    hasher = MemoryHasher()
    with pytest.raises(NotAuthenticated):
        log_in(accounts, hasher, "ana@example.com", "wrong", client="10.0.0.1", clock=lambda: T0)
    opened = log_in(accounts, hasher, " ANA@example.com", "right-password", client="10.0.0.1",
                    clock=lambda: at(1))  # fmt: skip
    assert opened.session.email == "ana@example.com"
    assert opened.session.expires_at == at(1) + timedelta(hours=12)
    assert opened.secret not in opened.session.session_id  # only its hash is kept
    assert accounts.login_failures.get("email:ana@example.com") is None
    assert accounts.login_failures.get("client:10.0.0.1") is not None  # the address's stay
    user, session = session_login(accounts, opened.secret, clock=lambda: at(2))
    assert user.email == "ana@example.com" and csrf_matches(session, session.csrf_token)
    assert not csrf_matches(session, None) and not csrf_matches(session, "forged")
    actions = [e.action for e in accounts.audit.log]
    assert actions == ["session.refused", "session.login"]


@pytest.mark.parametrize(
    "user",
    [
        None,
        User("ana@example.com", UserRole.SALES_REP, "emp-003", T0),  # token-only
        User(
            "ana@example.com",
            UserRole.SALES_REP,
            "emp-003",
            T0,
            password_hash="plain:right-password",
            disabled=True,
        ),
    ],
)
def test_an_unknown_passwordless_or_disabled_login_is_refused_as_a_wrong_password(
    user: User | None,
) -> None:
    accounts = accounts_with(*([user] if user else []))
    with pytest.raises(NotAuthenticated) as refused:
        log_in(accounts, MemoryHasher(), "ana@example.com", "right-password", client=None,
               clock=lambda: T0)  # fmt: skip
    assert refused.value.message == "the email or password is wrong"


def test_the_sixth_try_within_the_wait_is_refused_without_checking_the_password() -> None:
    accounts = accounts_with(ANA)
    for i in range(5):
        with pytest.raises(NotAuthenticated):
            log_in(
                accounts, MemoryHasher(), ANA.email, "wrong", client="c", clock=lambda i=i: at(i)
            )
    with pytest.raises(LoginThrottled) as slowed:
        log_in(accounts, MemoryHasher(), ANA.email, "right-password", client="c",
               clock=lambda: at(10))  # fmt: skip
    assert slowed.value.retry_after == 24  # the fifth failure at 4 s + 30 s - 10 s, by hand
    assert slowed.value.message == "too many failed logins for this email: try again in 24 seconds"
    assert log_in(accounts, MemoryHasher(), ANA.email, "right-password", client="c",
                  clock=lambda: at(34)).user == ANA  # fmt: skip


def test_a_logged_out_or_expired_session_opens_nothing() -> None:
    accounts = accounts_with(ANA)
    opened = log_in(accounts, MemoryHasher(), ANA.email, "right-password", client=None,
                    clock=lambda: T0)  # fmt: skip
    with pytest.raises(NotAuthenticated):
        session_login(accounts, opened.secret, clock=lambda: T0 + timedelta(hours=12))
    log_out(accounts, opened.secret, clock=lambda: at(5))
    with pytest.raises(NotAuthenticated):
        session_login(accounts, opened.secret, clock=lambda: at(6))
    assert accounts.audit.log[-1].action == "session.logout"


def test_disabling_or_resetting_a_user_ends_their_web_sessions_for_good() -> None:
    from pipefit.services.users import disable_user, reset_password

    accounts = accounts_with(ANA)
    hasher = MemoryHasher()
    first = log_in(accounts, hasher, ANA.email, "right-password", client=None, clock=lambda: T0)
    disable_user(accounts, ANA.email, actor="admin", clock=lambda: at(1))
    reset_password(
        accounts, hasher, ANA.email, "right-password", actor="admin", clock=lambda: at(2)
    )
    with pytest.raises(NotAuthenticated):  # enabled again, but that session stays ended
        session_login(accounts, first.secret, clock=lambda: at(3))
    second = log_in(accounts, hasher, ANA.email, "right-password", client=None, clock=lambda: at(4))
    reset_password(
        accounts, hasher, ANA.email, "a-new-password", actor="admin", clock=lambda: at(5)
    )
    with pytest.raises(NotAuthenticated):
        session_login(accounts, second.secret, clock=lambda: at(6))
