"""The stage-event log: every move of every deal up to the generation's "now".

Events are built per kind (creation, forward moves, proposal sub-states, closes, moves
back and forward again) as whole arrays, cut at "now", then sorted by deal and time; a
deal's current stage is simply its last event, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipefit.sample.clock import Clock
from pipefit.sample.columns import Bools, Floats, Ints
from pipefit.sample.journeys import CLOSED_LOST, CLOSED_WON, PROPOSAL, Journey

__all__ = ["BACKWARD_REASON_BASE", "DealState", "EventLog", "build_events"]

NONE = -1
BACKWARD_REASON_BASE = 5  # reasons 0-4 are loss reasons, 5+ the reasons for moving back


@dataclass(frozen=True)
class EventLog:
    deal: Ints
    at: Ints  # epoch seconds, strictly increasing within a deal
    to_stage: Ints
    from_stage: Ints  # NONE on a deal's first event
    substate: Ints  # NONE, or an index into journeys.SUBSTATES
    reason: Ints  # NONE, a loss reason, or BACKWARD_REASON_BASE + a backward reason
    seq: Ints

    @property
    def count(self) -> int:
        return len(self.deal)


@dataclass(frozen=True)
class DealState:
    """Where each deal stands at "now": the target of its last event."""

    stage: Ints
    substate: Ints
    closed_at: Ints  # epoch seconds; meaningful where closed
    loss_reason: Ints  # NONE unless lost

    @property
    def won(self) -> Bools:
        return np.asarray(self.stage == CLOSED_WON)

    @property
    def lost(self) -> Bools:
        return np.asarray(self.stage == CLOSED_LOST)

    @property
    def closed(self) -> Bools:
        return np.asarray(self.stage >= CLOSED_WON)


def _raw_events(
    rng: np.random.Generator, j: Journey, created: Floats
) -> dict[str, list[np.ndarray]]:
    n = len(created)
    deals = np.arange(n)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("deal", "at", "to", "sub", "reason")}

    def add(mask: Bools, at: Floats, to: Ints | int, sub: Ints | int, reason: Ints | int) -> None:
        parts["deal"].append(deals[mask])
        parts["at"].append(at[mask])
        for key, value in (("to", to), ("sub", sub), ("reason", reason)):
            parts[key].append(np.broadcast_to(np.asarray(value, np.int64), (n,))[mask])

    everyone = np.ones(n, bool)
    add(everyone, created, 0, NONE, NONE)
    for stage in range(1, PROPOSAL + 1):
        add(j.reach >= stage, j.entry[:, stage], stage, 0 if stage == PROPOSAL else NONE, NONE)
    for step in range(3):  # review, negotiation, signature
        at = j.substate_at[:, step]
        add(~np.isnan(at), at, PROPOSAL, step + 1, NONE)
    add(everyone, j.close, np.where(j.won, CLOSED_WON, CLOSED_LOST), NONE, j.loss_reason)
    back = j.back_stage > 0
    why = BACKWARD_REASON_BASE + rng.integers(0, 4, n)
    add(back, j.back_at[:, 0], j.back_stage - 1, NONE, why)
    add(back, j.back_at[:, 1], j.back_stage, NONE, NONE)
    return parts


def build_events(
    rng: np.random.Generator, journey: Journey, created: Floats, clock: Clock
) -> tuple[EventLog, DealState]:
    parts = _raw_events(rng, journey, created)
    deal = np.concatenate(parts["deal"])
    at = clock.seconds(np.concatenate(parts["at"]))
    keep = at <= clock.now_seconds  # what happens later is the deal's future, not its history
    deal, at = deal[keep], at[keep]
    base = int(at.min(initial=0))
    order = np.argsort(deal * (1 << 32) + (at - base), kind="stable")
    deal, at = deal[order], at[order]
    to_stage, substate, reason = (
        np.concatenate(parts[key])[keep][order] for key in ("to", "sub", "reason")
    )
    first = np.r_[True, deal[1:] != deal[:-1]]
    starts = np.maximum.accumulate(np.where(first, np.arange(len(deal)), 0))
    log = EventLog(
        deal=deal,
        at=at,
        to_stage=to_stage,
        from_stage=np.where(first, NONE, np.r_[NONE, to_stage[:-1]]),
        substate=substate,
        reason=reason,
        seq=np.arange(len(deal)) - starts + 1,
    )
    last = np.r_[first[1:], True]  # every deal has its creation event, so one last per deal
    stage = to_stage[last]
    state = DealState(
        stage=stage,
        substate=np.where(stage == PROPOSAL, substate[last], NONE),
        closed_at=at[last],
        loss_reason=np.where(stage == CLOSED_LOST, reason[last], NONE),
    )
    return log, state
