"""Expected close dates and their history: slips, pull-ins and amount changes.

A rep sets an expected close date when the deal is created (optimistically: a share of the
segment's usual cycle, sample.truths) and revises it while the deal is open, each time a
noisy guess of when it will really close that sharpens as the close nears: later (pushed
out) or earlier (pulled in). Some deals' amounts are revised once too. Every revision is a
row of opportunity_changes; the last expected date is the deal's expected_close. Built as
whole arrays (np.repeat over the deals' revision counts), no loop over deals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipefit.sample.clock import Clock
from pipefit.sample.columns import (
    Floats,
    Ints,
    const,
    id_width,
    ids,
    money,
    pick,
    timestamps,
)
from pipefit.sample.deals import Deals
from pipefit.sample.journeys import CYCLE_BD, Journey
from pipefit.sample.truths import (
    AMOUNT_CHANGE_SHARE,
    CLOSE_DATE_CHANGES_PER_MONTH,
    CLOSE_DATE_OPTIMISM,
)
from pipefit.sample.writer import Columns

__all__ = ["CloseDates", "build_close_dates", "change_columns"]

_WORKING_DAYS_A_MONTH = 21.0
_MOST_REVISIONS = 8
_FIRST_GUESS_SIGMA = 0.3
_GUESS_SIGMA = 0.5  # of the first revision's guess; later ones are sharper
AMOUNT, CLOSE_DATE = 0, 1


@dataclass(frozen=True)
class CloseDates:
    expected_day: Ints  # per deal: epoch day of the expected close as it stands now
    deal: Ints  # per change, sorted by deal then time
    at: Ints  # epoch seconds
    field: Ints  # AMOUNT or CLOSE_DATE
    old_day: Ints
    new_day: Ints
    old_amount: Floats
    new_amount: Floats

    @property
    def count(self) -> int:
        return len(self.deal)


def _revisions(
    rng: np.random.Generator, deals: Deals, j: Journey, clock: Clock, first: Floats
) -> tuple[Ints, Floats, Ints, Ints, Ints]:
    """Close-date revisions: deal, time (working days), old and new epoch day, and each
    deal's last expected day."""
    created = deals.created_bd
    life = np.maximum(np.minimum(j.close, clock.now_bd) - created, 0.0)
    k = np.minimum(
        rng.poisson(CLOSE_DATE_CHANGES_PER_MONTH * life / _WORKING_DAYS_A_MONTH), _MOST_REVISIONS
    )
    deal = np.repeat(np.arange(deals.count), k)
    starts = np.cumsum(k) - k
    i = np.arange(len(deal)) - starts[deal] + 1  # 1 .. k within each deal
    kk = k[deal]
    # Revisions spread over the deal's open life, in order (one per equal slice).
    at = created[deal] + life[deal] * (i - 1 + rng.uniform(0.05, 0.95, len(deal))) / kk
    sigma = _GUESS_SIGMA * (1 - i / (kk + 1))
    remaining = j.close[deal] - at
    guess = at + np.maximum(remaining * np.exp(sigma * rng.standard_normal(len(deal))), 1.0)
    first_day = clock.epoch_days(first)
    new_day = clock.epoch_days(guess)
    before = np.r_[0, new_day[:-1]]
    old_day = np.where(i == 1, first_day[deal], before)
    expected = first_day.copy()
    has = k > 0
    expected[has] = new_day[(starts + k - 1)[has]]
    # A guess that lands on the same day is no change (the chain stays whole without it).
    keep = new_day != old_day
    return deal[keep], at[keep], old_day[keep], new_day[keep], expected


def _amount_changes(
    rng: np.random.Generator, deals: Deals, j: Journey, clock: Clock
) -> tuple[Ints, Floats, Floats]:
    """One amount revision for some deals: deal, time (working days), the amount before."""
    created = deals.created_bd
    life = np.maximum(np.minimum(j.close, clock.now_bd) - created, 0.0)
    u = rng.random((3, deals.count))
    old = np.round(deals.amount * np.exp(0.3 * (2 * u[2] - 1)), -1)
    chosen = (u[0] < AMOUNT_CHANGE_SHARE) & (life > 1.0) & (old != deals.amount)
    deal = np.flatnonzero(chosen)
    at = created[deal] + life[deal] * (0.1 + 0.8 * u[1][deal])
    return deal, at, old[deal]


def build_close_dates(
    rng: np.random.Generator, deals: Deals, journey: Journey, clock: Clock
) -> CloseDates:
    typical = CYCLE_BD[deals.segment] * CLOSE_DATE_OPTIMISM
    first = deals.created_bd + np.maximum(
        typical * rng.lognormal(0, _FIRST_GUESS_SIGMA, deals.count), 5.0
    )
    c_deal, c_at, old_day, new_day, expected = _revisions(rng, deals, journey, clock, first)
    a_deal, a_at, old_amount = _amount_changes(rng, deals, journey, clock)
    deal = np.r_[c_deal, a_deal]
    at = clock.seconds(np.r_[c_at, a_at])
    field = np.r_[np.full(len(c_deal), CLOSE_DATE), np.full(len(a_deal), AMOUNT)]
    order = np.lexsort((field, at, deal))
    nothing = np.zeros(len(a_deal), np.int64)
    return CloseDates(
        expected_day=expected,
        deal=deal[order],
        at=at[order],
        field=field[order],
        old_day=np.r_[old_day, nothing][order],
        new_day=np.r_[new_day, nothing][order],
        old_amount=np.r_[np.zeros(len(c_deal)), old_amount][order],
        new_amount=np.r_[np.zeros(len(c_deal)), deals.amount[a_deal]][order],
    )


def change_columns(changes: CloseDates, deals: Deals) -> Columns:
    n = changes.count
    dated = changes.field == CLOSE_DATE
    return {
        "opportunity_id": ids("opp-", changes.deal + 1, id_width(deals.count)),
        "field": pick(("amount", "close_date"), changes.field),
        "at": timestamps(changes.at),
        "ordinal": const(None, n),
        "old_amount": money(changes.old_amount, valid=~dated),
        "new_amount": money(changes.new_amount, valid=~dated),
        "old_close_date": timestamps(changes.old_day * 86400, valid=dated),
        "new_close_date": timestamps(changes.new_day * 86400, valid=dated),
        "currency": const(None, n),
    }
