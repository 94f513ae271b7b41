"""A person's say over routing, and the log: override a decision, read decisions, show a lead."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import PipefitError
from pipefit.domain.routing import LeadDecision, mark_superseded, override
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.qualification import (
    Assessment,
    assess,
    learn_and_score,
    read_history,
    with_id,
    with_learned,
)

__all__ = ["decision_log", "lead_detail", "override_lead"]


def override_lead(
    uow: UnitOfWork,
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
    with uow:
        log = uow.leads.decisions_of(lead_id, limit=1)
        if not log:
            raise PipefitError(
                f"{lead_id} has no decision to override yet: qualify it first", field="lead"
            )
        changed = override(
            log[0], decision=decision, by=by, at=moment, to_id=to_id,
            nurture_until=until, note=note,
        )  # fmt: skip
        [decision_id] = uow.leads.save_decisions([changed])
        uow.commit()
    return with_id(changed, decision_id)


def decision_log(uow: UnitOfWork, lead_id: str | None = None) -> list[LeadDecision]:
    """The decision log, newest first (of one lead, or of all), each marked in force or
    superseded by the decision that replaced it."""
    with uow:
        log = uow.leads.decisions_of(lead_id)
        latest = uow.leads.latest_decisions()
    return mark_superseded(log, _in_force(latest))


def _in_force(latest: dict[str, LeadDecision]) -> dict[str, int]:
    return {k: d.decision_id for k, d in latest.items() if d.decision_id is not None}


def lead_detail(
    uow: UnitOfWork, config: QualificationConfig, lead_id: str, *, learned: bool = True
) -> tuple[Assessment, list[LeadDecision], list[str]]:
    """One lead judged every way, with its decisions, newest first."""
    with uow:
        history = read_history(uow.leads, config)
        decisions = uow.leads.decisions_of(lead_id)
        decisions = mark_superseded(decisions, _in_force(uow.leads.latest_decisions()))
    row = history.index(lead_id)
    [assessment] = assess(config, history.lanes, [history.records[row]])
    notes: list[str] = []
    if learned:
        scores = learn_and_score(history, config, np.asarray([row]), notes=notes)
        assessment = with_learned(assessment, scores.get("win"), scores.get("success"), 0)
    return assessment, decisions, notes
