"""The evidence a refused move is missing, as data (for machines: the API's 409 body),
beside the sentence `decide_move` gives people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pipefit.domain.errors import NotFound
from pipefit.domain.model import Activity, Category, Opportunity
from pipefit.domain.pipeline import Pipeline, Requirement
from pipefit.domain.qualification import DemoReadiness

__all__ = ["missing_evidence"]


def _describe(req: Requirement, stage: str, gate: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "stage": stage,
        "gate": gate,  # entry (the target's trigger) or exit (the current stage's criterion)
        "kind": req.kind or "any_of",
        "purpose": req.purpose,
        "by": req.by,
        "description": req.describe(),
    }
    if req.any_of:
        item["alternatives"] = [r.describe() for r in req.any_of]
    return item


def missing_evidence(
    pipeline: Pipeline,
    opportunity: Opportunity,
    target: str,
    activities: Sequence[Activity],
    at: datetime,
    lead: DemoReadiness | None = None,
) -> list[dict[str, Any]]:
    """Every requirement of the move to `target` that the evidence up to `at` does not
    meet: the current stage's exit criteria (while it is open) and the target's entry
    trigger. Empty when nothing is missing (or the target is unknown)."""
    try:
        goal = pipeline.stage(target)
        current = pipeline.stage(opportunity.stage)
    except NotFound:  # an unknown stage is the sentence's business, not this list's
        return []
    evidence = [
        a for a in activities if a.at <= at and a.opportunity_id == opportunity.opportunity_id
    ]
    missing: list[dict[str, Any]] = []
    if current.category is Category.OPEN and current.name != goal.name:
        missing += [
            _describe(r, current.name, "exit") for r in current.exit if not r.is_met(evidence, lead)
        ]
    missing += [
        _describe(r, goal.name, "entry") for r in goal.entry if not r.is_met(evidence, lead)
    ]
    return missing
