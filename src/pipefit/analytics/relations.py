"""The relations every report reads: their names and columns (the contract between the
store, which hands them over as Arrow, the replay, which states them as of a moment, and
the report SQL, which reads nothing else).

Times are UTC (`timestamp[us, tz=UTC]`). Amounts are in the deal's own currency
(`amount`, decimal) and in the workspace currency (`amount_home`, float64, null when the
workspace has no rate for the deal's currency: reports count such deals apart and say
so). Outcomes and categories are `open`, `won`, `lost`.

Full-history relations (what the database holds):

- `deals`: one row per opportunity, as it stands now.
- `events`: the effective stage log (corrections applied: voided events left out,
  corrected times used), with the category and position of the stage entered.
- `changes`: the history of amounts and expected close dates.
- `stages`, `people`, `quotas`, `activities`, `leads`: as named.
- `customers`: one row per customer (an account's first win) with its outcome as the
  workspace keeps it (store `customer_outcomes` joined to `accounts` for the lane).
- `pool_members`: which presales engineers each presales pool holds (from the pools of
  `pipefit.toml`), for pipeline coverage per pool.
- `forecast_overrides`: a deal's forecast category set by hand, with who and when
  (append-only: the latest at or before a moment is in force).

`analytics.replay` turns these into the same relations *as of* a moment (events after it
left out, each deal's stage, outcome, amount and expected close as they stood then, deals
created after it left out). Reports read the replayed relations only.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["RELATIONS", "TIME"]

TIME = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(18, 4)

RELATIONS: dict[str, pa.Schema] = {
    "deals": pa.schema(
        [
            ("opportunity_id", pa.string()),
            ("pipeline", pa.string()),
            ("stage", pa.string()),
            ("substate", pa.string()),
            ("outcome", pa.string()),  # open, won, lost
            ("amount", MONEY),
            ("currency", pa.string()),
            ("amount_home", pa.float64()),  # in the workspace currency; null: no rate
            ("created_at", TIME),
            ("closed_at", TIME),  # when it was won or lost; null while open
            ("expected_close", TIME),  # the close date the CRM expects (open deals)
            ("owner_id", pa.string()),  # the sales rep
            ("presales_id", pa.string()),  # the presales engineer
            ("team_id", pa.string()),  # the owner's team
            ("account_id", pa.string()),
            ("segment", pa.string()),  # the account's segment (null: no account)
            ("source", pa.string()),  # the lead source, else the record's source
            ("product", pa.string()),
            ("lead_id", pa.string()),
            ("loss_reason", pa.string()),
        ]
    ),
    "events": pa.schema(
        [
            ("opportunity_id", pa.string()),
            ("seq", pa.int64()),  # the deal's events in order, 1, 2, ...
            ("pipeline", pa.string()),
            ("from_stage", pa.string()),
            ("to_stage", pa.string()),
            ("substate", pa.string()),
            ("at", TIME),
            ("category", pa.string()),  # of to_stage: open, won, lost
            ("position", pa.int64()),  # of to_stage in its pipeline, from 1
        ]
    ),
    "changes": pa.schema(
        [
            ("opportunity_id", pa.string()),
            ("field", pa.string()),  # amount, close_date
            ("at", TIME),
            ("ordinal", pa.int64()),
            ("old_amount", MONEY),
            ("new_amount", MONEY),
            ("old_close_date", TIME),
            ("new_close_date", TIME),
        ]
    ),
    "stages": pa.schema(
        [
            ("pipeline", pa.string()),
            ("stage", pa.string()),
            ("position", pa.int64()),
            ("category", pa.string()),
            # pipeline, best_case, commit, closed or omitted, as pipefit.toml maps the
            # stage; null: the default by the stage's rank (domain.metrics.forecast)
            ("forecast_category", pa.string()),
        ]
    ),
    "people": pa.schema(
        [
            ("person_id", pa.string()),
            ("name", pa.string()),
            ("role", pa.string()),
            ("team_id", pa.string()),
            ("manager_id", pa.string()),  # the team's manager
        ]
    ),
    "quotas": pa.schema(
        [
            ("owner_kind", pa.string()),  # person, pool
            ("owner_id", pa.string()),
            ("period", pa.string()),  # 2026, 2026Q3, 2026-07
            ("period_start", TIME),
            ("period_end", TIME),  # exclusive
            ("amount_home", pa.float64()),
        ]
    ),
    "activities": pa.schema(
        [
            ("activity_id", pa.string()),
            ("opportunity_id", pa.string()),
            ("lead_id", pa.string()),
            ("kind", pa.string()),
            ("purpose", pa.string()),
            ("at", TIME),
        ]
    ),
    "forecast_overrides": pa.schema(
        [
            ("opportunity_id", pa.string()),
            ("category", pa.string()),  # pipeline, best_case, commit, omitted
            ("at", TIME),  # when it was set; the latest at or before as_of is in force
            ("actor_id", pa.string()),  # who set it
            ("note", pa.string()),
        ]
    ),
    "leads": pa.schema(
        [
            ("lead_id", pa.string()),
            ("created_at", TIME),
            ("status", pa.string()),
            ("account_id", pa.string()),
            ("segment", pa.string()),
            ("lead_source", pa.string()),
        ]
    ),
    "customers": pa.schema(
        [
            ("account_id", pa.string()),
            ("industry", pa.string()),  # accounts.industry
            ("segment", pa.string()),  # accounts.segment
            ("won_at", TIME),
            ("churned_at", TIME),  # null: still a customer
            ("renewed", pa.bool_()),
            ("expanded", pa.bool_()),
            ("revenue_home", pa.float64()),  # lifetime revenue so far, workspace currency
            ("margin_home", pa.float64()),
        ]
    ),
    "pool_members": pa.schema(
        [
            ("pool_id", pa.string()),
            ("presales_id", pa.string()),
        ]
    ),
}


def empty(name: str) -> pa.Table:
    """An empty relation with its columns (for tests and workspaces without that data)."""
    return RELATIONS[name].empty_table()
