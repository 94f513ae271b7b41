"""Proposing a scorecard as a service: customers read through the in-memory repository,
the proposal written into a pipefit.toml kept in memory (which refuses text that would not
load, as the real file does)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipefit.config import default_config_text, parse_config
from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import ConfigError, PipefitError
from pipefit.domain.qualification import LeadRecord
from pipefit.services.ports.files import ConfigFile
from pipefit.services.scorecards import propose, write_scorecard
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.files import MemoryConfigFile
from pipefit.store.memory.leads import MemoryLeads

from .lead_factories import NOW, account, contact, customer, lead

_: ConfigFile = MemoryConfigFile("")  # the fake is the port (mypy checks it)


def customers_decided_by_referral(count: int = 40) -> MemoryLeads:
    """`count` customers alike in every way but one: the referred half renewed, expanded
    and became references (grade 3); the other half churned (grade -2)."""
    records = []
    for i in range(count):
        referred = i % 2 == 0
        outcome = customer(
            f"ACC-{i:03d}",
            renewed=referred,
            expanded=referred,
            reference=referred,
            churned_at=None if referred else NOW - timedelta(days=60),
        )
        records.append(
            LeadRecord(
                lead=lead(f"LEAD-{i:03d}", account_id=f"ACC-{i:03d}", referral=referred,
                          created_at=NOW - timedelta(days=600 - i)),
                account=account(account_id=f"ACC-{i:03d}"),
                contact=contact(account_id=f"ACC-{i:03d}"),
                deals=1,
                won_deals=1,
                customer=outcome,
            )
        )  # fmt: skip
    lanes = [("logistics", "smb", r.customer) for r in records if r.customer]
    return MemoryLeads(records, customers=lanes)


def test_the_proposal_weighs_only_the_parameter_that_sets_the_best_customers_apart() -> None:
    # 40 customers: the best quarter (10) are all referred, the worst quarter (10) all
    # churned and not referred; every other parameter is the same for everyone, so it
    # tells the groups apart no better than chance and gets no weight.
    uow = MemoryUnitOfWork(leads=customers_decided_by_referral())

    proposal = propose(uow, QualificationConfig())

    assert (proposal.customers, proposal.best, proposal.worst) == (40, 10, 10)
    (referral,) = proposal.card.parameters
    assert (referral.name, referral.weight) == ("referral", 100.0)
    # Points: (k + 0.5) / (n + 1) among the best against the worst, as a share of 100 in
    # steps of 5. "yes": 10.5/11 vs 0.5/11 -> 95.45 -> 95; "no": the other way -> 5.
    assert referral.points == {"yes": 95.0, "no": 5.0}
    # The thresholds are the typical scores: the best 95, everyone the median of twenty
    # 95s and twenty 5s = 50, the worst 5.
    t = proposal.card.thresholds
    assert (t.excellent, t.good, t.risky) == (95, 50, 5)
    profile = next(p for p in proposal.profiles if p.parameter == "referral")
    assert (profile.best, profile.worst, profile.separation) == ("yes", "no", 1.0)


def test_proposing_reads_in_a_unit_of_work_and_commits_nothing() -> None:
    uow = MemoryUnitOfWork(leads=customers_decided_by_referral())

    propose(uow, QualificationConfig())

    assert (uow.committed, uow.rolled_back) == (0, 0)


def test_too_few_customers_to_propose_from_is_refused_naming_how_many() -> None:
    uow = MemoryUnitOfWork(leads=customers_decided_by_referral(19))

    with pytest.raises(PipefitError) as refused:
        propose(uow, QualificationConfig())

    assert str(refused.value).startswith(
        "19 customers with a lead behind them are too few to propose a scorecard from (need 20)"
    )


def test_a_proposal_written_to_the_config_file_loads_back_as_the_same_scorecard() -> None:
    proposal = propose(
        MemoryUnitOfWork(leads=customers_decided_by_referral()), QualificationConfig()
    )
    file = MemoryConfigFile(default_config_text(), location="workspace/pipefit.toml")

    where = write_scorecard(file, proposal)

    assert where == "workspace/pipefit.toml"
    assert file.writes == 1
    card = parse_config(file.text).qualification.scorecard
    assert [(p.name, p.weight, dict(p.points or {})) for p in card.parameters] == [
        ("referral", 100.0, {"yes": 95.0, "no": 5.0})
    ]
    assert (card.thresholds.excellent, card.thresholds.good, card.thresholds.risky) == (95, 50, 5)


def test_a_config_file_without_a_qualification_section_gains_one_with_the_scorecard() -> None:
    proposal = propose(
        MemoryUnitOfWork(leads=customers_decided_by_referral()), QualificationConfig()
    )
    text = default_config_text()
    start, end = text.index("[qualification]"), text.index("[compensation]")
    file = MemoryConfigFile(text[:start] + text[end:])
    assert "qualification" not in parse_config(file.text).model_fields_set

    write_scorecard(file, proposal)

    config = parse_config(file.text)
    assert [p.name for p in config.qualification.scorecard.parameters] == ["referral"]
    assert config.compensation == parse_config(text).compensation


def test_a_config_file_refuses_text_that_would_not_load_and_keeps_what_it_had() -> None:
    original = default_config_text()
    file = MemoryConfigFile(original)

    with pytest.raises(ConfigError) as not_toml:
        file.replace("[workspace\n")
    with pytest.raises(ConfigError) as unknown_key:
        file.replace(original.replace('currency = "USD"', 'currency = "USD"\ncolour = 1'))

    assert "memory:pipefit.toml: not valid TOML" in str(not_toml.value)
    assert "colour" in str(unknown_key.value)
    assert (file.text, file.writes) == (original, 0)


def test_writing_a_proposal_into_a_config_file_that_would_not_load_writes_nothing() -> None:
    # Only the scorecard is replaced; the unknown key elsewhere stays, so the result would
    # not load and the file refuses it.
    proposal = propose(
        MemoryUnitOfWork(leads=customers_decided_by_referral()), QualificationConfig()
    )
    original = default_config_text().replace('currency = "USD"', 'currency = "USD"\ncolour = 1')
    file = MemoryConfigFile(original)

    with pytest.raises(ConfigError) as refused:
        write_scorecard(file, proposal)

    assert "colour" in str(refused.value)
    assert (file.text, file.writes) == (original, 0)
