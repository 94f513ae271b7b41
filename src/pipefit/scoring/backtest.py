"""Scoring the methods on later leads: ROC-AUC, lift, and the article's accepted-leads ratio.

Every method gives each test lead a score (to rank by) and a verdict (accept or not).
The ratio is the article's: deals closed from the leads a method accepts, over deals
closed from the leads BANT accepts (two vendors reported 6:1 and 10:1 for demo-ready
leads); the same for leads that became successful customers.

That ratio rewards a method for accepting more leads, so each method is also judged at
BANT's volume: its `k` best-scored leads, `k` the number BANT accepts, the same work for
sales. There the share of positives and their won revenue compare methods like for like.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from pipefit.scoring.evaluate import auc, lift, top_k_sum

__all__ = ["MethodScores", "gains", "method_metrics", "time_splits"]


@dataclass(frozen=True)
class MethodScores:
    name: str
    score: np.ndarray  # one per test lead; higher is better
    accepted: np.ndarray  # bool: the method would let the lead into the pipeline


def time_splits(count: int, splits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) row ranges for leads in time order: train on blocks before, test on one."""
    edges = np.linspace(0, count, splits + 1).round().astype(np.int64)
    return [(np.arange(0, edges[i]), np.arange(edges[i], edges[i + 1])) for i in range(1, splits)]


def _round(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def _money(units: float | None) -> Decimal | None:
    """A sum in 1/10,000 units as money, to the cent."""
    if units is None:
        return None
    return (Decimal(repr(units)) / 10_000).quantize(Decimal("0.01"))


def method_metrics(
    methods: Sequence[MethodScores],
    targets: dict[str, np.ndarray],
    *,
    reference: str = "bant",
    revenue: np.ndarray | None = None,
) -> list[dict[str, object]]:
    """One row per (target, method): AUC, lift at 10% and 20%, accepted, ratio vs `reference`,
    and the method's `k` best leads, `k` the number `reference` accepts: positives among them,
    their share, and (given `revenue`, won revenue per lead in 1/10,000 units) their revenue."""
    rows: list[dict[str, object]] = []
    by_name = {m.name: m for m in methods}
    for target, y_all in targets.items():
        known = y_all >= 0
        y = y_all[known].astype(np.int64)
        ref = by_name.get(reference)
        ref_hits = int(y[ref.accepted[known]].sum()) if ref is not None else 0
        volume = int(ref.accepted[known].sum()) if ref is not None else 0
        won = None if revenue is None else np.where(y > 0, revenue[known], 0)
        for m in methods:
            score, accepted = m.score[known], m.accepted[known]
            hits = int(y[accepted].sum())
            taken = int(accepted.sum())
            at_volume = top_k_sum(y, score, volume)
            money = None if won is None else top_k_sum(won, score, volume)
            rows.append(
                {
                    "target": target,
                    "method": m.name,
                    "leads": int(known.sum()),
                    "positives": int(y.sum()),
                    "roc_auc": _round(auc(y, score)),
                    "lift_top10": _round(lift(y, score, 0.1), 2),
                    "lift_top20": _round(lift(y, score, 0.2), 2),
                    "accepted": taken,
                    "positives_accepted": hits,
                    "rate_accepted": _round(hits / taken if taken else None),
                    f"ratio_vs_{reference}": _round(hits / ref_hits if ref_hits else None, 2),
                    f"{reference}_volume": volume,
                    f"positives_at_{reference}_volume": _round(at_volume, 1),
                    f"rate_at_{reference}_volume": _round(at_volume / volume if volume else None),
                    f"revenue_at_{reference}_volume": _money(money),
                }
            )
    return rows


def gains(y: np.ndarray, score: np.ndarray, points: int = 50) -> list[tuple[float, float]]:
    """Cumulative gains: (share of leads taken by score, share of positives found)."""
    total = float(y.sum())
    if total == 0 or len(y) == 0:
        return []
    rng = np.random.default_rng(0)  # ties broken at random, as a person would pick among equals
    order = np.lexsort((rng.random(len(y)), -score))
    found = np.cumsum(y[order]) / total
    shares = np.linspace(0, 1, points + 1)
    index = np.clip((shares * len(y)).astype(np.int64) - 1, -1, len(y) - 1)
    return [
        (float(s), float(found[i]) if i >= 0 else 0.0) for s, i in zip(shares, index, strict=True)
    ]
