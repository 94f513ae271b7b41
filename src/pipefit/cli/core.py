"""Workspace-wide commands: init, import, status, generate, demo."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from pipefit.bootstrap import App
from pipefit.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    WorkspaceOpt,
    err,
    open_app,
    out,
)
from pipefit.cli.render import emit, show
from pipefit.domain.errors import PipefitError
from pipefit.domain.imports import ImportRejected

if TYPE_CHECKING:
    from pipefit.services.imports import ImportResult

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the workspace-wide commands to the `pipefit` app."""
    app.command()(init)
    app.command("import")(import_)
    app.command()(status)
    app.command()(generate)
    app.command()(demo)


def init(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder to create (default: --workspace or .)")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing pipefit.toml.")] = False,
) -> None:
    """Create a workspace: pipefit.toml with the default pipeline and an empty database."""
    root = directory or workspace or Path(".")
    instance = App.init(root, database_url=db, force=force)
    instance.close()
    ws = instance.workspace
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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse the import on anything it would only note (ids that match no "
            "record, close dates it moves, open deals whose history ends won or lost).",
        ),
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
        open_app(workspace, db) as instance,
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
                instance.uow(),
                instance.batch_reader,
                instance.batch_loader,
                instance.import_defaults,
                files,
                fmt=source_format,
                mapping=mapping,
                date_format=date_format,
                dry_run=dry_run,
                strict=strict,
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


def status(
    workspace: WorkspaceOpt = None, db: DbOpt = None, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Counts per stage and segment, open pipeline and recent stage changes."""
    from pipefit.services.status import workspace_status
    from pipefit.views.status import status_view

    with open_app(workspace, db) as instance:
        summary = workspace_status(instance.uow())
    show(out, fmt, status_view(summary, instance.workspace.config.workspace.name))


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


def demo(
    workspace: WorkspaceOpt = None,
    opportunities: Annotated[int, typer.Option(help="Size of the sample company.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed of the sample company.")] = 7,
) -> None:
    """Create a workspace, generate a sample company, load it and summarise it."""
    from pipefit.sample import generate as generate_company
    from pipefit.services.imports import import_files

    root = workspace or Path("demo-workspace")
    instance = App.init(root)
    ws = instance.workspace
    data = root / "sample-data"
    out.print(
        f"Generating a sample company ({opportunities:,} opportunities, seed {seed}) in {data} ..."
    )
    generate_company(data, opportunities=opportunities, seed=seed)
    out.print("Importing it ...")
    try:
        import_files(
            instance.uow(),
            instance.batch_reader,
            instance.batch_loader,
            instance.import_defaults,
            sorted(data.glob("*.csv")),
            fmt="native",
        )
    finally:
        instance.close()
    status(workspace=root, db=None, fmt=OutputFormat.TABLE)
    default = ws.config.default_pipeline
    out.print(
        f"\nNext: 'pipefit status -w {root}', 'pipefit pipeline show -w {root}' "
        f"or 'pipefit pipeline history <id> -w {root}' (pipeline '{default}')."
    )
