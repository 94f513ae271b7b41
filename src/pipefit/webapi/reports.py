"""/api/reports/{name}: every report of the CLI, with its cuts and as_of, over what you
may see; /api/statements/{person}/{period}: a pay statement, for whoever may read it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from pipefit.analytics.query import ReportQuery
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.services import reports as report_registry
from pipefit.services.scoped_reports import scoped_report, scoped_statement
from pipefit.views import to_jsonable
from pipefit.views.reports import report_view
from pipefit.views.statements import statement_view
from pipefit.webapi.auth import CurrentLogin, KeptResults, Workspace, version_of
from pipefit.webapi.schemas import ErrorBody

__all__ = ["moment", "router", "where_filters"]

router = APIRouter(prefix="/api", tags=["reports and pay"])

REPORT_SECONDS = 60.0  # how old a kept report "as of now" may be answered


def moment(text: str | None) -> datetime | None:
    """An `as_of` as sent: a date or a time, UTC unless it says otherwise."""
    if text is None or not text.strip():
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PipefitError(
            f"'{text}' is not a date or time (2026-06-30 or 2026-06-30T12:00:00Z)",
            field="as_of",
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def where_filters(values: list[str]) -> dict[str, tuple[str, ...]]:
    kept: dict[str, list[str]] = {}
    for value in values:
        cut, sep, wanted = value.partition("=")
        if not sep or not cut.strip() or not wanted.strip():
            raise PipefitError(
                f"'{value}' is not CUT=VALUE (e.g. segment=enterprise)", field="where"
            )
        kept.setdefault(cut.strip(), []).append(wanted.strip())
    return {cut: tuple(v) for cut, v in kept.items()}


@router.get(
    "/reports/{name}",
    responses={
        404: {"model": ErrorBody, "description": "No such report."},
        422: {"model": ErrorBody, "description": "A cut, filter, period or as_of is wrong."},
    },
)
def get_report(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    kept: KeptResults,
    name: Annotated[str, Path(description="The report: " + ", ".join(report_registry.names()))],
    by: Annotated[
        list[str] | None,
        Query(
            description="Cut by pipeline, segment, team, rep, presales, pair, product, "
            "source or period (repeatable)."
        ),
    ] = None,
    where: Annotated[
        list[str] | None,
        Query(description="Keep only CUT=VALUE (repeatable; values of one cut add up)."),
    ] = None,
    as_of: Annotated[
        str | None, Query(description="Replay the log to this date or time (UTC).")
    ] = None,
    period: Annotated[str | None, Query(description="The period: 2026, 2026Q3 or 2026-07.")] = None,
) -> Any:
    """A report as `pipefit report NAME --format json` prints it, over the deals you may
    see, with quotas (pay) only of the people whose pay you may read."""
    if name not in report_registry.names():
        raise NotFound(f"no report '{name}'; the reports are: "
                           f"{', '.join(report_registry.names())}", field="report")  # fmt: skip
    query = ReportQuery(
        as_of=moment(as_of),
        by=tuple(b.strip() for b in by or []),
        where=where_filters(where or []),
        period=period,
    )

    def compute() -> Any:
        result = scoped_report(app.uow(), login.scope, name, query, app.analytics_settings)
        view = report_view(
            result,
            as_of=query.as_of or datetime.now(UTC),
            shape=report_registry.json_shape(name),
            cut=bool(query.by),
        )
        return to_jsonable(view.document)

    # The same report for whoever sees the same rows and pay, while the data is unchanged
    # (a script polling it costs one run per change); "as of now", at most a minute old.
    scope = login.scope
    sees = (scope.deal_owners, scope.deal_presales, scope.people, scope.pay)
    key = ("report", name, query.by, tuple(sorted(query.where.items())), as_of, period, sees)
    max_age = None if query.as_of else REPORT_SECONDS
    return kept.get(key, version_of(request, app), compute, max_age=max_age)


@router.get(
    "/statements/{person_id}/{period}",
    responses={
        404: {
            "model": ErrorBody,
            "description": "No such person, or one whose pay you may not read (the same "
            "answer, so that who exists does not leak).",
        }
    },
)
def get_statement(
    app: Workspace,
    login: CurrentLogin,
    person_id: Annotated[str, Path(description="Whose statement (a person id).")],
    period: Annotated[str, Path(description="The period: 2026, 2026Q3 or 2026-07.")],
) -> Any:
    """A pay statement with every line, as `pipefit comp statement --format json` prints
    it: for the person, their managers and comp admins only."""
    statement = scoped_statement(
        app.uow(), login.scope, app.compensation, app.currency, person_id, period
    )
    return to_jsonable(statement_view(statement).machine_document())
