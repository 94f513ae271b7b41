"""The pay views: plain numbers and ISO dates for scripts, formatted figures for people,
percentages cut rather than rounded, one statement shape for every renderer."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from rich.console import Console

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.periods import parse_period
from pipefit.domain.statements import Statement, build_statement
from pipefit.services.compensation import PayRun, QuotaRow, calc_plan, compare_roles
from pipefit.views import View, render
from pipefit.views.pay import (
    attainment_view,
    calc_view,
    compare_view,
    plans_view,
    print_calc,
    print_run,
    quotas_view,
    run_view,
)
from pipefit.views.statements import print_statement, statement_view

from .comp_factories import deal, ledger, linear_plan, period, rep_plan

D = Decimal


def shown(view: View, fmt: str) -> str:
    buffer = io.StringIO()
    render(view, fmt, Console(file=buffer, width=200, highlight=False, markup=False))
    return buffer.getvalue()


def printed(printer: object, view: View) -> str:
    buffer = io.StringIO()
    printer(Console(file=buffer, width=200, highlight=False, markup=False), view)  # type: ignore[operator]
    return buffer.getvalue()


def ada_q3() -> Statement:
    """Ada on a linear plan: two deals, 200,000 and 164,000, against a 300,000 quarter."""
    deals = [
        deal("ACME-RENEWAL-Q3", 200000, "2026-07-20"),
        deal("GLOBEX-NEW", 164000, "2026-08-05"),
    ]
    return build_statement(ledger(linear_plan(), deals, quota=300000), period("2026Q3"))


def test_a_statement_for_scripts_carries_plain_numbers_and_iso_dates() -> None:
    document = json.loads(shown(statement_view(ada_q3()), "json"))
    # 364,000 / 300,000 = 121.333...%: the ratio cut to twelve places, the percentage cut.
    assert document["credited"] == 364000
    assert document["attainment"] == 1.213333333333
    assert document["attainment_pct"] == 121.33
    assert document["deals"][0]["closed_at"] == "2026-07-20T12:00:00+00:00"
    assert document["deals"][1]["credit"] == 164000
    # Linear, 40,000 a year = 10,000 a quarter: 121.333...% of it, rounded once: 12,133.33.
    assert document["variable_pay"] == 12133.33
    figures = ("quota", "credited", "variable_target", "base_salary", "variable_pay", "total_pay")
    assert all(isinstance(document[key], int | float) for key in figures)


def test_a_statement_in_csv_is_its_credit_and_pay_lines_as_plain_numbers() -> None:
    rows = list(csv.DictReader(io.StringIO(shown(statement_view(ada_q3()), "csv"))))
    assert [(r["section"], r["reference"], r["amount"]) for r in rows[:2]] == [
        ("credit", "ACME-RENEWAL-Q3", "200000"),
        ("credit", "GLOBEX-NEW", "164000"),
    ]
    assert sum(D(r["amount"]) for r in rows if r["section"] != "credit") == D("12133.33")


def test_a_statement_in_the_terminal_reads_top_to_bottom_with_figures_for_people() -> None:
    text = printed(print_statement, statement_view(ada_q3()))
    lines = text.splitlines()
    assert lines[0].startswith("Statement for emp-ada Ada Lovelace, 2026Q3 (sales_rep, plan")
    assert lines[1] == "Quota: 300,000.00 USD"
    assert "Credited 364,000.00 / quota 300,000.00 = attainment 121.33%" in text
    assert "Variable pay: 12,133.33 USD (the sum of the lines above)" in text
    assert text.index("Credited deals (2)") < text.index("Variable target:") < text.index("Pay")


def test_attainment_just_under_a_tier_is_never_shown_as_the_tier() -> None:
    # 299,990 of 300,000 is 99.99666...%: rounded it would read 100.00%, the next tier.
    almost = [deal("NEARLY", 299990, "2026-07-20")]
    s = build_statement(ledger(rep_plan(), almost, quota=300000), period("2026Q3"))
    assert s.attainment_pct == D("99.99")
    run = PayRun(parse_period("2026Q3"), [s], [])
    assert "99.99" in shown(attainment_view(run), "table")
    assert "100.00" not in shown(attainment_view(run), "table")
    assert json.loads(shown(attainment_view(run), "json"))[0]["attainment_pct"] == 99.99


def test_attainment_for_scripts_is_plain_and_for_people_has_separators() -> None:
    run = PayRun(parse_period("2026Q3"), [ada_q3()], [])
    (row,) = list(csv.DictReader(io.StringIO(shown(attainment_view(run), "csv"))))
    assert (row["quota"], row["credited"], row["attainment_pct"]) == (
        "300000.00",
        "364000",
        "121.33",
    )
    assert (row["variable_pay"]) == "12133.33"
    table = shown(attainment_view(run), "table")
    assert "300,000.00" in table and "364,000.00" in table and "12,133.33" in table


def test_quotas_for_scripts_are_numbers_and_missing_ones_are_empty() -> None:
    rows = [
        QuotaRow("person", "emp-ada", "Ada", D("364000.00"), note="2026Q3 quota row"),
        QuotaRow("person", "emp-zed", "Zed", None, note="no quota"),
        QuotaRow("pool", "pool-emea", "EMEA", D("675000.00"), D("675000.00"), None),
    ]
    view = quotas_view(rows, "2026Q3")
    document = json.loads(shown(view, "json"))
    assert [r["quota"] for r in document] == [364000, None, 675000]
    assert document[2]["street_quota"] == 675000
    lines = list(csv.DictReader(io.StringIO(shown(view, "csv"))))
    assert [r["quota"] for r in lines] == ["364000.00", "", "675000.00"]
    assert "364,000.00" in shown(view, "table")


def test_a_run_for_scripts_names_its_files_and_who_was_not_paid() -> None:
    run = PayRun(parse_period("2026Q3"), [ada_q3()], [("emp-sam", "presales", "no pool")])
    view = run_view(run, [Path("out/statements.csv")])
    document = json.loads(shown(view, "json"))
    assert document["total_variable_pay"] == 12133.33
    assert document["skipped"] == [{"person": "emp-sam", "role": "presales", "reason": "no pool"}]
    assert list(csv.DictReader(io.StringIO(shown(view, "csv")))) == [
        {"role": "sales_rep", "statements": "1", "variable_pay": "12133.33"}
    ]
    text = printed(print_run, view)
    assert "not paid: emp-sam (presales): no pool" in text
    assert text.rstrip().endswith("files: out/statements.csv")


def test_a_calc_takes_attainment_from_the_payout_and_writes_plain_numbers() -> None:
    # Quota 300,000, bookings 390,000 = 130%; the rep plan at a 30,000 target (10% on
    # target): 150,000 x 0.5 x 10% = 7,500; 150,000 x 1.5 x 10% = 22,500;
    # 90,000 x 2 x 10% = 18,000; 48,000 in all = 160% of target, 40% of a 120,000 base.
    calc = calc_plan(
        rep_plan(), quota=D(300000), bookings=D(390000), variable=D(30000), base=D(120000)
    )
    view = calc_view(calc)
    document = json.loads(shown(view, "json"))
    assert (document["attainment"], document["attainment_pct"]) == (1.3, 130)
    assert [line["amount"] for line in document["lines"]] == [7500, 22500, 18000]
    assert [line["tier"] for line in document["lines"]] == [1, 2, 3]
    assert (document["variable_pay"], document["pct_of_target"], document["pct_of_base"]) == (
        48000,
        160,
        40,
    )
    amounts = [r["amount"] for r in csv.DictReader(io.StringIO(shown(view, "csv")))]
    assert amounts == ["7500.00", "22500.00", "18000.00"]
    text = printed(print_calc, view)
    assert "Bookings 390,000.00 / quota 300,000.00 = attainment 130.00%" in text
    assert "Variable pay: 48,000.00 = 160.00% of target, 40.00% of base" in text


def test_the_comparison_cuts_a_third_and_stays_plain_for_scripts() -> None:
    # Presales at 100%: 40,000 of a 120,000 base = 33.333...% -> 33.33.
    view = compare_view(compare_roles(CompensationConfig()))
    rows = list(csv.DictReader(io.StringIO(shown(view, "csv"))))
    presales = rows[2]
    assert (presales["variable_pay"], presales["variable_pct_of_base"]) == ("40000.00", "33.33")
    assert "120,000.00" in shown(view, "table")


def test_plans_for_scripts_give_the_share_paid_at_target_as_a_number() -> None:
    document = json.loads(shown(plans_view(CompensationConfig()), "json"))
    by_name = {row["plan"]: row for row in document}
    assert by_name["rep-standard"]["at_100_pct_pays"] == 100
    assert by_name["rep-standard"]["pays"] == "role sales_rep"
    assert by_name["rep-standard"]["draw"] is None


def test_a_statement_date_column_is_an_iso_date_for_scripts() -> None:
    view = statement_view(ada_q3())
    deals = next(t for t in view.tables if t.name == "deals")
    assert deals.rows[0]["closed"] == date(2026, 7, 20)
