"""pipefit's learned model against the baselines, by k-fold ROC-AUC on the same folds."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold

from pipefit.scoring.baselines import (
    fit_frequency_tables,
    plain_gradient_boosting,
    plain_logistic_regression,
)
from pipefit.scoring.evaluate import auc
from pipefit.scoring.frame import Frame
from pipefit.scoring.models import fit_lead_model

__all__ = ["METHODS", "compare_by_folds", "pipefit_by_folds"]

METHODS = ("pipefit", "logistic_regression", "gradient_boosting", "naive_bayes")


def _naive_bayes(train: Frame, y: np.ndarray, test: Frame) -> np.ndarray:
    codes, sizes = train.field_codes()
    return fit_frequency_tables(codes, sizes, y).decision(test.field_codes()[0])


def compare_by_folds(
    frame: Frame, y: np.ndarray, *, folds: int = 5, seed: int = 0
) -> tuple[dict[str, float | None], np.ndarray]:
    """Mean ROC-AUC over the folds per method, and pipefit's out-of-fold probabilities."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores: dict[str, list[float]] = {m: [] for m in METHODS}
    oof = np.zeros(frame.rows)
    for train_rows, test_rows in splitter.split(np.zeros(frame.rows), y):
        train, test = frame.take(train_rows), frame.take(test_rows)
        y_train, y_test = y[train_rows], y[test_rows]
        model = fit_lead_model(train, y_train, seed=seed)
        oof[test_rows] = model.predict(test)
        found = {
            "pipefit": oof[test_rows],
            "logistic_regression": plain_logistic_regression(train, y_train, test),
            "gradient_boosting": plain_gradient_boosting(train, y_train, test),
            "naive_bayes": _naive_bayes(train, y_train, test),
        }
        for name, predicted in found.items():
            value = auc(y_test, predicted)
            if value is not None:
                scores[name].append(value)
    return {m: float(np.mean(v)) if v else None for m, v in scores.items()}, oof


def pipefit_by_folds(frame: Frame, y: np.ndarray, *, folds: int = 5, seed: int = 0) -> float | None:
    """pipefit's mean ROC-AUC over the same folds as `compare_by_folds` (same seed)."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores = []
    for train_rows, test_rows in splitter.split(np.zeros(frame.rows), y):
        model = fit_lead_model(frame.take(train_rows), y[train_rows], seed=seed)
        value = auc(y[test_rows], model.predict(frame.take(test_rows)))
        if value is not None:
            scores.append(value)
    return float(np.mean(scores)) if scores else None
