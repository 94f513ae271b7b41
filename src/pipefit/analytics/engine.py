"""The report engine: one DuckDB connection with the relations of `analytics.relations`
registered (Arrow tables, not copied), over which every report's SQL runs set at a time."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa

from pipefit.analytics.relations import RELATIONS

__all__ = ["connect", "fetch"]


def connect(relations: Mapping[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """A connection where every relation of RELATIONS is a view: the given table, cast to
    the relation's columns, or an empty one (a workspace without quotas has no quotas)."""
    unknown = set(relations) - set(RELATIONS)
    if unknown:
        raise ValueError(f"not relations reports read: {sorted(unknown)}")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name, schema in RELATIONS.items():
        table = relations.get(name)
        table = schema.empty_table() if table is None else table.select(schema.names).cast(schema)
        con.register(name, table)
    return con


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """The result of `sql` as an Arrow table."""
    table = con.sql(sql).to_arrow_table()
    if table is None:  # a statement that returns no rows at all (not a SELECT)
        raise ValueError("not a query: " + sql[:60])
    return table
