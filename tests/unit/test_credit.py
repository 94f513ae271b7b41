from __future__ import annotations

from decimal import Decimal

import pytest

from pipefit.domain.credit import (
    CreditError,
    CreditLine,
    CreditSplit,
    CurrencyRates,
    Route,
    WonDeal,
    credit_deals,
)
from pipefit.domain.errors import ConfigError

from .comp_factories import RULE, deal

D = Decimal
USD = CurrencyRates("USD", {"EUR": D("1.08")})
POOL = {
    "emp-ada": [Route("emp-se1", "pool", "pool-emea"), Route("emp-se2", "pool", "pool-emea")],
    "emp-bob": [Route("emp-se1", "pool", "pool-emea"), Route("emp-se2", "pool", "pool-emea")],
}


def credit(
    deals: list[WonDeal], splits: dict[str, list[CreditSplit]] | None = None
) -> dict[str, list[CreditLine]]:
    return credit_deals(deals, splits=splits or {}, routes=POOL, rates=USD, rule=RULE)


def test_a_rep_is_credited_with_their_own_closed_won_deals_only() -> None:
    lines = credit(
        [deal("ACME-Q3", 50000, "2026-07-10"), deal("GLOBEX", 20000, "2026-07-11", "emp-bob")]
    )
    assert [(c.deal.opportunity_id, c.credit, c.basis) for c in lines["emp-ada"]] == [
        ("ACME-Q3", D("50000.00"), "own")
    ]


def test_a_presales_member_is_credited_with_every_closed_won_deal_of_the_pool() -> None:
    lines = credit(
        [deal("ACME-Q3", 50000, "2026-07-10"), deal("GLOBEX", 20000, "2026-07-11", "emp-bob")]
    )
    for member in ("emp-se1", "emp-se2"):
        assert [(c.deal.opportunity_id, c.credit, c.via) for c in lines[member]] == [
            ("ACME-Q3", D("50000.00"), "pool-emea"),
            ("GLOBEX", D("20000.00"), "pool-emea"),
        ]
    assert lines["emp-se1"][1].describe("USD") == "20,000.00 USD (pool pool-emea, won by emp-bob)"


def test_a_deal_in_another_currency_is_converted_at_the_configured_rate_and_rounded() -> None:
    # 12,345.67 EUR x 1.08 = 13,333.3236 -> 13,333.32 USD
    lines = credit([deal("ACME-DE", "12345.67", "2026-07-10", currency="EUR")])
    line = lines["emp-ada"][0]
    assert (line.rate, line.converted, line.credit) == (D("1.08"), D("13333.32"), D("13333.32"))
    assert line.describe("USD") == "12,345.67 EUR x 1.08 = 13,333.32 USD (own deal)"


def test_a_currency_without_a_rate_is_refused_naming_the_key_and_the_deal() -> None:
    with pytest.raises(ConfigError, match=r"compensation\.rates: no rate for GBP \(deal 'ACME-UK'"):
        credit([deal("ACME-UK", 100, "2026-07-10", currency="GBP")])


def test_revenue_splits_share_a_deal_and_its_pool_credit_between_reps() -> None:
    splits = {
        "ACME-Q3": [
            CreditSplit("ACME-Q3", "emp-ada", "revenue", D(60)),
            CreditSplit("ACME-Q3", "emp-bob", "revenue", D(40)),
            CreditSplit("ACME-Q3", "emp-specialist", "overlay", D(25)),
        ]
    }
    lines = credit([deal("ACME-Q3", "1000.01", "2026-07-10")], splits)
    # 60% of 1,000.01 = 600.006 -> 600.01; 40% = 400.004 -> 400.00; overlay 25% = 250.0025
    # -> 250.00. Both reps are in one pool: its members get 60% + 40% = the whole deal.
    assert [(c.basis, c.credit) for c in lines["emp-ada"]] == [("revenue split", D("600.01"))]
    assert [(c.basis, c.credit) for c in lines["emp-bob"]] == [("revenue split", D("400.00"))]
    assert [(c.basis, c.credit) for c in lines["emp-specialist"]] == [("overlay", D("250.00"))]
    assert [(c.percent, c.credit) for c in lines["emp-se1"]] == [(D(100), D("1000.01"))]


def test_revenue_splits_that_do_not_add_up_to_a_hundred_percent_are_refused() -> None:
    splits = {
        "ACME-Q3": [
            CreditSplit("ACME-Q3", "emp-ada", "revenue", D(60)),
            CreditSplit("ACME-Q3", "emp-bob", "revenue", D(30)),
        ]
    }
    with pytest.raises(CreditError, match=r"deal 'ACME-Q3' add up to 90%, not 100%"):
        credit([deal("ACME-Q3", 1000, "2026-07-10")], splits)


def test_overlay_credit_may_add_up_to_any_total() -> None:
    splits = {
        "ACME-Q3": [
            CreditSplit("ACME-Q3", "emp-x", "overlay", D(100)),
            CreditSplit("ACME-Q3", "emp-y", "overlay", D(100)),
        ]
    }
    lines = credit([deal("ACME-Q3", 1000, "2026-07-10")], splits)
    assert lines["emp-ada"][0].credit == D("1000.00")  # the owner keeps the whole deal
    assert lines["emp-x"][0].credit == lines["emp-y"][0].credit == D("1000.00")
