"""The errors the domain raises; every entry point turns them into a one-line reason."""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConflictError",
    "GateRefused",
    "NotFound",
    "PipefitError",
]


class PipefitError(Exception):
    """Base of every error pipefit reports to a user as a one-line reason.

    The message speaks the domain, never one entry point's vocabulary (no command-line
    flag, no URL). `field` names the input the error is about, as a dotted domain name
    (`"reason"`, `"override.by"`, `"plan.reps"`): each entry point maps it to its own words
    (the CLI to a flag, the API to a JSON field).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConfigError(PipefitError):
    """The workspace configuration is invalid; the message names the key."""


class NotFound(PipefitError):
    """A record the user named does not exist."""


class GateRefused(PipefitError):
    """A stage move was refused because its entry trigger or exit criterion is not met."""


class ConflictError(PipefitError):
    """Another change to the same record landed first; the caller should reload and retry."""
