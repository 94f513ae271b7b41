from __future__ import annotations

from datetime import timedelta

import pytest

from pipefit.domain.errors import ConfigError
from pipefit.domain.model import CustomerOutcome, LeadStatus
from pipefit.domain.qualification import (
    Band,
    BandThresholds,
    assess_bant,
    bant_blind_spot,
    demo_readiness,
    is_successful_customer,
    normalise_answer,
    success_label,
    win_label,
)

from .lead_factories import NOW, account, contact, customer, lead, record


def test_a_lead_answering_yes_four_times_passes_bant() -> None:
    result = assess_bant(lead())
    assert result.passed
    assert result.verdict == "qualified"
    assert result.graded == 4


def test_crm_answers_are_read_as_yes_no_or_unknown() -> None:
    assert [normalise_answer(v) for v in ("Yes", " y ", True, "No", False, "", None, "maybe")] == [
        "yes", "yes", "yes", "no", "no", "unknown", "unknown", "unknown",
    ]  # fmt: skip


def test_authority_comes_from_the_contact_record_when_the_answer_is_missing() -> None:
    result = assess_bant(lead(authority=None), contact(is_decision_maker=False))
    assert result.passed
    assert result.notes == ("authority from the contact record (on the buying committee)",)


def test_a_serious_lead_failing_only_on_budget_is_flagged_to_look_again() -> None:
    result = assess_bant(lead(budget="no"))
    assert result.verdict == "fails budget (no)"
    flag = bant_blind_spot(result, ["scorecard Excellent (81)"])
    assert flag is not None
    assert flag.startswith("BANT would drop this; look again: scorecard Excellent (81)")
    assert "projects get funded without a budget line" in flag


def test_an_unknown_timeline_is_a_blind_spot_but_a_flat_no_is_a_real_reason() -> None:
    unknown = assess_bant(lead(timeline="unknown"))
    assert bant_blind_spot(unknown, ["demo-ready (100% of the Situation Slide)"]) is not None
    refused = assess_bant(lead(timeline="no"))
    assert bant_blind_spot(refused, ["demo-ready (100% of the Situation Slide)"]) is None


def test_no_flag_for_a_lead_that_is_not_serious_or_that_bant_keeps() -> None:
    assert bant_blind_spot(assess_bant(lead(budget="no")), []) is None
    assert bant_blind_spot(assess_bant(lead()), ["scorecard Good (60)"]) is None


def test_a_full_situation_slide_is_demo_ready() -> None:
    ready = demo_readiness(lead(), account())
    assert ready.percent == 100.0
    assert ready.missing == ()
    assert ready.is_ready(85, ["value_realization_events"])


def test_a_slide_without_value_realization_events_is_not_demo_ready_however_full() -> None:
    slide = demo_readiness(lead(value_realization_events="  "), account())
    assert slide.percent == 85.7
    assert slide.missing == ("value_realization_events",)
    assert slide.is_ready(85)
    assert not slide.is_ready(85, ["value_realization_events"])
    assert slide.describe_missing() == "the Value Realization Events"


def test_the_industry_on_the_slide_comes_from_the_account() -> None:
    assert "industry" in demo_readiness(lead(), None).missing
    assert "industry" in demo_readiness(lead(), account(industry=None)).missing


def test_thresholds_band_a_score_and_refuse_to_be_out_of_order() -> None:
    cuts = BandThresholds(75, 60, 40)
    assert [cuts.band(s) for s in (75, 74.9, 60, 40, 39.9)] == [
        Band.EXCELLENT, Band.GOOD, Band.GOOD, Band.RISKY, Band.NULL,
    ]  # fmt: skip
    with pytest.raises(ConfigError, match="must fall from excellent to good to risky"):
        BandThresholds(60, 75, 40)


def test_a_churned_customer_is_never_successful_whatever_it_did_first() -> None:
    happy = customer("ACC-1", expanded=True, reference=True)
    churned = CustomerOutcome(**{**happy.__dict__, "churned_at": NOW - timedelta(days=10)})
    assert is_successful_customer(happy)
    assert not is_successful_customer(churned)


def test_outcome_labels_wait_for_open_deals_and_young_customers() -> None:
    assert win_label(record(open_deals=1, deals=1), NOW) is None
    assert win_label(record(deals=1), NOW) is False
    assert win_label(record(), NOW) is None  # a month-old lead without a deal: too early
    old = lead(created_at=NOW - timedelta(days=200))
    assert win_label(record(lead=old), NOW) is False
    young = customer("ACC-NORTHWIND", days_ago=100, expanded=True)
    assert success_label(record(deals=1, won_deals=1, customer=young), NOW) is None
    grown = customer("ACC-NORTHWIND", days_ago=400)
    assert success_label(record(deals=1, won_deals=1, customer=grown), NOW) is True


def test_a_lead_status_is_a_decision_not_an_outcome_so_the_labels_ignore_it() -> None:
    # `leads qualify` sets statuses (disqualified, nurture): a label read from them would
    # let pipefit's own routing validate pipefit. Only deals and time passing count.
    young = lead(status=LeadStatus.DISQUALIFIED)  # a month old, no deal: too early to say
    assert win_label(record(lead=young), NOW) is None
    nurtured = lead(status=LeadStatus.NURTURE)
    assert win_label(record(lead=nurtured), NOW) is None
    old = lead(status=LeadStatus.NURTURE, created_at=NOW - timedelta(days=200))
    assert win_label(record(lead=old), NOW) is False  # as for any lead without a deal by then
    assert win_label(record(lead=young, deals=1, won_deals=1), NOW) is True
