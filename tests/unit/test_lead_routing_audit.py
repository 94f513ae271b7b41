"""Routing under an audit (issue 10, item 13): nurtured leads without a re-entry date come
back, overrides show their notes and mark what they replaced, and hand-offs go to the
segment's team and spread over its reps."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest

from pipefit.config import default_config_text, parse_config
from pipefit.config.qualification import QualificationConfig
from pipefit.config.segment_teams import with_segment_teams
from pipefit.domain.qualification import Band
from pipefit.domain.routing import Assignment, Rep, choose_rep
from pipefit.sample.clock import make_clock
from pipefit.sample.company import build_org, segment_teams, team_columns
from pipefit.services.lead_decisions import decision_log, override_lead
from pipefit.services.qualification import qualify_leads
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.leads import MemoryLeads
from pipefit.views import to_json
from pipefit.views.leads import decisions_view

from .lead_factories import NOW, account, record
from .test_lead_views import shown
from .test_qualification_services import lead_record, northwind_leads, one_parameter_config


@pytest.mark.parametrize("team_size", [2, 3, 4, 5, 6, 7, 14, 20])
def test_fourteen_hand_offs_spread_within_one_of_even_over_a_team_of_equal_loads(
    team_size: int,
) -> None:
    reps = [Rep(f"REP-{n:02d}", "TEAM-SMB", 25) for n in range(team_size)]
    reps.append(Rep("REP-ENTERPRISE", "TEAM-ENTERPRISE", 0))  # another segment's rep
    assignment = Assignment("segment_and_load", {"smb": ["TEAM-SMB"]})
    taken = Counter(
        choose_rep(reps, assignment, segment="smb", team=None)[0].person_id  # type: ignore[union-attr]
        for _ in range(14)
    )
    counts = [taken.get(r.person_id, 0) for r in reps[:-1]]
    # 14 over N: each rep gets 14 // N or one more, never the other segment's rep.
    assert sum(counts) == 14 and "REP-ENTERPRISE" not in taken
    assert max(counts) - min(counts) <= 1
    # Ties go by id: with 14 = 3 x 4 + 2 over 4 reps, REP-00 and REP-01 take the extra.
    if team_size == 4:
        assert counts == [4, 4, 3, 3]


def test_a_segment_whose_listed_teams_have_no_rep_goes_to_every_rep_and_says_so() -> None:
    reps = [Rep("REP-ANA", "team-a", 3), Rep("REP-BO", "team-a", 1)]
    rep, why = choose_rep(
        reps, Assignment("segment_and_load", {"smb": ["team-002"]}), segment="smb", team=None
    )
    assert rep is not None and rep.person_id == "REP-BO"
    assert why == (
        "rep REP-BO: least loaded in all sales reps (no rep in the teams listed for smb: "
        "team-002) (1 open)"
    )


def test_a_lead_imported_as_nurture_without_a_date_is_qualified_again_on_every_run() -> None:
    leads = MemoryLeads(
        [
            lead_record("LEAD-NURTURED-NO-DATE", 85, status="nurture"),
            lead_record("LEAD-NURTURED-RISKY", 65, status="nurture"),
        ],
        reps=[Rep("REP-BO", "team-a", 1)],
    )
    uow = MemoryUnitOfWork(leads=leads)
    first = qualify_leads(uow, one_parameter_config(), at=NOW, learned=False)
    # Both come back although pipefit never set a date: 85% is Excellent (hand off), 65%
    # Risky (nurtured again, now until NOW + 90 days).
    assert [(d.lead_id, d.decision) for d in first.decisions] == [
        ("LEAD-NURTURED-NO-DATE", "handoff"),
        ("LEAD-NURTURED-RISKY", "nurture"),
    ]
    # The re-nurtured lead waits for its date; then it is due again.
    assert qualify_leads(uow, one_parameter_config(), at=NOW + timedelta(days=89),
                         learned=False).decisions == []  # fmt: skip
    due = qualify_leads(uow, one_parameter_config(), at=NOW + timedelta(days=90), learned=False)
    assert [d.lead_id for d in due.decisions] == ["LEAD-NURTURED-RISKY"]


def test_an_override_shows_its_note_and_the_hand_off_it_replaced_is_marked_superseded() -> None:
    leads = northwind_leads()
    uow = MemoryUnitOfWork(leads=leads)
    first = qualify_leads(uow, one_parameter_config(segment_teams={}), at=NOW, learned=False)
    handoff = next(d for d in first.decisions if d.decision == "handoff")
    assert (handoff.lead_id, handoff.to_id) == ("LEAD-EXCELLENT", "REP-BO")

    changed = override_lead(
        uow, "LEAD-EXCELLENT", decision="disqualify", by="MGR-EVA", note="bought a rival",
        at=NOW + timedelta(hours=1),
    )  # fmt: skip

    log = decision_log(uow)
    by_id = {d.decision_id: d for d in log}
    assert by_id[handoff.decision_id].state == "superseded"
    assert by_id[handoff.decision_id].superseded_by == changed.decision_id
    assert by_id[changed.decision_id].state == "in force"
    assert all(d.state == "in force" for d in log if d.lead_id != "LEAD-EXCELLENT")
    view = decisions_view(log)
    rows = {r["id"]: r for r in json.loads(to_json(view))}
    assert rows[changed.decision_id]["note"] == "bought a rival"
    assert (rows[handoff.decision_id]["state"], rows[handoff.decision_id]["superseded_by"]) == (
        "superseded",
        changed.decision_id,
    )
    assert "bought a rival" in shown(view) and "superseded" in shown(view)
    # The overridden hand-off no longer weighs on REP-BO: back to its 1 open deal.
    loads = {r.person_id: r.load for r in leads.rep_loads(since=NOW - timedelta(days=90))}
    assert loads == {"REP-ANA": 3, "REP-BO": 1}


def test_the_default_configuration_sends_each_segment_to_the_sample_company_s_team() -> None:
    config = QualificationConfig()
    assert config.routing.segment_teams == {
        "enterprise": ["team-001"],
        "smb": ["team-002"],
        "small": ["team-002"],
    }
    written = tomllib.loads(default_config_text())["qualification"]["routing"]["segment_teams"]
    assert written == config.routing.segment_teams


def _team_segments(opportunities: int) -> dict[str, list[str]]:
    """The teams of a generated company by the segment they sell to (enterprise or SMB)."""
    org = build_org(
        np.random.Generator(np.random.PCG64(7)), opportunities, make_clock(date(2024, 1, 1))
    )
    ids = team_columns(org)["team_id"].to_pylist()
    ent = [t for t, e in zip(ids, org.team_enterprise.tolist(), strict=True) if e]
    smb = [t for t, e in zip(ids, org.team_enterprise.tolist(), strict=True) if not e]
    return {"enterprise": ent, "smb": smb, "small": smb}


@pytest.mark.parametrize("opportunities", [3000, 5000, 9000, 60000])
def test_the_generated_company_s_segment_teams_are_its_own_teams(opportunities: int) -> None:
    assert segment_teams(opportunities) == _team_segments(opportunities)


def test_the_demo_s_default_size_matches_the_default_configuration() -> None:
    assert segment_teams(3000) == QualificationConfig().routing.segment_teams


def test_setting_segment_teams_keeps_the_rest_of_the_file_and_its_comments() -> None:
    text = with_segment_teams(default_config_text(), segment_teams(9000))
    # 9,000 opportunities: 22 reps, 9 enterprise (one team) and 13 SMB (two teams).
    assert parse_config(text).qualification.routing.segment_teams == {
        "enterprise": ["team-001"],
        "smb": ["team-002", "team-003"],
        "small": ["team-002", "team-003"],
    }
    assert "# Which teams take each segment's leads." in text
    assert text.replace('"team-002", "team-003"', '"team-002"') == default_config_text()


def test_a_lead_of_the_smb_segment_goes_to_the_smb_team_by_default() -> None:
    leads = MemoryLeads(
        [record(lead=lead_record("LEAD-SMB", 85).lead, account=account(segment="smb"))],
        reps=[Rep("emp-003", "team-001", 0), Rep("emp-007", "team-002", 9)],
    )
    result = qualify_leads(MemoryUnitOfWork(leads=leads), one_parameter_config(), at=NOW,
                           learned=False)  # fmt: skip
    [decision] = result.decisions
    # The enterprise rep is idle, but the lead is SMB's: it goes to the SMB team's rep.
    assert decision.to_id == "emp-007"
    assert decision.band == str(Band.EXCELLENT)
