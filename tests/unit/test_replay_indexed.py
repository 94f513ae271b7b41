"""The replay as a filter over the indexed log (`deals_as_of_indexed`, which the backtest
uses for its many moments) states the deals exactly as the ranking replay does."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipefit.analytics.engine import connect
from pipefit.analytics.replay import (
    CHANGE_INDEX,
    EVENT_INDEX,
    deals_as_of,
    deals_as_of_indexed,
)
from tests.unit.test_report_flow import (
    amount_change,
    close_change,
    day,
    deal,
    deal_strategy,
    event,
    generated,
    moment,
    relations,
    table,
)


def differences(tables: dict[str, Any], at: datetime) -> list[Any]:
    con = connect(tables)
    con.execute(f"CREATE TEMP TABLE ix_events AS {EVENT_INDEX}")
    con.execute(f"CREATE TEMP TABLE ix_changes AS {CHANGE_INDEX}")
    ranked, filtered = deals_as_of(at), deals_as_of_indexed(at, "ix_events", "ix_changes")
    return con.execute(
        f"(({ranked}) EXCEPT ALL ({filtered})) UNION ALL (({filtered}) EXCEPT ALL ({ranked}))"
    ).fetchall()


def test_two_events_at_one_instant_and_two_changes_at_another_replay_alike() -> None:
    tables = relations()
    tables["events"] = table(
        "events",
        [
            event("A", 1, "Open", "Lost", "2026-02-10"),
            event("A", 2, "Lost", "Open", "2026-02-10"),  # undone at the same instant
            event("A", 3, "Open", "Won", "2026-03-01"),
        ],
    )
    twice = [amount_change("G", "2026-01-05", 500, 550), amount_change("G", "2026-01-05", 550, 600)]
    twice[1]["ordinal"] = 2
    tables["changes"] = table(
        "changes", [*twice, close_change("C", "2026-01-20", "2026-05-01", "2026-03-20")]
    )
    tables["deals"] = table(
        "deals", [deal("A", "2025-12-01", 100, "2026-02-15", "Won"), *[
            deal(o, "2025-10-01", 600, "2026-03-20") for o in ("C", "G")
        ]]
    )  # fmt: skip
    for at in ("2025-12-31", "2026-01-05", "2026-01-06", "2026-02-10", "2026-02-11", "2026-03-02"):
        assert differences(tables, day(at)) == [], at
        assert differences(tables, day(at) - timedelta(microseconds=1)) == [], at


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(deal_strategy, max_size=8), st.integers(0, 24 * 260))
def test_the_filter_and_the_ranking_agree_on_generated_logs(specs: list[Any], hours: int) -> None:
    tables, *_ = generated(specs)
    assert differences(tables, moment(hours)) == []
