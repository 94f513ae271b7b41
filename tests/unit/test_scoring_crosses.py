from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import scipy.sparse as sp

from pipefit.scoring import models
from pipefit.scoring.comparison import pipefit_by_folds
from pipefit.scoring.crosses import _pair_columns, fit_crosses
from pipefit.scoring.design import field_pulls, linear_design
from pipefit.scoring.evaluate import auc
from pipefit.scoring.frame import Frame
from pipefit.scoring.learn import plan_features
from pipefit.scoring.models import LeadModel, fit_lead_model


def _pair_only_leads(rows: int = 3000, seed: int = 5) -> tuple[Frame, np.ndarray]:
    """Leads that convert when channel and plan agree (web+trial or event+demo): neither
    field says anything alone, the pair says nearly everything."""
    rng = np.random.default_rng(seed)
    channel = rng.choice(["web", "event"], rows)
    plan = rng.choice(["trial", "demo"], rows)
    agree = ((channel == "web") & (plan == "trial")) | ((channel == "event") & (plan == "demo"))
    y = (rng.random(rows) < np.where(agree, 0.8, 0.2)).astype(np.int64)
    noise = rng.choice(["a", "b", "c"], rows)
    table = pa.table({"Channel": channel, "Plan": plan, "Noise": noise, "Won": y})
    spec, _ = plan_features(table, y, target="Won")
    return spec.encode(table), y


def test_the_pair_model_finds_what_two_fields_say_only_together() -> None:
    frame, y = _pair_only_leads()
    crosses = fit_crosses(frame, y, [])
    # Truth: half the leads convert at 0.8, half at 0.2, so 80% of the won leads and 20%
    # of the lost are in the good half; the best ranking's AUC is
    # 0.8 * 0.8 (won good, lost bad) + 0.5 * (0.8 * 0.2 + 0.2 * 0.8) (ties) = 0.80.
    # Either field alone is a coin toss (0.5).
    with_pairs = auc(y, crosses.logit(frame))
    main_only = auc(y, linear_design(frame) @ crosses.coef)
    assert with_pairs is not None and with_pairs > 0.75
    assert main_only is not None and abs(main_only - 0.5) < 0.05


def test_the_pair_models_table_look_ups_equal_its_design_matrix_product() -> None:
    frame, y = _pair_only_leads(600)
    crosses = fit_crosses(frame, y, [])
    codes, sizes = frame.field_codes()
    pairs, _ = _pair_columns(codes, sizes, crosses.pairs)
    kept = _kept(codes, sizes, crosses.pairs)
    pair_coef = np.concatenate(
        [t[np.flatnonzero(c)] for t, c in zip(crosses.tables, kept, strict=True)]
    )
    design = sp.hstack([linear_design(frame), pairs]).tocsr()
    direct = design @ np.concatenate([crosses.coef, pair_coef]) + crosses.intercept
    np.testing.assert_allclose(crosses.logit(frame), direct, atol=1e-9)


def _kept(codes: np.ndarray, sizes: list[int], pairs: np.ndarray) -> list[np.ndarray]:
    """Per pair, which value combinations have a column (seen on at least 10 leads)."""
    out = []
    for i, j in pairs:
        combo = codes[:, i].astype(np.int64) * sizes[j] + codes[:, j]
        out.append(np.bincount(combo, minlength=sizes[i] * sizes[j]) >= 10)
    return out


def test_the_blend_weights_are_those_that_rank_the_left_out_leads_best() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    noise = rng.normal(size=400)
    # Trees: noise; linear: noise; pairs: the outcome itself. Only the pair model ranks.
    parts = np.column_stack([noise, rng.normal(size=400), y + 0.1 * noise])
    assert models._weights(parts, y, np.ones(400, bool))[1] == 1.0
    # Without a pair model, the linear weight is still chosen from the left-out leads.
    parts = np.column_stack([noise, y + 0.1 * noise, np.full(400, np.nan)])
    assert models._weights(parts, y, np.ones(400, bool)) == (1.0, 0.0)


def test_the_weights_are_chosen_on_training_leads_only_never_on_the_evaluated_fold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame, y = _pair_only_leads(300)
    seen: list[int] = []

    def counting_auc(truth: np.ndarray, score: np.ndarray) -> float | None:
        seen.append(len(truth))
        return auc(truth, score)

    monkeypatch.setattr(models, "auc", counting_auc)
    pipefit_by_folds(frame, y, folds=3)
    # Each fold trains on 200 leads; the weights are tried on those 200 (left out by the
    # member that did not see them), never on the 100 leads the fold is scored on.
    assert seen and set(seen) == {200}


def test_big_histories_are_scored_without_the_pair_model(monkeypatch: pytest.MonkeyPatch) -> None:
    frame, y = _pair_only_leads(600)
    monkeypatch.setattr(models, "_CROSSES_UP_TO", 500)
    model = fit_lead_model(frame, y)
    assert model.crosses is None and model.cross_weight == 0.0
    assert model.linear_weight == 0.5


def test_a_model_saved_before_the_pair_model_existed_still_scores() -> None:
    frame, y = _pair_only_leads(600)
    fitted = fit_lead_model(frame, y)
    # An older saved model has neither attribute; the class defaults stand in.
    old = LeadModel(fitted.members, fitted.coef, fitted.intercept)
    del old.__dict__["crosses"], old.__dict__["cross_weight"], old.__dict__["linear_weight"]
    assert old.blend(frame).shape == (frame.rows,)


def test_the_pair_models_field_pulls_add_up_to_its_log_odds() -> None:
    frame, y = _pair_only_leads(600)
    crosses = fit_crosses(frame, y, [])
    pulls = crosses.field_pulls(frame)
    assert pulls.shape == (frame.rows, len(frame.spec.names))
    np.testing.assert_allclose(pulls.sum(axis=1) + crosses.intercept, crosses.logit(frame))


def test_with_the_pair_model_in_the_blend_the_reasons_follow_its_weights() -> None:
    frame, y = _pair_only_leads(600)
    model = fit_lead_model(frame, y)
    model.crosses = fit_crosses(frame, y, [])
    model.linear_weight, model.cross_weight = 0.25, 1.0
    expected = 0.25 * field_pulls(model.coef, frame) + model.crosses.field_pulls(frame)
    np.testing.assert_allclose(model.reason_pulls(frame), expected)
    # A model without the pair model explains with its linear model alone, as before.
    model.cross_weight = 0.0
    np.testing.assert_allclose(model.reason_pulls(frame), field_pulls(model.coef, frame))
