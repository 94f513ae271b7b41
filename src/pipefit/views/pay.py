"""Pay results as Views: attainment per person, quotas, a pay run's summary, a plan checked
by hand (calc), the rep-versus-presales comparison, the plans themselves.

Machine formats get plain numbers (amounts, percentages as numbers, ratios); people get
them through the column kinds (thousands separators, percentages cut, never rounded up).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from rich.console import Console

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.plans import Plan
from pipefit.domain.statements import Statement
from pipefit.services.compensation import Calc, PayRun, QuotaRow, RoleComparison
from pipefit.views.render import rich_table
from pipefit.views.shapes import Column, Fact, Kind, Table, View
from pipefit.views.statements import PAY_COLUMNS, pay_line_row, ratio, shown_facts

__all__ = [
    "attainment_view",
    "calc_view",
    "compare_view",
    "plans_view",
    "print_calc",
    "print_run",
    "quotas_view",
    "run_view",
]

_PCT_STEP = Decimal("0.01")


def _percent(value: Fraction) -> Decimal:
    """An exact ratio in percent, cut to 0.01 (never rounded up across a tier's edge)."""
    shown = Decimal(value.numerator * 100) / Decimal(value.denominator)
    return shown.quantize(_PCT_STEP, rounding=ROUND_DOWN)


def _rows_view(table: Table) -> View:
    """A view of one table whose JSON is the list of its rows."""
    return View(tables=[table], document=table.plain_rows())


ATTAINMENT_COLUMNS = (
    Column("person"),
    Column("name"),
    Column("role"),
    Column("quota", Kind.MONEY),
    Column("credited", Kind.MONEY),
    Column("attainment_pct", Kind.PCT),
    Column("variable_pay", Kind.MONEY),
)


def attainment_view(run: PayRun) -> View:
    """Attainment per person, best first."""
    ordered = sorted(run.statements, key=lambda s: -s.attainment)
    rows = [
        {
            "person": s.person_id,
            "name": s.name,
            "role": s.role,
            "quota": s.quota,
            "credited": s.credited,
            "attainment_pct": s.attainment_pct,
            "variable_pay": s.variable_pay,
        }
        for s in ordered
    ]
    return _rows_view(Table(ATTAINMENT_COLUMNS, rows, f"Attainment, {run.period}"))


QUOTA_COLUMNS = (
    Column("kind"),
    Column("owner_id"),
    Column("name"),
    Column("quota", Kind.MONEY),
    Column("street_quota", Kind.MONEY),
    Column("explicit", Kind.MONEY),
    Column("note"),
)


def quotas_view(rows: Sequence[QuotaRow], period: str) -> View:
    plain = [
        {
            "kind": r.kind,
            "owner_id": r.owner_id,
            "name": r.name,
            "quota": r.quota,
            "street_quota": r.street_quota,
            "explicit": r.explicit,
            "note": r.note,
        }
        for r in rows
    ]
    return _rows_view(Table(QUOTA_COLUMNS, plain, f"Quotas for {period}"))


RUN_COLUMNS = (Column("role"), Column("statements", Kind.INT), Column("variable_pay", Kind.MONEY))


def _by_role(statements: Sequence[Statement]) -> list[dict[str, Any]]:
    totals: dict[str, tuple[int, Decimal]] = {}
    for s in statements:
        n, pay = totals.get(s.role, (0, Decimal(0)))
        totals[s.role] = (n + 1, pay + s.variable_pay)
    return [
        {"role": role, "statements": n, "variable_pay": pay}
        for role, (n, pay) in sorted(totals.items())
    ]


def run_view(run: PayRun, files: Sequence[Path]) -> View:
    """A pay run: statements and variable pay per role, who was not paid, the files."""
    label = run.period.label
    skipped = [{"person": p, "role": r, "reason": why} for p, r, why in run.skipped]
    return View(
        facts=[
            Fact("period", "Period", label),
            Fact("statements", "Statements", len(run.statements), Kind.INT),
            Fact("deals", "Deals", run.deals, Kind.INT),
            Fact("total_variable_pay", "Variable pay in total", run.total_variable, Kind.MONEY),
        ],
        tables=[
            Table(RUN_COLUMNS, _by_role(run.statements), f"Statements for {label}", "roles"),
            Table.of(skipped, name="skipped", keys=("person", "role", "reason")),
        ],
        notes=[str(f) for f in files],
        document={
            "period": label,
            "statements": len(run.statements),
            "deals": run.deals,
            "total_variable_pay": run.total_variable,
            "files": [str(f) for f in files],
            "skipped": skipped,
        },
        csv="roles",
    )


def print_run(console: Console, view: View) -> None:
    """A run in the terminal: the table per role, who was not paid and why, the files."""
    console.print(rich_table(view.tables[0]))
    for row in view.tables[1].rows:
        console.print(f"not paid: {row['person']} ({row['role']}): {row['reason']}")
    console.print("files: " + ", ".join(view.notes))


def calc_view(calc: Calc) -> View:
    """A plan's payout for bookings against a quota, line by line."""
    p, plan = calc.payout, calc.plan
    lines = [pay_line_row(line) for line in p.lines]
    return View(
        title=f"Plan {plan.name}: {plan.describe()}",
        facts=[
            Fact("plan", "Plan", plan.name),
            Fact("bookings", "Bookings", p.credited, Kind.MONEY),
            Fact("quota", "Quota", p.quota, Kind.MONEY),
            Fact("attainment_pct", "Attainment", _percent(p.attainment), Kind.PCT, "%"),
            Fact("variable_target", "Variable target", p.target, Kind.MONEY),
            Fact("variable_pay", "Variable pay", p.total, Kind.MONEY),
            Fact("pct_of_target", "Of target", calc.pct_of_target, Kind.PCT, "%"),
            Fact("pct_of_base", "Of base", calc.pct_of_base, Kind.PCT, "%"),
            Fact("rounding", "Rounding", calc.rounding),
        ],
        tables=[
            Table(
                PAY_COLUMNS,
                [{"line": x["label"], "amount": x["amount"]} for x in lines],
                None,
                "pay",
            )
        ],
        document={
            "plan": plan.name,
            "tier_mode": str(plan.mode),
            "quota": p.quota,
            "bookings": p.credited,
            "attainment": ratio(p.attainment),
            "attainment_pct": _percent(p.attainment),
            "variable_target": p.target,
            "variable_pay": p.total,
            "pct_of_target": calc.pct_of_target,
            "base_salary": calc.base_salary,
            "pct_of_base": calc.pct_of_base,
            "lines": lines,
            "rounding": calc.rounding,
        },
    )


def print_calc(console: Console, view: View) -> None:
    """A calc in the terminal: the arithmetic, the lines, what they add up to."""
    f = shown_facts(view)
    console.print(view.title)
    console.print(
        f"Bookings {f['bookings']} / quota {f['quota']} = attainment "
        f"{f['attainment_pct']}%; variable target {f['variable_target']}"
    )
    console.print(rich_table(view.tables[0]))
    shown = f"{f['variable_pay']} = {f['pct_of_target']}% of target"
    if f["pct_of_base"]:
        shown += f", {f['pct_of_base']}% of base"
    console.print(f"Variable pay: {shown}")
    console.print(f"Rounding: {f['rounding']}")


COMPARE_COLUMNS = (
    Column("role"),
    Column("plan"),
    Column("attainment_pct", Kind.PCT),
    Column("base_salary", Kind.MONEY),
    Column("variable_target", Kind.MONEY),
    Column("variable_pay", Kind.MONEY),
    Column("variable_pct_of_base", Kind.PCT),
    Column("total_pay", Kind.MONEY),
    Column("total_pct_of_base", Kind.PCT),
)


def compare_view(rows: Sequence[RoleComparison]) -> View:
    plain = [
        {
            "role": r.role,
            "plan": r.plan,
            "attainment_pct": r.attainment_pct,
            "base_salary": r.base_salary,
            "variable_target": r.variable_target,
            "variable_pay": r.variable_pay,
            "variable_pct_of_base": r.variable_pct_of_base,
            "total_pay": r.total_pay,
            "total_pct_of_base": r.total_pct_of_base,
        }
        for r in rows
    ]
    title = "Rep vs presales at the same attainment (a year)"
    return _rows_view(Table(COMPARE_COLUMNS, plain, title))


PLAN_COLUMNS = (
    Column("plan"),
    Column("pays"),
    Column("tiers"),
    Column("at_100_pct_pays", Kind.PCT, "at 100% pays (% of target)"),
    Column("attainment"),
    Column("pay_frequency", Kind.TEXT, "paid"),
    Column("clawback_days", Kind.INT),
    Column("draw", Kind.MONEY, "draw (a month)"),
)


def _extras(plan: Plan) -> str:
    """Presales credit per deal and the plan's SPIFFs, after its tiers."""
    text = "; presales credited per deal (overlay)" if plan.presales_credit == "deal" else ""
    if plan.spiffs:
        named = ", ".join(f"{s.name} ({s.kind}, {s.start} to {s.end})" for s in plan.spiffs)
        text += f"; SPIFFs: {named}"
    return text


def plans_view(config: CompensationConfig) -> View:
    """The plans, their tiers, and which role or person each pays."""
    users: dict[str, list[str]] = {}
    for role, name in config.roles.items():
        users.setdefault(name, []).append(f"role {role}")
    for person, name in config.assignments.items():
        users.setdefault(name, []).append(person)
    rows = [
        {
            "plan": name,
            "pays": ", ".join(users.get(name, [])),
            "tiers": plan.describe() + _extras(plan),
            "at_100_pct_pays": _percent(plan.pays_at_target()),
            "attainment": str(plan.attainment),
            "pay_frequency": str(plan.pay_frequency)
            + (" + year-end true-up" if plan.true_up else ""),
            "clawback_days": plan.clawback_days,
            "draw": None if plan.draw is None else plan.draw.monthly,
        }
        for name, plan in config.plans_domain().items()
    ]
    return _rows_view(Table(PLAN_COLUMNS, rows, "Plans"))
