"""The forecast backtest: the forecast replayed at the start of past periods (no
look-ahead), against what closed; WAPE, bias and share within 10% per method."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.reports import forecast as forecast_report
from pipefit.analytics.reports import forecast_backtest as report
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.backtest import track
from pipefit.domain.metrics.forecast import Span, forecast
from pipefit.domain.periods import Period
from tests.unit.forecast_data import Log, at


def truthful_log() -> Log:
    """A company where the truth is known: every deal is created 45 days before a quarter
    starts, sits in Discovery and closes mid-quarter; 9 in 10 SMB deals are won, 1 in 10
    enterprise deals. A fixed Discovery probability (1 / 4) cannot know that; win rates
    learned per segment can. Volumes change quarter to quarter (10, 20, 30 a segment)."""
    log = Log()
    for q in range(12):  # 2023Q1 .. 2025Q4
        quarter = Period(2023 + q // 4, "quarter", q % 4 + 1)
        created = quarter.start_at - timedelta(days=45)
        closes = quarter.start_at + timedelta(days=40)
        for segment, wins in (("smb", 9), ("ent", 1)):
            count = 10 * (1 + q % 3)
            for i in range(count):
                won = i % 10 < wins
                log.add(
                    f"{segment}-{q}-{i}",
                    ("Discovery", created.date().isoformat()),
                    ("Won" if won else "Lost", closes.date().isoformat()),
                    segment=segment,
                    expected_close=closes,
                    owner=f"rep{i % 2}",
                    team="team1",
                )
    return log


def test_the_learned_forecast_beats_the_fixed_one_where_the_truth_is_known() -> None:
    result = report.run(truthful_log().connect(), ReportQuery(as_of=at("2026-01-10")))
    assert result.summary["periods"] == [f"{y}Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
    tracks = {t["method"]: t for t in result.summary["track"]}
    assert tracks["learned"]["wape"] < tracks["fixed"]["wape"]
    assert tracks["learned"]["within_10"] > tracks["fixed"]["within_10"]
    # fixed: 0.25 of every open deal; the company wins half: it runs 50% low
    assert tracks["fixed"]["bias"] == pytest.approx(-0.5)
    rows = result.rows.to_pylist()
    # the track record is the domain's formulas over the rows
    for method in ("learned", "fixed", "run_rate"):
        expected = track([r[method] for r in rows], [r["actual"] for r in rows])
        assert tracks[method]["wape"] == pytest.approx(expected.wape, abs=1e-4)
        assert tracks[method]["bias"] == pytest.approx(expected.bias, abs=1e-4)
        assert tracks[method]["within_10"] == pytest.approx(expected.within_10)
    # 2024Q1 (q = 4) opens with 20 SMB and 20 enterprise deals: 18 + 2 won = 20,000;
    # fixed: 40 x 1000 x 0.25
    first = rows[0]
    assert (first["period"], first["actual"]) == ("2024Q1", 20000.0)
    assert first["fixed"] == 40 * 1000 * 0.25


def test_the_learned_forecast_of_a_period_is_the_oracle_as_of_its_start() -> None:
    log = truthful_log()
    result = report.run(log.connect(), ReportQuery(as_of=at("2026-01-10")))
    start = at("2025-04-01")
    deals, moves = log.records(start)
    history = [Period(2025, "quarter", 1), Period(2024, "quarter", 4)]
    history += [Period(2024, "quarter", 3), Period(2024, "quarter", 2)]
    oracle = forecast(
        deals,
        moves,
        start,
        [Span("2025Q2", start, at("2025-07-01"))],
        [Span(p.label, p.start_at, p.end_at) for p in history],
    )
    row = next(r for r in result.rows.to_pylist() if r["period"] == "2025Q2")
    assert row["learned"] == pytest.approx(oracle[((), "2025Q2")].expected, abs=1e-3)


def test_no_look_ahead_an_outcome_after_the_period_start_changes_no_forecast() -> None:
    """Two logs that differ only in deals decided after 2025Q3 began: the forecast for
    2025Q3 (made at its start) must be the same in both; only the actual differs."""
    runs = []
    for outcome in ("Won", "Lost"):
        log = truthful_log()
        # open at the start, decided inside the period
        log.add(
            "late-1",
            ("Discovery", "2025-06-01"),
            (outcome, "2025-07-20"),
            expected_close=at("2025-08-01"),
        )
        # created and decided entirely after the start: a closed deal the learning
        # would see if it looked ahead
        for i in range(30):
            log.add(f"late-x{i}", ("Discovery", "2025-07-02"), (outcome, "2025-07-03"))
        runs.append(report.run(log.connect(), ReportQuery(as_of=at("2026-01-10"))))
    won, lost = ({r["period"]: r for r in run.rows.to_pylist()} for run in runs)
    assert won["2025Q3"]["learned"] == lost["2025Q3"]["learned"]
    assert won["2025Q3"]["fixed"] == lost["2025Q3"]["fixed"]
    assert won["2025Q3"]["actual"] == lost["2025Q3"]["actual"] + 31 * 1000
    # the next period's forecast does learn from them
    assert won["2025Q4"]["learned"] != lost["2025Q4"]["learned"]


def test_per_rep_and_in_total() -> None:
    result = report.run(truthful_log().connect(), ReportQuery(as_of=at("2026-01-10"), by=("rep",)))
    reps = {r["rep"] for r in result.rows.to_pylist()}
    assert reps == {"rep0", "rep1"}
    levels = {(t["rep"], t["method"]) for t in result.summary["track"]}
    assert ("rep0", "learned") in levels and (None, "learned") in levels
    total = next(t for t in result.summary["track"] if t["rep"] is None and t["method"] == "fixed")
    assert total["periods"] == 8


def test_bad_questions_get_a_clear_message() -> None:
    con = truthful_log().connect()
    with pytest.raises(PipefitError, match="before the first event"):
        report.run(con, ReportQuery(as_of=at("2020-01-01")))
    with pytest.raises(PipefitError, match="nothing to backtest") as none:
        report.run(con, ReportQuery(as_of=at("2022-12-01")))
    assert none.value.field == "as_of"
    with pytest.raises(PipefitError, match="had not ended") as early:
        report.run(con, ReportQuery(as_of=at("2026-01-10"), period="2026Q1"))
    assert early.value.field == "period"
    with pytest.raises(PipefitError, match="matches team nobody") as unknown:
        report.run(con, ReportQuery(as_of=at("2026-01-10"), where={"team": ("nobody",)}))
    assert unknown.value.field == "where"


def test_periods_before_the_first_event_are_left_out_with_a_note() -> None:
    result = report.run(truthful_log().connect(), ReportQuery(as_of=at("2023-07-10")))
    # the first deals are created on 2022-11-16: 2022Q4 is the first period kept
    assert result.summary["periods"] == ["2022Q4", "2023Q1", "2023Q2"]
    assert any("before the first event" in n for n in result.notes)


def test_the_chart_draws_every_method_against_the_actual() -> None:
    result = report.run(truthful_log().connect(), ReportQuery(as_of=at("2026-01-10")))
    assert report.chart(result).to_dict()["mark"]["type"] == "line"
    assert forecast_report.NAME == "forecast"
