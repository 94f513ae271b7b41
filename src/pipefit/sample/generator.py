"""A realistic synthetic company, written as native CSV files (deterministic for a seed).

The company sells through the default inbound pipeline with enterprise and SMB teams of
reps and pooled presales engineers. Behind the data sits a hidden model, so later
features have something true to find:

- a lead's discovery answers (needs match, success-criteria fit, culture, referral,
  former user, executive contact, buying-team size, time to value, the account's lane)
  drive whether a won customer renews, expands or churns, and moderately whether it wins;
- BANT answers follow a separate "readiness" and only weakly predict winning;
- every rep/presales pair has its own chemistry (some pairs win more);
- the truths of `sample.truths`, planted for the analytics to find: a stage hiding two
  steps, a stage passed in minutes, pairs better (or worse) together than apart, SMB
  usage signals that raise the win rate, expected close dates that slip and are pulled in;
- enterprise cycles take about 7 months, SMB about 3, bigger deals longer.

Everything is generated as numpy arrays, one element per row (no Python loop over deals
or events), so a million opportunities take well under two minutes. The same seed gives
byte-identical files: one PCG64 stream, drawn in a fixed order, and no wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from pipefit.sample.accounts import (
    account_columns,
    account_names,
    build_accounts,
    contact_columns,
)
from pipefit.sample.activities import PeopleNumbers, activity_chunks, build_activities
from pipefit.sample.clock import make_clock
from pipefit.sample.close_dates import build_close_dates, change_columns
from pipefit.sample.columns import id_width
from pipefit.sample.company import build_org, people_columns, pool_columns, team_columns
from pipefit.sample.deal_files import event_chunks, opportunity_columns
from pipefit.sample.deals import build_deals
from pipefit.sample.events import build_events
from pipefit.sample.journeys import build_journeys, draw_signals
from pipefit.sample.lead_files import build_lead_book, handoff_columns, lead_columns
from pipefit.sample.leads import build_traits
from pipefit.sample.outcomes import outcome_columns
from pipefit.sample.quotas import quota_columns
from pipefit.sample.splits import split_columns
from pipefit.sample.writer import write_entity, write_entity_chunks

__all__ = ["FILES", "generate"]

_MIN_ACCOUNTS = 50

# The files `generate` writes, in the order it writes them.
FILES = tuple(
    f"{name}.csv"
    for name in (
        "teams", "people", "pools", "pool_members", "accounts", "contacts", "leads",
        "opportunities", "stage_events", "opportunity_changes", "activities", "handoffs",
        "customer_outcomes", "quotas", "credit_splits",
    )
)  # fmt: skip


def generate(
    out_dir: Path,
    *,
    opportunities: int,
    seed: int,
    start: date = date(2024, 1, 1),
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Write the company's native CSV files into `out_dir`; return the row count per file.

    Opportunities are created over the two years from `start`; the data ends at "now",
    two years after `start`, so recent deals are still open.
    """
    if opportunities < 1:
        raise ValueError(f"opportunities must be at least 1, got {opportunities}")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.Generator(np.random.PCG64(seed))
    clock = make_clock(start)

    # The world first (all the hidden draws), then the files, in a fixed order.
    org = build_org(rng, opportunities, clock)
    acc = build_accounts(rng, max(_MIN_ACCOUNTS, opportunities // 3))
    deals = build_deals(rng, opportunities, acc, org, clock)
    traits = build_traits(rng, acc, deals.account, committee_only=True)
    signals = draw_signals(rng, deals)
    journey = build_journeys(rng, deals, traits, signals)
    log, state = build_events(rng, journey, deals.created_bd, clock)
    closes = build_close_dates(rng, deals, journey, clock)
    book = build_lead_book(rng, acc, deals, org, clock, traits)
    people = PeopleNumbers(
        rep=org.rep_number(deals.rep),
        presales=org.presales_number(deals.presales),
        width=id_width(org.people),
    )
    lead_number = book.number[: deals.count]

    counts: dict[str, int] = {}
    counts["teams"] = write_entity(out_dir, "teams", team_columns(org), progress=progress)
    counts["people"] = write_entity(
        out_dir, "people", people_columns(rng, org, clock), progress=progress
    )
    pools, members = pool_columns(org)
    counts["pools"] = write_entity(out_dir, "pools", pools, progress=progress)
    counts["pool_members"] = write_entity(out_dir, "pool_members", members, progress=progress)
    counts["accounts"] = write_entity(out_dir, "accounts", account_columns(acc), progress=progress)
    counts["contacts"] = write_entity(
        out_dir, "contacts", contact_columns(rng, acc), progress=progress
    )
    counts["leads"] = write_entity(
        out_dir, "leads", lead_columns(rng, book, acc, clock, org.people), progress=progress
    )
    counts["opportunities"] = write_entity(
        out_dir,
        "opportunities",
        opportunity_columns(
            deals,
            state,
            clock,
            expected_day=closes.expected_day,
            account_names=account_names(acc),
            lead_number=lead_number,
            leads=book.count,
            people=people,
        ),
        progress=progress,
    )
    counts["stage_events"] = write_entity_chunks(
        out_dir,
        "stage_events",
        event_chunks(log, deals, people),
        total=log.count,
        progress=progress,
    )
    del log  # the event log is the largest array set but one; free it before activities
    counts["opportunity_changes"] = write_entity(
        out_dir, "opportunity_changes", change_columns(closes, deals), progress=progress
    )
    del closes
    activities = build_activities(rng, deals, journey, clock, signals)
    counts["activities"] = write_entity_chunks(
        out_dir,
        "activities",
        activity_chunks(
            activities, deals, lead_number=lead_number, leads=book.count, people=people
        ),
        total=activities.count,
        progress=progress,
    )
    del activities
    counts["handoffs"] = write_entity(
        out_dir, "handoffs", handoff_columns(book, deals, org, clock), progress=progress
    )
    counts["customer_outcomes"] = write_entity(
        out_dir,
        "customer_outcomes",
        outcome_columns(rng, deals, state, traits, acc, clock),
        progress=progress,
    )
    counts["quotas"] = write_entity(
        out_dir, "quotas", quota_columns(org, deals, state, clock), progress=progress
    )
    counts["credit_splits"] = write_entity(
        out_dir, "credit_splits", split_columns(rng, org, deals, state), progress=progress
    )
    return counts
