"""The SQL DealRepository: opportunities, their stage log and their evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, exists, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from pipefit.domain.errors import ConflictError, NotFound
from pipefit.domain.forecast_category import ForecastOverride
from pipefit.domain.model import (
    Account,
    Activity,
    Category,
    Lead,
    Opportunity,
    StageEvent,
    StageEventCorrection,
)
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.qualification import SITUATION_SLIDE, DemoReadiness, demo_readiness
from pipefit.store.pipelines import load_stored_pipelines
from pipefit.store.stage_log import claim_logged
from pipefit.store.tables import (
    accounts,
    activities,
    forecast_overrides,
    leads,
    opportunities,
    people,
    stage_event_corrections,
    stage_events,
)

__all__ = ["SqlDeals"]


OPPORTUNITY_FIELDS = frozenset(f.name for f in fields(Opportunity))
EVENT_FIELDS = frozenset(f.name for f in fields(StageEvent))


def _opportunity(row: Any) -> Opportunity:
    # Stored columns the model does not carry (expected_close) stay in the store.
    data = {k: v for k, v in row._mapping.items() if k in OPPORTUNITY_FIELDS}
    data["outcome"] = Category(data["outcome"])
    return Opportunity(**data)


def _event(row: Any) -> StageEvent:
    # `logged` is the store's bookkeeping, not part of the domain's event.
    return StageEvent(**{k: v for k, v in row._mapping.items() if k in EVENT_FIELDS})


class SqlDeals:
    """Works on one connection; the caller owns the transaction."""

    def __init__(self, connection: Connection, configured: dict[str, Pipeline]) -> None:
        self._conn = connection
        self._configured = configured

    def pipelines(self) -> dict[str, Pipeline]:
        # Configured pipelines carry the triggers; stored ones add those imports brought.
        return load_stored_pipelines(self._conn) | self._configured

    def get(self, opportunity_id: str) -> Opportunity:
        row = self._conn.execute(
            select(opportunities).where(opportunities.c.opportunity_id == opportunity_id)
        ).first()
        if row is None:
            raise NotFound(f"no opportunity '{opportunity_id}'")
        return _opportunity(row)

    def events(self, opportunity_id: str) -> list[StageEvent]:
        rows = self._conn.execute(
            select(stage_events)
            .where(stage_events.c.opportunity_id == opportunity_id)
            .order_by(stage_events.c.seq)
        )
        return [_event(r) for r in rows]

    def corrections(self, opportunity_id: str) -> list[StageEventCorrection]:
        rows = self._conn.execute(
            select(stage_event_corrections)
            .where(stage_event_corrections.c.opportunity_id == opportunity_id)
            .order_by(stage_event_corrections.c.seq)
        )
        return [StageEventCorrection(**dict(r._mapping)) for r in rows]

    def forecast_overrides(self, opportunity_id: str) -> list[ForecastOverride]:
        rows = self._conn.execute(
            select(forecast_overrides)
            .where(forecast_overrides.c.opportunity_id == opportunity_id)
            .order_by(forecast_overrides.c.seq)
        )
        return [ForecastOverride(**dict(r._mapping)) for r in rows]

    def add_forecast_override(self, override: ForecastOverride) -> None:
        try:
            self._conn.execute(insert(forecast_overrides).values(**asdict(override)))
        except IntegrityError as exc:
            raise ConflictError(
                f"another forecast category was set on {override.opportunity_id} meanwhile; "
                "nothing was written: retry"
            ) from exc

    def list_opportunities(
        self, *, stages: set[str] | None = None, owner: str | None = None, limit: int | None = None
    ) -> list[Opportunity]:
        query = select(opportunities).order_by(opportunities.c.opportunity_id)
        if stages is not None:
            query = query.where(opportunities.c.stage.in_(sorted(stages)))
        if owner is not None:
            query = query.where(opportunities.c.owner_id == owner)
        if limit is not None:
            query = query.limit(limit)
        return [_opportunity(r) for r in self._conn.execute(query)]

    def person_role(self, person_id: str) -> str | None:
        role = self._conn.execute(
            select(people.c.role).where(people.c.person_id == person_id)
        ).scalar_one_or_none()
        return None if role is None else str(role)

    def knows_people(self) -> bool:
        return bool(self._conn.execute(select(exists().select_from(people))).scalar())

    def activities(self, opportunity_id: str) -> list[Activity]:
        rows = self._conn.execute(
            select(activities)
            .where(activities.c.opportunity_id == opportunity_id)
            .order_by(activities.c.at)
        )
        return [Activity(**{k: v for k, v in r._mapping.items() if k != "source"}) for r in rows]

    def lead_readiness(self, opportunity: Opportunity) -> DemoReadiness | None:
        if opportunity.lead_id is None:
            return None
        slide = [leads.c[name] for name in SITUATION_SLIDE if name != "industry"]
        row = self._conn.execute(
            select(leads.c.lead_id, leads.c.account_id, *slide).where(
                leads.c.lead_id == opportunity.lead_id
            )
        ).first()
        if row is None:
            return None
        values = dict(row._mapping)
        account_id = values.pop("account_id") or opportunity.account_id
        industry = self._conn.execute(
            select(accounts.c.industry).where(accounts.c.account_id == account_id)
        ).scalar_one_or_none()
        account = Account(account_id or "", "", industry=industry)
        return demo_readiness(Lead(created_at=datetime.now(UTC), **values), account)

    def add_activity(self, activity: Activity) -> None:
        self._conn.execute(insert(activities).values(**asdict(activity), source="pipefit"))

    def create(self, opportunity: Opportunity, event: StageEvent) -> None:
        values = asdict(opportunity)
        values["outcome"] = str(opportunity.outcome)
        try:
            self._conn.execute(insert(opportunities).values(**values))
            self._log(event)
        except IntegrityError as exc:
            raise ConflictError(
                f"opportunity '{opportunity.opportunity_id}' already exists"
            ) from exc

    def save_move(self, expected_version: int, opportunity: Opportunity, event: StageEvent) -> None:
        self._save(expected_version, opportunity, lambda: self._log(event))

    def save_edit(self, expected_version: int, opportunity: Opportunity) -> None:
        self._save(expected_version, opportunity, lambda: None)

    def save_correction(
        self, expected_version: int, opportunity: Opportunity, correction: StageEventCorrection
    ) -> None:
        row = insert(stage_event_corrections).values(**asdict(correction))
        self._save(expected_version, opportunity, lambda: self._conn.execute(row))

    def _log(self, event: StageEvent) -> None:
        # Numbered after the deal's row is written: on SQLite this transaction is the
        # writer by then, on PostgreSQL claim_logged takes the log's turn.
        values = asdict(event) | {"logged": claim_logged(self._conn)}
        self._conn.execute(insert(stage_events).values(**values))

    def _save(
        self, expected_version: int, opportunity: Opportunity, log: Callable[[], object]
    ) -> None:
        """Update the deal if its version is still `expected_version`, then `log`."""
        conflict = ConflictError(
            f"{opportunity.opportunity_id} was changed by someone else while this change was "
            "decided; nothing was written: look at its history and retry"
        )
        values = {k: v for k, v in asdict(opportunity).items() if k != "opportunity_id"}
        values["outcome"] = str(opportunity.outcome)
        try:
            result = self._conn.execute(
                update(opportunities)
                .where(opportunities.c.opportunity_id == opportunity.opportunity_id)
                .where(opportunities.c.version == expected_version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise conflict
            log()
        except IntegrityError as exc:
            raise conflict from exc
        except OperationalError as exc:
            # SQLite refuses a write from a reader whose snapshot is stale: same conflict.
            if "locked" in str(exc) or "busy" in str(exc).lower():
                raise conflict from exc
            raise
