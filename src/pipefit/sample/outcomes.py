"""How each won customer fared: renewals, expansion, churn, references, revenue, margin.

All of it follows the hidden success score of the lead behind the account's first win
(DOMAIN section 5: load the pipeline with leads that will *succeed*, not just buy).
Contracts run a year: a customer younger than that has no renewal answer yet.
"""

from __future__ import annotations

import numpy as np

from pipefit.sample.accounts import Accounts
from pipefit.sample.clock import Clock
from pipefit.sample.columns import Floats, flags, id_width, ids, money, numbers, timestamps
from pipefit.sample.deals import Deals
from pipefit.sample.events import DealState
from pipefit.sample.leads import Traits
from pipefit.sample.writer import Columns

__all__ = ["outcome_columns"]

_YEAR = 365 * 86400


def _sigmoid(x: Floats) -> Floats:
    return np.asarray(1 / (1 + np.exp(-x)), np.float64)


def outcome_columns(
    rng: np.random.Generator,
    deals: Deals,
    state: DealState,
    traits: Traits,
    acc: Accounts,
    clock: Clock,
) -> Columns:
    won = np.flatnonzero(state.won)
    order = won[np.lexsort((state.closed_at[won], deals.account[won]))]
    account = deals.account[order]
    starts = np.ones(len(order), bool)
    starts[1:] = account[1:] != account[:-1]
    first = order[starts]  # each account's first win
    customer = deals.account[first]
    n = len(first)
    won_at = state.closed_at[first]
    tenure = clock.now_seconds - won_at
    success = traits.success[first]
    lane = acc.lane_effect[customer]
    # Early churn (before the first renewal) is rare and hits the poorest fits.
    early = rng.random(n) < _sigmoid(-3.0 - 1.5 * success)
    early_at = won_at + (rng.uniform(0.2, 0.9, n) * _YEAR).astype(np.int64)
    early &= early_at <= clock.now_seconds
    due = tenure >= _YEAR
    renews = rng.random(n) < _sigmoid(1.1 + 1.6 * success)
    renewed_known = due | early
    renewed = due & renews & ~early
    churn_at = np.where(
        early, early_at, won_at + _YEAR - (rng.uniform(0, 30, n) * 86400).astype(np.int64)
    )
    churned = early | (due & ~renews)
    # Expansion and references take time and happiness.
    grown = np.minimum(tenure / _YEAR, 1.0)
    expanded = ~churned & (rng.random(n) < grown * _sigmoid(-0.6 + 1.4 * success))
    reference = ~churned & (rng.random(n) < _sigmoid(-1.3 + 1.4 * success))
    bookings = np.bincount(deals.account[won], weights=deals.amount[won], minlength=acc.count)
    first_amount = deals.amount[first]
    uplift = np.where(expanded, rng.uniform(0.15, 0.6, n), 0.0)
    revenue = np.asarray(bookings[customer], np.float64)
    revenue += np.where(renewed, first_amount * (1 + uplift), 0.0)
    revenue += np.where(expanded & ~renewed, first_amount * uplift * grown, 0.0)
    margin_rate = np.clip(0.58 + 0.06 * lane + 0.05 * success + rng.normal(0, 0.05, n), 0.15, 0.9)
    ttv = traits.ttv_days[first] * np.exp(-0.25 * success + rng.normal(0, 0.3, n))
    return {
        "account_id": ids("acc-", customer + 1, id_width(acc.count)),
        "won_at": timestamps(won_at),
        "renewed": flags(renewed, valid=renewed_known),
        "expanded": flags(expanded),
        "churned_at": timestamps(churn_at, valid=churned),
        "reference": flags(reference),
        "revenue": money(revenue),
        "margin": money(revenue * margin_rate),
        "time_to_value_days": numbers(np.maximum(1, np.rint(ttv)).astype(np.int64)),
    }
