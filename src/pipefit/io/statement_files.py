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
from collections.abc import Callable, Sequence
from decimal import Decimal
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
_DEAL_ID, _BASIS, _CREDIT = (
    attrgetter("deal.opportunity_id"),
    attrgetter("basis"),
    attrgetter("credit"),
)
_DEAL_COLUMNS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("closed_at", attrgetter("deal.closed_at")),
    ("deal_amount", lambda c: str(c.deal.amount)),
    ("deal_currency", attrgetter("deal.currency")),
    ("rate", lambda c: str(c.rate)),
    ("percent", lambda c: str(c.percent)),
    ("via", attrgetter("via")),
)


def _lines_table(statements: Sequence[Statement]) -> pa.Table:
    """Every line of every statement, column by column (a few list comprehensions per
    statement, then Arrow writes the file: several times faster than a row at a time).
    Amounts go in as their exact decimal text: Arrow's own Decimal conversion is slow.

    Credit lines carry the deal's figures so a script can recompute them; pay lines
    their label. Per person, `amount` sums to the credit (section credit) and to the
    variable pay (every other section)."""
    cols: dict[str, list[Any]] = {name: [] for name in LINE_COLUMNS}
    # map() with C-level getters rather than comprehensions: this runs once per credit
    # line of everyone's statement (hundreds of thousands for a large company's year).
    for s in statements:
        deals, lines, earlier = s.deals, s.lines, s.earlier
        count = len(earlier) + len(deals) + len(lines)
        before, after = [None] * len(earlier), [None] * len(lines)
        cols["person"] += [s.person_id] * count
        cols["period"] += [s.period.label] * count
        cols["section"] += ["credit"] * (len(earlier) + len(deals))
        cols["section"] += map(_KIND, lines)
        cols["reference"] += [p for p, _ in earlier]
        cols["reference"] += map(_DEAL_ID, deals)
        cols["reference"] += after
        for name, getter in _DEAL_COLUMNS:
            column = cols[name]
            column += before
            column += map(getter, deals)
            column += after
        cols["basis"] += ["earlier period"] * len(earlier)
        cols["basis"] += map(_BASIS, deals)
        cols["basis"] += after
        cols["label"] += before + [None] * len(deals)
        cols["label"] += map(_LABEL, lines)
        cols["amount"] += [str(a) for _, a in earlier]
        cols["amount"] += map(str, map(_CREDIT, deals))
        cols["amount"] += map(str, map(_AMOUNT, lines))
    arrays: dict[str, pa.Array] = {}
    for name, values in cols.items():
        if name == "closed_at":
            stamps = pa.array(values, pa.timestamp("us", tz="UTC"))
            seconds = pc.cast(stamps, pa.timestamp("s", tz="UTC"), safe=False)
            arrays[name] = pc.strftime(seconds, "%Y-%m-%dT%H:%M:%SZ")
        else:
            arrays[name] = pa.array(values, pa.string())
    return pa.table(arrays)


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
            f'<td>{e(c.describe(s.currency))}</td><td class="n">{_money(c.credit)}</td></tr>'
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
