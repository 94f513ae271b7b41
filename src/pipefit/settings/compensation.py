"""The `[compensation]` section of pipefit.toml: plans, pools, credit and capacity norms."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["CompensationConfig"]


class CompensationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
