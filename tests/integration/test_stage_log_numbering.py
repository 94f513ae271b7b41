"""stage_events.logged: every event numbered in the order it was logged (migration 0006)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DatabaseError

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.services.deals import advance_stage, create_opportunity
from pipefit.store import tables
from pipefit.store.database import make_engine, migrate

from .workspaces import query

OLD_EVENTS = [
    # (opportunity, seq): inserted out of order; the backfill numbers them sorted.
    ("B", 1),
    ("A", 2),
    ("A", 1),
    ("B", 2),
]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("fresh_postgres_url"))
    return f"sqlite:///{tmp_path / 'old.db'}"


def test_old_events_are_numbered_in_opportunity_and_seq_order_by_the_migration(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0005")
        with engine.begin() as conn:
            for opp, seq in OLD_EVENTS:
                conn.execute(
                    text(
                        "INSERT INTO stage_events (opportunity_id, seq, to_stage, at, source) "
                        "VALUES (:o, :s, 'Qualify', :at, 'test')"
                    ),
                    {"o": opp, "s": seq, "at": datetime(2026, 1, seq, tzinfo=UTC)},
                )
        migrate(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT opportunity_id, seq, logged FROM stage_events ORDER BY logged")
            ).all()
        assert [tuple(r) for r in rows] == [("A", 1, 1), ("A", 2, 2), ("B", 1, 3), ("B", 2, 4)]
        # The log is still append-only after the backfill lifted its guard.
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(update(tables.stage_events).values(to_stage="Closed won"))
    finally:
        engine.dispose()


def test_every_move_is_numbered_after_the_last_event_logged(workspace: Workspace) -> None:
    app = App(workspace)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    for name in ("ACME-1", "ACME-2"):
        create_opportunity(app.uow(), name, pipeline=None, default_pipeline="inbound", at=at)
    advance_stage(
        app.uow(), "ACME-1", "Closed lost", at=datetime(2026, 3, 2, tzinfo=UTC), reason="no budget"
    )
    app.close()
    rows = query(
        workspace,
        text("SELECT opportunity_id, seq, logged FROM stage_events ORDER BY logged"),
    )
    assert [tuple(r) for r in rows] == [("ACME-1", 1, 1), ("ACME-2", 1, 2), ("ACME-1", 2, 3)]
