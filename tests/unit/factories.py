"""Plain factory functions for domain tests."""

from __future__ import annotations

from datetime import UTC, datetime

from pipefit.config import default_config_text, parse_config
from pipefit.domain.model import Activity, Category, Opportunity
from pipefit.domain.pipeline import Pipeline


def when(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def inbound() -> Pipeline:
    return parse_config(default_config_text()).pipelines_by_name()["inbound"]


def deal(stage: str = "Discovery", version: int = 1, **overrides: object) -> Opportunity:
    values: dict[str, object] = {
        "opportunity_id": "ACME-RENEWAL-Q3",
        "pipeline": "inbound",
        "stage": stage,
        "created_at": when("2026-02-20"),
        "outcome": Category.OPEN,
        "version": version,
    }
    values.update(overrides)
    return Opportunity(**values)  # type: ignore[arg-type]


def evidence(kind: str, day: str, purpose: str | None = None, by: str | None = None) -> Activity:
    return Activity(
        activity_id=f"{kind}-{purpose}-{by}-{day}",
        kind=kind,
        at=when(day),
        opportunity_id="ACME-RENEWAL-Q3",
        purpose=purpose,
        by=by,
    )
