"""friction: each finding on a hand-built log whose answer is known (two lognormals drawn
with a fixed seed hide two steps; a stage passed in minutes; a skipped stage; a deal
stalled beyond its stage's p90; a stage slower than in the month before)."""

from __future__ import annotations

import math
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pipefit.analytics.engine import connect
from pipefit.analytics.query import ReportQuery
from pipefit.analytics.reports import friction
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.friction import two_humps
from tests.unit.friction_factories import build, day

AS_OF = day(200)


def findings(deals: list[Any], **query: Any) -> list[dict[str, Any]]:
    result = friction.run(connect(build(deals)), ReportQuery(as_of=AS_OF, **query))
    rows: list[dict[str, Any]] = result.rows.to_pylist()
    return rows


def of(rows: list[dict[str, Any]], finding: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["finding"] == finding]


def through(i: int, discovery: float, evaluation: float, proposal: float) -> Any:
    """A deal that passes every stage in the given days and is won."""
    t1 = day(0) + timedelta(days=discovery)
    t2 = t1 + timedelta(days=evaluation)
    t3 = t2 + timedelta(days=proposal)
    return (
        f"D{i:03d}",
        [("Discovery", day(0)), ("Evaluation", t1), ("Proposal", t2), ("Won", t3)],
        {},
    )


def humped_deals() -> tuple[list[Any], list[float]]:
    rng = random.Random(20250101)
    proposal = [rng.lognormvariate(math.log(2), 0.3) for _ in range(48)]
    proposal += [rng.lognormvariate(math.log(20), 0.3) for _ in range(32)]
    deals = [
        through(
            i,
            rng.lognormvariate(math.log(5), 0.4),  # Discovery: one hump
            rng.lognormvariate(math.log(10 / 1440), 0.2),  # Evaluation: about ten minutes
            p,
        )
        for i, p in enumerate(proposal)
    ]
    return deals, proposal


def test_a_stage_with_two_humps_gets_a_split_suggestion_with_its_evidence() -> None:
    deals, proposal = humped_deals()
    rows = findings(deals)
    (split,) = of(rows, "two_humps")
    assert split["stage"] == "Proposal"
    # 48 short visits (about 2 days) and 32 long ones (about 20 days): 60% / 40%.
    assert (split["low_share"], split["high_share"]) == (0.6, 0.4)
    assert 1.5 < split["low_median_days"] < 2.5 and 16 < split["high_median_days"] < 24
    assert 3 < split["split_at_days"] < 12 and "consider splitting" in split["detail"]
    expected = two_humps(proposal)
    assert expected is not None and expected.suggested
    assert split["delta_bic"] == pytest.approx(expected.delta_bic, abs=1e-3)
    assert split["split_at_days"] == pytest.approx(expected.at_days, abs=1e-3)
    assert split["low_median_days"] == pytest.approx(expected.low_median_days, abs=1e-3)


def test_a_stage_passed_in_minutes_is_found_and_one_hump_is_not_split() -> None:
    deals, _ = humped_deals()
    rows = findings(deals)
    assert [r["stage"] for r in of(rows, "minutes")] == ["Evaluation"]
    assert "Discovery" not in {r["stage"] for r in of(rows, "two_humps")}


def test_a_stage_over_twice_the_typical_median_is_long() -> None:
    # Medians: Discovery 2, Evaluation 3, Proposal 10 days; the typical stage median is 3,
    # so Proposal (10 > 2 * 3) is long, ratio 10 / 3.
    deals = [through(i, 2, 3, 10) for i in range(5)]
    (long,) = of(findings(deals), "long")
    assert (long["stage"], long["value_days"], long["reference_days"]) == ("Proposal", 10, 3)
    assert long["ratio"] == pytest.approx(10 / 3, abs=1e-4)


def test_a_stage_most_deals_skip_is_found() -> None:
    # Three deals jump from Discovery to Proposal, one goes through Evaluation; a deal lost
    # in Discovery did not get past Evaluation, so it does not count: 3 of 4 skipped it.
    skip = [("Discovery", day(0)), ("Proposal", day(3)), ("Won", day(9))]
    deals: list[Any] = [(f"S{i}", skip, {}) for i in range(3)]
    deals += [through(9, 2, 3, 4), ("L", [("Discovery", day(0)), ("Lost", day(2))], {})]
    (skipped,) = of(findings(deals), "skipped")
    assert (skipped["stage"], skipped["visits"], skipped["share"]) == ("Evaluation", 4, 0.75)


def test_a_deal_in_its_stage_beyond_the_p90_is_stalled_with_its_owner_and_presales() -> None:
    # Ten completed Discovery visits of 1..10 days: p90 at rank 8.1 = 9.1 days. X has been in
    # Discovery for 20 days at the as-of moment, Y for 5.
    deals: list[Any] = [
        (f"C{n}", [("Discovery", day(0)), ("Lost", day(n))], {}) for n in range(1, 11)
    ]
    deals.append(("X", [("Discovery", day(180))], {"owner_id": "rep-7", "presales_id": "pre-3"}))
    deals.append(("Y", [("Discovery", day(195))], {}))
    (stalled,) = of(findings(deals), "stalled")
    assert (stalled["opportunity_id"], stalled["owner_id"], stalled["presales_id"]) == (
        "X",
        "rep-7",
        "pre-3",
    )
    assert (stalled["value_days"], stalled["reference_days"]) == (20, 9.1)


def test_a_stage_slower_than_the_period_before() -> None:
    # Discovery visits ending in January take 2 days, those ending in February 5 days.
    jan = [through(i, 2, 1, 1) for i in range(5)]
    feb: list[Any] = [
        (f"F{i}", [("Discovery", day(40)), ("Evaluation", day(45)), ("Lost", day(46))], {})
        for i in range(5)
    ]
    (slower,) = of(findings(jan + feb, period="2025-02"), "slower")
    assert (slower["stage"], slower["value_days"], slower["reference_days"]) == ("Discovery", 5, 2)


def test_cuts_and_bad_queries() -> None:
    deals = [through(i, 2, 3, 10) for i in range(5)]
    rows = findings(deals, by=("segment",))
    assert [(r["segment"], r["finding"]) for r in rows] == [("smb", "long")]
    empty = friction.run(
        connect(build(deals)), ReportQuery(as_of=AS_OF, where={"segment": ("enterprise",)})
    )
    assert empty.rows.num_rows == 0 and any("nothing to measure" in n for n in empty.notes)
    with pytest.raises(PipefitError) as bad:
        friction.run(connect(build(deals)), ReportQuery(period="2025Q5"))
    assert bad.value.field == "period" and "2025Q5" in str(bad.value)


def test_the_charts_draw_offline() -> None:
    from pipefit.analytics.reports import time_in_stage
    from pipefit.charts.output import render_chart

    deals, _ = humped_deals()
    con = connect(build(deals))
    for report in (time_in_stage, friction):
        result = report.run(con, ReportQuery(as_of=AS_OF))
        assert render_chart(report.chart(result), Path("chart.svg")).startswith(b"<svg")
    by_deal = time_in_stage.run(con, ReportQuery(as_of=AS_OF, by=("deal",)))
    assert render_chart(time_in_stage.chart(by_deal), Path("chart.json"))
