from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pipefit.domain.errors import ConfigError, PipefitError
from pipefit.domain.qualification import Band
from pipefit.domain.routing import Assignment, LeadDecision, Rep, RoutingRule, override, route

from .lead_factories import NOW

RULES = [
    RoutingRule(Band.EXCELLENT, "handoff"),
    RoutingRule(Band.GOOD, "handoff"),
    RoutingRule(Band.RISKY, "nurture", nurture_days=60),
    RoutingRule(Band.NULL, "disqualify", reason="poor fit"),
    RoutingRule(Band.RISKY, "handoff", team="TEAM-ENTERPRISE"),
]


def _reps() -> list[Rep]:
    return [
        Rep("REP-ANA", "TEAM-SMB", 4),
        Rep("REP-BEN", "TEAM-SMB", 2),
        Rep("REP-CAL", "TEAM-ENTERPRISE", 0),
    ]


def _route(band: Band, reps: list[Rep], **kw: Any) -> LeadDecision:
    return route(
        "LEAD-NORTHWIND-1",
        band=band,
        score=66.0,
        method="scorecard",
        reasons=["Good: needs match 85%"],
        at=NOW,
        rules=RULES,
        reps=reps,
        assignment=Assignment("segment_and_load", {"smb": ["TEAM-SMB"]}),
        owner_id="SE-DANA",
        **kw,
    )


def test_a_good_lead_goes_to_the_least_loaded_rep_covering_its_segment() -> None:
    reps = _reps()
    decision = _route(Band.GOOD, reps, segment="smb")
    assert decision.decision == "handoff"
    assert decision.to_id == "REP-BEN"
    assert decision.from_id == "SE-DANA"
    assert decision.reasons[-1] == (
        "Good: hand off to sales; rep REP-BEN: least loaded in teams covering smb "
        "(TEAM-SMB) (2 open)"
    )
    assert [r.load for r in reps] == [4, 3, 0]  # the next lead sees the new load


def test_hand_offs_spread_as_loads_even_out() -> None:
    reps = _reps()
    chosen = [_route(Band.GOOD, reps, segment="smb").to_id for _ in range(3)]
    assert chosen == ["REP-BEN", "REP-BEN", "REP-ANA"]


def test_a_risky_lead_is_nurtured_until_a_re_entry_date() -> None:
    decision = _route(Band.RISKY, _reps(), segment="smb")
    assert decision.decision == "nurture"
    assert decision.nurture_until == NOW + timedelta(days=60)
    assert decision.status == "nurture"


def test_a_team_rule_comes_before_the_general_one() -> None:
    decision = _route(Band.RISKY, _reps(), segment="enterprise", team="TEAM-ENTERPRISE")
    assert decision.decision == "handoff"
    assert decision.to_id == "REP-CAL"
    assert "Risky for team TEAM-ENTERPRISE: hand off" in decision.reasons[-1]


def test_a_null_lead_is_disqualified_with_the_rules_reason() -> None:
    decision = _route(Band.NULL, _reps())
    assert decision.decision == "disqualify"
    assert decision.reasons[-1] == "Null: disqualify (poor fit)"


def test_with_no_rep_to_take_it_the_hand_off_says_it_waits_for_a_person() -> None:
    decision = _route(Band.GOOD, [], segment="smb")
    assert decision.to_id is None
    assert "no sales rep in teams covering smb" in decision.reasons[-1]


def test_an_override_names_the_person_and_the_decision_it_replaces() -> None:
    from dataclasses import replace

    first = replace(_route(Band.NULL, _reps()), decision_id=41)
    changed = override(first, decision="handoff", by="MGR-EVA", at=NOW, to_id="REP-ANA",
                       note="met them at a fair")  # fmt: skip
    assert changed.decided_by == "MGR-EVA"
    assert changed.overrides == 41
    assert changed.method == "override"
    assert changed.reasons == (
        "overridden by MGR-EVA: hand off to REP-ANA instead of disqualify (decision 41)",
    )


def test_an_override_must_say_who_to_whom_until_when_or_why() -> None:
    first = _route(Band.GOOD, _reps(), segment="smb")
    with pytest.raises(PipefitError, match="needs the rep"):
        override(first, decision="handoff", by="MGR-EVA", at=NOW)
    with pytest.raises(PipefitError, match="re-entry date after now"):
        override(first, decision="nurture", by="MGR-EVA", at=NOW)
    with pytest.raises(PipefitError, match="needs a reason"):
        override(first, decision="disqualify", by="MGR-EVA", at=NOW)
    with pytest.raises(PipefitError, match="must be one of"):
        override(first, decision="park", by="MGR-EVA", at=NOW)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"decision": "handoff", "by": " "}, "override.by"),
        ({"decision": "handoff", "by": "MGR-EVA"}, "override.to"),
        ({"decision": "nurture", "by": "MGR-EVA"}, "override.until"),
        ({"decision": "disqualify", "by": "MGR-EVA", "note": " "}, "override.note"),
        ({"decision": "park", "by": "MGR-EVA"}, "override.decision"),
    ],
)
def test_a_refused_override_names_the_field_it_is_about_and_no_flag(
    options: dict[str, str], field: str
) -> None:
    first = _route(Band.GOOD, _reps(), segment="smb")
    with pytest.raises(PipefitError) as refused:
        override(first, at=NOW, **options)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert "--" not in str(refused.value)


def test_routing_rules_and_assignment_rules_refuse_unknown_words() -> None:
    with pytest.raises(ConfigError, match="routing decision must be one of"):
        RoutingRule(Band.GOOD, "park")
    with pytest.raises(ConfigError, match="assignment rule must be one of"):
        Assignment("random")
