"""The backtest on a generated company, where the truth is known (sample_parts/leads.py):
success follows fit (needs match, culture, lane...), BANT follows readiness."""

from __future__ import annotations

import pytest

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.sample import generate
from pipefit.services.lead_backtest import BacktestResult, run_backtest

from .workspaces import import_files, new_workspace


@pytest.fixture(scope="module")
def backtest(tmp_path_factory: pytest.TempPathFactory) -> BacktestResult:
    folder = tmp_path_factory.mktemp("contoso-company")
    generate(folder / "data", opportunities=2500, seed=21)
    workspace: Workspace = new_workspace(folder / "ws")
    import_files(workspace, sorted((folder / "data").glob("*.csv")))
    app = App(workspace)
    try:
        return run_backtest(app.uow(), workspace.config.qualification, splits=3)
    finally:
        app.close()


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


def test_the_backtest_warns_that_status_is_filled_after_contact_and_leaves_it_out(
    backtest: BacktestResult,
) -> None:
    assert [w.field for w in backtest.leaks] == ["status"]
    assert backtest.included == []
