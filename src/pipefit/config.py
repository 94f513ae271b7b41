"""The workspace: `pipefit.toml` (what a team edits) and settings from the environment."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipefit.domain.errors import ConfigError
from pipefit.domain.model import Category
from pipefit.domain.pipeline import LEAD_DEMO_READY, Pipeline, Requirement, Stage
from pipefit.domain.segments import Segmentation, SegmentRule
from pipefit.settings.compensation import CompensationConfig
from pipefit.settings.qualification import DemoReadyConfig, QualificationConfig

__all__ = [
    "CONFIG_FILE",
    "DB_FILE",
    "Settings",
    "Workspace",
    "WorkspaceConfig",
    "default_config_text",
    "load_workspace",
]

CONFIG_FILE = "pipefit.toml"
DB_FILE = "pipefit.db"


class Settings(BaseSettings):
    """Read from the environment: where the workspace and the database are."""

    model_config = SettingsConfigDict(env_prefix="PIPEFIT_")

    workspace: Path = Path(".")
    database_url: str | None = None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequirementConfig(_Strict):
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


class StageConfig(_Strict):
    name: str = Field(min_length=1)
    category: Category = Category.OPEN
    description: str = ""
    entry: list[RequirementConfig] = Field(default_factory=list)
    exit: list[RequirementConfig] = Field(default_factory=list)
    substates: list[str] = Field(default_factory=list)


class PipelineConfig(_Strict):
    name: str = Field(min_length=1)
    default: bool = False
    stages: list[StageConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _won_and_lost_stages(self) -> PipelineConfig:
        categories = {s.category for s in self.stages}
        for needed in (Category.OPEN, Category.WON, Category.LOST):
            if needed not in categories:
                raise ValueError(f"pipeline '{self.name}' needs a stage of category '{needed}'")
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


class SegmentConfig(_Strict):
    name: str = Field(min_length=1)
    min_employees: int = Field(ge=0)


class WorkspaceSection(_Strict):
    name: str = "pipefit workspace"
    currency: str = Field(default="USD", min_length=3, max_length=3)


class WorkspaceConfig(_Strict):
    workspace: WorkspaceSection = Field(default_factory=WorkspaceSection)
    segments: list[SegmentConfig] = Field(min_length=1)
    pipelines: list[PipelineConfig] = Field(min_length=1)
    qualification: QualificationConfig = Field(default_factory=QualificationConfig)
    compensation: CompensationConfig = Field(default_factory=CompensationConfig)

    @model_validator(mode="after")
    def _one_default_pipeline(self) -> WorkspaceConfig:
        defaults = [p.name for p in self.pipelines if p.default]
        if len(defaults) > 1:
            raise ValueError(f"only one pipeline can be the default, found {defaults}")
        names = [p.name for p in self.pipelines]
        if len(set(names)) != len(names):
            raise ValueError(f"pipeline names must be unique, found {names}")
        return self

    def segmentation(self) -> Segmentation:
        return Segmentation(tuple(SegmentRule(s.name, s.min_employees) for s in self.segments))

    def pipelines_by_name(self) -> dict[str, Pipeline]:
        return {p.name: p.to_domain(self.qualification.demo_ready) for p in self.pipelines}

    @property
    def default_pipeline(self) -> str:
        return next((p.name for p in self.pipelines if p.default), self.pipelines[0].name)


def _describe(error: ValidationError, source: str) -> str:
    lines = []
    for err in error.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        value = err.get("input")
        shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
        lines.append(f"{source}: {key}: {err['msg']}{shown}")
    return "; ".join(lines)


def parse_config(text: str, source: str = CONFIG_FILE) -> WorkspaceConfig:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    try:
        config = WorkspaceConfig.model_validate(data)
        config.segmentation()
        config.pipelines_by_name()
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from exc
    return config


def default_config_text() -> str:
    return resources.files("pipefit").joinpath("default_pipefit.toml").read_text("utf-8")


class Workspace:
    """A folder holding `pipefit.toml` and, by default, the SQLite database beside it."""

    def __init__(self, root: Path, config: WorkspaceConfig, database_url: str) -> None:
        self.root = root
        self.config = config
        self.database_url = database_url

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def load_workspace(root: Path | None = None, database_url: str | None = None) -> Workspace:
    settings = Settings()
    folder = (root or settings.workspace).resolve()
    path = folder / CONFIG_FILE
    if not path.exists():
        raise ConfigError(
            f"no {CONFIG_FILE} in {folder}: run 'pipefit init {folder}' or pass --workspace"
        )
    config = parse_config(path.read_text("utf-8"), str(path))
    url = database_url or settings.database_url or sqlite_url(folder / DB_FILE)
    return Workspace(folder, config, url)
