"""An in-memory DealRepository for unit tests of the services."""

from __future__ import annotations

from dataclasses import replace

from pipefit.domain.errors import ConflictError, NotFound
from pipefit.domain.forecast_category import ForecastOverride
from pipefit.domain.model import (
    Account,
    Activity,
    Lead,
    Opportunity,
    Person,
    StageEvent,
    StageEventCorrection,
)
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.qualification import DemoReadiness, demo_readiness

__all__ = ["MemoryDeals"]


class MemoryDeals:
    def __init__(self, pipelines: dict[str, Pipeline]) -> None:
        self._pipelines = pipelines
        self.opportunities: dict[str, Opportunity] = {}
        self.stage_events: dict[str, list[StageEvent]] = {}
        self.stage_corrections: dict[str, list[StageEventCorrection]] = {}
        self.activity_log: list[Activity] = []
        self.leads: dict[str, Lead] = {}
        self.accounts: dict[str, Account] = {}
        self.people: dict[str, Person] = {}
        self.overrides: list[ForecastOverride] = []

    def pipelines(self) -> dict[str, Pipeline]:
        return self._pipelines

    def get(self, opportunity_id: str) -> Opportunity:
        try:
            return replace(self.opportunities[opportunity_id])
        except KeyError:
            raise NotFound(f"no opportunity '{opportunity_id}'") from None

    def events(self, opportunity_id: str) -> list[StageEvent]:
        return list(self.stage_events.get(opportunity_id, []))

    def corrections(self, opportunity_id: str) -> list[StageEventCorrection]:
        return list(self.stage_corrections.get(opportunity_id, []))

    def list_opportunities(
        self, *, stages: set[str] | None = None, owner: str | None = None, limit: int | None = None
    ) -> list[Opportunity]:
        found = [
            replace(o)
            for _, o in sorted(self.opportunities.items())
            if (stages is None or o.stage in stages) and (owner is None or o.owner_id == owner)
        ]
        return found if limit is None else found[:limit]

    def person_role(self, person_id: str) -> str | None:
        person = self.people.get(person_id)
        return None if person is None else str(person.role)

    def knows_people(self) -> bool:
        return bool(self.people)

    def activities(self, opportunity_id: str) -> list[Activity]:
        return [a for a in self.activity_log if a.opportunity_id == opportunity_id]

    def lead_readiness(self, opportunity: Opportunity) -> DemoReadiness | None:
        lead = self.leads.get(opportunity.lead_id or "")
        if lead is None:
            return None
        account = self.accounts.get(lead.account_id or opportunity.account_id or "")
        return demo_readiness(lead, account)

    def add_activity(self, activity: Activity) -> None:
        self.activity_log.append(activity)

    def create(self, opportunity: Opportunity, event: StageEvent) -> None:
        if opportunity.opportunity_id in self.opportunities:
            raise ConflictError(f"opportunity '{opportunity.opportunity_id}' already exists")
        self.opportunities[opportunity.opportunity_id] = replace(opportunity)
        self.stage_events[opportunity.opportunity_id] = [event]

    def _update(self, expected_version: int, opportunity: Opportunity) -> None:
        current = self.opportunities[opportunity.opportunity_id]
        if current.version != expected_version:
            raise ConflictError(
                f"{opportunity.opportunity_id} changed while this change was decided; "
                "nothing was written: look at its history and retry"
            )
        self.opportunities[opportunity.opportunity_id] = replace(opportunity)

    def save_move(self, expected_version: int, opportunity: Opportunity, event: StageEvent) -> None:
        self._update(expected_version, opportunity)
        self.stage_events.setdefault(opportunity.opportunity_id, []).append(event)

    def save_edit(self, expected_version: int, opportunity: Opportunity) -> None:
        self._update(expected_version, opportunity)

    def save_correction(
        self, expected_version: int, opportunity: Opportunity, correction: StageEventCorrection
    ) -> None:
        self._update(expected_version, opportunity)
        self.stage_corrections.setdefault(opportunity.opportunity_id, []).append(correction)

    def forecast_overrides(self, opportunity_id: str) -> list[ForecastOverride]:
        return [o for o in self.overrides if o.opportunity_id == opportunity_id]

    def add_forecast_override(self, override: ForecastOverride) -> None:
        if any(
            (o.opportunity_id, o.seq) == (override.opportunity_id, override.seq)
            for o in self.overrides
        ):
            raise ConflictError(
                f"another forecast category was set on {override.opportunity_id} meanwhile; retry"
            )
        self.overrides.append(override)
