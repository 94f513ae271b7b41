"""A deal's forecast category set by hand (as Salesforce and HubSpot allow), with who set
it and when. Overrides are kept in order, never rewritten: the latest at or before a
moment is in force then, so a forecast replayed to a past date sees the category it had."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipefit.domain.errors import PipefitError
from pipefit.domain.model import Category, Opportunity, clean_id

__all__ = ["OVERRIDABLE", "ForecastOverride", "decide_forecast_override"]

# Closed is what a won deal is; an open deal can be called any of these.
OVERRIDABLE = ("pipeline", "best_case", "commit", "omitted")


@dataclass(frozen=True)
class ForecastOverride:
    opportunity_id: str
    seq: int  # the deal's overrides numbered from 1
    category: str
    at: datetime
    actor_id: str
    note: str | None = None


def decide_forecast_override(
    opportunity: Opportunity,
    category: str,
    *,
    actor_id: str | None,
    note: str | None,
    earlier: int,
    now: datetime,
) -> ForecastOverride:
    """The override to log: `earlier` overrides of this deal came before."""
    wanted = category.strip().casefold().replace(" ", "_").replace("-", "_")
    if wanted not in OVERRIDABLE:
        raise PipefitError(
            f"'{category}' is not a forecast category; one of {', '.join(OVERRIDABLE)}",
            field="forecast.category",
        )
    if opportunity.outcome != Category.OPEN:
        raise PipefitError(
            f"{opportunity.opportunity_id} is {opportunity.outcome}: only an open deal's "
            "forecast category can be set",
            field="opportunity.id",
        )
    if actor_id is None or not actor_id.strip():
        raise PipefitError("setting a forecast category needs who sets it", field="forecast.by")
    who = clean_id(actor_id, field="forecast.by", what="who sets it")
    text = note.strip() if note is not None else None
    return ForecastOverride(opportunity.opportunity_id, earlier + 1, wanted, now, who, text or None)
