from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipefit.domain.clock import MAX_AHEAD
from pipefit.domain.errors import GateRefused, NotFound, PipefitError
from pipefit.domain.model import Category, StageEvent
from pipefit.domain.pipeline import decide_move, timed_history

from .factories import deal, evidence, inbound, when


def _last(stage: str, day: str = "2026-02-20", seq: int = 1) -> StageEvent:
    return StageEvent("ACME-RENEWAL-Q3", seq, None, stage, when(day))


DISCOVERY_DONE = [evidence("next_steps_agreed", "2026-03-01")]


def test_a_move_to_evaluation_is_refused_until_the_prospect_accepts_the_meeting() -> None:
    acts = [*DISCOVERY_DONE, evidence("meeting_booked", "2026-03-02", "evaluation")]
    with pytest.raises(GateRefused) as refused:
        decide_move(
            inbound(),
            deal(),
            target="Evaluation",
            at=when("2026-03-05"),
            last_event=_last("Discovery"),
            activities=acts,
        )
    message = str(refused.value)
    assert "Evaluation needs an evaluation meeting booked and accepted by the prospect" in message
    assert "found: booked 2026-03-02, not accepted by the prospect" in message


def test_a_move_to_evaluation_passes_once_the_meeting_is_booked_and_accepted() -> None:
    acts = [
        *DISCOVERY_DONE,
        evidence("meeting_booked", "2026-03-02", "evaluation"),
        evidence("meeting_accepted", "2026-03-03", "evaluation", "prospect"),
    ]
    move = decide_move(
        inbound(),
        deal(),
        target="evaluation",
        at=when("2026-03-05"),
        last_event=_last("Discovery"),
        activities=acts,
        actor_id="rep-dana",
    )
    assert move.kind == "forward"
    assert move.opportunity.stage == "Evaluation"
    assert move.opportunity.version == 2
    assert move.event.seq == 2
    assert move.event.from_stage == "Discovery"
    assert move.event.actor_id == "rep-dana"


def test_evidence_dated_after_the_move_does_not_count() -> None:
    acts = [
        *DISCOVERY_DONE,
        evidence("meeting_booked", "2026-03-02", "evaluation"),
        evidence("meeting_accepted", "2026-03-09", "evaluation", "prospect"),
    ]
    with pytest.raises(GateRefused):
        decide_move(
            inbound(),
            deal(),
            target="Evaluation",
            at=when("2026-03-05"),
            last_event=_last("Discovery"),
            activities=acts,
        )


def test_leaving_discovery_needs_its_exit_criterion_next_steps_agreed() -> None:
    acts = [
        evidence("meeting_booked", "2026-03-02", "evaluation"),
        evidence("meeting_accepted", "2026-03-03", "evaluation", "prospect"),
    ]
    with pytest.raises(GateRefused, match="Leaving Discovery needs next steps agreed"):
        decide_move(
            inbound(),
            deal(),
            target="Evaluation",
            at=when("2026-03-05"),
            last_event=_last("Discovery"),
            activities=acts,
        )


def test_a_meeting_for_another_stage_does_not_satisfy_the_trigger() -> None:
    acts = [
        *DISCOVERY_DONE,
        evidence("meeting_booked", "2026-03-02", "discovery"),
        evidence("meeting_accepted", "2026-03-03", "discovery", "prospect"),
    ]
    with pytest.raises(GateRefused):
        decide_move(
            inbound(),
            deal(),
            target="Evaluation",
            at=when("2026-03-05"),
            last_event=_last("Discovery"),
            activities=acts,
        )


def test_closing_as_lost_needs_a_reason() -> None:
    with pytest.raises(GateRefused, match="needs a reason"):
        decide_move(
            inbound(),
            deal("Evaluation"),
            target="Closed lost",
            at=when("2026-03-05"),
            last_event=_last("Evaluation"),
            activities=[],
        )
    move = decide_move(
        inbound(),
        deal("Evaluation"),
        target="Closed lost",
        at=when("2026-03-05"),
        last_event=_last("Evaluation"),
        activities=[],
        reason="lost to competitor",
    )
    assert move.opportunity.outcome is Category.LOST
    assert move.opportunity.loss_reason == "lost to competitor"
    assert move.opportunity.closed_at == when("2026-03-05")


def test_moving_backwards_is_allowed_without_evidence_and_recorded() -> None:
    move = decide_move(
        inbound(),
        deal("Solutions refinement"),
        target="Evaluation",
        at=when("2026-04-01"),
        last_event=_last("Solutions refinement"),
        activities=[],
        reason="new stakeholder",
    )
    assert move.kind == "backward"
    assert move.event.from_stage == "Solutions refinement"
    assert move.event.reason == "new stakeholder"


def test_a_closed_deal_can_be_reopened_and_loses_its_close_date() -> None:
    lost = deal("Closed lost", outcome=Category.LOST, closed_at=when("2026-03-01"))
    move = decide_move(
        inbound(),
        lost,
        target="Discovery",
        at=when("2026-05-01"),
        last_event=_last("Closed lost"),
        activities=[],
    )
    assert move.kind == "reopen"
    assert move.opportunity.outcome is Category.OPEN
    assert move.opportunity.closed_at is None


def test_sub_states_change_within_the_proposal_stage_without_a_new_stage() -> None:
    move = decide_move(
        inbound(),
        deal("Formal proposal", substate="delivery"),
        target="Formal proposal",
        substate="negotiation",
        at=when("2026-04-01"),
        last_event=_last("Formal proposal"),
        activities=[],
    )
    assert move.kind == "substate"
    assert move.event.from_stage == move.event.to_stage == "Formal proposal"
    assert move.event.substate == "negotiation"


def test_an_unknown_sub_state_is_refused_with_the_allowed_ones() -> None:
    with pytest.raises(PipefitError, match="delivery, review, negotiation, signature"):
        decide_move(
            inbound(),
            deal("Formal proposal"),
            target="Formal proposal",
            substate="haggling",
            at=when("2026-04-01"),
            last_event=_last("Formal proposal"),
            activities=[],
        )


def test_an_unknown_stage_is_refused_with_the_pipeline_stages() -> None:
    with pytest.raises(NotFound, match="Discovery, Evaluation"):
        decide_move(
            inbound(),
            deal(),
            target="Demo",
            at=when("2026-04-01"),
            last_event=_last("Discovery"),
            activities=[],
        )


def test_a_move_dated_before_the_last_change_is_refused() -> None:
    with pytest.raises(PipefitError, match="predate"):
        decide_move(
            inbound(),
            deal("Evaluation"),
            target="Discovery",
            at=when("2026-01-01"),
            last_event=_last("Evaluation", "2026-02-01"),
            activities=[],
        )


def test_staying_in_the_same_stage_is_refused() -> None:
    with pytest.raises(PipefitError, match="already in"):
        decide_move(
            inbound(),
            deal(),
            target="Discovery",
            at=when("2026-04-01"),
            last_event=_last("Discovery"),
            activities=[],
        )


def test_time_in_state_runs_until_the_next_change_and_the_last_until_now() -> None:
    events = [
        StageEvent("X", 1, None, "Discovery", when("2026-03-01")),
        StageEvent("X", 2, "Discovery", "Evaluation", when("2026-03-11")),
    ]
    timed = timed_history(events, now=when("2026-03-14"))
    assert [t.time_in_state for t in timed] == [timedelta(days=10), timedelta(days=3)]
    assert timed[-1].still_there


def test_a_move_dated_ahead_of_the_clock_is_refused_naming_move_at() -> None:
    with pytest.raises(PipefitError, match="ahead of the clock") as refused:
        decide_move(
            inbound(),
            deal("Evaluation"),
            target="Closed lost",
            at=datetime(2099, 1, 1, tzinfo=UTC),
            last_event=_last("Evaluation"),
            activities=[],
            reason="timing",
            now=when("2026-03-10"),
        )
    assert refused.value.field == "move.at"
    assert str(refused.value).startswith(
        "a move of ACME-RENEWAL-Q3: 2099-01-01 00:00 UTC is ahead of the clock "
        "(2026-03-10 09:00 UTC)"
    )


def test_a_move_up_to_five_minutes_ahead_of_the_clock_passes() -> None:
    at = when("2026-03-10") + MAX_AHEAD
    move = decide_move(
        inbound(),
        deal("Evaluation"),
        target="Closed lost",
        at=at,
        last_event=_last("Evaluation"),
        activities=[],
        reason="timing",
        now=when("2026-03-10"),
    )
    assert move.event.at == at


def test_a_move_after_a_voided_event_is_numbered_after_every_logged_one() -> None:
    move = decide_move(
        inbound(),
        deal("Discovery"),
        target="Closed lost",
        at=when("2026-03-05"),
        last_event=_last("Discovery"),
        activities=[],
        reason="timing",
        next_seq=3,
    )
    assert move.event.seq == 3


def test_a_move_that_would_predate_the_last_change_names_move_at() -> None:
    with pytest.raises(PipefitError, match="predate") as refused:
        decide_move(
            inbound(),
            deal("Evaluation"),
            target="Discovery",
            at=when("2026-01-01"),
            last_event=_last("Evaluation", "2026-02-01"),
            activities=[],
        )
    assert refused.value.field == "move.at"


def test_a_sub_state_typed_with_spaces_is_the_sub_state() -> None:
    move = decide_move(
        inbound(),
        deal("Formal proposal", substate="delivery"),
        target="Formal proposal",
        substate=" negotiation ",
        at=when("2026-04-01"),
        last_event=_last("Formal proposal"),
        activities=[],
    )
    assert move.event.substate == "negotiation"
