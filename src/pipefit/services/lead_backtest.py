"""`pipefit leads backtest`: replay the history, train on the past, judge the later leads.

Leads are split in time order into blocks; each block after the first is scored by every
method as it would have been at the block's start: lane figures from customers won by
then, learned models trained on earlier leads only. Labels are the outcomes as finally
recorded (a deal's result, and for success a customer's first year), so the later
blocks, whose customers are still young, count mostly for the win target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import PipefitError
from pipefit.domain.lanes import build_lane_book
from pipefit.domain.qualification import Band
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.qualification import History, assess, load_history

__all__ = ["BacktestResult", "run_backtest"]

METHODS = ("bant", "demo_ready", "scorecard", "p_win", "p_success", "naive_bayes")
MIN_TRAIN = 100  # resolved leads, 10 of each outcome, to train a learned method on


@dataclass
class BacktestResult:
    rows: list[dict[str, Any]]
    splits: list[dict[str, Any]]
    leaks: list[Any]
    included: list[str]
    notes: list[str] = field(default_factory=list)
    curves: dict[str, dict[str, list[tuple[float, float]]]] = field(default_factory=dict)


def _teams(history: History) -> tuple[np.ndarray, int]:
    names = sorted({r.owner_team for r in history.records if r.owner_team})
    index = {name: i + 1 for i, name in enumerate(names)}
    return np.array([index.get(r.owner_team or "", 0) for r in history.records]), len(names)


def _won_revenue(history: History, result: BacktestResult) -> np.ndarray | None:
    """Each lead's won revenue in 1/10,000 units; None (with a note) across currencies."""
    currencies = {r.won_currency for r in history.records if r.won_currency}
    if len(currencies) > 1:
        result.notes.append(
            "revenue at BANT's volume not summed: won deals are in " + ", ".join(sorted(currencies))
        )
        return None
    return np.array([int(r.won_amount.scaleb(4)) for r in history.records], np.int64)


def run_backtest(
    uow: UnitOfWork, config: QualificationConfig, *, splits: int = 4, include: Sequence[str] = ()
) -> BacktestResult:
    from pipefit.scoring.backtest import MethodScores, gains, method_metrics, time_splits
    from pipefit.scoring.baselines import fit_frequency_tables
    from pipefit.scoring.features import POST_CONTACT_FIELDS, labels, workspace_features
    from pipefit.scoring.learn import fit_scorer, plan_features
    from pipefit.scoring.models import sigmoid

    if splits < 2:
        raise PipefitError(
            "a backtest needs at least 2 splits (train on one block, test on the next), "
            f"got {splits}",
            field="backtest.splits",
        )
    history = load_history(uow, config)
    records = history.records
    if len(records) < 10 * splits:
        raise PipefitError(
            f"{len(records)} leads are too few to backtest in {splits} splits",
            field="backtest.splits",
        )
    targets = labels(records, history.now)
    win = targets["win"]
    everything = workspace_features(history.table, history.lanes.ttv_norms)
    known = np.flatnonzero(win >= 0)
    _, leaks = plan_features(
        everything.take(known), win[known].astype(np.int64),
        post_contact_words=config.leaks.post_contact_words,
        post_contact_fields=POST_CONTACT_FIELDS,
        almost_perfect=config.leaks.almost_perfect_auc, include=include,
        post_contact_values=config.leaks.post_contact_values,
        value_share=config.leaks.post_contact_value_share,
    )  # fmt: skip
    kept = {i.casefold() for i in include}
    leaky = [w.field for w in leaks if w.field.casefold() not in kept]
    teams, team_count = _teams(history)
    odds = config.learned_bands
    pooled: dict[str, list[np.ndarray]] = {m: [] for m in METHODS}
    passed: dict[str, list[np.ndarray]] = {m: [] for m in METHODS}
    tested: list[np.ndarray] = []
    result = BacktestResult([], [], leaks, [w.field for w in leaks if w.field not in leaky])
    for train, test in time_splits(len(records), splits):
        cutoff = records[int(test[0])].lead.created_at
        lanes = build_lane_book(
            history.customers, as_of=cutoff, min_customers=config.scorecard.min_lane_customers
        )
        found = assess(config, lanes, [records[int(i)] for i in test])
        ready = [a.demo_ready for a in found]
        scores = {
            "bant": (np.array([a.bant.graded for a in found]), [a.bant.passed for a in found]),
            "demo_ready": (np.array([a.demo.percent for a in found]), ready),
            "scorecard": (
                np.array([a.card.score for a in found]),
                [a.card.band in (Band.EXCELLENT, Band.GOOD) for a in found],
            ),
        }  # fmt: skip
        features = workspace_features(history.table, lanes.ttv_norms)
        part = features.take(test)
        split_notes = []
        for target, name in (("win", "p_win"), ("success", "p_success")):
            y = targets[target]
            rows = train[y[train] >= 0]
            counts = np.bincount(y[rows], minlength=2)
            if len(rows) < MIN_TRAIN or counts.min() < 10:
                split_notes.append(f"{name}: too few resolved leads before {cutoff.date()}")
                scores[name] = (np.zeros(len(test)), [False] * len(test))
                continue
            scorer = fit_scorer(
                features.take(rows), y[rows].astype(np.int64), leaks=config.leaks,
                post_contact_fields=POST_CONTACT_FIELDS, include=include, exclude=leaky,
                band_odds=(odds.excellent, odds.good, odds.risky),
            )  # fmt: skip
            p = scorer.predict(part)
            scores[name] = (p, list(p >= scorer.cuts[1]))
            if target == "win":
                train_codes, sizes = scorer.spec.encode(features.take(rows)).field_codes()
                tables = fit_frequency_tables(
                    train_codes, sizes, y[rows].astype(np.int64),
                    teams=teams[rows], team_count=team_count,
                )  # fmt: skip
                z = tables.decision(scorer.spec.encode(part).field_codes()[0], teams[test])
                scores["naive_bayes"] = (z, list(sigmoid(z) >= scorer.cuts[1]))
        if "naive_bayes" not in scores:
            scores["naive_bayes"] = (np.zeros(len(test)), [False] * len(test))
        for m in METHODS:
            pooled[m].append(np.asarray(scores[m][0], np.float64))
            passed[m].append(np.asarray(scores[m][1], bool))
        tested.append(test)
        result.splits.append(
            {
                "train_leads": len(train),
                "test_leads": len(test),
                "test_from": cutoff,
                "test_to": records[int(test[-1])].lead.created_at,
                "notes": split_notes,
            }
        )
        result.notes += [f"split {len(result.splits)}: {n}" for n in split_notes]
    rows = np.concatenate(tested)
    methods = [
        MethodScores(m, np.concatenate(pooled[m]), np.concatenate(passed[m])) for m in METHODS
    ]
    test_targets = {t: y[rows] for t, y in targets.items()}
    revenue = _won_revenue(history, result)
    result.rows = method_metrics(
        methods, test_targets, revenue=None if revenue is None else revenue[rows]
    )
    for target, y in test_targets.items():
        ok = y >= 0
        result.curves[target] = {
            m.name: gains(y[ok].astype(np.int64), m.score[ok]) for m in methods
        }
    return result
