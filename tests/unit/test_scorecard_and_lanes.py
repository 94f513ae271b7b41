from __future__ import annotations

from datetime import timedelta

import pytest

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import ConfigError
from pipefit.domain.lanes import LaneBook, build_lane_book
from pipefit.domain.qualification import Band, BandThresholds
from pipefit.domain.scorecard import Parameter, Scorecard, ScoringInput, score_lead

from .lead_factories import NOW, account, contact, customer, lead


def _lanes() -> LaneBook:
    # Logistics SMB customers thrive; retail SMB ones churn.
    customers = [("logistics", "smb", customer(f"ACC-L{i}", reference=i < 3)) for i in range(6)]
    customers += [
        ("retail", "smb", customer(f"ACC-R{i}", renewed=False, churned_at=NOW - timedelta(days=60)))
        for i in range(6)
    ]
    customers += [("logistics", "enterprise", customer("ACC-E1", days_ago=100))]
    return build_lane_book(customers, as_of=NOW, min_customers=5)


def test_lane_figures_come_from_customer_outcomes() -> None:
    book = _lanes()
    logistics = book.lanes[("logistics", "smb")]
    retail = book.lanes[("retail", "smb")]
    assert logistics.customers == 6
    assert logistics.success_rate == 1.0
    assert logistics.reference_rate == 0.5
    assert logistics.churn_per_year == 0.0
    assert retail.success_rate == 0.0
    # 6 churned over 6 customer-lives of (500 - 60) days each.
    assert retail.churn_per_year == pytest.approx(6 / (6 * 440 / 365.25))
    assert book.ttv_norms == {"enterprise": 40.0, "smb": 40.0}


def test_a_lane_is_ours_adjacent_or_other() -> None:
    book = _lanes()
    ours = book.fit("logistics", "smb")
    assert ours.kind == "ours"
    assert ours.reason.startswith("lane 'logistics / smb' churns 0%/yr vs ")
    assert book.fit("logistics", "enterprise").kind == "adjacent"
    assert book.fit("retail", "smb").kind == "other"
    assert book.fit("media", "small").kind == "other"
    assert book.fit(None, "smb").kind == ""


def _input(**lead_overrides: object) -> ScoringInput:
    book = _lanes()
    return ScoringInput(
        lead(**lead_overrides),
        account(),
        contact(),
        book.fit("logistics", "smb"),
        40.0,
    )


def test_the_default_card_rates_a_well_fitting_lead_excellent_with_reasons() -> None:
    card = QualificationConfig().scorecard.to_domain()
    result = score_lead(card, _input())
    assert result.band is Band.EXCELLENT
    assert result.summary().startswith("Excellent: ")
    assert "needs match 85%" in result.reasons
    assert any(r.startswith("lane 'logistics / smb' churns 0%/yr") for r in result.reasons)


def test_a_poor_fit_is_null_and_its_reasons_are_the_weak_points() -> None:
    card = QualificationConfig().scorecard.to_domain()
    poor = ScoringInput(
        lead(needs_match_pct=40, success_criteria_fit_pct=30, referral=False,
             similar_experience=False, expected_ttv_days=120, buying_team_size=9),
        account(culture="laggard"),
        contact(is_executive=False, former_user=False),
        _lanes().fit("retail", "smb"),
        40.0,
    )  # fmt: skip
    result = score_lead(card, poor)
    assert result.band is Band.NULL
    assert result.reasons[0] == "needs match 40%"


def test_steps_give_the_points_of_the_highest_step_reached() -> None:
    p = Parameter("needs_match", 1, steps=((50, 20), (70, 55), (90, 100)), missing=30)
    assert [p.score(v) for v in (49, 50, 69.9, 70, 95, None)] == [0, 20, 20, 55, 100, 30]


def test_an_unknown_parameter_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown parameter 'needz_match'; known: buying_team"):
        Parameter("needz_match", 1, steps=((0, 0),))


def test_a_choice_the_parameter_does_not_have_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"unknown choice\(s\) visionary"):
        Parameter("culture", 1, points={"visionary": 100})


def test_steps_must_rise_and_points_stay_within_0_to_100() -> None:
    with pytest.raises(ConfigError, match="steps must rise"):
        Parameter("needs_match", 1, steps=((70, 50), (50, 20)))
    with pytest.raises(ConfigError, match="points must be 0-100"):
        Parameter("referral", 1, points={"yes": 120})


def test_a_card_needs_some_weight_and_each_parameter_once() -> None:
    cuts = BandThresholds(70, 50, 30)
    with pytest.raises(ConfigError, match="at least one parameter with a weight"):
        Scorecard((Parameter("referral", 0, points={"yes": 100}),), cuts)
    twice = Parameter("referral", 1, points={"yes": 100})
    with pytest.raises(ConfigError, match="may appear once"):
        Scorecard((twice, twice), cuts)
