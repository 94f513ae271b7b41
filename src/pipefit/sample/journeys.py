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
from pipefit.sample.truths import (
    CALENDAR_PER_WORKING_DAY,
    MINUTE_STAGE,
    MINUTE_STAGE_MEDIAN_MINUTES,
    MINUTE_STAGE_PASS,
    SIGNALS,
    TWO_STEP_MEDIAN_DAYS,
    TWO_STEP_SHARES,
    TWO_STEP_SIGMA,
    TWO_STEP_STAGE,
)

__all__ = [
    "CLOSED_LOST",
    "CLOSED_WON",
    "CYCLE_BD",
    "PROPOSAL",
    "STAGES",
    "SUBSTATES",
    "Journey",
    "build_journeys",
    "draw_signals",
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
_TWO_STEP, _MINUTES = TWO_STEP_STAGE[1], MINUTE_STAGE[1]
if (STAGES[_TWO_STEP], STAGES[_MINUTES]) != (TWO_STEP_STAGE[0], MINUTE_STAGE[0]):
    raise ValueError("sample.truths names stages the default pipeline does not have there")

# Business days from creation to a win, per segment (small, SMB, enterprise), before the
# lognormal spread; ~45 / ~60 / ~140 business days are ~2.5 / ~3 / ~7 calendar months.
# The overview and refinement stages take their own time (see sample.truths): the cycle
# spreads over Discovery, Evaluation and Formal proposal.
CYCLE_BD = np.array([52.0, 62.0, 150.0])
_STAGE_SHARE = np.array([0.17, 0.26, 0.0, 0.0, 0.44])
_DURATION_SIGMA = 0.5
_WORKING_MINUTES = 600.0
# Chance to pass each open stage for an average deal: Discovery ... Formal proposal (= win).
_PASS = np.array([0.75, 0.8, MINUTE_STAGE_PASS, 0.9, 0.5])
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


def win_odds(deals: Deals, traits: Traits, signals: Bools) -> Floats:
    """Hidden log-odds shift: success fit counts most, readiness and authority some, the
    pair working the deal and the usage signals an SMB buyer shows; big deals are harder."""
    effects = np.array([s.effect for s in SIGNALS])
    # Centred, so that signals move SMB deals apart without moving the segment's win rate.
    usual = float(np.array([s.share for s in SIGNALS]) @ effects)
    shown = signals @ effects - np.where(deals.enterprise, 0.0, usual)
    return np.asarray(
        0.6 * traits.success
        + 0.3 * traits.readiness
        + 0.2 * traits.decision_maker
        + deals.pair_effect
        + shown
        - 0.25 * deals.size,
        np.float64,
    )


def draw_signals(rng: np.random.Generator, deals: Deals) -> Bools:
    """(deals, signals): which usage signals each non-enterprise deal shows (sample.truths),
    drawn independently of everything else, so their whole effect on winning is planted."""
    shares = np.array([s.share for s in SIGNALS])
    shown = rng.random((deals.count, len(SIGNALS))) < shares[None, :]
    return np.asarray(shown & ~deals.enterprise[:, None], np.bool_)


def _durations(rng: np.random.Generator, deals: Deals, traits: Traits) -> Floats:
    n = deals.count
    scale = CYCLE_BD[deals.segment] * np.exp(0.3 * deals.size - 0.1 * traits.success)
    spread = rng.lognormal(0, _DURATION_SIGMA, (n, 5))
    duration = np.maximum(scale[:, None] * _STAGE_SHARE[None, :] * spread, 0.5)
    # The stage that hides two steps: a mix of two humps, whatever the deal's size.
    medians = np.array(TWO_STEP_MEDIAN_DAYS) / CALENDAR_PER_WORKING_DAY
    both_steps = rng.random(n) < TWO_STEP_SHARES[1]
    duration[:, _TWO_STEP] = medians[both_steps.astype(np.int64)] * rng.lognormal(
        0, TWO_STEP_SIGMA, n
    )
    # The stage nobody works: a few minutes of a working day, never under two.
    minutes = MINUTE_STAGE_MEDIAN_MINUTES * rng.lognormal(0, 0.6, n)
    duration[:, _MINUTES] = np.maximum(minutes, 2.0) / _WORKING_MINUTES
    return np.asarray(duration, np.float64)


def _loss_reasons(rng: np.random.Generator, stage: Ints, traits: Traits) -> Ints:
    weights = _REASON_WEIGHTS[np.minimum(stage, 4)].copy()
    weights[:, 0] *= np.where(traits.bant[:, 0] == NO, 3.0, 1.0)
    weights[:, 3] *= np.where(traits.bant[:, 3] == NO, 2.0, 1.0)
    weights[:, 4] *= np.where(traits.needs_match < 60, 3.0, 1.0)
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(stage)) * cumulative[:, -1]
    return np.asarray((cumulative < u[:, None]).sum(axis=1), np.int64)


def build_journeys(
    rng: np.random.Generator, deals: Deals, traits: Traits, signals: Bools
) -> Journey:
    n = deals.count
    odds = win_odds(deals, traits, signals)
    logit = np.log(_PASS / (1 - _PASS))[None, :] + 0.5 * odds[:, None]
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
    # A few deals fall back from Evaluation to Discovery (a new stakeholder, changed scope)
    # and move on again; never around the stages of sample.truths, whose stays stay as
    # stated.
    back = (reach >= 1) & (rng.random(n) < _BACKWARD_SHARE)
    back_stage = np.where(back, 1, 0)
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
