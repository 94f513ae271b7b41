"""Who is credited with a closed-won deal, and for how much (DOMAIN section 1).

- A rep is credited with their own closed-won deals, by close date, in the workspace
  currency at the configured rate.
- Revenue splits (Salesforce's opportunity splits) share a deal between reps; they must
  add up to 100%. Overlay splits credit anyone else (a specialist, a presales lead) with
  any percentage, on top.
- A presales member is credited with every closed-won deal of their pool, whichever
  covered rep won it; a manager (team credit) with every deal of their team's reps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from pipefit.domain.errors import ConfigError, PipefitError
from pipefit.domain.money import RoundingRule, plain

__all__ = [
    "CreditError",
    "CreditLine",
    "CreditSplit",
    "CurrencyRates",
    "Route",
    "WonDeal",
    "credit_deals",
]

HUNDRED = Decimal(100)


class CreditError(PipefitError):
    """Credit that cannot be assigned: splits that do not add up, a negative percentage."""


class WonDeal(NamedTuple):
    # Named tuples, not dataclasses: a year of a large company is hundreds of thousands
    # of these, and a tuple is built several times faster than a frozen dataclass.
    opportunity_id: str
    amount: Decimal
    currency: str
    closed_at: datetime
    owner_id: str | None
    presales_id: str | None = None
    account_id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class CreditSplit:
    opportunity_id: str
    person_id: str
    kind: str  # "revenue" (sums to 100% per deal) or "overlay" (any total)
    percent: Decimal


class Route(NamedTuple):
    """Credit on a rep's deals also goes to `person_id` (a pool member, a team manager)."""

    person_id: str
    basis: str  # "pool" or "team"
    via: str  # the pool or team id


@dataclass(frozen=True)
class CurrencyRates:
    """What one unit of each currency is worth in the workspace currency `base`."""

    base: str
    rates: Mapping[str, Decimal]

    def rate(self, currency: str, deal_id: str) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        try:
            return self.rates[currency]
        except KeyError:
            raise ConfigError(
                f"compensation.rates: no rate for {currency} (deal '{deal_id}' is in "
                f"{currency}); add {currency} = <its value in {self.base}> under "
                "[compensation.rates]"
            ) from None


class CreditLine(NamedTuple):
    person_id: str
    deal: WonDeal
    basis: str  # own, revenue split, overlay, pool, team
    percent: Decimal
    rate: Decimal
    converted: Decimal  # the deal's amount in the workspace currency, rounded
    credit: Decimal
    via: str | None = None

    def how(self) -> str:
        """Why this person has this credit: own deal, pool X won by Y, ..."""
        basis = self.basis
        if basis == "own":
            return "own deal"
        if basis in ("pool", "team"):
            return f"{basis} {self.via}, won by {self.deal.owner_id}"
        if basis == "presales":
            return f"presales on the deal, won by {self.deal.owner_id}"
        return "overlay credit" if basis == "overlay" else basis

    def describe(self, base: str) -> str:
        """The credit's arithmetic, to check by hand: amount, conversion, share, why."""
        d = self.deal
        money = f"{d.amount:,.2f} {d.currency}"
        if d.currency != base:
            money += f" x {self.rate} = {self.converted:,.2f} {base}"
        share = f" x {plain(self.percent)}%" if self.percent != HUNDRED else ""
        return f"{money}{share} ({self.how()})"

    def arithmetic(self, base: str) -> str:
        """describe() without the plain case: empty for an own deal in the base currency."""
        if self.percent == HUNDRED and self.deal.currency == base:
            return self.how()
        return self.describe(base)


def _revenue_shares(deal: WonDeal, splits: Sequence[CreditSplit]) -> list[tuple[str, Decimal]]:
    revenue = [s for s in splits if s.kind == "revenue"]
    if not revenue:
        return [(deal.owner_id, HUNDRED)] if deal.owner_id else []
    total = sum((s.percent for s in revenue), Decimal(0))
    if total != HUNDRED:
        shares = ", ".join(f"{s.person_id} {plain(s.percent)}%" for s in revenue)
        raise CreditError(
            f"credit_splits: the revenue splits of deal '{deal.opportunity_id}' add up to "
            f"{plain(total)}%, not 100% ({shares}); overlay credit may add up to any total, "
            "revenue splits may not"
        )
    return [(s.person_id, s.percent) for s in revenue]


def credit_deals(
    deals: Iterable[WonDeal],
    *,
    splits: Mapping[str, Sequence[CreditSplit]],
    routes: Mapping[str, Sequence[Route]],
    rates: CurrencyRates,
    rule: RoundingRule,
) -> dict[str, list[CreditLine]]:
    """Every person's credit lines, in the order the deals come (by close date)."""
    credited: dict[str, list[CreditLine]] = defaultdict(list)
    rate_of: dict[str, Decimal] = {}
    line, hundred, no_routes = CreditLine, HUNDRED, ()
    for deal in deals:
        deal_id, amount, currency, _, owner = deal[:5]
        rate = rate_of.get(currency)
        if rate is None:
            rate = rate_of[currency] = rates.rate(currency, deal_id)
        converted = rule(amount * rate) if rate != 1 else rule(amount)
        deal_splits = splits.get(deal_id)
        if not deal_splits:
            # Most deals: the owner takes it all, and so does everyone routed through them.
            if owner is None:
                continue
            credited[owner].append(
                line(owner, deal, "own", hundred, rate, converted, converted, None)
            )
            for route_to, basis, via in routes.get(owner, no_routes):
                credited[route_to].append(
                    line(route_to, deal, basis, hundred, rate, converted, converted, via)
                )
            continue
        for person, kind, pct, through in _split_shares(deal, deal_splits, routes):
            credit = converted if pct == hundred else rule(converted * pct / hundred)
            credited[person].append(line(person, deal, kind, pct, rate, converted, credit, through))
    return dict(credited)


def _split_shares(
    deal: WonDeal, deal_splits: Sequence[CreditSplit], routes: Mapping[str, Sequence[Route]]
) -> list[tuple[str, str, Decimal, str | None]]:
    """(person, basis, percent, via) for a deal with revenue or overlay splits."""
    for split in deal_splits:
        if split.percent < 0:
            raise CreditError(
                f"credit_splits: {split.person_id} has {plain(split.percent)}% of deal "
                f"'{deal.opportunity_id}'; a split cannot be negative"
            )
    shares: list[tuple[str, str, Decimal, str | None]] = []
    routed: dict[tuple[str, str, str], Decimal] = {}
    for person, pct in _revenue_shares(deal, deal_splits):
        own = person == deal.owner_id and pct == HUNDRED
        shares.append((person, "own" if own else "revenue split", pct, None))
        for route in routes.get(person, ()):
            key = (route.person_id, route.basis, route.via)
            routed[key] = routed.get(key, Decimal(0)) + pct
    shares += [
        (s.person_id, "overlay", s.percent, None) for s in deal_splits if s.kind == "overlay"
    ]
    shares += [(person, basis, pct, via) for (person, basis, via), pct in routed.items()]
    return shares
