"""Corrections of the stage log in a real database: kept beside the log, append-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import DatabaseError

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.services.deals import (
    advance_stage,
    correct_stage_event,
    create_opportunity,
    deal_history,
    list_opportunities,
)
from pipefit.store import tables

CLOCK = datetime(2026, 3, 10, 9, tzinfo=UTC)


def _frozen(app: App) -> None:
    """ACME-RENEWAL-Q3 moved to Evaluation at 2099-01-01, as logged before the clock rule."""
    create_opportunity(
        app.uow(),
        "ACME-RENEWAL-Q3",
        pipeline=None,
        default_pipeline="inbound",
        at=datetime(2026, 2, 20, 9, tzinfo=UTC),
        clock=lambda: CLOCK,
    )
    with app.engine.begin() as conn:
        conn.execute(
            insert(tables.stage_events).values(
                opportunity_id="ACME-RENEWAL-Q3",
                seq=2,
                from_stage="Discovery",
                to_stage="Evaluation",
                at=datetime(2099, 1, 1, tzinfo=UTC),
                source="pipefit",
            )
        )
        conn.execute(update(tables.opportunities).values(stage="Evaluation", version=1))


def test_a_frozen_deal_is_corrected_then_moves_again(workspace: Workspace) -> None:
    app = App(workspace)
    _frozen(app)
    correct_stage_event(
        app.uow(),
        "ACME-RENEWAL-Q3",
        2,
        at=datetime(2026, 3, 5, 9, tzinfo=UTC),
        reason="the year was typed as 2099",
        actor_id="admin-ann",
        clock=lambda: CLOCK,
    )
    move = advance_stage(
        app.uow(), "ACME-RENEWAL-Q3", "Closed lost", reason="no budget", clock=lambda: CLOCK
    )
    assert (move.event.seq, move.event.from_stage) == (3, "Evaluation")
    history = deal_history(app.uow(), "ACME-RENEWAL-Q3", clock=lambda: CLOCK)
    assert [(t.event.seq, t.time_in_state) for t in history.timeline] == [
        (1, timedelta(days=13)),
        (2, timedelta(days=5)),
        (3, timedelta(0)),
    ]
    (correction,) = history.corrections
    assert (correction.corrects_seq, correction.actor_id, correction.void) == (
        2,
        "admin-ann",
        False,
    )
    assert correction.recorded_at == CLOCK
    lost = list_opportunities(app.uow(), stage="closed lost").opportunities
    assert [o.opportunity_id for o in lost] == ["ACME-RENEWAL-Q3"]
    app.close()


def test_a_void_keeps_its_number_and_the_database_refuses_to_rewrite_corrections(
    workspace: Workspace,
) -> None:
    app = App(workspace)
    _frozen(app)
    correct_stage_event(
        app.uow(),
        "ACME-RENEWAL-Q3",
        2,
        void=True,
        reason="moved by mistake",
        actor_id="admin-ann",
        clock=lambda: CLOCK,
    )
    move = advance_stage(
        app.uow(), "ACME-RENEWAL-Q3", "Closed lost", reason="no budget", clock=lambda: CLOCK
    )
    assert (move.event.seq, move.event.from_stage) == (3, "Discovery")
    for statement in (
        update(tables.stage_event_corrections).values(reason="nothing to see"),
        delete(tables.stage_event_corrections),
    ):
        with pytest.raises(DatabaseError, match="append-only"), app.engine.begin() as conn:
            conn.execute(statement)
    app.close()
