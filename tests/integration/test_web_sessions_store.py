"""Web sessions and failed-login counters in the database (migration 0010), on SQLite and
PostgreSQL alike: what one worker process writes, another reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipefit.bootstrap import App
from pipefit.domain.web_sessions import WebSession

from .workspaces import new_workspace

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_workers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[App, App]]:
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("fresh_postgres_url")
    workspace = new_workspace(tmp_path / "ws", database_url=url)
    first, second = App(workspace), App(workspace)
    yield first, second
    first.close()
    second.close()


def test_failures_counted_by_one_worker_are_seen_and_added_to_by_another(
    two_workers: tuple[App, App],
) -> None:
    one, other = two_workers
    forget = T0 - timedelta(hours=1)
    for i, app in enumerate((one, other, one)):
        with app.accounts() as accounts:
            count = accounts.login_failures.record("email:a@example.com", T0 + timedelta(seconds=i),
                                                   forget_before=forget)  # fmt: skip
            accounts.commit()
    assert count.failures == 3  # one, other, one: three failures, by hand
    with other.accounts() as accounts:
        seen = accounts.login_failures.get("email:a@example.com")
    assert seen is not None and seen.failures == 3
    assert seen.last_failed_at == T0 + timedelta(seconds=2)


def test_a_failure_after_the_forgetting_time_starts_the_count_again(
    two_workers: tuple[App, App],
) -> None:
    one, _ = two_workers
    with one.accounts() as accounts:
        for _ in range(4):
            accounts.login_failures.record(
                "client:10.0.0.1", T0, forget_before=T0 - timedelta(hours=1)
            )
        later = T0 + timedelta(hours=2)
        again = accounts.login_failures.record(
            "client:10.0.0.1", later, forget_before=later - timedelta(hours=1)
        )
        accounts.commit()
    assert again.failures == 1


def test_a_session_revoked_by_one_worker_is_ended_for_every_other(
    two_workers: tuple[App, App],
) -> None:
    one, other = two_workers
    session = WebSession(
        "ab" * 32, "rep@example.com", "token", T0, T0 + timedelta(hours=12), "127.0.0.1"
    )
    with one.accounts() as accounts:
        accounts.sessions.add(session)
        accounts.commit()
    with other.accounts() as accounts:
        assert accounts.sessions.get(session.session_id) == session
        assert accounts.sessions.revoke_all("rep@example.com", T0 + timedelta(minutes=5)) == 1
        accounts.commit()
    with one.accounts() as accounts:
        found = accounts.sessions.get(session.session_id)
    assert found is not None and not found.active(T0 + timedelta(minutes=6))
