"""Pay statements as documents: a JSON-ready dict, CSV files and HTML pages.

`pipefit comp run` writes, into one folder:
- `statements.csv`: one row per person (quota, credit, attainment, pay);
- `statement_lines.csv`: every line of every statement (credited deals, tiers,
  adjustments), so that each person's lines can be summed back to their totals;
- `index.html` and `people/<person>.html`: the same, for people to read.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Sequence
from decimal import Decimal
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipefit.domain.statements import Statement

__all__ = ["statement_document", "write_statements"]


def _ratio(statement: Statement) -> Decimal:
    value = statement.attainment
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.000001"))


def statement_document(s: Statement) -> dict[str, Any]:
    ratio = _ratio(s)
    return {
        "person": s.person_id,
        "name": s.name,
        "role": s.role,
        "plan": s.plan,
        "period": s.period.label,
        "currency": s.currency,
        "attainment_basis": s.basis,
        "window": [p.label for p in s.window],
        "quota": s.quota,
        "quota_notes": list(s.quota_notes),
        "credited": s.credited,
        "attainment": ratio,
        "attainment_pct": s.attainment_pct,
        "variable_target": s.variable_target,
        "target_note": s.target_note,
        "base_salary": s.base_salary,
        "deals": [
            {
                "opportunity_id": c.deal.opportunity_id,
                "name": c.deal.name,
                "account_id": c.deal.account_id,
                "closed_at": c.deal.closed_at,
                "amount": c.deal.amount,
                "currency": c.deal.currency,
                "rate": c.rate,
                "converted": c.converted,
                "percent": c.percent,
                "basis": c.basis,
                "via": c.via,
                "credit": c.credit,
                "how": c.describe(s.currency),
            }
            for c in s.deals
        ],
        "earlier_credit": [{"period": p, "credited": amount} for p, amount in s.earlier],
        "lines": [
            {
                "kind": line.kind,
                "label": line.label,
                "amount": line.amount,
                "tier": None if line.tier is None else line.tier + 1,
                "rate": line.rate,
                "bookings": line.bookings,
            }
            for line in s.lines
        ],
        "variable_pay": s.variable_pay,
        "total_pay": s.total_pay,
        "adds_up": s.adds_up(),
        "rounding": s.rounding,
    }


def summary_row(s: Statement) -> dict[str, Any]:
    return {
        "person": s.person_id,
        "name": s.name,
        "role": s.role,
        "plan": s.plan,
        "period": s.period.label,
        "quota": s.quota,
        "credited": s.credited,
        "attainment_pct": s.attainment_pct,
        "deals": len(s.deals),
        "variable_target": s.variable_target,
        "variable_pay": s.variable_pay,
        "base_salary": s.base_salary,
        "total_pay": s.total_pay,
    }


_STYLE = (
    "body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1d2733}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{padding:.2rem .6rem;"
    "border-bottom:1px solid #dde}th{text-align:left;background:#f3f5f8}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}tr.total td{font-weight:600;border-top:2px solid #555}"
    ".muted{color:#667}"
)

LINE_COLUMNS = (
    "person",
    "period",
    "section",
    "reference",
    "closed_at",
    "deal_amount",
    "deal_currency",
    "rate",
    "percent",
    "basis",
    "via",
    "label",
    "amount",
)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


_SPECIAL = re.compile(r"[&<>\"']")


def _e(text: str) -> str:
    """html.escape, skipped for the (usual) text with nothing to escape: pages hold
    hundreds of thousands of ids and names."""
    return html.escape(text) if _SPECIAL.search(text) else text


def _safe_name(person_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in person_id)


_KIND, _LABEL, _AMOUNT = attrgetter("kind"), attrgetter("label"), attrgetter("amount")
_DEAL, _BASIS, _CREDIT = attrgetter("deal"), attrgetter("basis"), attrgetter("credit")
_PERCENT, _VIA = attrgetter("percent"), attrgetter("via")


class _Deals:
    """Each distinct deal once, and each credit line's row among them: a pool's deals recur
    in every member's statement, and their columns are then one `take` in Arrow. Built
    with C-level maps over object ids (a deal is one object however many lines name it)."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        lines = list(chain.from_iterable(s.deals for s in statements))
        keys = list(map(id, map(_DEAL, lines)))
        by_key = dict(zip(keys, lines, strict=True))  # first-seen order, any line per deal
        position = {key: i for i, key in enumerate(by_key)}
        self.rows: list[int] = list(map(position.__getitem__, keys))
        self.lines = list(by_key.values())

    def columns(self) -> dict[str, pa.Array]:
        deals = list(map(_DEAL, self.lines))
        stamps = pa.array([d.closed_at for d in deals], pa.timestamp("us", tz="UTC"))
        seconds = pc.cast(stamps, pa.timestamp("s", tz="UTC"), safe=False)
        return {
            "reference": pa.array([d.opportunity_id for d in deals], pa.string()),
            "closed_at": pc.strftime(seconds, "%Y-%m-%dT%H:%M:%SZ"),
            "deal_amount": pa.array([str(d.amount) for d in deals], pa.string()),
            "deal_currency": pa.array([d.currency for d in deals], pa.string()),
            "rate": pa.array([str(c.rate) for c in self.lines], pa.string()),
        }


def _lines_table(statements: Sequence[Statement]) -> pa.Table:
    """Every line of every statement, column by column: per-line values are gathered with
    C-level getters, per-deal values once per deal; Arrow writes the file. Amounts go in
    as their exact decimal text (Arrow's own Decimal conversion is slow).

    Credit lines carry the deal's figures so a script can recompute them; pay lines
    their label. Per person, `amount` sums to the credit (section credit) and to the
    variable pay (every other section)."""
    per_line = ("person", "period", "section", "percent", "basis", "via", "label", "amount")
    cols: dict[str, list[Any]] = {name: [] for name in per_line}
    rows: list[int | None] = []
    earlier_refs: dict[int, str] = {}
    distinct = _Deals(statements)
    taken = 0
    for s in statements:
        deals, lines, earlier = s.deals, s.lines, s.earlier
        count = len(earlier) + len(deals) + len(lines)
        before, after = [None] * len(earlier), [None] * len(lines)
        for p, _ in earlier:
            earlier_refs[len(rows)] = p
            rows.append(None)
        rows += distinct.rows[taken : taken + len(deals)]
        taken += len(deals)
        rows += after
        cols["person"] += [s.person_id] * count
        cols["period"] += [s.period.label] * count
        cols["section"] += ["credit"] * (len(earlier) + len(deals))
        cols["section"] += map(_KIND, lines)
        cols["percent"] += before
        cols["percent"] += map(str, map(_PERCENT, deals))
        cols["percent"] += after
        cols["basis"] += ["earlier period"] * len(earlier)
        cols["basis"] += map(_BASIS, deals)
        cols["basis"] += after
        cols["via"] += before
        cols["via"] += map(_VIA, deals)
        cols["via"] += after
        cols["label"] += before + [None] * len(deals)
        cols["label"] += map(_LABEL, lines)
        cols["amount"] += [str(a) for _, a in earlier]
        cols["amount"] += map(str, map(_CREDIT, deals))
        cols["amount"] += map(str, map(_AMOUNT, lines))
    picks = pa.array(rows, pa.int64())
    arrays = {name: pa.array(values, pa.string()) for name, values in cols.items()}
    for name, column in distinct.columns().items():
        arrays[name] = column.take(picks)
    if earlier_refs:  # cumulative plans: "credited in 2026Q1" lines name the period
        refs = arrays["reference"].to_pylist()
        for i, p in earlier_refs.items():
            refs[i] = p
        arrays["reference"] = pa.array(refs, pa.string())
    return pa.table({name: arrays[name] for name in LINE_COLUMNS})


def _person_page(s: Statement) -> str:
    """One statement as a page. Built from escaped strings rather than a template engine:
    a year of a large pool is thousands of rows per page, and tens of thousands of pages."""
    e = _e
    basis = "year to date" if s.basis == "cumulative_annual" else "per period"
    rows = [
        f'<tr><td></td><td colspan="3">credited in {e(p)}</td><td class="n">{_money(a)}</td></tr>'
        for p, a in s.earlier
    ]
    for c in s.deals:
        d = c.deal
        rows.append(
            f"<tr><td>{d.closed_at.date()}</td><td>{e(d.opportunity_id)} <span class=muted>"
            f"{e(d.name or '')}</span></td><td>{e(d.account_id or '')}</td>"
            f'<td>{e(c.arithmetic(s.currency))}</td><td class="n">{_money(c.credit)}</td></tr>'
        )
    pay = [
        f'<tr><td>{e(line.label)}</td><td class="n">{_money(line.amount)}</td></tr>'
        for line in s.lines
    ]
    notes = "".join(f"<li>{e(n)}</li>" for n in s.quota_notes)
    title = f"{e(s.name)} ({e(s.person_id)}), {s.period}"
    return "\n".join(
        [
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}'
            f"</title><style>{_STYLE}</style></head><body>",
            '<p><a href="../index.html">All statements</a></p>',
            f"<h1>{title}</h1>",
            f"<p>{e(s.role)}, plan <b>{e(s.plan)}</b>; attainment measured {basis}.</p>",
            f"<h2>Quota: {_money(s.quota)} {e(s.currency)}</h2><ul>{notes}</ul>",
            "<h2>Credited deals</h2><table><tr><th>closed</th><th>deal</th><th>account</th>"
            "<th>how</th><th>credit</th></tr>",
            *rows,
            f'<tr class="total"><td colspan="4">credited</td><td class="n">'
            f"{_money(s.credited)}</td></tr></table>",
            f"<p>Attainment: {_money(s.credited)} / {_money(s.quota)} = "
            f"<b>{s.attainment_pct}%</b>. Variable target: {e(s.target_note)}.</p>",
            "<h2>Pay</h2><table><tr><th>line</th><th>amount</th></tr>",
            *pay,
            f'<tr class="total"><td>variable pay</td><td class="n">{_money(s.variable_pay)}'
            "</td></tr>",
            f'<tr><td>base salary for the period</td><td class="n">{_money(s.base_salary)}'
            "</td></tr>",
            f'<tr class="total"><td>total pay</td><td class="n">{_money(s.total_pay)}'
            "</td></tr></table>",
            f'<p class="muted">Rounding: {e(s.rounding)}.</p></body></html>',
        ]
    )


def _index_page(statements: Sequence[Statement], skipped: Sequence[tuple[str, str, str]]) -> str:
    e = _e
    period = statements[0].period.label if statements else ""
    currency = statements[0].currency if statements else ""
    total = sum((s.variable_pay for s in statements), Decimal(0))
    rows = [
        f'<tr><td><a href="people/{_safe_name(s.person_id)}.html">{e(s.person_id)}</a></td>'
        f"<td>{e(s.name)}</td><td>{e(s.role)}</td><td>{e(s.plan)}</td>"
        f'<td class="n">{_money(s.quota)}</td><td class="n">{_money(s.credited)}</td>'
        f'<td class="n">{s.attainment_pct}%</td><td class="n">{_money(s.variable_pay)}</td></tr>'
        for s in statements
    ]
    unpaid = [
        f"<tr><td>{e(who)}</td><td>{e(role)}</td><td>{e(why)}</td></tr>"
        for who, role, why in skipped
    ]
    parts = [
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Statements '
        f"{period}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Pay statements, {period}</h1>",
        f"<p>{len(statements)} statements; variable pay in total {_money(total)} "
        f"{e(currency)}.</p>",
        "<table><tr><th>person</th><th>name</th><th>role</th><th>plan</th><th>quota</th>"
        "<th>credited</th><th>attainment</th><th>variable pay</th></tr>",
        *rows,
        "</table>",
    ]
    if unpaid:
        parts += [
            "<h2>Not paid</h2><table><tr><th>person</th><th>role</th><th>why</th></tr>",
            *unpaid,
            "</table>",
        ]
    return "\n".join([*parts, "</body></html>"])


def write_statements(
    out_dir: Path,
    statements: Sequence[Statement],
    skipped: Sequence[tuple[str, str, str]],
    *,
    html: bool = True,
) -> list[Path]:
    """Write the run's CSV files (and HTML pages); return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = out_dir / "statements.csv"
    lines_file = out_dir / "statement_lines.csv"
    rows = [summary_row(s) for s in statements]
    with summary.open("w", newline="", encoding="utf-8") as handle:
        fields = list(rows[0]) if rows else ["person"]
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    with lines_file.open("wb") as raw:
        raw.write((",".join(LINE_COLUMNS) + "\r\n").encode())
        options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        pa_csv.write_csv(_lines_table(statements), raw, options)
    written = [summary, lines_file]
    if not html:
        return written
    people_dir = out_dir / "people"
    people_dir.mkdir(exist_ok=True)
    for s in statements:
        (people_dir / f"{_safe_name(s.person_id)}.html").write_text(_person_page(s), "utf-8")
    index = out_dir / "index.html"
    index.write_text(_index_page(statements, skipped), "utf-8")
    return [*written, index, people_dir]
