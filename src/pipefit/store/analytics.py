"""The relations reports read (`analytics.relations`), as Arrow, from SQLite or PostgreSQL.

Rows come through the unit of work's own connection (inside its transaction, so every
relation is read from one state of the database), with the driver's cursor a batch at a
time straight into Arrow (as `store.imports` reads), never through a second copy of
SQLite.

When the workspace has a folder for it (`.pipefit/analytics`), the relations of millions
of rows reach the reports as Parquet files that DuckDB reads itself (`sources`), not
through the driver on every report:
- the stage log as logged, through its copy (`store.analytics_copy.EventCopy`): only
  events logged since the last read are read from the database;
- `deals`, `leads`, `activities`, `changes`, `customers` and the effective log `events`
  (corrections applied), each copied whole (`RelationCopy`) and keyed to the state of
  the database it was read from. The key is made of numbers every writer moves: the
  last import (every import, CSV or history, records one, in the same transaction as its
  rows), the row counts of the tables pipefit's commands insert into, the last logged
  stage event (a stage move updates its deal in the same transaction) and the count of
  corrections (a correction updates its deal). The key is read in the same transaction
  as the rows, so a copy is of one state of the database; a copy whose key is not the
  database's now is never used (it is read again). The effective log is recomputed by
  DuckDB from the log's Parquet copy, only when the log, its corrections, the stages or
  the deals change.
The small relations (stages, people, quotas, pools, forecast overrides) are read whole
each time. Deleting the folder changes no figure: everything is read again. A database
changed by hand, outside pipefit, in a way that moves none of those numbers (an UPDATE in
a SQL shell) is not seen: delete the folder after such an edit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Connection

from pipefit.analytics.effective import effective_events, write_effective_events
from pipefit.analytics.engine import Parquet, Source, materialize
from pipefit.analytics.relations import RELATIONS
from pipefit.analytics.settings import AnalyticsSettings
from pipefit.store.analytics_copy import LOGGED_EVENTS, EventCopy, Refresh, RelationCopy
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


# What moves when a relation's rows change (see the module's docstring), per relation
# copied: the tables whose row counts are part of its key, and whether the last logged
# event and the corrections are.
_KEYED: dict[str, tuple[tuple[str, ...], bool]] = {
    "deals": (("opportunities", "people", "accounts", "leads"), True),
    "leads": (("leads", "lead_decisions", "accounts"), False),
    "activities": (("activities",), False),
    "changes": (("opportunity_changes",), False),
    "customers": (("customer_outcomes", "accounts"), False),
}
_COUNTED = sorted({t for tables, _ in _KEYED.values() for t in tables} | {"opportunities"})


class SqlAnalytics:
    """Works on the unit of work's connection; `copy_folder` None keeps no copy."""

    def __init__(self, connection: Connection, url: str, copy_folder: Path | None) -> None:
        self._conn = connection
        identity = {"schema_head": SCHEMA_HEAD, "database": describe_url(url)}
        self._copy = None if copy_folder is None else EventCopy(copy_folder, **identity)
        self._relation_copy = None if copy_folder is None else RelationCopy(copy_folder, **identity)
        self._notes: list[str] = []
        self._counts: dict[str, int] = {}
        self._stamps: dict[str, list[object]] | None = None

    @property
    def last_refresh(self) -> Refresh | None:
        """What the copy's last refresh did (None without a copy)."""
        return None if self._copy is None else self._copy.last

    @property
    def copied(self) -> list[str]:
        """The relations the last reads copied afresh from the database."""
        return [] if self._relation_copy is None else list(self._relation_copy.built)

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

    def _row(self, sql: str) -> tuple[Any, ...]:
        cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return tuple(row) if row is not None else ()

    # --- the log, for its copy (store.analytics_copy.LogReader) ----------------------

    def log_top(self) -> tuple[int, int]:
        top, unnumbered = self._row(
            "SELECT (SELECT max(logged) FROM stage_events), "
            "(SELECT count(*) FROM stage_events WHERE logged IS NULL)"
        ) or (0, 0)
        return int(top or 0), int(unnumbered or 0)

    def event_at(self, logged: int) -> tuple[str, int] | None:
        # An int formatted by this module, never user text.
        row = self._row(
            f"SELECT opportunity_id, seq FROM stage_events WHERE logged = {int(logged)}"
        )
        return None if not row else (str(row[0]), int(row[1]))

    def events_since(self, logged: int | None) -> pa.Table:
        where = "" if logged is None else f" WHERE logged > {int(logged)}"
        return self._fetch(_EVENTS + where, LOGGED_EVENTS)

    # --- the state a copy is keyed to ----------------------------------------------

    def _count(self, table: str) -> int:
        if table not in self._counts:
            # Table names from _KEYED, never user text.
            self._counts[table] = int(self._row(f"SELECT count(*) FROM {table}")[0])
        return self._counts[table]

    def _imports(self, tables: Collection[str]) -> dict[str, list[object]]:
        """Per table, the last import that inserted or updated rows of it (its number and
        time; every import records what it wrote, in the same transaction)."""
        if self._stamps is None:
            self._stamps = {}
            cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute("SELECT import_id, at, counts FROM imports ORDER BY import_id")
                rows = cursor.fetchall()
            finally:
                cursor.close()
            for number, at, counts in rows:
                for table in _written(counts):
                    self._stamps[table] = [int(number), str(at)]
        return {t: self._stamps.get(t, [0, ""]) for t in sorted(tables)}

    def _log_key(self) -> list[object]:
        top, unnumbered = self.log_top()
        marker = self.event_at(top) if top else None
        corrections = self._count("stage_event_corrections")
        return [top, unnumbered, list(marker) if marker else None, corrections]

    def _key(self, name: str, settings: AnalyticsSettings) -> dict[str, object]:
        tables, logged = _KEYED[name]
        key: dict[str, object] = {
            "imports": self._imports(tables),
            "counts": {t: self._count(t) for t in tables},
        }
        if logged:
            key["log"] = self._log_key()
        if name == "deals":
            key["rates"] = [
                settings.home_currency.upper(),
                sorted((k.upper(), str(v)) for k, v in settings.rates.items()),
            ]
        return key

    # --- the relations (services.ports.analytics.AnalyticsSource) --------------------

    def notes(self) -> list[str]:
        return list(self._notes)

    def relations(
        self, settings: AnalyticsSettings, names: Collection[str] | None = None
    ) -> dict[str, pa.Table]:
        return {
            name: materialize(source, RELATIONS[name])
            for name, source in self.sources(settings, names).items()
        }

    def sources(
        self, settings: AnalyticsSettings, names: Collection[str] | None = None
    ) -> dict[str, Source]:
        self._notes = []
        self._counts = {}
        self._stamps = None
        wanted = set(RELATIONS) if names is None else set(names)
        stages = forecast_categories(self._fetch(_STAGES, STORED_STAGES), settings)
        deals = self._copied("deals", settings, lambda: self._deals(settings))
        # The big ones (activities, leads: millions of rows) are read only when asked for.
        readers: dict[str, Callable[[], Source]] = {
            "deals": lambda: deals,
            "events": lambda: self._events(deals, stages),
            "changes": lambda: self._copied(
                "changes", settings, lambda: self._fetch(_CHANGES, RELATIONS["changes"])
            ),
            "stages": lambda: stages,
            "people": lambda: self._fetch(_PEOPLE, RELATIONS["people"]),
            "quotas": lambda: quota_relation(self._fetch(_QUOTAS, RAW_QUOTAS), settings),
            "activities": lambda: self._copied(
                "activities",
                settings,
                lambda: self._fetch(_ACTIVITIES, RELATIONS["activities"]),
            ),
            "leads": lambda: self._copied(
                "leads", settings, lambda: self._fetch(_LEADS, RELATIONS["leads"])
            ),
            "customers": lambda: self._copied(
                "customers",
                settings,
                lambda: _customers(self._fetch(_CUSTOMERS, RAW_CUSTOMERS)),
            ),
            "pool_members": lambda: self._fetch(_POOL_MEMBERS, RELATIONS["pool_members"]),
            "forecast_overrides": lambda: self._fetch(_OVERRIDES, RELATIONS["forecast_overrides"]),
        }
        return {name: read() for name, read in readers.items() if name in wanted}

    def _deals(self, settings: AnalyticsSettings) -> pa.Table:
        deals = self._fetch(_DEALS, RAW_DEALS)
        return deals.append_column(
            "amount_home", home_amounts(deals["amount"], deals["currency"], settings)
        ).select(RELATIONS["deals"].names)

    def _copied(
        self, name: str, settings: AnalyticsSettings, read: Callable[[], pa.Table]
    ) -> Source:
        """The relation `name` from its copy for the database's state now, the copy made
        first if there is none; read from the database when no copy can be kept."""
        if self._relation_copy is None:
            return read()
        key = self._key(name, settings)
        schema = RELATIONS[name]
        held = self._relation_copy.held(name, key, schema)
        if held is not None:
            return Parquet.of(held)
        grown = self._grown(name, key, schema)
        table = None
        if grown is not None and name == "deals":
            # Only deals with events logged since are read again (a stage move updates
            # its deal in the same transaction as it logs the event).
            table = self._patched_deals(*grown, settings)
        if table is None:
            table = read()
        written = table
        try:
            path = self._relation_copy.keep(name, key, lambda tmp: pq.write_table(written, tmp))
        except OSError as exc:
            self._note_uncopied(exc)
            return table
        return Parquet.of(path)

    def _grown(self, name: str, key: dict[str, Any], schema: pa.Schema) -> tuple[Path, int] | None:
        """The last copy of `name` and the last logged event it knew of, when what has
        changed since is only that the log grew (nothing else in its key moved, the event
        it knew as the last is still that one): its deals with new events are the only
        ones that can differ."""
        assert self._relation_copy is not None
        previous = self._relation_copy.previous(name, schema)
        if previous is None or "log" not in key:
            return None
        old, path = previous
        then, now = old.get("log"), key["log"]
        same = {k: v for k, v in old.items() if k != "log"} == {
            k: v for k, v in key.items() if k != "log"
        }
        if not (same and isinstance(then, list) and len(then) == 4 and then[1] == 0):
            return None
        top, _, marker, corrections = then
        if not (isinstance(top, int) and 0 < top < now[0]) or now[1] or corrections != now[3]:
            return None
        found = self.event_at(top)
        return (path, top) if found is not None and list(found) == marker else None

    def _patched_deals(
        self, old_path: Path, top: int, settings: AnalyticsSettings
    ) -> pa.Table | None:
        """The deals of the copy at `old_path`, those with events logged after `top` read
        again, in place (so the rows stand in the order a full read gives)."""
        # An int formatted by this module, never user text.
        moved = (
            " WHERE o.opportunity_id IN "
            f"(SELECT opportunity_id FROM stage_events WHERE logged > {int(top)})"
        )
        fresh = self._fetch(_DEALS + moved, RAW_DEALS)
        fresh = fresh.append_column(
            "amount_home", home_amounts(fresh["amount"], fresh["currency"], settings)
        ).select(RELATIONS["deals"].names)
        old = pq.read_table(old_path).cast(RELATIONS["deals"])
        where = pc.index_in(old["opportunity_id"], value_set=fresh["opportunity_id"])
        at = where.to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(~np.isnan(at)) if at.dtype.kind == "f" else np.arange(len(at))
        if len(rows) != fresh.num_rows:
            return None  # a deal that is not in the copy: read them all
        indices = np.arange(old.num_rows, dtype=np.int64)
        indices[rows] = old.num_rows + at[rows].astype(np.int64)
        return pa.concat_tables([old, fresh]).take(pa.array(indices))

    def _note_uncopied(self, exc: OSError) -> None:
        folder = None if self._relation_copy is None else self._relation_copy.folder
        note = f"the columnar copy in {folder} could not be written ({exc.strerror or exc})"
        if note not in self._notes:
            self._notes.append(note)

    def _events(self, deals: Source, stages: pa.Table) -> Source:
        corrections = self._fetch(_CORRECTIONS, CORRECTIONS)
        pipelines = _deal_pipelines(deals)
        if self._copy is None or self._relation_copy is None:
            return effective_events(self.events_since(None), corrections, stages, pipelines)
        logged = self._copy.update(self)
        refresh = self._copy.last
        if isinstance(logged, pa.Table):
            if refresh is not None:
                self._notes.append(f"the stage log was read whole: {refresh.reason}")
            return effective_events(logged, corrections, stages, pipelines)
        # A deal's pipeline changes only by an import or when the deal is created.
        positions = stages.select(["pipeline", "stage", "position", "category"])
        key = {
            "log": self._log_key(),
            "stages": json.dumps(positions.to_pylist(), sort_keys=True),
            "imports": self._imports(["opportunities"]),
            "opportunities": self._count("opportunities"),
        }
        held = self._relation_copy.held("events", key, RELATIONS["events"])
        if held is not None:
            return Parquet.of(held)
        grown = self._grown("events", key, RELATIONS["events"])
        before = None if grown is None else (Parquet.of(grown[0]), grown[1])
        parts = Parquet.of(logged)
        try:
            path = self._relation_copy.keep(
                "events",
                key,
                lambda tmp: write_effective_events(
                    tmp, parts, corrections, stages, pipelines, grown_from=before
                ),
            )
        except OSError as exc:
            self._note_uncopied(exc)
            return effective_events(parts, corrections, stages, pipelines)
        return Parquet.of(path)


def _written(counts: object) -> list[str]:
    """The tables an import wrote rows of, from what it recorded (every table, to be
    safe, when the record cannot be read)."""
    try:
        found: Any = json.loads(counts) if isinstance(counts, str | bytes) else counts
        return [
            table
            for table, written in found.items()
            if int(written.get("inserted", 0))
            or int(written.get("updated", 0))
            or "inserted" not in written
        ]
    except (ValueError, TypeError, AttributeError):
        return list(_COUNTED)


def _deal_pipelines(deals: Source) -> Source:
    if isinstance(deals, pa.Table):
        return deals.select(["opportunity_id", "pipeline"])
    return deals


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
