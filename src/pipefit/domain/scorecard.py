"""The success-ready scorecard (DOMAIN section 5): parameters, weights, points and bands.

Each parameter reads one thing about a lead (its lane, needs match, culture...), turns
it into 0-100 points (by steps for numbers, by a table for choices), and counts by its
weight. The weighted average is the lead's score; thresholds cut it into Excellent,
Good, Risky and Null. The reasons are the parameters that weighed most towards the band.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from pipefit.domain.errors import ConfigError
from pipefit.domain.lanes import LaneFit
from pipefit.domain.model import ADOPTION_CULTURES, Account, Contact, Lead
from pipefit.domain.qualification import Band, BandThresholds

__all__ = [
    "PARAMETERS",
    "Parameter",
    "ParameterKind",
    "Part",
    "ScoreResult",
    "Scorecard",
    "ScoringInput",
    "score_lead",
]


@dataclass(frozen=True)
class ScoringInput:
    lead: Lead
    account: Account | None
    contact: Contact | None
    lane: LaneFit
    ttv_norm_days: float | None  # our usual time to value for the lead's segment


Value = float | str | None


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _pct(x: object) -> float | None:
    return None if x is None else float(x)  # type: ignore[arg-type]


def _ttv_ratio(i: ScoringInput) -> float | None:
    days = i.lead.expected_ttv_days
    if days is None or not i.ttv_norm_days:
        return None
    return round(days / i.ttv_norm_days, 2)


def _references(i: ScoringInput) -> float | None:
    return None if i.lane.stats is None else round(100 * i.lane.stats.reference_rate, 1)


def _yes_no(yes: str, no: str) -> Callable[[Value, ScoringInput], str]:
    return lambda v, _: yes if v == "yes" else no


@dataclass(frozen=True)
class ParameterKind:
    description: str
    read: Callable[[ScoringInput], Value]
    say: Callable[[Value, ScoringInput], str]
    numeric: bool
    choices: tuple[str, ...] = ()
    # The order DOMAIN section 5 implies for a number: +1 more is better (needs match),
    # -1 less is better (time to value, buying team: bigger is riskier), 0 none.
    better: int = 0


PARAMETERS: dict[str, ParameterKind] = {
    "lane": ParameterKind(
        "the lead's lane (industry x size): ours, adjacent or other, from customer outcomes",
        lambda i: i.lane.kind or None,
        lambda v, i: i.lane.reason,
        numeric=False,
        choices=("ours", "adjacent", "other"),
    ),
    "needs_match": ParameterKind(
        "how much of the lead's needs the product meets, % (50 poor, 70 maybe, 80-90+ good)",
        lambda i: _pct(i.lead.needs_match_pct),
        lambda v, _: f"needs match {v:.0f}%" if v is not None else "needs match unknown",
        numeric=True,
        better=1,
    ),
    "success_criteria_fit": ParameterKind(
        "fit of the lead's own success criteria to our track record, %",
        lambda i: _pct(i.lead.success_criteria_fit_pct),
        lambda v, _: f"success criteria fit {v:.0f}%" if v is not None else "criteria unknown",
        numeric=True,
        better=1,
    ),
    "culture": ParameterKind(
        "the account's place on the adoption curve",
        lambda i: i.account.culture if i.account else None,
        lambda v, _: f"culture: {str(v).replace('_', ' ')}" if v else "culture unknown",
        numeric=False,
        choices=ADOPTION_CULTURES,
    ),
    "buying_team": ParameterKind(
        "size of the buying team (bigger is riskier)",
        lambda i: None if i.lead.buying_team_size is None else float(i.lead.buying_team_size),
        lambda v, _: f"buying team of {v:.0f}" if v is not None else "buying team unknown",
        numeric=True,
        better=-1,
    ),
    "executive_contact": ParameterKind(
        "the contact is an executive",
        lambda i: _flag(i.contact.is_executive) if i.contact else None,
        _yes_no("contact is an executive", "contact is not an executive"),
        numeric=False,
        choices=("yes", "no"),
    ),
    "former_user": ParameterKind(
        "the contact used the product at a former company",
        lambda i: _flag(i.contact.former_user) if i.contact else None,
        _yes_no("contact used the product before", "contact never used the product"),
        numeric=False,
        choices=("yes", "no"),
    ),
    "referral": ParameterKind(
        "referred by a current customer",
        lambda i: _flag(i.lead.referral),
        _yes_no("referred by a customer", "not referred"),
        numeric=False,
        choices=("yes", "no"),
    ),
    "similar_experience": ParameterKind(
        "has implemented similar software before",
        lambda i: _flag(i.lead.similar_experience),
        _yes_no("has implemented similar software", "never implemented similar software"),
        numeric=False,
        choices=("yes", "no"),
    ),
    "time_to_value": ParameterKind(
        "expected time to value over our usual for the segment (1.0 = our norm)",
        _ttv_ratio,
        lambda v, i: (
            f"expected time to value {i.lead.expected_ttv_days} days vs our usual "
            f"{i.ttv_norm_days:.0f}"
            if v is not None and i.ttv_norm_days
            else "time to value unknown"
        ),
        numeric=True,
        better=-1,
    ),
    "references": ParameterKind(
        "share of customers in the lead's lane who agreed to be references, %",
        _references,
        lambda v, i: (
            f"{v:.0f}% of customers in lane '{i.lane.lane}' are references"
            if v is not None
            else "no references in its lane yet"
        ),
        numeric=True,
        better=1,
    ),
}


@dataclass(frozen=True)
class Parameter:
    """`steps` (for numbers): (from, points) pairs, from rising; `points` (for choices)."""

    name: str
    weight: float
    steps: tuple[tuple[float, float], ...] = ()
    points: Mapping[str, float] = field(default_factory=dict)
    missing: float = 0.0
    other: float = 0.0  # points for a choice the table does not list

    def __post_init__(self) -> None:
        kind = PARAMETERS.get(self.name)
        if kind is None:
            raise ConfigError(
                f"unknown parameter '{self.name}'; known: {', '.join(sorted(PARAMETERS))}"
            )
        if self.weight < 0:
            raise ConfigError(f"parameter '{self.name}': weight must be >= 0, got {self.weight}")
        if kind.numeric:
            if not self.steps or self.points:
                raise ConfigError(f"parameter '{self.name}' is a number: give it 'steps'")
            starts = [s for s, _ in self.steps]
            if starts != sorted(starts) or len(set(starts)) != len(starts):
                raise ConfigError(f"parameter '{self.name}': steps must rise, got from = {starts}")
        else:
            if not self.points or self.steps:
                raise ConfigError(f"parameter '{self.name}' is a choice: give it 'points'")
            unknown = sorted(set(self.points) - set(kind.choices))
            if unknown:
                raise ConfigError(
                    f"parameter '{self.name}': unknown choice(s) {', '.join(unknown)}; "
                    f"choices: {', '.join(kind.choices)}"
                )
        for value in (*[p for _, p in self.steps], *self.points.values(), self.missing):
            if not 0 <= value <= 100:
                raise ConfigError(f"parameter '{self.name}': points must be 0-100, got {value}")

    def score(self, value: Value) -> float:
        if value is None:
            return self.missing
        if self.steps:
            reached = [p for start, p in self.steps if float(value) >= start]
            return reached[-1] if reached else 0.0
        return self.points.get(str(value), self.other)


@dataclass(frozen=True)
class Part:
    name: str
    value: Value
    points: float
    weight: float
    phrase: str


@dataclass(frozen=True)
class ScoreResult:
    score: float  # 0-100
    band: Band
    parts: tuple[Part, ...]
    reasons: tuple[str, ...]

    def summary(self) -> str:
        return f"{self.band}: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class Scorecard:
    parameters: tuple[Parameter, ...]
    thresholds: BandThresholds

    def __post_init__(self) -> None:
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ConfigError(f"each scorecard parameter may appear once, got {names}")
        if not any(p.weight > 0 for p in self.parameters):
            raise ConfigError("the scorecard needs at least one parameter with a weight above 0")


def score_lead(card: Scorecard, data: ScoringInput, *, top: int = 3) -> ScoreResult:
    parts = []
    for p in card.parameters:
        kind = PARAMETERS[p.name]
        value = kind.read(data)
        parts.append(Part(p.name, value, p.score(value), p.weight, kind.say(value, data)))
    total_weight = sum(p.weight for p in parts)
    score = round(sum(p.points * p.weight for p in parts) / total_weight, 1)
    band = card.thresholds.band(score)
    good = band in (Band.EXCELLENT, Band.GOOD)
    # The reasons are the parts that pulled the score hardest towards its band.
    ranked = sorted(
        (p for p in parts if p.weight > 0),
        key=lambda p: p.weight * (p.points - 50) * (-1 if good else 1),
    )
    return ScoreResult(score, band, tuple(parts), tuple(p.phrase for p in ranked[:top]))


def parameter_names(card: Scorecard) -> Sequence[str]:
    return [p.name for p in card.parameters]
