"""The success-ready scorecard as configured, as pipefit proposes it, and the lanes behind it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import tomlkit

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.lanes import LaneBook
from pipefit.domain.proposal import Proposal, propose_scorecard
from pipefit.domain.scorecard import Scorecard
from pipefit.services.ports.files import ConfigFile
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.qualification import load_history

__all__ = ["lane_book", "propose", "scorecard_toml", "write_scorecard"]


def lane_book(uow: UnitOfWork, config: QualificationConfig) -> LaneBook:
    return load_history(uow, config).lanes


def propose(uow: UnitOfWork, config: QualificationConfig) -> Proposal:
    history = load_history(uow, config)
    return propose_scorecard(history.records, history.lanes, now=history.now)


def _card_table(card: Scorecard, comment: str) -> Any:
    section = tomlkit.table()
    section.add(tomlkit.comment(comment))
    t = card.thresholds
    thresholds = tomlkit.inline_table()
    thresholds.update({"excellent": t.excellent, "good": t.good, "risky": t.risky})
    section.add("thresholds", thresholds)
    parameters = tomlkit.aot()
    for p in card.parameters:
        entry = tomlkit.table()
        entry.add("name", p.name)
        entry.add("weight", p.weight)
        if p.steps:
            steps = tomlkit.array()
            for start, points in p.steps:
                step = tomlkit.inline_table()
                step.update({"at_least": start, "points": points})
                steps.append(step)
            entry.add("steps", steps)
        else:
            points_table = tomlkit.inline_table()
            points_table.update(dict(p.points))
            entry.add("points", points_table)
            entry.add("other", p.other)
        entry.add("missing", p.missing)
        parameters.append(entry)
    section.add("parameters", parameters)
    return section


def scorecard_toml(proposal: Proposal) -> str:
    """The proposal as the `[qualification.scorecard]` section of pipefit.toml."""
    doc = tomlkit.document()
    qualification = tomlkit.table(is_super_table=True)
    comment = (
        f"Proposed by pipefit on {datetime.now(UTC).date().isoformat()} from the "
        f"{proposal.best} most and {proposal.worst} least successful of "
        f"{proposal.customers} customers. Edit freely."
    )
    qualification.add("scorecard", _card_table(proposal.card, comment))
    doc.add("qualification", qualification)
    return tomlkit.dumps(doc)


def write_scorecard(file: ConfigFile, proposal: Proposal) -> str:
    """Replace the scorecard in pipefit.toml (the rest, comments included, is kept); the
    file refuses a text that would not load. Returns where it was written."""
    doc = tomlkit.parse(file.read())
    proposed = tomlkit.parse(scorecard_toml(proposal))
    if "qualification" not in doc:
        doc.add("qualification", tomlkit.table(is_super_table=True))
    qualification: Any = doc["qualification"]
    if "scorecard" in qualification:
        del qualification["scorecard"]
    qualification.add("scorecard", proposed["qualification"]["scorecard"])
    file.replace(tomlkit.dumps(doc))
    return file.location
