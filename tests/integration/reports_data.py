"""Shared helpers for the end-to-end report tests (tests/integration/test_reports_*.py).

A generated company is written by `pipefit.sample.generate`, imported by the real import
into a real workspace and reported on through `pipefit.open_workspace(...).reports`, the
path a user takes. Companies are built once per test session for each (size, seed, database)
because the import is what costs time. The generated CSV files are read back with the
`csv` module so that tests can count the truth independently of the store and the engine.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipefit.analytics.result import ReportResult
from pipefit.api import WorkspaceHandle, open_workspace
from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.sample import FILES, generate

from .workspaces import import_files, new_workspace

# The generator's company starts on 2024-01-01 and its data ends two years later: reports
# are run as of that moment (the wall clock would leave every open deal stalled for months).
DATA_END = datetime(2026, 1, 1, tzinfo=UTC)
# Large enough for the planted pairs and usage signals to show through the noise
# (sample.truths states them on 40,000 and 50,000 opportunities); about 12 s to build.
TRUTH_SIZE = 50_000
TRUTH_SEED = 1


@dataclass(frozen=True)
class Company:
    folder: Path  # the generated CSV files
    workspace: Workspace  # where they were imported


_built: dict[tuple[int, int, str], Company] = {}


def generated_company(
    root: Path, *, opportunities: int, seed: int, database_url: str | None = None
) -> Company:
    """The company of this size and seed, generated and imported (once per session and
    database kind; `root` is only used the first time)."""
    key = (opportunities, seed, "sqlite" if database_url is None else database_url)
    if key not in _built:
        folder = root / f"company-{opportunities}-{seed}"
        generate(folder, opportunities=opportunities, seed=seed)
        workspace = new_workspace(root / f"ws-{opportunities}-{seed}", database_url)
        import_files(workspace, [folder / name for name in FILES])
        _built[key] = Company(folder, workspace)
    return _built[key]


def open_reports(workspace: Workspace) -> WorkspaceHandle:
    """The workspace as `pipefit.open_workspace` opens it (its folder, and its database
    when that is not the SQLite file in the folder)."""
    if workspace.database_url.startswith("sqlite"):
        return open_workspace(workspace.root)
    return WorkspaceHandle(App.open(workspace.root, database_url=workspace.database_url))


def report(workspace: Workspace, name: str, **options: Any) -> ReportResult:
    """Report `name` through the Python API, as of the end of the data unless given."""
    options.setdefault("as_of", DATA_END)
    with open_reports(workspace) as handle:
        return handle.reports.run(name, **options)


def records(result: ReportResult) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = result.rows.to_pylist()
    return rows


# --- the generated files, read with the csv module ---------------------------------------


def read_csv(folder: Path, name: str) -> Iterator[dict[str, str]]:
    with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def days(start: str, end: str) -> float:
    return (moment(end) - moment(start)).total_seconds() / 86_400


def median(values: list[float]) -> float:
    """The median as percentile_cont(0.5) takes it (the mean of the two middle values)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def stage_visits(folder: Path) -> dict[str, list[float]]:
    """Completed visits per stage from stage_events.csv, in days: a visit runs from the
    event that entered the stage to the deal's next event into another stage (events that
    only change the sub-state stay in the visit); a visit still going on is not completed."""
    by_deal: dict[str, list[tuple[int, str, str]]] = {}
    for row in read_csv(folder, "stage_events"):
        by_deal.setdefault(row["opportunity_id"], []).append(
            (int(row["seq"]), row["to_stage"], row["at"])
        )
    visits: dict[str, list[float]] = {}
    for events in by_deal.values():
        events.sort()
        entered: tuple[str, str] | None = None  # (stage, when)
        for _, stage, at in events:
            if entered is not None and stage == entered[0]:
                continue
            if entered is not None:
                visits.setdefault(entered[0], []).append(days(entered[1], at))
            entered = (stage, at)
    return visits


# --- comparing two runs of the same report (SQLite and PostgreSQL) -----------------------


def same_value(left: Any, right: Any, *, rel: float = 1e-9) -> bool:
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(
            same_value(left[k], right[k], rel=rel) for k in left
        )
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(
            same_value(a, b, rel=rel) for a, b in zip(left, right, strict=True)
        )
    numbers = (int, float)
    if isinstance(left, numbers) and isinstance(right, numbers):
        if isinstance(left, float) and math.isnan(left):
            return isinstance(right, float) and math.isnan(right)
        return math.isclose(float(left), float(right), rel_tol=rel, abs_tol=1e-12)
    if type(left).__name__ == "Decimal" or type(right).__name__ == "Decimal":
        return same_value(float(left), float(right), rel=rel)
    return bool(left == right)


def differences(left: ReportResult, right: ReportResult) -> list[str]:
    """What differs between two results of one report (empty: the same rows and summary)."""
    found = []
    if left.rows.schema != right.rows.schema:
        found.append(f"columns: {left.rows.schema} != {right.rows.schema}")
    a, b = _sorted(left.rows), _sorted(right.rows)
    if len(a) != len(b):
        found.append(f"{len(a)} rows != {len(b)} rows")
    pairs = enumerate(zip(a, b, strict=False))
    found += [f"row {i}: {x} != {y}" for i, (x, y) in pairs if not same_value(x, y)]
    if not same_value(left.summary, right.summary):
        found.append(f"summary: {left.summary} != {right.summary}")
    return found[:10]


def _sorted(table: pa.Table) -> list[dict[str, Any]]:
    # Rows tied on a report's own order may come in either order from two databases.
    return sorted(table.to_pylist(), key=lambda r: [_key(r[name]) for name in table.column_names])


def _key(value: Any) -> str:
    # Floats rounded, so that a last-digit difference between engines does not reorder rows.
    return f"{value:.6g}" if isinstance(value, float) else repr(value)
