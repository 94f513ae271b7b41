from __future__ import annotations

import tomllib

import pytest

from pipefit.config import default_config_text, parse_config
from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import ConfigError
from pipefit.domain.pipeline import LEAD_DEMO_READY


def test_the_default_file_spells_out_exactly_the_built_in_defaults() -> None:
    written = tomllib.loads(default_config_text())["qualification"]
    assert QualificationConfig.model_validate(written) == QualificationConfig()


def test_a_workspace_without_the_section_gets_the_defaults() -> None:
    text = default_config_text()
    start = text.index("# Lead qualification")
    end = text.index('reason = "poor fit: below the Risky bar"') + len(
        'reason = "poor fit: below the Risky bar"'
    )
    config = parse_config(text[:start] + text[end:])
    assert config.qualification == QualificationConfig()


def test_an_unknown_scorecard_parameter_is_reported_with_its_key() -> None:
    text = default_config_text().replace('name = "needs_match"', 'name = "needz_match"')
    with pytest.raises(ConfigError) as error:
        parse_config(text, "pipefit.toml")
    message = str(error.value)
    assert "pipefit.toml: qualification.scorecard.parameters.0:" in message
    assert "unknown parameter 'needz_match'" in message


def test_thresholds_out_of_order_are_reported_with_their_key() -> None:
    text = default_config_text().replace(
        "thresholds = { excellent = 72.0, good = 58.0, risky = 44.0 }",
        "thresholds = { excellent = 50.0, good = 58.0, risky = 44.0 }",
    )
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert "qualification.scorecard.thresholds" in str(error.value)
    assert "must fall from excellent to good to risky" in str(error.value)


def test_a_routing_section_must_cover_every_band() -> None:
    text = default_config_text().replace('band = "Null"', 'band = "Risky"')
    with pytest.raises(ConfigError, match=r"qualification.routing.*missing: \['Null'\]"):
        parse_config(text)


def _with_gate(requirement: str) -> str:
    return default_config_text().replace(
        '{ kind = "proposal_sent" }]', f'{{ kind = "proposal_sent" }}, {requirement}]'
    )


def test_a_stage_can_ask_for_a_demo_ready_lead_at_the_configured_minimum() -> None:
    pipeline = parse_config(_with_gate('{ kind = "lead_demo_ready" }')).pipelines_by_name()
    gate = pipeline["inbound"].stage("Formal proposal").entry[1]
    assert gate.kind == LEAD_DEMO_READY
    assert gate.demo_ready_min == 85.0
    assert gate.demo_ready_fields == ("value_realization_events",)
    assert gate.describe() == (
        "a demo-ready lead (Situation Slide at least 85% complete, with the Value "
        "Realization Events)"
    )


def test_a_stage_can_set_its_own_demo_ready_minimum() -> None:
    pipeline = parse_config(_with_gate("{ demo_ready_min = 60 }")).pipelines_by_name()
    assert pipeline["inbound"].stage("Formal proposal").entry[1].demo_ready_min == 60


def test_a_demo_ready_minimum_cannot_ride_on_an_activity() -> None:
    with pytest.raises(ConfigError, match="'demo_ready_min' asks for a demo-ready lead"):
        parse_config(_with_gate('{ kind = "demo_held", demo_ready_min = 60 }'))


def test_an_unknown_assignment_rule_is_reported_at_qualification_routing_assign() -> None:
    text = default_config_text().replace('assign = "segment_and_load"', 'assign = "round_robin"')
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert str(error.value) == (
        "pipefit.toml: qualification.routing.assign: must be one of segment_and_load, load, "
        "owner_team, got 'round_robin'"
    )
    assert error.value.field == "qualification.routing.assign"


def test_an_unknown_situation_slide_part_is_reported_at_demo_ready_required() -> None:
    text = default_config_text().replace(
        'required = ["value_realization_events"]', 'required = ["value_events"]'
    )
    with pytest.raises(ConfigError, match=r"qualification\.demo_ready\.required: unknown"):
        parse_config(text)
