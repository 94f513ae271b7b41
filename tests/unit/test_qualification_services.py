"""Qualifying, overriding and reading decisions, against the in-memory lead repository.

The scorecard here has one parameter, so every score is worked out by hand: needs match
85% -> 100 points (Excellent), 65% -> 50 (Risky), 20% -> 0 (Null); the default rules hand
Excellent off, nurture Risky for 90 days and disqualify Null.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.model import LeadStatus
from pipefit.domain.qualification import LeadRecord
from pipefit.domain.routing import Rep
from pipefit.services.lead_decisions import decision_log, lead_detail, override_lead
from pipefit.services.qualification import assess_waiting, qualify_leads
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.leads import MemoryLeads

from .lead_factories import NOW, lead, record


def one_parameter_config(**routing: object) -> QualificationConfig:
    return QualificationConfig.model_validate(
        {
            "scorecard": {
                "thresholds": {"excellent": 90, "good": 60, "risky": 40},
                "parameters": [
                    {
                        "name": "needs_match",
                        "weight": 100,
                        "steps": [
                            {"at_least": 0, "points": 0},
                            {"at_least": 50, "points": 50},
                            {"at_least": 80, "points": 100},
                        ],
                    }
                ],
            },
            "routing": routing,
        }
    )


def lead_record(lead_id: str, needs: int, status: str = "new", days_ago: int = 10) -> LeadRecord:
    return record(
        lead=lead(
            lead_id,
            needs_match_pct=Decimal(needs),
            status=LeadStatus(status),
            owner_id="SDR-KIM",
            created_at=NOW - timedelta(days=days_ago),
        )
    )


def northwind_leads() -> MemoryLeads:
    return MemoryLeads(
        [
            lead_record("LEAD-EXCELLENT", 85),
            lead_record("LEAD-RISKY", 65, status="working"),
            lead_record("LEAD-NULL", 20),
            lead_record("LEAD-DONE", 85, status="qualified"),
        ],
        reps=[Rep("REP-ANA", "team-a", 3), Rep("REP-BO", "team-a", 1)],
    )


def test_qualifying_routes_each_waiting_lead_by_its_band_and_keeps_all_in_one_commit() -> None:
    leads = northwind_leads()
    uow = MemoryUnitOfWork(leads=leads)

    result = qualify_leads(uow, one_parameter_config(), at=NOW, learned=False)

    # Leads come oldest first; these were created together, so in id order.
    assert [(d.lead_id, d.band, d.score, d.decision) for d in result.decisions] == [
        ("LEAD-EXCELLENT", "Excellent", 100.0, "handoff"),
        ("LEAD-NULL", "Null", 0.0, "disqualify"),
        ("LEAD-RISKY", "Risky", 50.0, "nurture"),
    ]
    decided = {d.lead_id: d for d in result.decisions}
    assert decided["LEAD-EXCELLENT"].to_id == "REP-BO"  # the least loaded rep
    assert decided["LEAD-RISKY"].nurture_until == NOW + timedelta(days=90)
    assert result.written
    assert uow.committed == 1
    assert [d.decision_id for d in result.decisions] == [1, 2, 3]
    assert leads.handoffs == [("LEAD-EXCELLENT", NOW, "SDR-KIM", "REP-BO")]
    statuses = {k: str(r.lead.status) for k, r in leads.records.items()}
    assert statuses == {
        "LEAD-EXCELLENT": "qualified",
        "LEAD-RISKY": "nurture",
        "LEAD-NULL": "disqualified",
        "LEAD-DONE": "qualified",
    }

    again = qualify_leads(uow, one_parameter_config(), at=NOW, learned=False)
    assert again.decisions == []
    assert again.notes == [
        "no lead to qualify (statuses: new, working; and nurtured leads whose re-entry date "
        "has come or who have none)"
    ]
    assert uow.committed == 1


def test_a_dry_run_decides_but_writes_and_commits_nothing() -> None:
    leads = northwind_leads()
    uow = MemoryUnitOfWork(leads=leads)

    result = qualify_leads(uow, one_parameter_config(), at=NOW, dry_run=True, learned=False)

    assert len(result.decisions) == 3
    assert not result.written
    assert all(d.decision_id is None for d in result.decisions)
    assert uow.committed == 0
    assert leads.decisions == [] and leads.handoffs == []
    assert str(leads.records["LEAD-NULL"].lead.status) == "new"


def test_a_nurtured_lead_comes_back_once_its_re_entry_date_has_come() -> None:
    uow = MemoryUnitOfWork(leads=northwind_leads())
    qualify_leads(uow, one_parameter_config(), at=NOW, learned=False)

    early = qualify_leads(uow, one_parameter_config(), at=NOW + timedelta(days=89), learned=False)
    due = qualify_leads(uow, one_parameter_config(), at=NOW + timedelta(days=90), learned=False)

    assert early.decisions == []
    assert [d.lead_id for d in due.decisions] == ["LEAD-RISKY"]


def test_hand_offs_within_the_load_window_count_toward_a_reps_load() -> None:
    leads = northwind_leads()
    # Three recent hand-offs make REP-BO's load 1 + 3 = 4, above REP-ANA's 3; one from
    # before the 90-day window does not count.
    recent = NOW - timedelta(days=10)
    leads.handoffs += [("LEAD-OLD", recent, None, "REP-BO")] * 3
    leads.handoffs.append(("LEAD-OLDER", NOW - timedelta(days=91), None, "REP-ANA"))

    result = qualify_leads(
        MemoryUnitOfWork(leads=leads), one_parameter_config(segment_teams={}),
        lead_ids=["LEAD-EXCELLENT"], at=NOW, learned=False,
    )  # fmt: skip

    [decision] = result.decisions
    assert decision.to_id == "REP-ANA"
    assert decision.reasons[-1] == (
        "Excellent: hand off to sales; rep REP-ANA: least loaded in all sales reps (3 open)"
    )


def test_routing_by_a_learned_score_that_cannot_be_learned_is_refused_and_nothing_kept() -> None:
    leads = northwind_leads()
    uow = MemoryUnitOfWork(leads=leads)

    with pytest.raises(PipefitError, match="route_by is 'p_success', but it could not be learned"):
        qualify_leads(uow, one_parameter_config(route_by="p_success"), at=NOW)

    assert uow.committed == 0
    assert uow.rolled_back == 1
    assert leads.decisions == []


def test_assessing_waiting_leads_judges_only_the_chosen_statuses_up_to_the_limit() -> None:
    uow = MemoryUnitOfWork(leads=northwind_leads())

    found = assess_waiting(uow, one_parameter_config(), statuses=["new"], limit=0)
    first = assess_waiting(uow, one_parameter_config(), statuses=["new", "working"], limit=1)

    assert {a.lead_id: a.card.score for a in found} == {"LEAD-EXCELLENT": 100, "LEAD-NULL": 0}
    assert len(first) == 1
    assert uow.committed == 0


def test_an_override_replaces_the_decision_in_force_and_both_stay_in_the_log() -> None:
    leads = northwind_leads()
    uow = MemoryUnitOfWork(leads=leads)
    first = qualify_leads(uow, one_parameter_config(), at=NOW, learned=False)
    disqualified = next(d for d in first.decisions if d.lead_id == "LEAD-NULL")

    changed = override_lead(
        uow, "LEAD-NULL", decision="handoff", by="MGR-EVA", to_id="REP-ANA",
        at=NOW + timedelta(hours=1),
    )  # fmt: skip

    assert changed.decision_id == 4
    assert changed.overrides == disqualified.decision_id
    assert changed.reasons == (
        f"overridden by MGR-EVA: hand off to REP-ANA instead of disqualify "
        f"(decision {disqualified.decision_id})",
    )
    assert uow.committed == 2
    assert [d.decision_id for d in decision_log(uow, "LEAD-NULL")] == [
        4,
        disqualified.decision_id,
    ]
    assert str(leads.records["LEAD-NULL"].lead.status) == "qualified"
    assert leads.handoffs[-1] == ("LEAD-NULL", NOW + timedelta(hours=1), None, "REP-ANA")


def test_a_lead_without_a_decision_cannot_be_overridden_and_nothing_is_written() -> None:
    leads = northwind_leads()
    uow = MemoryUnitOfWork(leads=leads)

    with pytest.raises(PipefitError, match="LEAD-NULL has no decision to override yet") as e:
        override_lead(uow, "LEAD-NULL", decision="disqualify", by="MGR-EVA", note="rival")

    assert e.value.field == "lead"
    assert "--" not in str(e.value)
    assert leads.decisions == [] and uow.committed == 0


def test_the_log_of_an_unknown_lead_is_not_found() -> None:
    with pytest.raises(NotFound, match="no lead 'LEAD-NOBODY'"):
        decision_log(MemoryUnitOfWork(leads=northwind_leads()), "LEAD-NOBODY")


def test_a_leads_detail_has_its_scorecard_and_its_decisions_newest_first() -> None:
    uow = MemoryUnitOfWork(leads=northwind_leads())
    qualify_leads(uow, one_parameter_config(), at=NOW, learned=False)
    override_lead(uow, "LEAD-EXCELLENT", decision="nurture", by="MGR-EVA",
                  until=NOW + timedelta(days=30), at=NOW + timedelta(hours=2))  # fmt: skip

    assessment, decisions, notes = lead_detail(
        uow, one_parameter_config(), "LEAD-EXCELLENT", learned=False
    )

    assert assessment.card.score == 100
    assert str(assessment.card.band) == "Excellent"
    assert [d.decision for d in decisions] == ["nurture", "handoff"]
    assert notes == []
