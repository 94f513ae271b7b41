"""Segments by company size (DOMAIN section 3): thresholds are configuration."""

from __future__ import annotations

from dataclasses import dataclass

from pipefit.domain.errors import ConfigError

__all__ = ["DEFAULT_SEGMENTATION", "SegmentRule", "Segmentation"]


@dataclass(frozen=True)
class SegmentRule:
    """A segment holds companies with at least `min_employees` employees."""

    name: str
    min_employees: int


@dataclass(frozen=True)
class Segmentation:
    """Ordered segment rules; a company falls into the largest threshold it reaches."""

    rules: tuple[SegmentRule, ...]
    unknown: str = "unknown"

    def __post_init__(self) -> None:
        if not self.rules:
            raise ConfigError("segments: at least one segment is needed")
        mins = [r.min_employees for r in self.rules]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            raise ConfigError(f"segments: min_employees must strictly increase, got {mins}")

    def segment_of(self, employees: int | None) -> str:
        if employees is None:
            return self.unknown
        chosen = self.unknown
        for rule in self.rules:
            if employees >= rule.min_employees:
                chosen = rule.name
        return chosen


# Gartner's line as the article cites it: SMB is 100-999 employees, bigger is enterprise.
DEFAULT_SEGMENTATION = Segmentation(
    rules=(
        SegmentRule("small", 0),
        SegmentRule("smb", 100),
        SegmentRule("enterprise", 1000),
    )
)
