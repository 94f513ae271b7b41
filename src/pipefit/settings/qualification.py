"""The `[qualification]` section of pipefit.toml: BANT, demo-ready and success-ready settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["QualificationConfig"]


class QualificationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
