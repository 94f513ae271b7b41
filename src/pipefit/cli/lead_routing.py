"""Lead commands that read and write the workspace's decisions: assess, show, qualify..."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipefit.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    WorkspaceOpt,
    open_app,
    out,
    parse_time,
)
from pipefit.cli.render import emit

if TYPE_CHECKING:
    from pipefit.services.qualification import Assessment

__all__ = ["register"]

ListOpt = Annotated[list[str] | None, typer.Option(help="May be given more than once.")]


def register(app: typer.Typer) -> None:
    """Add the routing commands to `pipefit leads`."""
    app.command("assess")(assess_cmd)
    app.command("show")(show)
    app.command("qualify")(qualify)
    app.command("override")(override_cmd)
    app.command("decisions")(decisions_cmd)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _assessment_row(a: Assessment) -> dict[str, Any]:
    return {
        "lead": a.lead_id,
        "status": str(a.record.lead.status),
        "band": str(a.card.band),
        "score": a.card.score,
        "bant": a.bant.verdict,
        "demo_ready_pct": a.demo.percent,
        "demo_ready": a.demo_ready,
        "p_win": None if a.p_win is None else round(a.p_win, 3),
        "p_success": None if a.p_success is None else round(a.p_success, 3),
        "flag": a.blind_spot or "",
        "reasons": "; ".join(a.card.reasons),
    }


def assess_cmd(
    status: ListOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many leads (0: all).")] = 50,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Each lead judged by BANT, demo-ready and the scorecard, with BANT's blind spots flagged.

    Writes nothing. By default the leads waiting to be qualified (the statuses of
    routing.qualify_statuses); --status new --status nurture to choose.
    """
    from pipefit.services.qualification import assess, load_history

    with open_app(workspace, db) as instance:
        config = instance.workspace.config.qualification
        history = load_history(instance.workspace)
    wanted = set(status or config.routing.qualify_statuses)
    picked = [r for r in history.records if str(r.lead.status) in wanted]
    picked = picked[:limit] if limit else picked
    rows = [_assessment_row(a) for a in assess(config, history.lanes, picked)]
    for row in rows:
        row.pop("p_win")
        row.pop("p_success")
    emit(out, fmt, rows, title=f"Leads ({', '.join(sorted(wanted))})")


def show(
    lead: Annotated[str, typer.Argument(help="Lead id.")],
    learned: Annotated[
        bool, typer.Option(help="Also learn P(win) and P(success) from the history.")
    ] = True,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """One lead every way: BANT, Situation Slide, scorecard parts, learned odds, decisions."""
    from pipefit.services.lead_decisions import lead_detail

    with open_app(workspace, db) as instance:
        a, decisions, notes = lead_detail(instance.workspace, lead, learned=learned)
    parts = [
        {"parameter": p.name, "value": p.value, "points": p.points, "weight": p.weight,
         "says": p.phrase}
        for p in a.card.parts
    ]  # fmt: skip
    document = _assessment_row(a) | {
        "bant_answers": a.bant.answers,
        "bant_notes": list(a.bant.notes),
        "situation_slide_missing": list(a.demo.missing),
        "lane": a.lane.reason,
        "scorecard_parts": parts,
        "learned_reasons": a.learned_reasons,
        "decisions": [d.__dict__ for d in decisions],
        "notes": notes,
    }
    if fmt == "json":
        emit(out, "json", [], document=document)
        return
    if fmt == "csv":
        emit(out, "csv", parts)
        return
    out.print(f"{lead}: {a.card.summary()} (score {a.card.score:g})")
    out.print(f"  BANT: {a.bant.verdict} {a.bant.answers}")
    if a.blind_spot:
        out.print(f"  {a.blind_spot}")
    ready = "demo-ready" if a.demo_ready else "not demo-ready"
    out.print(
        f"  Situation Slide {a.demo.percent:g}% ({ready}; missing {a.demo.describe_missing()})"
    )
    out.print(f"  {a.lane.reason}")
    if a.p_win is not None or a.p_success is not None:
        out.print(
            f"  learned: P(win) {_fmt(a.p_win, 2)}, P(success) {_fmt(a.p_success, 2)}; "
            f"{a.learned_reasons or ''}"
        )
    emit(out, "table", parts, title="Scorecard")
    if decisions:
        emit(out, "table", [_decision_row(d) for d in decisions], title="Decisions")
    for note in notes:
        out.print(f"note: {note}")


def _decision_row(d: Any) -> dict[str, Any]:
    return {
        "id": d.decision_id,
        "at": d.at,
        "lead": d.lead_id,
        "band": d.band,
        "decision": d.decision,
        "to": d.to_id,
        "until": d.nurture_until.date().isoformat() if d.nurture_until else None,
        "by": d.decided_by or "pipefit",
        "method": d.method,
        "reasons": " | ".join(d.reasons),
    }


def qualify(
    leads: Annotated[
        list[str] | None, typer.Argument(help="Lead ids (default: every lead waiting).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Decide and show, write nothing.")
    ] = False,
    learned: Annotated[
        bool, typer.Option(help="Also learn P(win) and P(success) for the reasons.")
    ] = True,
    at: Annotated[str | None, typer.Option(help="Decision time (ISO 8601). Default: now.")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Band each waiting lead and route it: hand off to a rep, nurture, or disqualify.

    Waiting leads are those with a status in routing.qualify_statuses, and nurtured
    leads whose re-entry date has come. Every decision carries its reasons and is
    recorded (with the hand-off and the lead's new status) in one transaction.
    """
    from pipefit.services.qualification import qualify_leads

    with open_app(workspace, db) as instance:
        result = qualify_leads(
            instance.workspace,
            lead_ids=leads or [],
            at=parse_time(at),
            dry_run=dry_run,
            learned=learned,
        )
    rows = [_decision_row(d) for d in result.decisions]
    if fmt == "json":
        emit(out, "json", rows, document={"written": result.written, "decisions": rows,
                                          "notes": result.notes})  # fmt: skip
        return
    emit(out, fmt, rows, title="Decisions" + ("" if result.written else " (dry run)"))
    if fmt == "table":
        tally: dict[str, int] = {}
        for d in result.decisions:
            tally[d.decision] = tally.get(d.decision, 0) + 1
        said = ", ".join(f"{n} {k}" for k, n in sorted(tally.items())) or "nothing"
        out.print(f"{said}{'' if result.written else ' (dry run: nothing written)'}")
        for note in result.notes:
            out.print(f"note: {note}")


def override_cmd(
    lead: Annotated[str, typer.Argument(help="Lead id.")],
    decision: Annotated[str, typer.Option(help="handoff, nurture or disqualify.")],
    by: Annotated[str, typer.Option(help="Who decides (person id).")],
    to: Annotated[str | None, typer.Option(help="Rep to hand off to (person id).")] = None,
    until: Annotated[str | None, typer.Option(help="Nurture until (ISO 8601 date).")] = None,
    note: Annotated[str | None, typer.Option(help="Why (required to disqualify).")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """A person's decision in place of the one in force; both stay on record."""
    from pipefit.services.lead_decisions import override_lead

    with open_app(workspace, db) as instance:
        changed = override_lead(
            instance.workspace,
            lead,
            decision=decision,
            by=by,
            to_id=to,
            until=parse_time(until, "--until"),
            note=note,
        )
    emit(out, fmt, [_decision_row(changed)], title="Override recorded")


def decisions_cmd(
    lead: Annotated[str | None, typer.Argument(help="Lead id (default: all leads).")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The decision log, newest first: pipefit's decisions and people's overrides."""
    from pipefit.services.lead_decisions import decision_log

    with open_app(workspace, db) as instance:
        log = decision_log(instance.workspace, lead)
    emit(out, fmt, [_decision_row(d) for d in log], title="Decisions")
