"""The `pipefit` command. Each command parses, calls a service and renders; nothing more."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from pipefit.bootstrap import App
from pipefit.domain.errors import PipefitError
from pipefit.domain.pipeline import describe_requirements
from pipefit.io.errors import ImportRejected
from pipefit.render import OUTPUT_FORMATS, duration, emit

if TYPE_CHECKING:
    from pipefit.services.imports import ImportResult

app = typer.Typer(
    help="pipefit: a measurable pipeline, qualified leads, KPIs, pay and presales capacity.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
pipeline_app = typer.Typer(
    help="Move deals through stages and read their history.", no_args_is_help=True
)
activity_app = typer.Typer(
    help="Record the evidence that stage triggers ask for.", no_args_is_help=True
)
opportunity_app = typer.Typer(help="Create and list opportunities.", no_args_is_help=True)
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(activity_app, name="activity")
app.add_typer(opportunity_app, name="opportunity")

# Piped output is for files and scripts: never squeeze tables to 80 columns there.
out = Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="PIPEFIT_WORKSPACE",
        help="Workspace folder (holds pipefit.toml). Default: the current directory.",
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="PIPEFIT_DATABASE_URL",
        help="Database URL (default: SQLite pipefit.db in the workspace).",
    ),
]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="Output: table (default), json or csv.")
]


def _check_format(fmt: str) -> str:
    if fmt not in OUTPUT_FORMATS:
        raise PipefitError(f"--format must be one of {', '.join(OUTPUT_FORMATS)}, got '{fmt}'")
    return fmt


@contextmanager
def _app(workspace: Path | None, db: str | None) -> Iterator[App]:
    from pipefit.services.workspace import open_workspace

    instance = App(open_workspace(workspace, database_url=db))
    try:
        yield instance
    finally:
        instance.close()


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PipefitError(
            f"--at {value!r} is not an ISO 8601 time (e.g. 2026-03-02 or 2026-03-02T14:30Z)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_amount(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise PipefitError(f"--amount {value!r} is not a number") from None


@app.command()
def init(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder to create (default: --workspace or .)")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing pipefit.toml.")] = False,
) -> None:
    """Create a workspace: pipefit.toml with the default pipeline and an empty database."""
    from pipefit.services.workspace import init_workspace

    root = directory or workspace or Path(".")
    ws = init_workspace(root, database_url=db, force=force)
    out.print(f"Workspace ready in {ws.root}")
    out.print(f"  configuration: {ws.config_path}")
    out.print(f"  database:      {ws.database_url}")
    default = ws.config.pipelines_by_name()[ws.config.default_pipeline]
    out.print(f"  pipeline:      {default.name} ({', '.join(s.name for s in default.stages)})")


def _import_or_explain(errors_csv: Path | None, run: Callable[[], ImportResult]) -> ImportResult:
    """Run an import; if it is refused and asked to, write every problem to a CSV file."""
    try:
        return run()
    except ImportRejected as refused:
        if errors_csv is not None:
            with errors_csv.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["file", "row", "column", "value", "problem"])
                for e in refused.errors:
                    writer.writerow([e.file, e.row, e.column, e.value, e.message])
            err.print(f"all {len(refused.errors)} problems written to {errors_csv}")
        raise


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV files to load.")],
    source_format: Annotated[
        str, typer.Option("--format", help="native, salesforce, hubspot or maven.")
    ] = "native",
    mapping: Annotated[
        Path | None, typer.Option(help="A mapping file for any other layout.")
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(help='Dates not in ISO 8601, as strptime: "%d/%m/%Y" for 31/12/2026.'),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything, write nothing.")
    ] = False,
    report: Annotated[str, typer.Option(help="Report as table or json.")] = "table",
    errors_csv: Annotated[
        Path | None,
        typer.Option("--errors-csv", help="If refused, write every problem to this CSV file."),
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Load CRM exports. The import lands whole or not at all; re-importing changes nothing."""
    from pipefit.services.imports import import_files

    total = sum(p.stat().st_size for p in files if p.is_file())
    show = sys.stderr.isatty() and total > 5_000_000
    with (
        _app(workspace, db) as instance,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=not show,
            transient=True,
        ) as bar,
    ):
        reading = bar.add_task("reading", total=total)
        loading = bar.add_task("writing", total=None, visible=False)
        result = _import_or_explain(
            errors_csv,
            lambda: import_files(
                instance.workspace,
                files,
                fmt=source_format,
                mapping=mapping,
                date_format=date_format,
                dry_run=dry_run,
                read_progress=lambda n: bar.advance(reading, n),
                load_progress=lambda name: bar.update(
                    loading, visible=True, description=f"writing {name}"
                ),
            ),
        )
    rows = [
        {
            "records": name,
            "rows": n,
            "new": result.report.tables[name].inserted
            if result.report and name in result.report.tables
            else None,
            "updated": result.report.tables[name].updated
            if result.report and name in result.report.tables
            else None,
        }
        for name, n in result.counts.items()
    ]
    if report == "json":
        emit(
            out,
            "json",
            rows,
            document={
                "format": result.fmt,
                "dry_run": dry_run,
                "files": result.files,
                "tables": rows,
                "notes": result.notes,
            },
        )
        return
    verb = "Checked (dry run, nothing written)" if dry_run else "Imported"
    out.print(f"{verb}: {len(files)} file(s) as {result.fmt}")
    emit(out, "table", rows)
    for note in result.notes:
        out.print(f"note: {note}")


@app.command()
def status(workspace: WorkspaceOpt = None, db: DbOpt = None, fmt: FormatOpt = "table") -> None:
    """Counts per stage and segment, open pipeline and recent stage changes."""
    _check_format(fmt)
    with _app(workspace, db) as instance:
        summary = instance.summary()
    flat: dict[str, int] = {}
    for stages in summary.by_stage.values():
        for stage, n in stages.items():
            flat[stage] = flat.get(stage, 0) + n
    document = summary.counts | {
        "by_stage": flat,
        "by_pipeline": summary.by_stage,
        "by_segment": summary.by_segment,
        "open_pipeline": summary.open_pipeline,
        "won_amount": summary.won_amount,
        "recent_changes": [r.__dict__ for r in summary.recent],
    }
    if fmt == "json":
        emit(out, "json", [], document=document)
        return
    stage_rows = [
        {"pipeline": p, "stage": s, "opportunities": n}
        for p, stages in summary.by_stage.items()
        for s, n in stages.items()
    ]
    if fmt == "csv":
        emit(out, "csv", stage_rows)
        return
    counts = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in summary.counts.items())
    out.print(f"{instance.workspace.config.workspace.name}: {counts}")
    emit(out, "table", stage_rows, title="Opportunities per stage")
    seg_rows = [
        {"segment": seg, "open": v.get("open", 0), "won": v.get("won", 0), "lost": v.get("lost", 0)}
        for seg, v in sorted(summary.by_segment.items())
    ]
    emit(out, "table", seg_rows, title="Opportunities per segment")
    for currency, amount in summary.open_pipeline.items():
        won = summary.won_amount.get(currency, Decimal(0))
        out.print(f"Open pipeline: {amount:,.2f} {currency}   won to date: {won:,.2f} {currency}")
    emit(
        out,
        "table",
        [
            {
                "at": r.at,
                "opportunity": r.opportunity_id,
                "from": r.from_stage,
                "to": r.to_stage,
                "sub-state": r.substate,
                "by": r.actor_id,
            }
            for r in summary.recent
        ],
        title="Recent stage changes",
    )


@pipeline_app.command("show")
def pipeline_show(
    name: Annotated[
        str | None, typer.Argument(help="Pipeline (default: the workspace's default).")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """The stages of a pipeline with their entry triggers, exit criteria and sub-states."""
    _check_format(fmt)
    with _app(workspace, db) as instance, instance.deals() as repo:
        pipelines = repo.pipelines()
        chosen = name or instance.workspace.config.default_pipeline
        if chosen not in pipelines:
            raise PipefitError(f"unknown pipeline '{chosen}'; known: {', '.join(pipelines)}")
        pipeline = pipelines[chosen]
    rows = [
        {
            "stage": s.name,
            "category": str(s.category),
            "entry trigger": describe_requirements(s.entry),
            "exit criterion": describe_requirements(s.exit),
            "sub-states": ", ".join(s.substates),
        }
        for s in pipeline.stages
    ]
    emit(out, fmt, rows, title=f"Pipeline '{pipeline.name}' ({pipeline.origin})")


@pipeline_app.command("advance")
def pipeline_advance(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    stage: Annotated[str, typer.Argument(help="Target stage (case-insensitive).")],
    substate: Annotated[str | None, typer.Option(help="Sub-state within the target stage.")] = None,
    at: Annotated[
        str | None, typer.Option(help="When (ISO 8601, UTC if no zone). Default: now.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (required to close as lost).")] = None,
    actor: Annotated[str | None, typer.Option(help="Who made the move (person id).")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Move a deal to a stage; refused, with the missing evidence named, if a gate is not met."""
    from pipefit.services.deals import advance_stage

    _check_format(fmt)
    with _app(workspace, db) as instance:
        move = advance_stage(
            instance.deals,
            opportunity,
            stage,
            at=_parse_time(at),
            substate=substate,
            actor_id=actor,
            reason=reason,
        )
    e = move.event
    if fmt == "json":
        emit(
            out,
            "json",
            [],
            document={"opportunity": opportunity, "kind": move.kind, "event": e.__dict__},
        )
        return
    target = e.to_stage + (f" / {e.substate}" if e.substate else "")
    out.print(
        f"{opportunity}: {e.from_stage} -> {target} ({move.kind}) at {e.at:%Y-%m-%d %H:%M} UTC"
    )


@pipeline_app.command("history")
def pipeline_history(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Every stage and sub-state change of a deal, with time, actor and time spent."""
    from pipefit.services.deals import deal_history

    _check_format(fmt)
    with _app(workspace, db) as instance:
        history = deal_history(instance.deals, opportunity)
    rows = [
        {
            "seq": t.event.seq,
            "at": t.event.at,
            "from": t.event.from_stage,
            "to": t.event.to_stage,
            "sub-state": t.event.substate,
            "actor": t.event.actor_id,
            "source": t.event.source,
            "reason": t.event.reason,
            "time_in_state": duration(t.time_in_state)
            + (" (so far)" if t.still_there and history.opportunity.outcome == "open" else ""),
        }
        for t in history.timeline
    ]
    if fmt == "json":
        document = {
            "opportunity": history.opportunity.__dict__,
            "events": [
                dict(r, time_in_state_seconds=t.time_in_state.total_seconds())
                for r, t in zip(rows, history.timeline, strict=True)
            ],
        }
        emit(out, "json", [], document=document)
        return
    o = history.opportunity
    where = o.stage + (f" / {o.substate}" if o.substate else "")
    title = f"{o.opportunity_id} {o.name or ''}: {where} ({o.outcome})"
    emit(out, fmt, rows, title=title)


@opportunity_app.command("add")
def opportunity_add(
    opportunity: Annotated[str, typer.Argument(help="New opportunity id.")],
    name: Annotated[str | None, typer.Option(help="Deal name.")] = None,
    account: Annotated[str | None, typer.Option(help="Account id.")] = None,
    amount: Annotated[str | None, typer.Option(help="Amount (exact decimal).")] = None,
    currency: Annotated[
        str | None, typer.Option(help="Currency (default: the workspace's).")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Sales rep (person id).")] = None,
    presales: Annotated[str | None, typer.Option(help="Presales engineer (person id).")] = None,
    pipeline: Annotated[
        str | None, typer.Option(help="Pipeline (default: the workspace's default).")
    ] = None,
    at: Annotated[str | None, typer.Option(help="Created at (ISO 8601). Default: now.")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Create a deal in its pipeline's first stage (the creation is its first logged event)."""
    from pipefit.services.deals import create_opportunity

    with _app(workspace, db) as instance:
        config = instance.workspace.config
        opp = create_opportunity(
            instance.deals,
            opportunity,
            pipeline=pipeline,
            default_pipeline=config.default_pipeline,
            at=_parse_time(at) or datetime.now(UTC),
            name=name,
            account_id=account,
            amount=_parse_amount(amount),
            currency=currency or config.workspace.currency,
            owner_id=owner,
            presales_id=presales,
        )
    out.print(f"{opp.opportunity_id} created in {opp.pipeline} / {opp.stage}")


@activity_app.command("add")
def activity_add(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    kind: Annotated[
        str, typer.Argument(help="meeting_booked, meeting_accepted, demo_held, proposal_sent, ...")
    ],
    purpose: Annotated[
        str | None, typer.Option(help="Which meeting: discovery, evaluation, overview, refinement.")
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who accepted or did it: prospect, rep or presales.")
    ] = None,
    at: Annotated[str | None, typer.Option(help="When (ISO 8601). Default: now.")] = None,
    actor: Annotated[str | None, typer.Option(help="Who recorded it (person id).")] = None,
    note: Annotated[str | None, typer.Option(help="Free text.")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Record evidence on a deal: a meeting booked or accepted, a demo held, a PO received..."""
    from pipefit.services.deals import add_activity

    with _app(workspace, db) as instance:
        act = add_activity(
            instance.deals,
            opportunity,
            kind,
            at=_parse_time(at),
            purpose=purpose,
            by=by,
            actor_id=actor,
            note=note,
        )
    extra = (f" ({act.purpose})" if act.purpose else "") + (f" by {act.by}" if act.by else "")
    out.print(
        f"{opportunity}: {act.kind}{extra} recorded at {act.at:%Y-%m-%d %H:%M} UTC"
        f" [{act.activity_id}]"
    )


@activity_app.command("list")
def activity_list(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """The evidence recorded on a deal."""
    from pipefit.services.deals import deal_history

    _check_format(fmt)
    with _app(workspace, db) as instance:
        history = deal_history(instance.deals, opportunity)
    emit(
        out,
        fmt,
        [
            {
                "at": a.at,
                "kind": a.kind,
                "purpose": a.purpose,
                "by": a.by,
                "actor": a.actor_id,
                "note": a.note,
                "id": a.activity_id,
            }
            for a in history.activities
        ],
        title=f"Evidence on {opportunity}",
    )


@app.command()
def generate(
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for the native CSV files. Default: WORKSPACE/sample-data."
        ),
    ] = None,
    opportunities: Annotated[
        int, typer.Option(help="How many opportunities (200 to 1,000,000+).")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 7,
    workspace: WorkspaceOpt = None,
) -> None:
    """Write a realistic synthetic company as native CSVs (deterministic for a seed)."""
    from pipefit.sample import generate as generate_company

    out_dir = out_dir or (workspace or Path(".")) / "sample-data"
    if opportunities < 1:
        raise PipefitError("--opportunities must be at least 1")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not sys.stderr.isatty(),
        transient=True,
    ) as bar:
        task = bar.add_task("generating", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"writing {name}", completed=done, total=total)

        counts = generate_company(
            out_dir, opportunities=opportunities, seed=seed, progress=progress
        )
    emit(
        out,
        "table",
        [{"file": f"{k}.csv", "rows": v} for k, v in counts.items()],
        title=f"Synthetic company in {out_dir} (seed {seed})",
    )


@app.command()
def demo(
    workspace: WorkspaceOpt = None,
    opportunities: Annotated[int, typer.Option(help="Size of the sample company.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed of the sample company.")] = 7,
) -> None:
    """Create a workspace, generate a sample company, load it and summarise it."""
    from pipefit.sample import generate as generate_company
    from pipefit.services.imports import import_files
    from pipefit.services.workspace import init_workspace

    root = workspace or Path("demo-workspace")
    ws = init_workspace(root)
    data = root / "sample-data"
    out.print(
        f"Generating a sample company ({opportunities:,} opportunities, seed {seed}) in {data} ..."
    )
    generate_company(data, opportunities=opportunities, seed=seed)
    out.print("Importing it ...")
    import_files(ws, sorted(data.glob("*.csv")), fmt="native")
    status(workspace=root, db=None, fmt="table")
    default = ws.config.default_pipeline
    out.print(
        f"\nNext: 'pipefit status -w {root}', 'pipefit pipeline show -w {root}' "
        f"or 'pipefit pipeline history <id> -w {root}' (pipeline '{default}')."
    )


def main() -> None:
    try:
        app()
    except ImportRejected as exc:
        for problem in exc.errors[:200]:
            err.print(f"  {problem}")
        if len(exc.errors) > 200:
            err.print(f"  ... and {len(exc.errors) - 200} more", markup=False)
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    except PipefitError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("error: interrupted; nothing half-written was kept", markup=False)
        sys.exit(130)


if __name__ == "__main__":
    main()
