from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from pipefit.domain.errors import ConflictError, GateRefused, NotFound, PipefitError
from pipefit.domain.model import Category, Person, Role, StageEvent
from pipefit.domain.pipeline import decide_move
from pipefit.services.deals import (
    add_activity,
    advance_stage,
    correct_stage_event,
    create_opportunity,
    deal_history,
    list_opportunities,
    show_pipeline,
)
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.deals import MemoryDeals

from .factories import inbound, when


def _store() -> tuple[MemoryDeals, MemoryUnitOfWork]:
    store = MemoryDeals({"inbound": inbound()})
    return store, MemoryUnitOfWork(deals=store)


def _new_deal(uow: MemoryUnitOfWork) -> None:
    create_opportunity(
        uow,
        "ACME-RENEWAL-Q3",
        pipeline=None,
        default_pipeline="inbound",
        at=when("2026-02-20"),
    )


def test_a_new_deal_starts_in_the_first_stage_with_its_entry_logged() -> None:
    store, uow = _store()
    _new_deal(uow)
    assert store.opportunities["ACME-RENEWAL-Q3"].stage == "Discovery"
    assert [e.to_stage for e in store.stage_events["ACME-RENEWAL-Q3"]] == ["Discovery"]


def test_recording_the_evidence_opens_the_gate_to_evaluation() -> None:
    _, uow = _store()
    _new_deal(uow)
    for kind, purpose, by, day in [
        ("next_steps_agreed", None, None, "2026-03-01"),
        ("meeting_booked", "evaluation", None, "2026-03-02"),
        ("meeting_accepted", "Evaluation", "prospect", "2026-03-03"),
    ]:
        add_activity(uow, "ACME-RENEWAL-Q3", kind, at=when(day), purpose=purpose, by=by)
    advance_stage(uow, "ACME-RENEWAL-Q3", "Evaluation", at=when("2026-03-05"))
    history = deal_history(uow, "ACME-RENEWAL-Q3", now=when("2026-03-10"))
    assert [t.event.to_stage for t in history.timeline] == ["Discovery", "Evaluation"]
    assert history.timeline[0].time_in_state == timedelta(days=13)


def test_a_refused_move_writes_nothing() -> None:
    store, uow = _store()
    _new_deal(uow)
    with pytest.raises(GateRefused):
        advance_stage(uow, "ACME-RENEWAL-Q3", "Evaluation", at=when("2026-03-05"))
    assert len(store.stage_events["ACME-RENEWAL-Q3"]) == 1
    assert store.opportunities["ACME-RENEWAL-Q3"].version == 0


def test_a_typo_in_an_activity_kind_is_refused_with_the_known_kinds() -> None:
    _, uow = _store()
    _new_deal(uow)
    with pytest.raises(PipefitError, match="unknown activity kind 'meeting_bookd'"):
        add_activity(uow, "ACME-RENEWAL-Q3", "meeting_bookd")


def test_evidence_on_an_unknown_deal_is_refused() -> None:
    _, uow = _store()
    with pytest.raises(NotFound):
        add_activity(uow, "NOPE", "demo_held")


def test_a_move_decided_on_a_stale_version_is_a_conflict() -> None:
    store, uow = _store()
    _new_deal(uow)
    move_opp = store.get("ACME-RENEWAL-Q3")
    advance_stage(uow, "ACME-RENEWAL-Q3", "Closed lost", at=when("2026-03-05"), reason="timing")
    stale = decide_move(
        inbound(),
        move_opp,
        target="Closed lost",
        at=when("2026-03-06"),
        last_event=store.events("ACME-RENEWAL-Q3")[0],
        activities=[],
        reason="no budget",
    )
    with pytest.raises(ConflictError):
        store.save_move(move_opp.version, stale.opportunity, stale.event)
    assert len(store.stage_events["ACME-RENEWAL-Q3"]) == 2


def test_evidence_by_an_unknown_party_is_refused_with_field_activity_by() -> None:
    store, uow = _store()
    _new_deal(uow)
    with pytest.raises(PipefitError, match="must be one of prospect, rep, presales") as refused:
        add_activity(uow, "ACME-RENEWAL-Q3", "meeting_accepted", by="the CFO")
    assert refused.value.field == "activity.by"
    assert "--" not in str(refused.value)
    assert store.activity_log == []


def test_a_new_deal_is_committed_and_a_refused_one_is_not() -> None:
    _, uow = _store()
    _new_deal(uow)
    assert uow.committed == 1
    with pytest.raises(PipefitError, match="unknown pipeline 'outbound'"):
        create_opportunity(
            uow,
            "GLOBEX-NEW",
            pipeline="outbound",
            default_pipeline="inbound",
            at=when("2026-03-01"),
        )
    assert uow.committed == 1
    assert uow.rolled_back == 1


def test_show_pipeline_gives_the_default_pipeline_when_none_is_named() -> None:
    _, uow = _store()
    assert show_pipeline(uow, None, default_pipeline="inbound").name == "inbound"


# The clock: nothing dated ahead of it ------------------------------------------------


def _clock(day: str = "2026-03-10", hour: int = 9) -> Callable[[], datetime]:
    return lambda: when(day, hour)


def test_a_move_dated_ahead_of_the_clock_is_refused_and_writes_nothing() -> None:
    store, uow = _store()
    _new_deal(uow)
    future = datetime(2099, 1, 1, tzinfo=UTC)
    with pytest.raises(PipefitError, match="ahead of the clock") as refused:
        advance_stage(uow, "ACME-RENEWAL-Q3", "Closed lost", at=future, reason="x", clock=_clock())
    assert refused.value.field == "move.at"
    assert "2099-01-01 00:00 UTC is ahead of the clock (2026-03-10 09:00 UTC)" in str(refused.value)
    assert len(store.stage_events["ACME-RENEWAL-Q3"]) == 1


def test_a_move_a_few_minutes_ahead_of_the_clock_passes_for_clocks_drift() -> None:
    _, uow = _store()
    _new_deal(uow)
    ahead = when("2026-03-10") + timedelta(minutes=5)
    move = advance_stage(
        uow, "ACME-RENEWAL-Q3", "Closed lost", at=ahead, reason="timing", clock=_clock()
    )
    assert move.event.at == ahead
    with pytest.raises(PipefitError, match="ahead of the clock"):
        advance_stage(
            uow,
            "ACME-RENEWAL-Q3",
            "Discovery",
            at=ahead + timedelta(seconds=1),
            clock=lambda: ahead - timedelta(minutes=5, seconds=1),
        )


def test_a_deal_or_evidence_dated_ahead_of_the_clock_is_refused() -> None:
    store, uow = _store()
    future = datetime(2099, 1, 1, tzinfo=UTC)
    with pytest.raises(PipefitError, match="ahead of the clock") as refused:
        create_opportunity(
            uow, "GLOBEX-NEW", pipeline=None, default_pipeline="inbound", at=future, clock=_clock()
        )
    assert refused.value.field == "opportunity.at"
    assert store.opportunities == {}
    _new_deal(uow)
    with pytest.raises(PipefitError, match="ahead of the clock") as refused:
        add_activity(uow, "ACME-RENEWAL-Q3", "demo_held", at=future, clock=_clock())
    assert refused.value.field == "activity.at"
    assert store.activity_log == []


def test_the_time_of_a_move_defaults_to_the_clock() -> None:
    _, uow = _store()
    _new_deal(uow)
    move = advance_stage(uow, "ACME-RENEWAL-Q3", "Closed lost", reason="x", clock=_clock())
    assert move.event.at == when("2026-03-10")


# Correcting a wrong move -------------------------------------------------------------


def _frozen(store: MemoryDeals, uow: MemoryUnitOfWork) -> None:
    """A deal moved to Evaluation at 2099-01-01 (logged before the clock rule existed)."""
    _new_deal(uow)
    deal = store.opportunities["ACME-RENEWAL-Q3"]
    deal.stage, deal.version = "Evaluation", 1
    store.stage_events["ACME-RENEWAL-Q3"].append(
        StageEvent(
            "ACME-RENEWAL-Q3", 2, "Discovery", "Evaluation", datetime(2099, 1, 1, tzinfo=UTC)
        )
    )


def test_a_deal_frozen_by_a_move_in_2099_moves_again_once_an_admin_corrects_the_time() -> None:
    store, uow = _store()
    _frozen(store, uow)
    with pytest.raises(PipefitError, match="would predate the last recorded change"):
        advance_stage(uow, "ACME-RENEWAL-Q3", "Evaluation", reason="x", clock=_clock())
    correction = correct_stage_event(
        uow,
        " ACME-RENEWAL-Q3 ",
        2,
        at=when("2026-03-05"),
        reason="the year was typed as 2099",
        actor_id="admin-ann",
        clock=_clock(),
    )
    assert correction.record.recorded_at == when("2026-03-10")
    assert store.stage_corrections["ACME-RENEWAL-Q3"] == [correction.record]
    assert len(store.stage_events["ACME-RENEWAL-Q3"]) == 2  # the log itself is unchanged
    assert store.opportunities["ACME-RENEWAL-Q3"].version == 2
    move = advance_stage(
        uow, "ACME-RENEWAL-Q3", "Discovery", reason="new stakeholder", clock=_clock()
    )
    assert (move.event.seq, move.kind, move.event.at) == (3, "backward", when("2026-03-10"))


def test_the_history_shows_the_correction_and_counts_time_from_the_true_times() -> None:
    store, uow = _store()
    _frozen(store, uow)
    correct_stage_event(
        uow,
        "ACME-RENEWAL-Q3",
        2,
        at=when("2026-03-05"),
        reason="typo",
        actor_id="admin-ann",
        clock=_clock(),
    )
    history = deal_history(uow, "ACME-RENEWAL-Q3", clock=_clock("2026-03-12"))
    assert [(t.event.seq, t.time_in_state) for t in history.timeline] == [
        (1, timedelta(days=13)),
        (2, timedelta(days=7)),
    ]
    assert history.timeline[1].correction == store.stage_corrections["ACME-RENEWAL-Q3"][0]
    assert history.timeline[1].logged_at == datetime(2099, 1, 1, tzinfo=UTC)
    assert len(history.corrections) == 1


def test_a_voided_move_puts_the_deal_back_and_the_next_move_is_numbered_after_it() -> None:
    store, uow = _store()
    _frozen(store, uow)
    correct_stage_event(
        uow,
        "ACME-RENEWAL-Q3",
        2,
        void=True,
        reason="moved by mistake",
        actor_id="admin-ann",
        clock=_clock(),
    )
    assert store.opportunities["ACME-RENEWAL-Q3"].stage == "Discovery"
    move = advance_stage(uow, "ACME-RENEWAL-Q3", "Closed lost", reason="no budget", clock=_clock())
    assert (move.event.seq, move.event.from_stage) == (3, "Discovery")
    history = deal_history(uow, "ACME-RENEWAL-Q3", clock=_clock())
    assert [(t.event.seq, t.void) for t in history.timeline] == [
        (1, False),
        (3, False),
        (2, True),
    ]


def test_a_correction_by_someone_who_is_not_an_admin_is_refused_and_keeps_nothing() -> None:
    store, uow = _store()
    _frozen(store, uow)
    store.people["rep-dana"] = Person("rep-dana", "Dana", Role.SALES_REP)
    store.people["admin-ann"] = Person("admin-ann", "Ann", Role.ADMIN)
    with pytest.raises(PipefitError, match="only an admin") as refused:
        correct_stage_event(
            uow, "ACME-RENEWAL-Q3", 2, void=True, reason="x", actor_id="rep-dana", clock=_clock()
        )
    assert refused.value.field == "correction.actor"
    assert store.stage_corrections == {}
    assert store.opportunities["ACME-RENEWAL-Q3"].version == 1
    correct_stage_event(
        uow, "ACME-RENEWAL-Q3", 2, void=True, reason="x", actor_id="admin-ann", clock=_clock()
    )
    assert len(store.stage_corrections["ACME-RENEWAL-Q3"]) == 1


def test_a_correction_decided_on_a_stale_version_is_a_conflict() -> None:
    store, uow = _store()
    _frozen(store, uow)
    correction = correct_stage_event(
        uow, "ACME-RENEWAL-Q3", 2, void=True, reason="x", actor_id="admin-ann", clock=_clock()
    )
    with pytest.raises(ConflictError):
        store.save_correction(1, correction.opportunity, correction.record)
    assert len(store.stage_corrections["ACME-RENEWAL-Q3"]) == 1


# Closes before the last change ---------------------------------------------------------


def test_a_history_closed_before_its_last_change_shows_no_negative_time() -> None:
    store, uow = _store()
    _new_deal(uow)
    won = store.opportunities["ACME-RENEWAL-Q3"]
    won.stage, won.outcome = "Closed won", Category.WON
    won.closed_at = when("2026-03-01") - timedelta(days=764, hours=3)
    store.stage_events["ACME-RENEWAL-Q3"].append(
        StageEvent("ACME-RENEWAL-Q3", 2, "Discovery", "Closed won", when("2026-03-01"))
    )
    history = deal_history(uow, "ACME-RENEWAL-Q3", clock=_clock())
    assert [t.time_in_state for t in history.timeline] == [timedelta(days=9), timedelta(0)]
    assert "before this change" in history.timeline[-1].notes[0]


# Ids, kinds and purposes as people type them --------------------------------------------


def test_ids_are_trimmed_wherever_a_person_types_one() -> None:
    store, uow = _store()
    create_opportunity(
        uow,
        " opp-1 ",
        pipeline=None,
        default_pipeline="inbound",
        at=when("2026-02-20"),
        owner_id=" rep-dana ",
        clock=_clock(),
    )
    assert list(store.opportunities) == ["opp-1"]
    assert store.opportunities["opp-1"].owner_id == "rep-dana"
    add_activity(uow, "opp-1  ", "next_steps_agreed", at=when("2026-03-01"), clock=_clock())
    advance_stage(uow, "\topp-1", "Closed lost", reason="timing", clock=_clock())
    assert deal_history(uow, " opp-1", clock=_clock()).opportunity.stage == "Closed lost"
    with pytest.raises(ConflictError, match="'opp-1' already exists"):
        create_opportunity(uow, "opp-1 ", pipeline=None, default_pipeline="inbound", clock=_clock())


@pytest.mark.parametrize("typed", ["", "   ", "\n"])
def test_an_empty_opportunity_id_is_refused_and_creates_nothing(typed: str) -> None:
    store, uow = _store()
    with pytest.raises(PipefitError, match="an opportunity id is empty") as refused:
        create_opportunity(uow, typed, pipeline=None, default_pipeline="inbound", clock=_clock())
    assert refused.value.field == "opportunity.id"
    assert store.opportunities == {}
    for call in (
        lambda: advance_stage(uow, typed, "Evaluation"),
        lambda: deal_history(uow, typed),
        lambda: add_activity(uow, typed, "demo_held"),
    ):
        with pytest.raises(PipefitError, match="an opportunity id is empty"):
            call()


def test_an_unknown_purpose_is_refused_suggesting_the_nearest_and_records_nothing() -> None:
    store, uow = _store()
    _new_deal(uow)
    with pytest.raises(PipefitError) as refused:
        add_activity(uow, "ACME-RENEWAL-Q3", "meeting_booked", purpose="evalution")
    assert refused.value.field == "activity.purpose"
    assert str(refused.value) == (
        "unknown meeting purpose 'evalution'; did you mean 'evaluation'? "
        "known purposes: discovery, evaluation, overview, refinement"
    )
    assert store.activity_log == []
    recorded = add_activity(uow, "ACME-RENEWAL-Q3", "meeting_booked", purpose=" Evaluation ")
    assert recorded.purpose == "evaluation"


def test_an_unknown_kind_is_refused_suggesting_the_nearest() -> None:
    _, uow = _store()
    _new_deal(uow)
    with pytest.raises(PipefitError, match="did you mean 'meeting_booked'") as refused:
        add_activity(uow, "ACME-RENEWAL-Q3", "meeting_bookd")
    assert refused.value.field == "activity.kind"


# Listing deals ------------------------------------------------------------------------


def test_deals_are_listed_by_id_and_filtered_by_stage_and_owner() -> None:
    _, uow = _store()
    for deal_id, owner in [("GLOBEX-NEW", "rep-dana"), ("ACME-RENEWAL-Q3", "rep-eli")]:
        create_opportunity(
            uow,
            deal_id,
            pipeline=None,
            default_pipeline="inbound",
            at=when("2026-02-20"),
            owner_id=owner,
        )
    advance_stage(uow, "GLOBEX-NEW", "Closed lost", at=when("2026-03-01"), reason="timing")
    ids = [o.opportunity_id for o in list_opportunities(uow).opportunities]
    assert ids == ["ACME-RENEWAL-Q3", "GLOBEX-NEW"]
    in_discovery = list_opportunities(uow, stage=" discovery ")
    assert [o.opportunity_id for o in in_discovery.opportunities] == ["ACME-RENEWAL-Q3"]
    assert in_discovery.stage == "discovery"
    danas = list_opportunities(uow, owner="rep-dana").opportunities
    assert [o.opportunity_id for o in danas] == ["GLOBEX-NEW"]
    assert len(list_opportunities(uow, limit=1).opportunities) == 1


def test_listing_by_an_unknown_stage_suggests_the_nearest() -> None:
    _, uow = _store()
    with pytest.raises(
        PipefitError, match="no pipeline has a stage 'Evalution'; did you mean"
    ) as refused:
        list_opportunities(uow, stage="Evalution")
    assert refused.value.field == "opportunity.stage"
