"""The data version (migration 0013) on SQLite and PostgreSQL: every committed write of
data moves it, in the write's own transaction, whichever process wrote; a rolled-back
write, a read, a login and a web session leave it where it was (a kept page survives them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipefit.bootstrap import App
from pipefit.domain.model import Lead, LeadStatus
from pipefit.sample import FILES, generate

from .workspaces import import_files, new_workspace

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_processes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[App, App]]:
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("fresh_postgres_url")
    workspace = new_workspace(tmp_path / "ws", database_url=url)
    folder = tmp_path / "sample"
    generate(folder, opportunities=40, seed=3)
    import_files(workspace, [folder / name for name in FILES])
    first, second = App(workspace), App(workspace)
    yield first, second
    first.close()
    second.close()


def version(app: App) -> int | None:
    with app.uow() as uow:
        return uow.status.data_version()


def test_a_commit_in_one_process_moves_the_version_another_reads(
    two_processes: tuple[App, App],
) -> None:
    one, other = two_processes
    before = version(other)
    assert before is not None and before >= 1  # the import moved it from 0
    with one.uow() as uow:
        uow.commit()
    assert version(other) == before + 1


def test_a_rolled_back_write_and_a_read_leave_the_version(two_processes: tuple[App, App]) -> None:
    one, other = two_processes
    before = version(other)
    with one.uow() as uow:
        uow.deals.list_opportunities(limit=5)
        uow.rollback()
    with pytest.raises(RuntimeError), one.uow() as uow:
        uow.status.data_version()
        raise RuntimeError("the command failed before its commit")
    assert version(other) == before


def test_an_import_moves_the_version_once(two_processes: tuple[App, App], tmp_path: Path) -> None:
    one, other = two_processes
    before = version(other)
    folder = tmp_path / "more"
    generate(folder, opportunities=40, seed=3)
    import_files(one.workspace, [folder / "opportunities.csv"])
    assert version(other) == before + 1  # one import, one transaction, one move


def test_a_lead_added_from_the_web_moves_the_version(two_processes: tuple[App, App]) -> None:
    one, other = two_processes
    before = version(other)
    with one.accounts() as accounts:
        accounts.records.add_lead(Lead(lead_id="lead-web-1", status=LeadStatus.NEW, created_at=T0))
        accounts.commit()
    assert version(other) == before + 1


def test_sessions_and_failed_logins_leave_the_version(two_processes: tuple[App, App]) -> None:
    one, other = two_processes
    before = version(other)
    with one.accounts() as accounts:
        accounts.login_failures.record("email:a@example.com", T0, forget_before=T0 - timedelta(1))
        accounts.commit()
    assert version(other) == before
