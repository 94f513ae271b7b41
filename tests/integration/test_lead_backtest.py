"""The backtest on a generated company, where the truth is known (sample_parts/leads.py):
success follows fit (needs match, culture, lane...), BANT follows readiness."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.sample import generate
from pipefit.services.lead_backtest import BacktestResult, run_backtest
from pipefit.services.qualification import load_history, qualify_leads

from .workspaces import import_files, new_workspace


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder = tmp_path_factory.mktemp("contoso-company")
    generate(folder / "data", opportunities=2500, seed=21)
    workspace: Workspace = new_workspace(folder / "ws")
    import_files(workspace, sorted((folder / "data").glob("*.csv")))
    return workspace


def _backtest(workspace: Workspace) -> BacktestResult:
    app = App(workspace)
    try:
        return run_backtest(app.uow(), workspace.config.qualification, splits=3)
    finally:
        app.close()


@pytest.fixture(scope="module")
def backtest(company: Workspace) -> BacktestResult:
    return _backtest(company)


def _row(result: BacktestResult, target: str, method: str) -> dict[str, object]:
    return next(r for r in result.rows if r["target"] == target and r["method"] == method)


def test_success_ready_methods_find_future_successful_customers_better_than_bant(
    backtest: BacktestResult,
) -> None:
    bant = _row(backtest, "success", "bant")
    assert bant["positives"] >= 50  # type: ignore[operator]
    for method, margin in (("scorecard", 0.05), ("p_success", 0.08)):
        row = _row(backtest, "success", method)
        assert row["roc_auc"] >= bant["roc_auc"] + margin, (method, row, bant)  # type: ignore[operator]
        assert row["lift_top20"] > bant["lift_top20"], (method, row, bant)  # type: ignore[operator]
        # The article's ratio: more successful customers from the leads it accepts.
        assert row["ratio_vs_bant"] > 1.5, (method, row)  # type: ignore[operator]


def test_every_method_is_compared_on_both_targets(backtest: BacktestResult) -> None:
    methods = {"bant", "demo_ready", "scorecard", "p_win", "p_success", "naive_bayes"}
    for target in ("win", "success"):
        found = {r["method"] for r in backtest.rows if r["target"] == target}
        assert found == methods
        for r in backtest.rows:
            assert r["roc_auc"] is not None
    assert _row(backtest, "win", "bant")["ratio_vs_bant"] == 1.0
    assert len(backtest.splits) == 2
    assert backtest.curves["success"]["scorecard"][-1] == (1.0, 1.0)
    # Equal work for sales: every method's best k leads, k = the leads BANT accepts.
    bant = _row(backtest, "win", "bant")
    for r in backtest.rows:
        if r["target"] == "win":
            assert r["bant_volume"] == bant["accepted"]
            assert r["revenue_at_bant_volume"] is not None


def test_the_backtest_warns_that_status_is_filled_after_contact_and_leaves_it_out(
    backtest: BacktestResult,
) -> None:
    assert [w.field for w in backtest.leaks] == ["status"]
    assert backtest.included == []


def test_the_backtest_is_the_same_before_and_after_pipefit_routes_leads(
    company: Workspace, backtest: BacktestResult
) -> None:
    # `leads qualify` disqualifies and nurtures leads: its own decisions must not become
    # outcomes that the backtest then credits to the methods that made them.
    app = App(company)
    try:
        routed = qualify_leads(app.uow(), company.config.qualification, learned=False)
    finally:
        app.close()
    assert routed.written
    assert {d.decision for d in routed.decisions} & {"disqualify", "nurture"}
    again = _backtest(company)
    assert again.rows == backtest.rows
    assert again.splits == backtest.splits


def test_each_lead_carries_its_won_revenue_exactly_on_every_database(
    workspace: Workspace, tmp_path: Path
) -> None:
    generate(tmp_path / "data", opportunities=300, seed=3)
    import_files(workspace, sorted((tmp_path / "data").glob("*.csv")))
    # Expected: the won deals' amounts summed per lead, straight from the CSV.
    expected: dict[str, Decimal] = {}
    with (tmp_path / "data" / "opportunities.csv").open(newline="") as f:
        for deal in csv.DictReader(f):
            if deal["stage"] == "Closed won" and deal["lead_id"]:
                lead = deal["lead_id"]
                expected[lead] = expected.get(lead, Decimal(0)) + Decimal(deal["amount"])
    app = App(workspace)
    try:
        history = load_history(app.uow(), workspace.config.qualification)
    finally:
        app.close()
    found = {r.lead.lead_id: r.won_amount for r in history.records if r.won_amount}
    assert found == expected
    assert {r.won_currency for r in history.records if r.won_amount} == {"USD"}
