"""time-in-stage: per stage and sub-state, completed visits and open ones, on a hand-built
log whose figures are derived by hand below, and against the oracle on random logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipefit.analytics.engine import connect
from pipefit.analytics.query import ReportQuery
from pipefit.analytics.reports import time_in_stage
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.visits import time_in_stage as oracle_time_in_stage
from pipefit.domain.metrics.visits import visits
from tests.unit.friction_factories import build, day, logged

AS_OF = day(59)  # 1 March 2025
# A: straight through and won. Discovery 10, Evaluation 10, Proposal 20 (no sub-state).
# B: skips Evaluation, lost. Discovery 2, Proposal 4.
# C: moves back, still open. Discovery 4 and 10; Evaluation 1, then open since day 15
#    (44 days at 1 March).
# D: lost on day 1, reopened on day 11. Discovery 1 and 2; Evaluation 10; won.
# E: two events at the same instant (a zero-length Discovery), Evaluation 1, then Proposal
#    in review on day 1 and negotiation on day 4, still open: Proposal open 58 days,
#    review 3 completed, negotiation open 55 days.
# F: no stage event at all: no visit.
DEALS: list[Any] = [
    (
        "A",
        [("Discovery", day(0)), ("Evaluation", day(10)), ("Proposal", day(20)), ("Won", day(40))],
        {"segment": "enterprise"},
    ),
    ("B", [("Discovery", day(0)), ("Proposal", day(2)), ("Lost", day(6))], {}),
    (
        "C",
        [
            ("Discovery", day(0)),
            ("Evaluation", day(4)),
            ("Discovery", day(5)),
            ("Evaluation", day(15)),
        ],
        {"segment": "enterprise"},
    ),
    (
        "D",
        [
            ("Discovery", day(0)),
            ("Lost", day(1)),
            ("Discovery", day(11)),
            ("Evaluation", day(13)),
            ("Won", day(23)),
        ],
        {},
    ),
    (
        "E",
        [
            ("Discovery", day(0)),
            ("Evaluation", day(0)),
            ("Proposal", day(1), "review"),
            ("Proposal", day(4), "negotiation"),
        ],
        {},
    ),
    ("F", [], {}),
]


def report(query: ReportQuery, deals: list[Any] = DEALS) -> list[dict[str, Any]]:
    con = connect(build(deals))
    rows: list[dict[str, Any]] = time_in_stage.run(con, query).rows.to_pylist()
    return rows


def row(rows: list[dict], stage: str, substate: str | None = None) -> dict:  # type: ignore[type-arg]
    (found,) = [r for r in rows if r["stage"] == stage and r["substate"] == substate]
    return found


def test_every_visit_counts_and_percentiles_are_continuous() -> None:
    rows = report(ReportQuery(as_of=AS_OF))
    # Discovery: A 10, B 2, C 4 and 10, D 1 and 2, E 0 -> [0, 1, 2, 2, 4, 10, 10]
    # mean 29/7; median at rank 3 = 2; p75 at rank 4.5 = 4 + 0.5 * 6 = 7; p90 at 5.4 = 10.
    d = row(rows, "Discovery")
    assert (d["visits"], d["deals"], d["open_visits"]) == (7, 5, 0)
    assert d["mean_days"] == pytest.approx(29 / 7, abs=1e-4)
    assert (d["median_days"], d["p75_days"], d["p90_days"]) == (2, 7, 10)
    # Evaluation: A 10, C 1, D 10, E 1 -> [1, 1, 10, 10]; mean 22/4; median at rank 1.5
    # = 1 + 0.5 * 9 = 5.5; p75 at 2.25 = 10; C open 44.
    e = row(rows, "Evaluation")
    assert (e["visits"], e["mean_days"], e["median_days"], e["p75_days"]) == (4, 5.5, 5.5, 10)
    assert (e["open_visits"], e["open_mean_days"]) == (1, 44)
    # Proposal: A 20, B 4 -> median 12, p75 at 0.75 = 16, p90 at 0.9 = 18.4; E open 58.
    p = row(rows, "Proposal")
    assert (p["visits"], p["median_days"], p["p75_days"], p["p90_days"]) == (2, 12, 16, 18.4)
    assert (p["open_visits"], p["open_max_days"]) == (1, 58)


def test_substates_are_reported_inside_their_stage_only() -> None:
    rows = report(ReportQuery(as_of=AS_OF))
    assert [(r["stage"], r["level"], r["substate"]) for r in rows] == [
        ("Discovery", "stage", None),
        ("Evaluation", "stage", None),
        ("Proposal", "stage", None),
        ("Proposal", "substate", "(none)"),
        ("Proposal", "substate", "negotiation"),
        ("Proposal", "substate", "review"),
    ]
    review = row(rows, "Proposal", "review")
    assert (review["visits"], review["median_days"], review["open_visits"]) == (1, 3, 0)
    negotiation = row(rows, "Proposal", "negotiation")
    assert (negotiation["visits"], negotiation["open_visits"]) == (0, 1)
    assert negotiation["median_days"] is None and negotiation["open_mean_days"] == 55


def test_each_deal_has_its_cumulative_time_per_stage() -> None:
    rows = report(ReportQuery(as_of=AS_OF, by=("deal",)))
    c = {r["stage"]: r for r in rows if r["opportunity_id"] == "C"}
    assert (c["Discovery"]["visits"], c["Discovery"]["cumulative_days"]) == (2, 14)
    ev = c["Evaluation"]
    assert (ev["completed_days"], ev["open_days"], ev["cumulative_days"]) == (1, 44, 45)
    assert ev["in_stage_now"] and not c["Discovery"]["in_stage_now"]
    assert {r["opportunity_id"] for r in rows} == {"A", "B", "C", "D", "E"}


def test_replay_as_of_a_past_moment() -> None:
    # As of day 9: Discovery completed by B (2), C (4), D (1), E (0); open: A (9 days) and
    # C (back since day 5: 4 days); D was lost then, so not open.
    rows = report(ReportQuery(as_of=day(9)))
    d = row(rows, "Discovery")
    assert (d["visits"], d["open_visits"], d["open_mean_days"]) == (4, 2, 6.5)


def test_cuts_and_filters() -> None:
    rows = report(ReportQuery(as_of=AS_OF, by=("segment",)))
    ent = [r for r in rows if r["segment"] == "enterprise" and r["stage"] == "Discovery"]
    assert ent[0]["visits"] == 3  # A 10, C 4 and 10
    kept = report(ReportQuery(as_of=AS_OF, where={"segment": ("enterprise",)}))
    assert row(kept, "Discovery")["median_days"] == 10


def test_a_period_keeps_the_visits_that_ended_in_it() -> None:
    # Visits ending in February 2025 (days 31-58): only A's Proposal (ended day 40); the
    # open visits (C in Evaluation, E in Proposal) are those of the as-of moment.
    rows = report(ReportQuery(as_of=AS_OF, period="2025-02"))
    assert [(r["stage"], r["visits"], r["open_visits"]) for r in rows if r["level"] == "stage"] == [
        ("Evaluation", 0, 1),
        ("Proposal", 1, 1),
    ]


def test_bad_queries_get_clear_messages() -> None:
    con = connect(build(DEALS))
    with pytest.raises(PipefitError) as before:
        time_in_stage.run(con, ReportQuery(as_of=datetime(2024, 6, 30, tzinfo=UTC)))
    assert before.value.field == "report.as_of" and "first event is on 2025-01-01" in str(
        before.value
    )
    with pytest.raises(PipefitError) as cut:
        time_in_stage.run(con, ReportQuery(by=("colour",)))
    assert cut.value.field == "report.by"
    empty = time_in_stage.run(con, ReportQuery(as_of=AS_OF, where={"segment": ("none",)}))
    assert empty.rows.num_rows == 0 and any("No stage visits" in n for n in empty.notes)


def test_engine_and_oracle_agree_on_the_hand_built_log() -> None:
    relations = build(DEALS)
    result = time_in_stage.run(connect(relations), ReportQuery(as_of=AS_OF))
    expected = oracle_time_in_stage(visits(logged(relations["events"])), AS_OF)
    assert_agree(result.rows.to_pylist(), expected)


def assert_agree(rows: list[dict], expected: dict) -> None:  # type: ignore[type-arg]
    got = {(r["pipeline"], r["stage"], r["level"], r["substate"]): r for r in rows}
    assert set(got) == set(expected)
    for key, want in expected.items():
        r = got[key]
        c = want.completed
        assert r["visits"] == c.count and r["open_visits"] == want.open_visits
        for name, value in (
            ("mean_days", c.mean),
            ("median_days", c.median),
            ("p75_days", c.p75),
            ("p90_days", c.p90),
            ("open_mean_days", want.open_mean_days),
        ):
            if value is None:
                assert r[name] is None, (key, name)
            else:
                assert r[name] == pytest.approx(value, abs=1e-3), (key, name)


STAGE_NAMES = ["Discovery", "Evaluation", "Proposal", "Won", "Lost"]
moves = st.lists(
    st.tuples(
        st.sampled_from(STAGE_NAMES),
        st.integers(min_value=0, max_value=5),  # hours after the move before (0: same instant)
        st.sampled_from([None, "review", "negotiation"]),
    ),
    min_size=1,
    max_size=7,
)


@settings(max_examples=40, deadline=None)
@given(st.lists(moves, min_size=1, max_size=6))
def test_engine_and_oracle_agree_on_random_logs(logs: list) -> None:  # type: ignore[type-arg]
    deals: list[Any] = []
    for i, steps in enumerate(logs):
        at = day(0)
        written = []
        for stage, hours, substate in steps:
            at += timedelta(hours=hours * 7)
            written.append((stage, at, substate if stage == "Proposal" else None))
        deals.append((f"D{i}", written, {}))
    relations = build(deals)
    as_of = day(30)
    result = time_in_stage.run(connect(relations), ReportQuery(as_of=as_of))
    expected = oracle_time_in_stage(visits(logged(relations["events"])), as_of)
    assert_agree(result.rows.to_pylist(), expected)
