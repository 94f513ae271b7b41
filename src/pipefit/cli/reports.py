"""`pipefit report NAME`: the pipeline's reports (time in stage, KPIs, forecast, ...), cut,
filtered and replayed as of any past moment; `pipefit report all --out DIR` writes every
report as CSV and JSON (and its chart)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipefit.bootstrap import App
from pipefit.cli.common import OutputFormat, out, parse_time, with_app_and_format
from pipefit.cli.outputs import OverwriteOpt, check_chart, write_chart
from pipefit.cli.render import show
from pipefit.domain.errors import PipefitError

if TYPE_CHECKING:
    from pipefit.analytics.query import ReportQuery
    from pipefit.analytics.result import ReportResult

__all__ = ["register"]

ALL = "all"
CHARTS = ("png", "html")  # what `report all` draws each chart as


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def parse_where(values: list[str]) -> dict[str, tuple[str, ...]]:
    """`--where rep=P-DANA --where rep=P-LEE` -> {"rep": ("P-DANA", "P-LEE")}."""
    kept: dict[str, list[str]] = {}
    for value in values:
        cut, sep, wanted = value.partition("=")
        if not sep or not cut.strip() or not wanted.strip():
            raise PipefitError(
                f"--where {value!r} is not CUT=VALUE (e.g. --where segment=enterprise)"
            )
        kept.setdefault(cut.strip(), []).append(wanted.strip())
    return {cut: tuple(v) for cut, v in kept.items()}


def _query(by: list[str], where: list[str], as_of: str | None, period: str | None) -> ReportQuery:
    from pipefit.analytics.query import ReportQuery

    return ReportQuery(
        as_of=parse_time(as_of, "--as-of"),
        by=tuple(b.strip() for b in by),
        where=parse_where(where),
        period=period,
    )


def _write_all(
    instance: App,
    results: dict[str, ReportResult],
    folder: Path,
    overwrite: bool,
    as_of: datetime,
    by: tuple[str, ...] = (),
) -> None:
    import json

    from pipefit.services import reports
    from pipefit.views import to_csv, to_jsonable
    from pipefit.views.reports import report_view

    files = instance.outputs(replace=overwrite)
    charts = {name: getattr(reports.report_module(name), "chart", None) for name in results}
    names = [f"{name}.{ext}" for name in results for ext in ("csv", "json")]
    names += [
        f"{name}.{ext}" for name, chart in charts.items() if chart is not None for ext in CHARTS
    ]
    files.check_folder(folder, names, "output.reports")
    files.make_folder(folder, "output.reports")
    for name, result in results.items():
        view = report_view(result, as_of=as_of, shape=reports.json_shape(name), cut=bool(by))
        files.write_text(folder / f"{name}.csv", to_csv(view), "output.reports")
        text = json.dumps(to_jsonable(view.document), indent=2) + "\n"
        files.write_text(folder / f"{name}.json", text, "output.reports")
        chart = charts[name]
        if chart is not None:
            drawn = chart(result)
            for ext in CHARTS:
                write_chart(files, drawn, folder / f"{name}.{ext}", "output.reports")
    out.print(f"{len(results)} reports written to {folder}")


def _run_each(instance: App, query: ReportQuery) -> tuple[dict[str, ReportResult], dict[str, str]]:
    """Every report that can run as `query` asks; the others with the reason (a flow
    needs a period, signals has none: `report all` writes what it can)."""
    from pipefit.services import reports

    results: dict[str, ReportResult] = {}
    skipped: dict[str, str] = {}
    for name in reports.names():
        try:
            results[name] = reports.run_report(
                instance.uow(), name, query, instance.analytics_settings
            )
        except PipefitError as error:
            if error.field in ("report.as_of", "report.by", "report.where"):
                raise
            skipped[name] = str(error)
    return results, skipped


@with_app_and_format
def report(
    instance: App,
    fmt: OutputFormat,
    name: Annotated[str, typer.Argument(help="The report (or 'all' with --out).")],
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Cut by pipeline, segment, team, rep, presales, pair, "
            "product, source or period (repeatable).",
        ),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help="Keep only CUT=VALUE (repeatable; values of one cut add up)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Replay the log to this date or time (UTC)."),
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="The period: 2026, 2026Q3 or 2026-07.")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also draw it (.png, .svg or .html).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="With 'all': the folder for every report.")
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """A report on the pipeline, as of now or any past moment.

    Cut with --by, filter with --where, replay with --as-of. `pipefit report all --out DIR`
    writes every report as CSV and JSON, with its chart where it has one.
    """
    from pipefit.services import reports

    query = _query(by or [], where or [], as_of, period)
    if name == ALL:
        if out_dir is None:
            raise PipefitError(
                "'report all' writes every report into a folder", field="output.reports"
            )
        results, skipped = _run_each(instance, query)
        if not results:
            raise PipefitError(
                "no report could run: " + "; ".join(f"{n}: {m}" for n, m in skipped.items()),
                field="output.reports",
            )
        moment = query.as_of or datetime.now(UTC)
        _write_all(instance, results, out_dir, overwrite, moment, query.by)
        for skipped_name, reason in skipped.items():
            out.print(f"skipped {skipped_name}: {reason}")
        return
    if out_dir is not None:
        raise PipefitError("a folder is for 'report all'; one report prints, or --format json|csv")
    module = reports.report_module(name)
    files = instance.outputs(replace=overwrite)
    draw = getattr(module, "chart", None)
    if chart is not None and draw is None:
        raise PipefitError(f"the {name} report has no chart", field="chart")
    check_chart(files, chart)
    result = reports.run_report(instance.uow(), name, query, instance.analytics_settings)
    _show(name, result, module, query, fmt, instance.currency)
    if chart is not None and draw is not None:
        written = write_chart(files, draw(result), chart)
        if fmt == OutputFormat.TABLE:
            out.print(f"chart written to {written}")


def _show(
    name: str,
    result: ReportResult,
    module: Any,
    query: ReportQuery,
    fmt: OutputFormat,
    currency: str,
) -> None:
    from pipefit.services import reports
    from pipefit.views.reports import report_view

    view = report_view(
        result,
        title=getattr(module, "TITLE", None),
        as_of=query.as_of or datetime.now(UTC),
        shape=reports.json_shape(name),
        cut=bool(query.by),
        module=module,
        by=query.by,
        currency=currency,
    )
    show(out, fmt, view)
