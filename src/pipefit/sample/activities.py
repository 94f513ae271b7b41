"""Activities: the evidence behind each stage move, plus buying signals.

For every move that happened, the entry trigger of the workspace's inbound pipeline is
met by activities dated inside the previous stage (booked, then accepted). In about 2% of
moves one piece of evidence is missing, as in real CRMs. SMB deals also show behaviour
signals and enterprise deals progression steps (DOMAIN section 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from pipefit.sample.clock import Clock
from pipefit.sample.columns import (
    Bools,
    Floats,
    Ints,
    const,
    id_width,
    ids,
    pick,
    timestamps,
)
from pipefit.sample.deals import Deals
from pipefit.sample.journeys import Journey
from pipefit.sample.truths import SIGNALS
from pipefit.sample.writer import Columns

__all__ = ["ActivityLog", "PeopleNumbers", "activity_chunks", "build_activities"]

KINDS = (
    "meeting_booked",
    "meeting_accepted",
    "next_steps_agreed",
    "proposal_sent",
    "site_visit",
    "pricing_page_viewed",
    "product_used",
    "trial_user_added",
    "nda_signed",
    "demo_held",
    "technical_discussion",
    "procurement_started",
    "purchase_order",
)
K = {kind: i for i, kind in enumerate(KINDS)}
PURPOSES = ("discovery", "evaluation", "overview", "refinement")
BY = ("prospect", "rep", "presales")
PROSPECT, REP, PRESALES = 0, 1, 2
NONE = -1
_BOOKED, _ACCEPTED = K["meeting_booked"], K["meeting_accepted"]
# Evidence for entering each open stage: (kind, purpose, by, where in the window it falls).
# Entering Evaluation also needs Discovery's exit criterion, next steps agreed.
_TRIGGERS: tuple[tuple[tuple[int, int, int, float], ...], ...] = (
    ((_BOOKED, 0, REP, 0.6), (_ACCEPTED, 0, PROSPECT, 0.75), (_ACCEPTED, 0, REP, 0.85)),
    (
        (K["next_steps_agreed"], NONE, REP, 0.55),
        (_BOOKED, 1, REP, 0.7),
        (_ACCEPTED, 1, PROSPECT, 0.85),
    ),
    ((_BOOKED, 2, REP, 0.62), (_ACCEPTED, 2, PROSPECT, 0.76), (_ACCEPTED, 2, REP, 0.9)),
    ((_BOOKED, 3, PRESALES, 0.7), (_ACCEPTED, 3, PROSPECT, 0.85)),
    ((K["proposal_sent"], NONE, REP, 0.95),),
)
_TRIGGER_FAILURE = 0.02
_SMB_SIGNALS = np.array([K[s.kind] for s in SIGNALS])  # in the order of sample.truths
_CHUNK = 2_000_000


@dataclass(frozen=True)
class ActivityLog:
    deal: Ints
    at: Ints  # epoch seconds
    kind: Ints
    purpose: Ints
    by: Ints

    @property
    def count(self) -> int:
        return len(self.deal)


@dataclass(frozen=True)
class PeopleNumbers:
    """Person numbers of each deal's rep and presales engineer, and the id width."""

    rep: Ints
    presales: Ints
    width: int


class _Parts:
    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {
            k: [] for k in ("deal", "at", "kind", "purpose", "by")
        }

    def add(self, deal: Ints, at: Floats, kind: Ints | int, purpose: Ints | int, by: int) -> None:
        n = len(deal)
        self.cols["deal"].append(deal)
        self.cols["at"].append(at)
        for key, value in (("kind", kind), ("purpose", purpose), ("by", by)):
            self.cols[key].append(np.broadcast_to(np.asarray(value, np.int8), (n,)))

    def join(self, key: str) -> np.ndarray:
        return np.concatenate(self.cols[key])


def _stage_ends(j: Journey) -> Floats:
    """When each open stage ended: the next entry, or the close for the last one entered."""
    nxt = np.c_[j.entry[:, 1:], np.full(len(j.close), np.nan)]
    return np.where(np.isnan(nxt), j.close[:, None], nxt)


def _triggers(rng: np.random.Generator, parts: _Parts, deals: Deals, j: Journey) -> None:
    lead_created = deals.created_bd - deals.lead_lag
    window_start = np.c_[lead_created, j.entry[:, :4]]
    for stage, templates in enumerate(_TRIGGERS):
        moved = np.flatnonzero(j.reach >= stage)
        start = window_start[moved, stage]
        span = j.entry[moved, stage] - start
        failed = rng.random(len(moved)) < _TRIGGER_FAILURE
        dropped = (rng.random(len(moved)) * len(templates)).astype(np.int64)
        for slot, (kind, purpose, by, where) in enumerate(templates):
            keep = ~(failed & (dropped == slot))
            jitter = rng.uniform(-0.03, 0.03, len(moved))
            parts.add(moved[keep], (start + span * (where + jitter))[keep], kind, purpose, by)


def _smb_signals(
    rng: np.random.Generator, parts: _Parts, deals: Deals, j: Journey, signals: Bools
) -> None:
    """Behaviour: came back to the site, viewed pricing, added a colleague, used the product.
    A deal shows the signals drawn for it (journeys.draw_signals), each one to three times,
    while it is open (before its close): they precede the outcome they help bring about."""
    deal, which = np.nonzero(signals)
    times = 1 + rng.binomial(2, 0.3, len(deal))
    deal, which = np.repeat(deal, times), np.repeat(which, times)
    start, end = deals.created_bd[deal], j.close[deal]
    at = start + (end - start) * rng.uniform(0.02, 0.9, len(deal))
    parts.add(deal, at, _SMB_SIGNALS[which], NONE, PROSPECT)


def _enterprise_steps(rng: np.random.Generator, parts: _Parts, deals: Deals, j: Journey) -> None:
    """Progression: meetings, demos, technical discussions, procurement, a purchase order."""
    ent = deals.enterprise
    ends = _stage_ends(j)

    def step(mask: Bools, at: Floats, kind: str, by: int) -> None:
        rows = np.flatnonzero(mask)
        parts.add(rows, at[rows], K[kind], NONE, by)

    entry = np.nan_to_num(j.entry)
    nda = ent & (j.reach >= 2) & (rng.random(deals.count) < 0.4)
    step(nda, entry[:, 1] + 0.3 * (ends[:, 1] - entry[:, 1]), "nda_signed", PROSPECT)
    step(
        ent & (j.reach >= 2), entry[:, 2] + 0.5 * (ends[:, 2] - entry[:, 2]), "demo_held", PRESALES
    )
    step(
        ent & (j.reach >= 3),
        entry[:, 3] + 0.45 * (ends[:, 3] - entry[:, 3]),
        "technical_discussion",
        PRESALES,
    )
    review, negotiation, signature = (np.nan_to_num(j.substate_at[:, i]) for i in range(3))
    step(
        ent & ~np.isnan(j.substate_at[:, 1]),
        (review + negotiation) / 2,
        "procurement_started",
        PROSPECT,
    )
    step(ent & j.won, signature + 0.6 * (j.close - signature), "purchase_order", PROSPECT)


def build_activities(
    rng: np.random.Generator, deals: Deals, journey: Journey, clock: Clock, signals: Bools
) -> ActivityLog:
    parts = _Parts()
    _triggers(rng, parts, deals, journey)
    _smb_signals(rng, parts, deals, journey, signals)
    _enterprise_steps(rng, parts, deals, journey)
    at = clock.seconds(parts.join("at"))
    keep = at <= clock.now_seconds
    deal, at = parts.join("deal")[keep], at[keep]
    order = np.argsort(deal * (1 << 32) + (at - int(at.min(initial=0))), kind="stable")
    return ActivityLog(
        deal=deal[order],
        at=at[order],
        kind=parts.join("kind")[keep][order].astype(np.int64),
        purpose=parts.join("purpose")[keep][order].astype(np.int64),
        by=parts.join("by")[keep][order].astype(np.int64),
    )


def activity_chunks(
    log: ActivityLog, deals: Deals, *, lead_number: Ints, leads: int, people: PeopleNumbers
) -> Iterator[Columns]:
    """The activities file in chunks, so ten million rows never sit in memory as text."""
    width, opp_width, lead_width = id_width(log.count), id_width(deals.count), id_width(leads)
    for lo in range(0, log.count, _CHUNK):
        part = slice(lo, min(lo + _CHUNK, log.count))
        deal, by = log.deal[part], log.by[part]
        actor = np.where(
            by == REP, people.rep[deal], np.where(by == PRESALES, people.presales[deal], 0)
        )
        yield {
            "activity_id": ids("act-", np.arange(part.start + 1, part.stop + 1), width),
            "opportunity_id": ids("opp-", deal + 1, opp_width),
            "lead_id": ids("lead-", lead_number[deal], lead_width),
            "kind": pick(KINDS, log.kind[part]),
            "purpose": pick(PURPOSES, log.purpose[part]),
            "by": pick(BY, by),
            "at": timestamps(log.at[part]),
            "actor_id": ids("emp-", actor, people.width, valid=by != PROSPECT),
            "note": const(None, part.stop - part.start),
        }
