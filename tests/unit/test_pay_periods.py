"""Pay periods: a plan pays monthly, quarterly or yearly, and a longer period's statement
is the sum of the paid periods inside it (plus a year-end true-up where the plan has one).
Displayed attainment never reads across a tier's edge; files carry the exact ratio."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from rich.console import Console

from pipefit.domain.errors import PipefitError
from pipefit.domain.plans import PayFrequency, TierMode
from pipefit.domain.statements import build_statement
from pipefit.services.compensation import calc_plan
from pipefit.views import View, render
from pipefit.views.pay import calc_view, print_calc
from pipefit.views.statements import statement_view

from .comp_factories import deal, ledger, period, rep_plan, tiers

D = Decimal

# Rep plan (0.5 to 50%, 1.5 to 100%, 2 above), quota 100,000 a quarter, variable 40,000 a
# year = 10,000 a quarter: an on-target rate of 10%.
DEALS = [
    deal("ACME-Q1", 150000, "2026-02-10"),  # Q1 150%: 2,500 + 7,500 + 50,000x2x10% = 20,000
    deal("GLOBEX-Q2", 50000, "2026-05-10"),  # Q2  50%: 2,500
    deal("INITECH-Q4", 100000, "2026-11-10"),  # Q4 100%: 2,500 + 7,500 = 10,000 (Q3: 0)
]


def shown(view: View, fmt: str) -> str:
    buffer = io.StringIO()
    render(view, fmt, Console(file=buffer, width=240, highlight=False, markup=False))
    return buffer.getvalue()


def test_a_year_of_a_quarterly_plan_is_the_sum_of_its_four_quarters() -> None:
    # 20,000 + 2,500 + 0 + 10,000 = 32,500. Measured as one yearly window instead
    # (300,000 of 400,000 = 75%: 200,000x0.5x10% + 100,000x1.5x10% = 25,000) the year
    # would pay 7,500 less than its quarters did.
    quarters = [
        build_statement(ledger(rep_plan(), DEALS), period(f"2026Q{q}")) for q in (1, 2, 3, 4)
    ]
    assert [q.variable_pay for q in quarters] == [D(20000), D(2500), D(0), D(10000)]
    year = build_statement(ledger(rep_plan(), DEALS), period("2026"))
    assert year.variable_pay == D("32500.00")
    assert [p.label for p in year.window] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert (year.quota, year.credited) == (D(400000), D(300000))
    assert year.lines[0].label.startswith("2026Q1: tier 1")
    assert "paid quarterly: the sum of the statements of 4 quarters" in year.quota_notes
    assert year.adds_up()


def test_a_yearly_plan_measures_the_whole_year_at_once() -> None:
    plan = rep_plan(pay_frequency=PayFrequency.YEARLY)
    year = build_statement(ledger(plan, DEALS), period("2026"))
    assert year.variable_pay == D("25000.00")  # the one window above


def test_a_statement_for_less_than_the_paid_period_is_refused() -> None:
    with pytest.raises(PipefitError, match=r"pays quarterly.*2026-07 is part of 2026Q3") as err:
        build_statement(ledger(rep_plan(), DEALS), period("2026-07"))
    assert err.value.field == "period"


def test_a_year_end_true_up_pays_what_the_year_earns_above_its_quarters() -> None:
    # Cap 200% of a quarter's target (20,000). Q1 books 300,000 (300%): 2,500 + 7,500 +
    # 200,000x2x10% = 50,000, capped at 20,000. Q2-Q4 book nothing: the quarters pay 20,000.
    # The year: 300,000 of 400,000 = 75%: 200,000x0.5x10% + 100,000x1.5x10% = 25,000
    # (cap 80,000 not reached). The Q4 statement carries the true-up: 25,000 - 20,000 = 5,000.
    plan = rep_plan(cap_pct=D(200), true_up=True)
    deals = [deal("ACME-BIG", 300000, "2026-03-01")]
    q4 = build_statement(ledger(plan, deals), period("2026Q4"))
    assert [(line.kind, line.amount) for line in q4.lines] == [
        ("tier", D("0.00")),
        ("true-up", D("5000.00")),
    ]
    year = build_statement(ledger(plan, deals), period("2026"))
    assert year.variable_pay == D("25000.00")
    quarters = [build_statement(ledger(plan, deals), period(f"2026Q{q}")) for q in (1, 2, 3, 4)]
    assert sum(q.variable_pay for q in quarters) == year.variable_pay


def test_a_flat_plan_just_under_a_tier_edge_reads_under_it_and_files_carry_the_exact_ratio() -> (
    None
):
    # The case: 99,999.99 / 200,000 = 49.999995%, in the 0-50% tier (rate 0.5).
    # Pay: 99,999.99 x 0.5 x (100,000 / 200,000) = 24,999.9975 -> 25,000.00 (half even).
    plan = rep_plan(
        mode=TierMode.FLAT, tiers=tiers((0, 50, "0.5"), (50, 100, 1), (100, None, "1.5"))
    )
    calc = calc_plan(plan, quota=D(200000), bookings=D("99999.99"), variable=D(100000))
    assert calc.payout.lines[0].tier == 0
    assert calc.payout.total == D("25000.00")
    buffer = io.StringIO()
    print_calc(Console(file=buffer, width=240), calc_view(calc))
    assert "= attainment 49.99%;" in buffer.getvalue()
    document = json.loads(shown(calc_view(calc), "json"))
    assert str(document["attainment"]) == "0.49999995"
    # The same in a statement: the percent is cut, the ratio exact.
    s = build_statement(
        ledger(plan, [deal("ACME", "99999.99", "2026-08-01")], quota=200000, variable=400000),
        period("2026Q3"),
    )
    assert s.attainment_pct == D("49.99")
    assert json.loads(shown(statement_view(s), "json"))["attainment"] == 0.49999995


def test_a_quarter_of_a_monthly_plan_is_the_sum_of_its_three_months() -> None:
    # Quota 100,000 a quarter: July 33,333.34, August and September 33,333.33 each
    # (largest remainder); target 10,000 a quarter = 3,333.33 a month (on-target rate
    # about 10%). One 40,000 deal in August: 120% of August's quota:
    #   16,666.665 x 0.5 x 10% = 833.33; 16,666.665 x 1.5 x 10% = 2,500.00;
    #   6,666.67 x 2 x 10% = 1,333.33 -> 4,666.66 (each line at the exact on-target rate).
    # July and September pay 0: the quarter pays 4,666.66. Within a quarterly plan the
    # same deal is 40% of 100,000: 40,000 x 0.5 x 10% = 2,000.
    plan = rep_plan(pay_frequency=PayFrequency.MONTHLY)
    deals = [deal("ACME-AUG", 40000, "2026-08-12")]
    months = [
        build_statement(ledger(plan, deals), period(m)) for m in ("2026-07", "2026-08", "2026-09")
    ]
    assert [m.variable_pay for m in months] == [D(0), D("4666.66"), D(0)]
    quarter = build_statement(ledger(plan, deals), period("2026Q3"))
    assert quarter.variable_pay == D("4666.66")
    assert [p.label for p in quarter.window] == ["2026-07", "2026-08", "2026-09"]
    quarterly = build_statement(ledger(rep_plan(), deals), period("2026Q3"))
    assert quarterly.variable_pay == D("2000.00")
