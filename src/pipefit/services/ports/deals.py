"""What the deal services need from storage; SQL and in-memory versions implement it."""

from __future__ import annotations

from typing import Protocol

from pipefit.domain.forecast_category import ForecastOverride
from pipefit.domain.model import Activity, Opportunity, StageEvent, StageEventCorrection
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.qualification import DemoReadiness

__all__ = ["DealRepository"]


class DealRepository(Protocol):
    def pipelines(self) -> dict[str, Pipeline]: ...

    def get(self, opportunity_id: str) -> Opportunity: ...

    def events(self, opportunity_id: str) -> list[StageEvent]: ...

    def corrections(self, opportunity_id: str) -> list[StageEventCorrection]:
        """The corrections logged beside the deal's stage log, in their order."""
        ...

    def list_opportunities(
        self, *, stages: set[str] | None = None, owner: str | None = None, limit: int | None = None
    ) -> list[Opportunity]:
        """Deals by id; only those in one of `stages` (exact names) or owned by `owner`."""
        ...

    def person_role(self, person_id: str) -> str | None:
        """The person's role (sales_rep, presales, manager, admin); None if unknown."""
        ...

    def knows_people(self) -> bool:
        """Whether the workspace holds any person at all."""
        ...

    def activities(self, opportunity_id: str) -> list[Activity]: ...

    def lead_readiness(self, opportunity: Opportunity) -> DemoReadiness | None:
        """The Situation Slide of the deal's lead (None when it has none)."""
        ...

    def add_activity(self, activity: Activity) -> None: ...

    def create(self, opportunity: Opportunity, event: StageEvent) -> None: ...

    def save_move(self, expected_version: int, opportunity: Opportunity, event: StageEvent) -> None:
        """Write the move only if nobody changed the deal since `expected_version` was read."""
        ...

    def save_edit(self, expected_version: int, opportunity: Opportunity) -> None:
        """Write the deal's new fields (its version bumped by the caller), only if nobody
        changed it since `expected_version` was read."""
        ...

    def save_correction(
        self, expected_version: int, opportunity: Opportunity, correction: StageEventCorrection
    ) -> None:
        """Log the correction and update the deal, only if unchanged since it was read."""
        ...

    def forecast_overrides(self, opportunity_id: str) -> list[ForecastOverride]:
        """The forecast categories set on the deal by hand, in order."""
        ...

    def add_forecast_override(self, override: ForecastOverride) -> None: ...
