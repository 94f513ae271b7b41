"""`report pairs` in DuckDB against hand-worked figures and the oracle
(`domain.metrics.pairs.pair_stats`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.reports import pairs
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.pairs import pair_stats
from pipefit.domain.metrics.records import DealRecord
from tests.unit.kpis_scenario import DEALS, EVENTS
from tests.unit.metrics_factories import day, relations

NOW = day(100)


def _decided(owner: str, presales: str | None, won: int, lost: int) -> list[DealRecord]:
    """`won` won and `lost` lost deals of a pair, won in 10 days for 100 each."""
    made = []
    for i in range(won + lost):
        outcome = "won" if i < won else "lost"
        made.append(
            DealRecord(
                f"{owner}-{presales}-{i}",
                outcome,
                day(0),
                closed_at=day(10),
                amount_home=100.0,
                pipeline="p",
                stage=outcome.title(),
                owner_id=owner,
                presales_id=presales,
            )
        )
    return made


def test_pair_figures_carry_the_deals_behind_them() -> None:
    rows = {
        (r["owner_id"], r["presales_id"]): r
        for r in pairs.run(relations(DEALS, EVENTS), ReportQuery(now=NOW)).rows.to_pylist()
    }
    # r1 + s1: d1 (30 days, 1000) and d2 (20 days, 3000) won: 2/2, median cycle 25.
    # Wilson 2/2: low = 2 / (2 + z²) = 0.3424.
    top = rows[("r1", "s1")]
    assert (top["won"], top["lost"], top["win_rate"], top["win_rate_low"]) == (2, 0, 1.0, 0.3424)
    assert (top["cycle_deals"], top["median_cycle_days_won"]) == (2, 25.0)
    assert (top["revenue_deals"], top["won_revenue"]) == (2, 4000.0)
    # r2 + s2: d4 won without a home amount, d6 open: revenue behind it from no deal.
    assert (rows[("r2", "s2")]["revenue_deals"], rows[("r2", "s2")]["won_revenue"]) == (0, 0.0)
    # r1 + s2: d5 open only: no rate, no interval.
    assert rows[("r1", "s2")]["win_rate"] is None
    assert rows[("r1", "s2")]["verdict"] == "no evidence"
    # Apart: r1 without s1 decided nothing (d5 open); s1 with other reps: d3 lost.
    assert (top["rep_apart_decided"], top["presales_apart_decided"]) == (0, 1)


def test_a_pair_far_above_its_members_apart_is_better_and_one_below_is_worse() -> None:
    deals = [
        *_decided("ann", "sam", 19, 1),  # together 95%: Wilson (0.764, 0.991)
        *_decided("ann", "tom", 4, 16),  # ann apart with tom: 20%
        *_decided("bob", "sam", 4, 16),  # sam apart with bob: 20%
        *_decided("bob", "tom", 1, 19),  # 5%, but bob and tom apart are not far above
    ]
    rows = {
        (r["owner_id"], r["presales_id"]): r
        for r in pairs.run(relations(deals), ReportQuery(now=NOW)).rows.to_pylist()
    }
    assert rows[("ann", "sam")]["verdict"] == "better"
    # bob + tom (1/20, Wilson high 0.236) against bob apart (with sam, 4/20: low 0.081)
    # and tom apart (with ann, 4/20): the intervals overlap: no evidence.
    assert rows[("bob", "tom")]["verdict"] == "no evidence"
    first = pairs.run(relations(deals), ReportQuery(now=NOW)).rows.to_pylist()[0]
    assert (first["owner_id"], first["presales_id"]) == ("ann", "sam")  # surest first


def test_a_pair_clearly_below_both_members_is_worse() -> None:
    deals = [
        *_decided("ann", "sam", 0, 20),
        *_decided("ann", "tom", 18, 2),
        *_decided("bob", "sam", 18, 2),
        *_decided("bob", "tom", 10, 10),
    ]
    rows = {
        (r["owner_id"], r["presales_id"]): r["verdict"]
        for r in pairs.run(relations(deals), ReportQuery(now=NOW)).rows.to_pylist()
    }
    assert rows[("ann", "sam")] == "worse"


def test_cuts_measure_pairs_within_each_group_and_bad_cuts_are_refused() -> None:
    result = pairs.run(relations(DEALS, EVENTS), ReportQuery(now=NOW, by=("segment",)))
    keys = {(r["segment"], r["owner_id"], r["presales_id"]) for r in result.rows.to_pylist()}
    assert ("ent", "r1", "s1") in keys and ("smb", "r1", "s1") in keys
    with pytest.raises(PipefitError) as caught:
        pairs.run(relations(DEALS, EVENTS), ReportQuery(now=NOW, where={"rep": ("zed",)}))
    assert caught.value.field == "report.where"


def test_no_deals_and_no_pairs_get_notes() -> None:
    assert "no deals" in pairs.run(relations([]), ReportQuery(now=NOW)).notes[0]
    solo = _decided("ann", None, 1, 1)
    result = pairs.run(relations(solo), ReportQuery(now=NOW))
    assert result.rows.num_rows == 0
    assert "no pairs" in result.notes[0]


@st.composite
def _deals(draw: st.DrawFn) -> list[DealRecord]:
    made = []
    for i in range(draw(st.integers(1, 30))):
        outcome = draw(st.sampled_from(["open", "won", "lost"]))
        made.append(
            DealRecord(
                f"x{i}",
                outcome,
                day(0),
                closed_at=None
                if outcome == "open"
                else day(0) + timedelta(days=draw(st.integers(0, 90))),
                amount_home=draw(st.one_of(st.none(), st.floats(1, 1e5))),
                pipeline="p",
                stage={"open": "A", "won": "Won", "lost": "Lost"}[outcome],
                owner_id=draw(st.sampled_from(["r1", "r2", "r3", None])),
                presales_id=draw(st.sampled_from(["s1", "s2", None])),
            )
        )
    return made


@settings(max_examples=40, deadline=None)
@given(_deals())
def test_the_engine_agrees_with_the_oracle_on_random_deals(deals: list[DealRecord]) -> None:
    rows = {
        (r["owner_id"], r["presales_id"]): r
        for r in pairs.run(relations(deals), ReportQuery(now=NOW)).rows.to_pylist()
    }
    oracle = pair_stats(deals)
    assert set(rows) == {(p.owner_id, p.presales_id) for p in oracle}
    for p in oracle:
        row = rows[(p.owner_id, p.presales_id)]
        for key in (
            "deals",
            "won",
            "lost",
            "cycle_deals",
            "revenue_deals",
            "rep_apart_decided",
            "presales_apart_decided",
            "verdict",
        ):
            assert row[key] == getattr(p, key), key
        for key in (
            "win_rate",
            "win_rate_low",
            "win_rate_high",
            "median_cycle_days_won",
            "won_revenue",
            "rep_apart_win_rate",
            "presales_apart_win_rate",
        ):
            expected = getattr(p, key)
            if expected is None:
                assert row[key] is None, key
            else:
                assert row[key] == pytest.approx(expected, rel=1e-4, abs=1e-3), key


def test_the_chart_shows_each_pair_as_a_dot_within_its_interval() -> None:
    spec = pairs.chart(pairs.run(relations(DEALS, EVENTS), ReportQuery(now=NOW))).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "point"]


def test_a_cut_by_period_measures_each_pair_per_quarter_of_close() -> None:
    # r1 + s1: two won closing on day 10 (2026-01-11, 2026Q1), one lost on day 100
    # (2026-04-11, 2026Q2): 2/2 in Q1, 0/1 in Q2.
    deals = [
        *_decided("r1", "s1", 2, 0),
        DealRecord(
            "late", "lost", day(50), closed_at=day(100), amount_home=100.0, pipeline="p",
            stage="Lost", owner_id="r1", presales_id="s1",
        ),
    ]  # fmt: skip
    result = pairs.run(relations(deals, []), ReportQuery(now=day(200), by=("period",)))
    rows = {(r["period"], r["owner_id"]): (r["won"], r["lost"]) for r in result.rows.to_pylist()}
    assert rows == {("2026Q1", "r1"): (2, 0), ("2026Q2", "r1"): (0, 1)}
    by_month = pairs.run(
        relations(deals, []), ReportQuery(now=day(200), by=("period",), period="2026-01")
    )
    assert {r["period"] for r in by_month.rows.to_pylist()} == {"2026-01", "2026-04"}
