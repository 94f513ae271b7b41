"""Credit splits: a few won deals shared between two reps of a team, a few with overlay
credit for the team's manager (Salesforce-style opportunity splits, DOMAIN section 1).

Drawn last from the company's random stream, so every other file stays as it was.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipefit.sample.columns import id_width, ids, money, pick
from pipefit.sample.company import Org
from pipefit.sample.deals import Deals
from pipefit.sample.events import DealState
from pipefit.sample.writer import Columns

__all__ = ["split_columns"]

_SHARED = 0.03  # won deals split 70/30 with another rep of the team
_OVERLAY = 0.02  # won deals with 10% overlay credit for the team's manager


def split_columns(rng: np.random.Generator, org: Org, deals: Deals, state: DealState) -> Columns:
    won = np.flatnonzero(state.won)
    u = rng.random((2, len(won)))
    rep = deals.rep[won]
    team = org.rep_team[rep]
    team_size = np.bincount(org.rep_team, minlength=org.teams)[team]
    team_start = np.searchsorted(org.rep_team, team)  # a team's reps are contiguous
    local = rep - team_start
    step = 1 + (u[1] * np.maximum(team_size - 1, 1)).astype(np.int64)
    partner = team_start + (local + step) % team_size
    shared = (u[0] < _SHARED) & (team_size > 1)
    overlay = (u[0] >= _SHARED) & (u[0] < _SHARED + _OVERLAY)
    deal = np.r_[won[shared], won[shared], won[overlay]]
    person = np.r_[
        org.rep_number(rep[shared]),
        org.rep_number(partner[shared]),
        org.manager_number(team[overlay]),
    ]
    kind = np.r_[np.zeros(2 * shared.sum(), np.int64), np.ones(overlay.sum(), np.int64)]
    percent = np.r_[
        np.full(shared.sum(), 70.0), np.full(shared.sum(), 30.0), np.full(overlay.sum(), 10.0)
    ]
    order = np.lexsort((kind, person, deal))
    return {
        "opportunity_id": ids("opp-", deal[order] + 1, id_width(deals.count)),
        "person_id": ids("emp-", person[order], id_width(org.people)),
        "kind": pick(("revenue", "overlay"), kind[order]),
        "percent": money(percent[order]) if len(order) else pa.array([], pa.string()),
    }
