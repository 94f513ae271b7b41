"""pipefit from Python (notebooks, scripts): `pipefit.open_workspace(path_or_url)`.

    ws = pipefit.open_workspace("acme")            # a workspace folder
    table = ws.reports.time_in_stage(by=["segment"], as_of="2026-06-30")
    table.to_pandas()                              # or polars.from_arrow(table)

Each report of `services.reports` is a method of `ws.reports` (its name with
underscores for dashes) returning its rows as an Arrow table; `ws.reports.run(name,
...)` returns the whole `ReportResult` (summary, definitions, notes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.result import ReportResult
from pipefit.bootstrap import App
from pipefit.domain.errors import PipefitError

__all__ = ["Reports", "WorkspaceHandle", "open_workspace"]


def _moment(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PipefitError(f"{value!r} is not an ISO 8601 date", field="report.as_of") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _where(where: Mapping[str, str | Iterable[str]] | None) -> dict[str, tuple[str, ...]]:
    return {
        cut: (values,) if isinstance(values, str) else tuple(values)
        for cut, values in (where or {}).items()
    }


class Reports:
    """Every registered report as a method; see the module's docstring."""

    def __init__(self, app: App) -> None:
        self._app = app

    def names(self) -> list[str]:
        from pipefit.services import reports

        return reports.names()

    def run(
        self,
        name: str,
        *,
        by: Iterable[str] = (),
        where: Mapping[str, str | Iterable[str]] | None = None,
        as_of: str | datetime | None = None,
        period: str | None = None,
    ) -> ReportResult:
        from pipefit.services import reports

        query = ReportQuery(as_of=_moment(as_of), by=tuple(by), where=_where(where), period=period)
        return reports.run_report(self._app.uow(), name, query, self._app.analytics_settings)

    def __getattr__(self, attribute: str) -> Any:
        from pipefit.services import reports

        name = attribute.replace("_", "-")
        if attribute.startswith("_") or name not in reports.registry():
            raise AttributeError(attribute)

        def method(**options: Any) -> pa.Table:
            return self.run(name, **options).rows

        method.__name__ = attribute
        method.__doc__ = getattr(reports.report_module(name), "TITLE", None)
        return method

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *(n.replace("-", "_") for n in self.names())]


class WorkspaceHandle:
    """An open workspace; `close()` it (or use it in a `with` block) when done."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.reports = Reports(app)

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> WorkspaceHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_workspace(path_or_url: str | Path) -> WorkspaceHandle:
    """A workspace folder (its pipefit.toml and database), or a database URL (with the
    workspace folder taken from PIPEFIT_WORKSPACE or the current folder)."""
    text = str(path_or_url)
    if "://" in text:
        return WorkspaceHandle(App.open(None, database_url=text))
    return WorkspaceHandle(App.open(Path(text)))
