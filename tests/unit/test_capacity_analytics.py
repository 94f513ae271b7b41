"""Capacity's figures over history tables (analytics.capacity), on tables built by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from pipefit.analytics.capacity import (
    SegmentBookings,
    bookings,
    bookings_by_owner,
    bookings_by_segment,
    in_currency,
    main_segment,
    mean_cycle_days,
    meetings_by_person,
    only_owners,
    open_by_presales,
)
from pipefit.domain.capacity import average
from pipefit.domain.errors import PipefitError
from pipefit.store.history_tables import CLOSED_DEALS, MEETINGS, OPEN_DEALS

D = Decimal
RATES = {"EUR": D("1.1")}


def closed(*rows: tuple[str, str | None, str, str, str, str, str, str]) -> pa.Table:
    """(owner, presales, outcome, amount, currency, created, closed, segment) rows."""
    records: list[dict[str, Any]] = [
        {
            "owner_id": owner,
            "presales_id": presales,
            "outcome": outcome,
            "units": int(D(amount) * 10000),
            "currency": currency,
            "created_at": datetime.fromisoformat(created).replace(tzinfo=UTC),
            "closed_at": datetime.fromisoformat(closed_at).replace(tzinfo=UTC),
            "segment": segment,
        }
        for owner, presales, outcome, amount, currency, created, closed_at, segment in rows
    ]
    return pa.Table.from_pylist(records, schema=CLOSED_DEALS)


def deals() -> pa.Table:
    return closed(
        ("rep-ann", "se-dee", "won", "1000.50", "USD", "2025-01-01", "2025-01-11", "smb"),
        ("rep-ann", "se-dee", "won", "2000", "EUR", "2025-02-01", "2025-02-21T12:00", "smb"),
        ("rep-ann", None, "lost", "9999", "USD", "2025-02-01", "2025-03-01", "mid"),
        ("rep-bob", "se-dee", "won", "500", "USD", "2025-03-01", "2025-03-31", "mid"),
        ("rep-bob", "se-eve", "lost", "700", "USD", "2025-03-01", "2025-04-01", "smb"),
    )


def test_a_sum_in_several_currencies_is_converted_and_kept_to_the_cent() -> None:
    # 10.0005 USD + 3 EUR x 1.1 = 13.3005 -> 13.30
    assert in_currency({"USD": 100_005, "EUR": 30_000}, RATES, "USD") == D("13.30")


def test_a_currency_without_a_rate_names_the_setting_to_add() -> None:
    with pytest.raises(PipefitError, match="no rate for GBP; add GBP = <value in USD>") as no:
        in_currency({"GBP": 10_000}, RATES, "USD")
    assert no.value.field == "compensation.rates"


def test_bookings_count_only_won_deals_in_the_workspace_currency() -> None:
    # 1,000.50 + 2,000 EUR x 1.1 + 500 = 3,700.50; the losses are not bookings.
    assert bookings(deals(), RATES, "USD") == D("3700.50")


def test_bookings_by_owner_leaves_out_owners_without_a_win() -> None:
    table = only_owners(deals(), ["rep-ann"])
    assert bookings_by_owner(table, RATES, "USD") == {"rep-ann": D("3200.50")}
    assert bookings_by_owner(deals(), RATES, "USD")["rep-bob"] == D("500.00")


def test_bookings_by_segment_give_the_count_and_the_average_deal() -> None:
    by = bookings_by_segment(deals(), RATES, "USD")
    assert by == {
        "smb": SegmentBookings(2, D("3200.50")),
        "mid": SegmentBookings(1, D("500.00")),
    }
    assert by["smb"].average_deal == D("1600.25")
    assert SegmentBookings(0, D(0)).average_deal is None


def test_a_person_s_segment_is_where_most_of_their_closed_deals_are() -> None:
    # Ann: 2 SMB, 1 mid. Bob: 1 mid, 1 SMB, a tie that goes to the name sorting last.
    assert main_segment(deals(), "owner_id") == {"rep-ann": "smb", "rep-bob": "smb"}
    # Deals without a presales engineer count for nobody.
    assert main_segment(deals(), "presales_id") == {"se-dee": "smb", "se-eve": "smb"}


def test_the_sales_cycle_is_the_mean_of_the_won_deals_in_tenths_of_a_day() -> None:
    # 10, 20.5 and 30 days: 60.5 / 3 = 20.1666... -> 20.2
    assert mean_cycle_days(deals()) == D("20.2")
    assert mean_cycle_days(only_owners(deals(), ["rep-nobody"])) is None


def test_open_deals_are_counted_per_engineer_and_stage() -> None:
    table = pa.Table.from_pylist(
        [
            {"presales_id": "se-dee", "stage": "Discovery"},
            {"presales_id": "se-dee", "stage": "Discovery"},
            {"presales_id": "se-dee", "stage": "Proposal"},
            {"presales_id": "se-eve", "stage": "Discovery"},
        ],
        schema=OPEN_DEALS,
    )
    assert open_by_presales(table) == {
        "se-dee": {"Discovery": 2, "Proposal": 1},
        "se-eve": {"Discovery": 1},
    }


def test_meetings_are_counted_per_person_and_those_nobody_held_are_left_out() -> None:
    people = ["se-dee", "se-eve", "se-dee", None]
    table = pa.Table.from_pylist([{"person_id": p} for p in people], schema=MEETINGS)
    assert meetings_by_person(table) == {"se-dee": 2, "se-eve": 1}


def test_an_average_is_kept_to_the_cent_and_none_without_values() -> None:
    assert average([D(1), D(2), D(2)]) == D("1.67")
    assert average([]) is None
