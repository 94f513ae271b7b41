from __future__ import annotations

import pytest

from pipefit.domain.errors import ConflictError, GateRefused, NotFound, PipefitError
from pipefit.domain.pipeline import decide_move
from pipefit.services.deals import (
    add_activity,
    advance_stage,
    create_opportunity,
    deal_history,
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
    assert history.timeline[0].time_in_state.days == 13


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
