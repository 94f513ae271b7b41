"""`pipefit report` on the demo company: what a person reads, what scripts get, the
charts drawn offline, and `report all` writing every report it can."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from .cli import run, run_json

AS_OF = ("--as-of", "2025-12-31")  # the demo company's data ends on this day


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports") / "demo"
    run("demo", "-w", folder)
    return folder


def test_kpis_read_as_figures_once_with_the_currency_named(demo: Path) -> None:
    text = run("report", "kpis", "-w", demo, *AS_OF).stdout
    assert "amounts in USD" in text
    assert text.count("win rate counting stalled") == 1  # no row repeating the summary
    figures = run_json("report", "kpis", "-w", demo, *AS_OF, "--format", "json")
    shown = f"{int(figures['win_rate'] * 1000) / 10:.1f}%"  # truncated, as printed
    assert shown in text


def test_friction_lists_findings_and_stalled_deals_with_their_owner(demo: Path) -> None:
    text = run("report", "friction", "-w", demo, *AS_OF).stdout
    assert "Findings, most pressing first" in text and "two_humps" in text
    assert "Stalled deals" in text and "presales" in text
    rows = list(
        csv.DictReader(
            io.StringIO(run("report", "friction", "-w", demo, *AS_OF, "-f", "csv").stdout)
        )
    )
    assert {"delta_bic", "detail", "owner_id"} <= set(rows[0])  # the CSV keeps every column


@pytest.mark.parametrize("suffix", [".png", ".svg", ".html"])
def test_a_chart_is_drawn_offline_in_the_format_its_suffix_names(
    demo: Path, tmp_path: Path, suffix: str
) -> None:
    chart = tmp_path / f"funnel{suffix}"
    run("report", "funnel", "-w", demo, *AS_OF, "--chart", chart)
    data = chart.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG")
    elif suffix == ".svg":
        assert b"<svg" in data[:500]
    else:
        assert b"<script src=" not in data  # the Vega scripts are inside the page


def test_report_all_writes_what_it_can_and_refuses_to_overwrite(demo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "all"
    result = run("report", "all", "-w", demo, *AS_OF, "--out", folder)
    assert "9 reports written" in result.stdout  # flow defaults to the as-of quarter
    for name in ("kpis", "time-in-stage", "forecast", "flow"):
        for ext in ("csv", "json", "png", "html"):
            assert (folder / f"{name}.{ext}").stat().st_size > 0
    again = run("report", "all", "-w", demo, *AS_OF, "--out", folder, check=False)
    assert again.returncode != 0 and "already exists" in again.stderr
