"""A deal's forecast category set by hand, with who and when; the stage's category in
pipefit.toml; both reach the forecast report."""

from __future__ import annotations

import pytest

from pipefit.config.pipelines import StageConfig
from pipefit.config.workspace import default_config_text, parse_config
from pipefit.domain.errors import ConfigError, ConflictError, PipefitError
from pipefit.services.deals import create_opportunity, set_forecast_category
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.deals import MemoryDeals

from .factories import inbound, when


def _deal() -> tuple[MemoryDeals, MemoryUnitOfWork]:
    store = MemoryDeals({"inbound": inbound()})
    uow = MemoryUnitOfWork(deals=store)
    create_opportunity(
        uow, "ACME", pipeline=None, default_pipeline="inbound", at=when("2026-02-20")
    )
    return store, uow


def test_an_override_is_kept_with_who_when_and_why_and_earlier_ones_stay() -> None:
    store, uow = _deal()
    first = set_forecast_category(
        uow,
        "ACME",
        "Best case",
        actor_id="mgr-1",
        note="budget signed",
        clock=lambda: when("2026-03-01"),
    )
    second = set_forecast_category(
        uow, " ACME ", "commit", actor_id="mgr-1", clock=lambda: when("2026-03-05")
    )
    assert (first.category, first.actor_id, first.note, first.seq) == (
        "best_case",
        "mgr-1",
        "budget signed",
        1,
    )
    assert (second.category, second.seq, second.at) == ("commit", 2, when("2026-03-05"))
    assert store.forecast_overrides("ACME") == [first, second]


def test_bad_overrides_are_refused_naming_the_input() -> None:
    _, uow = _deal()
    with pytest.raises(PipefitError, match="not a forecast category") as bad:
        set_forecast_category(uow, "ACME", "closed", actor_id="mgr-1")
    assert bad.value.field == "forecast.category"
    with pytest.raises(PipefitError, match="needs who sets it") as nobody:
        set_forecast_category(uow, "ACME", "commit", actor_id=None)
    assert nobody.value.field == "forecast.by"
    with pytest.raises(PipefitError, match="no opportunity"):
        set_forecast_category(uow, "NOPE", "commit", actor_id="mgr-1")


def test_two_overrides_numbered_alike_conflict() -> None:
    store, uow = _deal()
    made = set_forecast_category(uow, "ACME", "commit", actor_id="mgr-1")
    with pytest.raises(ConflictError):
        store.add_forecast_override(made)


def test_a_stage_can_name_its_forecast_category_and_only_won_stages_are_closed() -> None:
    assert StageConfig(name="Negotiation", forecast_category="commit").forecast_category == "commit"
    assert StageConfig(name="Won", category="won", forecast_category="closed").forecast_category
    with pytest.raises(ValueError, match="only a won stage"):
        StageConfig(name="Proposal", forecast_category="closed")
    with pytest.raises(ValueError, match="only a won stage"):
        StageConfig(name="Won", category="won", forecast_category="commit")
    text = default_config_text().replace(
        'name = "Discovery"', 'name = "Discovery"\nforecast_category = "bestcase"', 1
    )
    with pytest.raises(ConfigError, match="forecast_category"):
        parse_config(text)
