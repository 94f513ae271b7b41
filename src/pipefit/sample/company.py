"""The selling organisation: teams, reps, presales engineers, managers, pools and pairings.

DOMAIN sections 1-2: reps carry quotas; presales engineers are pooled over the reps they
cover, about 1 per 5 reps in enterprise teams and 1 per 10 in SMB teams. Every
rep/presales pair gets a hidden chemistry effect on win rate ("good pairs close alone"),
some planted (sample.truths).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow.compute as pc

from pipefit.sample import vocab
from pipefit.sample.clock import Clock
from pipefit.sample.columns import (
    Bools,
    Floats,
    Ints,
    const,
    dates,
    id_width,
    ids,
    money,
    pick,
)
from pipefit.sample.truths import BAD_PAIR_EFFECT, GOOD_PAIR_EFFECT
from pipefit.sample.writer import Columns

__all__ = [
    "Org",
    "build_org",
    "people_columns",
    "pool_columns",
    "segment_teams",
    "team_columns",
]

ROLES = ("sales_rep", "presales", "manager", "admin")
_REP, _PRESALES, _MANAGER, _ADMIN = range(4)
_TEAM_REPS = 10
_PRESALES_RATIO = {True: 5, False: 10}  # reps per presales engineer, enterprise / SMB
_ENTERPRISE_REP_SHARE = 0.4
_CHEMISTRY_NOISE = 0.3


@dataclass(frozen=True)
class Org:
    team_enterprise: Bools
    team_region: Ints
    team_names: list[str]
    rep_team: Ints
    rep_hired_bd: Floats
    rep_skill: Floats
    presales_team: Ints
    presales_skill: Floats
    team_presales_start: Ints  # presales of a team are contiguous
    team_presales_count: Ints
    chemistry: Floats  # (reps, largest presales group): the hidden pair effect
    discount_pct: Floats  # one pool per team

    @property
    def teams(self) -> int:
        return len(self.team_enterprise)

    @property
    def reps(self) -> int:
        return len(self.rep_team)

    @property
    def presales(self) -> int:
        return len(self.presales_team)

    # People are numbered managers, reps, presales, admin; these map to person numbers.
    def manager_number(self, team: Ints) -> Ints:
        return team + 1

    def rep_number(self, rep: Ints) -> Ints:
        return rep + self.teams + 1

    def presales_number(self, presales: Ints) -> Ints:
        return presales + self.teams + self.reps + 1

    @property
    def people(self) -> int:
        return self.teams + self.reps + self.presales + 1


def _team_names(enterprise: Bools, region: Ints) -> list[str]:
    seen: dict[tuple[bool, int], int] = {}
    names = []
    for ent, reg in zip(enterprise.tolist(), region.tolist(), strict=True):
        seen[(ent, reg)] = seen.get((ent, reg), 0) + 1
        label = "Enterprise" if ent else "SMB"
        names.append(f"{label} {vocab.REGIONS[reg]} {seen[(ent, reg)]}")
    return names


def _rep_hire_days(rng: np.random.Generator, rep_team: Ints, clock: Clock) -> Floats:
    """Most reps are there from the start; a quarter join during the first 18 months."""
    n = len(rep_team)
    span = clock.now_bd - clock.start_bd
    early = clock.start_bd - rng.uniform(20, 1500, n)
    late = clock.start_bd + rng.uniform(0, 0.75 * span, n)
    joins_late = rng.random(n) < 0.25
    # The first rep of every team is there from day one, so every deal has someone to own it.
    first_of_team = np.r_[True, rep_team[1:] != rep_team[:-1]]
    return np.where(joins_late & ~first_of_team, late, early)


def _chemistry(rng: np.random.Generator, rep_team: Ints, presales_count: Ints) -> Floats:
    """(reps, largest pool): every pair's hidden effect, a small noise plus the pairs that
    sample.truths plants (a team's first rep with its first engineer, the second with the
    second, in teams with two engineers or more)."""
    chemistry = rng.normal(0, _CHEMISTRY_NOISE, (len(rep_team), int(presales_count.max())))
    team_start = np.searchsorted(rep_team, np.arange(len(presales_count)))
    team_size = np.bincount(rep_team, minlength=len(presales_count))
    planted = np.flatnonzero((presales_count >= 2) & (team_size >= 2))
    if len(planted) == 0:
        return chemistry
    chemistry[team_start[planted], 0] += GOOD_PAIR_EFFECT
    chemistry[team_start[planted] + 1, 1] += BAD_PAIR_EFFECT
    return chemistry


def _team_counts(opportunities: int) -> tuple[int, int, int, int]:
    """Reps, enterprise reps, enterprise teams and SMB teams for a company of this size."""
    reps = int(np.clip(round(opportunities / 400), 10, 2500))
    ent_reps = max(2, round(reps * _ENTERPRISE_REP_SHARE))
    return reps, ent_reps, -(-ent_reps // _TEAM_REPS), -(-(reps - ent_reps) // _TEAM_REPS)


def segment_teams(opportunities: int) -> dict[str, list[str]]:
    """Which teams sell to which segment in a company of this size: enterprise teams take
    enterprise accounts, SMB teams the smb and small ones (as `build_deals` assigns them),
    in the shape of [qualification.routing.segment_teams]."""
    _, _, ent_teams, smb_teams = _team_counts(opportunities)
    width = id_width(ent_teams + smb_teams)
    enterprise = [f"team-{n:0{width}d}" for n in range(1, ent_teams + 1)]
    smb = [f"team-{n:0{width}d}" for n in range(ent_teams + 1, ent_teams + smb_teams + 1)]
    return {"enterprise": enterprise, "smb": smb, "small": list(smb)}


def build_org(rng: np.random.Generator, opportunities: int, clock: Clock) -> Org:
    reps, ent_reps, ent_teams, smb_teams = _team_counts(opportunities)
    team_enterprise = np.r_[np.ones(ent_teams, bool), np.zeros(smb_teams, bool)]
    team_region = rng.choice(len(vocab.REGIONS), size=len(team_enterprise), p=vocab.REGION_WEIGHTS)
    rep_team = np.sort(
        np.r_[np.arange(ent_reps) % ent_teams, ent_teams + np.arange(reps - ent_reps) % smb_teams]
    ).astype(np.int64)
    reps_per_team = np.bincount(rep_team, minlength=len(team_enterprise))
    ratio = np.where(team_enterprise, _PRESALES_RATIO[True], _PRESALES_RATIO[False])
    presales_count = np.maximum(1, np.rint(reps_per_team / ratio)).astype(np.int64)
    presales_start = np.r_[0, np.cumsum(presales_count)[:-1]].astype(np.int64)
    presales_team = np.repeat(np.arange(len(team_enterprise)), presales_count).astype(np.int64)
    return Org(
        team_enterprise=team_enterprise,
        team_region=team_region.astype(np.int64),
        team_names=_team_names(team_enterprise, team_region),
        rep_team=rep_team,
        rep_hired_bd=_rep_hire_days(rng, rep_team, clock),
        rep_skill=rng.normal(0, 0.25, reps),
        presales_team=presales_team,
        presales_skill=rng.normal(0, 0.15, len(presales_team)),
        team_presales_start=presales_start,
        team_presales_count=presales_count,
        chemistry=_chemistry(rng, rep_team, presales_count),
        discount_pct=np.round(rng.uniform(10, 15, len(team_enterprise)), 2),
    )


def team_columns(org: Org) -> Columns:
    width = id_width(org.teams)
    team = np.arange(org.teams)
    return {
        "team_id": ids("team-", team + 1, width),
        "name": pick(org.team_names, team),
        "region": pick(vocab.REGIONS, org.team_region),
        "manager_id": ids("emp-", org.manager_number(team), id_width(org.people)),
    }


def _pay(rng: np.random.Generator, base: Floats, variable: Floats) -> tuple[Floats, Floats]:
    """Salaries vary around the role's level; rounded to the thousand as offer letters are."""
    spread = rng.lognormal(0, 0.1, len(base))
    return np.round(base * spread, -3), np.round(variable * spread, -3)


def people_columns(rng: np.random.Generator, org: Org, clock: Clock) -> Columns:
    n = org.people
    role = np.r_[
        np.full(org.teams, _MANAGER),
        np.full(org.reps, _REP),
        np.full(org.presales, _PRESALES),
        _ADMIN,
    ]
    team = np.r_[np.arange(org.teams), org.rep_team, org.presales_team, -1]
    enterprise = np.r_[org.team_enterprise[team[:-1]], False]
    # Base / variable by role: reps 50/50 (enterprise) or 57/43 (SMB), presales 75/25.
    is_role = [role == _REP, role == _PRESALES, role == _MANAGER]
    base = np.select(is_role, [np.where(enterprise, 120e3, 80e3), 130e3, 170e3], 90e3)
    variable = np.select(is_role, [np.where(enterprise, 120e3, 60e3), 45e3, 80e3], 0.0)
    base, variable = _pay(rng, base, variable)
    hired = np.r_[
        clock.start_bd - rng.uniform(200, 2500, org.teams),
        org.rep_hired_bd,
        clock.start_bd - rng.uniform(30, 2000, org.presales),
        clock.start_bd - 600.0,
    ]
    names = np.stack(
        [rng.integers(0, len(vocab.FIRST_NAMES), n), rng.integers(0, len(vocab.LAST_NAMES), n)]
    )
    first = pick(vocab.FIRST_NAMES, names[0])
    last = pick(vocab.LAST_NAMES, names[1])
    return {
        "person_id": ids("emp-", np.arange(1, n + 1), id_width(n)),
        "name": pc.binary_join_element_wise(first, last, " "),
        "role": pick(ROLES, role),
        "team_id": ids("team-", team + 1, id_width(org.teams), valid=team >= 0),
        "base_pay": money(base),
        "variable_pay": money(variable),
        "currency": const("USD", n),
        "hired_at": dates(clock.epoch_days(np.floor(hired))),
    }


def pool_columns(org: Org) -> tuple[Columns, Columns]:
    """One pool per team: its presales engineers are members, its reps are covered."""
    width = id_width(org.teams)
    team = np.arange(org.teams)
    pools = {
        "pool_id": ids("pool-", team + 1, width),
        "name": pick([f"Pool {name}" for name in org.team_names], team),
        "discount_pct": money(org.discount_pct),
        "target": const(None, org.teams),
    }
    member_pool = np.r_[org.presales_team, org.rep_team]
    person = np.r_[
        org.presales_number(np.arange(org.presales)), org.rep_number(np.arange(org.reps))
    ]
    kind = np.r_[np.zeros(org.presales, np.int64), np.ones(org.reps, np.int64)]
    order = np.lexsort((kind, member_pool))
    members = {
        "pool_id": ids("pool-", member_pool[order] + 1, width),
        "person_id": ids("emp-", person[order], id_width(org.people)),
        "kind": pick(("member", "covered_rep"), kind[order]),
    }
    return pools, members
