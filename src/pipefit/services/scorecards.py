"""The success-ready scorecard as configured, as pipefit proposes it, and the lanes behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import tomlkit

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import PipefitError
from pipefit.domain.lanes import LaneBook, build_lane_book
from pipefit.domain.proposal import Proposal, propose_scorecard
from pipefit.domain.scorecard import Scorecard, ScoringInput, score_lead
from pipefit.services.ports.files import ConfigFile
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.qualification import load_history

__all__ = [
    "CardSplit",
    "ProposalCheck",
    "check_proposal",
    "lane_book",
    "propose",
    "scorecard_toml",
    "write_scorecard",
]


def lane_book(uow: UnitOfWork, config: QualificationConfig) -> LaneBook:
    return load_history(uow, config).lanes


def propose(uow: UnitOfWork, config: QualificationConfig) -> Proposal:
    from pipefit.scoring.monotone import isotonic_points

    history = load_history(uow, config)
    return propose_scorecard(
        history.records, history.lanes, now=history.now, monotone=isotonic_points
    )


@dataclass(frozen=True)
class CardSplit:
    """One time-ordered split: a card proposed from the earlier leads' customers, and the
    card in force, both judged on the later leads that became (or not) successful customers."""

    test_from: datetime
    test_to: datetime
    leads: int
    successful: int
    auc_in_force: float | None
    auc_proposed: float | None
    lift_top20_in_force: float | None
    lift_top20_proposed: float | None


@dataclass
class ProposalCheck:
    splits: list[CardSplit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def mean(self, name: str) -> float | None:
        values = [getattr(s, name) for s in self.splits if getattr(s, name) is not None]
        return round(sum(values) / len(values), 3) if values else None

    @property
    def shortfall(self) -> float | None:
        """How much lower the proposal's mean ROC-AUC is (positive: worse); None: not judged."""
        proposed, in_force = self.mean("auc_proposed"), self.mean("auc_in_force")
        if proposed is None or in_force is None:
            return None
        return round(in_force - proposed, 3)

    def refusal(self) -> str | None:
        """Why the proposal must not replace the card in force (a lower mean ROC-AUC or a
        lower mean lift in the top 20% on later customers), or None when it may."""
        gap = self.shortfall
        if gap is None:
            return (
                "the proposed scorecard could not be compared with the one in force on later "
                "customers (" + "; ".join(self.notes or ["no split to judge it on"]) + "); "
                "not written"
            )
        worse = []
        for label, name, places in (
            ("ROC-AUC", "auc", 3),
            ("lift in the top 20%", "lift_top20", 2),
        ):
            proposed, in_force = self.mean(f"{name}_proposed"), self.mean(f"{name}_in_force")
            if proposed is not None and in_force is not None and proposed < in_force:
                worse.append(
                    f"mean {label} {proposed:.{places}f} vs {in_force:.{places}f} "
                    f"({in_force - proposed:.{places}f} lower)"
                )
        if not worse:
            return None
        return (
            "the proposed scorecard ranks later successful customers worse than the one in "
            f"force: {', '.join(worse)} over {len(self.splits)} time-ordered splits; "
            "not written"
        )


def check_proposal(
    uow: UnitOfWork, config: QualificationConfig, *, splits: int = 3
) -> ProposalCheck:
    """Backtest the proposing against the card in force, in time order: for each later
    block of leads, a card is proposed from the customers of the leads before it (lanes as
    of the block's start) and both cards rank the block's leads by future success."""
    from pipefit.domain.qualification import success_label
    from pipefit.scoring.backtest import time_splits
    from pipefit.scoring.evaluate import auc, lift
    from pipefit.scoring.monotone import isotonic_points

    history = load_history(uow, config)
    records = history.records
    in_force = config.scorecard.to_domain()
    check = ProposalCheck()
    if len(records) < 10 * splits:
        check.notes.append(f"{len(records)} leads are too few for {splits} splits")
        return check
    for train, test in time_splits(len(records), splits):
        cutoff = records[int(test[0])].lead.created_at
        lanes = build_lane_book(
            history.customers, as_of=cutoff, min_customers=config.scorecard.min_lane_customers
        )
        try:
            card = propose_scorecard(
                [records[int(i)] for i in train], lanes, now=cutoff, monotone=isotonic_points
            ).card
        except PipefitError as e:
            check.notes.append(f"before {cutoff.date()}: {e}")
            continue
        later = [records[int(i)] for i in test]
        labels = [success_label(r, history.now) for r in later]
        known = [k for k, v in enumerate(labels) if v is not None]
        y = np.array([int(bool(labels[k])) for k in known], np.int64)
        scores = {}
        for name, chosen in (("in_force", in_force), ("proposed", card)):
            found = []
            for k in known:
                r = later[k]
                segment = r.account.segment if r.account else None
                data = ScoringInput(
                    r.lead, r.account, r.contact,
                    lanes.fit(r.account.industry if r.account else None, segment),
                    lanes.ttv_norms.get(segment or ""),
                )  # fmt: skip
                found.append(score_lead(chosen, data).score)
            scores[name] = np.array(found, np.float64)
        check.splits.append(
            CardSplit(
                test_from=cutoff,
                test_to=later[-1].lead.created_at,
                leads=len(known),
                successful=int(y.sum()),
                auc_in_force=_rounded(auc(y, scores["in_force"])),
                auc_proposed=_rounded(auc(y, scores["proposed"])),
                lift_top20_in_force=_rounded(lift(y, scores["in_force"], 0.2)),
                lift_top20_proposed=_rounded(lift(y, scores["proposed"], 0.2)),
            )
        )
    return check


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


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


def write_scorecard(
    file: ConfigFile,
    proposal: Proposal,
    check: ProposalCheck | None = None,
    *,
    force: bool = False,
) -> str:
    """Replace the scorecard in pipefit.toml (the rest, comments included, is kept); the
    file refuses a text that would not load. A proposal that `check` finds worse than the
    card in force (or could not judge) is refused unless `force`. Returns where it was
    written."""
    if check is not None and not force:
        why = check.refusal()
        if why is not None:
            raise PipefitError(why, field="scorecard.force")
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
