"""Closing a pay period: its statements are kept as paid and read back to the byte; a
later change to it is paid as an adjustment in the first open period; closes go in order."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pipefit.domain.errors import PipefitError
from pipefit.domain.model import Quota
from pipefit.services.compensation import statement_for
from pipefit.services.period_close import close_period, list_closes
from pipefit.store.memory.pay import MemoryCompensation
from pipefit.views.render import to_csv
from pipefit.views.statements import statement_view

from .comp_factories import at, deal
from .test_comp_services import CONFIG, company, uow

D = Decimal
NOON = datetime(2026, 10, 2, 12, tzinfo=UTC)

# emp-ada: quota 1,500,000 a year = 375,000 a quarter; variable 120,000 a year = 30,000 a
# quarter: on-target rate 8%. rep-standard: 0.5 to 50%, 1.5 to 100%, 2 above.
# Q3: ACME-RENEWAL-Q3 300,000 = 80%: 187,500 x 0.5 x 8% = 7,500 + 112,500 x 1.5 x 8%
# = 13,500 -> 21,000.


def ada(pay: MemoryCompensation, period: str) -> Decimal:
    return statement_for(uow(pay), CONFIG, "USD", "emp-ada", period).variable_pay


def test_a_closed_quarter_keeps_what_was_paid_and_a_late_deal_is_adjusted_next_quarter() -> None:
    pay = company()
    closed = close_period(uow(pay), CONFIG, "USD", "2026Q3", closed_by="finance-lead", now=NOON)
    assert (closed.close.period, closed.close.closed_by, closed.close.closed_at) == (
        "2026Q3",
        "finance-lead",
        NOON,
    )
    assert ada(pay, "2026Q3") == D("21000.00")
    before = to_csv(statement_view(statement_for(uow(pay), CONFIG, "USD", "emp-ada", "2026Q3")))
    # A deal of Q3 imported after the close: 350,000 = 93.33%: 7,500 + 162,500 x 1.5 x 8%
    # = 19,500 -> 27,000 now, 6,000 more than was paid.
    pay.deal_list.append(deal("LATE-ACME", 50000, "2026-09-15", "emp-ada"))
    after = to_csv(statement_view(statement_for(uow(pay), CONFIG, "USD", "emp-ada", "2026Q3")))
    assert after == before
    q4 = statement_for(uow(pay), CONFIG, "USD", "emp-ada", "2026Q4")
    (adjustment,) = [line for line in q4.lines if line.kind == "adjustment"]
    assert adjustment.amount == D("6000.00")
    assert adjustment.origin == "2026Q3"
    assert "late deal LATE-ACME" in adjustment.label
    assert "closed by finance-lead on 2026-10-02" in adjustment.label
    assert q4.variable_pay == D("6000.00")  # Q4 books nothing of its own
    # Once Q4 is closed (paying the 6,000), 2027Q1 pays it no second time.
    close_period(uow(pay), CONFIG, "USD", "2026Q4", closed_by="finance-lead", now=NOON)
    pay.quota_list.append(Quota("emp-ada", "2027", D(1500000)))
    q1 = statement_for(uow(pay), CONFIG, "USD", "emp-ada", "2027Q1")
    assert [line.kind for line in q1.lines] == ["tier"]
    assert [(c.period, c.statements) for c in list_closes(uow(pay))] == [
        ("2026Q3", 3),
        ("2026Q4", 3),
    ]


def test_a_churn_recorded_after_the_close_is_taken_back_in_the_next_open_period() -> None:
    # ACME-RENEWAL-Q3 (300,000, closed 07-20) churned on 08-01, in its own quarter, but
    # the churn arrives after Q3 was closed. Without it Q3 would have paid nothing (a
    # first tier line of 0): the next quarter takes back the 21,000.
    pay = company()
    close_period(uow(pay), CONFIG, "USD", "2026Q3", closed_by="finance-lead", now=NOON)
    pay.churn_map["acc-ACME-RENEWAL-Q3"] = at("2026-08-01")
    assert ada(pay, "2026Q3") == D("21000.00")
    q4 = statement_for(uow(pay), CONFIG, "USD", "emp-ada", "2026Q4")
    (adjustment,) = [line for line in q4.lines if line.kind == "adjustment"]
    assert adjustment.amount == D("-21000.00")
    assert "churn recorded after the close" in adjustment.label


def test_a_period_is_closed_once_and_in_order() -> None:
    pay = company()
    close_period(uow(pay), CONFIG, "USD", "2026Q3", closed_by="finance-lead", now=NOON)
    for period, problem in (
        ("2026Q3", "2026Q3 is already closed (by finance-lead on 2026-10-02)"),
        ("2026Q2", "2026Q2 comes before 2026Q3, which is closed"),
        ("2026-08", "2026-08 overlaps 2026Q3"),
        ("2027Q1", "the last closed period is 2026Q3; close 2026Q4 first"),
    ):
        with pytest.raises(PipefitError, match=re.escape(problem)) as err:
            close_period(uow(pay), CONFIG, "USD", period, closed_by="x", now=NOON)
        assert err.value.field == "period"
        assert "\n" not in str(err.value)
    assert [c.period for c in list_closes(uow(pay))] == ["2026Q3"]


def test_a_period_no_plan_pays_on_its_own_cannot_be_closed() -> None:
    # The plans pay quarterly: a month's statement is refused for everyone, so closing
    # 2026-07 would keep nothing and block the quarter; it is refused, saying why.
    pay = company()
    with pytest.raises(PipefitError, match=r"2026-07 cannot be closed: .*pays quarterly"):
        close_period(uow(pay), CONFIG, "USD", "2026-07", closed_by="finance-lead", now=NOON)
    assert list_closes(uow(pay)) == []


def test_a_spiff_line_kept_at_close_reads_back_with_its_deals() -> None:
    from pipefit.domain.closes import line_from_record, line_record
    from pipefit.domain.payout import PayLine

    # A SPIFF line names its qualifying deals; read back from the close, it still does.
    line = PayLine(
        "spiff", "q1-smb-logos: 2 deals x 500.00", Decimal("1000.00"), deals=("o1", "o2")
    )
    kept = line_from_record(line_record(line))
    assert kept == line
    assert kept.deals == ("o1", "o2")
