"""Lanes and scorecards as services: read through the in-memory repository, and the
proposal written through a ConfigFile kept in memory."""

from __future__ import annotations

from datetime import timedelta

from pipefit.config import default_config_text, parse_config
from pipefit.config.qualification import QualificationConfig
from pipefit.domain.proposal import Profile, Proposal
from pipefit.domain.qualification import BandThresholds
from pipefit.domain.scorecard import Parameter, Scorecard
from pipefit.services.scorecards import lane_book, write_scorecard
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.files import MemoryConfigFile
from pipefit.store.memory.leads import MemoryLeads

from .lead_factories import NOW, customer, lead, record


def test_lanes_are_figured_from_the_customers_the_repository_holds() -> None:
    # Five logistics / smb customers, two renewed; two retail / mid, one churned.
    logistics = [customer(f"ACC-L{i}", renewed=i < 2, days_ago=400 + i) for i in range(5)]
    retail = [
        customer("ACC-R0", renewed=True),
        customer("ACC-R1", renewed=False, churned_at=NOW - timedelta(days=100)),
    ]
    leads = MemoryLeads(
        [record(lead=lead(created_at=NOW))],
        customers=[("logistics", "smb", c) for c in logistics]
        + [("retail", "mid", c) for c in retail],
    )

    book = lane_book(MemoryUnitOfWork(leads=leads), QualificationConfig())

    rows = {name: stats.as_row() for name, stats in book.lanes.items()}
    assert {row["lane"]: row["customers"] for row in rows.values()} == {
        "logistics / smb": 5,
        "retail / mid": 2,
    }
    assert [row["successful_pct"] for row in rows.values()] == [40.0, 50.0]
    assert book.overall is not None
    assert book.overall.customers == 7


def _proposal() -> Proposal:
    card = Scorecard(
        (Parameter("needs_match", 60, steps=((0, 0), (70, 100)), missing=20),
         Parameter("referral", 40, points={"yes": 100, "no": 30}, missing=30)),
        BandThresholds(70, 55, 40),
    )  # fmt: skip
    profiles = (Profile("needs_match", 60, ">= 70", "< 70", 0.9),)
    return Proposal(card, customers=40, best=10, worst=10, profiles=profiles)


def test_a_proposed_scorecard_replaces_only_the_scorecard_in_the_config_file() -> None:
    original = default_config_text()
    file = MemoryConfigFile(original)

    where = write_scorecard(file, _proposal())

    assert where == "memory:pipefit.toml"
    assert file.writes == 1
    config = parse_config(file.text)
    card = config.qualification.scorecard
    assert [p.name for p in card.parameters] == ["needs_match", "referral"]
    assert (card.thresholds.excellent, card.thresholds.good, card.thresholds.risky) == (70, 55, 40)
    assert "# Proposed by pipefit on " in file.text
    assert "from the 10 most and 10 least successful of 40 customers" in file.text
    # Everything else, pipelines and comments, is as it was.
    assert config.pipelines == parse_config(original).pipelines
    first_comment = next(line for line in original.splitlines() if line.startswith("#"))
    assert first_comment in file.text
