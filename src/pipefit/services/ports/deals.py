"""What the deal services need from storage; SQL and in-memory versions implement it."""

from __future__ import annotations

from typing import Protocol

from pipefit.domain.model import Activity, Opportunity, StageEvent
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.qualification import DemoReadiness

__all__ = ["DealRepository"]


class DealRepository(Protocol):
    def pipelines(self) -> dict[str, Pipeline]: ...

    def get(self, opportunity_id: str) -> Opportunity: ...

    def events(self, opportunity_id: str) -> list[StageEvent]: ...

    def activities(self, opportunity_id: str) -> list[Activity]: ...

    def lead_readiness(self, opportunity: Opportunity) -> DemoReadiness | None:
        """The Situation Slide of the deal's lead (None when it has none)."""
        ...

    def add_activity(self, activity: Activity) -> None: ...

    def create(self, opportunity: Opportunity, event: StageEvent) -> None: ...

    def save_move(self, expected_version: int, opportunity: Opportunity, event: StageEvent) -> None:
        """Write the move only if nobody changed the deal since `expected_version` was read."""
        ...
