"""What `report NAME` shows: the report's headline figures, its records as a table, how
each figure is computed and what the data could not support.

Two forms, kept apart:

- the machine forms (JSON, CSV) are complete and plain: every column of every record,
  numbers as numbers. The JSON shape depends on the report (`services.reports.JSON_SHAPES`):
  "report", a document `{"report", "as_of", "summary", "definitions", "notes", "rows"}`;
  "records", the list of its rows; "summary", the summary keys at the top level (with the
  definitions and notes) and, when the report was cut, each group's figures under "groups".
- the terminal form shows what a report module declares: `TABLE_COLUMNS` (the columns a
  person reads, most important first: a narrow terminal leaves out the last ones) and
  `TABLE_FACTS` (the summary figures above the table; default: every plain one). Its
  cells are written for people here (days with one decimal, rates as percentages
  truncated, amounts with thousands separators, "—" for a figure that has no value), so
  the display tables hold text, while the machine forms never see it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from pipefit.analytics.result import ReportResult
from pipefit.views.shapes import Column, Fact, Kind, Table, View

__all__ = ["MISSING", "ReportView", "people_value", "report_document", "report_view"]

MISSING = "—"

# Keys whose numbers are shares between 0 and 1 (shown as percentages, truncated).
_RATES = frozenset(
    {
        "share",
        "wape",
        "bias",
        "within_10",
        "growth",
        "net_revenue_retention",
        "probability",
        "win_probability",
    }
)
# Keys whose numbers are amounts in the workspace currency.
_AMOUNTS = frozenset(
    {
        "open_pipeline",
        "expected",
        "expected_open",
        "expected_new",
        "low",
        "high",
        "closed_won",
        "learned",
        "fixed",
        "run_rate",
        "actual",
        "forecast",
        "quota",
        "quota_remaining",
        "lifetime_value",
    }
)
# Why a figure can have no value (printed once under a table that shows "—").
_MISSING_REASONS = {
    "win_rate": "no decided (won or lost) deals",
    "coverage": "no quota, or the quota is already reached",
    "lifetime_value": "no churned customers yet to measure a lifetime by",
    "revenue_per_customer": "no won revenue in the period",
    "growth": "no won revenue in the period before",
    "lift": "no deals without the signal, or none won without it",
    "median_cycle_days_won": "no won deals",
    "ratio": "no reference to compare with",
}
# Friction findings, most pressing first (a stage hiding two steps is the one to act on).
FRICTION_ORDER = ("two_humps", "long", "slower", "wide", "minutes", "skipped", "stalled")


def is_rate(key: str) -> bool:
    return not is_amount(key) and (
        key in _RATES
        or key.endswith(("_rate", "_share"))
        or key.startswith(("conversion_", "win_rate"))
        or "_win_rate" in key
        or key.endswith(("_rate_low", "_rate_high"))
    )


def is_amount(key: str) -> bool:
    return (
        key in _AMOUNTS
        or "amount" in key
        or "revenue" in key
        or key.startswith(("rollup_", "sales_velocity"))
    )


def _truncated_percent(value: float) -> str:
    exact = Decimal(str(value)) * 100
    return f"{exact.quantize(Decimal('0.1'), rounding=ROUND_DOWN):,.1f}%"


def people_value(key: str, value: Any) -> str:
    """One figure as a person reads it; the key says what the number is."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _as_time(value) or value
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if is_rate(key):
            return _truncated_percent(value)
        if key.endswith("_days") or "_days_" in key:
            return f"{value:,.1f}"
        if is_amount(key) or key == "delta_bic":
            return f"{value:,.0f}"
        return f"{value:,.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(people_value(key, v) for v in value)
    return str(value)


def _as_time(text: str) -> str | None:
    """ISO moments in summaries (`"2025-12-31T00:00:00+00:00"`) as dates for people."""
    if len(text) < 19 or text[4] != "-" or text[10] != "T":
        return None
    try:
        return people_value("", datetime.fromisoformat(text))
    except ValueError:
        return None


def _numeric(rows: Sequence[Mapping[str, Any]], key: str) -> bool:
    value = next((r.get(key) for r in rows if r.get(key) is not None), None)
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _heading(key: str, currency: str | None) -> str:
    return key.replace("_", " ")


def shown_table(
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    title: str | None = None,
    name: str = "rows",
    keep: int = 1,
    currency: str | None = None,
) -> Table:
    """A display table: the cells written for people, numbers right-aligned; `keep`
    leading columns stay on a narrow terminal, the others go from the right."""
    columns = tuple(
        Column(k, Kind.NUMBER if _numeric(rows, k) else Kind.TEXT, _heading(k, currency))
        for k in keys
    )
    cells = [{k: people_value(k, row.get(k)) for k in keys} for row in rows]
    return Table(columns, cells, title, name, keep=keep)


def _missing_notes(tables: Sequence[Table]) -> list[str]:
    """One line per figure shown as "—" that has a known reason."""
    notes = []
    for table in tables:
        for column in table.columns:
            if column.key in _MISSING_REASONS and any(
                r.get(column.key) == MISSING for r in table.rows
            ):
                reason = _MISSING_REASONS[column.key]
                notes.append(f"{MISSING} under {column.heading}: {reason}")
    return list(dict.fromkeys(notes))


class ReportView(View):
    """A report's view: its CSV is the complete `rows` of the result, whatever the
    terminal shows."""

    def __init__(self, *, complete: Table, **fields: Any) -> None:
        super().__init__(**fields)
        self.complete = complete

    def csv_table(self) -> Table | None:
        return self.complete


def _rows(result: ReportResult) -> list[dict[str, Any]]:
    return list(result.rows.to_pylist())


def report_document(
    result: ReportResult, *, as_of: datetime | None, shape: str = "report", cut: bool = False
) -> Any:
    """The machine form of a result (plain values; the renderer makes them JSON)."""
    rows = _rows(result)
    if shape == "records":
        return rows
    if shape == "summary":
        doc: dict[str, Any] = dict(result.summary)
        doc["definitions"] = dict(result.definitions)
        doc["notes"] = list(result.notes)
        if cut:
            doc["groups"] = rows
        return doc
    return {
        "report": result.name,
        "as_of": as_of,
        "summary": dict(result.summary),
        "definitions": dict(result.definitions),
        "notes": list(result.notes),
        "rows": rows,
    }


def _plain(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def _listed(value: Any) -> bool:
    """A plain value or a list of plain values (a fact line can hold it)."""
    return _plain(value) or (isinstance(value, list | tuple) and all(_plain(v) for v in value))


def _facts(result: ReportResult, wanted: Sequence[str] | None) -> list[Fact]:
    summary = result.summary
    keys = list(wanted) if wanted is not None else list(summary)
    facts = []
    for key in keys:
        if key not in summary or key == "as_of" or not _listed(summary[key]):
            continue
        value = summary[key]
        if key == "period" and value is None:
            continue
        facts.append(Fact(key, key.replace("_", " "), people_value(key, value)))
    return facts


def _nested_tables(result: ReportResult, currency: str | None) -> list[Table]:
    """The summary's nested parts (growth, churn, coverage, periods, ...) as small tables."""
    tables: list[Table] = []
    for key, value in result.summary.items():
        label = key.replace("_", " ")
        if isinstance(value, dict) and "rows" in value and isinstance(value["rows"], list):
            rows = value["rows"]
            where = f" {value['period']}" if value.get("period") else ""
            if rows:
                tables.append(_records(rows, f"{label}{where}", key, currency))
        elif isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
            for part, rows in value.items():
                if rows and len(rows) <= 12:
                    tables.append(_records(rows, f"{label}: {part}", f"{key}.{part}", currency))
        elif isinstance(value, dict) and value and all(_plain(v) for v in value.values()):
            figures = [
                {"figure": k.replace("_", " "), "value": people_value(k, v)}
                for k, v in value.items()
            ]
            columns = (Column("figure"), Column("value", Kind.NUMBER))
            tables.append(Table(columns, figures, label, key, keep=2))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append(_records(value, label, key, currency))
    return tables


def _records(
    rows: Sequence[Mapping[str, Any]], title: str, name: str, currency: str | None
) -> Table:
    keys = list(rows[0])
    return shown_table(rows, keys, title=title, name=name, keep=2, currency=currency)


def _repeats_summary(result: ReportResult) -> bool:
    """A single record holding the summary's own figures (kpis without a cut)."""
    if result.rows.num_rows != 1:
        return False
    row = result.rows.to_pylist()[0]
    return all(k in result.summary and result.summary[k] == v for k, v in row.items())


def _shown_keys(result: ReportResult, module: Any, by: Sequence[str]) -> list[str]:
    present = result.rows.column_names
    declared = getattr(module, "TABLE_COLUMNS", None)
    if declared is None:
        return list(present)
    cuts = [k for k in present if k in by]
    wanted = [k for k in declared if k in present]
    if len(wanted) < len(declared) // 2:  # another layout of rows (a report's own cut)
        return list(present)
    return [*dict.fromkeys([*cuts, *wanted])]


def _record_tables(result: ReportResult, module: Any, by: Sequence[str]) -> list[Table]:
    """The rows as the module declares them: `TABLE_COLUMNS`, one table per value of
    `TABLE_SPLIT` (columns empty in a part are left out of it)."""
    rows = _rows(result)
    keys = _shown_keys(result, module, by)
    split = [k for k in getattr(module, "TABLE_SPLIT", ()) if k in result.rows.column_names]
    parts: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        parts.setdefault(tuple(row[k] for k in split), []).append(row)
    tables = []
    for part, members in parts.items():
        shown = [
            k
            for k in keys
            if k not in split and (not split or any(r.get(k) is not None for r in members))
        ]
        leading = next((i for i, k in enumerate(shown) if _numeric(members, k)), len(shown))
        title = " · ".join(str(v) for v in part if v is not None) or None
        tables.append(shown_table(members, shown, title=title, keep=max(1, leading)))
    return tables


def _friction_tables(result: ReportResult, by: Sequence[str]) -> list[Table]:
    """Findings as a list, the most pressing first; stalled deals apart, longest first."""
    rows = _rows(result)
    rank = {finding: i for i, finding in enumerate(FRICTION_ORDER)}
    cuts = [k for k in by if k in result.rows.column_names]
    stages = sorted(
        (r for r in rows if r["finding"] != "stalled"),
        key=lambda r: (rank.get(r["finding"], 99), -(r.get("ratio") or 0)),
    )
    stalled = sorted(
        (r for r in rows if r["finding"] == "stalled"), key=lambda r: -(r.get("value_days") or 0)
    )
    for row in stalled:
        row["deal"] = row["opportunity_id"]
        row["owner"] = row["owner_id"]
        row["presales"] = row["presales_id"]
        row["in_stage_days"] = row["value_days"]
        row["stage_p90_days"] = row["reference_days"]
    tables = [
        shown_table(
            stages,
            [*cuts, "stage", "finding", "detail"],
            title="Findings, most pressing first",
            name="findings",
            keep=3 + len(cuts),
        )
    ]
    if stalled:
        keys = [*cuts, "deal", "stage", "owner", "presales", "in_stage_days", "stage_p90_days"]
        title = f"Stalled deals: {len(stalled)}, beyond their stage's p90, longest first"
        tables.append(shown_table(stalled, keys, title=title, name="stalled", keep=2))
    return tables


def _friction_facts(result: ReportResult) -> list[Fact]:
    found = result.summary.get("findings") or {}
    counted = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in found.items() if v)
    facts = [Fact("findings", "findings", counted or "none")]
    if result.summary.get("period"):
        facts.append(Fact("period", "period", str(result.summary["period"])))
    return facts


def report_view(
    result: ReportResult,
    *,
    title: str | None = None,
    as_of: datetime | None = None,
    shape: str = "report",
    cut: bool = False,
    module: Any = None,
    by: Sequence[str] = (),
    currency: str | None = None,
) -> View:
    """The view of one report: `module` (the report's module) declares what the terminal
    shows; `by` names the cuts (their columns lead the table); `currency` is named once."""
    heading = title or result.name
    if as_of is not None:
        heading += f" (as of {as_of:%Y-%m-%d %H:%M} UTC"
        heading += f"; amounts in {currency})" if currency else ")"
    elif currency:
        heading += f" (amounts in {currency})"
    complete = Table.of(_rows(result), keys=result.rows.column_names, title=result.name)
    tables: list[Table]
    if result.name == "friction" and "finding" in result.rows.column_names:
        facts = _friction_facts(result)
        tables = _friction_tables(result, by)
    else:
        facts = _facts(result, getattr(module, "TABLE_FACTS", None))
        tables = []
        if not _repeats_summary(result) and result.rows.num_rows:
            tables += _record_tables(result, module, by)
        tables += _nested_tables(result, currency)
    if len(facts) > 6:  # many headline figures read best as a figure/value list
        listed = [{"figure": f.label, "value": f.value} for f in facts]
        figures = Table(
            (Column("figure"), Column("value", Kind.NUMBER)), listed, None, "figures", keep=2
        )
        tables.insert(0, figures)
        facts = []
    notes = list(result.notes)
    if not result.rows.num_rows:
        notes.append("no records: nothing in scope for this report")
    notes += _missing_notes(tables)
    if result.definitions:
        defined = [{"figure": k, "how it is computed": v} for k, v in result.definitions.items()]
        tables.append(Table.of(defined, name="definitions", keep=2))
    return ReportView(
        complete=complete,
        title=heading,
        facts=facts,
        tables=tables,
        notes=notes,
        document=report_document(result, as_of=as_of, shape=shape, cut=cut),
        csv="rows",
    )
