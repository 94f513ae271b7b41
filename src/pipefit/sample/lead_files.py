"""All leads (those that became deals and ~30% more that did not) and the hand-offs.

Leads that never converted are worse fits on average, and the ones disqualified worse
still, so a qualification method has something true to find. Situation Slide fields are
filled more completely for better leads (the "demo-ready" signal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.sample import vocab
from pipefit.sample.accounts import Accounts
from pipefit.sample.clock import Clock
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
    timestamps,
)
from pipefit.sample.company import Org
from pipefit.sample.deals import Deals, growing_times
from pipefit.sample.leads import Traits, build_traits
from pipefit.sample.writer import Columns

__all__ = ["LeadBook", "build_lead_book", "handoff_columns", "lead_columns"]

STATUSES = ("new", "working", "nurture", "qualified", "disqualified")
NEW, WORKING, NURTURE, QUALIFIED, DISQUALIFIED = range(5)
ANSWERS = ("yes", "no", "unknown")
_EXTRA_SHARE = 0.3
_RECENT_BD = 40  # leads younger than this are still new or being worked
# How hard each Situation Slide field is to learn in discovery (higher = filled less often).
_SLIDE_DIFFICULTY = np.array([-0.8, 0.0, 0.2, 0.4, 0.3, 1.0])


@dataclass(frozen=True)
class LeadBook:
    """Leads 0..deals-1 belong to the deals of the same index; the rest never converted."""

    traits: Traits
    created_bd: Floats
    status: Ints
    owner: Ints  # person number (a presales engineer qualifies leads)
    number: Ints  # lead number (1-based), in order of creation
    source: Ints  # index into vocab.LEAD_SOURCES, or len(LEAD_SOURCES) for a referral

    @property
    def count(self) -> int:
        return len(self.created_bd)


def _concat(a: Traits, b: Traits) -> Traits:
    return Traits(**{k: np.concatenate([v, getattr(b, k)]) for k, v in a.__dict__.items()})


def _extra_status(rng: np.random.Generator, created: Floats, success: Floats, now: float) -> Ints:
    recent = created > now - _RECENT_BD
    being_worked = np.where(rng.random(len(created)) < 0.55, NEW, WORKING)
    # Qualification is right more often than not: poor fits are the ones disqualified.
    disqualify = rng.random(len(created)) < 1 / (1 + np.exp(0.3 + 1.2 * success))
    settled = np.where(disqualify, DISQUALIFIED, NURTURE)
    return np.where(recent, being_worked, settled).astype(np.int64)


def build_lead_book(
    rng: np.random.Generator,
    acc: Accounts,
    deals: Deals,
    org: Org,
    clock: Clock,
    deal_traits: Traits,
) -> LeadBook:
    extra = round(_EXTRA_SHARE * deals.count)
    account = rng.integers(0, acc.count, extra).astype(np.int64)
    others = build_traits(rng, acc, account, committee_only=False, fit_shift=-0.6)
    created_extra = growing_times(rng, extra, clock.start_bd, clock.now_bd - 0.1)
    created = np.r_[deals.created_bd - deals.lead_lag, created_extra]
    traits = _concat(deal_traits, others)
    referral = traits.referral
    source = rng.choice(len(vocab.LEAD_SOURCES), size=len(created), p=vocab.LEAD_SOURCE_WEIGHTS)
    number = np.empty(len(created), np.int64)
    number[np.argsort(created, kind="stable")] = np.arange(1, len(created) + 1)
    return LeadBook(
        traits=traits,
        created_bd=created,
        status=np.r_[
            np.full(deals.count, QUALIFIED),
            _extra_status(rng, created_extra, others.success, clock.now_bd),
        ].astype(np.int64),
        owner=np.r_[
            org.presales_number(deals.presales),
            org.presales_number(rng.integers(0, org.presales, extra)),
        ].astype(np.int64),
        number=number,
        source=np.where(referral, len(vocab.LEAD_SOURCES), source).astype(np.int64),
    )


def _phrases(
    rng: np.random.Generator, words: tuple[str, ...], most: int, filled: Bools
) -> pa.Array:
    """One to `most` distinct phrases joined by '; ', or empty where not `filled`."""
    n, size = len(filled), len(words)
    first = rng.integers(0, size, n)
    step = rng.integers(1, size, n)  # a stride through the list keeps the phrases distinct
    count = rng.integers(1, most + 1, n)
    text = pick(words, first, filled)
    for k in range(1, most):
        more = pick(words, (first + k * step) % size, filled & (count > k))
        # `more` is only set where `text` is; (Arrow 26's null_handling="skip" loses rows.)
        text = pc.coalesce(pc.binary_join_element_wise(text, more, "; "), text)
    return text


def _slide(rng: np.random.Generator, book: LeadBook, acc: Accounts) -> Columns:
    t = book.traits
    odds = 0.4 + 1.5 * t.slide_quality[:, None] - _SLIDE_DIFFICULTY[None, :]
    filled = rng.random((book.count, 6)) < 1 / (1 + np.exp(-odds))
    executive = acc.contact_executive[t.contact]
    role = np.where(t.decision_maker, 0, np.where(executive, 4, 1 + rng.integers(0, 3, book.count)))
    return {
        "contact_role": pick(vocab.CONTACT_ROLES, role, filled[:, 0]),
        "critical_issue": _phrases(rng, vocab.CRITICAL_ISSUES, 1, filled[:, 1]),
        "problems": _phrases(rng, vocab.PROBLEMS, 3, filled[:, 2]),
        "capabilities": _phrases(rng, vocab.CAPABILITIES, 2, filled[:, 3]),
        "value_expected": _phrases(rng, vocab.VALUE_EXPECTED, 1, filled[:, 4]),
        "value_realization_events": _phrases(rng, vocab.VALUE_EVENTS, 2, filled[:, 5]),
    }


def lead_columns(
    rng: np.random.Generator, book: LeadBook, acc: Accounts, clock: Clock, people: int
) -> Columns:
    """The leads file, one row per lead in order of creation."""
    order = np.argsort(book.number)
    t = book.traits.take(order)
    slide = {k: v.take(pa.array(order)) for k, v in _slide(rng, book, acc).items()}
    n = book.count
    return {
        "lead_id": ids("lead-", np.arange(1, n + 1), id_width(n)),
        "created_at": timestamps(clock.seconds(book.created_bd[order])),
        "status": pick(STATUSES, book.status[order]),
        "account_id": ids("acc-", t.account + 1, id_width(acc.count)),
        "contact_id": ids("con-", t.contact + 1, id_width(acc.contacts)),
        "lead_source": pick((*vocab.LEAD_SOURCES, vocab.REFERRAL_SOURCE), book.source[order]),
        "owner_id": ids("emp-", book.owner[order], id_width(people)),
        "budget": pick(ANSWERS, t.bant[:, 0]),
        "authority": pick(ANSWERS, t.bant[:, 1]),
        "need": pick(ANSWERS, t.bant[:, 2]),
        "timeline": pick(ANSWERS, t.bant[:, 3]),
        **slide,
        "needs_match_pct": money(t.needs_match),
        "success_criteria_fit_pct": money(t.criteria_fit),
        "buying_team_size": numbers(t.team_size),
        "referral": flags(t.referral),
        "similar_experience": flags(t.similar_experience),
        "expected_ttv_days": numbers(t.ttv_days),
    }


def handoff_columns(book: LeadBook, deals: Deals, org: Org, clock: Clock) -> Columns:
    """Each qualified lead is handed from the presales engineer who qualified it to the rep."""
    n = deals.count
    order = np.argsort(book.number[:n])
    at = (deals.created_bd - 0.6 * deals.lead_lag)[order]
    return {
        "lead_id": ids("lead-", book.number[:n][order], id_width(book.count)),
        "from_id": ids("emp-", book.owner[:n][order], id_width(org.people)),
        "to_id": ids("emp-", org.rep_number(deals.rep[order]), id_width(org.people)),
        "at": timestamps(clock.seconds(at)),
    }
