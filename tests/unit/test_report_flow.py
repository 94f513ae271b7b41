"""The flow report (DuckDB) against a waterfall worked out by hand and against its oracle,
and its balance on generated logs with every kind of move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipefit.analytics.engine import connect
from pipefit.analytics.query import ReportQuery
from pipefit.analytics.relations import RELATIONS
from pipefit.analytics.reports import flow
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.flow import MOVEMENTS, FlowChange, FlowDeal, FlowEvent
from pipefit.domain.metrics.flow import flow as oracle_flow
from pipefit.domain.periods import parse_period


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


STAGES = [("p", "Open", 1, "open"), ("p", "Won", 2, "won"), ("p", "Lost", 3, "lost")]
CATEGORY = {s: c for _, s, _, c in STAGES}
NOW = day("2026-06-01")


def table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = RELATIONS[name]
    return pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema)


def deal(
    opp: str, created: str, amount: int | None, close: str, stage: str = "Open", **kw: Any
) -> dict[str, Any]:
    home = kw.pop("home", amount)
    return {
        "opportunity_id": opp,
        "pipeline": "p",
        "stage": stage,
        "outcome": CATEGORY[stage],
        "amount": None if amount is None else Decimal(amount),
        "amount_home": None if home is None else float(home),
        "currency": "EUR",
        "created_at": day(created),
        "expected_close": day(close),
        "owner_id": kw.pop("owner", "r1"),
        **kw,
    }


def event(opp: str, seq: int, src: str, dst: str, at: str) -> dict[str, Any]:
    return {
        "opportunity_id": opp,
        "seq": seq,
        "pipeline": "p",
        "from_stage": src,
        "to_stage": dst,
        "at": day(at),
        "category": CATEGORY[dst],
        "position": 1,
    }


def amount_change(opp: str, at: str, old: int, new: int) -> dict[str, Any]:
    return {
        "opportunity_id": opp,
        "field": "amount",
        "at": day(at),
        "ordinal": 1,
        "old_amount": Decimal(old),
        "new_amount": Decimal(new),
    }


def close_change(opp: str, at: str, old: str, new: str) -> dict[str, Any]:
    return {
        "opportunity_id": opp,
        "field": "close_date",
        "at": day(at),
        "ordinal": 1,
        "old_close_date": day(old),
        "new_close_date": day(new),
    }


DEALS = [
    deal("A", "2025-12-01", 100, "2026-02-15", "Won"),  # in at start, won
    deal("B", "2025-12-01", 200, "2026-03-01", "Lost"),  # in at start, lost
    deal("C", "2025-11-01", 300, "2026-03-20"),  # pulled in from May
    deal("D", "2025-11-01", 400, "2026-06-01", owner="r2"),  # pushed out to June
    deal("E", "2026-01-10", 50, "2026-03-31", owner="r2"),  # new
    deal("F", "2026-02-01", 70, "2026-02-20", "Won"),  # new, then won
    deal("G", "2025-10-01", 600, "2026-01-31"),  # 500 -> 600
    deal("H", "2025-10-01", 60, "2026-03-10"),  # 80 -> 60
    deal("I", "2025-09-01", 90, "2026-02-01"),  # lost in December, reopened
    deal("J", "2025-12-01", 40, "2026-03-15", home=None),  # no rate: no home amount
]
EVENTS = [
    event("A", 1, "Open", "Won", "2026-02-10"),
    event("B", 1, "Open", "Lost", "2026-03-05"),
    event("F", 1, "Open", "Won", "2026-02-20"),
    event("I", 1, "Open", "Lost", "2025-12-20"),
    event("I", 2, "Lost", "Open", "2026-02-05"),
]
CHANGES = [
    close_change("C", "2026-01-20", "2026-05-01", "2026-03-20"),
    close_change("D", "2026-01-15", "2026-02-01", "2026-06-01"),
    amount_change("G", "2026-01-05", 500, 600),
    amount_change("H", "2026-02-01", 80, 60),
]


def relations(changes: list[dict[str, Any]] = CHANGES) -> dict[str, pa.Table]:
    stages = [
        dict(zip(("pipeline", "stage", "position", "category"), s, strict=True)) for s in STAGES
    ]
    return {
        "deals": table("deals", DEALS),
        "events": table("events", EVENTS),
        "changes": table("changes", changes),
        "stages": table("stages", stages),
    }


def lines(result: Any, **match: Any) -> dict[str, tuple[int, float]]:
    return {
        r["movement"]: (r["count"], r["amount"])
        for r in result.rows.to_pylist()
        if all(r[k] == v for k, v in match.items())
    }


def test_the_waterfall_worked_out_by_hand() -> None:
    result = flow.run(connect(relations()), ReportQuery(period="2026Q1", now=NOW))
    # start: A100 B200 D400 G500 H80 J(no amount) = 6 deals, 1280
    # end: C300 E50 G600 H60 I90 J = 6 deals, 1100
    assert lines(result) == {
        "start": (6, 1280.0),
        "new": (2, 120.0),  # E 50, F 70
        "pulled_in": (1, 300.0),  # C
        "reopened": (1, 90.0),  # I
        "pushed_out": (-1, -400.0),  # D
        "won": (-2, -170.0),  # A 100, F 70
        "lost": (-1, -200.0),  # B
        "increased": (0, 100.0),  # G
        "decreased": (0, -20.0),  # H
        "end": (6, 1100.0),
    }
    assert result.summary["balanced"] is True
    assert any("no amount in the workspace currency" in n for n in result.notes)


def test_cut_by_rep() -> None:
    result = flow.run(connect(relations()), ReportQuery(period="2026Q1", by=("rep",), now=NOW))
    # r2: D (in at start, pushed out) and E (new)
    assert lines(result, rep="r2")["start"] == (1, 400.0)
    assert lines(result, rep="r2")["end"] == (1, 50.0)
    assert lines(result, rep="r1")["end"] == (5, 1050.0)


def test_a_period_not_over_is_replayed_to_the_as_of_moment() -> None:
    at = day("2026-02-15")
    result = flow.run(connect(relations()), ReportQuery(period="2026Q1", as_of=at))
    got = lines(result)
    # by Feb 15: A won (Feb 10), F new (Feb 1) and still open, I reopened, B still open
    assert got["won"] == (-1, -100.0)
    assert got["lost"] == (0, 0.0)
    assert got["end"] == (8, 1370.0)  # B200 C300 E50 F70 G600 H60 I90 J
    assert any("not over" in n for n in result.notes)


def test_without_history_it_says_so_and_still_balances() -> None:
    result = flow.run(connect(relations(changes=[])), ReportQuery(period="2026Q1", now=NOW))
    assert result.summary["balanced"] is True
    assert any("no amount or close-date history" in n for n in result.notes)
    assert lines(result)["pulled_in"] == (0, 0.0)


def test_without_a_period_the_flow_is_of_the_quarter_of_the_as_of_moment() -> None:
    at = day("2026-02-15")
    asked = flow.run(connect(relations()), ReportQuery(period="2026Q1", as_of=at))

    result = flow.run(connect(relations()), ReportQuery(as_of=at))

    assert lines(result) == lines(asked)
    assert result.summary["period"] == "2026Q1"
    assert any("the quarter of the as-of moment" in n for n in result.notes)


def test_the_period_is_checked() -> None:
    con = connect(relations())
    with pytest.raises(PipefitError) as wrong:
        flow.run(con, ReportQuery(period="2026Q7", now=NOW))
    assert wrong.value.field == "period"
    with pytest.raises(PipefitError) as early:
        flow.run(con, ReportQuery(period="2027Q1", now=NOW))
    assert early.value.field == "period"


def test_a_period_with_no_deals_is_empty_with_a_note() -> None:
    result = flow.run(connect(relations()), ReportQuery(period="2024Q1", now=NOW))
    assert result.rows.num_rows == 0
    assert any("empty" in n for n in result.notes)


def test_the_chart_is_a_waterfall() -> None:
    result = flow.run(connect(relations()), ReportQuery(period="2026Q1", now=NOW))
    spec = flow.chart(result).to_dict()
    assert spec["spec"]["encoding"]["y2"]["field"] == "high"


# ---- engine and oracle on generated logs -------------------------------------------------

BASE = day("2025-10-01")
PERIOD = parse_period("2026Q1")


def moment(hours: int) -> datetime:
    return BASE + timedelta(hours=hours)


# A deal: created at, amount, close date, a list of moves (kind, at, value).
move = st.tuples(
    st.sampled_from(["Won", "Lost", "Open", "amount", "close"]),
    st.integers(0, 24 * 200),
    st.integers(0, 24 * 260),
)
deal_strategy = st.tuples(
    st.integers(0, 24 * 200),
    st.one_of(st.none(), st.integers(0, 1000)),
    st.integers(0, 24 * 260),
    st.lists(move, max_size=6),
    st.booleans(),  # has a rate
)


def generated(specs: list[Any]) -> tuple[dict[str, pa.Table], list[Any], list[Any], list[Any]]:
    deals, events, changes = [], [], []
    for i, (created, amount, close, moves, rated) in enumerate(specs):
        opp = f"O{i}"
        stage, amt, close_at = "Open", amount, moment(close)
        seq = 0
        for n, (kind, at, value) in enumerate(sorted(moves, key=lambda m: m[1])):
            when = moment(created + at // 2)
            if kind in ("Won", "Lost", "Open"):
                if kind == stage:
                    continue
                seq += 1
                events.append(FlowEvent(opp, seq, stage, kind, when))
                stage = kind
            elif kind == "amount":
                changes.append(
                    FlowChange(
                        opp,
                        "amount",
                        when,
                        n,
                        None if amt is None else Decimal(amt),
                        Decimal(value),
                    )
                )
                amt = value
            else:
                new_close = moment(value)
                changes.append(
                    FlowChange(opp, "close_date", when, n, None, None, close_at, new_close)
                )
                close_at = new_close
        deals.append(
            FlowDeal(
                opp,
                "p",
                stage,
                CATEGORY[stage],
                None if amt is None else Decimal(amt),
                None if amt is None or not rated else float(amt) * 1.1,
                moment(created),
                close_at,
            )
        )
    tables = {
        "deals": table("deals", [{**d.__dict__, "amount": d.amount} for d in deals]),
        "events": table("events", [{**e.__dict__, "pipeline": "p"} for e in events]),
        "changes": table("changes", [c.__dict__ for c in changes]),
        "stages": relations()["stages"],
    }
    return tables, deals, events, changes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(deal_strategy, max_size=8), st.integers(0, 24 * 200))
def test_engine_and_oracle_balance_and_agree_on_generated_logs(specs: list[Any], asof: int) -> None:
    tables, deals, events, changes = generated(specs)
    at = moment(asof) if moment(asof) >= PERIOD.start_at else NOW
    result = flow.run(connect(tables), ReportQuery(period="2026Q1", as_of=at))
    categories = {("p", s): c for _, s, _, c in STAGES}
    expected = oracle_flow(deals, events, changes, categories, PERIOD.start_at, PERIOD.end_at, at)
    # the oracle balances
    assert (
        expected["start"].count + sum(expected[m].count for m in MOVEMENTS[1:-1])
        == expected["end"].count
    )
    assert (
        expected["start"].amount + sum((expected[m].amount for m in MOVEMENTS[1:-1]), Decimal(0))
        == expected["end"].amount
    )
    # the engine balances and agrees
    assert result.summary["balanced"] is True
    got = {r["movement"]: r for r in result.rows.to_pylist()}
    if not got:
        assert all(m.count == 0 and m.amount == 0 and not m.deals for m in expected.values())
        return
    for name in MOVEMENTS:
        assert (got[name]["deals"], got[name]["count"]) == (
            len(expected[name].deals),
            expected[name].count,
        ), name
        assert Decimal(str(got[name]["amount"])) == expected[name].amount, name


def test_cut_by_period_gives_one_balancing_waterfall_per_month_of_the_quarter() -> None:
    result = flow.run(connect(relations()), ReportQuery(period="2026Q1", by=("period",), now=NOW))
    nonzero = {
        label: {m: v for m, v in lines(result, period=label).items() if v != (0, 0.0)}
        for label in ("2026-01", "2026-02", "2026-03")
    }
    # January: only G's close date (Jan 31) falls in it; its amount went 500 -> 600 on Jan 5
    assert nonzero["2026-01"] == {"start": (1, 500.0), "increased": (0, 100.0), "end": (1, 600.0)}
    # February: A (close Feb 15) at the start; F created Feb 1 (close Feb 20) and won Feb 20;
    # I reopened Feb 5 with its close date Feb 1; A won Feb 10. End: I alone, 90.
    assert nonzero["2026-02"] == {
        "start": (1, 100.0),
        "new": (1, 70.0),
        "reopened": (1, 90.0),
        "won": (-2, -170.0),
        "end": (1, 90.0),
    }
    # March: B 200 (Mar 1), C 300 (moved to Mar 20 in January), E 50, H 60 (cut from 80 on
    # Feb 1), J (no amount) at the start; B lost on Mar 5.
    assert nonzero["2026-03"] == {"start": (5, 610.0), "lost": (-1, -200.0), "end": (4, 410.0)}
    assert result.rows.column("period").unique().to_pylist() == ["2026-01", "2026-02", "2026-03"]
    # the summary stays the quarter's own waterfall (a deal moved from one month to
    # another moves inside the quarter, not out of it)
    assert result.summary["periods"] == ["2026-01", "2026-02", "2026-03"]
    assert (result.summary["start_count"], result.summary["start_amount"]) == (6, 1280.0)
    assert (result.summary["end_count"], result.summary["end_amount"]) == (6, 1100.0)
    assert result.summary["balanced"] is True


def test_cut_by_period_leaves_out_the_months_not_begun_at_the_as_of_moment() -> None:
    at = day("2026-02-15")
    result = flow.run(
        connect(relations()), ReportQuery(period="2026Q1", by=("period", "rep"), as_of=at)
    )
    assert result.rows.column("period").unique().to_pylist() == ["2026-01", "2026-02"]
    # February replayed to Feb 15: A won (Feb 10), F new and open, I reopened
    feb = lines(result, period="2026-02", rep="r1")
    assert feb["end"] == (2, 160.0)  # F 70, I 90
    assert result.summary["balanced"] is True


def test_the_summary_carries_plain_numbers_and_iso_dates() -> None:
    result = flow.run(connect(relations()), ReportQuery(period="2026Q1", now=NOW))
    summary = result.summary
    assert summary["from"] == "2026-01-01"
    assert summary["through"] == "2026-03-31"
    assert datetime.fromisoformat(summary["replayed_to"]) == day("2026-04-01") - timedelta(
        microseconds=1
    )
    for key, value in summary.items():
        assert isinstance(value, str | int | float | bool | list), (key, value)
        assert not isinstance(value, Decimal), key
