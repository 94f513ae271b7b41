"""What pipefit's learned score is compared with, on the same cleaned frame.

- Plain logistic regression and plain gradient boosting, as a data scientist would first
  try them (scikit-learn defaults, one-hot categories, median-imputed numbers).
- Naive Bayes in the manner of Odoo CRM's predictive lead scoring: frequency tables of
  won and lost leads per field value, multiplied as if the fields were independent, with
  Laplace smoothing; a pipeline stage counts as "reached at least this stage" (a won deal
  passed every stage, a lost one every stage up to where it was lost); and each team has
  its own tables, shrunk towards the company's when the team has little history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

from pipefit.scoring.frame import Frame

__all__ = [
    "FrequencyTables",
    "fit_frequency_tables",
    "plain_gradient_boosting",
    "plain_logistic_regression",
]


def _plain_matrix(frame: Frame, train: Frame) -> sp.csr_matrix:
    medians = np.array([s.median for s in frame.spec.numbers])
    numbers = np.where(np.isnan(frame.numbers), medians, frame.numbers)
    centre = np.nanmean(np.where(np.isnan(train.numbers), medians, train.numbers), axis=0)
    spread = np.nanstd(np.where(np.isnan(train.numbers), medians, train.numbers), axis=0)
    scaled = (numbers - centre) / np.where(spread > 0, spread, 1.0)
    if train.codes.shape[1] == 0:  # numbers only (a one-hot encoder needs a column)
        return sp.csr_matrix(scaled)
    encoder = OneHotEncoder(handle_unknown="ignore").fit(train.codes)
    return sp.hstack([sp.csr_matrix(scaled), encoder.transform(frame.codes)]).tocsr()


def plain_logistic_regression(train: Frame, y: np.ndarray, test: Frame) -> np.ndarray:
    """scikit-learn's LogisticRegression (default C) on standardised numbers and one-hot codes."""
    model = LogisticRegression(max_iter=5000)
    model.fit(_plain_matrix(train, train), y)
    return np.asarray(model.predict_proba(_plain_matrix(test, train))[:, 1], np.float64)


def plain_gradient_boosting(train: Frame, y: np.ndarray, test: Frame) -> np.ndarray:
    """scikit-learn's GradientBoostingClassifier with its defaults (100 trees of depth 3)."""
    model = GradientBoostingClassifier(random_state=0)
    model.fit(_plain_matrix(train, train), y)
    return np.asarray(model.predict_proba(_plain_matrix(test, train))[:, 1], np.float64)


@dataclass(frozen=True)
class FrequencyTables:
    """Log-likelihood ratios per (team, field, value), plus the prior log-odds per team."""

    offsets: np.ndarray  # where each field's values start in the flat tables
    ratios: np.ndarray  # (teams + 1, values) log P(v | won) - log P(v | lost); row 0 = company
    prior: np.ndarray  # (teams + 1,)
    stage_ratios: np.ndarray | None = None  # (teams + 1, stages): log P(reached >= s | ...)

    def decision(
        self,
        codes: np.ndarray,
        teams: np.ndarray | None = None,
        stage: np.ndarray | None = None,
    ) -> np.ndarray:
        """Log-odds of winning; `teams` are 1-based team numbers (0 = no team's table)."""
        team = np.zeros(len(codes), np.int64) if teams is None else teams.astype(np.int64)
        flat = codes.astype(np.int64) + self.offsets[None, :]
        score = self.prior[team] + self.ratios[team[:, None], flat].sum(axis=1)
        if stage is not None and self.stage_ratios is not None:
            score = score + self.stage_ratios[team, stage]
        return np.asarray(score, np.float64)

    def predict(self, codes: np.ndarray, teams: np.ndarray | None = None) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.decision(codes, teams))), np.float64)


def _reached(stage: np.ndarray, y: np.ndarray, stages: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts of won and lost leads that reached at least each stage."""
    won = np.full(stages, float(np.sum(y == 1)))  # a won deal passed every stage
    lost_at = np.bincount(stage[y == 0], minlength=stages).astype(np.float64)
    lost = np.cumsum(lost_at[::-1])[::-1]  # reached >= s
    return won, lost


def fit_frequency_tables(
    codes: np.ndarray,
    sizes: list[int],
    y: np.ndarray,
    *,
    teams: np.ndarray | None = None,
    team_count: int = 0,
    stage: np.ndarray | None = None,
    stages: int = 0,
    alpha: float = 1.0,
    team_weight: float = 50.0,
) -> FrequencyTables:
    """Count won and lost per value; `team_weight` leads' worth of company data backs each team."""
    offsets = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    width = int(sum(sizes))
    flat = codes.astype(np.int64) + offsets[None, :]
    field_of = np.repeat(np.arange(len(sizes)), sizes)
    groups = np.zeros(len(y), np.int64) if teams is None else teams.astype(np.int64)
    ratios = np.zeros((team_count + 1, width))
    prior = np.zeros(team_count + 1)
    stage_ratios = np.zeros((team_count + 1, stages)) if stage is not None else None

    def probabilities(mask: np.ndarray, fallback: np.ndarray | None) -> np.ndarray:
        counts = np.bincount(flat[mask].ravel(), minlength=width).astype(np.float64)
        total = float(mask.sum())
        if fallback is None:  # the company's tables: Laplace smoothing per field
            return (counts + alpha) / (total + alpha * np.asarray(sizes, np.float64)[field_of])
        return (counts + team_weight * fallback) / (total + team_weight)

    won_all, lost_all = probabilities(y == 1, None), probabilities(y == 0, None)
    ratios[0] = np.log(won_all) - np.log(lost_all)
    base = (np.sum(y == 1) + alpha) / (len(y) + 2 * alpha)
    prior[0] = np.log(base / (1 - base))
    for t in range(1, team_count + 1):
        members = groups == t
        won_t = probabilities(members & (y == 1), won_all)
        lost_t = probabilities(members & (y == 0), lost_all)
        ratios[t] = np.log(won_t) - np.log(lost_t)
        rate = (np.sum(members & (y == 1)) + team_weight * base) / (members.sum() + team_weight)
        prior[t] = np.log(rate / (1 - rate))
    if stage is not None and stage_ratios is not None:
        for t in range(team_count + 1):
            members = np.ones(len(y), bool) if t == 0 else groups == t
            won, lost = _reached(stage[members], y[members], stages)
            n_won, n_lost = float(np.sum(y[members] == 1)), float(np.sum(y[members] == 0))
            p_won = (won + alpha) / (n_won + 2 * alpha)
            p_lost = (lost + alpha) / (n_lost + 2 * alpha)
            stage_ratios[t] = np.log(p_won) - np.log(p_lost)
    return FrequencyTables(offsets, ratios, prior, stage_ratios)
