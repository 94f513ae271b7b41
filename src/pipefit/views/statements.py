"""A pay statement as a View: its key figures, the credited deals and the pay lines.

One shape, rendered every way a statement is shown: the terminal (`comp statement`), JSON
and CSV for scripts, and the HTML pages of `comp run` (later the web), from the Jinja2
templates `statement.html.j2` and `statements_index.html.j2`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from rich.console import Console

from pipefit.domain.payout import PayLine
from pipefit.domain.statements import Statement
from pipefit.views.formatting import money, people_cell, percent
from pipefit.views.render import rich_table, table_csv, to_html
from pipefit.views.shapes import Column, Fact, Kind, Table, View

__all__ = [
    "StatementDocuments",
    "index_view",
    "page",
    "page_name",
    "pay_line_row",
    "print_statement",
    "ratio",
    "shown_facts",
    "statement_document",
    "statement_view",
    "summary_row",
    "summary_table",
]

_RATIO_STEP = Decimal("1e-12")


def pay_line_row(line: PayLine) -> dict[str, Any]:
    """One pay line as plain values (tiers counted from 1)."""
    return {
        "kind": line.kind,
        "label": line.label,
        "amount": line.amount,
        "tier": None if line.tier is None else line.tier + 1,
        "rate": line.rate,
        "bookings": line.bookings,
        "deals": list(line.deals),
        "origin": line.origin,  # an adjustment: the closed period it corrects
    }


def ratio(value: Fraction) -> Decimal:
    """An exact ratio as a decimal (0.49999995 for 99,999.99 / 200,000; 1.3 for 130%).

    Exact whenever it has a finite decimal form (every ratio of cents over a quota of
    whole units does); otherwise cut (never rounded up, so never across a tier's edge)
    to 12 places."""
    n, d = value.numerator, value.denominator
    rest = d
    for factor in (2, 5):
        while rest % factor == 0:
            rest //= factor
    if rest == 1:
        with localcontext() as ctx:
            ctx.prec = max(28, len(str(n)) + len(str(d)) + 2)
            exact = (Decimal(n) / Decimal(d)).normalize()
            return exact.quantize(Decimal(1)) if exact == exact.to_integral_value() else exact
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(n) / Decimal(d)).quantize(_RATIO_STEP, rounding=ROUND_DOWN)


def _basis(s: Statement) -> str:
    return "year to date" if s.basis == "cumulative_annual" else "per period"


def _whose(s: Statement) -> dict[str, Any]:
    """Whose statement, for which period: the first keys of every statement row."""
    return {
        "person": s.person_id,
        "name": s.name,
        "role": s.role,
        "plan": s.plan,
        "period": s.period.label,
    }


def statement_document(s: Statement) -> dict[str, Any]:
    """The statement for scripts (JSON): every figure, deal and line as a plain value."""
    return {
        **_whose(s),
        "currency": s.currency,
        "attainment_basis": s.basis,
        "window": [p.label for p in s.window],
        "quota": s.quota,
        "quota_notes": list(s.quota_notes),
        "credited": s.credited,
        "attainment": ratio(s.attainment),
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
        "lines": [pay_line_row(line) for line in s.lines],
        "variable_pay": s.variable_pay,
        "total_pay": s.total_pay,
        "adds_up": s.adds_up(),
        "rounding": s.rounding,
    }


DEAL_COLUMNS = (
    Column("closed", Kind.DATE),
    Column("deal"),
    Column("account"),
    Column("how"),
    Column("credit", Kind.MONEY),
)
PAY_COLUMNS = (Column("line"), Column("amount", Kind.MONEY))
# With SPIFF lines, the deals each line is about (only then: most statements have none).
PAY_COLUMNS_WITH_DEALS = (Column("line"), Column("deals"), Column("amount", Kind.MONEY))
LINE_COLUMNS = (
    Column("section"),
    Column("reference"),
    Column("label"),
    Column("amount", Kind.MONEY),
)


def _deal_rows(s: Statement) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "closed": None,
            "deal": f"credited in {p}",
            "name": None,
            "account": None,
            "how": None,
            "credit": a,
        }
        for p, a in s.earlier
    ]
    currency = s.currency
    rows += [
        {
            "closed": c.deal.closed_at.date(),
            "deal": c.deal.opportunity_id,
            "name": c.deal.name,  # shown beside the id on pages
            "account": c.deal.account_id,
            "how": c.describe(currency),
            "credit": c.credit,
        }
        for c in s.deals
    ]
    return rows


def _csv_rows(s: Statement) -> list[dict[str, Any]]:
    """Credit per deal, then the pay lines: each section sums to its total."""
    rows: list[dict[str, Any]] = [
        {
            "section": "credit",
            "reference": c.deal.opportunity_id,
            "label": c.describe(s.currency),
            "amount": c.credit,
        }
        for c in s.deals
    ]
    rows += [
        {
            "section": line.kind,
            # an adjustment names the closed period it corrects; a SPIFF line its deals
            "reference": line.origin or " ".join(line.deals),
            "label": line.label,
            "amount": line.amount,
        }
        for line in s.lines
    ]
    return rows


def _pay_table(s: Statement) -> Table:
    if not any(line.deals for line in s.lines):
        rows = [{"line": line.label, "amount": line.amount} for line in s.lines]
        return Table(PAY_COLUMNS, rows, "Pay", "pay")
    rows = [
        {"line": line.label, "deals": " ".join(line.deals), "amount": line.amount}
        for line in s.lines
    ]
    return Table(PAY_COLUMNS_WITH_DEALS, rows, "Pay", "pay")


def statement_view(s: Statement, *, for_scripts: bool = True) -> View:
    """A statement top to bottom: quota (and where it came from), credited deals,
    attainment, the pay lines and what they add up to. Without `for_scripts`, only what
    people read (no JSON document, no CSV lines): a run makes thousands of pages."""
    basis = _basis(s)
    view = View(
        title=(
            f"Statement for {s.person_id} {s.name}, {s.period} ({s.role}, plan {s.plan}; "
            f"attainment measured {basis})"
        ),
        facts=[
            Fact("person", "Person", s.person_id),
            Fact("name", "Name", s.name),
            Fact("role", "Role", s.role),
            Fact("plan", "Plan", s.plan),
            Fact("period", "Period", s.period.label),
            Fact("basis", "Attainment measured", basis),
            Fact("quota", "Quota", s.quota, Kind.MONEY, s.currency),
            Fact("credited", "Credited", s.credited, Kind.MONEY, s.currency),
            Fact("attainment_pct", "Attainment", s.attainment_pct, Kind.PCT, "%"),
            Fact("target_note", "Variable target", s.target_note),
            Fact("variable_pay", "Variable pay", s.variable_pay, Kind.MONEY, s.currency),
            Fact("base_salary", "Base for the period", s.base_salary, Kind.MONEY, s.currency),
            Fact("total_pay", "Total pay", s.total_pay, Kind.MONEY, s.currency),
            Fact("rounding", "Rounding", s.rounding),
        ],
        tables=[
            Table(DEAL_COLUMNS, _deal_rows(s), f"Credited deals ({len(s.deals)})", "deals"),
            _pay_table(s),
        ],
        notes=list(s.quota_notes),
    )
    if for_scripts:
        view.tables.append(Table(LINE_COLUMNS, _csv_rows(s), None, "lines"))
        view.document = statement_document(s)
        view.csv = "lines"
    return view


def shown_facts(view: View) -> dict[str, str]:
    """Each fact as a person reads it, by key."""
    return {f.key: people_cell(f.value, Column(f.key, f.kind)) for f in view.facts}


def _table(view: View, name: str) -> Table:
    return next(t for t in view.tables if t.name == name)


def print_statement(console: Console, view: View) -> None:
    """A statement view in the terminal, in reading order (figures between the tables)."""
    f = shown_facts(view)
    currency = next(x.unit for x in view.facts if x.key == "quota")
    console.print(view.title)
    console.print(f"Quota: {f['quota']} {currency}")
    for note in view.notes:
        console.print(f"  - {note}")
    console.print(rich_table(_table(view, "deals")))
    console.print(
        f"Credited {f['credited']} / quota {f['quota']} = attainment {f['attainment_pct']}%"
    )
    console.print(f"Variable target: {f['target_note']}")
    console.print(rich_table(_table(view, "pay")))
    console.print(f"Variable pay: {f['variable_pay']} {currency} (the sum of the lines above)")
    console.print(f"Base for the period: {f['base_salary']}; total pay {f['total_pay']}")
    console.print(f"Rounding: {f['rounding']}")


def page_name(person_id: str) -> str:
    """The file name of a person's page: their id with anything unsafe replaced."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in person_id) + ".html"


SUMMARY_COLUMNS = (
    Column("person"),
    Column("name"),
    Column("role"),
    Column("plan"),
    Column("period"),
    Column("quota", Kind.MONEY),
    Column("credited", Kind.MONEY),
    Column("attainment_pct", Kind.PCT, "attainment"),
    Column("deals", Kind.INT),
    Column("variable_target", Kind.MONEY),
    Column("variable_pay", Kind.MONEY),
    Column("base_salary", Kind.MONEY),
    Column("total_pay", Kind.MONEY),
)


_EXACT = Column("attainment", Kind.RATIO)


def summary_row(s: Statement) -> dict[str, Any]:
    return {
        **_whose(s),
        "quota": s.quota,
        "credited": s.credited,
        "attainment_pct": s.attainment_pct,
        "attainment": ratio(s.attainment),  # the exact ratio, for files
        "deals": len(s.deals),
        "variable_target": s.variable_target,
        "variable_pay": s.variable_pay,
        "base_salary": s.base_salary,
        "total_pay": s.total_pay,
        "page": page_name(s.person_id),
    }


def summary_table(statements: Sequence[Statement]) -> Table:
    """One row per statement: what `statements.csv` holds and the index page lists."""
    return Table(SUMMARY_COLUMNS, [summary_row(s) for s in statements], None, "statements")


def index_view(statements: Sequence[Statement], skipped: Sequence[tuple[str, str, str]]) -> View:
    """A run's statements, one row each, and who was not paid and why."""
    period = statements[0].period.label if statements else ""
    currency = statements[0].currency if statements else ""
    total = sum((s.variable_pay for s in statements), Decimal(0))
    not_paid = [{"person": p, "role": r, "why": why} for p, r, why in skipped]
    return View(
        title=f"Pay statements, {period}",
        facts=[
            Fact("statements", "Statements", len(statements), Kind.INT),
            Fact("total_variable_pay", "Variable pay in total", total, Kind.MONEY, currency),
        ],
        tables=[
            summary_table(statements),
            Table.of(not_paid, title="Not paid", name="skipped", keys=("person", "role", "why")),
        ],
    )


class StatementDocuments:
    """The documents of a run's files, for the file writer (`io.statement_files`)."""

    def summary_csv(self, statements: Sequence[Statement]) -> str:
        """The summary table, with the exact attainment ratio beside the shown percent."""
        shown = summary_table(statements)
        return table_csv(Table((*shown.columns, _EXACT), shown.rows, None, shown.name))

    def page_name(self, person_id: str) -> str:
        return page_name(person_id)

    def person_page(self, statement: Statement) -> str:
        view = statement_view(statement, for_scripts=False)
        return page(view, "statement.html.j2", index="../index.html")

    def index_page(
        self, statements: Sequence[Statement], skipped: Sequence[tuple[str, str, str]]
    ) -> str:
        return page(index_view(statements, skipped), "statements_index.html.j2")


def page(view: View, template: str, **context: Any) -> str:
    """A view's page: its facts as people read them (`shown`) with their units (`units`),
    and how people read a cell (`money`, `percent`), called directly in the long loops."""
    units: Mapping[str, str] = {f.key: f.unit for f in view.facts}
    return to_html(
        view,
        template,
        shown=shown_facts(view),
        units=units,
        money=money,
        percent=percent,
        **context,
    )
