"""The backtest on a small history held in memory, where every figure is counted by hand.

Forty leads, one a day from 2024-01-01. Even-numbered leads answer yes to all of BANT and
were won; of those, every fourth (0, 4, 8...) became a customer that renewed, the others
a customer that churned on 2025-06-01 (the newest record, so every customer had its first
year). Odd-numbered leads had no budget and lost their deal. Two splits: the first twenty
leads only train, the last twenty are judged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import PipefitError
from pipefit.domain.model import CustomerOutcome
from pipefit.domain.qualification import LeadRecord
from pipefit.services.lead_backtest import BacktestResult, run_backtest
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.leads import MemoryLeads

from .lead_factories import lead, record

START = datetime(2024, 1, 1, tzinfo=UTC)
CHURNED = datetime(2025, 6, 1, tzinfo=UTC)  # also the newest record: "now"


def history_lead(i: int) -> LeadRecord:
    created = START + timedelta(days=i)
    closed = created + timedelta(days=30)
    won = i % 2 == 0
    customer = None
    if won:
        customer = CustomerOutcome(
            f"ACC-{i}", closed, renewed=i % 4 == 0, churned_at=None if i % 4 == 0 else CHURNED
        )
    return record(
        lead=lead(
            f"LEAD-{i:02}",
            created_at=created,
            budget="yes" if won else "no",
            needs_match_pct=Decimal(40 + i),  # varied, so the models have something to read
            buying_team_size=1 + i % 5,
        ),
        deals=1,
        won_deals=int(won),
        deal_closed_at=closed,
        customer=customer,
    )


def small_history() -> MemoryUnitOfWork:
    return MemoryUnitOfWork(leads=MemoryLeads([history_lead(i) for i in range(40)]))


def _row(result: BacktestResult, target: str, method: str) -> dict[str, object]:
    return next(r for r in result.rows if r["target"] == target and r["method"] == method)


def test_bant_is_judged_on_the_later_leads_with_counts_worked_out_by_hand() -> None:
    result = run_backtest(small_history(), QualificationConfig(), splits=2)

    assert [(s["train_leads"], s["test_leads"]) for s in result.splits] == [(20, 20)]
    assert result.splits[0]["test_from"] == START + timedelta(days=20)
    win = _row(result, "win", "bant")
    # Leads 20-39: the ten even ones were won, and BANT (all four yes) accepts exactly them.
    assert (win["leads"], win["positives"], win["accepted"], win["positives_accepted"]) == (
        20, 10, 10, 10,
    )  # fmt: skip
    assert win["roc_auc"] == 1.0
    assert win["lift_top20"] == 2.0  # the top four are all won: 100% against 50%
    assert win["ratio_vs_bant"] == 1.0
    success = _row(result, "success", "bant")
    # Successful: 20, 24, 28, 32, 36. BANT ranks them (4 yes) with the five churned (4 yes)
    # above the ten lost (3 yes): AUC = (5 x 10 + 5 x 5 / 2) / (5 x 15) = 0.833.
    assert (success["positives"], success["positives_accepted"]) == (5, 5)
    assert success["roc_auc"] == 0.833
    assert success["rate_accepted"] == 0.5


def test_learned_methods_are_skipped_with_a_note_when_the_history_is_too_short() -> None:
    result = run_backtest(small_history(), QualificationConfig(), splits=2)

    assert result.notes == [
        "split 1: p_win: too few resolved leads before 2024-01-21",
        "split 1: p_success: too few resolved leads before 2024-01-21",
    ]
    assert {r["method"] for r in result.rows} == {
        "bant", "demo_ready", "scorecard", "p_win", "p_success", "naive_bayes",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        (1, "a backtest needs at least 2 splits (train on one block, test on the next), got 1"),
        (5, "40 leads are too few to backtest in 5 splits"),
    ],
)
def test_a_backtest_with_too_few_splits_or_leads_is_refused_naming_the_splits(
    splits: int, message: str
) -> None:
    with pytest.raises(PipefitError) as refused:
        run_backtest(small_history(), QualificationConfig(), splits=splits)

    assert str(refused.value) == message
    assert refused.value.field == "backtest.splits"
