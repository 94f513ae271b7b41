"""The reports find what the generator planted (`pipefit.sample.truths`), end to end: a
generated company of 50,000 opportunities, imported by the real import, reported on
through `pipefit.open_workspace(...).reports`."""

from __future__ import annotations

import pytest

from pipefit.domain.metrics.signals import USAGE
from pipefit.sample import truths

from .reports_data import (
    TRUTH_SEED,
    TRUTH_SIZE,
    Company,
    generated_company,
    read_csv,
    records,
    report,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Company:
    return generated_company(
        tmp_path_factory.getbasetemp() / "reports", opportunities=TRUTH_SIZE, seed=TRUTH_SEED
    )


def test_friction_suggests_splitting_the_two_step_stage_at_its_planted_humps(
    company: Company,
) -> None:
    rows = records(report(company.workspace, "friction"))
    humps = [r for r in rows if r["finding"] == "two_humps"]
    stage, _ = truths.TWO_STEP_STAGE
    assert [r["stage"] for r in humps] == [stage]  # and no other stage
    [found] = humps
    low, high = truths.TWO_STEP_MEDIAN_DAYS
    low_share, high_share = truths.TWO_STEP_SHARES
    assert found["low_median_days"] == pytest.approx(low, rel=0.15)
    assert found["high_median_days"] == pytest.approx(high, rel=0.15)
    assert found["low_share"] == pytest.approx(low_share, abs=0.05)
    assert found["high_share"] == pytest.approx(high_share, abs=0.05)
    assert low < found["split_at_days"] < high


def test_friction_reports_the_stage_passed_in_minutes_and_only_that_one(company: Company) -> None:
    rows = records(report(company.workspace, "friction"))
    minutes = [r for r in rows if r["finding"] == "minutes"]
    stage, _ = truths.MINUTE_STAGE
    assert [r["stage"] for r in minutes] == [stage]
    # value_days is the stage's median stay: about the planted 10 minutes
    planted = truths.MINUTE_STAGE_MEDIAN_MINUTES / (24 * 60)
    assert minutes[0]["value_days"] == pytest.approx(planted, rel=0.5)


def test_pairs_tell_the_planted_good_pairs_better_and_the_bad_ones_worse(company: Company) -> None:
    people = read_csv(company.folder, "people")
    planted = truths.planted_pairs(
        (p["person_id"], p["role"], p["team_id"] or None) for p in people
    )
    assert len(planted) >= 6
    result = report(company.workspace, "pairs")
    rows = {(r["owner_id"], r["presales_id"]): r for r in records(result)}
    for pair, effect in planted.items():
        row = rows[pair]
        together = row["win_rate"]
        apart = (row["rep_apart_win_rate"], row["presales_apart_win_rate"])
        # Every planted pair on the right side of both its members apart ...
        if effect > 0:
            assert together > max(apart), (pair, row)
            assert row["verdict"] != "worse", (pair, row)
        else:
            assert together < min(apart), (pair, row)
            assert row["verdict"] != "better", (pair, row)
    # ... and the intervals (about 130 deals a pair) say so for most of them.
    good = [p for p, e in planted.items() if e > 0]
    bad = [p for p, e in planted.items() if e < 0]
    assert sum(rows[p]["verdict"] == "better" for p in good) >= len(good) // 2
    assert sum(rows[p]["verdict"] == "worse" for p in bad) >= 2
    # Verdicts are rare outside the planted pairs (chemistry noise only).
    others = [r for p, r in rows.items() if p not in planted and r["verdict"] != "no evidence"]
    assert len(others) <= 2, others


def test_signals_measure_the_planted_smb_lifts(company: Company) -> None:
    rows = [r for r in records(report(company.workspace, "signals")) if r["section"] == "usage"]
    measured = {USAGE[r["signal"]]: r for r in rows}
    for signal in truths.SIGNALS:
        row = measured[signal.kind]
        assert row["lift"] == pytest.approx(signal.lift, abs=truths.SIGNAL_LIFT_TOLERANCE), signal
        assert (
            row["lift_low"] <= signal.lift <= row["lift_high"]
            or abs(row["lift"] - signal.lift) <= truths.SIGNAL_LIFT_TOLERANCE
        )


@pytest.mark.parametrize("period", ["2024Q3", "2025Q1", "2025Q2", "2025Q4"])
def test_flow_balances_in_count_and_amount(company: Company, period: str) -> None:
    result = report(company.workspace, "flow", period=period)
    assert result.summary["balanced"] is True
    rows = sorted(records(result), key=lambda r: r["step"])
    assert rows[0]["movement"] == "start" and rows[-1]["movement"] == "end"
    moves = rows[1:-1]
    # every kind of move happens in a generated quarter (slips, pull-ins, amount changes)
    for kind in ("new", "pulled_in", "pushed_out", "won", "lost", "increased", "decreased"):
        assert next(r for r in moves if r["movement"] == kind)["deals"] > 0, kind
    assert rows[0]["count"] + sum(r["count"] for r in moves) == rows[-1]["count"]
    assert rows[0]["amount"] + sum(r["amount"] for r in moves) == pytest.approx(
        rows[-1]["amount"], rel=1e-9
    )


def test_forecast_backtest_runs_eight_quarters_and_the_learned_forecast_beats_the_fixed(
    company: Company,
) -> None:
    result = report(company.workspace, "forecast-backtest")
    assert result.summary["periods"] == [
        f"{year}Q{q}" for year in (2024, 2025) for q in (1, 2, 3, 4)
    ]
    track = {t["method"]: t for t in result.summary["track"]}
    assert track["learned"]["wape"] <= track["fixed"]["wape"]
    assert track["learned"]["periods"] == 8
