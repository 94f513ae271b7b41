from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Self

from sqlalchemy import select

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.domain.errors import ConflictError
from pipefit.services.deals import advance_stage, create_opportunity
from pipefit.store import tables
from pipefit.store.unit_of_work import SqlUnitOfWork


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, 9, tzinfo=UTC)


class _PauseBeforeWriting(SqlUnitOfWork):
    """Let both movers read the same version before either writes: the second block a
    move opens (the write) waits until the other mover has read too."""

    def __init__(self, app: App, barrier: threading.Barrier) -> None:
        workspace = app.workspace
        super().__init__(app.engine, workspace.database_url, workspace.config.pipelines_by_name())
        self._barrier = barrier
        self._opened = 0

    def __enter__(self) -> Self:
        self._opened += 1
        if self._opened == 2:
            self._barrier.wait(timeout=20)
        return super().__enter__()


def test_two_concurrent_moves_on_one_deal_one_wins_and_the_other_gets_a_conflict(
    workspace: Workspace,
) -> None:
    setup = App(workspace)
    create_opportunity(
        setup.uow(), "ACME-RENEWAL-Q3", pipeline=None, default_pipeline="inbound", at=_at(1)
    )
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def mover(name: str, reason: str) -> None:
        app = App(workspace)
        try:
            advance_stage(
                _PauseBeforeWriting(app, barrier),
                "ACME-RENEWAL-Q3",
                "Closed lost",
                at=_at(5),
                reason=reason,
            )
            outcomes[name] = "moved"
        except ConflictError as exc:
            outcomes[name] = f"conflict: {exc}"
        finally:
            app.close()

    threads = [
        threading.Thread(target=mover, args=("dana", "no budget")),
        threading.Thread(target=mover, args=("lee", "lost to competitor")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["conflict", "moved"]
    assert any("changed by someone else" in v for v in outcomes.values())
    with setup.engine.connect() as conn:
        log = list(
            conn.execute(
                select(
                    tables.stage_events.c.seq,
                    tables.stage_events.c.to_stage,
                    tables.stage_events.c.reason,
                )
                .where(tables.stage_events.c.opportunity_id == "ACME-RENEWAL-Q3")
                .order_by(tables.stage_events.c.seq)
            )
        )
        version = conn.execute(
            select(tables.opportunities.c.version, tables.opportunities.c.loss_reason)
        ).one()
    setup.close()
    assert [(r.seq, r.to_stage) for r in log] == [(1, "Discovery"), (2, "Closed lost")]
    winner = "dana" if outcomes["dana"] == "moved" else "lee"
    expected_reason = {"dana": "no budget", "lee": "lost to competitor"}[winner]
    assert log[1].reason == expected_reason == version.loss_reason
    assert version.version == 1
