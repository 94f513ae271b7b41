"""Frames as the matrices scikit-learn wants: sparse one-hot for linear models, dense for trees."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pipefit.scoring.frame import Frame, FrameSpec

__all__ = ["category_orders", "field_pulls", "linear_design", "linear_owners", "tree_design"]


def _widths(spec: FrameSpec) -> list[int]:
    # A number is its standardised value plus a one-hot of its quantile bin (0 = missing):
    # the bin lets a linear model bend where the relation is not a straight line.
    widths = [1 + len(s.edges) + 2 for s in spec.numbers]
    return widths + [len(c.levels) + 2 for c in spec.categories]


def linear_owners(spec: FrameSpec) -> np.ndarray:
    """For each design column, the field (numbers first, then categories) it comes from."""
    return np.repeat(np.arange(len(_widths(spec))), _widths(spec))


def linear_design(frame: Frame) -> sp.csr_matrix:
    """One row per lead; exactly 2 entries per number and 1 per category, so building is cheap."""
    spec = frame.spec
    rows = frame.rows
    widths = _widths(spec)
    starts = np.r_[0, np.cumsum(widths)[:-1]].astype(np.int64)
    p = len(spec.numbers)
    per_row = 2 * p + len(spec.categories)
    indices = np.empty((rows, per_row), np.int64)
    data = np.ones((rows, per_row), np.float64)
    bins = frame.bins()
    for j, s in enumerate(spec.numbers):
        col = frame.numbers[:, j]
        standard = np.where(np.isnan(col), 0.0, (col - s.mean) / s.scale)
        indices[:, 2 * j] = starts[j]
        data[:, 2 * j] = np.clip(standard, -5.0, 5.0)
        indices[:, 2 * j + 1] = starts[j] + 1 + bins[:, j]
    for k in range(len(spec.categories)):
        indices[:, 2 * p + k] = starts[p + k] + frame.codes[:, k]
    indptr = np.arange(0, rows * per_row + 1, per_row, dtype=np.int64)
    return sp.csr_matrix((data.ravel(), indices.ravel(), indptr), shape=(rows, int(sum(widths))))


def category_orders(frame: Frame, y: np.ndarray, prior: float = 20.0) -> list[np.ndarray]:
    """Per category, each code's rank by its (smoothed) rate of positives in `y`.

    Trees then split a category as a number: "rank <= k" groups the values with the
    lowest rates, which for a yes/no outcome is the best split of a category there is
    (Fisher, 1958). It ranked leads as well as scikit-learn's native categorical splits
    here, and is several times faster to predict a million leads with.
    """
    base = float(np.mean(y)) if len(y) else 0.0
    orders = []
    for k, spec in enumerate(frame.spec.categories):
        size = len(spec.levels) + 2
        codes = frame.codes[:, k]
        positives = np.bincount(codes, weights=y, minlength=size)
        counts = np.bincount(codes, minlength=size)
        rate = (positives + prior * base) / (counts + prior)
        orders.append(np.argsort(np.argsort(rate, kind="stable"), kind="stable").astype(np.float64))
    return orders


def tree_design(frame: Frame, orders: list[np.ndarray]) -> np.ndarray:
    """Numbers as they are (NaN stays missing), then each category as its code's rank."""
    width = frame.numbers.shape[1] + frame.codes.shape[1]
    matrix = np.empty((frame.rows, width), np.float64, order="F")
    p = frame.numbers.shape[1]
    matrix[:, :p] = frame.numbers
    for k, order in enumerate(orders):
        matrix[:, p + k] = order[frame.codes[:, k]]
    return matrix


def field_pulls(coef: np.ndarray, frame: Frame) -> np.ndarray:
    """Each field's share of the linear log-odds, per lead: (rows, fields), gathered not summed.

    Equal, field by field, to the design row times `coef` (without the intercept), but
    computed with one gather per field instead of a sparse product over a million rows.
    """
    spec = frame.spec
    widths = _widths(spec)
    starts = np.r_[0, np.cumsum(widths)[:-1]].astype(np.int64)
    p = len(spec.numbers)
    pulls = np.empty((frame.rows, len(widths)), np.float64, order="F")
    bins = frame.bins()
    for j, s in enumerate(spec.numbers):
        col = frame.numbers[:, j]
        standard = np.clip(np.where(np.isnan(col), 0.0, (col - s.mean) / s.scale), -5.0, 5.0)
        pulls[:, j] = coef[starts[j]] * standard + coef[starts[j] + 1 + bins[:, j]]
    for k in range(len(spec.categories)):
        pulls[:, p + k] = coef[starts[p + k] + frame.codes[:, k]]
    return pulls
