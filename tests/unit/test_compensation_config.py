from __future__ import annotations

from pathlib import Path

import pytest

from pipefit.config import default_config_text, parse_config
from pipefit.config.compensation import CompensationConfig, load_plan_file
from pipefit.domain.errors import ConfigError

SECTION_START = "[compensation]"


def with_section(extra: str) -> str:
    """The default pipefit.toml without its [compensation] tables, plus `extra`."""
    text = default_config_text()
    head, _, _ = text.partition(SECTION_START)
    return head + extra


def test_the_default_workspace_file_spells_out_the_built_in_defaults() -> None:
    written = parse_config(default_config_text()).compensation
    assert written == CompensationConfig()
    assert set(written.plans) == {"rep-standard", "presales-standard"}
    assert written.roles == {"sales_rep": "rep-standard", "presales": "presales-standard"}


def test_a_workspace_without_a_compensation_section_still_has_plans() -> None:
    config = parse_config(with_section(""))
    assert config.compensation.plans_domain()["presales-standard"].tiers[0].rate == 1


def test_an_overlapping_tier_table_names_the_plan_and_the_field() -> None:
    text = with_section(
        "[compensation.plans.rep-2026]\n"
        "tiers = [{ from = 0, to = 100, rate = 1 }, { from = 80, rate = 2 }]\n"
    )
    with pytest.raises(
        ConfigError,
        match=r"compensation\.plans\.rep-2026: plan 'rep-2026': "
        r"tiers\[1\]\.from: is 80% but tiers\[0\] ends at 100%",
    ):
        parse_config(text)


def test_a_role_pointing_at_a_missing_plan_names_the_key() -> None:
    text = with_section('[compensation.roles]\nsales_rep = "rep-2027"\n')
    with pytest.raises(
        ConfigError,
        match=r"compensation\.roles\.sales_rep: no plan named "
        r"'rep-2027'",
    ):
        parse_config(text)


def test_a_misspelt_plan_key_is_refused_rather_than_ignored() -> None:
    text = with_section(
        "[compensation.plans.rep]\ntiers = [{ from = 0, rate = 1 }]\ncap_percent = 200\n"
    )
    with pytest.raises(ConfigError, match=r"compensation\.plans\.rep\.cap_percent: Extra inputs"):
        parse_config(text)


def test_a_rate_of_zero_for_a_currency_names_it() -> None:
    with pytest.raises(ConfigError, match=r"compensation\.rates\.EUR"):
        parse_config(with_section("[compensation.rates]\nEUR = 0\n"))


def test_an_unknown_rounding_rule_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"compensation\.rounding: Input should be 'half_even'"):
        parse_config(with_section('[compensation]\nrounding = "nearest"\n'))


def test_a_discount_of_a_hundred_percent_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"compensation\.default_discount_pct"):
        parse_config(with_section("[compensation]\ndefault_discount_pct = 100\n"))


def test_a_tier_rate_that_is_not_a_number_is_reported_at_its_key_with_the_value() -> None:
    text = with_section(
        "[compensation.plans.rep]\n"
        'tiers = [{ from = 0, to = 100, rate = 1 }, { from = 100, rate = "double" }]\n'
        "[compensation.roles]\n"
        'sales_rep = "rep"\n'
    )
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert str(error.value).startswith(
        "pipefit.toml: compensation.plans.rep.tiers.1.rate: Input should be a valid decimal"
    )
    assert "(got 'double')" in str(error.value)
    assert error.value.field == "compensation.plans.rep.tiers.1.rate"


def test_a_ramp_month_above_a_hundred_percent_is_reported_at_its_place_in_the_list() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(with_section("[compensation]\nramp_months = [50, 120]\n"))
    assert str(error.value) == (
        "pipefit.toml: compensation.ramp_months.1: is 120; a ramp is a percentage of the "
        "full quota, between 0 and 100"
    )


def test_a_person_assigned_a_missing_plan_is_reported_at_their_key_without_pydantic_words() -> None:
    text = with_section('[compensation.assignments]\n"emp-006" = "rep-enterprise"\n')
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert str(error.value).startswith(
        "pipefit.toml: compensation.assignments.emp-006: no plan named 'rep-enterprise'"
    )
    assert "Value error" not in str(error.value)
    assert error.value.field == "compensation.assignments.emp-006"


def test_a_bad_draw_in_a_plan_file_names_the_file_the_plan_and_the_key(tmp_path: Path) -> None:
    plan = tmp_path / "rep-2026.toml"
    plan.write_text('tiers = [{ from = 0, rate = 1 }]\ndraw = { monthly = "some" }\n', "utf-8")
    with pytest.raises(ConfigError) as error:
        load_plan_file(plan)
    assert str(error.value).startswith(f"{plan}: plan 'rep-2026': draw.monthly: ")
