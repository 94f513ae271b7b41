"""The forecast report: win rates learned from history (shrunk), expected revenue per
period with its range, categories and roll-ups, pipeline not yet created; compared with
hand-computed figures and with the oracle (domain.metrics.forecast)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.reports import forecast as report
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.forecast import Span, forecast
from tests.unit.forecast_data import Log, at

T = at("2026-04-15")


def known_log() -> Log:
    """History closed before T (and one deal won in Q2), then open deals.

    Closed: H1 won, H2 lost, H3 lost, W1 won: overall = (2 + 1) / (4 + 2) = 0.5.
    Stage rates (K = 5): Discovery 4 deals, 2 won: (2 + 2.5) / 9 = 0.5;
    Proposal H1, H2: (1 + 2.5) / 7 = 0.5.
    Cells: (Proposal, 0+, smb) H1, H2: (1 + 2.5) / 7 = 0.5;
    (Proposal, 30+, smb) only H1 (stayed 30 days), won: (1 + 2.5) / 6 = 0.583333.
    """
    log = Log()
    # skips Evaluation; 10 days in Discovery, 30 in Proposal; created and won in 2025Q4
    log.add(
        "H1",
        ("Discovery", "2025-10-01"),
        ("Proposal", "2025-10-11"),
        ("Won", "2025-11-10"),
        amount=100.0,
    )
    log.add("H2", ("Discovery", "2025-10-05"), ("Proposal", "2025-10-15"), ("Lost", "2025-10-25"))
    # moves back to Discovery, enterprise
    log.add(
        "H3",
        ("Discovery", "2025-11-01"),
        ("Evaluation", "2025-11-11"),
        ("Discovery", "2025-11-21"),
        ("Lost", "2025-12-01"),
        segment="ent",
    )
    log.add("W1", ("Discovery", "2026-04-02"), ("Won", "2026-04-10"), amount=300.0)
    # in Proposal 26 days at T (band 0): p = 0.5
    log.add(
        "O1",
        ("Discovery", "2026-03-01"),
        ("Proposal", "2026-03-20"),
        expected_close=at("2026-05-15"),
    )
    # in Proposal 73 days (band 30): p = 0.583333; overdue at T: forecast in Q2
    log.add(
        "O2",
        ("Discovery", "2026-01-01"),
        ("Proposal", "2026-02-01"),
        amount=2000.0,
        expected_close=at("2026-03-15"),
    )
    # enterprise, 59 days in Discovery: no cell (Discovery, 30+, ent): the stage's 0.5
    log.add(
        "O3",
        ("Discovery", "2026-02-15"),
        amount=500.0,
        segment="ent",
        expected_close=at("2026-08-01"),
        owner="rep2",
        team="team2",
    )
    log.add("O4", ("Discovery", "2026-03-01"), amount=None, expected_close=at("2026-05-01"))
    log.add("O5", ("Discovery", "2026-03-01"), ("Evaluation", "2026-03-05"))
    # O2 is called best case by its manager before T; the later omission is after T
    log.overrides.append(("O2", "best_case", at("2026-04-12"), "mgr"))
    log.overrides.append(("O2", "omitted", at("2026-04-20"), "mgr"))
    return log


def rows_by_period(result: object) -> dict[str, dict[str, object]]:
    return {r["period"]: r for r in result.rows.to_pylist()}  # type: ignore[attr-defined]


def test_the_forecast_of_the_current_quarter_matches_the_hand_computation() -> None:
    result = report.run(known_log().connect(), ReportQuery(as_of=T))
    q2 = rows_by_period(result)["2026Q2"]
    # open: 0.5 x 1000 + 0.583333 x 2000 = 1666.6667
    assert q2["expected_open"] == pytest.approx(1666.6667, abs=1e-3)
    assert q2["closed_won"] == 300.0
    # not yet created: H1's 100 over 2025Q4 and 2026Q1 = 50 a quarter; 77 of Q2's 91 days
    # are still to come at T: 50 x 77 / 91 = 42.3077
    assert q2["expected_new"] == pytest.approx(42.3077, abs=1e-3)
    assert q2["expected"] == pytest.approx(300 + 1666.6667 + 42.3077, abs=1e-3)
    # variance = 0.25 x 1000^2 + 0.583333 x 0.416667 x 2000^2 = 1,222,222.2; sd 1105.54;
    # 1.2816 sd = 1416.81: low = 300 + 42.31 + 249.86; high capped at the open 3000
    assert q2["low"] == pytest.approx(300 + 42.3077 + 1666.6667 - 1416.8108, abs=1e-2)
    assert q2["high"] == pytest.approx(300 + 42.3077 + 3000, abs=1e-3)
    assert q2["open_deals"] == 2
    assert q2["deals_without_amount"] == 1
    # categories: Proposal (last open stage) is commit; O2 overridden to best case
    assert (
        q2["commit_amount"],
        q2["best_case_amount"],
        q2["pipeline_amount"],
        q2["closed_amount"],
    ) == (1000, 2000, 0, 300)
    assert (q2["rollup_commit"], q2["rollup_best_case"], q2["rollup_pipeline"]) == (
        1300,
        3300,
        3300,
    )
    q3 = rows_by_period(result)["2026Q3"]
    assert q3["expected_open"] == pytest.approx(250.0)  # 0.5 x 500
    assert q3["pipeline_amount"] == 500  # Discovery: the lower half of the open stages
    assert q3["expected_new"] == pytest.approx(50.0)
    assert any("no expected close date" in n for n in result.notes)
    assert any("no amount" in n for n in result.notes)


def test_an_open_deal_without_an_expected_close_date_is_counted_in_the_undated_row() -> None:
    result = report.run(known_log().connect(), ReportQuery(as_of=T))
    undated = rows_by_period(result)["undated"]
    # O5 (smb, 1000) has sat in Evaluation since 2026-03-05: 41 days at T, band 30. No closed
    # deal of smb stayed 30+ days there, so the stage's rate: H3 alone visited it, lost:
    # (0 + 5 x 0.5) / (1 + 5) = 0.416667; Evaluation is the 2nd of 3 open stages: best case
    assert undated["open_deals"] == 1
    assert undated["open_amount"] == 1000
    assert undated["expected_open"] == pytest.approx(416.6667, abs=1e-3)
    assert undated["best_case_amount"] == 1000
    assert (undated["closed_won"], undated["expected_new"]) == (0, 0)
    assert result.summary["undated_open_deals"] == 1
    assert result.summary["undated_expected_open"] == pytest.approx(416.6667, abs=1e-3)
    # the totals are the periods' alone (Q2 1666.6667 + Q3 250 of open deals)
    assert result.summary["expected_open"] == pytest.approx(1916.6667, abs=1e-3)
    assert any("row 'undated'" in n for n in result.notes)


def test_engine_and_oracle_agree_on_the_known_log() -> None:
    log = known_log()
    compare(log, T, ("rep",))


def test_a_stage_mapped_in_the_configuration_takes_its_category() -> None:
    log = known_log()
    log.stage_categories["Discovery"] = "best_case"
    q3 = rows_by_period(report.run(log.connect(), ReportQuery(as_of=T)))["2026Q3"]
    assert (q3["best_case_amount"], q3["pipeline_amount"]) == (500, 0)


def test_a_named_period_and_cuts() -> None:
    by_pipeline = report.run(known_log().connect(), ReportQuery(as_of=T, by=("pipeline",)))
    assert {r["pipeline"] for r in by_pipeline.rows.to_pylist()} == {"P"}
    result = report.run(known_log().connect(), ReportQuery(as_of=T, by=("rep",), period="2026Q3"))
    rows = result.rows.to_pylist()
    # rep1's O5 has no expected close date: its own row, whatever the period asked
    assert {(r["rep"], r["period"]) for r in rows} == {
        ("rep1", "2026Q3"),
        ("rep2", "2026Q3"),
        ("rep1", "undated"),
    }
    rep2 = next(r for r in rows if r["rep"] == "rep2")
    assert rep2["expected_open"] == pytest.approx(250.0)
    assert rep2["expected_new"] == 0  # rep2 never won a deal created in the same quarter


def test_a_filter_keeps_its_deals_and_learns_from_all_history() -> None:
    result = report.run(known_log().connect(), ReportQuery(as_of=T, where={"team": ("team2",)}))
    q3 = rows_by_period(result)["2026Q3"]
    assert q3["expected_open"] == pytest.approx(250.0)
    assert rows_by_period(result)["2026Q2"]["expected_open"] == 0


def test_bad_questions_get_a_clear_message() -> None:
    con = known_log().connect()
    with pytest.raises(PipefitError, match="before the first event") as before:
        report.run(con, ReportQuery(as_of=at("2020-01-01")))
    assert before.value.field == "as_of"
    with pytest.raises(PipefitError, match=r"no deal .* matches rep nobody") as unknown:
        report.run(con, ReportQuery(as_of=T, where={"rep": ("nobody",)}))
    assert unknown.value.field == "where"
    with pytest.raises(PipefitError, match="no cut 'colour'"):
        report.run(con, ReportQuery(as_of=T, by=("colour",)))
    with pytest.raises(PipefitError) as period:
        report.run(con, ReportQuery(as_of=T, period="2026Q9"))
    assert period.value.field == "period"
    with pytest.raises(PipefitError, match="no deals"):
        report.run(Log().connect(), ReportQuery(as_of=T))


def test_a_period_with_no_deals_is_said_so_not_divided_by() -> None:
    result = report.run(known_log().connect(), ReportQuery(as_of=T, period="2027Q2"))
    assert any("2027Q2" in n for n in result.notes)
    row = rows_by_period(result)["2027Q2"]  # and the undated row (O5)
    assert row["expected_open"] == 0 and row["expected_new"] == 50.0


def test_nothing_closed_yet_means_even_odds_and_a_note() -> None:
    log = Log()
    log.add("A", ("Discovery", "2026-01-01"), expected_close=at("2026-05-01"))
    result = report.run(log.connect(), ReportQuery(as_of=T))
    assert rows_by_period(result)["2026Q2"]["expected_open"] == 500.0  # (0 + 1) / (0 + 2)
    assert any("50%" in n for n in result.notes)


def test_the_chart_draws_forecast_against_its_range() -> None:
    result = report.run(known_log().connect(), ReportQuery(as_of=T))
    spec = report.chart(result).to_dict()
    assert "layer" in spec


def compare(log: Log, moment: datetime, cuts: tuple[str, ...] = ()) -> None:
    result = report.run(log.connect(), ReportQuery(as_of=moment, by=cuts))
    con = log.connect()
    first = report.first_moment(con)
    assert first is not None
    periods = report.target_periods(ReportQuery(as_of=moment), moment)
    history = report.history_periods("quarter", moment, first, 4)
    deals, moves = log.records(moment, cuts)
    categories = dict(
        (r[0], r[1])
        for r in con.execute(
            'SELECT opportunity_id, category FROM forecast_overrides WHERE "at" <= $1 '
            'QUALIFY ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY "at" DESC) = 1',
            [moment],
        ).fetchall()
    )
    oracle = forecast(
        deals,
        moves,
        moment,
        [Span(p.label, p.start_at, p.end_at) for p in periods],
        [Span(p.label, p.start_at, p.end_at) for p in history],
        categories,
    )
    engine = {(tuple(r[c] for c in cuts), r["period"]): r for r in result.rows.to_pylist()}
    for key, expected in oracle.items():
        got = engine[key]
        assert got["expected_open"] == pytest.approx(expected.expected_open, abs=1e-3)
        assert got["closed_won"] == pytest.approx(expected.closed_won, abs=1e-3)
        assert got["expected_new"] == pytest.approx(expected.expected_new, abs=1e-3)
        assert got["low"] == pytest.approx(expected.low, abs=1e-3)
        assert got["high"] == pytest.approx(expected.high, abs=1e-3)
        assert got["open_deals"] == expected.open_deals
        assert got["deals_without_amount"] == expected.deals_without_amount
    for key, got in engine.items():
        if key not in oracle:
            assert got["expected"] == 0


OPEN = ["Discovery", "Evaluation", "Proposal"]


@st.composite
def logs(draw: st.DrawFn) -> Log:
    log = Log()
    start = at("2025-07-01")
    for i in range(draw(st.integers(1, 14))):
        moment = start + timedelta(days=draw(st.integers(0, 300)))
        moves = [(draw(st.sampled_from(OPEN)), moment)]
        for _ in range(draw(st.integers(0, 3))):
            moment += timedelta(days=draw(st.integers(0, 80)), hours=draw(st.integers(0, 23)))
            moves.append((draw(st.sampled_from([*OPEN, "Won", "Lost"])), moment))
            if moves[-1][0] in ("Won", "Lost") and draw(st.booleans()):
                break
        planned = log.add(
            f"D{i}",
            amount=draw(st.sampled_from([None, 100.0, 250.0, 1000.0])),
            segment=draw(st.sampled_from([None, "smb", "ent"])),
            expected_close=moment + timedelta(days=draw(st.integers(-60, 200))),
            owner=draw(st.sampled_from(["rep1", "rep2"])),
        )
        planned.moves = moves
    return log


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=logs(), days=st.integers(120, 420))
def test_engine_and_oracle_agree_on_random_logs(log: Log, days: int) -> None:
    moment = at("2025-07-01") + timedelta(days=days)
    assume(any(d.moves[0][1] <= moment for d in log.deals))  # else: the clear refusal above
    compare(log, moment, ("rep",))
