"""The Arrow layout of the history's reads (`services.ports.history.HistorySource`), shared
by the SQL reader and the in-memory fake so both hand the services the same tables."""

from __future__ import annotations

import pyarrow as pa

__all__ = ["CLOSED_DEALS", "MEETINGS", "OPEN_DEALS"]

_UTC = pa.timestamp("us", tz="UTC")

# A won or lost deal: its amount in 1/10,000 units of its currency; `segment` is its
# account's ("unknown" when it has none).
CLOSED_DEALS = pa.schema(
    [
        ("owner_id", pa.string()),
        ("presales_id", pa.string()),
        ("outcome", pa.string()),
        ("units", pa.int64()),
        ("currency", pa.string()),
        ("created_at", _UTC),
        ("closed_at", _UTC),
        ("segment", pa.string()),
    ]
)
# An open deal that names a presales engineer, and its stage.
OPEN_DEALS = pa.schema([("presales_id", pa.string()), ("stage", pa.string())])
# A meeting and who held it: the actor, else the deal's presales engineer (null if neither).
MEETINGS = pa.schema([("person_id", pa.string())])
