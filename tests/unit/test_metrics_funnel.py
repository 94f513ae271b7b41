"""The funnel's formulas (domain.metrics.funnel), on deals small enough to count by hand."""

from __future__ import annotations

from pipefit.domain.metrics.funnel import (
    DealRecord,
    EventRecord,
    LeadRecord,
    StageRecord,
    depths,
    funnel_steps,
    lead_funnel,
    ratio,
    stage_funnel,
)

STAGES = [
    StageRecord("new", "Discovery", 1, "open"),
    StageRecord("new", "Evaluation", 2, "open"),
    StageRecord("new", "Proposal", 3, "open"),
    StageRecord("new", "Won", 4, "won"),
    StageRecord("new", "Lost", 5, "lost"),
]


def moves(opp: str, *stages: str) -> list[EventRecord]:
    """Events moving `opp` through `stages` (the first is where it started)."""
    return [EventRecord(opp, i, stages[i - 1], stages[i]) for i in range(1, len(stages))]


def test_lost_stages_are_not_steps_and_positions_order_them() -> None:
    shuffled = list(reversed(STAGES))
    assert [s.stage for s in funnel_steps(shuffled)["new"]] == [
        "Discovery",
        "Evaluation",
        "Proposal",
        "Won",
    ]


def test_a_skipped_stage_ends_the_in_order_path_but_not_the_reach() -> None:
    steps = funnel_steps(STAGES)["new"]
    deal = DealRecord("B", "new", "Lost", "lost")
    assert depths(deal, moves("B", "Discovery", "Proposal", "Lost"), steps) == {
        "in_order": 1,
        "reached": 3,
    }


def test_moving_back_does_not_undo_the_path() -> None:
    steps = funnel_steps(STAGES)["new"]
    deal = DealRecord("C", "new", "Proposal", "open")
    events = moves("C", "Discovery", "Evaluation", "Discovery", "Evaluation", "Proposal")
    assert depths(deal, events, steps) == {"in_order": 3, "reached": 3}


def test_a_deal_that_started_past_the_first_stage_is_not_in_the_in_order_funnel() -> None:
    steps = funnel_steps(STAGES)["new"]
    deal = DealRecord("F", "new", "Lost", "lost")
    assert depths(deal, moves("F", "Evaluation", "Lost"), steps) == {
        "in_order": 0,
        "reached": 2,
    }


def test_a_deal_with_no_event_entered_the_stage_it_is_in() -> None:
    steps = funnel_steps(STAGES)["new"]
    deal = DealRecord("E", "new", "Evaluation", "open")
    assert depths(deal, [], steps) == {"in_order": 0, "reached": 2}


def test_counts_conversion_and_drop_out_of_both_forms() -> None:
    deals = [
        DealRecord("A", "new", "Won", "won"),
        DealRecord("B", "new", "Lost", "lost"),
        DealRecord("C", "new", "Proposal", "open"),
        DealRecord("D", "new", "Proposal", "open"),  # won, then reopened
        DealRecord("E", "new", "Discovery", "open"),
    ]
    events = (
        moves("A", "Discovery", "Evaluation", "Proposal", "Won")
        + moves("B", "Discovery", "Proposal", "Lost")
        + moves("C", "Discovery", "Evaluation", "Discovery", "Evaluation", "Proposal")
        + moves("D", "Discovery", "Evaluation", "Proposal", "Won", "Proposal")
    )
    rows = {(r.form, r.step): r for r in stage_funnel(STAGES, deals, events)}
    # in order: A4 B1 C3 D4 E1 -> counts 5, 3, 3, 2
    assert [rows["in_order", k].count for k in (1, 2, 3, 4)] == [5, 3, 3, 2]
    # reached: A4 B3 C3 D4 E1 -> counts 5, 4, 4, 2
    assert [rows["reached", k].count for k in (1, 2, 3, 4)] == [5, 4, 4, 2]
    first = rows["in_order", 1]
    assert (first.drop_out, first.lost_here, first.open_here) == (2, 1, 1)  # B lost, E open
    assert first.conversion_to_next == 0.6
    assert rows["reached", 3].drop_out == 2  # B (lost there) and C (still there)
    assert rows["reached", 3].drop_out_rate == 0.5
    assert rows["reached", 4].drop_out is None  # the funnel ends at won
    assert rows["reached", 4].conversion_to_next is None
    assert rows["reached", 4].conversion_from_first == 0.4


def test_the_lead_funnel() -> None:
    leads = [
        LeadRecord("L1", "qualified"),
        LeadRecord("L2", "qualified"),
        LeadRecord("L3", "qualified"),
        LeadRecord("L4", "disqualified"),
        LeadRecord("L5", "new"),
        LeadRecord("L6", "nurture"),
        LeadRecord("L7", "working"),  # status never updated, but it has a deal
    ]
    deals = [
        DealRecord("A", "new", "Won", "won", lead_id="L1"),
        DealRecord("B", "new", "Lost", "lost", lead_id="L2"),
        DealRecord("C", "new", "Proposal", "open", lead_id="L7"),
        DealRecord("X", "new", "Proposal", "open"),  # no lead
    ]
    rows = lead_funnel(leads, deals)
    assert [r.count for r in rows] == [7, 4, 3, 1]
    assert [r.conversion_to_next for r in rows] == [0.5714, 0.75, 0.3333, None]
    assert [r.drop_out for r in rows] == [3, 1, 2, None]
    assert [(r.lost_here, r.open_here) for r in rows] == [(1, 1), (0, 1), (1, 1), (0, 0)]


def test_no_deals_give_no_division_by_zero() -> None:
    assert stage_funnel(STAGES, [], []) == []
    assert lead_funnel([], []) == []
    assert ratio(1, 0) is None
    assert ratio(1, 32) == 0.0313  # half up
