"""pipefit's learned lead score: gradient-boosted trees and a linear model, blended and calibrated.

The two see the data differently (the trees the interactions between fields, the linear
model each field's own pull), so the blend ranks leads better than either alone. On
histories up to 100,000 leads, three members are trained, each on two thirds of the
leads (a 3-fold split), and averaged: averaging steadies the ranking, and every lead is
left out by exactly one member, whose score on it is an honest one. A two-parameter
(Platt) map fitted on those left-out scores turns the blend into a probability. Bigger
histories train one member on 80% and calibrate on the other 20%.

The members' linear parts average into one linear model, which gives the reasons in
words (see explain.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from pipefit.scoring.crosses import Crosses, average_crosses, fit_crosses
from pipefit.scoring.design import category_orders, field_pulls, linear_design, tree_design
from pipefit.scoring.evaluate import auc
from pipefit.scoring.frame import Frame

__all__ = ["LeadModel", "Member", "fit_lead_model", "logit", "sigmoid", "tree_threads"]

_ENSEMBLE_UP_TO = 100_000  # rows
_LINEAR_WEIGHT = 0.5  # bigger histories: trees + half the linear model
_CROSSES_UP_TO = 30_000  # rows; the pair model is fitted on histories up to this size
# The weights of the linear model and of the pair model in the blend, each tried on the
# members' left-out leads (inside the training leads: nested, never the leads evaluated).
_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
_THREADED_FROM = 50_000  # rows; below this, one thread is as fast and immune to a busy machine


@contextmanager
def tree_threads(rows: int) -> Iterator[None]:
    """Trees on small data run on one thread: OpenMP's spinning threads cost more than they
    save there, and on a machine another job keeps busy they cost many times more."""
    if rows >= _THREADED_FROM:
        yield
        return
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q)), np.float64)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))), np.float64)


def _fit_linear(frame: Frame, y: np.ndarray, notes: list[str]) -> LogisticRegression:
    model = LogisticRegression(C=0.5, max_iter=1000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(linear_design(frame), y)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append("the linear model stopped at its iteration limit before fully converging")
    return model


@dataclass
class Member:
    trees: HistGradientBoostingClassifier
    orders: list[np.ndarray]

    def logit(self, frame: Frame) -> np.ndarray:
        with tree_threads(frame.rows):
            return logit(self.trees.predict_proba(tree_design(frame, self.orders))[:, 1])


def _fit_member(frame: Frame, y: np.ndarray, seed: int) -> Member:
    orders = category_orders(frame, y)
    small = frame.rows <= _ENSEMBLE_UP_TO
    model = HistGradientBoostingClassifier(
        # Big histories: fewer, bigger steps; scoring a million leads stays under two seconds.
        learning_rate=0.05 if small else 0.2,
        max_iter=300 if small else 40,
        max_leaf_nodes=8 if small else 31,
        min_samples_leaf=20,
        l2_regularization=0.5,
        # Each split looks at a random 60% of the fields: the members differ, and average well.
        max_features=0.6 if small else 1.0,
        early_stopping=False,
        random_state=seed,
    )
    with tree_threads(frame.rows):
        model.fit(tree_design(frame, orders), y)
    return Member(model, orders)


@dataclass
class LeadModel:
    """P(outcome) for each lead; `coef` and `intercept` are the averaged linear part."""

    members: list[Member]
    coef: np.ndarray
    intercept: float
    slope: float = 1.0
    offset: float = 0.0
    base_rate: float = 0.5
    pull_means: np.ndarray | None = None  # each field's average pull over the training leads
    notes: list[str] = field(default_factory=list)
    crosses: Crosses | None = None
    linear_weight: float = _LINEAR_WEIGHT
    cross_weight: float = 0.0

    def blend(self, frame: Frame, pulls: np.ndarray | None = None) -> np.ndarray:
        if pulls is None:
            pulls = field_pulls(self.coef, frame)
        linear = pulls.sum(axis=1) + self.intercept
        trees = np.mean([m.logit(frame) for m in self.members], axis=0)
        z = trees + self.linear_weight * linear
        if self.crosses is not None and self.cross_weight:
            z += self.cross_weight * self.crosses.logit(frame)
        return np.asarray(z, np.float64)

    def predict(self, frame: Frame, pulls: np.ndarray | None = None) -> np.ndarray:
        return sigmoid(self.slope * self.blend(frame, pulls) + self.offset)

    def reason_pulls(self, frame: Frame, pulls: np.ndarray | None = None) -> np.ndarray:
        """Each field's pull on the log-odds as the blend weighs it (rows, fields).

        With the pair model in the blend, the linear model's and the pair model's pulls
        in their blend weights; otherwise the linear model's (`pulls`, if computed)."""
        if pulls is None:
            pulls = field_pulls(self.coef, frame)
        if self.crosses is None or not self.cross_weight:
            return pulls
        return np.asarray(
            self.linear_weight * pulls + self.cross_weight * self.crosses.field_pulls(frame),
            np.float64,
        )


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    fitted = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), y)
    return float(fitted.coef_[0, 0]), float(fitted.intercept_[0])


def _splits(y: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rows = np.arange(len(y))
    smallest = int(np.bincount(y.astype(np.int64), minlength=2).min())
    if len(y) <= _ENSEMBLE_UP_TO and smallest >= 3:
        folds = StratifiedKFold(3, shuffle=True, random_state=seed)
        return [(fit, held) for fit, held in folds.split(rows, y)]
    if smallest >= 2:
        # A fifth held out, and at least one lead of each outcome (a tiny file has fewer).
        size: float = 0.2 if len(y) >= 10 else 2
        fit, held = train_test_split(rows, test_size=size, stratify=y, random_state=seed)
        return [(np.sort(fit), np.sort(held))]
    return [(rows, rows)]  # too few of one class to hold any out: calibration is in-sample


def _weights(parts: np.ndarray, y: np.ndarray, known: np.ndarray) -> tuple[float, float]:
    """The (linear, pairs) weights whose blend ranks the left-out leads best.

    `parts` holds, per lead, the trees', the linear model's and the pair model's log-odds
    from the member that did not see it. Ties go to the first weights tried.
    """
    best, chosen = -1.0, (_LINEAR_WEIGHT, 0.0)
    crosses = not np.isnan(parts[:, 2]).all()
    for w_linear in _WEIGHTS:
        for w_cross in _WEIGHTS if crosses else (0.0,):
            z = parts[known, 0] + w_linear * parts[known, 1]
            if w_cross:
                z = z + w_cross * parts[known, 2]
            value = auc(y[known], z)
            if value is not None and value > best + 1e-9:
                best, chosen = value, (w_linear, w_cross)
    return chosen


def fit_lead_model(frame: Frame, y: np.ndarray, *, seed: int = 0) -> LeadModel:
    notes: list[str] = []
    members: list[Member] = []
    linears: list[LogisticRegression] = []
    pair_models: list[Crosses] = []
    splits = _splits(y, seed)
    # The pair model, and choosing the weights, need every lead left out exactly once.
    nested = len(splits) > 1 and frame.rows <= _CROSSES_UP_TO and len(frame.spec.names) > 1
    parts = np.full((frame.rows, 3), np.nan)
    for k, (fit, held) in enumerate(splits):
        part, left_out = frame.take(fit), frame.take(held)
        linear = _fit_linear(part, y[fit], notes)
        member = _fit_member(part, y[fit], seed + k)
        linears.append(linear)
        members.append(member)
        parts[held, 0] = member.logit(left_out)
        parts[held, 1] = field_pulls(linear.coef_[0], left_out).sum(axis=1) + float(
            linear.intercept_[0]
        )
        if nested:
            pair_models.append(fit_crosses(part, y[fit], notes))
            parts[held, 2] = pair_models[-1].logit(left_out)
    known = ~np.isnan(parts[:, 0])
    w_linear, w_cross = _weights(parts, y, known) if nested else (_LINEAR_WEIGHT, 0.0)
    model = LeadModel(
        members=members,
        coef=np.mean([m.coef_[0] for m in linears], axis=0),
        intercept=float(np.mean([m.intercept_[0] for m in linears])),
        base_rate=float(np.mean(y)),
        notes=sorted(set(notes)),
        crosses=average_crosses(pair_models) if pair_models and w_cross else None,
        linear_weight=w_linear,
        cross_weight=w_cross,
    )
    held_z = parts[:, 0] + w_linear * parts[:, 1]
    if w_cross:
        held_z = held_z + w_cross * parts[:, 2]
    model.slope, model.offset = _platt(held_z[known], y[known])
    model.pull_means = model.reason_pulls(frame).mean(axis=0)
    return model
