"""Quotas per rep (quarters and years) and per presales pool (years).

Quotas are set the way a sales leader would: from what the segment actually books per rep,
plus a stretch, so attainment lands around 85-90% with real spread between reps. Pools
carry their covered reps' yearly quotas less the street-quota discount (DOMAIN section 1).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from pipefit.sample.clock import Clock
from pipefit.sample.columns import Bools, Floats, Ints, const, id_width, ids, money, pick
from pipefit.sample.company import Org
from pipefit.sample.deals import Deals
from pipefit.sample.events import DealState
from pipefit.sample.writer import Columns

__all__ = ["quota_columns"]

_STRETCH = 1.15
_DEFAULT_QUARTER = {True: 375_000.0, False: 187_500.0}  # enterprise / SMB, if nothing booked
_EPOCH = date(1970, 1, 1)


def _quarters(clock: Clock) -> list[tuple[int, int, int]]:
    """(year, quarter, first epoch day) of every quarter overlapping [start, now)."""
    out = []
    year, quarter = clock.start.year, (clock.start.month - 1) // 3 + 1
    while date(year, 3 * quarter - 2, 1) < clock.now:
        out.append((year, quarter, (date(year, 3 * quarter - 2, 1) - _EPOCH).days))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def _per_rep_quarter(
    org: Org, deals: Deals, state: DealState, years: Ints, q_year: Ints, seated: Bools
) -> Floats:
    """Quarterly quota per (segment, year): bookings per seated rep-quarter, stretched."""
    won = np.flatnonzero(state.won)
    closed_year = (state.closed_at[won] // 86400).astype("datetime64[D]").astype("datetime64[Y]")
    closed_year = closed_year.astype(np.int64) + 1970
    rep_ent = org.team_enterprise[org.rep_team]
    quota = np.zeros((2, len(years)))
    for s, ent in enumerate((False, True)):
        for y, year in enumerate(years.tolist()):
            mine = (closed_year == year) & (rep_ent[deals.rep[won]] == ent)
            booked = float(deals.amount[won][mine].sum())
            seats = int(seated[rep_ent == ent][:, q_year == y].sum())
            value = booked / seats * _STRETCH if booked > 0 and seats else _DEFAULT_QUARTER[ent]
            quota[s, y] = np.round(value, -3)
    return quota


def quota_columns(org: Org, deals: Deals, state: DealState, clock: Clock) -> Columns:
    quarters = _quarters(clock)
    years = np.array(sorted({y for y, _, _ in quarters}), np.int64)
    q_year = np.searchsorted(years, [y for y, _, _ in quarters]).astype(np.int64)
    q_start = np.array([d for _, _, d in quarters], np.int64)
    hired = clock.epoch_days(org.rep_hired_bd)
    # A rep hired in the first half of a quarter carries that quarter's quota.
    in_quarter = hired[:, None] < q_start[None, :] + 45
    per_quarter = _per_rep_quarter(org, deals, state, years, q_year, in_quarter)
    rep_ent = org.team_enterprise[org.rep_team].astype(np.int64)
    quarter_amount = np.where(in_quarter, per_quarter[rep_ent][:, q_year], 0.0)
    year_amount = np.stack(
        [quarter_amount[:, q_year == y].sum(axis=1) for y in range(len(years))], 1
    )
    labels = [str(y) for y in years] + [f"{y}Q{q}" for y, q, _ in quarters]
    amounts = np.c_[year_amount, quarter_amount]
    rep, period = np.nonzero(amounts > 0)  # row-major: each rep's years, then its quarters
    team_year = np.stack(
        [np.bincount(org.rep_team, year_amount[:, y], org.teams) for y in range(len(years))], 1
    )
    pool_amount = team_year * (1 - org.discount_pct[:, None] / 100)
    pool, pool_period = np.nonzero(pool_amount > 0)
    n_rep, n_pool = len(rep), len(pool)
    return {
        "owner_kind": pick(
            ("person", "pool"), np.r_[np.zeros(n_rep, np.int64), np.ones(n_pool, np.int64)]
        ),
        "owner_id": _owner_ids(org, rep, pool),
        "period": pick(labels, np.r_[period, pool_period]),
        "amount": money(np.r_[amounts[rep, period], pool_amount[pool, pool_period]]),
        "currency": const("USD", n_rep + n_pool),
    }


def _owner_ids(org: Org, rep: Ints, pool: Ints) -> pa.Array:
    return pa.concat_arrays(
        [
            ids("emp-", org.rep_number(rep), id_width(org.people)),
            ids("pool-", pool + 1, id_width(org.teams)),
        ]
    )
