"""Workspace-wide commands: init, import, status, generate, demo."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from datetime import datetime
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
    OutputFormat,
    WorkspaceOpt,
    err,
    inherited,
    out,
    with_app,
    with_app_and_format,
    with_workspace,
)
from pipefit.cli.errors import describe, report_and_exit
from pipefit.cli.outputs import OverwriteOpt
from pipefit.cli.render import emit, show
from pipefit.domain.errors import PipefitError
from pipefit.domain.imports import ImportRejected

if TYPE_CHECKING:
    from pipefit.io.outputs import Outputs
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
    cli_context: typer.Context,
    directory: Annotated[
        Path | None, typer.Argument(help="Folder to create (default: --workspace or .)")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing pipefit.toml.")] = False,
) -> None:
    """Create a workspace: pipefit.toml with the default pipeline and an empty database."""
    root = directory or inherited(cli_context, "workspace", workspace) or Path(".")
    instance = App.init(root, database_url=inherited(cli_context, "db", db), force=force)
    instance.close()
    ws = instance.workspace
    out.print(f"Workspace ready in {ws.root}")
    out.print(f"  configuration: {ws.config_path}")
    out.print(f"  database:      {ws.database_url}")
    default = ws.config.pipelines_by_name()[ws.config.default_pipeline]
    out.print(f"  pipeline:      {default.name} ({', '.join(s.name for s in default.stages)})")


def _problems_csv(refused: ImportRejected) -> str:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["file", "row", "column", "value", "problem"])
    for e in refused.errors:
        writer.writerow([e.file, e.row, e.column, e.value, e.message])
    return text.getvalue()


def _import_or_explain(
    files: Outputs, errors_csv: Path | None, run: Callable[[], ImportResult]
) -> ImportResult:
    """Run an import; if it is refused and asked to, write every problem to a CSV file.
    If that file cannot be written, the problems are still listed, then why."""
    try:
        return run()
    except ImportRejected as refused:
        if errors_csv is not None:
            try:
                files.write_text(errors_csv, _problems_csv(refused), "output.errors")
            except PipefitError as failed:
                report_and_exit(refused, err, also=[describe(failed)])
            err.print(f"all {len(refused.errors)} problems written to {errors_csv}")
        raise


@with_app
def import_(
    instance: App,
    files: Annotated[list[Path], typer.Argument(help="CSV files to load.")],
    source_format: Annotated[
        str, typer.Option("--format", help="native, salesforce, hubspot or maven.")
    ] = "native",
    mapping: Annotated[
        Path | None, typer.Option(help="A mapping file for any other layout.")
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(
            help='Date format when the values leave it open: "DD/MM/YYYY", "MM/DD/YY" '
            "(a time after the date is read too). Detected per column when left out."
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="The files' text encoding, e.g. cp1252 (default: detected per file)."),
    ] = None,
    decimal: Annotated[
        str | None,
        typer.Option(
            help='The decimal separator of numbers, "." or "," (default: detected per column).'
        ),
    ] = None,
    thousands: Annotated[
        str | None,
        typer.Option(
            help='The thousands separator: ",", ".", " ", "\'" or "" for none '
            "(default: detected per column)."
        ),
    ] = None,
    snapshot_at: Annotated[
        datetime | None,
        typer.Option(
            "--snapshot-at",
            help='When the export was taken, in UTC ("2026-03-02 14:30:00"): changes to '
            "deals already stored are recorded then. Default: the deal file's modification "
            "time.",
        ),
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
    report: Annotated[
        OutputFormat, typer.Option(help="Report as table (default), json or csv.")
    ] = OutputFormat.TABLE,
    errors_csv: Annotated[
        Path | None,
        typer.Option("--errors-csv", help="If refused, write every problem to this CSV file."),
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Load CRM exports. The import lands whole or not at all; re-importing the same files
    changes nothing, a newer export extends the stored history."""
    from pipefit.services.imports import import_files
    from pipefit.views.imports import import_view

    outputs = instance.outputs(inputs=[*files, mapping], replace=overwrite)
    if errors_csv is not None:
        outputs.check_file(errors_csv, "output.errors")
    total = sum(p.stat().st_size for p in files if p.is_file())
    bar_shown = sys.stderr.isatty() and total > 5_000_000
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not bar_shown,
        transient=True,
    ) as bar:
        reading = bar.add_task("reading", total=total)
        loading = bar.add_task("writing", total=None, visible=False)
        result = _import_or_explain(
            outputs,
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
                encoding=encoding,
                decimal=decimal,
                thousands=thousands,
                snapshot_at=snapshot_at,
                dry_run=dry_run,
                strict=strict,
                read_progress=lambda n: bar.advance(reading, n),
                load_progress=lambda name: bar.update(
                    loading, visible=True, description=f"writing {name}"
                ),
            ),
        )
    show(out, report, import_view(result))


@with_app_and_format
def status(instance: App, fmt: OutputFormat) -> None:
    """Counts per stage and segment, open pipeline and recent stage changes."""
    _show_status(instance, fmt)


def _show_status(instance: App, fmt: OutputFormat) -> None:
    from pipefit.services.status import workspace_status
    from pipefit.views.status import status_view

    summary = workspace_status(instance.uow())
    show(out, fmt, status_view(summary, instance.workspace.config.workspace.name))


@with_workspace
def generate(
    workspace: Path | None,
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
    overwrite: OverwriteOpt = False,
) -> None:
    """Write a realistic synthetic company as native CSVs (deterministic for a seed)."""
    from pipefit.bootstrap import outputs
    from pipefit.sample import FILES
    from pipefit.sample import generate as generate_company

    out_dir = out_dir or (workspace or Path(".")) / "sample-data"
    _check_size(opportunities, seed)
    files = outputs(workspace, replace=overwrite)
    files.check_folder(out_dir, FILES, "output.sample")
    files.make_folder(out_dir, "output.sample")
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


MAX_OPPORTUNITIES = 20_000_000


def _check_size(opportunities: int, seed: int) -> None:
    """A sample company of 1 to MAX_OPPORTUNITIES deals, from a seed numpy takes."""
    if not 1 <= opportunities <= MAX_OPPORTUNITIES:
        raise PipefitError(
            f"a sample company has 1 to {MAX_OPPORTUNITIES:,} opportunities, not {opportunities:,}",
            field="sample.opportunities",
        )
    if seed < 0:
        raise PipefitError(f"a seed is a whole number from 0 up, not {seed}", field="sample.seed")


def _route_to_sample_teams(path: Path, opportunities: int) -> None:
    from pipefit.config.segment_teams import with_segment_teams
    from pipefit.io.config_file import TomlConfigFile
    from pipefit.sample import segment_teams

    file = TomlConfigFile(path)
    text = file.read()
    changed = with_segment_teams(text, segment_teams(opportunities))
    if changed != text:
        file.replace(changed)


@with_workspace
def demo(
    workspace: Path | None,
    opportunities: Annotated[int, typer.Option(help="Size of the sample company.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed of the sample company.")] = 7,
    overwrite: OverwriteOpt = False,
) -> None:
    """Create a workspace, generate a sample company, load it and summarise it."""
    from pipefit.bootstrap import outputs
    from pipefit.sample import FILES
    from pipefit.sample import generate as generate_company
    from pipefit.services.imports import import_files

    root = workspace or Path("demo-workspace")
    _check_size(opportunities, seed)
    data = root / "sample-data"
    files = outputs(root, replace=overwrite)
    files.check_folder(data, FILES, "output.demo")
    fresh = not (root / "pipefit.toml").exists()
    instance = App.init(root)
    ws = instance.workspace
    out.print(
        f"Generating a sample company ({opportunities:,} opportunities, seed {seed}) in {data} ..."
    )
    generate_company(data, opportunities=opportunities, seed=seed)
    if fresh:  # a workspace file made just now routes leads to the company's own teams
        _route_to_sample_teams(ws.config_path, opportunities)
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
        _show_status(instance, OutputFormat.TABLE)
    finally:
        instance.close()
    default = ws.config.default_pipeline
    out.print(
        f"\nNext: 'pipefit status -w {root}', 'pipefit pipeline show -w {root}' "
        f"or 'pipefit pipeline history <id> -w {root}' (pipeline '{default}')."
    )
