from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from pipefit.domain.errors import ConflictError, GateRefused, NotFound, PipefitError
from pipefit.domain.pipeline import decide_move
from pipefit.services.deals import (
    OpenDeals,
    add_activity,
    advance_stage,
    create_opportunity,
    deal_history,
)
from pipefit.services.ports.deals import DealRepository
from pipefit.store.memory.deals import MemoryDeals

from .factories import inbound, when


def _store() -> tuple[MemoryDeals, OpenDeals]:
    store = MemoryDeals({"inbound": inbound()})

    @contextmanager
    def open_deals() -> Iterator[DealRepository]:
        yield store

    return store, open_deals


def _new_deal(open_deals: OpenDeals) -> None:
    create_opportunity(
        open_deals,
        "ACME-RENEWAL-Q3",
        pipeline=None,
        default_pipeline="inbound",
        at=when("2026-02-20"),
    )


def test_a_new_deal_starts_in_the_first_stage_with_its_entry_logged() -> None:
    store, open_deals = _store()
    _new_deal(open_deals)
    assert store.opportunities["ACME-RENEWAL-Q3"].stage == "Discovery"
    assert [e.to_stage for e in store.stage_events["ACME-RENEWAL-Q3"]] == ["Discovery"]


def test_recording_the_evidence_opens_the_gate_to_evaluation() -> None:
    _, open_deals = _store()
    _new_deal(open_deals)
    for kind, purpose, by, day in [
        ("next_steps_agreed", None, None, "2026-03-01"),
        ("meeting_booked", "evaluation", None, "2026-03-02"),
        ("meeting_accepted", "Evaluation", "prospect", "2026-03-03"),
    ]:
        add_activity(open_deals, "ACME-RENEWAL-Q3", kind, at=when(day), purpose=purpose, by=by)
    advance_stage(open_deals, "ACME-RENEWAL-Q3", "Evaluation", at=when("2026-03-05"))
    history = deal_history(open_deals, "ACME-RENEWAL-Q3", now=when("2026-03-10"))
    assert [t.event.to_stage for t in history.timeline] == ["Discovery", "Evaluation"]
    assert history.timeline[0].time_in_state.days == 13


def test_a_refused_move_writes_nothing() -> None:
    store, open_deals = _store()
    _new_deal(open_deals)
    with pytest.raises(GateRefused):
        advance_stage(open_deals, "ACME-RENEWAL-Q3", "Evaluation", at=when("2026-03-05"))
    assert len(store.stage_events["ACME-RENEWAL-Q3"]) == 1
    assert store.opportunities["ACME-RENEWAL-Q3"].version == 0


def test_a_typo_in_an_activity_kind_is_refused_with_the_known_kinds() -> None:
    _, open_deals = _store()
    _new_deal(open_deals)
    with pytest.raises(PipefitError, match="unknown activity kind 'meeting_bookd'"):
        add_activity(open_deals, "ACME-RENEWAL-Q3", "meeting_bookd")


def test_evidence_on_an_unknown_deal_is_refused() -> None:
    _, open_deals = _store()
    with pytest.raises(NotFound):
        add_activity(open_deals, "NOPE", "demo_held")


def test_a_move_decided_on_a_stale_version_is_a_conflict() -> None:
    store, open_deals = _store()
    _new_deal(open_deals)
    move_opp = store.get("ACME-RENEWAL-Q3")
    advance_stage(
        open_deals, "ACME-RENEWAL-Q3", "Closed lost", at=when("2026-03-05"), reason="timing"
    )
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
