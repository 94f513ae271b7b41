"""Qualifying leads (DOMAIN section 5): BANT, demo-ready, bands, and what a successful customer is.

- BANT asks Budget, Authority, Need, Timeline. It filters, but it cannot tell a lead that
  will thrive from one that will struggle, and it wrongly drops serious leads: projects
  get funded without a budget line, a delegate explores for the decision maker, needs
  and timelines mature through discovery. pipefit gives BANT's verdict *and* flags those
  blind spots ("BANT would drop this; look again").
- Demo-ready: the lead's Situation Slide is complete, or nearly, Value Realization
  Events included. A stage trigger can require it before a demo is booked.
- Success-ready leads are scored by a scorecard (scorecard.py) into bands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pipefit.domain.errors import ConfigError
from pipefit.domain.model import Account, Contact, CustomerOutcome, Lead

__all__ = [
    "BANDS",
    "BANT_BLIND_SPOTS",
    "BANT_CRITERIA",
    "POST_CONTACT_VALUES",
    "POST_CONTACT_WORDS",
    "SITUATION_SLIDE",
    "Band",
    "BandThresholds",
    "BantResult",
    "DemoReadiness",
    "LeadRecord",
    "assess_bant",
    "bant_blind_spot",
    "demo_readiness",
    "is_successful_customer",
    "normalise_answer",
    "success_label",
    "win_label",
]

YES, NO, UNKNOWN = "yes", "no", "unknown"
BANT_CRITERIA = ("budget", "authority", "need", "timeline")

# Why failing a criterion does not make a lead a poor one (the article's blind spots).
BANT_BLIND_SPOTS = {
    "budget": "projects get funded without a budget line",
    "authority": "a delegate often explores for the decision maker",
    "need": "needs mature through discovery",
    "timeline": "timelines mature through discovery",
}


class Band(StrEnum):
    EXCELLENT = "Excellent"
    GOOD = "Good"
    RISKY = "Risky"
    NULL = "Null"


BANDS = tuple(b.value for b in Band)  # best first


def normalise_answer(value: str | bool | None) -> str:
    """yes / no / unknown from what a CRM holds (True, 'Y', 'No', '', None...)."""
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return YES if value else NO
    text = value.strip().casefold()
    if text in ("yes", "y", "true", "1", "x"):
        return YES
    if text in ("no", "n", "false", "0"):
        return NO
    return UNKNOWN


@dataclass(frozen=True)
class BantResult:
    answers: dict[str, str]  # criterion -> yes / no / unknown
    passed: bool
    failed: tuple[str, ...]  # criteria not answered yes (among those required)
    notes: tuple[str, ...] = ()

    @property
    def yes_count(self) -> int:
        return sum(1 for a in self.answers.values() if a == YES)

    @property
    def graded(self) -> float:
        """0-4: yes counts 1, unknown a half: a ranking score for comparing methods."""
        return sum({YES: 1.0, UNKNOWN: 0.5}.get(a, 0.0) for a in self.answers.values())

    @property
    def verdict(self) -> str:
        if self.passed:
            return "qualified"
        return "fails " + ", ".join(f"{c} ({self.answers[c]})" for c in self.failed)


def assess_bant(
    lead: Lead,
    contact: Contact | None = None,
    *,
    required: Sequence[str] = BANT_CRITERIA,
) -> BantResult:
    """BANT's verdict: every required criterion answered yes.

    Authority also counts as yes when the contact record says the person decides or sits
    on the buying committee (the article's definition of authority).
    """
    answers = {c: normalise_answer(getattr(lead, c)) for c in BANT_CRITERIA}
    notes: list[str] = []
    if (
        answers["authority"] != YES
        and contact is not None
        and (contact.is_decision_maker or contact.on_buying_committee)
    ):
        role = "decision maker" if contact.is_decision_maker else "on the buying committee"
        answers["authority"] = YES
        notes.append(f"authority from the contact record ({role})")
    failed = tuple(c for c in required if answers[c] != YES)
    return BantResult(answers, not failed, failed, tuple(notes))


def bant_blind_spot(result: BantResult, serious: Sequence[str]) -> str | None:
    """The flag for a serious lead that BANT drops only for its known blind spots.

    `serious` lists why the lead is serious (e.g. "scorecard Good", "demo-ready 86%"); a
    lead BANT drops for an outright "no" on need or timeline is not flagged: that answer
    is a real reason.
    """
    if result.passed or not serious:
        return None
    forgivable = all(
        c in ("budget", "authority") or result.answers[c] == UNKNOWN for c in result.failed
    )
    if not forgivable:
        return None
    why = "; ".join(f"{c}: {BANT_BLIND_SPOTS[c]}" for c in result.failed)
    return f"BANT would drop this; look again: {', '.join(serious)} ({why})"


# The Situation Slide: what discovery must learn before a demo is worth giving.
SITUATION_SLIDE: dict[str, str] = {
    "contact_role": "the contact's role",
    "industry": "the industry",
    "critical_issue": "the critical business issue",
    "problems": "the problems behind it",
    "capabilities": "the capabilities asked for",
    "value_expected": "the value expected",
    "value_realization_events": "the Value Realization Events",
}


@dataclass(frozen=True)
class DemoReadiness:
    lead_id: str
    percent: float  # 0-100, one decimal
    missing: tuple[str, ...]  # Situation Slide fields not filled

    def is_ready(self, minimum: float, required: Sequence[str] = ()) -> bool:
        return self.percent >= minimum and not (set(required) & set(self.missing))

    def describe_missing(self) -> str:
        return ", ".join(SITUATION_SLIDE[m] for m in self.missing) or "nothing"


def _filled(value: object) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def demo_readiness(lead: Lead, account: Account | None) -> DemoReadiness:
    """How complete the lead's Situation Slide is (the industry comes from the account)."""
    values = {name: getattr(lead, name, None) for name in SITUATION_SLIDE if name != "industry"}
    values["industry"] = account.industry if account is not None else None
    missing = tuple(name for name in SITUATION_SLIDE if not _filled(values[name]))
    percent = round(100.0 * (len(SITUATION_SLIDE) - len(missing)) / len(SITUATION_SLIDE), 1)
    return DemoReadiness(lead.lead_id, percent, missing)


# Words in a field's name that CRMs use for what sales record after contact (tags,
# quality ratings, scores, the last notable activity): such fields leak the outcome.
POST_CONTACT_WORDS = (
    "tag",
    "tags",
    "quality",
    "profile",
    "score",
    "index",
    "rating",
    "grade",
    "status",
    "stage",
    "notable",
    "outcome",
    "disposition",
    "converted",
    "conversion",
    "won",
    "lost",
    "closed",
    # Phrases (matched as whole words in a column's name): what the last touch was.
    "last activity",
    "last contact",
    "last contacted",
    "last touch",
    "next step",
    "call outcome",
    "call result",
)

# Values that record what sales did, or what happened, after first contact: a column
# holding them (say "SMS Sent", "Had a Phone Conversation", "Unreachable") describes the
# lead's handling, not the lead. Matched as whole words in the cleaned (lower-case) value.
POST_CONTACT_VALUES = (
    "sms sent",
    "phone conversation",
    "unreachable",
    "not reachable",
    "ringing",
    "switched off",
    "called",
    "call back",
    "callback",
    "voicemail",
    "left message",
    "no answer",
    "wrong number",
    "invalid number",
    "not interested",
    "will revert",
    "follow up",
    "followed up",
    "contacted",
    "approached upfront",
    "meeting booked",
    "demo booked",
    "proposal sent",
    "quote sent",
    "converted",
    "closed by",
    "lost to",
)


@dataclass(frozen=True)
class BandThresholds:
    """Floors of Excellent, Good and Risky on a 0-100 score; below Risky is Null."""

    excellent: float
    good: float
    risky: float

    def __post_init__(self) -> None:
        if not (100 >= self.excellent > self.good > self.risky >= 0):
            raise ConfigError(
                "thresholds must fall from excellent to good to risky within 0-100, got "
                f"excellent={self.excellent}, good={self.good}, risky={self.risky}"
            )

    def band(self, score: float) -> Band:
        if score >= self.excellent:
            return Band.EXCELLENT
        if score >= self.good:
            return Band.GOOD
        if score >= self.risky:
            return Band.RISKY
        return Band.NULL


def is_successful_customer(outcome: CustomerOutcome, now: datetime | None = None) -> bool:
    """A customer that stayed and renewed, expanded or agreed to be a reference.

    A customer too young to have renewed counts once it expanded or became a reference;
    one that churned never does (whatever else it did first).
    """
    if outcome.churned_at is not None and (now is None or outcome.churned_at <= now):
        return False
    return bool(outcome.renewed or outcome.expanded or outcome.reference)


@dataclass(frozen=True)
class LeadRecord:
    """A lead with what qualification reads about it and what became of it."""

    lead: Lead
    account: Account | None = None
    contact: Contact | None = None
    owner_team: str | None = None
    deals: int = 0
    won_deals: int = 0
    open_deals: int = 0
    deal_closed_at: datetime | None = None
    customer: CustomerOutcome | None = None
    won_amount: Decimal = Decimal(0)  # the lead's won deals, summed
    won_currency: str | None = None


# A lead that has not become a deal in this long is counted as one that did not convert.
UNCONVERTED_AFTER = timedelta(days=180)
# A customer needs a year (its first renewal) before its success can be judged.
CUSTOMER_MATURITY = timedelta(days=365)


def win_label(record: LeadRecord, now: datetime) -> bool | None:
    """Did the lead become a won deal? None while that is still open.

    Only what happened counts (deals won or lost, time passed without one), never the
    lead's status: a status records a decision (pipefit's own routing among them), and a
    model judged against its own decisions would validate itself."""
    if record.won_deals:
        return True
    if record.open_deals:
        return None
    if record.deals:
        return False
    return False if record.lead.created_at <= now - UNCONVERTED_AFTER else None


def success_label(record: LeadRecord, now: datetime) -> bool | None:
    """Did the lead become a *successful* customer? None until the customer had a year."""
    won = win_label(record, now)
    if won is None or not won:
        return won
    customer = record.customer
    if customer is None:
        return None
    if customer.churned_at is not None and customer.churned_at <= now:
        return False
    if customer.won_at > now - CUSTOMER_MATURITY:
        return None
    return is_successful_customer(customer, now)
