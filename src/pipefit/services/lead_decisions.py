"""A person's say over routing, and the log: override a decision, read decisions, show a lead."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from pipefit.config import Workspace
from pipefit.domain.errors import PipefitError
from pipefit.domain.routing import LeadDecision, override
from pipefit.services.qualification import (
    Assessment,
    assess,
    learn_and_score,
    load_history,
    with_id,
    with_learned,
)
from pipefit.store.database import make_engine
from pipefit.store.leads import decisions_of, save_decisions

__all__ = ["decision_log", "lead_detail", "override_lead"]


def override_lead(
    workspace: Workspace,
    lead_id: str,
    *,
    decision: str,
    by: str,
    to_id: str | None = None,
    until: datetime | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> LeadDecision:
    """A person's decision replaces the one in force; both stay in the log."""
    moment = at or datetime.now(UTC)
    engine = make_engine(workspace.database_url)
    try:
        with engine.begin() as conn:
            log = decisions_of(conn, lead_id, limit=1)
            if not log:
                raise PipefitError(
                    f"{lead_id} has no decision to override yet: run 'pipefit leads qualify "
                    f"{lead_id}' first"
                )
            changed = override(
                log[0], decision=decision, by=by, at=moment, to_id=to_id,
                nurture_until=until, note=note,
            )  # fmt: skip
            [decision_id] = save_decisions(conn, [changed])
        return with_id(changed, decision_id)
    finally:
        engine.dispose()


def decision_log(workspace: Workspace, lead_id: str | None = None) -> list[LeadDecision]:
    engine = make_engine(workspace.database_url)
    try:
        with engine.connect() as conn:
            return decisions_of(conn, lead_id)
    finally:
        engine.dispose()


def lead_detail(
    workspace: Workspace, lead_id: str, *, learned: bool = True
) -> tuple[Assessment, list[LeadDecision], list[str]]:
    """One lead judged every way, with its decisions, newest first."""
    history = load_history(workspace)
    row = history.index(lead_id)
    config = workspace.config.qualification
    [assessment] = assess(config, history.lanes, [history.records[row]])
    notes: list[str] = []
    if learned:
        scores = learn_and_score(history, config, np.asarray([row]), notes=notes)
        assessment = with_learned(assessment, scores.get("win"), scores.get("success"), 0)
    return assessment, decision_log(workspace, lead_id), notes
