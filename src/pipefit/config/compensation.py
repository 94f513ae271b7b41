"""The `[compensation]` section of pipefit.toml: plans, pools, credit and capacity norms.

Without a `[compensation]` section a workspace still pays its people: the defaults below
are the article's (DOMAIN sections 1-2): a rep plan with an accelerator above 100%, a
presales plan that stays linear past 100%, 1:10 and 1:5 capacity norms.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from pipefit.config.base import KeyProblem, Strict, describe_errors, first_key
from pipefit.domain.capacity import Norm
from pipefit.domain.credit import CurrencyRates
from pipefit.domain.errors import ConfigError
from pipefit.domain.money import RoundingRule
from pipefit.domain.planning import Assumptions
from pipefit.domain.plans import (
    AttainmentBasis,
    Draw,
    PayFrequency,
    Plan,
    PlanError,
    Tier,
    TierMode,
)
from pipefit.domain.quotas import QuotaError, Ramp
from pipefit.domain.spiffs import Spiff, SpiffError, SpiffKind, check_spiffs
from pipefit.domain.workload import WorkloadLimits

__all__ = [
    "CapacityConfig",
    "CompensationConfig",
    "PlanConfig",
    "load_plan_file",
]


class TierConfig(Strict):
    start: Decimal = Field(alias="from", description="attainment % where the tier starts")
    end: Decimal | None = Field(default=None, alias="to", description="where it ends")
    rate: Decimal = Field(description="multiple of the on-target rate")


class DrawConfig(Strict):
    monthly: Decimal
    recoverable: bool = True
    months: int | None = None


class SpiffConfig(Strict):
    """A SPIFF or bonus of a plan (domain/spiffs.py); which keys it reads depends on `kind`."""

    kind: Literal["per_deal", "rate_uplift", "team_bonus"]
    start: date
    end: date
    description: str = ""
    amount: Decimal | None = None
    uplift_pct: Decimal | None = None
    target: Decimal | None = None
    group: Literal["team", "pool"] = "team"
    split: Literal["each", "equal"] = "each"
    segments: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    deal_type: Literal["any", "new_logo", "expansion"] = "any"
    min_amount: Decimal | None = None
    cap_per_period: Decimal | None = None
    cap_total: Decimal | None = None

    def to_domain(self, name: str) -> Spiff:
        return Spiff(
            name=name,
            kind=SpiffKind(self.kind),
            start=self.start,
            end=self.end,
            amount=self.amount,
            uplift_pct=self.uplift_pct,
            target=self.target,
            group=self.group,
            split=self.split,
            segments=tuple(self.segments),
            products=tuple(self.products),
            deal_type=self.deal_type,
            min_amount=self.min_amount,
            cap_per_period=self.cap_per_period,
            cap_total=self.cap_total,
            description=self.description,
        )


class PlanConfig(Strict):
    description: str = ""
    base_salary: Decimal | None = None
    variable_target: Decimal | None = None
    tier_mode: TierMode = TierMode.MARGINAL
    attainment: AttainmentBasis = AttainmentBasis.PERIOD
    tiers: list[TierConfig] = Field(min_length=1)
    cap_pct: Decimal | None = None
    clawback_days: int | None = None
    draw: DrawConfig | None = None
    allow_decreasing: bool = False
    presales_credit: Literal["pool", "deal"] = "pool"
    spiffs: dict[str, SpiffConfig] = Field(default_factory=dict)
    pay_frequency: PayFrequency = PayFrequency.QUARTERLY
    true_up: bool = False

    def to_domain(self, name: str) -> Plan:
        return Plan(
            name=name,
            tiers=tuple(Tier(t.start, t.end, t.rate) for t in self.tiers),
            mode=self.tier_mode,
            base_salary=self.base_salary,
            variable_target=self.variable_target,
            cap_pct=self.cap_pct,
            attainment=self.attainment,
            clawback_days=self.clawback_days,
            draw=Draw(self.draw.monthly, self.draw.recoverable, self.draw.months)
            if self.draw
            else None,
            allow_decreasing=self.allow_decreasing,
            description=self.description,
            spiffs=tuple(spiff.to_domain(key) for key, spiff in self.spiffs.items()),
            presales_credit=self.presales_credit,
            pay_frequency=self.pay_frequency,
            true_up=self.true_up,
        )


def _tiers(*rows: tuple[int, int | None, str]) -> list[TierConfig]:
    return [TierConfig.model_validate({"from": a, "to": b, "rate": Decimal(r)}) for a, b, r in rows]


def _default_plans() -> dict[str, PlanConfig]:
    return {
        "rep-standard": PlanConfig(
            description="Sales rep: 50/50 pay mix; decelerator below 50%, accelerator above 100%",
            base_salary=Decimal(120000),
            variable_target=Decimal(120000),
            # 0.5 x 50 + 1.5 x 50 = 100: the full target is paid at exactly 100%.
            tiers=_tiers((0, 50, "0.5"), (50, 100, "1.5"), (100, None, "2")),
            cap_pct=Decimal(300),
            clawback_days=90,
        ),
        "presales-standard": PlanConfig(
            description="Presales: 75/25 pay mix on the pool's street quota; linear past 100%",
            base_salary=Decimal(120000),
            variable_target=Decimal(40000),
            tiers=_tiers((0, None, "1")),
            cap_pct=Decimal(200),
        ),
    }


class NormConfig(Strict):
    name: str
    reps_per_presales: Decimal = Field(gt=0)
    gain: Decimal = Field(ge=0)
    acv_min: Decimal | None = None
    acv_max: Decimal | None = None
    source: str = ""


def _default_norms() -> list[NormConfig]:
    return [
        NormConfig(
            name="high volume, low value",
            acv_min=Decimal(10000),
            acv_max=Decimal(50000),
            reps_per_presales=Decimal(10),
            gain=Decimal("0.05"),
            source="the article",
        ),
        NormConfig(
            name="medium volume, medium value",
            acv_min=Decimal(51000),
            acv_max=Decimal(100000),
            reps_per_presales=Decimal(5),
            gain=Decimal("0.10"),
            source="the article",
        ),
        NormConfig(
            name="low volume, high value",
            acv_min=Decimal(100001),
            reps_per_presales=Decimal(3),
            gain=Decimal("0.10"),
            source="pipefit's assumption, not the article's",
        ),
    ]


class CapacityConfig(Strict):
    default_gain: Decimal = Field(default=Decimal("0.05"), ge=0)
    norms: list[NormConfig] = Field(default_factory=_default_norms)
    max_open_deals: int = Field(default=40, ge=0)
    max_meetings_per_week: Decimal = Field(default=Decimal(12), ge=0)
    meeting_kinds: list[str] = Field(default_factory=lambda: ["demo_held", "technical_discussion"])
    workload_weeks: int = Field(default=4, ge=1)
    # The McKinsey survey as the article cites it: the default assumptions for planning.
    revenue_gain_pct: tuple[Decimal, Decimal] = (Decimal(6), Decimal(13))
    conversion_points: Decimal = Decimal(5)
    velocity_gain_pct: tuple[Decimal, Decimal] = (Decimal(10), Decimal(20))
    presales_ramp_months: int = Field(default=3, ge=0)
    enablement_cost_per_presales: Decimal = Field(default=Decimal(5000), ge=0)

    def norms_domain(self) -> list[Norm]:
        return [
            Norm(n.name, n.reps_per_presales, n.gain, n.acv_min, n.acv_max, n.source)
            for n in self.norms
        ]

    def limits(self) -> WorkloadLimits:
        return WorkloadLimits(self.max_open_deals, self.max_meetings_per_week)

    def assumptions(self, *, gain: Decimal, reps_per_presales: Decimal, ramp: Ramp) -> Assumptions:
        return Assumptions(
            gain=gain,
            reps_per_presales=reps_per_presales,
            revenue_gain=(self.revenue_gain_pct[0] / 100, self.revenue_gain_pct[1] / 100),
            conversion_points=self.conversion_points,
            velocity_gain=(self.velocity_gain_pct[0] / 100, self.velocity_gain_pct[1] / 100),
            rep_ramp=ramp,
            presales_ramp_months=self.presales_ramp_months,
            enablement_cost_per_presales=self.enablement_cost_per_presales,
        )


class CompensationConfig(Strict):
    rounding: Literal["half_even", "half_up", "down", "up", "floor", "ceiling"] = "half_even"
    rounding_step: Decimal = Field(default=Decimal("0.01"), gt=0)
    ramp_months: list[Decimal] = Field(default_factory=lambda: [Decimal(50), Decimal(75)])
    default_discount_pct: Decimal = Field(default=Decimal(10), ge=0, lt=100)
    roles: dict[str, str] = Field(
        default_factory=lambda: {"sales_rep": "rep-standard", "presales": "presales-standard"}
    )
    assignments: dict[str, str] = Field(default_factory=dict)
    rates: dict[str, Decimal] = Field(default_factory=dict)
    # The products a SPIFF's conditions may name (the values of the deals' product field).
    products: list[str] = Field(default_factory=list)
    plans: dict[str, PlanConfig] = Field(default_factory=_default_plans)
    capacity: CapacityConfig = Field(default_factory=CapacityConfig)

    @model_validator(mode="after")
    def _plans_are_sound(self) -> CompensationConfig:
        for name, plan in self.plans.items():
            try:
                plan.to_domain(name)
            except PlanError as exc:
                raise KeyProblem(f"plans.{name}", str(exc)) from None
            try:
                check_spiffs(name, plan.to_domain(name).spiffs, products=self.products)
            except SpiffError as exc:
                raise KeyProblem(f"plans.{name}", str(exc)) from None
        known = ", ".join(self.plans) or "none"
        for table, mapping in (("roles", self.roles), ("assignments", self.assignments)):
            for who, plan_name in mapping.items():
                if plan_name not in self.plans:
                    raise KeyProblem(
                        f"{table}.{who}", f"no plan named '{plan_name}' (plans: {known})"
                    )
        for role in self.roles:
            if role not in ("sales_rep", "presales", "manager", "admin"):
                raise KeyProblem(
                    f"roles.{role}", "not a role (sales_rep, presales, manager, admin)"
                )
        for currency, rate in self.rates.items():
            if len(currency) != 3 or rate <= 0:
                raise KeyProblem(
                    f"rates.{currency}",
                    f"give a 3-letter currency and a rate above 0, got {rate}",
                )
        for i, pct in enumerate(self.ramp_months):
            if not 0 <= pct <= 100:
                raise KeyProblem(
                    f"ramp_months.{i}",
                    f"is {pct}; a ramp is a percentage of the full quota, between 0 and 100",
                )
        try:
            Ramp(tuple(self.ramp_months))
        except QuotaError as exc:
            raise KeyProblem("ramp_months", str(exc)) from None
        return self

    def rule(self) -> RoundingRule:
        return RoundingRule(self.rounding_step, self.rounding)

    def ramp(self) -> Ramp:
        return Ramp(tuple(self.ramp_months))

    def currency_rates(self, base: str) -> CurrencyRates:
        return CurrencyRates(base, {k.upper(): v for k, v in self.rates.items()})

    def plans_domain(self) -> dict[str, Plan]:
        return {name: plan.to_domain(name) for name, plan in self.plans.items()}

    def plan_name_for(self, person_id: str, role: str) -> str | None:
        return self.assignments.get(person_id) or self.roles.get(role)


def load_plan_file(path: Path) -> Plan:
    """A plan on its own (`pipefit comp calc --plan FILE`): the plan's keys at top level."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such plan file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a plan file (not UTF-8 text)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    name = str(data.pop("name", path.stem))
    try:
        config = PlanConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            describe_errors(exc, str(path), prefix=f"plan '{name}': "), field=first_key(exc)
        ) from exc
    try:
        return config.to_domain(name)
    except PlanError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
