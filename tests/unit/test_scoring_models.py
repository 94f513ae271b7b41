from __future__ import annotations

import math

import numpy as np
import pytest

from pipefit.scoring.baselines import fit_frequency_tables
from pipefit.scoring.design import field_pulls, linear_design, linear_owners
from pipefit.scoring.evaluate import auc, lift
from pipefit.scoring.explain import band_codes, explain, odds_cuts
from pipefit.scoring.frame import Frame
from pipefit.scoring.learn import plan_features
from pipefit.scoring.models import LeadModel, fit_lead_model

from .scoring_data import messy_leads

Fitted = tuple[Frame, LeadModel, np.ndarray]


@pytest.fixture(scope="module")
def fitted() -> Fitted:
    table = messy_leads(1500)
    y = np.asarray(table["Converted"].to_numpy(), np.int64)
    spec, _ = plan_features(table, y, target="Converted")
    frame = spec.encode(table)
    return frame, fit_lead_model(frame, y), y


def test_the_learned_model_ranks_well_and_its_probabilities_are_calibrated(fitted: Fitted) -> None:
    frame, model, y = fitted
    p = model.predict(frame)
    assert auc(y, p) > 0.8
    assert abs(p.mean() - y.mean()) < 0.03


def test_field_pulls_add_up_to_the_linear_models_log_odds(fitted: Fitted) -> None:
    frame, model, _ = fitted
    pulls = field_pulls(model.coef, frame)
    direct = linear_design(frame) @ model.coef
    np.testing.assert_allclose(pulls.sum(axis=1), direct, atol=1e-9)
    # and each field's pull is its own design columns' share
    design = linear_design(frame).toarray() * model.coef
    owners = linear_owners(frame.spec)
    np.testing.assert_allclose(pulls[:, 0], design[:, owners == 0].sum(axis=1), atol=1e-9)


def test_reasons_name_the_fields_that_pull_hardest(fitted: Fitted) -> None:
    frame, model, _ = fitted
    reasons = explain(model, frame, top=2).to_pylist()
    assert len(reasons) == frame.rows
    assert all(r.count(";") == 1 for r in reasons)
    best = int(np.argmax(model.predict(frame)))
    assert "(raises)" in reasons[best]
    words = " ".join(reasons)
    assert "Occupation: working professional (raises)" in words
    assert "Lead Source: referral (raises)" in words


def test_bands_are_cut_by_odds_against_the_average_lead() -> None:
    cuts = odds_cuts(0.2)  # base odds 1:4
    assert cuts == pytest.approx([0.5, 0.2, 1 / 17])
    assert band_codes(np.array([0.6, 0.3, 0.1, 0.01]), cuts).tolist() == [0, 1, 2, 3]


def test_lift_shares_out_ties_at_the_cut() -> None:
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    coarse = np.array([2, 2, 2, 2, 1, 1, 1, 1, 0, 0])  # 4 tied at the top, 2 of them positive
    # Top 20% = 2 leads from a tie of 4 holding 2 positives: 1 positive expected.
    assert lift(y, coarse, 0.2) == pytest.approx((1 / 2) / 0.3)
    assert lift(y, np.arange(10)[::-1].astype(float), 0.2) == pytest.approx((2 / 2) / 0.3)


def test_naive_bayes_multiplies_smoothed_frequency_tables() -> None:
    # One field with two values; won leads: a, a, b; lost: b, b, b, a.
    codes = np.array([[0], [0], [1], [1], [1], [1], [0]])
    y = np.array([1, 1, 1, 0, 0, 0, 0])
    tables = fit_frequency_tables(codes, [2], y, alpha=1.0)
    p_a_won, p_a_lost = (2 + 1) / (3 + 2), (1 + 1) / (4 + 2)
    prior = math.log(((3 + 1) / 9) / ((4 + 1) / 9))
    assert tables.decision(np.array([[0]]))[0] == pytest.approx(
        prior + math.log(p_a_won) - math.log(p_a_lost)
    )


def test_a_team_with_no_history_uses_the_companys_tables() -> None:
    codes = np.array([[0], [1], [0], [1]])
    y = np.array([1, 0, 1, 0])
    teams = np.array([1, 1, 1, 1])
    tables = fit_frequency_tables(codes, [2], y, teams=teams, team_count=2)
    company, newcomer = tables.decision(codes, np.zeros(4)), tables.decision(codes, np.full(4, 2))
    np.testing.assert_allclose(company, newcomer)


def test_a_stage_counts_as_reached_at_least() -> None:
    # Three stages. Won deals passed them all; lost ones were lost at stage 0, 1, 1 and 2.
    codes = np.zeros((7, 1), np.int64)
    y = np.array([1, 1, 1, 0, 0, 0, 0])
    stage = np.array([2, 2, 2, 0, 1, 1, 2])
    tables = fit_frequency_tables(codes, [1], y, stage=stage, stages=3, alpha=0.0)
    assert tables.stage_ratios is not None
    # P(reached >= s | won) = 1; P(reached >= s | lost) = 4/4, 3/4, 1/4.
    np.testing.assert_allclose(tables.stage_ratios[0], [0.0, math.log(4 / 3), math.log(4)])
    later = tables.decision(codes[:1], stage=np.array([2]))
    earlier = tables.decision(codes[:1], stage=np.array([0]))
    assert later[0] > earlier[0]
