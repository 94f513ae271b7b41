"""The success-ready scorecard as configured, as pipefit proposes it, and the lanes behind it."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit

from pipefit.config import CONFIG_FILE, Workspace, parse_config
from pipefit.domain.lanes import LaneBook
from pipefit.domain.proposal import Proposal, propose_scorecard
from pipefit.domain.scorecard import Scorecard
from pipefit.services.qualification import load_history

__all__ = ["card_rows", "lane_book", "propose", "scorecard_toml", "write_scorecard"]


def lane_book(workspace: Workspace) -> LaneBook:
    return load_history(workspace).lanes


def propose(workspace: Workspace) -> Proposal:
    history = load_history(workspace)
    return propose_scorecard(history.records, history.lanes, now=history.now)


def card_rows(card: Scorecard) -> list[dict[str, Any]]:
    rows = []
    for p in card.parameters:
        if p.steps:
            how = ", ".join(f">= {start:g}: {points:g}" for start, points in p.steps)
        else:
            how = ", ".join(f"{k}: {v:g}" for k, v in p.points.items())
        rows.append({"parameter": p.name, "weight": p.weight, "points": how, "missing": p.missing})
    return rows


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


def write_scorecard(workspace: Workspace, proposal: Proposal) -> Path:
    """Replace the scorecard in pipefit.toml (the rest, comments included, is kept)."""
    path = workspace.root / CONFIG_FILE
    doc = tomlkit.parse(path.read_text("utf-8"))
    proposed = tomlkit.parse(scorecard_toml(proposal))
    if "qualification" not in doc:
        doc.add("qualification", tomlkit.table(is_super_table=True))
    qualification: Any = doc["qualification"]
    if "scorecard" in qualification:
        del qualification["scorecard"]
    qualification.add("scorecard", proposed["qualification"]["scorecard"])
    text = tomlkit.dumps(doc)
    parse_config(text, str(path))  # refuse to write a file that would not load
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temp, path)
    return path
