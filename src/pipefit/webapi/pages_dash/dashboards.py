"""/dashboards: every pipeline report as an interactive chart with the figures beneath it
in a table, under the same cuts (`by`), filters (`where`), period and `as_of` as
`pipefit report`, over what the login may see (`services.scoped_reports`: the relations
are cut before a report reads them, and quotas, hence coverage, to whose pay it reads).

A dashboard is one or more report panels. Each panel's chart is the report's own Vega-Lite
spec (the `chart` of its module, as `pipefit report --chart` draws it), drawn in the
browser by the vendored Vega scripts; its table is the report's view, so a reader with
JavaScript off reads the same figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from pipefit.analytics.query import CUTS, ReportQuery
from pipefit.analytics.result import ReportResult
from pipefit.bootstrap import App
from pipefit.charts.dashboards import coverage_chart, trend_chart
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.services import reports as registry
from pipefit.services.scoped_reports import scoped_report
from pipefit.views import Table, to_jsonable
from pipefit.views.reports import report_view
from pipefit.webapi.auth import CurrentLogin, KeptResults, Login, Workspace, version_of
from pipefit.webapi.pages_dash.figures import coverage_table, split_table
from pipefit.webapi.pages_dash.rendering import error_page, fragment, is_partial, page
from pipefit.webapi.reports import moment, where_filters

__all__ = ["DASHBOARDS", "Dashboard", "Panel", "router"]

router = APIRouter(tags=["pages"], include_in_schema=False)

KEPT_MINUTES = 5  # how old a kept dashboard "as of now" may be shown


@dataclass(frozen=True)
class Panel:
    """One report on a dashboard: its chart (default: the report module's own) and,
    optionally, the tables a person reads instead of the report's view."""

    report: str
    chart: Callable[[ReportResult], Any] | None = None
    tables: Callable[[ReportResult], list[Table]] | None = None  # shown first
    view_tables: bool = True  # and then the report's own tables
    by: tuple[str, ...] = ()  # cuts the panel always adds (a trend is cut by period)
    title: str | None = None


ALL_CUTS = (*CUTS, "period")
NO_PERIOD = tuple(CUTS)  # reports whose rows are not per period refuse that cut


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    about: str
    panels: tuple[Panel, ...]
    cuts: tuple[str, ...] = ALL_CUTS  # what its form offers (and all it accepts)

    def check_cuts(self, by: Sequence[str]) -> None:
        for cut in by:
            if cut not in self.cuts:
                raise PipefitError(
                    f"the {self.title.lower()} dashboard is not cut by '{cut}'; its cuts are "
                    f"{', '.join(self.cuts)}",
                    field="report.by",
                )


DASHBOARDS: dict[str, Dashboard] = {
    d.slug: d
    for d in (
        Dashboard(
            "time-in-stage",
            "Time in stage",
            "How long completed visits to each stage last: p10-p90, the middle half and the "
            "median, per pipeline.",
            (Panel("time-in-stage"),),
        ),
        Dashboard(
            "friction",
            "Friction and split suggestions",
            "Stages that are long, slower than the others, two-humped (a split suggestion: "
            "the stage hides two steps), wide, passed in minutes or skipped; and stalled deals.",
            (Panel("friction", tables=split_table),),
        ),
        Dashboard(
            "funnel",
            "Funnel",
            "Conversion and drop-out per stage, in order and reached at all, and leads.",
            (Panel("funnel"),),
            cuts=tuple(c for c in CUTS if c != "pipeline"),  # it is per pipeline already
        ),
        Dashboard(
            "flow",
            "Pipeline flow",
            "The waterfall of a period: open pipeline at its start, what came in, moved and "
            "closed, and open pipeline at its end (default: the quarter of the as-of date).",
            (Panel("flow"),),
            cuts=NO_PERIOD,
        ),
        Dashboard(
            "win-rate",
            "Win rate and velocity over time",
            "Win rate and sales velocity per period of close (the kpis report cut by period).",
            (Panel("kpis", chart=trend_chart, by=("period",), title="Win rate and velocity"),),
        ),
        Dashboard(
            "coverage",
            "Coverage per rep",
            "Open pipeline expected to close in the period against the quota still to reach, "
            "per rep, team and pool. Quotas show only where you may read that person's pay.",
            (
                Panel(
                    "kpis",
                    chart=coverage_chart,
                    tables=coverage_table,
                    view_tables=False,
                    title="Pipeline coverage",
                ),
            ),
        ),
        Dashboard(
            "forecast",
            "Forecast and its backtest",
            "Expected won revenue per period with its range, and how each method's forecast "
            "at the start of past periods compared with what closed.",
            (Panel("forecast"), Panel("forecast-backtest")),
        ),
        Dashboard(
            "pairs",
            "Rep and presales pairs",
            "Each pair's win rate with its 95% interval, cycle and won revenue.",
            (Panel("pairs"),),
            cuts=NO_PERIOD,
        ),
        Dashboard(
            "signals",
            "Buying signals",
            "Enterprise progression and SMB usage signals, and how they lift the win rate.",
            (Panel("signals"),),
            cuts=NO_PERIOD,
        ),
    )
}


@dataclass(frozen=True)
class Form:
    """What the form asked, as typed (to draw it again) and as a query."""

    by: tuple[str, ...]
    where: tuple[str, ...]
    as_of: str
    period: str

    def query(self) -> ReportQuery:
        return ReportQuery(
            as_of=moment(self.as_of),
            by=self.by,
            where=where_filters(list(self.where)),
            period=self.period or None,
        )

    def encoded(self, extra_by: Sequence[str] = ()) -> str:
        """The same question as a query string (for the report's JSON link)."""
        pairs: list[tuple[str, str]] = [("by", b) for b in dict.fromkeys([*extra_by, *self.by])]
        pairs += [("where", w) for w in self.where]
        pairs += [(k, v) for k, v in (("as_of", self.as_of), ("period", self.period)) if v]
        return urlencode(pairs)


def _form(
    by: list[str] | None, where: list[str] | None, as_of: str | None, period: str | None
) -> Form:
    return Form(
        by=tuple(dict.fromkeys(b.strip() for b in by or [] if b.strip())),
        where=tuple(w.strip() for w in where or [] if w.strip()),
        as_of=(as_of or "").strip(),
        period=(period or "").strip(),
    )


def _panel(app: App, login: Login, panel: Panel, form: Form, query: ReportQuery) -> dict[str, Any]:
    module = registry.report_module(panel.report)
    asked = ReportQuery(
        as_of=query.as_of,
        by=tuple(dict.fromkeys([*panel.by, *query.by])),
        where=query.where,
        period=query.period,
    )
    result = scoped_report(app.uow(), login.scope, panel.report, asked, app.analytics_settings)
    view = report_view(
        result,
        title=getattr(module, "TITLE", None),
        as_of=asked.as_of or datetime.now(UTC),
        module=module,
        by=asked.by,
        currency=app.currency,
    )
    draw = panel.chart or getattr(module, "chart", None)
    spec = to_jsonable(draw(result).to_dict()) if draw is not None else None
    tables = panel.tables(result) if panel.tables is not None else []
    return {
        "report": panel.report,
        "title": panel.title or getattr(module, "TITLE", panel.report),
        "view": view,
        "tables": [*tables, *view.tables] if panel.view_tables else tables,
        "spec": spec,
        "json": f"/api/reports/{panel.report}?{form.encoded(panel.by)}",
    }


@router.get("/dashboards", response_class=HTMLResponse)
def dashboards(request: Request, login: CurrentLogin) -> HTMLResponse:
    """Every dashboard, with what it shows."""
    return page(request, "dash/dashboards.html", {"dashboards": DASHBOARDS.values()})


@router.get("/dashboards/{slug}", response_class=HTMLResponse)
def dashboard(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    kept: KeptResults,
    slug: str,
    by: Annotated[list[str] | None, Query()] = None,
    where: Annotated[list[str] | None, Query()] = None,
    as_of: Annotated[str | None, Query()] = None,
    period: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """One dashboard: its charts and tables, redrawn by the form (a partial under htmx)."""
    board = DASHBOARDS.get(slug)
    if board is None:
        return error_page(request, NotFound(f"no dashboard '{slug}'", field="dashboard"))
    form = _form(by, where, as_of, period)
    problem: PipefitError | None = None
    body = Markup("")
    try:
        board.check_cuts(form.by)
        query = form.query()

        def draw() -> str:
            panels = [_panel(app, login, p, form, query) for p in board.panels]
            drawn_at = None if form.as_of else datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
            return fragment(
                "dash/_dashboard_body.html",
                {"panels": panels, "problem": None, "drawn_at": drawn_at, "every": KEPT_MINUTES},
            )

        # Drawn once for whoever sees the same rows and pay. "As of now", it is a
        # dashboard's usual promise (figures of a few minutes ago, the time shown), not the
        # data version: over a million deals a report takes seconds, and a team writes
        # more often than that; it is drawn again in the background every KEPT_MINUTES.
        # As of a date, the figures change only with the data: kept per data version.
        scope = login.scope
        key = ("dashboard", slug, form, (scope.deal_owners, scope.deal_presales, scope.people,
                                         scope.pay))  # fmt: skip
        if form.as_of:
            drawn = kept.get(key, version_of(request, app), draw)
        else:
            drawn = kept.timed(key, draw, max_age=KEPT_MINUTES * 60)
        body = Markup(drawn)
    except PipefitError as error:
        problem = error  # shown beside the form, which keeps what was typed
    context = {
        "board": board,
        "dashboards": DASHBOARDS.values(),
        "form": form,
        "cuts": board.cuts,
        "body": body,
        "panels": [],
        "problem": problem,
    }
    if is_partial(request):
        # htmx swaps in only a 2xx answer: the reason must arrive as one to be read
        return page(request, "dash/_dashboard_body.html", context)
    return page(
        request, "dash/dashboard.html", context, status_code=200 if problem is None else 422
    )
