"""The one base of every `pipefit.toml` section, and how validation errors name their key."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["Strict", "describe_errors"]


class Strict(BaseModel):
    """Unknown keys are refused (a typo must not be ignored); loaded sections never change.

    `populate_by_name` lets a key with an alias (a plan tier's `from`) also be given by its
    Python name, as the code builds sections itself in tests and defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def describe_errors(error: ValidationError, source: str, prefix: str = "") -> str:
    """One line per problem: `pipefit.toml: compensation.plans.rep.tiers.0.rate: ... (got 'x')`."""
    lines = []
    for err in error.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        value = err.get("input")
        shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
        lines.append(f"{source}: {prefix}{key}: {err['msg']}{shown}")
    return "; ".join(lines)
