"""What a report is asked: as of when, cut by what, filtered how, over which period.

Every report takes a `ReportQuery` and reads the relations of `analytics.relations`
replayed to `as_of` (see `analytics.replay`). A cut (`by`) names a deal attribute; the
same names filter (`where`). Periods are written as pipefit writes them elsewhere:
`2026` (a year), `2026Q3` (a quarter), `2026-07` (a month).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["CUTS", "ReportQuery", "cut_sql"]

# The cuts every report knows, and the SQL expression over a deal row (alias `d`) for each.
CUTS: Mapping[str, str] = {
    "pipeline": "d.pipeline",
    "segment": "d.segment",
    "team": "d.team_id",
    "rep": "d.owner_id",
    "presales": "d.presales_id",
    "pair": "d.owner_id || ' + ' || d.presales_id",
    "product": "d.product",
    "source": "d.source",
}


def cut_sql(name: str, alias: str = "d") -> str:
    """The SQL expression of a cut over a deal row aliased `alias`."""
    return CUTS[name].replace("d.", f"{alias}.")


@dataclass(frozen=True)
class ReportQuery:
    as_of: datetime | None = None  # replay the log to this moment (UTC); None: now
    by: tuple[str, ...] = ()  # cuts, in CUTS (and "period" where a report has periods)
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # cut -> values kept
    period: str | None = None  # the period a report is about, where it has one
    now: datetime | None = None  # the clock (tests set it); as_of defaults to it
