"""Setting `[qualification.routing.segment_teams]` in a workspace file's text, comments kept
(`pipefit demo` sets the teams of the company it generates)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import tomlkit
from tomlkit.items import Table

__all__ = ["with_segment_teams"]


def with_segment_teams(text: str, teams: Mapping[str, Sequence[str]]) -> str:
    """`text` with the segment-to-teams table replaced by `teams` (made if missing)."""
    doc = tomlkit.parse(text)
    qualification = doc.setdefault("qualification", tomlkit.table())
    routing = qualification.setdefault("routing", tomlkit.table())
    table = routing.get("segment_teams")
    if not isinstance(table, Table):
        table = tomlkit.table()
        routing["segment_teams"] = table
    for key in list(table.keys()):
        del table[key]
    for segment, ids in teams.items():
        table[segment] = list(ids)
    return tomlkit.dumps(doc)
