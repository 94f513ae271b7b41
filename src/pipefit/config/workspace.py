"""The workspace: a folder with `pipefit.toml` (what a team edits) and, by default, its database."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from pipefit.config.base import KeyProblem, Strict, describe_errors, first_key
from pipefit.config.compensation import CompensationConfig
from pipefit.config.environment import Settings
from pipefit.config.pipelines import PipelineConfig, SegmentConfig
from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import ConfigError
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.segments import Segmentation, SegmentRule
from pipefit.domain.spiffs import SpiffError, check_spiffs

__all__ = [
    "CONFIG_FILE",
    "DB_FILE",
    "Workspace",
    "WorkspaceConfig",
    "default_config_text",
    "load_workspace",
    "parse_config",
]

CONFIG_FILE = "pipefit.toml"
DB_FILE = "pipefit.db"


class WorkspaceSection(Strict):
    name: str = "pipefit workspace"
    currency: str = Field(default="USD", min_length=3, max_length=3)


class WorkspaceConfig(Strict):
    workspace: WorkspaceSection = Field(default_factory=WorkspaceSection)
    segments: list[SegmentConfig] = Field(min_length=1)
    pipelines: list[PipelineConfig] = Field(min_length=1)
    qualification: QualificationConfig = Field(default_factory=QualificationConfig)
    compensation: CompensationConfig = Field(default_factory=CompensationConfig)

    @model_validator(mode="after")
    def _one_default_pipeline(self) -> WorkspaceConfig:
        defaults = [p.name for p in self.pipelines if p.default]
        if len(defaults) > 1:
            raise KeyProblem("pipelines", f"only one pipeline can be the default, found {defaults}")
        names = [p.name for p in self.pipelines]
        if len(set(names)) != len(names):
            raise KeyProblem("pipelines", f"pipeline names must be unique, found {names}")
        return self

    @model_validator(mode="after")
    def _segments_in_order(self) -> WorkspaceConfig:
        for i in range(1, len(self.segments)):
            before, this = self.segments[i - 1].min_employees, self.segments[i].min_employees
            if this <= before:
                raise KeyProblem(
                    f"segments.{i}.min_employees",
                    f"is {this}, not above the segment before it ({before}): "
                    "min_employees must strictly increase",
                )
        return self

    @model_validator(mode="after")
    def _spiffs_name_known_segments(self) -> WorkspaceConfig:
        names = [s.name for s in self.segments]
        for plan_name, plan in self.compensation.plans.items():
            try:
                check_spiffs(plan_name, plan.to_domain(plan_name).spiffs, segments=names)
            except SpiffError as exc:
                raise KeyProblem(f"compensation.plans.{plan_name}", str(exc)) from None
        return self

    def segmentation(self) -> Segmentation:
        return Segmentation(tuple(SegmentRule(s.name, s.min_employees) for s in self.segments))

    def pipelines_by_name(self) -> dict[str, Pipeline]:
        return {p.name: p.to_domain(self.qualification.demo_ready) for p in self.pipelines}

    @property
    def default_pipeline(self) -> str:
        return next((p.name for p in self.pipelines if p.default), self.pipelines[0].name)


def parse_config(text: str, source: str = CONFIG_FILE) -> WorkspaceConfig:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    try:
        config = WorkspaceConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, source), field=first_key(exc)) from exc
    try:
        config.segmentation()
        config.pipelines_by_name()
    except ConfigError as exc:
        # The sections' own checks should have caught it; still say which file it is in.
        raise ConfigError(f"{source}: {exc}", field=exc.field) from exc
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
            f"no {CONFIG_FILE} in {folder}: run 'pipefit init {folder}' to make it a workspace",
            field="workspace",
        )
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text", field="workspace") from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read it: {exc.strerror or exc}", field="workspace"
        ) from None
    config = parse_config(text, str(path))
    url = database_url or settings.database_url or sqlite_url(folder / DB_FILE)
    return Workspace(folder, config, url)
