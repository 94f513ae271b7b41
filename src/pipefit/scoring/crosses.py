"""A linear model over pairs of fields: what two answers say together that neither says alone.

Every pair of fields (numbers by their quantile bin) becomes one categorical field whose
values are the pairs of values seen on at least `_MIN_ROWS` leads; rarer pairs add
nothing. A strongly regularised logistic regression learns the main effects and the
pairs together. Scoring is one table look-up per pair, so it needs no sparse matrix
however many leads are scored.

It is fitted only on histories the size of a CRM export (see models.py): there, it
ranks leads better blended with the trees than the plain linear model does.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from pipefit.scoring.design import field_pulls, linear_design
from pipefit.scoring.frame import Frame

__all__ = ["Crosses", "average_crosses", "fit_crosses"]

_MIN_ROWS = 10  # a pair of values seen on fewer leads gets no weight of its own
_C = 0.02  # strong regularisation: a few hundred pair columns against thousands of leads


@dataclass
class Crosses:
    """Main-effect coefficients (as in design.py) plus one weight table per pair of fields."""

    coef: np.ndarray
    intercept: float
    pairs: np.ndarray  # (pairs, 2) field numbers, in field_codes order
    sizes: np.ndarray  # levels per field
    tables: list[np.ndarray]  # per pair, a weight per (value of the first, value of the second)

    def logit(self, frame: Frame) -> np.ndarray:
        z = field_pulls(self.coef, frame).sum(axis=1) + self.intercept
        codes, _ = frame.field_codes()
        for (i, j), table in zip(self.pairs, self.tables, strict=True):
            z += table[codes[:, i].astype(np.int64) * int(self.sizes[j]) + codes[:, j]]
        return np.asarray(z, np.float64)

    def field_pulls(self, frame: Frame) -> np.ndarray:
        """Each field's share of the log-odds (rows, fields): its main effect plus half of
        every pair it is in. They add up to `logit` less the intercept, so the reasons
        drawn from them account for the whole model."""
        pulls = field_pulls(self.coef, frame)
        codes, _ = frame.field_codes()
        for (i, j), table in zip(self.pairs, self.tables, strict=True):
            half = 0.5 * table[codes[:, i].astype(np.int64) * int(self.sizes[j]) + codes[:, j]]
            pulls[:, i] += half
            pulls[:, j] += half
        return pulls


def _pair_columns(
    codes: np.ndarray, sizes: list[int], pairs: np.ndarray
) -> tuple[sp.csr_matrix, list[np.ndarray]]:
    """One-hot columns of the frequent value pairs; per pair, each combination's column."""
    rows = codes.shape[0]
    columns: list[np.ndarray] = []
    lookups: list[np.ndarray] = []
    start = 0
    for i, j in pairs:
        combo = codes[:, i].astype(np.int64) * sizes[j] + codes[:, j]
        counts = np.bincount(combo, minlength=sizes[i] * sizes[j])
        kept = counts >= _MIN_ROWS
        lookup = np.full(len(counts), -1, np.int64)
        lookup[kept] = start + np.arange(int(kept.sum()))
        start += int(kept.sum())
        lookups.append(lookup)
        columns.append(lookup[combo])
    if not columns:
        return sp.csr_matrix((rows, 0)), lookups
    cols = np.column_stack(columns)
    present = cols >= 0
    row_of = np.broadcast_to(np.arange(rows)[:, None], cols.shape)[present]
    matrix = sp.csr_matrix(
        (np.ones(int(present.sum())), (row_of, cols[present])), shape=(rows, start)
    )
    return matrix, lookups


def fit_crosses(frame: Frame, y: np.ndarray, notes: list[str]) -> Crosses:
    codes, sizes = frame.field_codes()
    fields = len(sizes)
    pairs = np.array([(i, j) for i in range(fields) for j in range(i + 1, fields)], np.int64)
    pairs = pairs.reshape(-1, 2)
    main = linear_design(frame)
    pair_matrix, lookups = _pair_columns(codes, sizes, pairs)
    model = LogisticRegression(C=_C, max_iter=2000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(sp.hstack([main, pair_matrix]).tocsr(), y)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append("the model of field pairs stopped at its iteration limit before converging")
    coef = model.coef_[0]
    width = main.shape[1]
    tables = []
    for lookup in lookups:
        table = np.zeros(len(lookup))
        kept = lookup >= 0
        table[kept] = coef[width + lookup[kept]]
        tables.append(table)
    return Crosses(
        coef=np.asarray(coef[:width], np.float64),
        intercept=float(model.intercept_[0]),
        pairs=pairs,
        sizes=np.asarray(sizes, np.int64),
        tables=tables,
    )


def average_crosses(parts: list[Crosses]) -> Crosses:
    """The members' pair models as one: linear in the same columns, so their mean is exact."""
    first = parts[0]
    return Crosses(
        coef=np.mean([c.coef for c in parts], axis=0),
        intercept=float(np.mean([c.intercept for c in parts])),
        pairs=first.pairs,
        sizes=first.sizes,
        tables=[np.mean(t, axis=0) for t in zip(*(c.tables for c in parts), strict=True)],
    )
