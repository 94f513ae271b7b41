"""Accounts (companies) and their contacts, with the buying committee flagged.

Company size is long-tailed (lognormal employees): most are SMB (100-999 employees), a
quarter are enterprise (1000+), some are small. Each (industry, segment) *lane* gets a
hidden quality that later drives how customers fare (DOMAIN section 5: "one of our lanes").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.sample import vocab
from pipefit.sample.columns import (
    Bools,
    Floats,
    Ints,
    flags,
    id_width,
    ids,
    money,
    numbers,
    pick,
)
from pipefit.sample.writer import Columns

__all__ = [
    "ENTERPRISE",
    "SMALL",
    "SMB",
    "Accounts",
    "account_columns",
    "account_names",
    "build_accounts",
    "contact_columns",
]

SMALL, SMB, ENTERPRISE = 0, 1, 2
_NAME_WORDS = (vocab.NAME_STEMS, vocab.NAME_TAILS, vocab.NAME_KINDS)
_THRESHOLDS = (100, 1000)  # employees: smb from 100, enterprise from 1000 (the workspace default)


@dataclass(frozen=True)
class Accounts:
    employees: Ints
    segment: Ints
    industry: Ints
    region: Ints
    culture: Ints
    revenue: Floats
    lane_effect: Floats  # hidden
    appetite: Floats  # hidden: how often the account comes back to buy
    contact_start: Ints  # contacts of an account are contiguous; its committee comes first
    committee_size: Ints
    contact_account: Ints
    contact_executive: Bools
    contact_decision_maker: Bools
    contact_committee: Bools
    contact_former_user: Bools
    name_parts: Ints  # (accounts, 3): indices into vocab.NAME_STEMS, NAME_TAILS, NAME_KINDS

    @property
    def count(self) -> int:
        return len(self.employees)

    @property
    def contacts(self) -> int:
        return len(self.contact_account)


def _committees(rng: np.random.Generator, segment: Ints) -> tuple[Ints, Ints]:
    """Buying committee (6-10 enterprise, 1-3 SMB, 1-2 small) and other contacts per account."""
    n = len(segment)
    committee = np.select(
        [segment == ENTERPRISE, segment == SMB],
        [rng.integers(6, 11, n), rng.integers(1, 4, n)],
        rng.integers(1, 3, n),
    )
    others = np.select(
        [segment == ENTERPRISE, segment == SMB], [rng.integers(0, 4, n), rng.integers(0, 2, n)], 0
    )
    return committee.astype(np.int64), others.astype(np.int64)


def build_accounts(rng: np.random.Generator, count: int) -> Accounts:
    employees = np.clip(rng.lognormal(np.log(400), 1.3, count), 10, 250_000).astype(np.int64)
    segment = np.searchsorted(np.array(_THRESHOLDS), employees, side="right").astype(np.int64)
    industry = rng.integers(0, len(vocab.INDUSTRIES), count)
    lanes = rng.normal(0, 0.7, (len(vocab.INDUSTRIES), 3))
    committee, others = _committees(rng, segment)
    per_account = committee + others
    start = np.r_[0, np.cumsum(per_account)[:-1]].astype(np.int64)
    owner = np.repeat(np.arange(count), per_account)
    position = np.arange(len(owner)) - start[owner]
    enterprise = segment[owner] == ENTERPRISE
    in_committee = position < committee[owner]
    # The first committee member decides; in enterprise a second often co-signs.
    decides = (position == 0) | (enterprise & (position == 1) & (rng.random(len(owner)) < 0.35))
    exec_odds = np.where(position == 0, np.where(enterprise, 0.85, 0.6), 0.15)
    executive = in_committee & ((rng.random(len(owner)) < exec_odds) | (decides & enterprise))
    return Accounts(
        employees=employees,
        segment=segment,
        industry=industry.astype(np.int64),
        region=rng.choice(len(vocab.REGIONS), size=count, p=vocab.REGION_WEIGHTS).astype(np.int64),
        culture=rng.choice(len(vocab.CULTURES), size=count, p=vocab.CULTURE_WEIGHTS).astype(
            np.int64
        ),
        revenue=np.round(employees * rng.lognormal(np.log(180e3), 0.5, count), -3),
        lane_effect=lanes[industry, segment],
        appetite=rng.lognormal(0, 0.8, count),
        contact_start=start,
        committee_size=committee,
        contact_account=owner.astype(np.int64),
        contact_executive=executive,
        contact_decision_maker=decides,
        contact_committee=in_committee,
        contact_former_user=rng.random(len(owner)) < 0.08,
        name_parts=np.stack(
            [rng.integers(0, len(words), count) for words in _NAME_WORDS], axis=1
        ).astype(np.int64),
    )


def _names(rng: np.random.Generator, n: int) -> pa.Array:
    first = pick(vocab.FIRST_NAMES, rng.integers(0, len(vocab.FIRST_NAMES), n))
    last = pick(vocab.LAST_NAMES, rng.integers(0, len(vocab.LAST_NAMES), n))
    return pc.binary_join_element_wise(first, last, " ")


def account_names(acc: Accounts) -> pa.Array:
    """`Northwind Systems`: a stem and a tail make a word, then the kind of company."""
    stem, tail, kind = (pick(words, acc.name_parts[:, i]) for i, words in enumerate(_NAME_WORDS))
    return pc.binary_join_element_wise(pc.binary_join_element_wise(stem, tail, ""), kind, " ")


def account_columns(acc: Accounts) -> Columns:
    n = acc.count
    return {
        "account_id": ids("acc-", np.arange(1, n + 1), id_width(n)),
        "name": account_names(acc),
        "industry": pick(vocab.INDUSTRIES, acc.industry),
        "employees": numbers(acc.employees),
        "annual_revenue": money(acc.revenue),
        "region": pick(vocab.REGIONS, acc.region),
        "culture": pick(vocab.CULTURES, acc.culture),
    }


def contact_columns(rng: np.random.Generator, acc: Accounts) -> Columns:
    n = acc.contacts
    exec_title = rng.integers(0, len(vocab.EXEC_TITLES), n)
    staff_title = rng.integers(0, len(vocab.STAFF_TITLES), n)
    titles = vocab.EXEC_TITLES + vocab.STAFF_TITLES
    title = np.where(acc.contact_executive, exec_title, len(vocab.EXEC_TITLES) + staff_title)
    return {
        "contact_id": ids("con-", np.arange(1, n + 1), id_width(n)),
        "account_id": ids("acc-", acc.contact_account + 1, id_width(acc.count)),
        "name": _names(rng, n),
        "title": pick(titles, title),
        "is_executive": flags(acc.contact_executive),
        "is_decision_maker": flags(acc.contact_decision_maker),
        "on_buying_committee": flags(acc.contact_committee),
        "former_user": flags(acc.contact_former_user),
    }
