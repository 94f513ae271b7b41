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
    """Base of every error pipefit reports to a user as a one-line reason."""


class ConfigError(PipefitError):
    """The workspace configuration is invalid; the message names the key."""


class NotFound(PipefitError):
    """A record the user named does not exist."""


class GateRefused(PipefitError):
    """A stage move was refused because its entry trigger or exit criterion is not met."""


class ConflictError(PipefitError):
    """Another change to the same record landed first; the caller should reload and retry."""
