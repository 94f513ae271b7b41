from __future__ import annotations

import pytest

from pipefit.config import default_config_text, parse_config
from pipefit.domain.errors import GateRefused, PipefitError
from pipefit.domain.pipeline import Pipeline, decide_move
from pipefit.domain.qualification import demo_readiness
from pipefit.services.deals import add_activity, advance_stage, create_opportunity
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.deals import MemoryDeals

from .factories import deal, evidence, when
from .lead_factories import account, lead


def _demo_gated() -> Pipeline:
    text = default_config_text().replace(
        'name = "Solutions overview"\ndescription = "Both sides accept a meeting to review '
        'possible solutions."\nentry = [',
        'name = "Solutions overview"\ndescription = "Both sides accept a meeting to review '
        'possible solutions."\nentry = [\n  { kind = "lead_demo_ready" },',
    )
    return parse_config(text).pipelines_by_name()["inbound"]


OVERVIEW_MEETING = [
    evidence("meeting_booked", "2026-03-02", "overview"),
    evidence("meeting_accepted", "2026-03-03", "overview", "prospect"),
    evidence("meeting_accepted", "2026-03-03", "overview", "rep"),
]


def test_a_demo_is_refused_for_a_lead_whose_situation_slide_is_thin() -> None:
    thin = demo_readiness(lead(problems=None, value_realization_events=None), account())
    with pytest.raises(GateRefused) as refused:
        decide_move(
            _demo_gated(),
            deal("Evaluation"),
            target="Solutions overview",
            at=when("2026-03-05"),
            last_event=None,
            activities=OVERVIEW_MEETING,
            lead=thin,
        )
    message = str(refused.value)
    assert "Solutions overview needs a demo-ready lead (Situation Slide at least 85% complete" in (
        message
    )
    assert (
        "lead LEAD-NORTHWIND-1's Situation Slide 71.4% complete (missing: the problems behind "
        "it, the Value Realization Events)" in message
    )


def test_a_demo_ready_lead_passes_the_gate() -> None:
    move = decide_move(
        _demo_gated(),
        deal("Evaluation"),
        target="Solutions overview",
        at=when("2026-03-05"),
        last_event=None,
        activities=OVERVIEW_MEETING,
        lead=demo_readiness(lead(), account()),
    )
    assert move.opportunity.stage == "Solutions overview"


def test_a_deal_without_a_lead_cannot_pass_a_demo_ready_gate() -> None:
    with pytest.raises(GateRefused, match="found: no lead linked to this deal"):
        decide_move(
            _demo_gated(),
            deal("Evaluation"),
            target="Solutions overview",
            at=when("2026-03-05"),
            last_event=None,
            activities=[],
        )


def _store() -> tuple[MemoryDeals, MemoryUnitOfWork]:
    store = MemoryDeals({"inbound": _demo_gated()})
    return store, MemoryUnitOfWork(deals=store)


def test_advancing_a_deal_reads_its_leads_situation_slide() -> None:
    store, uow = _store()
    create_opportunity(
        uow, "ACME-RENEWAL-Q3", pipeline=None, default_pipeline="inbound",
        at=when("2026-02-20"),
    )  # fmt: skip
    store.opportunities["ACME-RENEWAL-Q3"].lead_id = "LEAD-NORTHWIND-1"
    store.opportunities["ACME-RENEWAL-Q3"].stage = "Solutions refinement"
    store.leads["LEAD-NORTHWIND-1"] = lead(capabilities="", value_realization_events=None)
    store.accounts["ACC-NORTHWIND"] = account()
    for kind, purpose, by in [
        ("meeting_booked", "overview", None),
        ("meeting_accepted", "overview", "prospect"),
        ("meeting_accepted", "overview", "rep"),
    ]:
        add_activity(uow, "ACME-RENEWAL-Q3", kind, at=when("2026-03-02"), purpose=purpose, by=by)
    # Moving backwards never needs evidence; moving forward into the demo stage does.
    advance_stage(uow, "ACME-RENEWAL-Q3", "Evaluation", at=when("2026-03-03"))
    with pytest.raises(GateRefused, match=r"71.4% complete \(missing: the capabilities"):
        advance_stage(uow, "ACME-RENEWAL-Q3", "Solutions overview", at=when("2026-03-05"))
    store.leads["LEAD-NORTHWIND-1"] = lead()
    move = advance_stage(uow, "ACME-RENEWAL-Q3", "Solutions overview", at=when("2026-03-06"))
    assert move.kind == "forward"


def test_nobody_can_record_a_demo_ready_activity_by_hand() -> None:
    _, uow = _store()
    create_opportunity(
        uow, "ACME-RENEWAL-Q3", pipeline=None, default_pipeline="inbound",
        at=when("2026-02-20"),
    )  # fmt: skip
    with pytest.raises(PipefitError, match="unknown activity kind 'lead_demo_ready'"):
        add_activity(uow, "ACME-RENEWAL-Q3", "lead_demo_ready")
