"""Methods compared on equal work for sales: each method's k best leads, k = BANT's accepted."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from pipefit.scoring.backtest import MethodScores, method_metrics


def _row(rows: list[dict[str, object]], method: str) -> dict[str, object]:
    return next(r for r in rows if r["method"] == method)


def test_every_method_is_judged_on_as_many_leads_as_bant_accepts() -> None:
    y = np.array([1, 1, 0, 1, 0, 0])
    # Won revenue in 1/10,000 units: lead 0 won 1,000.00, lead 1 250.50, lead 3 99.99.
    revenue = np.array([10_000_000, 2_505_000, 0, 999_900, 0, 0])
    bant = MethodScores("bant", np.array([4.0, 1, 4, 1, 1, 1]), np.array([1, 0, 1, 0, 0, 0], bool))
    # Accepts five leads, so its plain ratio flatters it; its best two are leads 0 and 1.
    wide = MethodScores(
        "wide", np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.3]), np.array([1, 1, 1, 1, 0, 1], bool)
    )
    rows = method_metrics([bant, wide], {"win": y}, revenue=revenue)
    b, w = _row(rows, "bant"), _row(rows, "wide")
    assert b["bant_volume"] == w["bant_volume"] == 2
    # BANT's two: leads 0 and 2, one won (1,000.00).
    assert b["positives_at_bant_volume"] == 1.0
    assert b["rate_at_bant_volume"] == 0.5
    assert b["revenue_at_bant_volume"] == Decimal("1000.00")
    # The wide method's best two: leads 0 and 1, both won (1,000.00 + 250.50).
    assert w["positives_at_bant_volume"] == 2.0
    assert w["rate_at_bant_volume"] == 1.0
    assert w["revenue_at_bant_volume"] == Decimal("1250.50")
    assert w["ratio_vs_bant"] == 3.0  # 3 won among its 5 accepted over BANT's 1


def test_ties_at_the_cut_are_shared_out_as_a_random_pick_would_give() -> None:
    y = np.array([1, 1, 0, 1, 0, 0])
    revenue = np.array([10_000_000, 2_505_000, 0, 999_900, 0, 0])
    bant = MethodScores("bant", np.zeros(6), np.array([1, 0, 1, 0, 0, 0], bool))
    coarse = MethodScores("coarse", np.array([1.0, 1, 1, 0, 0, 0]), np.zeros(6, bool))
    rows = method_metrics([bant, coarse], {"win": y}, revenue=revenue)
    c = _row(rows, "coarse")
    # Two picked from three tied leads (0, 1, 2) holding two won deals: 2 x 2/3 expected.
    assert c["positives_at_bant_volume"] == 1.3
    assert c["rate_at_bant_volume"] == 0.667
    # (1,000.00 + 250.50) x 2/3 = 833.666... -> 833.67
    assert c["revenue_at_bant_volume"] == Decimal("833.67")
