"""`pipefit report` and `pipefit.open_workspace(...).reports`, with a report module the
test registers (no real report is needed to test the plumbing)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

import pipefit
from pipefit.analytics.engine import fetch
from pipefit.analytics.query import ReportQuery
from pipefit.analytics.result import ReportResult
from pipefit.cli import app
from pipefit.cli.errors import describe
from pipefit.domain.errors import PipefitError
from pipefit.services import reports


def _stage_counts(con: Any, query: ReportQuery) -> ReportResult:
    rows = fetch(
        con,
        "SELECT to_stage AS stage, count(*) AS visits FROM events GROUP BY to_stage ORDER BY stage",
    )
    visits = sum(rows["visits"].to_pylist())
    return ReportResult(
        "stage-counts",
        rows,
        summary={"visits": visits},
        definitions={"visits": "stage events in the effective log"},
        notes=["a note"],
    )


def _module(name: str, shape: str) -> ModuleType:
    module = ModuleType(f"test_report_{shape}")
    module.NAME = name  # type: ignore[attr-defined]
    module.TITLE = "Stage counts"  # type: ignore[attr-defined]
    module.JSON_SHAPE = shape  # type: ignore[attr-defined]
    module.run = _stage_counts  # type: ignore[attr-defined]
    return module


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    known = {
        "stage-counts": _module("stage-counts", "report"),
        "stage-list": _module("stage-list", "records"),
        "stage-kpis": _module("stage-kpis", "summary"),
    }
    monkeypatch.setattr(reports, "registry", lambda: known)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(app, ["init", "-w", str(root)]).exit_code == 0
    for deal in ("A-1", "A-2"):
        result = runner.invoke(
            app, ["opportunity", "add", deal, "--at", "2026-01-05", "-w", str(root)]
        )
        assert result.exit_code == 0, result.output
    return root


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _refusal(*args: str) -> str:
    """The one line `pipefit ARGS` prints for a refusal."""
    result = _run(*args)
    assert isinstance(result.exception, PipefitError), result.output
    return describe(result.exception)


def test_report_json_is_the_document_with_summary_definitions_notes_and_rows(
    registered: None, workspace: Path
) -> None:
    result = _run("report", "stage-counts", "-f", "json", "-w", str(workspace))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["report"] == "stage-counts"
    assert doc["summary"] == {"visits": 2}
    assert doc["definitions"] == {"visits": "stage events in the effective log"}
    assert doc["notes"] == ["a note"]
    assert doc["rows"] == [{"stage": "Discovery", "visits": 2}]
    assert doc["as_of"].startswith("20")


def test_a_report_may_print_a_list_of_records_or_its_summary_at_the_top_level(
    registered: None, workspace: Path
) -> None:
    records = json.loads(_run("report", "stage-list", "-f", "json", "-w", str(workspace)).output)
    assert records == [{"stage": "Discovery", "visits": 2}]
    flat = json.loads(_run("report", "stage-kpis", "-f", "json", "-w", str(workspace)).output)
    assert flat["visits"] == 2 and "groups" not in flat
    cut = _run("report", "stage-kpis", "--by", "rep", "-f", "json", "-w", str(workspace))
    assert json.loads(cut.output)["groups"] == [{"stage": "Discovery", "visits": 2}]


def test_the_table_prints_the_definitions_and_notes_under_the_figures(
    registered: None, workspace: Path
) -> None:
    result = _run("report", "stage-counts", "-w", str(workspace))
    assert result.exit_code == 0, result.output
    assert "Discovery" in result.output
    assert "stage events in the effective log" in result.output
    assert "note: a note" in result.output


def test_an_unknown_report_cut_or_early_as_of_is_one_line_naming_the_option(
    registered: None, workspace: Path
) -> None:
    unknown = _refusal("report", "nope", "-w", str(workspace))
    assert unknown.startswith(
        "no report 'nope'; the reports are: stage-counts, stage-list, stage-kpis"
    )
    cut = _refusal("report", "stage-counts", "--by", "colour", "-w", str(workspace))
    assert "no cut 'colour'" in cut and "(--by)" in cut
    early = _refusal("report", "stage-counts", "--as-of", "2025-01-01", "-w", str(workspace))
    assert "nothing had happened by 2025-01-01" in early and "(--as-of)" in early


def test_report_all_writes_csv_and_json_and_refuses_to_overwrite(
    registered: None, workspace: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = _run("report", "all", "--out", str(out), "-w", str(workspace))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(
        f"{n}.{ext}"
        for n in ("stage-counts", "stage-list", "stage-kpis")
        for ext in ("csv", "json")
    )
    assert (out / "stage-counts.csv").read_text().splitlines() == ["stage,visits", "Discovery,2"]
    again = _refusal("report", "all", "--out", str(out), "-w", str(workspace))
    assert "--overwrite" in again
    assert (
        _run("report", "all", "--out", str(out), "--overwrite", "-w", str(workspace)).exit_code == 0
    )


def test_the_python_api_returns_arrow_tables_per_report(registered: None, workspace: Path) -> None:
    with pipefit.open_workspace(workspace) as ws:
        table = ws.reports.stage_counts()
        assert isinstance(table, pa.Table)
        assert table.to_pylist() == [{"stage": "Discovery", "visits": 2}]
        assert ws.reports.run("stage-counts").summary == {"visits": 2}
        assert "stage_counts" in dir(ws.reports)
        with pytest.raises(AttributeError):
            ws.reports.no_such_report  # noqa: B018
    assert "pipefit.api" in sys.modules
