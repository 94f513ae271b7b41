"""The `[qualification]` section of pipefit.toml: BANT, demo-ready and success-ready settings.

Defaults here equal the commented defaults in default_pipefit.toml (a test keeps them
equal), so a workspace written before this section existed behaves like a new one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipefit.config.base import KeyProblem, Strict
from pipefit.domain.errors import ConfigError
from pipefit.domain.qualification import (
    POST_CONTACT_VALUES,
    POST_CONTACT_WORDS,
    SITUATION_SLIDE,
    Band,
    BandThresholds,
)
from pipefit.domain.routing import ASSIGN_RULES, Assignment, RoutingRule
from pipefit.domain.scorecard import Parameter, Scorecard

__all__ = ["QualificationConfig"]


Criterion = Literal["budget", "authority", "need", "timeline"]


def _all_criteria() -> list[Criterion]:
    return ["budget", "authority", "need", "timeline"]


class BantConfig(Strict):
    required: list[Criterion] = Field(default_factory=_all_criteria)


class DemoReadyConfig(Strict):
    min_pct: float = Field(default=85.0, ge=0, le=100)
    required: list[str] = Field(default_factory=lambda: ["value_realization_events"])

    @model_validator(mode="after")
    def _known_fields(self) -> DemoReadyConfig:
        unknown = sorted(set(self.required) - set(SITUATION_SLIDE))
        if unknown:
            raise KeyProblem(
                "required",
                f"unknown Situation Slide field(s) {', '.join(unknown)}; "
                f"fields: {', '.join(SITUATION_SLIDE)}",
            )
        return self


class StepConfig(Strict):
    at_least: float
    points: float


class ParameterConfig(Strict):
    name: str
    weight: float
    steps: list[StepConfig] = Field(default_factory=list)
    points: dict[str, float] = Field(default_factory=dict)
    missing: float = 0.0
    other: float = 0.0

    @model_validator(mode="after")
    def _valid(self) -> ParameterConfig:
        try:
            self.to_domain()
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return self

    def to_domain(self) -> Parameter:
        return Parameter(
            name=self.name,
            weight=self.weight,
            steps=tuple((s.at_least, s.points) for s in self.steps),
            points=dict(self.points),
            missing=self.missing,
            other=self.other,
        )


class ThresholdsConfig(Strict):
    excellent: float
    good: float
    risky: float

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsConfig:
        try:
            self.to_domain()
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return self

    def to_domain(self) -> BandThresholds:
        return BandThresholds(self.excellent, self.good, self.risky)


def _steps(*pairs: tuple[float, float]) -> list[StepConfig]:
    return [StepConfig(at_least=a, points=p) for a, p in pairs]


def _default_parameters() -> list[ParameterConfig]:
    yes_no = {"yes": 100.0, "no": 30.0}
    return [
        ParameterConfig(
            name="needs_match",
            weight=25,
            steps=_steps((0, 0), (50, 20), (70, 55), (80, 85), (90, 100)),
            missing=30,
        ),
        ParameterConfig(
            name="success_criteria_fit",
            weight=10,
            steps=_steps((0, 0), (50, 30), (65, 60), (80, 90), (90, 100)),
            missing=30,
        ),
        ParameterConfig(
            name="lane",
            weight=15,
            points={"ours": 100, "adjacent": 50, "other": 10},
            missing=40,
        ),
        ParameterConfig(
            name="culture",
            weight=10,
            points={
                "innovator": 100,
                "early_adopter": 85,
                "early_majority": 55,
                "late_majority": 25,
                "laggard": 0,
            },
            missing=40,
        ),
        ParameterConfig(name="former_user", weight=8, points=yes_no, missing=30),
        ParameterConfig(name="referral", weight=8, points=yes_no, missing=30),
        ParameterConfig(
            name="executive_contact", weight=6, points={"yes": 100, "no": 40}, missing=40
        ),
        ParameterConfig(
            name="similar_experience", weight=5, points={"yes": 100, "no": 40}, missing=40
        ),
        ParameterConfig(
            name="buying_team",
            weight=5,
            steps=_steps((0, 100), (4, 70), (7, 40), (11, 10)),
            missing=50,
        ),
        ParameterConfig(
            name="time_to_value",
            weight=8,
            steps=_steps((0, 100), (0.8, 85), (1.2, 55), (1.6, 25), (2.5, 0)),
            missing=40,
        ),
        ParameterConfig(
            name="references",
            weight=4,
            steps=_steps((0, 0), (20, 40), (35, 70), (50, 100)),
            missing=40,
        ),
    ]


class ScorecardConfig(Strict):
    thresholds: ThresholdsConfig = Field(
        default_factory=lambda: ThresholdsConfig(excellent=72, good=58, risky=44)
    )
    min_lane_customers: int = Field(default=5, ge=1)
    parameters: list[ParameterConfig] = Field(default_factory=_default_parameters, min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> ScorecardConfig:
        try:
            self.to_domain()
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return self

    def to_domain(self) -> Scorecard:
        return Scorecard(tuple(p.to_domain() for p in self.parameters), self.thresholds.to_domain())


class BandOddsConfig(Strict):
    """Floors of the learned-score bands as multiples of the average lead's odds."""

    excellent: float = Field(default=4.0, gt=0)
    good: float = Field(default=1.0, gt=0)
    risky: float = Field(default=0.25, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> BandOddsConfig:
        if not self.excellent > self.good > self.risky:
            raise ValueError(
                "band odds must fall from excellent to good to risky, got "
                f"{self.excellent}, {self.good}, {self.risky}"
            )
        return self


class LeaksConfig(Strict):
    post_contact_words: list[str] = Field(default_factory=lambda: list(POST_CONTACT_WORDS))
    post_contact_values: list[str] = Field(default_factory=lambda: list(POST_CONTACT_VALUES))
    # A column is flagged by its values when post-contact values fill this share of its rows.
    post_contact_value_share: float = Field(default=0.01, gt=0.0, le=1.0)
    almost_perfect_auc: float = Field(default=0.9, gt=0.5, le=1.0)


class RuleConfig(Strict):
    band: Band
    decision: Literal["handoff", "nurture", "disqualify"]
    team: str | None = None
    nurture_days: int = Field(default=90, ge=1)
    reason: str | None = None

    def to_domain(self) -> RoutingRule:
        return RoutingRule(self.band, self.decision, self.team, self.nurture_days, self.reason)


def _default_rules() -> list[RuleConfig]:
    return [
        RuleConfig(band=Band.EXCELLENT, decision="handoff"),
        RuleConfig(band=Band.GOOD, decision="handoff"),
        RuleConfig(band=Band.RISKY, decision="nurture", nurture_days=90),
        RuleConfig(band=Band.NULL, decision="disqualify", reason="poor fit: below the Risky bar"),
    ]


class RoutingConfig(Strict):
    route_by: Literal["scorecard", "p_success", "p_win"] = "scorecard"
    assign: str = "segment_and_load"
    load_days: int = Field(default=90, ge=1)
    # The sample company's teams; a workspace lists its own (default_pipefit.toml says so).
    segment_teams: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "enterprise": ["team-001"],
            "smb": ["team-002"],
            "small": ["team-002"],
        }
    )
    qualify_statuses: list[str] = Field(default_factory=lambda: ["new", "working"])
    rules: list[RuleConfig] = Field(default_factory=_default_rules, min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> RoutingConfig:
        if self.assign not in ASSIGN_RULES:
            raise KeyProblem(
                "assign", f"must be one of {', '.join(ASSIGN_RULES)}, got '{self.assign}'"
            )
        general = {r.band for r in self.rules if r.team is None}
        missing = [b.value for b in Band if b not in general]
        if missing:
            raise KeyProblem(
                "rules", f"need a rule for every band without a team; missing: {missing}"
            )
        return self

    def assignment(self) -> Assignment:
        return Assignment(self.assign, {k: tuple(v) for k, v in self.segment_teams.items()})

    def domain_rules(self) -> list[RoutingRule]:
        return [r.to_domain() for r in self.rules]


class QualificationConfig(Strict):
    bant: BantConfig = Field(default_factory=BantConfig)
    demo_ready: DemoReadyConfig = Field(default_factory=DemoReadyConfig)
    scorecard: ScorecardConfig = Field(default_factory=ScorecardConfig)
    learned_bands: BandOddsConfig = Field(default_factory=BandOddsConfig)
    leaks: LeaksConfig = Field(default_factory=LeaksConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
