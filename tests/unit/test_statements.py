"""Statements checked by hand: clawbacks, year-to-date attainment, draws, ramps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pipefit.domain.errors import PipefitError
from pipefit.domain.plans import AttainmentBasis, Draw
from pipefit.domain.quotas import QuotaBook, Ramp
from pipefit.domain.statements import build_statement

from .comp_factories import RULE, at, deal, ledger, linear_plan, period, rep_plan, tiers

D = Decimal


def test_a_statement_lists_each_deal_and_its_lines_add_up_to_the_pay() -> None:
    # Quota 100,000 a quarter, variable 40,000 a year -> 10,000 a quarter (10% rate).
    # Q3 deals 30,000 + 45,000 = 75,000 = 75%:
    #   0-50%   : 50,000 x 0.5 x 10% = 2,500
    #   50-100% : 25,000 x 1.5 x 10% = 3,750   -> 6,250
    deals = [
        deal("ACME-RENEWAL-Q3", 30000, "2026-07-20"),
        deal("GLOBEX-EXPANSION", 45000, "2026-09-30"),
        deal("INITECH-Q4", 99000, "2026-10-01"),  # next quarter: not in this statement
    ]
    s = build_statement(ledger(rep_plan(), deals), period("2026Q3"))
    assert [d.deal.opportunity_id for d in s.deals] == ["ACME-RENEWAL-Q3", "GLOBEX-EXPANSION"]
    assert (s.quota, s.credited, s.attainment_pct) == (D(100000), D(75000), D(75))
    assert s.variable_target == D("10000.00")
    assert [line.amount for line in s.lines] == [D("2500.00"), D("3750.00")]
    assert s.variable_pay == D("6250.00")
    assert s.adds_up()


def test_a_deal_whose_customer_churns_within_the_window_is_clawed_back() -> None:
    # Linear plan, 10% on-target rate, clawback within 90 days.
    # Q2: ACME 60,000 + GLOBEX 40,000 = 100,000 -> pays 10,000: effective rate 10%.
    # GLOBEX (closed 2026-06-15) churns 2026-08-01, 47 days later: in Q3 its 40,000 of
    # credit is taken back at 10% = -4,000. Q3 also books INITECH 50,000 -> 5,000.
    # Q3 pays 5,000 - 4,000 = 1,000.
    deals = [
        deal("ACME", 60000, "2026-05-02", account="acc-acme"),
        deal("GLOBEX", 40000, "2026-06-15", account="acc-globex"),
        deal("INITECH", 50000, "2026-08-20", account="acc-initech"),
    ]
    churned = {"acc-globex": at("2026-08-01")}
    s = build_statement(
        ledger(linear_plan(clawback_days=90), deals, churned=churned), period("2026Q3")
    )
    assert [(line.kind, line.amount) for line in s.lines] == [
        ("tier", D("5000.00")),
        ("clawback", D("-4000.00")),
    ]
    assert "GLOBEX (account acc-globex churned 2026-08-01, 47 days after" in s.lines[1].label
    assert "in 2026Q2: pay with it 10,000.00 less pay without it 6,000.00" in s.lines[1].label
    assert s.variable_pay == D("1000.00")
    assert s.adds_up()


def test_a_churn_after_the_clawback_window_takes_nothing_back() -> None:
    deals = [deal("GLOBEX", 40000, "2026-04-01", account="acc-globex")]
    churned = {"acc-globex": at("2026-08-01")}  # 122 days later
    s = build_statement(
        ledger(linear_plan(clawback_days=90), deals, churned=churned), period("2026Q3")
    )
    assert [line.kind for line in s.lines] == ["tier"]


def test_a_clawback_on_an_accelerated_quarter_takes_back_what_the_deal_earned() -> None:
    # Rep plan, quota 100,000, 10%: Q2 books 150,000 -> 2,500 + 7,500 + 50,000 x 2 x 10%
    # = 20,000. Without the 30,000 deal, Q2 would have booked 120,000 -> 2,500 + 7,500 +
    # 20,000 x 2 x 10% = 14,000. The deal earned 20,000 - 14,000 = 6,000 (all of it at the
    # accelerator), not the quarter's average 30,000 x 20,000/150,000 = 4,000. It churns
    # in Q3, which books nothing else: -6,000.
    deals = [
        deal("ACME", 120000, "2026-05-02", account="acc-acme"),
        deal("GLOBEX", 30000, "2026-06-15", account="acc-globex"),
    ]
    churned = {"acc-globex": at("2026-07-10")}
    s = build_statement(
        ledger(rep_plan(clawback_days=90), deals, churned=churned), period("2026Q3")
    )
    assert s.lines[-1].kind == "clawback"
    assert s.lines[-1].amount == D("-6000.00")
    assert s.variable_pay == D("-6000.00")


def test_cumulative_annual_attainment_pays_the_year_to_date_less_what_was_paid() -> None:
    # Plan: x1 to 100%, x2 above; quota 100,000 a quarter; 10% on-target rate.
    # Q1 books 80,000 (80%) -> 8,000.
    # Q2 books 170,000: year to date 250,000 of 200,000 (125%), target 20,000:
    #   0-100%: 200,000 x 1 x 10% = 20,000; 100%+: 50,000 x 2 x 10% = 10,000 -> 30,000
    #   less 8,000 already paid for Q1 -> Q2 pays 22,000.
    # (Per period, Q2 alone would be 100% + 70% -> 10,000 + 14,000 = 24,000: the
    # accelerator only pays on what is above the cumulative annual quota.)
    plan = rep_plan(
        tiers=tiers((0, 100, 1), (100, None, 2)),
        attainment=AttainmentBasis.CUMULATIVE_ANNUAL,
    )
    deals = [deal("ACME", 80000, "2026-02-10"), deal("GLOBEX", 170000, "2026-05-10")]
    q1 = build_statement(ledger(plan, deals), period("2026Q1"))
    q2 = build_statement(ledger(plan, deals), period("2026Q2"))
    assert q1.variable_pay == D("8000.00")
    assert (q2.quota, q2.credited) == (D(200000), D(250000))
    assert q2.earlier == (("2026Q1", D(80000)),)
    assert [(line.kind, line.amount) for line in q2.lines] == [
        ("tier", D("20000.00")),
        ("tier", D("10000.00")),
        ("paid earlier", D("-8000.00")),
    ]
    assert q2.variable_pay == D("22000.00")
    assert q2.adds_up()
    per_period = build_statement(ledger(rep_plan(tiers=plan.tiers), deals), period("2026Q2"))
    assert per_period.variable_pay == D("24000.00")


def test_a_recoverable_draw_tops_up_a_short_quarter_and_is_paid_back_later() -> None:
    # Draw 2,000 a month = 6,000 a quarter. Linear, 10%.
    # Q1 earns 4,000 -> topped up by 2,000 (balance owed 2,000).
    # Q2 earns 10,000 -> pays back min(2,000, 10,000 - 6,000) = 2,000 -> 8,000.
    plan = linear_plan(draw=Draw(D(2000), recoverable=True))
    deals = [deal("ACME", 40000, "2026-03-01"), deal("GLOBEX", 100000, "2026-05-01")]
    q1 = build_statement(ledger(plan, deals), period("2026Q1"))
    q2 = build_statement(ledger(plan, deals), period("2026Q2"))
    assert [(line.kind, line.amount) for line in q1.lines] == [
        ("tier", D("4000.00")),
        ("draw", D("2000.00")),
    ]
    assert q1.variable_pay == D("6000.00")
    assert [(line.kind, line.amount) for line in q2.lines] == [
        ("tier", D("10000.00")),
        ("draw recovery", D("-2000.00")),
    ]
    assert q2.variable_pay == D("8000.00")


def test_a_guaranteed_draw_is_not_paid_back() -> None:
    plan = linear_plan(draw=Draw(D(2000), recoverable=False))
    deals = [deal("ACME", 40000, "2026-03-01"), deal("GLOBEX", 100000, "2026-05-01")]
    assert build_statement(ledger(plan, deals), period("2026Q2")).variable_pay == D("10000.00")


def test_a_new_hire_s_ramped_quota_and_prorated_target_show_on_the_statement() -> None:
    # Hired 2026-08-01, ramp 50%: quota 100,000 a quarter.
    #   July 0%, August 50%, September 100% -> (0 + 0.5 + 1) / 3 x 100,000 = 50,000.
    #   Target 40,000 a year x 3/12 x 61/92 days employed = 6,630.434... -> 6,630.43
    book = QuotaBook(
        "person",
        "emp-ada",
        {period("2026Q3"): D(100000)},
        hired_at=date(2026, 8, 1),
        ramp=Ramp((D(50),)),
        rule=RULE,
    )
    deals = [deal("ACME", 50000, "2026-09-10")]
    s = build_statement(
        ledger(linear_plan(), deals, book=book, hired=date(2026, 8, 1)), period("2026Q3")
    )
    assert s.quota == D("50000.00")
    assert s.variable_target == D("6630.43")
    assert "61/92 days employed (hired 2026-08-01)" in s.target_note
    assert s.variable_pay == D("6630.43")


def test_a_period_with_no_quota_is_an_error_naming_the_plan_and_the_person() -> None:
    with pytest.raises(
        PipefitError, match=r"plan 'rep-standard' \(emp-ada\): .*no quota for 2027Q1"
    ):
        build_statement(ledger(rep_plan(), []), period("2027Q1"))


def test_a_negative_quota_row_is_an_error_naming_the_plan() -> None:
    book = QuotaBook("person", "emp-ada", {period("2026Q2"): D(10)}, rule=RULE)
    book.rows[period("2026Q3")] = D(-100000)  # as if stored so, past the import
    with pytest.raises(PipefitError, match=r"plan 'rep-standard' \(emp-ada\): 2026Q3: quota"):
        build_statement(ledger(rep_plan(), [], book=book), period("2026Q3"))


def test_a_deal_that_churns_in_its_own_period_leaves_pay_as_if_it_had_never_been_credited() -> None:
    # The case: an accelerated quarter, and a deal whose customer churned 11 days
    # after the close, in the same quarter. Rep plan, quota 100,000, 10% on-target rate.
    # With it: 130,000 -> 2,500 + 7,500 + 30,000 x 2 x 10% = 16,000.
    # Without it (WAYNE 25,000): 105,000 -> 2,500 + 7,500 + 5,000 x 2 x 10% = 11,000.
    # The clawback takes back 16,000 - 11,000 = 5,000 (at the average rate, 25,000 x
    # 16,000/130,000 = 3,076.92, the rep would keep 1,923.08 of accelerator pay).
    deals = [
        deal("ACME", 105000, "2026-07-02", account="acc-acme"),
        deal("WAYNE", 25000, "2026-08-03", account="acc-wayne"),
    ]
    churned = {"acc-wayne": at("2026-08-14")}
    plan = rep_plan(clawback_days=90)
    s = build_statement(ledger(plan, deals, churned=churned), period("2026Q3"))
    never = build_statement(ledger(plan, deals[:1]), period("2026Q3"))
    assert never.variable_pay == D("11000.00")
    assert [(line.kind, line.amount) for line in s.lines][-1] == ("clawback", D("-5000.00"))
    assert s.variable_pay == never.variable_pay
    assert "11 days after the close" in s.lines[-1].label


def test_two_deals_churning_in_their_own_period_take_back_together_what_they_earned() -> None:
    # Rep plan, quota 100,000, 10%. 90,000 + 20,000 + 20,000 = 130,000 -> 16,000.
    # Both 20,000 deals churn in the quarter, B first (07-20), then C (07-25):
    #   B: with all 130,000 -> 16,000; without B 110,000 -> 2,500 + 7,500 + 2,000 = 12,000
    #      -> -4,000
    #   C: with 110,000 -> 12,000; without B and C 90,000 -> 2,500 + 6,000 = 8,500 -> -3,500
    # Pay: 16,000 - 4,000 - 3,500 = 8,500, as if neither had been credited.
    deals = [
        deal("A", 90000, "2026-07-01", account="acc-a"),
        deal("B", 20000, "2026-07-02", account="acc-b"),
        deal("C", 20000, "2026-07-03", account="acc-c"),
    ]
    churned = {"acc-c": at("2026-07-25"), "acc-b": at("2026-07-20")}
    s = build_statement(
        ledger(rep_plan(clawback_days=90), deals, churned=churned), period("2026Q3")
    )
    assert [(line.kind, line.amount) for line in s.lines if line.kind == "clawback"] == [
        ("clawback", D("-4000.00")),
        ("clawback", D("-3500.00")),
    ]
    assert s.variable_pay == D("8500.00")
