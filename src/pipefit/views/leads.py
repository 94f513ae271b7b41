"""What the lead commands show: file scores, lanes, scorecards, the backtest, assessments,
decisions and one lead, each as a `View` (a table for people, plain values for machines).

Machine documents keep the shapes scripts already read (lists of rows for the list
commands, one object for the reports); their values are plain: numbers, ISO 8601 times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipefit.domain.lanes import LaneBook
from pipefit.domain.proposal import Proposal
from pipefit.domain.routing import LeadDecision
from pipefit.domain.scorecard import Scorecard
from pipefit.services.lead_backtest import METHODS, BacktestResult
from pipefit.services.lead_files import BatchScores, FileScores
from pipefit.services.qualification import Assessment, QualifyResult
from pipefit.services.scorecards import ProposalCheck
from pipefit.views.shapes import Column, Fact, Kind, Table, View

__all__ = [
    "assessment_row",
    "assessments_view",
    "backtest_rows_view",
    "backtest_view",
    "batch_scores_view",
    "card_rows",
    "decision_row",
    "decisions_view",
    "file_scores_view",
    "lanes_view",
    "lead_view",
    "proposal_view",
    "qualify_view",
    "scorecard_view",
]

TARGET_TITLES = {"win": "Deals won", "success": "Successful customers"}


def _list_view(table: Table) -> View:
    """One table; its JSON is the list of rows (the shape the list commands always had)."""
    return View(tables=[table], document=table.plain_rows())


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


# -- leads score FILE ----------------------------------------------------------------------


def _file_document(result: FileScores) -> dict[str, Any]:
    return {
        "file": str(result.path),
        "target": result.target,
        "positive": result.positive,
        "rows": result.rows,
        "positive_rate": round(result.positive_rate, 4),
        "folds": result.folds,
        "auc": {k: _round(v, 4) for k, v in result.auc.items()},
        "leaky_fields": [w.field for w in result.leaks],
        "auc_with_leaky_fields": _round(result.auc_with_leaky_fields, 4),
        "excluded": [e.name for e in result.excluded],
        "leak_warnings": [{"field": w.field, "why": w.why} for w in result.leaks],
        "exclusions": [{"field": e.name, "why": e.why} for e in result.excluded],
        "features": result.features,
        "bands": result.bands,
        "top_leads": result.preview,
        "notes": result.notes,
        "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
    }


def file_scores_view(result: FileScores) -> View:
    """The comparison by ROC-AUC, the warnings, what was left out and the best leads.
    CSV: the comparison (the best leads when there were no folds)."""
    tables = []
    if result.auc:
        comparison = [{"method": m, "roc_auc": _round(v, 4)} for m, v in result.auc.items()]
        tables.append(
            Table(
                (Column("method"), Column("roc_auc", Kind.NUMBER, places=3)),
                comparison,
                title=f"{result.folds}-fold ROC-AUC",
                name="auc",
            )
        )
    if result.leaks:
        warnings = [{"field": w.field, "why": w.why} for w in result.leaks]
        tables.append(Table.of(warnings, title="Leak warnings (left out)", name="leak_warnings"))
    notes = list(result.notes)
    without = result.auc.get("pipefit")
    if result.auc_with_leaky_fields is not None and without is not None:
        notes.insert(
            0,
            f"pipefit's ROC-AUC is {without:.3f} without the {len(result.leaks)} fields that may "
            f"leak and {result.auc_with_leaky_fields:.3f} with them (same folds): the difference "
            "is what they would add, and it would not hold on new leads",
        )
    others = [e for e in result.excluded if not e.why.startswith("may leak")]
    if others:
        left_out = [{"field": e.name, "why": e.why} for e in others]
        tables.append(Table.of(left_out, title="Left out", name="exclusions"))
    if result.preview:
        best = [{k: v for k, v in r.items() if k != result.target} for r in result.preview]
        tables.append(Table.of(best, title="Best-scored leads", name="top_leads"))
    title = (
        f"{result.path.name}: {result.rows:,} leads, {100 * result.positive_rate:.1f}% "
        f"'{result.target}' = {result.positive}; {len(result.features)} fields used"
    )
    return View(
        title=title,
        tables=tables,
        notes=notes,
        document=_file_document(result),
        csv="auc" if result.auc else None,
    )


def batch_scores_view(result: BatchScores) -> View:
    """New leads scored with a saved model: how fast, and how many in each band."""
    document = {
        "file": str(result.path),
        "rows": result.rows,
        "model_trained_on": result.trained_on,
        "bands": result.bands,
        "top_leads": result.preview,
        "seconds": {k: round(v, 3) for k, v in result.seconds.items()},
        "leads_per_second": result.leads_per_second,
    }
    title = (
        f"{result.rows:,} leads scored in {result.seconds['score']:.2f} s "
        f"({result.leads_per_second:,} leads/s) with a model trained on {result.trained_on}"
        + (f"; written to {result.written_to}" if result.written_to else "")
    )
    bands = [{"band": k, "leads": v} for k, v in result.bands.items()]
    return View(
        title=title, tables=[Table.of(bands, title="Bands", name="bands")], document=document
    )


# -- lanes and scorecards ------------------------------------------------------------------


def lanes_view(book: LaneBook) -> View:
    rows = [s.as_row() for s in book.lanes.values()]
    if book.overall is not None:
        rows.append(book.overall.as_row())
    return _list_view(Table.of(rows, title="Lanes, from customer outcomes"))


def card_rows(card: Scorecard) -> list[dict[str, Any]]:
    """One row per parameter: its weight, its points (as the file writes them), if missing."""
    rows = []
    for p in card.parameters:
        if p.steps:
            how = ", ".join(f">= {start:g}: {points:g}" for start, points in p.steps)
        else:
            how = ", ".join(f"{k}: {v:g}" for k, v in p.points.items())
        rows.append({"parameter": p.name, "weight": p.weight, "points": how, "missing": p.missing})
    return rows


def scorecard_view(card: Scorecard) -> View:
    t = card.thresholds
    title = f"Scorecard (Excellent >= {t.excellent:g}, Good >= {t.good:g}, Risky >= {t.risky:g})"
    return _list_view(Table.of(card_rows(card), title=title))


def _check_rows(check: ProposalCheck) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"split": str(i + 1), **{k: v for k, v in s.__dict__.items()}}
        for i, s in enumerate(check.splits)
    ]
    if check.splits:
        means = ("auc_in_force", "auc_proposed", "lift_top20_in_force", "lift_top20_proposed")
        rows.append(
            {"split": "mean", "test_from": None, "test_to": None,
             "leads": sum(s.leads for s in check.splits),
             "successful": sum(s.successful for s in check.splits),
             **{m: check.mean(m) for m in means}}
        )  # fmt: skip
    return rows


def proposal_view(
    proposal: Proposal, toml: str, written_to: str | None, check: ProposalCheck | None = None
) -> View:
    """Best against worst customers, and (given `check`) the proposal against the card in
    force on later customers; the JSON also carries the card and its TOML."""
    t = proposal.card.thresholds
    profiles = [p.__dict__ for p in proposal.profiles]
    document = {
        "customers": proposal.customers,
        "most_successful": proposal.best,
        "least_successful": proposal.worst,
        "thresholds": {"excellent": t.excellent, "good": t.good, "risky": t.risky},
        "parameters": card_rows(proposal.card),
        "profiles": profiles,
        "toml": toml,
        "written_to": written_to,
    }
    tables = [Table.of(profiles, title="Best vs worst customers", name="profiles")]
    notes: list[str] = []
    if check is not None:
        rows = _check_rows(check)
        document["backtest"] = {
            "splits": rows[:-1],
            "mean": rows[-1] if rows else None,
            "auc_shortfall": check.shortfall,
            "notes": check.notes,
        }
        title = "Proposed vs in force: successful customers among later leads"
        tables.append(Table.of(rows, title=title, name="backtest"))
        notes += check.notes
        why = check.refusal()
        if why is not None:
            notes.append(why.removesuffix("; not written"))
    return View(tables=tables, notes=notes, document=document)


# -- the backtest --------------------------------------------------------------------------


def backtest_view(result: BacktestResult) -> View:
    """One table per target, each method a row; the JSON has the splits and warnings too."""
    tables = []
    for target, title in TARGET_TITLES.items():
        rows = [{k: v for k, v in r.items() if k != "target"} for r in result.rows
                if r["target"] == target]  # fmt: skip
        tables.append(Table.of(rows, title=f"{title} among later leads", name=target))
    document = {
        "methods": list(METHODS),
        "results": result.rows,
        "splits": result.splits,
        "leak_warnings": [{"field": w.field, "why": w.why} for w in result.leaks],
        "leaky_fields": [w.field for w in result.leaks],
        "included_despite_warning": result.included,
        "notes": result.notes,
    }
    return View(tables=tables, notes=list(result.notes), document=document)


def backtest_rows_view(result: BacktestResult) -> View:
    """Every (target, method) row in one table: the backtest as CSV."""
    return _list_view(Table.of(result.rows, name="results"))


# -- assessments, decisions, one lead ------------------------------------------------------


def assessment_row(a: Assessment, *, learned: bool = True) -> dict[str, Any]:
    row: dict[str, Any] = {
        "lead": a.lead_id,
        "status": str(a.record.lead.status),
        "band": str(a.card.band),
        "score": a.card.score,
        "bant": a.bant.verdict,
        "demo_ready_pct": a.demo.percent,
        "demo_ready": a.demo_ready,
    }
    if learned:
        row["p_win"] = _round(a.p_win, 3)
        row["p_success"] = _round(a.p_success, 3)
    row["flag"] = a.blind_spot or ""
    row["reasons"] = "; ".join(a.card.reasons)
    return row


def assessments_view(assessments: Sequence[Assessment], statuses: Sequence[str]) -> View:
    rows = [assessment_row(a, learned=False) for a in assessments]
    return _list_view(Table.of(rows, title=f"Leads ({', '.join(sorted(statuses))})"))


def decision_row(d: LeadDecision) -> dict[str, Any]:
    return {
        "id": d.decision_id,
        "at": d.at,
        "lead": d.lead_id,
        "band": d.band,
        "decision": d.decision,
        "to": d.to_id,
        "until": d.nurture_until.date() if d.nurture_until else None,
        "by": d.decided_by or "pipefit",
        "method": d.method,
        "state": d.state,
        "superseded_by": d.superseded_by,
        "note": d.note,
        "reasons": " | ".join(d.reasons),
    }


_DECISION_KINDS = {"id": Kind.INT, "at": Kind.TIME, "until": Kind.DATE, "superseded_by": Kind.INT}


def _decisions_table(decisions: Sequence[LeadDecision], title: str) -> Table:
    rows = [decision_row(d) for d in decisions]
    return Table.of(rows, _DECISION_KINDS, title=title, name="decisions")


def decisions_view(decisions: Sequence[LeadDecision], title: str = "Decisions") -> View:
    return _list_view(_decisions_table(decisions, title))


def qualify_view(result: QualifyResult) -> View:
    """The decisions of a run, how many of each, and whether they were written."""
    table = _decisions_table(
        result.decisions, "Decisions" + ("" if result.written else " (dry run)")
    )
    tally: dict[str, int] = {}
    for d in result.decisions:
        tally[d.decision] = tally.get(d.decision, 0) + 1
    said = ", ".join(f"{n} {k}" for k, n in sorted(tally.items())) or "nothing"
    said += "" if result.written else " (dry run: nothing written)"
    document = {"written": result.written, "decisions": table.plain_rows(), "notes": result.notes}
    return View(
        facts=[Fact("decided", "Decided", said)],
        tables=[table],
        notes=list(result.notes),
        document=document,
    )


def _probability(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def lead_view(a: Assessment, decisions: Sequence[LeadDecision], notes: Sequence[str]) -> View:
    """One lead every way; CSV: its scorecard parts."""
    parts = [
        {"parameter": p.name, "value": p.value, "points": p.points, "weight": p.weight,
         "says": p.phrase}
        for p in a.card.parts
    ]  # fmt: skip
    decisions_table = _decisions_table(decisions, "Decisions")
    document = assessment_row(a) | {
        "bant_answers": a.bant.answers,
        "bant_notes": list(a.bant.notes),
        "situation_slide_missing": list(a.demo.missing),
        "lane": a.lane.reason,
        "scorecard_parts": parts,
        "learned_reasons": a.learned_reasons,
        "decisions": [d.__dict__ for d in decisions],
        "notes": list(notes),
    }
    answers = ", ".join(f"{k} {v}" for k, v in a.bant.answers.items())
    ready = "demo-ready" if a.demo_ready else "not demo-ready"
    facts = [Fact("bant", "BANT", f"{a.bant.verdict} ({answers})")]
    if a.blind_spot:
        facts.append(Fact("flag", "Flag", a.blind_spot))
    facts.append(
        Fact(
            "situation_slide",
            "Situation Slide",
            f"{a.demo.percent:g}% ({ready}; missing {a.demo.describe_missing()})",
        )
    )
    facts.append(Fact("lane", "Lane", a.lane.reason))
    if a.p_win is not None or a.p_success is not None:
        facts.append(
            Fact(
                "learned",
                "Learned",
                f"P(win) {_probability(a.p_win)}, P(success) {_probability(a.p_success)}; "
                f"{a.learned_reasons or ''}",
            )
        )
    tables = [Table.of(parts, title="Scorecard", name="scorecard_parts")]
    if decisions:
        tables.append(decisions_table)
    return View(
        title=f"{a.lead_id}: {a.card.summary()} (score {a.card.score:g})",
        facts=facts,
        tables=tables,
        notes=list(notes),
        document=document,
    )
