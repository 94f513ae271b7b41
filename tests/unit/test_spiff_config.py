"""SPIFFs and presales credit in pipefit.toml: read exactly, or refused in one line that
names the plan and the key."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pipefit.config import default_config_text, parse_config
from pipefit.domain.errors import ConfigError
from pipefit.domain.spiffs import SpiffKind

SECTION_START = "[compensation]"
PLAN = "[compensation.plans.rep-2026]\ntiers = [{ from = 0, rate = 1 }]\n"
ROLES = '[compensation.roles]\nsales_rep = "rep-2026"\npresales = "rep-2026"\n'


def with_spiff(body: str, *, products: str = "") -> str:
    """The default pipefit.toml with its [compensation] tables replaced by one plan with
    one SPIFF (`body`), and a products list if given."""
    head, _, _ = default_config_text().partition(SECTION_START)
    section = f"[compensation]\n{products}\n" if products else ""
    spiff = "[compensation.plans.rep-2026.spiffs.q1-new-logo]\n"
    return head + section + ROLES + PLAN + spiff + body


def refusal(text: str) -> str:
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_a_spiff_is_read_with_its_dates_conditions_and_caps() -> None:
    text = with_spiff(
        'kind = "per_deal"\nstart = 2026-01-01\nend = 2026-03-31\namount = 500\n'
        'segments = ["smb"]\nproducts = ["Core"]\ndeal_type = "new_logo"\n'
        "min_amount = 10000\ncap_per_period = 2000\ncap_total = 5000\n",
        products='products = ["Core", "Enterprise suite"]',
    )
    (spiff,) = parse_config(text).compensation.plans_domain()["rep-2026"].spiffs
    assert spiff.kind is SpiffKind.PER_DEAL
    assert (spiff.start, spiff.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert (spiff.amount, spiff.min_amount) == (Decimal(500), Decimal(10000))
    assert (spiff.segments, spiff.products, spiff.deal_type) == (("smb",), ("Core",), "new_logo")
    assert (spiff.cap_per_period, spiff.cap_total) == (Decimal(2000), Decimal(5000))


def test_an_unknown_spiff_kind_is_refused_at_its_key() -> None:
    message = refusal(with_spiff('kind = "kicker"\nstart = 2026-01-01\nend = 2026-03-31\n'))
    assert message.startswith(
        "pipefit.toml: compensation.plans.rep-2026.spiffs.q1-new-logo.kind: Input should be"
    )


def test_a_negative_spiff_amount_names_the_plan_and_the_key() -> None:
    message = refusal(
        with_spiff('kind = "per_deal"\nstart = 2026-01-01\nend = 2026-03-31\namount = -500\n')
    )
    assert message == (
        "pipefit.toml: compensation.plans.rep-2026: plan 'rep-2026': "
        "spiffs.q1-new-logo.amount: is -500; it cannot be negative"
    )


def test_a_spiff_ending_before_it_starts_is_refused() -> None:
    message = refusal(
        with_spiff('kind = "per_deal"\nstart = 2026-03-31\nend = 2026-01-01\namount = 500\n')
    )
    assert message.endswith(
        "plan 'rep-2026': spiffs.q1-new-logo.end: is 2026-01-01, before its start 2026-03-31"
    )


def test_a_spiff_on_an_unknown_segment_lists_the_workspace_s_segments() -> None:
    message = refusal(
        with_spiff(
            'kind = "per_deal"\nstart = 2026-01-01\nend = 2026-03-31\namount = 500\n'
            'segments = ["midmarket"]\n'
        )
    )
    assert message.endswith(
        "plan 'rep-2026': spiffs.q1-new-logo.segments: 'midmarket' is not a known segment "
        "(the workspace's [[segments]]: small, smb, enterprise)"
    )


def test_a_spiff_on_a_product_not_in_the_product_list_is_refused() -> None:
    message = refusal(
        with_spiff(
            'kind = "rate_uplift"\nstart = 2026-01-01\nend = 2026-03-31\nuplift_pct = 2\n'
            'products = ["Core+"]\n',
            products='products = ["Core"]',
        )
    )
    assert message.endswith(
        "plan 'rep-2026': spiffs.q1-new-logo.products: 'Core+' is not a known product "
        "(compensation.products: Core)"
    )


def test_a_team_bonus_without_a_target_says_what_it_needs() -> None:
    message = refusal(
        with_spiff('kind = "team_bonus"\nstart = 2026-01-01\nend = 2026-03-31\namount = 9\n')
    )
    assert message.endswith("spiffs.q1-new-logo.target: is missing; a team_bonus SPIFF needs it")


def test_presales_credit_is_the_pool_by_default_and_per_deal_when_asked() -> None:
    head, _, _ = default_config_text().partition(SECTION_START)
    plans = parse_config(
        head + ROLES + PLAN + "[compensation.plans.se]\ntiers = [{ from = 0, rate = 1 }]\n"
        'presales_credit = "deal"\n'
    ).compensation.plans_domain()
    assert (plans["rep-2026"].presales_credit, plans["se"].presales_credit) == ("pool", "deal")
    message = refusal(head + ROLES + PLAN + 'presales_credit = "overlay"\n')
    assert message.startswith("pipefit.toml: compensation.plans.rep-2026.presales_credit:")
