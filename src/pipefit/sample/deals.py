"""The deals' skeleton: when each was created, for which account, how big, and who works it.

Deal flow grows over the two years (a growing company), so recent months hold more
deals, which also keeps a realistic share of the pipeline open at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipefit.sample.accounts import ENTERPRISE, SMALL, Accounts
from pipefit.sample.clock import Clock
from pipefit.sample.columns import Bools, Floats, Ints
from pipefit.sample.company import Org

__all__ = ["MEDIAN_AMOUNT", "Deals", "build_deals", "growing_times"]

# Median deal size per segment (small, SMB, enterprise): SMB ~$5k-50k, enterprise ~$50k-500k.
MEDIAN_AMOUNT = np.array([9_000.0, 17_000.0, 140_000.0])
_AMOUNT_SIGMA = 0.55
_GROWTH = 2.0  # deal flow at the end of the range is 1 + _GROWTH times that at the start


@dataclass(frozen=True)
class Deals:
    account: Ints
    segment: Ints
    created_bd: Floats  # sorted: opportunity numbers follow creation time
    lead_lag: Floats  # business days from the lead's creation to the opportunity's
    amount: Floats
    rep: Ints
    presales: Ints
    presales_local: Ints  # the engineer's place in the team's pool
    pair_effect: Floats  # hidden: rep skill + presales skill + the pair's chemistry
    product: Ints  # index into vocab.PRODUCTS

    @property
    def count(self) -> int:
        return len(self.account)

    @property
    def enterprise(self) -> Bools:
        return np.asarray(self.segment == ENTERPRISE, np.bool_)

    @property
    def size(self) -> Floats:
        """log(amount / the segment's median): bigger deals take longer and win less."""
        return np.asarray(np.log(self.amount / MEDIAN_AMOUNT[self.segment]), np.float64)


def growing_times(rng: np.random.Generator, n: int, low: float, high: float) -> Floats:
    """Times in [low, high] whose density grows linearly (inverse-CDF sampling)."""
    u = rng.random(n)
    g = _GROWTH
    x = (np.sqrt(1 + 2 * g * u * (1 + g / 2)) - 1) / g
    return low + x * (high - low)


def _owners(
    rng: np.random.Generator, org: Org, enterprise: Bools, created: Floats
) -> tuple[Ints, Ints, Ints]:
    """A rep of the deal's segment already hired when it was created, and a presales engineer
    from that rep's pool."""
    rep = np.empty(len(created), np.int64)
    u = rng.random(len(created))
    rep_enterprise = org.team_enterprise[org.rep_team]
    for segment_is_ent in (True, False):
        mine = enterprise == segment_is_ent
        pool = np.flatnonzero(rep_enterprise == segment_is_ent)
        pool = pool[np.argsort(org.rep_hired_bd[pool], kind="stable")]
        hired = org.rep_hired_bd[pool]
        eligible = np.maximum(np.searchsorted(hired, created[mine], side="right"), 1)
        rep[mine] = pool[(u[mine] * eligible).astype(np.int64)]
    team = org.rep_team[rep]
    local = (rng.random(len(created)) * org.team_presales_count[team]).astype(np.int64)
    return rep, org.team_presales_start[team] + local, local


def build_deals(rng: np.random.Generator, n: int, acc: Accounts, org: Org, clock: Clock) -> Deals:
    created = np.sort(growing_times(rng, n, clock.start_bd + 25, clock.now_bd - 0.2))
    account = rng.choice(acc.count, size=n, p=acc.appetite / acc.appetite.sum()).astype(np.int64)
    segment = acc.segment[account]
    # Bigger companies buy somewhat bigger deals within their segment.
    scale = np.where(segment == ENTERPRISE, 3000.0, np.where(segment == SMALL, 50.0, 300.0))
    amount = MEDIAN_AMOUNT[segment] * (acc.employees[account] / scale) ** 0.12
    amount = np.round(amount * rng.lognormal(0, _AMOUNT_SIGMA, n), -1)
    amount = np.clip(amount, np.where(segment == ENTERPRISE, 20_000, 1_000), 3_000_000)
    rep, presales, local = _owners(rng, org, segment == ENTERPRISE, created)
    pair = org.rep_skill[rep] + org.presales_skill[presales] + org.chemistry[rep, local]
    # Enterprise buys the suite; smaller firms the core product, sometimes with analytics.
    u = rng.random(n)
    product = np.where(
        segment == ENTERPRISE,
        np.where(u < 0.7, 2, np.where(u < 0.9, 0, 1)),
        np.where(u < 0.75, 0, 1),
    )
    return Deals(
        account=account,
        segment=segment,
        created_bd=created,
        lead_lag=2 + rng.lognormal(np.log(6), 0.6, n).clip(0.5, 22),
        amount=amount,
        rep=rep,
        presales=presales,
        presales_local=local,
        pair_effect=pair,
        product=product.astype(np.int64),
    )
