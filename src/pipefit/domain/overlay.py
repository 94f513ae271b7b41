"""Presales credit per deal (overlay), the alternative to pool credit (DOMAIN section 1).

A plan with `presales_credit = "deal"` credits a presales engineer with every won deal
where they are the presales on the opportunity, at the deal's whole amount, whoever the
rep: overlay credit, so the rep keeps 100% and the engineer gets 100% too. The engineer
then gets no pool credit; pool members on "pool" plans are credited as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from decimal import Decimal

from pipefit.domain.credit import CreditLine, CurrencyRates, WonDeal
from pipefit.domain.money import RoundingRule

__all__ = ["PRESALES_BASIS", "presales_deal_credit"]

PRESALES_BASIS = "presales"
HUNDRED_PCT = Decimal(100)


def presales_deal_credit(
    deals: Iterable[WonDeal],
    engineers: Collection[str],
    *,
    rates: CurrencyRates,
    rule: RoundingRule,
) -> dict[str, list[CreditLine]]:
    """Each engineer's credit lines for the deals they are the presales on, in deal order."""
    credited: dict[str, list[CreditLine]] = defaultdict(list)
    if not engineers:
        return {}
    for deal in deals:
        who = deal.presales_id
        if who is None or who not in engineers:
            continue
        rate = rates.rate(deal.currency, deal.opportunity_id)
        converted = rule(deal.amount * rate)
        credited[who].append(
            CreditLine(who, deal, PRESALES_BASIS, HUNDRED_PCT, rate, converted, converted, None)
        )
    return dict(credited)
