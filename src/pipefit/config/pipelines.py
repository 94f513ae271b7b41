"""The `[[pipelines]]` and `[[segments]]` sections: stages, triggers, sub-states, size bands."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipefit.config.base import KeyProblem, Strict
from pipefit.config.qualification import DemoReadyConfig
from pipefit.domain.model import Category
from pipefit.domain.pipeline import LEAD_DEMO_READY, Pipeline, Requirement, Stage

__all__ = ["PipelineConfig", "RequirementConfig", "SegmentConfig", "StageConfig"]


class RequirementConfig(Strict):
    kind: str = ""
    purpose: str | None = None
    by: Literal["prospect", "rep", "presales"] | None = None
    label: str | None = None
    any_of: list[RequirementConfig] = Field(default_factory=list)
    # { demo_ready_min = 80 }: the deal's lead must be demo-ready, its Situation Slide at
    # least this % complete; { kind = "lead_demo_ready" } uses [qualification.demo_ready].
    demo_ready_min: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _kind_or_alternatives(self) -> RequirementConfig:
        if not self.kind and not self.any_of and self.demo_ready_min is None:
            raise ValueError("a requirement needs a 'kind', 'any_of' or 'demo_ready_min'")
        if self.demo_ready_min is not None and self.kind not in ("", LEAD_DEMO_READY):
            raise ValueError(
                f"'demo_ready_min' asks for a demo-ready lead; it cannot go with kind '{self.kind}'"
            )
        return self

    def to_domain(self, demo_ready: DemoReadyConfig | None = None) -> Requirement:
        ready = demo_ready or DemoReadyConfig()
        if self.demo_ready_min is not None or self.kind == LEAD_DEMO_READY:
            return Requirement(
                kind=LEAD_DEMO_READY,
                label=self.label,
                demo_ready_min=(
                    self.demo_ready_min if self.demo_ready_min is not None else ready.min_pct
                ),
                demo_ready_fields=tuple(ready.required),
            )
        return Requirement(
            kind=self.kind,
            purpose=self.purpose,
            by=self.by,
            label=self.label,
            any_of=tuple(r.to_domain(demo_ready) for r in self.any_of),
        )


class StageConfig(Strict):
    name: str = Field(min_length=1)
    category: Category = Category.OPEN
    description: str = ""
    entry: list[RequirementConfig] = Field(default_factory=list)
    exit: list[RequirementConfig] = Field(default_factory=list)
    substates: list[str] = Field(default_factory=list)
    # Where the forecast counts the stage's deals; None: by its rank among the open
    # stages (domain.metrics.forecast.default_category), won stages closed.
    forecast_category: Literal["pipeline", "best_case", "commit", "closed", "omitted"] | None = None

    @model_validator(mode="after")
    def _closed_is_won(self) -> StageConfig:
        if (self.forecast_category == "closed") != (
            self.category == Category.WON and self.forecast_category is not None
        ):
            raise ValueError(
                "only a won stage is in the forecast category 'closed', and a won stage "
                "is in no other"
            )
        return self


class PipelineConfig(Strict):
    name: str = Field(min_length=1)
    default: bool = False
    stages: list[StageConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _won_and_lost_stages(self) -> PipelineConfig:
        categories = {s.category for s in self.stages}
        for needed in (Category.OPEN, Category.WON, Category.LOST):
            if needed not in categories:
                raise ValueError(f"pipeline '{self.name}' needs a stage of category '{needed}'")
        seen: set[str] = set()
        for i, stage in enumerate(self.stages):
            if stage.name.casefold() in seen:
                raise KeyProblem(
                    f"stages.{i}.name", f"stage '{stage.name}' appears twice in '{self.name}'"
                )
            seen.add(stage.name.casefold())
        return self

    def to_domain(self, demo_ready: DemoReadyConfig | None = None) -> Pipeline:
        return Pipeline(
            name=self.name,
            stages=tuple(
                Stage(
                    name=s.name,
                    category=s.category,
                    entry=tuple(r.to_domain(demo_ready) for r in s.entry),
                    exit=tuple(r.to_domain(demo_ready) for r in s.exit),
                    substates=tuple(s.substates),
                    description=s.description,
                )
                for s in self.stages
            ),
        )


class SegmentConfig(Strict):
    name: str = Field(min_length=1)
    min_employees: int = Field(ge=0)
