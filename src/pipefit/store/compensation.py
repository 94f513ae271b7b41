"""What pay reads from the database: people, teams, pools, quotas and their changes,
credit splits, churned customers, and closed-won deals (read in bulk through ADBC)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, Table, and_, exists, insert, or_, select

from pipefit.domain.closes import PeriodClose, statement_record
from pipefit.domain.credit import CreditSplit, WonDeal
from pipefit.domain.model import Person, Pool, PoolMember, Quota, Role, Team
from pipefit.domain.quotas import QuotaChange
from pipefit.domain.spiffs import DealTraits
from pipefit.domain.statements import Statement, statement_from_record
from pipefit.store import tables as t
from pipefit.store.bulk import adbc_connection
from pipefit.store.database import normalise_url

__all__ = ["SqlCompensation", "read_won_deals", "sqlite_rows", "sqlite_time"]

_WON_SQLITE = """
SELECT opportunity_id, name, account_id, COALESCE(amount, 0) AS units, currency,
       owner_id, presales_id, closed_at || '+00:00'
FROM opportunities
WHERE outcome = 'won' AND closed_at >= ? AND closed_at < ? {only}
ORDER BY closed_at, opportunity_id
"""
_WON_POSTGRES = """
SELECT opportunity_id, name, account_id,
       CAST(round(COALESCE(amount, 0) * 10000) AS bigint) AS units, currency,
       owner_id, presales_id, closed_at
FROM opportunities
WHERE outcome = 'won' AND closed_at >= CAST($1 AS timestamptz)
  AND closed_at < CAST($2 AS timestamptz) {only}
"""
# Beyond this many names, reading every deal of the span is as quick as listing them.
_MAX_NAMED = 400


def _only(
    owners: Collection[str] | None, deal_ids: Collection[str], first: int, sqlite: bool
) -> tuple[str, list[str]]:
    """The SQL that keeps only some owners' deals (and named deals), with its parameters."""
    if owners is None or len(owners) + len(deal_ids) > _MAX_NAMED:
        return "", []
    names = [*owners, *deal_ids]
    marks = ["?" if sqlite else f"${first + i}" for i in range(len(names))]
    owner_marks = ", ".join(marks[: len(owners)]) or "NULL"
    deal_marks = ", ".join(marks[len(owners) :]) or "NULL"
    return f"AND (owner_id IN ({owner_marks}) OR opportunity_id IN ({deal_marks}))", names


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sqlite_time(moment: datetime) -> str:
    """The layout SQLAlchemy and the bulk loader both store on SQLite (text, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_rows(engine: Engine, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Rows through the engine's own sqlite3 connection, without SQLAlchemy's per-row work.

    Not through ADBC: its driver carries its own copy of SQLite, and two copies of SQLite
    in one process on one database file undo each other's POSIX locks (sqlite.org,
    "How To Corrupt An SQLite Database File", 2.2.1): the engine's pooled connection then
    reads a stale snapshot or fails with "disk I/O error"."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql, params)
        rows = list(cursor.fetchall())
        cursor.close()
        return rows
    finally:
        raw.close()


def _won_sqlite(
    engine: Engine, start: datetime, end: datetime, only: tuple[str, list[str]]
) -> list[WonDeal]:
    sql = _WON_SQLITE.format(only=only[0])
    rows = sqlite_rows(engine, sql, (sqlite_time(start), sqlite_time(end), *only[1]))
    # The stored text is UTC; with its offset appended, fromisoformat gives an aware
    # datetime directly (ten times faster than parsing, then replacing the zone).
    parse = datetime.fromisoformat
    return [
        WonDeal(i, Decimal(u).scaleb(-4), cur, parse(at), o, p, a, n)
        for i, n, a, u, cur, o, p, at in rows
    ]


def _won_postgres(
    url: str, start: datetime, end: datetime, only: tuple[str, list[str]]
) -> list[WonDeal]:
    with adbc_connection(url) as conn:
        cursor = conn.cursor()
        try:
            cursor.execute(
                _WON_POSTGRES.format(only=only[0]),
                (start.isoformat(), end.isoformat(), *only[1]),
            )
            table: pa.Table = cursor.fetch_arrow_table()
        finally:
            cursor.close()
    if table.num_rows == 0:
        return []
    micros = pc.cast(pc.cast(table["closed_at"], pa.timestamp("us")), pa.int64())
    table = table.set_column(table.column_names.index("closed_at"), "closed_at", micros)
    table = table.sort_by([("closed_at", "ascending"), ("opportunity_id", "ascending")])
    # Column by column, and aware datetimes from integers: Arrow's own conversion of
    # zoned timestamps to Python is several times slower.
    names = ("opportunity_id", "name", "account_id", "units", "currency", "owner_id")
    ids, titles, accounts, units, currencies, owners = (table[c].to_pylist() for c in names)
    presales, closed = table["presales_id"].to_pylist(), table["closed_at"].to_pylist()
    tick = timedelta(microseconds=1)
    return [
        WonDeal(i, Decimal(u).scaleb(-4), cur, _EPOCH + at * tick, o, p, a, n)
        for i, n, a, u, cur, o, p, at in zip(
            ids, titles, accounts, units, currencies, owners, presales, closed, strict=True
        )
    ]


def read_won_deals(
    engine: Engine,
    url: str,
    start: datetime,
    end: datetime,
    *,
    owners: Collection[str] | None = None,
    deal_ids: Collection[str] = (),
) -> list[WonDeal]:
    """Closed-won deals with start <= closed_at < end, in close order (one bulk read);
    with `owners`, only their deals and the named ones."""
    if normalise_url(url).startswith("sqlite"):
        return _won_sqlite(engine, start, end, _only(owners, deal_ids, 3, True))
    return _won_postgres(url, start, end, _only(owners, deal_ids, 3, False))


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class SqlCompensation:
    """The pay records. Inside a unit of work (`connection` given) every read and write of
    the small tables goes through its transaction; won deals are read in bulk on their own
    short connection. Without a connection each read is its own, and writes are refused."""

    def __init__(self, engine: Engine, url: str, connection: Connection | None = None) -> None:
        self._engine = engine
        self._url = url
        self._conn = connection

    def _rows(self, table: Table) -> list[Any]:
        if self._conn is not None:
            return list(self._conn.execute(select(table)))
        with self._engine.connect() as conn:
            return list(conn.execute(select(table)))

    def people(self) -> list[Person]:
        return [
            Person(
                person_id=r.person_id,
                name=r.name,
                role=Role(r.role) if r.role in Role._value2member_map_ else Role.ADMIN,
                team_id=r.team_id,
                base_pay=r.base_pay,
                variable_pay=r.variable_pay,
                currency=r.currency,
                hired_at=_date(r.hired_at),
            )
            for r in self._rows(t.people)
        ]

    def teams(self) -> list[Team]:
        return [Team(r.team_id, r.name, r.region, r.manager_id) for r in self._rows(t.teams)]

    def pools(self) -> list[Pool]:
        return [Pool(r.pool_id, r.name, r.discount_pct, r.target) for r in self._rows(t.pools)]

    def pool_members(self) -> list[PoolMember]:
        return [PoolMember(r.pool_id, r.person_id, r.kind) for r in self._rows(t.pool_members)]

    def quotas(self) -> list[Quota]:
        return [
            Quota(r.owner_id, r.period, r.amount, r.owner_kind, r.currency)
            for r in self._rows(t.quotas)
        ]

    def quota_changes(self) -> list[QuotaChange]:
        return [
            QuotaChange(
                r.owner_kind,
                r.owner_id,
                r.period,
                r.effective_at,
                r.amount,
                r.reason,
                r.recorded_at,
                r.change_id,
            )
            for r in self._rows(t.quota_changes)
        ]

    def add_quota_change(self, change: QuotaChange) -> QuotaChange:
        """Insert in the unit of work's transaction; it is kept when the unit commits."""
        if self._conn is None:
            raise RuntimeError("pay records are written through a unit of work")
        result = self._conn.execute(
            insert(t.quota_changes).values(
                owner_kind=change.owner_kind,
                owner_id=change.owner_id,
                period=change.period,
                effective_at=change.effective_at,
                amount=change.amount,
                reason=change.reason,
                recorded_at=change.recorded_at or datetime.now(UTC),
            )
        )
        key = result.inserted_primary_key
        return QuotaChange(
            change.owner_kind,
            change.owner_id,
            change.period,
            change.effective_at,
            change.amount,
            change.reason,
            change.recorded_at,
            int(key[0]) if key else None,
        )

    def period_closes(self) -> list[PeriodClose]:
        return sorted(
            (
                PeriodClose(r.period, r.closed_by, r.closed_at, r.statements, r.variable_pay)
                for r in self._rows(t.period_closes)
            ),
            key=lambda c: c.closed.start,
        )

    def closed_statements(self, person_id: str | None = None) -> list[Statement]:
        """Statements kept at close (one person's, or everyone's)."""
        query = select(t.closed_statements.c.body)
        if person_id is not None:
            query = query.where(t.closed_statements.c.person_id == person_id)
        if self._conn is not None:
            bodies = [r.body for r in self._conn.execute(query)]
        else:
            with self._engine.connect() as conn:
                bodies = [r.body for r in conn.execute(query)]
        return [statement_from_record(json.loads(body)) for body in bodies]

    def add_period_close(self, close: PeriodClose, statements: Sequence[Statement]) -> None:
        """Keep a close and its statements in the unit of work's transaction."""
        if self._conn is None:
            raise RuntimeError("pay records are written through a unit of work")
        self._conn.execute(
            insert(t.period_closes).values(
                period=close.period,
                closed_by=close.closed_by,
                closed_at=close.closed_at,
                statements=close.statements,
                variable_pay=close.variable_pay,
            )
        )
        rows = [
            {
                "period": s.period.label,
                "person_id": s.person_id,
                "closed_period": close.period,
                "body": json.dumps(statement_record(s), sort_keys=True),
            }
            for s in statements
        ]
        if rows:
            self._conn.execute(insert(t.closed_statements), rows)

    def credit_splits(self) -> list[CreditSplit]:
        return [
            CreditSplit(r.opportunity_id, r.person_id, r.kind, r.percent)
            for r in self._rows(t.credit_splits)
        ]

    def churns(self) -> dict[str, datetime]:
        query = select(t.customer_outcomes.c.account_id, t.customer_outcomes.c.churned_at).where(
            t.customer_outcomes.c.churned_at.is_not(None)
        )
        if self._conn is not None:
            return {r.account_id: r.churned_at for r in self._conn.execute(query)}
        with self._engine.connect() as conn:
            return {r.account_id: r.churned_at for r in conn.execute(query)}

    def won_deals(
        self,
        start: datetime,
        end: datetime,
        *,
        owners: Collection[str] | None = None,
        deal_ids: Collection[str] = (),
    ) -> list[WonDeal]:
        return read_won_deals(self._engine, self._url, start, end, owners=owners, deal_ids=deal_ids)

    def deal_traits(self, start: datetime, end: datetime) -> dict[str, DealTraits]:
        o = t.opportunities
        earlier = t.opportunities.alias("earlier")
        # A new logo: no won deal of the same account closed before it (ties by id).
        first = ~exists().where(
            and_(
                earlier.c.account_id == o.c.account_id,
                earlier.c.outcome == "won",
                or_(
                    earlier.c.closed_at < o.c.closed_at,
                    and_(
                        earlier.c.closed_at == o.c.closed_at,
                        earlier.c.opportunity_id < o.c.opportunity_id,
                    ),
                ),
            )
        )
        query = (
            select(
                o.c.opportunity_id,
                o.c.product,
                t.accounts.c.segment,
                and_(o.c.account_id.is_not(None), first).label("new_logo"),
            )
            .select_from(o.outerjoin(t.accounts, t.accounts.c.account_id == o.c.account_id))
            .where(o.c.outcome == "won", o.c.closed_at >= start, o.c.closed_at < end)
        )
        if self._conn is not None:
            rows = list(self._conn.execute(query))
        else:
            with self._engine.connect() as conn:
                rows = list(conn.execute(query))
        return {r.opportunity_id: DealTraits(r.segment, r.product, bool(r.new_logo)) for r in rows}
