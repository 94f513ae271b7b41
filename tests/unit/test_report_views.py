"""What a person sees of a report in the terminal, and what scripts get (complete, plain)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from types import SimpleNamespace

import pyarrow as pa
from rich.console import Console

from pipefit.analytics.result import ReportResult
from pipefit.views import to_csv, to_json
from pipefit.views.render import render
from pipefit.views.reports import MISSING, people_value, report_view


def _printed(view: object, width: int = 200) -> str:
    buffer = io.StringIO()
    render(view, "table", Console(file=buffer, width=width, highlight=False, markup=False))  # type: ignore[arg-type]
    return buffer.getvalue()


def test_figures_are_written_for_people() -> None:
    assert people_value("median_days", 37.9215) == "37.9"
    # 0.26698 is 26.698%: truncated to 26.6%, never rounded up to 26.7%
    assert people_value("win_rate", 0.26698) == "26.6%"
    assert people_value("conversion_to_next", 0.99999) == "99.9%"
    assert people_value("won_revenue", 22138860.0) == "22,138,860"
    assert people_value("run_rate", 9070.0) == "9,070"  # an amount, though it ends in _rate
    assert people_value("deals", 2992) == "2,992"
    assert people_value("coverage", None) == MISSING
    assert people_value("as_of", "2025-12-31T00:00:00+00:00") == "2025-12-31"


def _kpis(rows: Sequence[Mapping[str, object]], summary: Mapping[str, object]) -> ReportResult:
    return ReportResult(
        "kpis",
        pa.Table.from_pylist([dict(r) for r in rows]),
        summary=dict(summary),
        definitions={"win_rate": "won / (won + lost)"},
        notes=[],
    )


KPIS = SimpleNamespace(TABLE_COLUMNS=("deals", "win_rate"))


def test_a_one_row_table_repeating_the_summary_is_not_printed() -> None:
    figures = {"deals": 10, "win_rate": 0.25, "won_revenue": 1234567.0}
    coverage = {"period": "2025Q4", "rows": [{"id": "all", "coverage": None}]}
    result = _kpis([figures], {**figures, "coverage": coverage})
    view = report_view(result, module=KPIS, currency="USD")
    names = [t.name for t in view.tables]
    assert names == ["coverage", "definitions"]
    text = _printed(view)
    assert "amounts in USD" in text
    assert "25.0%" in text and "1,234,567" in text
    # the figure without a value shows a dash, and the reason is in the notes
    assert MISSING in text and "no quota, or the quota is already reached" in text


def test_many_figures_read_as_a_figure_value_list() -> None:
    figures = {f"figure_{i}": i for i in range(8)}
    view = report_view(_kpis([figures], figures), module=KPIS)
    assert view.tables[0].name == "figures"
    assert [c.key for c in view.tables[0].columns] == ["figure", "value"]


def test_a_cut_leads_the_declared_columns_and_the_csv_keeps_every_column() -> None:
    rows = [
        {"segment": "smb", "deals": 5, "win_rate": 0.5, "unmeasured": 0},
        {"segment": "enterprise", "deals": 3, "win_rate": None, "unmeasured": 1},
    ]
    view = report_view(_kpis(rows, {"deals": 8}), module=KPIS, by=("segment",), cut=True)
    shown = view.tables[0]
    assert [c.key for c in shown.columns] == ["segment", "deals", "win_rate"]
    assert to_csv(view).splitlines()[0] == "segment,deals,win_rate,unmeasured"
    assert '"win_rate": null' in to_json(view)  # machine forms stay plain


def test_a_narrow_terminal_leaves_out_the_last_columns_and_says_so() -> None:
    keys = ["stage", *(f"p{i}_days" for i in range(12))]
    rows = [{k: ("Formal proposal" if k == "stage" else 12.345) for k in keys}]
    module = SimpleNamespace(TABLE_COLUMNS=tuple(keys))
    result = ReportResult("time-in-stage", pa.Table.from_pylist(rows))
    text = _printed(report_view(result, module=module), width=60)
    assert max(len(line) for line in text.splitlines() if line.startswith(("┃", "│"))) <= 60
    table, note = text.split("note:", 1)
    assert "Formal proposal" in table and "p0 days" in table and "p11 days" not in table
    assert "leaves out" in note and "p11 days" in note


def test_friction_reads_as_findings_most_pressing_first_with_stalled_deals_apart() -> None:
    base = {
        "pipeline": "inbound",
        "opportunity_id": None,
        "owner_id": None,
        "presales_id": None,
        "ratio": None,
        "value_days": None,
        "reference_days": None,
    }
    rows = [
        {**base, "stage": "Overview", "finding": "minutes", "detail": "passed in 10 minutes"},
        {**base, "stage": "Refinement", "finding": "two_humps", "detail": "looks like two steps"},
        {
            **base,
            "stage": "Discovery",
            "finding": "stalled",
            "opportunity_id": "opp-1",
            "owner_id": "emp-1",
            "presales_id": "emp-9",
            "value_days": 80.04,
            "reference_days": 43.9,
            "detail": None,
        },
    ]
    result = ReportResult(
        "friction", pa.Table.from_pylist(rows), summary={"findings": {"stalled": 1}}
    )
    view = report_view(result)
    findings, stalled = view.tables[0], view.tables[1]
    assert [r["finding"] for r in findings.rows] == ["two_humps", "minutes"]
    assert [c.key for c in findings.columns] == ["stage", "finding", "detail"]
    assert stalled.rows[0]["owner"] == "emp-1" and stalled.rows[0]["presales"] == "emp-9"
    assert stalled.rows[0]["in_stage_days"] == "80.0"
    assert len(to_csv(view).splitlines()) == 4  # header + every finding, stalled included
