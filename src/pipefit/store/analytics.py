"""The relations reports read (`analytics.relations`), as Arrow, from SQLite or PostgreSQL.

Rows come through the unit of work's own connection (inside its transaction, so every
relation is read from one state of the database), with the driver's cursor a batch at a
time straight into Arrow (as `store.imports` reads), never through a second copy of
SQLite. The stage log comes through its columnar copy (`store.analytics_copy`) when the
workspace has a folder for it: only events logged since the last read are read from the
database. The other relations are small next to the log (one row per deal, person,
quota, change ...) and are read whole each time.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from pipefit.analytics.effective import effective_events
from pipefit.analytics.relations import RELATIONS
from pipefit.analytics.settings import AnalyticsSettings
from pipefit.store.analytics_copy import LOGGED_EVENTS, EventCopy, Refresh
from pipefit.store.database import SCHEMA_HEAD, describe_url
from pipefit.store.types import MONEY_SCALE

__all__ = ["COPY_FOLDER", "SqlAnalytics"]

COPY_FOLDER = Path(".pipefit") / "analytics"
FETCH_ROWS = 100_000
TIME = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(18, 4)
_SCALE = pa.scalar(Decimal(MONEY_SCALE), pa.decimal128(5, 0))

_DEALS = """
SELECT o.opportunity_id, o.pipeline, o.stage, o.substate, o.outcome, o.amount, o.currency,
       o.created_at, o.closed_at, o.expected_close, o.owner_id, o.presales_id,
       p.team_id, o.account_id, a.segment,
       COALESCE(l.lead_source, o.source) AS source,
       o.product, o.lead_id, o.loss_reason
FROM opportunities o
LEFT JOIN people p ON p.person_id = o.owner_id
LEFT JOIN accounts a ON a.account_id = o.account_id
LEFT JOIN leads l ON l.lead_id = o.lead_id
"""
RAW_DEALS = pa.schema([f for f in RELATIONS["deals"] if f.name != "amount_home"])
_EVENTS = "SELECT opportunity_id, seq, from_stage, to_stage, substate, at, logged FROM stage_events"
_CORRECTIONS = "SELECT opportunity_id, seq, corrects_seq, at, void FROM stage_event_corrections"
CORRECTIONS = pa.schema(
    [
        ("opportunity_id", pa.string()),
        ("seq", pa.int64()),
        ("corrects_seq", pa.int64()),
        ("at", TIME),
        ("void", pa.bool_()),
    ]
)
# Stored from 0; the relations count from 1.
_STAGES = "SELECT pipeline, name, position + 1, category FROM stages"
STORED_STAGES = pa.schema([f for f in RELATIONS["stages"] if f.name != "forecast_category"])
_OVERRIDES = "SELECT opportunity_id, category, at, actor_id, note FROM forecast_overrides"
_PEOPLE = """
SELECT p.person_id, p.name, p.role, p.team_id, t.manager_id
FROM people p LEFT JOIN teams t ON t.team_id = p.team_id
"""
_QUOTAS = "SELECT owner_kind, owner_id, period, amount, currency FROM quotas"
RAW_QUOTAS = pa.schema(
    [
        ("owner_kind", pa.string()),
        ("owner_id", pa.string()),
        ("period", pa.string()),
        ("amount", MONEY),
        ("currency", pa.string()),
    ]
)
_CHANGES = """
SELECT opportunity_id, field, at, ordinal, old_amount, new_amount, old_close_date,
       new_close_date
FROM opportunity_changes
"""
_ACTIVITIES = "SELECT activity_id, opportunity_id, lead_id, kind, purpose, at FROM activities"
_LEADS = """
SELECT l.lead_id, l.created_at, l.status, l.account_id, a.segment, l.lead_source
FROM leads l LEFT JOIN accounts a ON a.account_id = l.account_id
"""
# Revenue and margin are kept in the workspace currency (customer_outcomes has none).
_CUSTOMERS = """
SELECT c.account_id, a.industry, a.segment, c.won_at, c.churned_at, c.renewed, c.expanded,
       c.revenue, c.margin
FROM customer_outcomes c LEFT JOIN accounts a ON a.account_id = c.account_id
"""
RAW_CUSTOMERS = pa.schema(
    [f for f in RELATIONS["customers"] if not f.name.endswith("_home")]
    + [("revenue", MONEY), ("margin", MONEY)]
)
# A pool's presales engineers are its members (the reps it covers are not).
_POOL_MEMBERS = "SELECT pool_id, person_id FROM pool_members WHERE kind = 'member'"


class SqlAnalytics:
    """Works on the unit of work's connection; `copy_folder` None keeps no copy."""

    def __init__(self, connection: Connection, url: str, copy_folder: Path | None) -> None:
        self._conn = connection
        self._copy = (
            None
            if copy_folder is None
            else EventCopy(copy_folder, schema_head=SCHEMA_HEAD, database=describe_url(url))
        )
        self._notes: list[str] = []

    @property
    def last_refresh(self) -> Refresh | None:
        """What the copy's last refresh did (None without a copy)."""
        return None if self._copy is None else self._copy.last

    @property
    def _sqlite(self) -> bool:
        return self._conn.dialect.name == "sqlite"

    # --- the raw reads -------------------------------------------------------------

    def _raw_type(self, kind: pa.DataType) -> pa.DataType:
        # SQLite keeps money as 1/10,000 units, times as UTC text and booleans as 0/1.
        if self._sqlite and pa.types.is_decimal(kind):
            return pa.int64()
        if self._sqlite and pa.types.is_timestamp(kind):
            return pa.string()
        if self._sqlite and pa.types.is_boolean(kind):
            return pa.int64()
        return kind

    def _typed(self, column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
        if self._sqlite and pa.types.is_decimal(kind):
            units = pc.cast(column, pa.decimal128(19, 0))
            return pc.cast(pc.divide(pc.cast(units, pa.decimal128(24, 4)), _SCALE), kind)
        if self._sqlite and pa.types.is_timestamp(kind):
            return pc.assume_timezone(pc.cast(column, pa.timestamp("us")), "UTC")
        return pc.cast(column, kind)

    def _fetch(self, sql: str, schema: pa.Schema, params: Sequence[Any] = ()) -> pa.Table:
        """Rows through the driver's own cursor on this unit's connection, a batch at a
        time straight into Arrow (columns in `schema`'s order)."""
        raw = pa.struct([(f.name, self._raw_type(f.type)) for f in schema])
        chunks = [pa.array([], raw)]
        cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, tuple(params))
            while rows := cursor.fetchmany(FETCH_ROWS):
                chunks.append(pa.array(rows, raw))
        finally:
            cursor.close()
        table = pa.Table.from_struct_array(pa.chunked_array(chunks, raw))
        return pa.table([self._typed(table[f.name], f.type) for f in schema], schema=schema)

    # --- the log, for its copy (store.analytics_copy.LogReader) ----------------------

    def log_top(self) -> tuple[int, int]:
        cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(
                "SELECT (SELECT max(logged) FROM stage_events), "
                "(SELECT count(*) FROM stage_events WHERE logged IS NULL)"
            )
            top, unnumbered = cursor.fetchone() or (0, 0)
        finally:
            cursor.close()
        return int(top or 0), int(unnumbered or 0)

    def event_at(self, logged: int) -> tuple[str, int] | None:
        cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            # An int formatted by this module, never user text.
            cursor.execute(
                f"SELECT opportunity_id, seq FROM stage_events WHERE logged = {int(logged)}"
            )
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else (str(row[0]), int(row[1]))

    def events_since(self, logged: int | None) -> pa.Table:
        where = "" if logged is None else f" WHERE logged > {int(logged)}"
        return self._fetch(_EVENTS + where, LOGGED_EVENTS)

    # --- the relations (services.ports.analytics.AnalyticsSource) --------------------

    def notes(self) -> list[str]:
        return list(self._notes)

    def relations(
        self, settings: AnalyticsSettings, names: Collection[str] | None = None
    ) -> dict[str, pa.Table]:
        self._notes = []
        wanted = set(RELATIONS) if names is None else set(names)
        deals = self._fetch(_DEALS, RAW_DEALS)
        deals = deals.append_column(
            "amount_home", home_amounts(deals["amount"], deals["currency"], settings)
        ).select(RELATIONS["deals"].names)
        stages = forecast_categories(self._fetch(_STAGES, STORED_STAGES), settings)
        # The big ones (activities, leads: millions of rows) are read only when asked for.
        readers: dict[str, Callable[[], pa.Table]] = {
            "deals": lambda: deals,
            "events": lambda: self._events(deals, stages),
            "changes": lambda: self._fetch(_CHANGES, RELATIONS["changes"]),
            "stages": lambda: stages,
            "people": lambda: self._fetch(_PEOPLE, RELATIONS["people"]),
            "quotas": lambda: quota_relation(self._fetch(_QUOTAS, RAW_QUOTAS), settings),
            "activities": lambda: self._fetch(_ACTIVITIES, RELATIONS["activities"]),
            "leads": lambda: self._fetch(_LEADS, RELATIONS["leads"]),
            "customers": lambda: _customers(self._fetch(_CUSTOMERS, RAW_CUSTOMERS)),
            "pool_members": lambda: self._fetch(_POOL_MEMBERS, RELATIONS["pool_members"]),
            "forecast_overrides": lambda: self._fetch(_OVERRIDES, RELATIONS["forecast_overrides"]),
        }
        return {name: read() for name, read in readers.items() if name in wanted}

    def _events(self, deals: pa.Table, stages: pa.Table) -> pa.Table:
        if self._copy is None:
            logged = self.events_since(None)
        else:
            logged = self._copy.refresh(self)
            refresh = self._copy.last
            if refresh is not None and refresh.mode == "uncopied":
                self._notes.append(f"the stage log was read whole: {refresh.reason}")
        return effective_events(
            logged.drop_columns(["logged"]),
            self._fetch(_CORRECTIONS, CORRECTIONS),
            stages,
            deals.select(["opportunity_id", "pipeline"]),
        )


def _customers(raw: pa.Table) -> pa.Table:
    """Revenue and margin as float64 in the workspace currency, as the relation has them."""
    return pa.table(
        [
            pc.cast(raw[f.name.removesuffix("_home")], pa.float64())
            if f.name.endswith("_home")
            else raw[f.name]
            for f in RELATIONS["customers"]
        ],
        schema=RELATIONS["customers"],
    )


def forecast_categories(stages: pa.Table, settings: AnalyticsSettings) -> pa.Table:
    """The stages with the forecast category pipefit.toml gives each (null: the default)."""
    mapped = settings.forecast_categories
    pairs = zip(stages["pipeline"].to_pylist(), stages["stage"].to_pylist(), strict=True)
    column = pa.array([mapped.get((p, s)) for p, s in pairs], pa.string())
    return stages.append_column("forecast_category", column).select(RELATIONS["stages"].names)


def home_amounts(
    amount: pa.ChunkedArray, currency: pa.ChunkedArray, settings: AnalyticsSettings
) -> pa.ChunkedArray:
    """Amounts in the workspace currency (float64): null where no rate is known."""
    rates: Mapping[str, Decimal] = {k.upper(): v for k, v in settings.rates.items()}
    rates = {**rates, settings.home_currency.upper(): Decimal(1)}
    names = pa.array(list(rates), pa.string())
    values = pa.array([float(v) for v in rates.values()], pa.float64())
    where = pc.index_in(pc.utf8_upper(currency), value_set=names)
    rate = pc.take(values, where)
    return pc.multiply(pc.cast(amount, pa.float64()), rate)


def quota_relation(quotas: pa.Table, settings: AnalyticsSettings) -> pa.Table:
    """Quotas with their periods' bounds (domain.periods) and amounts in home currency."""
    from pipefit.domain.periods import parse_period

    starts, ends = [], []
    for label in quotas["period"].to_pylist():  # one parse per distinct label (cached)
        period = parse_period(label)
        starts.append(period.start_at)
        ends.append(period.end_at)
    return pa.table(
        {
            "owner_kind": quotas["owner_kind"],
            "owner_id": quotas["owner_id"],
            "period": quotas["period"],
            "period_start": pa.array(starts, TIME),
            "period_end": pa.array(ends, TIME),
            "amount_home": home_amounts(quotas["amount"], quotas["currency"], settings),
        },
        schema=RELATIONS["quotas"],
    )
