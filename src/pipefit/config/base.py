"""The one base of every `pipefit.toml` section, and how validation errors name their key."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["KeyProblem", "Strict", "describe_errors", "first_key", "problems"]


class Strict(BaseModel):
    """Unknown keys are refused (a typo must not be ignored); loaded sections never change.

    `populate_by_name` lets a key with an alias (a plan tier's `from`) also be given by its
    Python name, as the code builds sections itself in tests and defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class KeyProblem(ValueError):
    """A problem a section's own check finds, with the key below the section that holds it.

    Raised inside a model validator, pydantic can only place it at the section itself
    (`compensation`); `key` (`"roles.sales_rep"`) lets the message point at the very key
    (`compensation.roles.sales_rep`)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


_PYDANTIC_PREFIX = "Value error, "


def problems(error: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """Each problem as (key path, message): `("compensation.plans.rep.tiers.0.rate", ...)`."""
    found = []
    for err in error.errors():
        parts = [str(p) for p in err["loc"]]
        message = err["msg"]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, KeyProblem):
            parts += cause.key.split(".")
            message = cause.problem
        elif message.startswith(_PYDANTIC_PREFIX):
            message = message[len(_PYDANTIC_PREFIX) :]
        value = err.get("input")
        if not isinstance(value, dict | list):
            message += f" (got {value!r})"
        found.append((prefix + (".".join(parts) or "(top level)"), message))
    return found


def describe_errors(error: ValidationError, source: str, prefix: str = "") -> str:
    """One line per problem: `pipefit.toml: compensation.plans.rep.tiers.0.rate: ... (got 'x')`."""
    return "; ".join(f"{source}: {key}: {message}" for key, message in problems(error, prefix))


def first_key(error: ValidationError) -> str | None:
    """The key of the first problem, as the error's `field` (the input it is about)."""
    found = problems(error)
    return found[0][0] if found else None
