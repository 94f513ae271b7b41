"""How well a score ranks leads: ROC-AUC, lift in the top share, precision of what is accepted."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

__all__ = ["auc", "lift", "target_rate_scores", "top_k_sum"]


def auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """ROC-AUC, or None when there is only one class to tell apart."""
    if len(y) == 0 or len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, score))


def lift(y: np.ndarray, score: np.ndarray, share: float) -> float | None:
    """Rate of positives in the best-scored `share` of leads over the overall rate.

    Ties at the cut are shared out in proportion, so a coarse score (BANT's 0-4 yes
    answers) is credited with what a random pick among its tied leads would give.
    """
    n = len(y)
    base = float(np.mean(y)) if n else 0.0
    if n == 0 or base == 0.0:
        return None
    k = share * n
    order = np.argsort(-score, kind="stable")
    ranked, hits = score[order], y[order].astype(np.float64)
    cut = ranked[min(int(np.ceil(k)) - 1, n - 1)]
    above = ranked > cut
    tied = ranked == cut
    room = k - above.sum()
    positives = hits[above].sum() + hits[tied].sum() * (room / tied.sum())
    return float((positives / k) / base)


def top_k_sum(values: np.ndarray, score: np.ndarray, k: int) -> float:
    """The sum of `values` over the `k` best-scored leads, ties at the cut shared out in
    proportion (what a random pick among the tied leads would give on average)."""
    n = len(values)
    k = min(k, n)
    if k <= 0:
        return 0.0
    order = np.argsort(-score, kind="stable")
    ranked, taken = score[order], values[order].astype(np.float64)
    cut = ranked[k - 1]
    above = ranked > cut
    tied = ranked == cut
    room = k - above.sum()
    return float(taken[above].sum() + taken[tied].sum() * (room / tied.sum()))


def target_rate_scores(
    codes: np.ndarray, y: np.ndarray, folds: np.ndarray, levels: int, prior_weight: float = 10.0
) -> np.ndarray:
    """Out-of-fold rate of positives per value of one field (the field's score on its own)."""
    scores = np.empty(len(y))
    base = float(np.mean(y))
    for fold in np.unique(folds):
        train = folds != fold
        positives = np.bincount(codes[train], weights=y[train], minlength=levels)
        counts = np.bincount(codes[train], minlength=levels)
        rate = (positives + prior_weight * base) / (counts + prior_weight)
        scores[~train] = rate[codes[~train]]
    return scores
