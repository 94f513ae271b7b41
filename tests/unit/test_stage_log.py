"""The stage log as corrections leave it, and time in state that is never negative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipefit.domain.clock import MAX_AHEAD
from pipefit.domain.corrections import Correction, check_corrector, decide_correction
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.model import Category, StageEvent, StageEventCorrection
from pipefit.domain.stage_log import StageLog, timed_history

from .factories import deal, inbound, when

DEAL = "ACME-RENEWAL-Q3"


def _event(seq: int, to: str, at: datetime, frm: str | None = None) -> StageEvent:
    return StageEvent(DEAL, seq, frm, to, at)


def _frozen_log() -> list[StageEvent]:
    """Created in Discovery; moved to Evaluation with the year typed as 2099."""
    return [
        _event(1, "Discovery", when("2026-02-20")),
        _event(2, "Evaluation", datetime(2099, 1, 1, tzinfo=UTC), "Discovery"),
    ]


def _void(seq: int, corrects: int, reason: str = "never happened") -> StageEventCorrection:
    return StageEventCorrection(DEAL, seq, corrects, when("2026-03-10"), reason, void=True)


def _retime(seq: int, corrects: int, at: datetime) -> StageEventCorrection:
    return StageEventCorrection(DEAL, seq, corrects, when("2026-03-10"), "typo", at=at)


# Time in state -------------------------------------------------------------------


def test_a_close_before_the_last_change_counts_zero_there_with_a_note() -> None:
    # An export closed the deal a day and two hours before its last logged change.
    events = [
        _event(1, "Discovery", when("2025-01-01")),
        _event(2, "Closed won", when("2025-01-10", hour=12), "Discovery"),
    ]
    closed = when("2025-01-10", hour=12) - timedelta(days=1, hours=2)
    timeline = timed_history(events, when("2026-03-01"), closed_at=closed)
    assert [t.time_in_state for t in timeline] == [timedelta(days=9, hours=3), timedelta(0)]
    (note,) = timeline[-1].notes
    assert note == (
        "the deal closed 2025-01-09 10:00 UTC, before this change (2025-01-10 12:00 UTC): "
        "time in Closed won is counted to the later of the two, 0"
    )
    assert timeline[0].notes == ()


def test_a_change_dated_after_now_counts_zero_so_far_with_a_note() -> None:
    timeline = timed_history(_frozen_log(), when("2026-03-10"))
    assert timeline[-1].time_in_state == timedelta(0)
    assert timeline[-1].still_there
    assert timeline[-1].notes == (
        "dated after now (2026-03-10 09:00 UTC): time in Evaluation is counted to the later "
        "of the two, 0",
    )


def test_events_dated_against_the_logs_order_are_shown_by_date_with_a_note() -> None:
    events = [
        _event(1, "Discovery", when("2026-01-01")),
        _event(2, "Evaluation", when("2026-01-20"), "Discovery"),
        _event(3, "Solutions overview", when("2026-01-10"), "Evaluation"),
    ]
    timeline = timed_history(events, when("2026-02-01"))
    assert [t.event.seq for t in timeline] == [1, 3, 2]
    assert [t.time_in_state for t in timeline] == [
        timedelta(days=9),
        timedelta(days=10),
        timedelta(days=12),
    ]
    assert timeline[1].notes == (
        "dated 2026-01-10 09:00 UTC, before event 2 (2026-01-20 09:00 UTC) that was logged "
        "ahead of it; shown in date order",
    )


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(
    times=st.lists(moments, min_size=1, max_size=8),
    now=moments,
    closed=st.none() | moments,
    voided=st.sets(st.integers(min_value=2, max_value=8)),
)
def test_no_time_in_state_is_ever_negative(
    times: list[datetime], now: datetime, closed: datetime | None, voided: set[int]
) -> None:
    events = [_event(i + 1, f"S{i}", at) for i, at in enumerate(times)]
    corrections = [_void(n, s) for n, s in enumerate(sorted(voided), start=1)]
    timeline = timed_history(events, now, corrections, closed_at=closed)
    assert len(timeline) == len(events)
    for t in timeline:
        if t.void:
            assert t.time_in_state is None
        else:
            assert t.time_in_state is not None and t.time_in_state >= timedelta(0)
    assert sum(t.still_there for t in timeline) == 1


# The corrected log ----------------------------------------------------------------


def test_a_corrected_time_replaces_the_logged_one_and_keeps_it_for_the_record() -> None:
    log = StageLog.of(_frozen_log(), [_retime(1, 2, when("2026-03-05"))])
    assert log.latest is not None
    assert log.latest.at == when("2026-03-05")
    timeline = timed_history(_frozen_log(), when("2026-03-10"), log.corrections)
    assert [t.time_in_state for t in timeline] == [timedelta(days=13), timedelta(days=5)]
    assert timeline[-1].logged_at == datetime(2099, 1, 1, tzinfo=UTC)
    assert timeline[-1].notes == ()


def test_a_voided_event_is_no_change_and_has_no_time_but_keeps_its_number() -> None:
    log = StageLog.of(_frozen_log(), [_void(1, 2)])
    assert log.latest == _frozen_log()[0]
    assert log.next_seq == 3
    assert log.next_correction_seq == 2
    timeline = timed_history(_frozen_log(), when("2026-03-10"), log.corrections)
    assert [(t.event.seq, t.time_in_state, t.void) for t in timeline] == [
        (1, timedelta(days=18), False),
        (2, None, True),
    ]
    assert timeline[0].still_there


def test_of_two_corrections_of_one_event_the_last_is_in_force() -> None:
    log = StageLog.of(
        _frozen_log(),
        [_retime(2, 2, when("2026-03-06")), _retime(1, 2, when("2026-03-05"))],
    )
    assert log.latest is not None
    assert log.latest.at == when("2026-03-06")


# Deciding a correction ----------------------------------------------------------------


def _correct(
    log: StageLog,
    seq: int = 2,
    *,
    at: datetime | None = None,
    void: bool = False,
    reason: str | None = "the year was typed as 2099",
    stage: str = "Evaluation",
) -> Correction:
    return decide_correction(
        inbound(),
        deal(stage),
        log,
        seq=seq,
        reason=reason,
        at=at,
        void=void,
        actor_id="admin-ann",
        now=when("2026-03-10"),
    )


def test_a_correction_gives_the_true_time_keeping_the_stage() -> None:
    correction = _correct(StageLog.of(_frozen_log()), at=when("2026-03-05"))
    assert correction.kind == "time"
    assert correction.record == StageEventCorrection(
        DEAL,
        1,
        2,
        when("2026-03-10"),
        "the year was typed as 2099",
        at=when("2026-03-05"),
        actor_id="admin-ann",
    )
    assert correction.corrected == _frozen_log()[1]
    assert correction.opportunity.stage == "Evaluation"
    assert correction.opportunity.version == 2


def test_voiding_the_last_change_puts_the_deal_back_where_the_log_now_ends() -> None:
    correction = _correct(StageLog.of(_frozen_log()), void=True)
    assert correction.kind == "void"
    assert correction.opportunity.stage == "Discovery"
    assert correction.opportunity.outcome is Category.OPEN
    assert correction.opportunity.closed_at is None


def test_voiding_a_close_reopens_the_deal() -> None:
    events = [
        _event(1, "Discovery", when("2026-02-20")),
        _event(2, "Closed lost", when("2026-03-01"), "Discovery"),
    ]
    correction = _correct(StageLog.of(events), void=True, stage="Closed lost")
    assert correction.opportunity.stage == "Discovery"
    assert correction.opportunity.outcome is Category.OPEN


def test_retiming_a_close_moves_the_close_date() -> None:
    events = [
        _event(1, "Discovery", when("2026-02-20")),
        _event(2, "Closed won", datetime(2099, 1, 1, tzinfo=UTC), "Discovery"),
    ]
    won = deal("Closed won", outcome=Category.WON, closed_at=datetime(2099, 1, 1, tzinfo=UTC))
    correction = decide_correction(
        inbound(),
        won,
        StageLog.of(events),
        seq=2,
        reason="typo",
        at=when("2026-03-01"),
        void=False,
        actor_id="admin-ann",
        now=when("2026-03-10"),
    )
    assert correction.opportunity.closed_at == when("2026-03-01")
    assert correction.opportunity.outcome is Category.WON


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": " "}, "correction.reason", "needs a reason"),
        ({}, "correction.at", "gives the event's true time, or voids the event"),
        ({"void": True, "at": when("2026-03-05")}, "correction.void", "not both"),
        ({"seq": 1, "void": True}, "correction.event", "its entry into the pipeline"),
        (
            {"at": when("2026-03-10") + MAX_AHEAD + timedelta(minutes=1)},
            "correction.at",
            "ahead of the clock",
        ),
        ({"at": when("2026-02-19")}, "correction.at", "would then come before event 1"),
        ({"seq": 1, "at": when("2026-02-20")}, "correction.at", "already at"),
    ],
)
def test_a_correction_is_refused_naming_its_field(
    changes: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(PipefitError, match=message) as refused:
        _correct(StageLog.of(_frozen_log()), **changes)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_correction_of_an_event_the_log_lacks_names_the_events_it_has() -> None:
    with pytest.raises(NotFound, match="has no event 7; its events are numbered 1 to 2"):
        _correct(StageLog.of(_frozen_log()), seq=7, at=when("2026-03-05"))


def test_a_voided_event_cannot_be_corrected_again() -> None:
    log = StageLog.of(_frozen_log(), [_void(1, 2, "entered twice")])
    with pytest.raises(PipefitError, match=r"was voided on 2026-03-10 .* \(entered twice\)"):
        _correct(log, at=when("2026-03-05"), stage="Discovery")


def test_a_correction_after_the_next_event_is_refused() -> None:
    events = [
        _event(1, "Discovery", when("2026-02-20")),
        _event(2, "Evaluation", when("2026-03-01"), "Discovery"),
        _event(3, "Discovery", when("2026-03-05"), "Evaluation"),
    ]
    with pytest.raises(PipefitError, match=r"would then come after event 2 \(Evaluation"):
        _correct(StageLog.of(events), seq=1, at=when("2026-03-02"), stage="Discovery")


def test_only_a_named_admin_corrects_the_log_when_the_workspace_knows_its_people() -> None:
    assert check_corrector(" admin-ann ", "admin", people_known=True) == "admin-ann"
    assert check_corrector("ann", None, people_known=False) == "ann"
    for actor, role, known, message in [
        (None, None, False, "says who makes it"),
        ("rep-dana", "sales_rep", True, "rep-dana is a sales rep; only an admin"),
        ("nobody", None, True, "no person 'nobody'"),
    ]:
        with pytest.raises(PipefitError, match=message) as refused:
            check_corrector(actor, role, people_known=known)
        assert refused.value.field == "correction.actor"
