"""SPIFFs and bonuses in a statement: their dates, conditions, caps, lines and clawbacks.

Every expected figure is worked out by hand in the comment beside it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

from rich.console import Console

from pipefit.domain.bonus import BonusBook
from pipefit.domain.payout import PayLine
from pipefit.domain.spiffs import DealTraits, Spiff, SpiffKind
from pipefit.domain.statements import Statement, build_statement
from pipefit.views import render
from pipefit.views.statements import statement_view

from .comp_factories import at, deal, ledger, period, rep_plan

D = Decimal

SMB_NEW = DealTraits(segment="smb", product="Core", new_logo=True)

NEW_LOGO_SMB = Spiff(
    name="smb-new-logo",
    kind=SpiffKind.PER_DEAL,
    start=date(2026, 2, 1),
    end=date(2026, 3, 31),
    amount=D(500),
    segments=("smb",),
    deal_type="new_logo",
    min_amount=D(10000),
    cap_per_period=D(1000),
)

# Q1 2026 for Ada, and why each deal does or does not earn the new-logo SPIFF:
DEALS = [
    deal("A1", 20000, "2026-01-20"),  # smb new logo, but before the SPIFF's start: no
    deal("A2", 15000, "2026-02-10"),  # smb new logo, >= 10,000, in window: 500
    deal("A3", 8000, "2026-02-15"),  # below the 10,000 minimum: no
    deal("A4", 30000, "2026-02-20"),  # enterprise: no
    deal("A5", 12000, "2026-03-01"),  # smb, but an expansion: no
    deal("A6", 25000, "2026-03-10"),  # qualifies: 500
    deal("A7", 11000, "2026-03-31"),  # qualifies on the SPIFF's last day: 500, but capped
    deal("A8", 40000, "2026-04-01"),  # after the end: no (and in Q2)
]
TRAITS = {
    "A1": SMB_NEW,
    "A2": SMB_NEW,
    "A3": SMB_NEW,
    "A4": DealTraits("enterprise", "Enterprise suite", True),
    "A5": DealTraits("smb", "Core", False),
    "A6": SMB_NEW,
    "A7": SMB_NEW,
    "A8": SMB_NEW,
}


def statement(
    spiffs: tuple[Spiff, ...],
    label: str,
    *,
    traits: dict[str, DealTraits] | None = None,
    churned: dict[str, object] | None = None,
    deals: list[object] | None = None,
) -> Statement:
    plan = rep_plan(spiffs=spiffs, clawback_days=90)
    base = ledger(plan, deals or DEALS, churned=churned)  # type: ignore[arg-type]
    return build_statement(replace(base, bonus=BonusBook(traits or TRAITS, {})), period(label))


def of_kind(s: Statement, *kinds: str) -> list[PayLine]:
    return [line for line in s.lines if line.kind in kinds]


def test_a_per_deal_spiff_pays_only_the_qualifying_deals_in_its_window_up_to_its_cap() -> None:
    # Qualifying in Q1: A2, A6, A7 (3 x 500 = 1,500); the period cap of 1,000 is filled
    # in close order: A2 500, A6 500, A7 nothing.
    s = statement((NEW_LOGO_SMB,), "2026Q1")
    (line,) = of_kind(s, "spiff")
    assert line.deals == ("A2", "A6", "A7")
    assert line.amount == D("1000.00")
    assert "= 1,500.00, capped at 1,000.00 a period: pays 1,000.00" in line.label
    # The SPIFF is paid on top of the tiers, and the statement still adds up.
    tiers = sum((x.amount for x in s.lines if x.kind != "spiff"), D(0))
    assert s.variable_pay == tiers + D(1000)
    assert s.adds_up()


def test_a_spiff_pays_nothing_outside_its_dates() -> None:
    # Q2: only A8 (2026-04-01), after the SPIFF's end on 2026-03-31: no line at all.
    s = statement((NEW_LOGO_SMB,), "2026Q2")
    assert of_kind(s, "spiff") == []


def test_a_churned_deal_inside_the_clawback_window_gives_back_exactly_its_spiff() -> None:
    # A6 (closed 2026-03-10) earned 500 in Q1; its account churns 2026-04-15, 36 days
    # later, within the plan's 90: Q2 takes back 500. A7 earned nothing (capped), so its
    # churn takes nothing back from the SPIFF.
    churned = {"acc-A6": at("2026-04-15"), "acc-A7": at("2026-04-20")}
    s = statement((NEW_LOGO_SMB,), "2026Q2", churned=churned)
    (claw,) = of_kind(s, "spiff clawback")
    assert claw.amount == D("-500.00")
    assert claw.deals == ("A6",)
    assert "A6 earned 500.00 from spiff 'smb-new-logo' in 2026Q1" in claw.label


def test_a_deal_that_churns_in_its_own_period_leaves_the_spiff_as_if_never_earned() -> None:
    # A2 (closed 2026-02-10) churns 2026-03-01, in Q1: the SPIFF pays 1,000 (A2 500, A6
    # 500) and A2's 500 comes back in the same period: 500 net from the SPIFF.
    s = statement((NEW_LOGO_SMB,), "2026Q1", churned={"acc-A2": at("2026-03-01")})
    paid = sum((x.amount for x in of_kind(s, "spiff", "spiff clawback")), D(0))
    assert paid == D("500.00")


def test_a_rate_uplift_pays_its_percentage_on_the_qualifying_credit_up_to_its_total_cap() -> None:
    kicker = Spiff(
        name="suite-kicker",
        kind=SpiffKind.RATE_UPLIFT,
        start=date(2026, 1, 1),
        end=date(2026, 6, 30),
        uplift_pct=D("2.5"),
        products=("Enterprise suite",),
        cap_total=D(1000),
    )
    suite = DealTraits("enterprise", "Enterprise suite", False)
    deals = [
        deal("B1", "30000.10", "2026-01-15"),  # 2.5% = 750.0025 -> 750.00
        deal("B2", 50000, "2026-01-20"),  # Core: no
        deal("B3", "12345.67", "2026-02-01"),  # 2.5% = 308.64175 -> 308.64
        deal("B4", 40000, "2026-04-10"),  # 2.5% = 1,000.00, but the total cap is used up
    ]
    traits = {"B1": suite, "B2": DealTraits("enterprise", "Core", False), "B3": suite, "B4": suite}
    q1 = statement((kicker,), "2026Q1", traits=traits, deals=deals)  # type: ignore[arg-type]
    (line,) = of_kind(q1, "rate uplift")
    # 750.00 + 308.64 = 1,058.64, capped at 1,000 in total: B1 750.00, B3 250.00.
    assert (line.deals, line.amount) == (("B1", "B3"), D("1000.00"))
    q2 = statement((kicker,), "2026Q2", traits=traits, deals=deals)  # type: ignore[arg-type]
    (line,) = of_kind(q2, "rate uplift")
    assert (line.deals, line.amount) == (("B4",), D("0.00"))
    assert "capped at 1,000.00 in total" in line.label


def test_spiff_lines_are_plain_numbers_and_deal_ids_in_json_and_csv_and_shown_in_the_table() -> (
    None
):
    s = statement((NEW_LOGO_SMB,), "2026Q1")
    view = statement_view(s)
    document = json.loads(_shown(view, "json"), parse_float=Decimal)
    (line,) = [x for x in document["lines"] if x["kind"] == "spiff"]
    assert line["amount"] == D(1000)
    assert line["deals"] == ["A2", "A6", "A7"]
    rows = list(csv.DictReader(io.StringIO(_shown(view, "csv"))))
    (row,) = [r for r in rows if r["section"] == "spiff"]
    assert (row["reference"], D(row["amount"])) == ("A2 A6 A7", D(1000))
    table = _shown(view, "table")
    assert "A2 A6 A7" in table


def _shown(view: object, fmt: str) -> str:
    buffer = io.StringIO()
    render(view, fmt, Console(file=buffer, width=400, highlight=False, markup=False))  # type: ignore[arg-type]
    return buffer.getvalue()


def test_a_rep_with_half_of_a_split_deal_earns_half_of_a_per_deal_spiff() -> None:
    # Ada has 50% of A2 (a revenue split): half of 500 = 250.00; A6 and A7 are whole
    # (500 each), and the cap of 1,000 is filled in close order: 250 + 500 + 250 = 1,000.
    plan = rep_plan(spiffs=(NEW_LOGO_SMB,))
    base = ledger(plan, DEALS)
    credits = [
        c._replace(percent=D(50), credit=c.credit / 2) if c.deal.opportunity_id == "A2" else c
        for c in base.credits
    ]
    s = build_statement(
        replace(base, credits=credits, bonus=BonusBook(TRAITS, {})), period("2026Q1")
    )
    (line,) = of_kind(s, "spiff")
    assert (line.deals, line.amount) == (("A2", "A6", "A7"), D("1000.00"))
    assert "3 qualifying deals x 500.00 = 1,250.00, capped at 1,000.00 a period" in line.label


def test_a_year_of_a_quarterly_plan_pays_each_quarters_spiff_under_that_quarters_cap() -> None:
    # The year is the sum of its quarters: Q1's SPIFF line is Q1's (A2 500 + A6 500, A7
    # past the 1,000 cap of the quarter), labelled with the quarter; Q2-Q4 have none.
    year = statement((NEW_LOGO_SMB,), "2026")
    (line,) = of_kind(year, "spiff")
    assert line.label.startswith("2026Q1: ")
    assert line.deals == ("A2", "A6", "A7")
    assert line.amount == D("1000.00")
    quarter = statement((NEW_LOGO_SMB,), "2026Q1")
    assert of_kind(quarter, "spiff")[0].amount == line.amount
    assert year.adds_up()


def test_a_monthly_plan_caps_a_spiff_per_month() -> None:
    from pipefit.domain.plans import PayFrequency

    # Paid monthly, the 1,000 cap is a month's: February A2 500; March A6 500 + A7 500 =
    # 1,000 (fits). So Q1 pays 1,500, where a quarterly plan pays 1,000.
    plan = rep_plan(spiffs=(NEW_LOGO_SMB,), clawback_days=90, pay_frequency=PayFrequency.MONTHLY)
    base = replace(ledger(plan, DEALS), bonus=BonusBook(TRAITS, {}))
    q1 = build_statement(base, period("2026Q1"))
    spiff = of_kind(q1, "spiff")
    assert [x.amount for x in spiff] == [D("500.00"), D("1000.00")]
    assert [x.label.split(":")[0] for x in spiff] == ["2026-02", "2026-03"]
