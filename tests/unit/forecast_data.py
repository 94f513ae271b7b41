"""Small stage logs for the forecast tests, as records (for the oracle) and as the Arrow
relations the report reads, from one description so that both see the same deals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from pipefit.analytics.engine import connect
from pipefit.analytics.relations import RELATIONS
from pipefit.domain.metrics.forecast import Deal, Move

# pipeline P: three open stages, then won and lost
STAGES: list[tuple[str, int, str, str | None]] = [
    ("Discovery", 1, "open", None),
    ("Evaluation", 2, "open", None),
    ("Proposal", 3, "open", None),
    ("Won", 4, "won", None),
    ("Lost", 5, "lost", None),
]
CATEGORY = {name: category for name, _, category, _ in STAGES}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Planned:
    opportunity_id: str
    moves: list[tuple[str, datetime]]  # (stage entered, when); the first creates the deal
    amount: float | None = 1000.0
    segment: str | None = "smb"
    expected_close: datetime | None = None
    owner: str = "rep1"
    team: str = "team1"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Log:
    deals: list[Planned] = field(default_factory=list)
    overrides: list[tuple[str, str, datetime, str]] = field(default_factory=list)
    stage_categories: dict[str, str] = field(default_factory=dict)

    def add(self, opportunity_id: str, *moves: tuple[str, str], **kw: Any) -> Planned:
        deal = Planned(opportunity_id, [(s, at(t)) for s, t in moves], **kw)
        self.deals.append(deal)
        return deal

    # -- as the report reads them -------------------------------------------------------
    def relations(self) -> dict[str, pa.Table]:
        deals, events = [], []
        for d in self.deals:
            last_stage, last_at = d.moves[-1]
            outcome = CATEGORY[last_stage]
            deals.append(
                {
                    "opportunity_id": d.opportunity_id,
                    "pipeline": "P",
                    "stage": last_stage,
                    "outcome": outcome,
                    "amount": None if d.amount is None else d.amount,
                    "currency": "EUR",
                    "amount_home": d.amount,
                    "created_at": d.moves[0][1],
                    "closed_at": None if outcome == "open" else last_at,
                    "expected_close": d.expected_close,
                    "owner_id": d.owner,
                    "team_id": d.team,
                    "segment": d.segment,
                }
            )
            previous: str | None = None
            for seq, (stage, moment) in enumerate(d.moves, start=1):
                events.append(
                    {
                        "opportunity_id": d.opportunity_id,
                        "seq": seq,
                        "pipeline": "P",
                        "from_stage": previous,
                        "to_stage": stage,
                        "at": moment,
                        "category": CATEGORY[stage],
                        "position": next(p for n, p, _, _ in STAGES if n == stage),
                    }
                )
                previous = stage
        stages = [
            {
                "pipeline": "P",
                "stage": n,
                "position": p,
                "category": c,
                "forecast_category": self.stage_categories.get(n, f),
            }
            for n, p, c, f in STAGES
        ]
        overrides = [
            {"opportunity_id": o, "category": c, "at": t, "actor_id": who, "note": None}
            for o, c, t, who in self.overrides
        ]
        return {
            "deals": _table("deals", deals),
            "events": _table("events", events),
            "stages": _table("stages", stages),
            "forecast_overrides": _table("forecast_overrides", overrides),
        }

    def connect(self) -> duckdb.DuckDBPyConnection:
        return connect(self.relations())

    # -- as the oracle reads them (the log replayed to `moment` by hand) -----------------
    def records(self, moment: datetime, cuts: Sequence[str] = ()) -> tuple[list[Deal], list[Move]]:
        deals, moves = [], []
        for d in self.deals:
            happened = [(s, t) for s, t in d.moves if t <= moment]
            if not happened:
                continue
            stage, last_at = happened[-1]
            outcome = CATEGORY[stage]
            values = {"rep": d.owner, "team": d.team, "segment": d.segment}
            deals.append(
                Deal(
                    d.opportunity_id,
                    "P",
                    stage,
                    outcome,
                    d.amount,
                    happened[0][1],
                    None if outcome == "open" else last_at,
                    d.expected_close,
                    d.segment,
                    tuple(values[c] for c in cuts),
                )
            )
            previous: str | None = None
            for seq, (s, t) in enumerate(happened, start=1):
                moves.append(Move(d.opportunity_id, seq, "P", previous, s, CATEGORY[s], t))
                previous = s
        return deals, moves


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = RELATIONS[name]
    columns = {f.name: pa.array([r.get(f.name) for r in rows], type=_loose(f.type)) for f in schema}
    return pa.table(columns).cast(schema)


def _loose(kind: pa.DataType) -> pa.DataType:
    # amounts are given as floats; the relation's decimal is cast from them
    return pa.float64() if pa.types.is_decimal(kind) else kind
