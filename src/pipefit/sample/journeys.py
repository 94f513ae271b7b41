"""Each deal's path through the inbound pipeline: how far it gets, when, and how it ends.

A deal passes each open stage with a probability that rises with its hidden win odds; the
first failure is its drop-out stage (so deals are lost at every stage). Stage durations
are lognormal, longer in enterprise (about 7 months end to end) than SMB (about 3), and
longer for bigger deals (DOMAIN section 3). Times are business days (see `clock`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipefit.domain.model import Category
from pipefit.sample.columns import Bools, Floats, Ints
from pipefit.sample.deals import Deals
from pipefit.sample.leads import NO, Traits

__all__ = [
    "CLOSED_LOST",
    "CLOSED_WON",
    "PROPOSAL",
    "STAGES",
    "SUBSTATES",
    "Journey",
    "build_journeys",
]


def _default_pipeline() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The stage names and the proposal stage's sub-states of the default pipefit.toml: the
    generated company sells through the pipeline a new workspace has, whatever it is called.
    The journeys below model five open stages, the last with sub-states, then won and lost."""
    from pipefit.config import default_config_text, parse_config

    config = parse_config(default_config_text(), "default pipefit.toml")
    pipeline = config.pipelines_by_name()[config.default_pipeline]
    open_stages = [s for s in pipeline.stages if s.category == Category.OPEN]
    won = [s.name for s in pipeline.stages if s.category == Category.WON]
    lost = [s.name for s in pipeline.stages if s.category == Category.LOST]
    if len(open_stages) != 5 or not open_stages[-1].substates or not won or not lost:
        raise ValueError("the sample generator needs a default pipeline of five open stages, "
                         "the last with sub-states, then a won and a lost stage")  # fmt: skip
    names = (*(s.name for s in open_stages), won[0], lost[0])
    return names, open_stages[-1].substates


STAGES, SUBSTATES = _default_pipeline()
PROPOSAL, CLOSED_WON, CLOSED_LOST = 4, 5, 6

# Business days from creation to a win, per segment (small, SMB, enterprise), before the
# lognormal spread; ~45 / ~60 / ~140 business days are ~2.5 / ~3 / ~7 calendar months.
_CYCLE_BD = np.array([52.0, 62.0, 150.0])
_STAGE_SHARE = np.array([0.12, 0.18, 0.18, 0.22, 0.30])
_DURATION_SIGMA = 0.5
# Chance to pass each open stage for an average deal: Discovery ... Formal proposal (= win).
_PASS = np.array([0.75, 0.8, 0.84, 0.9, 0.55])
# Loss reasons by the stage the deal dropped from (rows) - early losses are poor fit or no
# budget, late ones competitors and indecision. Columns follow vocab.LOSS_REASONS.
_REASON_WEIGHTS = np.array(
    [
        [0.30, 0.05, 0.15, 0.20, 0.30],
        [0.25, 0.15, 0.20, 0.20, 0.20],
        [0.15, 0.30, 0.20, 0.20, 0.15],
        [0.10, 0.35, 0.25, 0.20, 0.10],
        [0.10, 0.40, 0.30, 0.15, 0.05],
    ]
)
_BACKWARD_SHARE = 0.04


@dataclass(frozen=True)
class Journey:
    reach: Ints  # the last open stage entered (0 = Discovery ... 4 = Formal proposal)
    won: Bools
    entry: Floats  # (deals, 5) entry time per open stage, NaN where never entered
    close: Floats  # when the deal is won or lost (may lie after "now": then it is open)
    substate_at: Floats  # (deals, 3) review, negotiation, signature; NaN where not reached
    back_stage: Ints  # stage a deal fell back from (and re-entered); 0 = none
    back_at: Floats  # (deals, 2): the move back and the move forward again
    loss_reason: Ints  # index into vocab.LOSS_REASONS; -1 for won deals


def win_odds(deals: Deals, traits: Traits) -> Floats:
    """Hidden log-odds shift: success fit counts most, readiness and authority some, and the
    pair working the deal; big deals are harder."""
    return np.asarray(
        0.6 * traits.success
        + 0.3 * traits.readiness
        + 0.2 * traits.decision_maker
        + deals.pair_effect
        - 0.25 * deals.size,
        np.float64,
    )


def _durations(rng: np.random.Generator, deals: Deals, traits: Traits) -> Floats:
    n = deals.count
    scale = _CYCLE_BD[deals.segment] * np.exp(0.3 * deals.size - 0.1 * traits.success)
    spread = rng.lognormal(0, _DURATION_SIGMA, (n, 5))
    return np.asarray(np.maximum(scale[:, None] * _STAGE_SHARE[None, :] * spread, 0.5), np.float64)


def _loss_reasons(rng: np.random.Generator, stage: Ints, traits: Traits) -> Ints:
    weights = _REASON_WEIGHTS[np.minimum(stage, 4)].copy()
    weights[:, 0] *= np.where(traits.bant[:, 0] == NO, 3.0, 1.0)
    weights[:, 3] *= np.where(traits.bant[:, 3] == NO, 2.0, 1.0)
    weights[:, 4] *= np.where(traits.needs_match < 60, 3.0, 1.0)
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(stage)) * cumulative[:, -1]
    return np.asarray((cumulative < u[:, None]).sum(axis=1), np.int64)


def build_journeys(rng: np.random.Generator, deals: Deals, traits: Traits) -> Journey:
    n = deals.count
    logit = np.log(_PASS / (1 - _PASS))[None, :] + 0.5 * win_odds(deals, traits)[:, None]
    passes = rng.random((n, 5)) < 1 / (1 + np.exp(-logit))
    reach = np.cumprod(passes[:, :4], axis=1).sum(axis=1).astype(np.int64)
    won = (reach == PROPOSAL) & passes[:, PROPOSAL]
    duration = _durations(rng, deals, traits)
    entered = np.arange(5)[None, :] <= reach[:, None]
    starts = deals.created_bd[:, None] + np.c_[np.zeros(n), np.cumsum(duration[:, :4], axis=1)]
    entry = np.where(entered, starts, np.nan)
    rows = np.arange(n)
    last_entry, last_duration = starts[rows, reach], duration[rows, reach]
    # A loss is recorded around or after the time the stage would have ended: dying deals
    # linger in the pipe before someone closes them out.
    lost_at = np.where(reach == PROPOSAL, rng.uniform(0.4, 1.6, n), rng.uniform(0.7, 2.2, n))
    share = np.where(won, 1.0, lost_at)
    close = last_entry + last_duration * share
    fractions = np.c_[rng.uniform(0.15, 0.3, n), rng.uniform(0.4, 0.6, n), rng.uniform(0.7, 0.9, n)]
    # Sub-states reached before the close; the margin keeps the close strictly after them.
    in_proposal = (reach == PROPOSAL)[:, None] & (fractions < share[:, None] - 0.05)
    substate_at = np.where(in_proposal, starts[:, 4:5] + duration[:, 4:5] * fractions, np.nan)
    # A few deals fall back one stage (a new stakeholder, changed scope) and move on again.
    back = (reach >= 1) & (rng.random(n) < _BACKWARD_SHARE)
    back_stage = np.where(back, 1 + (rng.random(n) * np.minimum(reach, 3)).astype(np.int64), 0)
    b = np.maximum(back_stage, 1)
    back_at = starts[rows, b][:, None] + duration[rows, b][:, None] * np.array([[0.15, 0.35]])
    reasons = np.where(won, -1, _loss_reasons(rng, reach, traits))
    return Journey(
        reach=reach,
        won=won,
        entry=entry,
        close=close,
        substate_at=substate_at,
        back_stage=back_stage.astype(np.int64),
        back_at=back_at,
        loss_reason=reasons.astype(np.int64),
    )
