"""The effective stage log, set at a time: the log as logged, read through its
corrections as `domain.stage_log.StageLog` reads one deal's (the last correction of an
event wins; a voided event never happened; a corrected one happened at its true time),
then in date order, numbered 1, 2, ... per deal, with the stage each event left (the
stage the deal was in before its first event, where the log says it) and the category
and position of the stage entered.

Inputs (registered by `effective_events`): `logged_events` (opportunity_id, seq,
from_stage, to_stage, substate, at), `corrections` (opportunity_id, seq, corrects_seq,
at, void), `stages` (pipeline, stage, position, category), `deal_pipelines`
(opportunity_id, pipeline). Each an Arrow table or Parquet files (the store's copy), read
by DuckDB itself; `write_effective_events` writes the result straight to Parquet, so the
millions of events never pass through Python.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pipefit.analytics.engine import Parquet, Source, fetch, new_connection, register
from pipefit.analytics.relations import RELATIONS

__all__ = ["EFFECTIVE_EVENTS", "effective_events", "write_effective_events"]

EFFECTIVE_EVENTS = """
WITH
in_force AS (
    SELECT opportunity_id, corrects_seq, "at" AS true_at, void,
           ROW_NUMBER() OVER (PARTITION BY opportunity_id, corrects_seq ORDER BY seq DESC) AS n
    FROM corrections
),
logged AS (
    SELECT e.opportunity_id, e.seq AS logged_seq, e.to_stage, e.substate,
           COALESCE(f.true_at, e."at") AS "at",
           COALESCE(f.void, FALSE) AS void,
           FIRST_VALUE(e.from_stage) OVER (
               PARTITION BY e.opportunity_id ORDER BY e.seq
           ) AS origin
    FROM logged_events e
    LEFT JOIN in_force f
        ON f.opportunity_id = e.opportunity_id AND f.corrects_seq = e.seq AND f.n = 1
),
live AS (
    SELECT opportunity_id, logged_seq, to_stage, substate, "at", origin
    FROM logged WHERE NOT void
),
ordered AS (
    SELECT opportunity_id, to_stage, substate, "at",
           ROW_NUMBER() OVER w AS seq,
           COALESCE(LAG(to_stage) OVER w, origin) AS from_stage
    FROM live
    WINDOW w AS (PARTITION BY opportunity_id ORDER BY "at", logged_seq)
)
SELECT o.opportunity_id, CAST(o.seq AS BIGINT) AS seq, d.pipeline, o.from_stage,
       o.to_stage, o.substate, o."at", s.category, CAST(s.position AS BIGINT) AS position
FROM ordered o
LEFT JOIN deal_pipelines d ON d.opportunity_id = o.opportunity_id
LEFT JOIN stages s ON s.pipeline = d.pipeline AND s.stage = o.to_stage
ORDER BY o.opportunity_id, o.seq
"""


def _connected(
    logged_events: Source,
    corrections: Source,
    stages: Source,
    deal_pipelines: Source,
    logged_name: str = "logged_events",
) -> duckdb.DuckDBPyConnection:
    con = new_connection()
    register(con, logged_name, logged_events)
    register(con, "corrections", corrections)
    register(con, "stages", stages)
    register(con, "deal_pipelines", deal_pipelines)
    return con


def effective_events(
    logged_events: Source, corrections: Source, stages: Source, deal_pipelines: Source
) -> pa.Table:
    """The `events` relation from the log as logged (see the module's docstring)."""
    con = _connected(logged_events, corrections, stages, deal_pipelines)
    try:
        return fetch(con, EFFECTIVE_EVENTS).cast(RELATIONS["events"])
    finally:
        con.close()


def write_effective_events(
    out: str,
    logged_events: Source,
    corrections: Source,
    stages: Source,
    deal_pipelines: Source,
    *,
    grown_from: tuple[Parquet, int] | None = None,
) -> None:
    """The `events` relation written to the Parquet file `out` (a path of the store's).

    `grown_from`: the effective log as it was when the last logged event was numbered
    `n` (nothing else has changed since, the caller has checked): only the deals with
    events logged after `n` are worked out again, the others' events kept as they were.
    """
    logged_name = "logged_events" if grown_from is None else "all_logged_events"
    con = _connected(logged_events, corrections, stages, deal_pipelines, logged_name)
    try:
        target = "'" + out.replace("'", "''") + "'"
        query = EFFECTIVE_EVENTS
        if grown_from is not None:
            before, number = grown_from
            con.execute(
                "CREATE TEMP TABLE moved AS SELECT DISTINCT opportunity_id "
                f"FROM all_logged_events WHERE logged > {int(number)}"
            )
            con.execute(
                "CREATE VIEW logged_events AS SELECT * FROM all_logged_events "
                "WHERE opportunity_id IN (SELECT opportunity_id FROM moved)"
            )
            body = EFFECTIVE_EVENTS.strip().rsplit("ORDER BY", 1)[0]
            query = f"""
SELECT * FROM {before.sql()}
WHERE opportunity_id NOT IN (SELECT opportunity_id FROM moved)
UNION ALL
({body})
ORDER BY opportunity_id, seq"""
        con.execute(f"COPY ({query}) TO {target} (FORMAT parquet)")
    finally:
        con.close()
