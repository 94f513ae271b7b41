"""Dates are read per column as exports write them, or refused with a hint (io/dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from pipefit.io.dates import human_format, to_strptime
from pipefit.io.parsing import FieldSpec, ValueFormats, coerce_column, coerce_columns

AT = FieldSpec("created_at", "datetime")


def _read(values: list[str | None], **kwargs: str) -> tuple[list[object], dict[int, str]]:
    column, errors = coerce_column(pa.array(values, pa.string()), AT, file="report.csv", **kwargs)
    return column.to_pylist(), {e.row or 0: e.message for e in errors}


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_a_salesforce_report_column_with_two_digit_years_and_am_pm_times_is_read() -> None:
    values, errors = _read(["02/23/26", "02/23/26 08:55 PM", "03/01/26 12:05 AM", "3/1/26 9:05 am"])
    assert errors == {}
    assert values == [
        at(2026, 2, 23),
        at(2026, 2, 23, 20, 55),
        at(2026, 3, 1, 0, 5),
        at(2026, 3, 1, 9, 5),
    ]


def test_twelve_o_clock_is_noon_with_pm_and_midnight_with_am() -> None:
    values, _ = _read(["02/23/26 12:00 PM", "02/23/26 12:00 AM"])
    assert values == [at(2026, 2, 23, 12), at(2026, 2, 23)]


def test_an_hour_that_is_not_on_a_twelve_hour_clock_is_refused() -> None:
    values, errors = _read(["02/23/26 13:05 PM", "02/24/26 08:55 PM"])
    assert values == [None, at(2026, 2, 24, 20, 55)]
    assert "is not a date like the rest of its column (MM/DD/YY" in errors[2]


def test_day_first_four_digit_dates_with_24_hour_times_keep_working() -> None:
    values, errors = _read(["14/03/2022", "01/05/2022 16:11", "02/05/2022 16:11:09"])
    assert errors == {}
    assert values == [at(2022, 3, 14), at(2022, 5, 1, 16, 11), at(2022, 5, 2, 16, 11, 9)]


def test_iso_dates_keep_working_with_and_without_zone() -> None:
    values, errors = _read(["2026-03-02", "2026-03-02 14:30", "2026-03-02T14:30:00+02:00"])
    assert errors == {}
    assert values == [at(2026, 3, 2), at(2026, 3, 2, 14, 30), at(2026, 3, 2, 12, 30)]


def test_year_first_dates_with_slashes_are_read() -> None:
    assert _read(["2026/02/23", "2026/2/3 10:00"]) == (
        [at(2026, 2, 23), at(2026, 2, 3, 10)],
        {},
    )


def test_a_column_whose_day_and_month_order_is_open_is_refused_once_with_a_hint() -> None:
    values, errors = _read([None, "03/04/26", "05/06/26 08:00 PM"])
    assert values == [None, None, None]
    assert list(errors) == [3]  # one problem, on the first dated row
    assert errors[3] == (
        "the order of day and month cannot be told in this column: no value has a number "
        "above 12 in either place; declare the date format (DD/MM/YY or MM/DD/YY)"
    )


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("DD/MM/YY", at(2026, 4, 3)), ("MM/DD/YY", at(2026, 3, 4)), ("%m/%d/%y", at(2026, 3, 4))],
)
def test_a_declared_format_settles_the_order(declared: str, expected: datetime) -> None:
    values, errors = _read(["03/04/26", "05/06/26 08:00 PM"], date_format=declared)
    assert errors == {}
    assert values[0] == expected


def test_a_declared_four_digit_year_refuses_a_two_digit_one() -> None:
    # strptime alone would read "23/02/26" as the year 26.
    values, errors = _read(["23/02/2026", "23/02/26"], date_format="DD/MM/YYYY")
    assert values == [at(2026, 2, 23), None]
    assert errors[3] == "is not a date in the declared format DD/MM/YYYY (a time may follow)"


def test_impossible_dates_are_refused_not_rolled_over() -> None:
    values, errors = _read(["31/02/2026", "28/02/2026"])
    assert values == [None, at(2026, 2, 28)]
    assert set(errors) == {2}


def test_a_value_that_is_no_date_at_all_asks_for_a_declaration() -> None:
    values, errors = _read(["Feb 23, 2026"])
    assert values == [None]
    assert "is not a date pipefit can read" in errors[2]


def test_a_column_with_both_year_widths_reads_each() -> None:
    values, errors = _read(["23/02/26", "24/02/2026"])
    assert errors == {}
    assert values == [at(2026, 2, 23), at(2026, 2, 24)]


def test_an_open_column_takes_the_order_the_other_date_columns_of_its_file_show() -> None:
    notes: list[str] = []
    columns = {
        "created_at": pa.array(["23/02/2026", "01/03/2026"]),
        "closed_at": pa.array(["01/04/2026 08:00 PM", None]),
    }
    fields = [FieldSpec("created_at", "datetime"), FieldSpec("closed_at", "datetime")]
    typed, errors = coerce_columns(columns, fields, file="deals.csv", notes=notes)
    assert errors == []
    assert typed["closed_at"].to_pylist()[0] == at(2026, 4, 1, 20)
    assert notes == [
        "created_at: dates read as DD/MM/YYYY "
        "(detected: '23/02/2026' has a day above 12 in the first place)",
        "closed_at: dates read as DD/MM/YYYY, with a time as hh:mm AM/PM "
        "(detected: day and month in the order the other date columns show)",
    ]


def test_a_date_format_per_column_overrides_the_files() -> None:
    columns = {
        "created_at": pa.array(["03/04/2026"]),
        "closed_at": pa.array(["03/04/2026"]),
    }
    fields = [FieldSpec("created_at", "datetime"), FieldSpec("closed_at", "date")]
    formats = ValueFormats(date_format="%d/%m/%Y", column_dates={"closed_at": "MM/DD/YYYY"})
    typed, errors = coerce_columns(columns, fields, file="deals.csv", formats=formats)
    assert errors == []
    assert typed["created_at"].to_pylist() == [at(2026, 4, 3)]
    assert typed["closed_at"].to_pylist() == [date(2026, 3, 4)]


@pytest.mark.parametrize(
    ("written", "codes"),
    [
        ("DD/MM/YYYY", "%d/%m/%Y"),
        ("MM/DD/YY hh:mm AM/PM", "%m/%d/%y %I:%M %p"),
        ("yyyy-mm-dd HH:mm", "%Y-%m-%d %H:%M"),
        ("DD-MMM-YYYY", "%d-%b-%Y"),
        ("D.M.YYYY", "%d.%m.%Y"),
        ("%d/%m/%Y", "%d/%m/%Y"),
    ],
)
def test_formats_are_declared_as_people_write_them_or_in_strptime_codes(
    written: str, codes: str
) -> None:
    assert to_strptime(written) == codes


@pytest.mark.parametrize("written", ["the usual", "%H:%M", "MM/YYYY", "DD/MM"])
def test_a_format_that_is_not_a_date_is_not_usable(written: str) -> None:
    assert to_strptime(written) is None


def test_format_hints_for_people_carry_no_strptime_codes() -> None:
    assert human_format("%m/%d/%y %I:%M %p") == "MM/DD/YY hh:mm AM/PM"
    assert human_format("%d/%m/%Y %H:%M:%S") == "DD/MM/YYYY HH:mm:ss"
    assert "%" not in human_format("%d-%b-%Y")
