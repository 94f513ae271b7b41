"""The effective stage log, set at a time: the log as logged, read through its
corrections as `domain.stage_log.StageLog` reads one deal's (the last correction of an
event wins; a voided event never happened; a corrected one happened at its true time),
then in date order, numbered 1, 2, ... per deal, with the stage each event left (the
stage the deal was in before its first event, where the log says it) and the category
and position of the stage entered.

Inputs (registered by `effective_events`): `logged_events` (opportunity_id, seq,
from_stage, to_stage, substate, at), `corrections` (opportunity_id, seq, corrects_seq,
at, void), `stages` (pipeline, stage, position, category), `deal_pipelines`
(opportunity_id, pipeline).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pipefit.analytics.engine import fetch
from pipefit.analytics.relations import RELATIONS

__all__ = ["EFFECTIVE_EVENTS", "effective_events"]

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
SELECT o.opportunity_id, o.seq, d.pipeline, o.from_stage, o.to_stage, o.substate, o."at",
       s.category, s.position
FROM ordered o
LEFT JOIN deal_pipelines d ON d.opportunity_id = o.opportunity_id
LEFT JOIN stages s ON s.pipeline = d.pipeline AND s.stage = o.to_stage
"""


def effective_events(
    logged_events: pa.Table, corrections: pa.Table, stages: pa.Table, deal_pipelines: pa.Table
) -> pa.Table:
    """The `events` relation from the log as logged (see the module's docstring)."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("logged_events", logged_events)
        con.register("corrections", corrections)
        con.register("stages", stages)
        con.register("deal_pipelines", deal_pipelines)
        schema = RELATIONS["events"]
        return fetch(con, EFFECTIVE_EVENTS).cast(schema)
    finally:
        con.close()
