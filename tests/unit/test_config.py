from __future__ import annotations

import pytest

from pipefit.config import default_config_text, parse_config
from pipefit.domain.errors import ConfigError
from pipefit.domain.model import Category


def test_the_default_workspace_has_the_five_inbound_stages_and_both_closed_ones() -> None:
    config = parse_config(default_config_text())
    pipeline = config.pipelines_by_name()[config.default_pipeline]
    assert [s.name for s in pipeline.stages] == [
        "Discovery",
        "Evaluation",
        "Solutions overview",
        "Solutions refinement",
        "Formal proposal",
        "Closed won",
        "Closed lost",
    ]
    assert pipeline.stage("Formal proposal").substates == (
        "delivery",
        "review",
        "negotiation",
        "signature",
    )
    assert pipeline.stage("Closed won").category is Category.WON
    assert pipeline.stage("Closed lost").category is Category.LOST


def test_default_segments_follow_the_gartner_line() -> None:
    segments = parse_config(default_config_text()).segmentation()
    assert segments.segment_of(99) == "small"
    assert segments.segment_of(100) == "smb"
    assert segments.segment_of(999) == "smb"
    assert segments.segment_of(1000) == "enterprise"
    assert segments.segment_of(None) == "unknown"


def test_a_misspelt_stage_category_is_reported_with_its_key_and_value() -> None:
    text = default_config_text().replace('category = "won"', 'category = "wonn"')
    with pytest.raises(ConfigError) as error:
        parse_config(text, "pipefit.toml")
    assert "pipelines.0.stages.5.category" in str(error.value)
    assert "'wonn'" in str(error.value)


def test_an_unknown_key_is_refused_rather_than_ignored() -> None:
    text = default_config_text().replace(
        'name = "Discovery"', 'name = "Discovery"\nentry_trigger = []'
    )
    with pytest.raises(ConfigError, match="entry_trigger"):
        parse_config(text)


def test_a_pipeline_without_a_lost_stage_is_refused() -> None:
    text = default_config_text().replace('category = "lost"', 'category = "open"')
    with pytest.raises(ConfigError, match="category 'lost'"):
        parse_config(text)


def test_segment_thresholds_out_of_order_are_refused() -> None:
    text = default_config_text().replace("min_employees = 1000", "min_employees = 50")
    with pytest.raises(ConfigError, match="strictly increase"):
        parse_config(text)


def test_broken_toml_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"my\.toml: not valid TOML"):
        parse_config("[[pipelines]\n", "my.toml")


def test_the_schema_head_constant_matches_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from pipefit.store.database import SCHEMA_HEAD, alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_current_head() == SCHEMA_HEAD


def test_a_segment_below_the_one_before_it_is_reported_at_its_own_threshold() -> None:
    text = default_config_text().replace("min_employees = 1000", "min_employees = 50")
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert str(error.value) == (
        "pipefit.toml: segments.2.min_employees: is 50, not above the segment before it "
        "(100): min_employees must strictly increase"
    )


def test_a_stage_named_twice_is_reported_at_the_second_name() -> None:
    text = default_config_text().replace('name = "Evaluation"', 'name = "discovery"')
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert str(error.value).startswith("pipefit.toml: pipelines.0.stages.1.name: stage ")
    assert "appears twice" in str(error.value)


def test_two_default_pipelines_are_reported_at_pipelines() -> None:
    second = default_config_text().split("[[pipelines]]", 1)[1].split("# Lead qualification")[0]
    text = default_config_text().replace(
        "# Lead qualification",
        "[[pipelines]]" + second.replace('"inbound"', '"outbound"', 1) + "# Lead qualification",
    )
    with pytest.raises(ConfigError, match=r"^pipefit\.toml: pipelines: only one pipeline"):
        parse_config(text)
