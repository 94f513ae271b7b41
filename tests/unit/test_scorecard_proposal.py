from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from pipefit.domain.errors import PipefitError
from pipefit.domain.lanes import build_lane_book
from pipefit.domain.proposal import propose_scorecard
from pipefit.domain.qualification import LeadRecord

from .lead_factories import NOW, account, contact, customer, lead


def _customers(count: int) -> list[LeadRecord]:
    """Customers whose fate follows needs match; culture and referral are noise."""
    records = []
    for i in range(count):
        happy = i % 2 == 0
        outcome = customer(
            f"ACC-{i:03d}",
            renewed=happy,
            expanded=happy and i % 4 == 0,
            reference=happy,
            churned_at=None if happy else NOW - timedelta(days=30),
        )
        records.append(
            LeadRecord(
                lead=lead(f"LEAD-{i:03d}", account_id=f"ACC-{i:03d}",
                          needs_match_pct=Decimal(88 if happy else 55) + i % 5,
                          referral=i % 3 == 0),
                account=account(account_id=f"ACC-{i:03d}",
                                culture=["innovator", "laggard"][i % 3 % 2]),
                contact=contact(),
                deals=1,
                won_deals=1,
                customer=outcome,
            )
        )  # fmt: skip
    return records


def test_the_proposal_weighs_what_sets_the_best_customers_apart() -> None:
    records = _customers(80)
    customers = [
        (r.account.industry, r.account.segment, r.customer)
        for r in records
        if r.account and r.customer
    ]
    lanes = build_lane_book(customers, as_of=NOW)
    proposal = propose_scorecard(records, lanes, now=NOW)
    weights = {p.name: p.weight for p in proposal.card.parameters}
    assert max(weights, key=lambda k: weights[k]) == "needs_match"
    assert weights["needs_match"] >= 50
    assert "culture" not in weights  # no better than chance: left out
    needs = next(p for p in proposal.card.parameters if p.name == "needs_match")
    assert needs.score(90) > needs.score(55)
    t = proposal.card.thresholds
    assert t.excellent > t.good > t.risky
    assert (proposal.customers, proposal.best, proposal.worst) == (80, 20, 20)
    profile = next(p for p in proposal.profiles if p.parameter == "needs_match")
    assert (profile.best, profile.worst) == ("90", "57")


def test_too_few_customers_cannot_make_a_proposal() -> None:
    records = _customers(10)
    lanes = build_lane_book([], as_of=NOW)
    with pytest.raises(PipefitError, match="10 customers with a lead behind them are too few"):
        propose_scorecard(records, lanes, now=NOW)
