"""Leads with what qualification needs about them, read set-at-a-time; decisions written back.

One query joins each lead to its account, contact, owner's team, deals and the customer
its account became; ADBC returns it as Arrow (SQLite's C API, PostgreSQL's binary
protocol), so a million leads come out in seconds rather than through a million ORM rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, and_, case, func, insert, or_, select, update

from pipefit.domain.errors import NotFound
from pipefit.domain.model import CustomerOutcome
from pipefit.domain.routing import LeadDecision, Rep
from pipefit.store.bulk import adbc_connection
from pipefit.store.database import normalise_url
from pipefit.store.tables import (
    accounts,
    customer_outcomes,
    handoffs,
    lead_decisions,
    leads,
    opportunities,
    people,
)

__all__ = [
    "LEAD_SCHEMA",
    "LEAD_TEXT",
    "SCORING_COLUMNS",
    "SqlLeads",
    "read_lead_table",
    "read_scoring_rows",
]

LEAD_TEXT = (
    "lead_id", "status", "account_id", "contact_id", "lead_source", "owner_id",
    "budget", "authority", "need", "timeline", "contact_role", "critical_issue",
    "problems", "capabilities", "value_expected", "value_realization_events",
)  # fmt: skip
_MONEY = ("needs_match_pct", "success_criteria_fit_pct")
_INTS = ("buying_team_size", "expected_ttv_days", "employees")
_BOOLS = (
    "referral", "similar_experience", "is_executive", "is_decision_maker",
    "on_buying_committee", "former_user", "renewed", "expanded", "reference",
)  # fmt: skip
_TIMES = ("created_at", "deal_closed_at", "won_at", "customer_since", "churned_at")

_TEXT, _FLOAT, _INT, _BOOL = pa.string(), pa.float64(), pa.int64(), pa.bool_()
_TIME = pa.timestamp("us", tz="UTC")
LEAD_SCHEMA = pa.schema(
    [(c, _TEXT) for c in LEAD_TEXT]
    + [
        ("created_at", _TIME), ("needs_match_pct", _FLOAT), ("success_criteria_fit_pct", _FLOAT),
        ("buying_team_size", _INT), ("referral", _BOOL), ("similar_experience", _BOOL),
        ("expected_ttv_days", _INT), ("industry", _TEXT), ("employees", _INT),
        ("culture", _TEXT), ("segment", _TEXT), ("region", _TEXT), ("is_executive", _BOOL),
        ("is_decision_maker", _BOOL), ("on_buying_committee", _BOOL), ("former_user", _BOOL),
        ("owner_team", _TEXT), ("deals", _INT), ("won_deals", _INT), ("open_deals", _INT),
        ("deal_closed_at", _TIME), ("won_at", _TIME), ("customer_since", _TIME),
        ("renewed", _BOOL), ("expanded", _BOOL), ("churned_at", _TIME), ("reference", _BOOL),
        ("won_units", _INT), ("won_currency", _TEXT),
    ]
)  # fmt: skip
"""The lead table every LeadRepository returns, in this column order (the query's)."""


def _query(sqlite: bool, where: str = "") -> str:
    """The lead table's query; `where` (on `l`, the leads) narrows it in SQL, the deals
    aggregated only for the leads it keeps (by the index on opportunities.lead_id)."""
    money = "{} / 10000.0" if sqlite else "CAST({} AS DOUBLE PRECISION)"
    # Won revenue in exact 1/10,000 units (SQLite stores them so already).
    units = (
        "COALESCE(amount, 0)" if sqlite else "CAST(round(COALESCE(amount, 0) * 10000) AS bigint)"
    )
    lead_cols = ", ".join(f"l.{c}" for c in LEAD_TEXT)
    keep_leads = f"WHERE {where}" if where else ""
    keep_deals = f" AND lead_id IN (SELECT l.lead_id FROM leads l WHERE {where})" if where else ""
    return f"""
SELECT {lead_cols}, l.created_at,
  {money.format("l.needs_match_pct")} AS needs_match_pct,
  {money.format("l.success_criteria_fit_pct")} AS success_criteria_fit_pct,
  l.buying_team_size, l.referral, l.similar_experience, l.expected_ttv_days,
  a.industry, a.employees, a.culture, a.segment, a.region,
  c.is_executive, c.is_decision_maker, c.on_buying_committee, c.former_user,
  p.team_id AS owner_team,
  o.deals, o.won_deals, o.open_deals, o.deal_closed_at, o.won_at,
  co.won_at AS customer_since, co.renewed, co.expanded, co.churned_at, co.reference,
  COALESCE(o.won_units, 0) AS won_units, o.won_currency
FROM leads l
LEFT JOIN (
  SELECT lead_id, COUNT(*) AS deals,
    SUM(CASE WHEN outcome = 'won' THEN 1 ELSE 0 END) AS won_deals,
    SUM(CASE WHEN outcome = 'open' THEN 1 ELSE 0 END) AS open_deals,
    MAX(closed_at) AS deal_closed_at,
    MIN(CASE WHEN outcome = 'won' THEN closed_at END) AS won_at,
    MIN(account_id) AS deal_account,
    SUM(CASE WHEN outcome = 'won' THEN {units} ELSE 0 END) AS won_units,
    MAX(CASE WHEN outcome = 'won' THEN currency END) AS won_currency
  FROM opportunities WHERE lead_id IS NOT NULL{keep_deals} GROUP BY lead_id
) o ON o.lead_id = l.lead_id
LEFT JOIN accounts a ON a.account_id = COALESCE(l.account_id, o.deal_account)
LEFT JOIN contacts c ON c.contact_id = l.contact_id
LEFT JOIN people p ON p.person_id = l.owner_id
LEFT JOIN customer_outcomes co ON co.account_id = a.account_id
{keep_leads}
ORDER BY l.created_at, l.lead_id
"""


def _decode(table: pa.Table) -> pa.Table:
    """Database representations -> plain Arrow types, the same from SQLite and PostgreSQL."""
    columns: dict[str, Any] = {}
    for name in table.column_names:
        col = table[name]
        if name in _TIMES:
            if not pa.types.is_timestamp(col.type):
                col = pc.cast(pc.cast(col, pa.string()), pa.timestamp("us"))
            col = pc.cast(col, pa.timestamp("us", tz="UTC"))
        elif name in _BOOLS:
            col = pc.cast(col, pa.bool_()) if not pa.types.is_boolean(col.type) else col
        elif name in _INTS or name in ("deals", "won_deals", "open_deals", "won_units"):
            col = pc.cast(col, pa.int64())
        elif name in _MONEY:
            col = pc.cast(col, pa.float64())
        else:  # text; SQLite reports a column of nothing but nulls as integers
            col = pc.cast(col, pa.string())
        columns[name] = col
    found = pa.table(columns)
    return found.cast(pa.schema([LEAD_SCHEMA.field(n) for n in found.column_names]))


def _quoted(values: Iterable[str]) -> str:
    # ADBC's parameter binding differs between drivers; ids and statuses are quoted as
    # SQL string literals instead (a quote doubled), never spliced raw.
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


SCORING_COLUMNS = (
    "lead_id", "account_id", "contact_id", "needs_match_pct", "success_criteria_fit_pct",
    "buying_team_size", "referral", "similar_experience", "expected_ttv_days", "industry",
    "segment", "culture", "is_executive", "former_user",
)  # fmt: skip
"""What the scorecard reads of a lead: the lead table's columns for ordering a queue."""


def _scoring_query(sqlite: bool, where: str) -> str:
    money = "{} / 10000.0" if sqlite else "CAST({} AS DOUBLE PRECISION)"
    # A lead without an account takes its first deal's, as in the lead table.
    return f"""
SELECT l.lead_id, l.account_id, l.contact_id,
  {money.format("l.needs_match_pct")} AS needs_match_pct,
  {money.format("l.success_criteria_fit_pct")} AS success_criteria_fit_pct,
  l.buying_team_size, l.referral, l.similar_experience, l.expected_ttv_days,
  a.industry, a.segment, a.culture, c.is_executive, c.former_user
FROM leads l
LEFT JOIN accounts a ON a.account_id = COALESCE(l.account_id,
  (SELECT MIN(o.account_id) FROM opportunities o WHERE o.lead_id = l.lead_id))
LEFT JOIN contacts c ON c.contact_id = l.contact_id
{f"WHERE {where}" if where else ""}
"""


def read_scoring_rows(
    url: str, *, statuses: Collection[str] | None = None, owners: Collection[str] | None = None
) -> pa.Table:
    """The `SCORING_COLUMNS` of the leads with one of `statuses` owned by one of `owners`
    (each when given), in no particular order."""
    sqlite = normalise_url(url).startswith("sqlite")
    with adbc_connection(url) as conn:
        cursor = conn.cursor()
        try:
            cursor.execute(_scoring_query(sqlite, _where(statuses, owners, None)))
            table = cursor.fetch_arrow_table()
        finally:
            cursor.close()
    return _decode(table)


def _where(
    statuses: Collection[str] | None,
    owners: Collection[str] | None,
    lead_ids: Collection[str] | None,
) -> str:
    terms = []
    if statuses is not None:
        terms.append(f"l.status IN ({_quoted(sorted(statuses)) or 'NULL'})")
    if owners is not None:
        terms.append(f"l.owner_id IN ({_quoted(sorted(owners)) or 'NULL'})")
    if lead_ids is not None:
        terms.append(f"l.lead_id IN ({_quoted(sorted(lead_ids)) or 'NULL'})")
    return " AND ".join(terms)


def read_lead_table(
    url: str,
    *,
    statuses: Collection[str] | None = None,
    owners: Collection[str] | None = None,
    lead_ids: Collection[str] | None = None,
) -> pa.Table:
    """The leads (those with one of `statuses`, owned by one of `owners`, among `lead_ids`,
    each when given), oldest first, with account, contact, team, deal and customer columns."""
    sqlite = normalise_url(url).startswith("sqlite")
    with adbc_connection(url) as conn:
        cursor = conn.cursor()
        try:
            cursor.execute(_query(sqlite, _where(statuses, owners, lead_ids)))
            table = cursor.fetch_arrow_table()
        finally:
            cursor.close()
    return _decode(table)


def _rep_loads(conn: Connection, *, since: datetime) -> list[Rep]:
    """Sales reps with their open deals plus the leads handed to them since `since` (a
    hand-off a later decision replaced, e.g. an override, no longer counts)."""
    newest = (
        select(lead_decisions.c.lead_id, func.max(lead_decisions.c.decision_id).label("last"))
        .group_by(lead_decisions.c.lead_id)
        .subquery()
    )
    in_force = (
        select(lead_decisions.c.lead_id, lead_decisions.c.decision, lead_decisions.c.to_id)
        .join(newest, newest.c.last == lead_decisions.c.decision_id)
        .subquery()
    )
    open_deals = (
        select(opportunities.c.owner_id.label("person_id"), func.count().label("n"))
        .where(opportunities.c.outcome == "open")
        .group_by(opportunities.c.owner_id)
        .subquery()
    )
    recent = (
        select(handoffs.c.to_id.label("person_id"), func.count().label("n"))
        .select_from(handoffs.outerjoin(in_force, in_force.c.lead_id == handoffs.c.lead_id))
        .where(handoffs.c.at >= since)
        .where(
            or_(
                in_force.c.lead_id.is_(None),  # imported hand-offs: no decision of ours
                and_(in_force.c.decision == "handoff", in_force.c.to_id == handoffs.c.to_id),
            )
        )
        .group_by(handoffs.c.to_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            people.c.person_id,
            people.c.team_id,
            func.coalesce(open_deals.c.n, 0),
            func.coalesce(recent.c.n, 0),
        )
        .select_from(
            people.outerjoin(open_deals, open_deals.c.person_id == people.c.person_id).outerjoin(
                recent, recent.c.person_id == people.c.person_id
            )
        )
        .where(people.c.role == "sales_rep")
        .order_by(people.c.person_id)
    )
    return [Rep(r[0], r[1], int(r[2]) + int(r[3])) for r in rows]


def _row(decision: LeadDecision) -> dict[str, Any]:
    values = asdict(decision)
    values.pop("decision_id")
    values.pop("from_id")
    values.pop("superseded_by")  # read from the log's order, never stored
    values["reasons"] = list(decision.reasons)
    values["score"] = None if decision.score is None else Decimal(str(decision.score))
    return values


def _save_decisions(conn: Connection, decisions: Sequence[LeadDecision]) -> list[int]:
    """Record decisions, their hand-offs and the leads' new status; in the caller's transaction."""
    ids: list[int] = []
    for decision in decisions:
        result = conn.execute(
            insert(lead_decisions).values(**_row(decision)).returning(lead_decisions.c.decision_id)
        )
        ids.append(int(result.scalar_one()))
        if decision.decision == "handoff" and decision.to_id:
            conn.execute(
                insert(handoffs).values(
                    lead_id=decision.lead_id,
                    at=decision.at,
                    from_id=decision.from_id,
                    to_id=decision.to_id,
                    source="pipefit",
                )
            )
        conn.execute(
            update(leads).where(leads.c.lead_id == decision.lead_id).values(status=decision.status)
        )
    return ids


def _decision(row: Any) -> LeadDecision:
    data = dict(row._mapping)
    score = data.pop("score")
    return LeadDecision(
        **{k: v for k, v in data.items() if k != "reasons"},
        reasons=tuple(data["reasons"] or ()),
        score=None if score is None else float(score),
    )


def _decisions_of(
    conn: Connection, lead_id: str | None = None, limit: int = 200
) -> list[LeadDecision]:
    """The decision log, newest first (of one lead, or of all)."""
    query = select(lead_decisions).order_by(
        lead_decisions.c.at.desc(), lead_decisions.c.decision_id.desc()
    )
    if lead_id is not None:
        exists = conn.execute(select(leads.c.lead_id).where(leads.c.lead_id == lead_id)).first()
        if exists is None:
            raise NotFound(f"no lead '{lead_id}'")
        query = query.where(lead_decisions.c.lead_id == lead_id)
    return [_decision(r) for r in conn.execute(query.limit(limit))]


def _latest_decisions(
    conn: Connection, lead_ids: Collection[str] | None = None
) -> dict[str, LeadDecision]:
    """The decision in force for each lead (of `lead_ids`, when given) that has one."""
    newest_q = select(
        lead_decisions.c.lead_id, func.max(lead_decisions.c.decision_id).label("last")
    ).group_by(lead_decisions.c.lead_id)
    if lead_ids is not None:
        newest_q = newest_q.where(lead_decisions.c.lead_id.in_(sorted(lead_ids)))
    newest = newest_q.subquery()
    rows = conn.execute(
        select(lead_decisions).join(
            newest,
            and_(
                newest.c.lead_id == lead_decisions.c.lead_id,
                newest.c.last == lead_decisions.c.decision_id,
            ),
        )
    )
    return {d.lead_id: d for d in map(_decision, rows)}


def _data_as_of(conn: Connection) -> datetime | None:
    """The newest moment the lead table records (`services.qualification.data_as_of` of it),
    from four indexed or small maxima rather than the whole table: leads created, their
    deals closed, and customers won or churned (of any account, a slight widening: the
    lanes are built from every customer)."""
    found = [
        conn.execute(select(func.max(leads.c.created_at))).scalar(),
        conn.execute(
            select(func.max(opportunities.c.closed_at)).where(opportunities.c.lead_id.is_not(None))
        ).scalar(),
        conn.execute(select(func.max(customer_outcomes.c.won_at))).scalar(),
        conn.execute(select(func.max(customer_outcomes.c.churned_at))).scalar(),
    ]
    moments = [t for t in found if t is not None]
    return max(moments) if moments else None


def _customers_version(conn: Connection) -> str:
    """A summary of every customer outcome and its account's lane that changes when any of
    them does (a row added, removed, re-dated or re-judged; an account moved to another
    lane): one pass of the database over the customers, instead of reading them out."""
    co, a = customer_outcomes.c, accounts.c

    def flag(column: Any) -> Any:
        return func.sum(case((column.is_(True), 1), else_=0))

    row = conn.execute(
        select(
            func.count(), func.min(co.won_at), func.max(co.won_at), func.max(co.churned_at),
            func.count(co.churned_at), flag(co.renewed), flag(co.expanded), flag(co.reference),
            func.sum(co.revenue), func.sum(co.margin), func.sum(co.time_to_value_days),
            func.count(co.revenue), func.count(co.margin), func.count(co.time_to_value_days),
            func.count(a.industry), func.count(a.segment),
            func.sum(func.length(a.industry)), func.sum(func.length(a.segment)),
            func.max(a.industry), func.max(a.segment), func.min(a.industry), func.min(a.segment),
        ).select_from(customer_outcomes.outerjoin(accounts, a.account_id == co.account_id))
    ).one()  # fmt: skip
    return "|".join(str(v) for v in row)


def _read_customers(conn: Connection) -> list[tuple[str | None, str | None, CustomerOutcome]]:
    """Every customer outcome with its account's industry and segment (its lane)."""
    rows = conn.execute(
        select(customer_outcomes, accounts.c.industry, accounts.c.segment).select_from(
            customer_outcomes.outerjoin(
                accounts, accounts.c.account_id == customer_outcomes.c.account_id
            )
        )
    )
    found = []
    for row in rows:
        data = dict(row._mapping)
        industry, segment = data.pop("industry"), data.pop("segment")
        data.pop("source")
        found.append((industry, segment, CustomerOutcome(**data)))
    return found


class SqlLeads:
    """The LeadRepository on a unit of work's connection; the lead table, a bulk read, comes
    through ADBC on its own short connection (so it sees what is committed)."""

    def __init__(self, connection: Connection, url: str) -> None:
        self._connection = connection
        self._url = url

    def lead_table(self) -> pa.Table:
        return read_lead_table(self._url)

    def lead_rows(
        self,
        *,
        statuses: Collection[str] | None = None,
        owners: Collection[str] | None = None,
        lead_ids: Collection[str] | None = None,
    ) -> pa.Table:
        return read_lead_table(self._url, statuses=statuses, owners=owners, lead_ids=lead_ids)

    def scoring_rows(
        self,
        *,
        statuses: Collection[str] | None = None,
        owners: Collection[str] | None = None,
    ) -> pa.Table:
        return read_scoring_rows(self._url, statuses=statuses, owners=owners)

    def data_as_of(self) -> datetime | None:
        return _data_as_of(self._connection)

    def customers(self) -> list[tuple[str | None, str | None, CustomerOutcome]]:
        return _read_customers(self._connection)

    def customers_version(self) -> str | None:
        return _customers_version(self._connection)

    def latest_decisions(self) -> dict[str, LeadDecision]:
        return _latest_decisions(self._connection)

    def decisions_for(self, lead_ids: Collection[str]) -> dict[str, LeadDecision]:
        return _latest_decisions(self._connection, lead_ids)

    def decisions_of(self, lead_id: str | None = None, limit: int = 200) -> list[LeadDecision]:
        return _decisions_of(self._connection, lead_id, limit)

    def rep_loads(self, *, since: datetime) -> list[Rep]:
        return _rep_loads(self._connection, since=since)

    def save_decisions(self, decisions: Sequence[LeadDecision]) -> list[int]:
        return _save_decisions(self._connection, decisions)
