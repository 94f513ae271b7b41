"""Leads and the hidden model that makes their answers matter.

Every lead gets a hidden *success* score (will it renew, expand, refer?) built from what
discovery can see: needs match, success-criteria fit, culture, referral, a former user or
an executive as contact, similar experience, buying-team size, expected time to value and
the account's lane, plus noise (DOMAIN section 5). A separate hidden *readiness* (budget
and timing) drives the BANT answers, so BANT predicts buying a little and success not at
all, as the article argues. Win odds use both, plus the rep/presales pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipefit.sample.accounts import ENTERPRISE, Accounts
from pipefit.sample.columns import Bools, Floats, Ints

__all__ = ["NO", "TTV_NORM", "UNKNOWN", "YES", "Traits", "build_traits"]

YES, NO, UNKNOWN = 0, 1, 2
TTV_NORM = np.array([30.0, 45.0, 90.0])  # our usual time to value, days: small, SMB, enterprise
# Place on the adoption curve: innovators thrive with a new tool, laggards struggle.
_CULTURE_EFFECT = np.array([0.6, 0.45, 0.1, -0.35, -0.8])
_SUCCESS_SCALE = 1.85  # makes the success score roughly standard normal


@dataclass(frozen=True)
class Traits:
    account: Ints
    contact: Ints
    segment: Ints
    needs_match: Floats
    criteria_fit: Floats
    referral: Bools
    similar_experience: Bools
    ttv_days: Ints
    team_size: Ints
    decision_maker: Bools
    bant: Ints  # (leads, 4): budget, authority, need, timeline as YES / NO / UNKNOWN
    readiness: Floats  # hidden
    success: Floats  # hidden, about N(0, 1)
    slide_quality: Floats  # hidden: how much of the Situation Slide discovery filled

    @property
    def count(self) -> int:
        return len(self.account)

    def take(self, rows: Ints) -> Traits:
        return Traits(**{k: v[rows] for k, v in self.__dict__.items()})


def _answers(rng: np.random.Generator, latent: Floats) -> Ints:
    """Yes when the buyer clearly is there, no when clearly not, unknown in between."""
    value = latent + rng.normal(0, 1, len(latent))
    return np.where(value > 0.2, YES, np.where(value < -1.0, NO, UNKNOWN)).astype(np.int64)


def _authority(rng: np.random.Generator, acc: Accounts, contact: Ints) -> Ints:
    u = rng.random(len(contact))
    decides = acc.contact_decision_maker[contact]
    member = acc.contact_committee[contact]
    committee_answer = np.where(u < 0.45, YES, np.where(u < 0.8, UNKNOWN, NO))
    outsider_answer = np.where(u < 0.5, NO, UNKNOWN)
    answer = np.where(decides, np.where(u < 0.85, YES, UNKNOWN), committee_answer)
    return np.where(member, answer, outsider_answer).astype(np.int64)


def _success(
    rng: np.random.Generator, acc: Accounts, t: dict[str, np.ndarray], culture: Ints
) -> Floats:
    score = (
        1.2 * (t["needs_match"] - 70) / 14
        + 0.45 * (t["criteria_fit"] - 65) / 15
        + _CULTURE_EFFECT[culture]
        + 0.55 * t["referral"]
        + 0.5 * acc.contact_former_user[t["contact"]]
        + 0.3 * acc.contact_executive[t["contact"]]
        + 0.35 * t["similar_experience"]
        - 0.09 * (t["team_size"] - 3)
        - 0.55 * np.log(t["ttv_days"] / TTV_NORM[t["segment"]])
        + acc.lane_effect[t["account"]]
        + rng.normal(0, 0.55, len(culture))
    )
    return np.asarray(score / _SUCCESS_SCALE, np.float64)


def build_traits(
    rng: np.random.Generator,
    acc: Accounts,
    account: Ints,
    *,
    committee_only: bool,
    fit_shift: float = 0.0,
) -> Traits:
    """Discovery answers for leads at `account`; `fit_shift` < 0 for leads that never convert."""
    n = len(account)
    segment = acc.segment[account]
    # Deals come through a committee member; other leads may come from anyone there.
    if committee_only:
        candidates = acc.committee_size[account]
    else:
        candidates = np.bincount(acc.contact_account, minlength=acc.count)[account]
    contact = acc.contact_start[account] + (rng.random(n) * candidates).astype(np.int64)
    fit = rng.normal(fit_shift, 1, n)
    readiness = rng.normal(0, 1, n)
    t: dict[str, np.ndarray] = {
        "account": account,
        "contact": contact,
        "segment": segment,
        "needs_match": np.clip(np.round(70 + 14 * fit), 5, 100),
        "criteria_fit": np.clip(
            np.round(65 + 15 * (0.6 * fit + 0.8 * rng.normal(0, 1, n))), 5, 100
        ),
        "referral": rng.random(n) < (0.06 if fit_shift < 0 else 0.12),
        "similar_experience": rng.random(n) < np.where(segment == ENTERPRISE, 0.45, 0.3),
        "ttv_days": np.maximum(3, np.rint(TTV_NORM[segment] * rng.lognormal(0, 0.45, n))).astype(
            np.int64
        ),
        "team_size": acc.committee_size[account],  # the buying team is the committee
    }
    success = _success(rng, acc, t, acc.culture[account])
    bant = np.stack(
        [
            _answers(rng, 0.9 * readiness),
            _authority(rng, acc, contact),
            _answers(rng, 0.5 * readiness + 0.5 * fit),
            _answers(rng, 0.9 * readiness),
        ],
        axis=1,
    )
    return Traits(
        **t,
        decision_maker=acc.contact_decision_maker[contact],
        bant=bant,
        readiness=readiness,
        success=success,
        slide_quality=0.8 * success + 0.3 * readiness + rng.normal(0, 0.5, n),
    )
