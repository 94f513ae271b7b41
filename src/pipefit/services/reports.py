"""Running reports: the registry of report modules and one use case that runs a report
over the relations the store hands over (`uow.analytics`).

Every module of `analytics.reports` with a `NAME` and a `run` is a report (see that
package's docstring); a module may also have `TITLE`, `chart(result)` and `JSON_SHAPE`
(how its JSON looks: "report", the default, a document with summary, definitions, notes
and rows; "records", a list of its rows; "summary", its summary keys at the top level
with each group's figures under "groups").
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from types import ModuleType
from typing import Any

import pipefit.analytics.reports as reports_package
from pipefit.analytics.engine import Source, connect, fetch
from pipefit.analytics.query import CUTS, ReportQuery
from pipefit.analytics.relations import RELATIONS
from pipefit.analytics.result import ReportResult
from pipefit.domain.errors import PipefitError
from pipefit.services.ports.analytics import AnalyticsSettings
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "JSON_SHAPES",
    "check_query",
    "json_shape",
    "names",
    "reads",
    "registry",
    "report_module",
    "run_all",
    "run_report",
]

JSON_SHAPES = ("report", "records", "summary")

# The relations of millions of rows that only some reports read, and those reports (a
# report module may also say so itself: READS, the names of the relations it reads).
# Every other relation is read for every report; a report not named here gets these
# empty, so a report that starts reading one must be added (tests/unit/test_report_reads).
HEAVY_READERS: dict[str, frozenset[str]] = {
    "activities": frozenset({"signals"}),
    "leads": frozenset({"funnel"}),
}


@cache
def _discovered() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(reports_package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{reports_package.__name__}.{info.name}")
        if isinstance(getattr(module, "NAME", None), str) and callable(
            getattr(module, "run", None)
        ):
            found[module.NAME] = module
    return found


def registry() -> Mapping[str, Any]:
    """Report name -> its module (anything with NAME and run), in name order."""
    return dict(sorted(_discovered().items()))


def names() -> list[str]:
    return list(registry())


def report_module(name: str) -> Any:
    known = registry()
    if name not in known:
        listed = ", ".join(known) if known else "none yet"
        raise PipefitError(f"no report '{name}'; the reports are: {listed}", field="report")
    return known[name]


def json_shape(name: str) -> str:
    shape = str(getattr(report_module(name), "JSON_SHAPE", "report"))
    return shape if shape in JSON_SHAPES else "report"


def check_query(query: ReportQuery, extra: Sequence[str] = ()) -> ReportQuery:
    """Cuts and filters by names reports know (`extra`: cuts one report adds, its
    EXTRA_CUTS); the clock set (UTC)."""
    known = [*CUTS, "period", *extra]
    for cut in query.by:
        if cut not in known:
            raise PipefitError(
                f"no cut '{cut}'; reports are cut by {', '.join(known)}", field="report.by"
            )
    for cut in query.where:
        if cut not in CUTS:
            raise PipefitError(
                f"no cut '{cut}' to filter by; the cuts are {', '.join(CUTS)}",
                field="report.where",
            )
    now = query.now or datetime.now(UTC)
    if query.as_of is not None and query.as_of > now:
        raise PipefitError(
            f"{query.as_of:%Y-%m-%d %H:%M} UTC is in the future: a report replays the past",
            field="report.as_of",
        )
    return replace(query, now=now)


def _check_as_of(query: ReportQuery, relations: Mapping[str, Source]) -> None:
    if query.as_of is None:
        return
    con = connect({"events": relations["events"]})
    try:
        first = fetch(con, 'SELECT min("at") AS first FROM events')["first"][0].as_py()
    finally:
        con.close()
    if first is not None and query.as_of < first:
        raise PipefitError(
            f"nothing had happened by {query.as_of:%Y-%m-%d %H:%M} UTC: the stage log "
            f"begins on {first:%Y-%m-%d}",
            field="report.as_of",
        )


def _run(module: Any, relations: Mapping[str, Source], query: ReportQuery) -> ReportResult:
    con = connect(relations)
    try:
        result: ReportResult = module.run(con, query)
    finally:
        con.close()
    return result


def reads(name: str) -> frozenset[str]:
    """The relations the report `name` reads."""
    declared = getattr(report_module(name), "READS", None)
    if declared is not None:
        return frozenset(declared)
    return frozenset(r for r in RELATIONS if name in HEAVY_READERS.get(r, frozenset({name})))


def _relations(
    uow: UnitOfWork, settings: AnalyticsSettings, names: Collection[str] | None = None
) -> tuple[dict[str, Source], list[str]]:
    # Arrow tables or the store's Parquet copies, which DuckDB reads itself.
    with uow:
        return uow.analytics.sources(settings, names), uow.analytics.notes()


def run_report(
    uow: UnitOfWork, name: str, query: ReportQuery, settings: AnalyticsSettings
) -> ReportResult:
    """Run the report `name` over the workspace's data as `query` asks."""
    module = report_module(name)
    query = check_query(query, getattr(module, "EXTRA_CUTS", ()))
    relations, notes = _relations(uow, settings, reads(name))
    _check_as_of(query, relations)
    result = _run(module, relations, query)
    return replace(result, notes=[*result.notes, *notes]) if notes else result


def run_all(
    uow: UnitOfWork, query: ReportQuery, settings: AnalyticsSettings
) -> dict[str, ReportResult]:
    """Every report by name, over one reading of the data."""
    query = check_query(query)
    relations, notes = _relations(uow, settings)
    _check_as_of(query, relations)
    results = {}
    for name, module in registry().items():
        result = _run(module, relations, query)
        results[name] = replace(result, notes=[*result.notes, *notes]) if notes else result
    return results
