"""`report kpis` in DuckDB against figures worked out by hand and against the oracle
(`domain.metrics.summary.kpi_summary`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.reports import kpis
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.records import CustomerRecord, DealRecord, EventRecord, QuotaRecord
from pipefit.domain.metrics.retention import churn_rate, lane_values
from pipefit.domain.metrics.summary import kpi_summary
from tests.unit.kpis_scenario import DEALS, EVENTS
from tests.unit.metrics_factories import day, relations

NOW = day(100)

# Completed visits: A = [10, 20, 5, 32, 5, 20, 10] -> p90 = 20 + 0.4 x 12 = 24.8;
# B = [20, 3, 35] -> p90 = 20 + 0.8 x 15 = 32. On day 100, d5 has sat in B 80 days (> 32):
# stalled; d6 re-entered A 5 days ago (< 24.8): not.
# Won 3 (d1, d2, d4), lost 1 (d3): 3/4; counting stalled d5 as lost: 3/5.
# Won revenue 1000 + 3000 (d4 has no home amount); average won 2000.
# Won cycles 30, 20, 40 days: median and mean 30.
# Velocity: 2 open x 0.75 x 2000 / 30 = 100 a day; x 30.4375 = 3043.75 a month.
EXPECTED = {
    "deals": 6,
    "open": 2,
    "won": 3,
    "lost": 1,
    "stalled": 1,
    "win_rate": 0.75,
    "win_rate_counting_stalled": 0.6,
    "won_revenue": 4000.0,
    "won_without_amount": 1,
    "average_won_amount": 2000.0,
    "open_pipeline": 2400.0,
    "median_cycle_days_won": 30.0,
    "mean_cycle_days_won": 30.0,
    "sales_velocity_per_day": 100.0,
    "sales_velocity_per_month": 3043.75,
}


def _run(query: ReportQuery, **extra: object) -> kpis.ReportResult:
    return kpis.run(relations(DEALS, EVENTS, **extra), query)  # type: ignore[arg-type]


def test_the_headline_figures_match_the_hand_worked_ones_and_the_oracle() -> None:
    result = _run(ReportQuery(now=NOW))
    assert {k: result.summary[k] for k in EXPECTED} == EXPECTED
    oracle = kpi_summary(DEALS, EVENTS, NOW)
    for key in EXPECTED:
        assert result.summary[key] == pytest.approx(getattr(oracle, key)), key
    assert any("1 won deals have no amount" in n for n in result.notes)
    assert "p90" in result.definitions["stalled"]


def test_groups_carry_the_same_figures_per_segment() -> None:
    rows = {r["segment"]: r for r in _run(ReportQuery(now=NOW, by=("segment",))).rows.to_pylist()}
    # smb: d1, d3, d4 decided (2 won, 1 lost), d5 open and stalled; cycles 30, 40.
    # Velocity 1 x 2/3 x 1000 / 35 = 19.0476.
    assert rows["smb"]["win_rate"] == 0.6667
    assert rows["smb"]["median_cycle_days_won"] == 35.0
    assert rows["smb"]["sales_velocity_per_day"] == 19.0476
    # ent: d2 won in 20 days, d6 open: 1 x 1 x 3000 / 20 = 150.
    assert rows["ent"]["sales_velocity_per_day"] == 150.0
    for key in kpis.HEADLINE:
        assert key in rows["ent"]


def test_replaying_to_day_35_measures_the_pipeline_as_it_stood() -> None:
    # On day 35: d3 back in A since day 8, d4 in B since 15, d5 in B since 20; d6 lost on
    # day 10. Completed visits: A = [10, 20, 5, 5, 20, 10] -> p90 20; B = [20, 3] -> 18.3.
    # d3 (27 days in A) and d4 (20 days in B) are stalled, d5 (15) not.
    # Won d1, d2; lost d6: 2/3; cycles 30, 20: median 25; 3 open x 2/3 x 2000 / 25 = 160.
    result = _run(ReportQuery(as_of=day(35)))
    s = result.summary
    assert (s["won"], s["lost"], s["open"], s["stalled"]) == (2, 1, 3, 2)
    assert s["win_rate"] == 0.6667
    assert s["median_cycle_days_won"] == 25.0
    assert s["sales_velocity_per_day"] == 160.0


def test_a_filter_keeps_only_the_deals_it_names() -> None:
    result = _run(ReportQuery(now=NOW, where={"rep": ("r1",)}))
    # r1: d1, d2 won, d5 open (stalled): 2/2; 1 x 1 x 2000 / 25 = 80.
    assert (result.summary["won"], result.summary["lost"]) == (2, 0)
    assert result.summary["sales_velocity_per_day"] == 80.0


def test_unknown_values_cuts_and_a_past_before_any_deal_are_refused_clearly() -> None:
    with pytest.raises(PipefitError, match="no deal has segment 'mid'") as caught:
        _run(ReportQuery(now=NOW, where={"segment": ("mid",)}))
    assert caught.value.field == "report.where"
    with pytest.raises(PipefitError, match="cannot cut by 'colour'") as caught:
        _run(ReportQuery(now=NOW, by=("colour",)))
    assert caught.value.field == "report.by"
    with pytest.raises(PipefitError, match="no deal existed as of 2025-06-30") as caught:
        _run(ReportQuery(as_of=day(-185)))
    assert caught.value.field == "report.as_of"
    with pytest.raises(PipefitError, match="together"):
        # r2 worked with s1 (d3, smb) and sold to ent (d6, with s2), never all three.
        _run(ReportQuery(now=NOW, where={"rep": ("r2",), "presales": ("s1",), "segment": ("ent",)}))


def test_an_empty_workspace_gets_a_note_not_an_error() -> None:
    result = kpis.run(relations([]), ReportQuery(now=NOW))
    assert result.summary["win_rate"] is None
    assert "no deals" in result.notes[0]


def test_a_period_with_no_closed_deal_gives_null_rates_not_a_division_by_zero() -> None:
    result = _run(ReportQuery(now=NOW, period="2025Q3"))
    assert (result.summary["won"], result.summary["lost"]) == (0, 0)
    assert result.summary["win_rate"] is None
    assert result.summary["sales_velocity_per_day"] is None
    assert any("no deal in scope was won or lost" in n for n in result.notes)


def test_growth_compares_a_period_with_the_one_before() -> None:
    # February won only d4 (no home amount): 0; January won 4000: growth -100%.
    growth = _run(ReportQuery(now=NOW, period="2026-02")).summary["growth"]
    assert growth == {
        "period": "2026-02",
        "won_revenue": 0.0,
        "previous_period": "2026-01",
        "previous_won_revenue": 4000.0,
        "growth": -1.0,
    }


def test_revenue_per_customer_by_month_quarter_and_year() -> None:
    by_period = _run(ReportQuery(now=NOW)).summary["by_period"]
    # January: d1 (acc1, 1000) and d2 (acc2, 3000) won -> 2000 per customer; d4 won in
    # February has no home amount, so February has no paying customer.
    january = by_period["month"][0]
    assert (january["period"], january["customers"], january["revenue_per_customer"]) == (
        "2026-01",
        2,
        2000.0,
    )
    assert by_period["month"][1]["revenue_per_customer"] is None
    assert [q["period"] for q in by_period["quarter"]] == ["2026Q1"]
    assert by_period["year"][0]["won"] == 3


QUOTAS = [
    QuotaRecord("person", "r1", day(90), day(181), 10000.0),  # 2026Q2
    QuotaRecord("pool", "P1", day(90), day(181), 5000.0),
]
PEOPLE = [
    {"person_id": "r1", "role": "rep", "team_id": "t1"},
    {"person_id": "r2", "role": "rep", "team_id": "t1"},
]


def test_coverage_per_rep_team_pool_and_in_total() -> None:
    # 2026Q2: only d5 (r1, s2, 2000) is open and expected to close in it; nothing won yet.
    # r1: 2000 / 10000 = 0.2; r2 has no quota: null; team t1 holds r1's quota: 0.2;
    # pool P1 (s2): 2000 / 5000 = 0.4; total 0.2.
    result = _run(
        ReportQuery(now=NOW, period="2026Q2"),
        quotas=QUOTAS,
        people=PEOPLE,
        pool_members=[{"pool_id": "P1", "presales_id": "s2"}],
    )
    rows = {(r["level"], r["id"]): r["coverage"] for r in result.summary["coverage"]["rows"]}
    assert rows == {
        ("total", "all"): 0.2,
        ("team", "t1"): 0.2,
        ("pool", "P1"): 0.4,
        ("rep", "r1"): 0.2,
        ("rep", "r2"): None,
    }
    assert any("reps without a quota in 2026Q2 (coverage null): r2" in n for n in result.notes)


CUSTOMERS = [
    CustomerRecord("c1", day(-100), day(50), False, 1000.0, 500.0, "it", "smb"),
    CustomerRecord("c2", day(-200), None, True, 3000.0, 1500.0, "it", "smb"),
    CustomerRecord("c3", day(10), None, False, 800.0, 400.0, "retail", "ent"),
    CustomerRecord("c4", day(-300), day(-10), False, 200.0, 20.0, "retail", "ent"),
]


def test_churn_expansion_and_lifetime_value_per_lane() -> None:
    result = _run(ReportQuery(now=NOW, period="2026Q1"), customers=CUSTOMERS)
    s = result.summary
    # At the start of 2026Q1: c1, c2 (c3 came later, c4 had left); c1 left in it: 1/2.
    assert s["churn"] == {
        "period": "2026Q1",
        "customers_at_start": 2,
        "churned": 1,
        "churn_rate": 0.5,
    }
    assert s["expansion_rate"] == 0.25  # c2 of 4
    assert s["net_revenue_retention"] is None
    assert any("net revenue retention is not computed" in n for n in result.notes)
    lanes = {(r["industry"], r["segment"]): r for r in s["lifetime_value_by_lane"]}
    # it/smb: 1 churn over 450 customer-days; revenue 4000 over the same; margin 50%:
    # value = 4000 / 1 x 0.5 = 2000.
    assert lanes[("it", "smb")]["lifetime_value"] == pytest.approx(2000.0, abs=1e-3)
    oracle = {(v.industry, v.segment): v for v in lane_values(CUSTOMERS, NOW)}
    for key, row in lanes.items():
        expected = oracle[key].lifetime_value
        assert row["lifetime_value"] == (None if expected is None else round(expected, 4))
    assert churn_rate(CUSTOMERS, day(0), day(90)) == (2, 1, 0.5)


_STAGES = ("A", "B", "Won", "Lost")
_CATEGORY = {"A": "open", "B": "open", "Won": "won", "Lost": "lost"}


@st.composite
def _logs(draw: st.DrawFn) -> tuple[list[DealRecord], list[EventRecord]]:
    deals, events = [], []
    for i in range(draw(st.integers(1, 12))):
        name = f"g{i}"
        created = day(draw(st.integers(0, 50)))
        moves = draw(st.lists(st.sampled_from(_STAGES), min_size=0, max_size=5))
        gaps = draw(st.lists(st.integers(0, 40), min_size=len(moves), max_size=len(moves)))
        at = created
        for seq, (stage, gap) in enumerate(zip(moves, gaps, strict=True), start=1):
            at = at + timedelta(days=gap, hours=draw(st.integers(0, 23)))
            events.append(EventRecord(name, seq, "p", stage, at))
        stage = moves[-1] if moves else "A"
        outcome = _CATEGORY[stage]
        deals.append(
            DealRecord(
                name,
                outcome,
                created,
                closed_at=at if outcome != "open" else None,
                amount_home=draw(st.one_of(st.none(), st.floats(1, 1e6))),
                pipeline="p",
                stage=stage,
                segment=draw(st.sampled_from(["smb", "ent"])),
            )
        )
    return deals, events


@settings(max_examples=40, deadline=None)
@given(_logs())
def test_the_engine_agrees_with_the_oracle_on_random_logs(
    log: tuple[list[DealRecord], list[EventRecord]],
) -> None:
    deals, events = log
    now = day(400)
    result = kpis.run(relations(deals, events), ReportQuery(now=now))
    oracle = kpi_summary(deals, events, now)
    for key in EXPECTED:
        expected = getattr(oracle, key)
        got = result.summary[key]
        if expected is None:
            assert got is None, key
        else:
            assert got == pytest.approx(expected, rel=1e-4, abs=1e-3), key


def test_the_chart_draws_win_rate_and_won_revenue_per_quarter() -> None:
    spec = kpis.chart(_run(ReportQuery(now=NOW))).to_dict()
    assert [view["mark"]["type"] for view in spec["vconcat"]] == ["line", "bar"]
