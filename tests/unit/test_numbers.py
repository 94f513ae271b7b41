"""Numbers are read exactly as written, or refused with their row and value (io/numbers)."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from pipefit.io.currencies import currencies_of
from pipefit.io.numbers import NumberFormat, read_numbers
from pipefit.io.parsing import FieldSpec, coerce_column

AMOUNT = FieldSpec("amount", "decimal")
EMPLOYEES = FieldSpec("employees", "int")


def _read(
    values: list[str | None], spec: FieldSpec = AMOUNT, **kwargs: NumberFormat
) -> tuple[list[object], dict[int, str]]:
    """Values and {row: message} (rows are lines: the header is line 1)."""
    column, errors = coerce_column(pa.array(values, pa.string()), spec, file="deals.csv", **kwargs)
    return column.to_pylist(), {e.row or 0: e.message for e in errors}


def D(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.0001"))


def test_a_decimal_comma_column_is_read_as_such_never_as_a_smaller_number() -> None:
    # Today "1.234,50" lands as 1.2345: the dot was taken for the decimal point.
    values, errors = _read(["1.234,50", "12,50", "7"])
    assert errors == {}
    assert values == [D("1234.50"), D("12.50"), D("7")]


def test_a_decimal_point_column_with_thousands_commas_is_read_as_such() -> None:
    values, errors = _read(["1,234.50", "12", "1,000,000"])
    assert errors == {}
    assert values == [D("1234.50"), D("12"), D("1000000")]


def test_spaces_and_apostrophes_group_thousands_in_either_style() -> None:
    assert _read(["1 234,50", "1\u00a0000"]) == ([D("1234.50"), D("1000")], {})
    assert _read(["12'500.75", "1 000.5"]) == ([D("12500.75"), D("1000.5")], {})


def test_a_value_that_reads_two_ways_is_refused_when_nothing_in_its_column_settles_it() -> None:
    values, errors = _read(["1,234", "950", "1.500"])
    assert values == [None, D("950"), None]
    assert set(errors) == {2, 4}
    assert "could be read two ways" in errors[2]
    assert "declare the decimal separator" in errors[2]


@pytest.mark.parametrize(
    ("settler", "meant"),
    [("12.50", D("1234")), ("12,50", D("1.234")), ("1.000.000", D("1.234"))],
)
def test_another_value_of_the_column_settles_what_1234_with_a_comma_means(
    settler: str, meant: Decimal
) -> None:
    values, errors = _read(["1,234", settler])
    assert errors == {}
    assert values[0] == meant


def test_a_lone_dot_thousands_value_is_not_taken_for_a_decimal_by_the_fast_path() -> None:
    # "1.234" casts as a decimal in one step; alone, it might mean 1234.
    values, errors = _read(["1.234", "12"])
    assert values == [None, D("12")]
    assert "could be read two ways" in errors[2]
    assert _read(["1.234", "0.5"]) == ([D("1.234"), D("0.5")], {})


@pytest.mark.parametrize("value", ["1,2,3", "12,34,5", "1.2.3", "1,23.45", "1 2 3"])
def test_malformed_digit_groups_are_refused_with_their_row(value: str) -> None:
    # Today "1,2,3" lands as 123.
    values, errors = _read(["10", value])
    assert values == [D("10"), None]
    assert "is not a number" in errors[3]


def test_a_value_written_unlike_the_rest_of_its_column_is_refused() -> None:
    values, errors = _read(["1.234,50", "12,50", "1,234.50"])
    assert values[:2] == [D("1234.50"), D("12.50")]
    assert "uses a decimal comma" in errors[4]


def test_a_declared_decimal_comma_reads_what_detection_cannot_settle() -> None:
    values, errors = _read(["1,234", "1.234", "1.234,5"], numbers=NumberFormat(decimal=","))
    assert errors == {}
    assert values == [D("1.234"), D("1234"), D("1234.5")]


def test_a_declared_thousands_dot_implies_a_decimal_comma_and_refuses_other_writings() -> None:
    values, errors = _read(["1.234", "1,234.5"], numbers=NumberFormat(thousands="."))
    assert values == [D("1234"), None]
    assert "written with decimal ',' and thousands '.'" in errors[3]


def test_a_declared_empty_thousands_separator_allows_no_grouping() -> None:
    values, errors = _read(["1234,5", "1.234,5"], numbers=NumberFormat(decimal=",", thousands=""))
    assert values == [D("1234.5"), None]
    assert 3 in errors


def test_a_declaration_that_cannot_be_used_says_which_key_is_wrong() -> None:
    assert NumberFormat(decimal=";").problem() == ("decimal", 'must be "." or ","')
    assert NumberFormat(decimal=",", thousands=",").problem() == (
        "thousands",
        "must differ from the decimal separator",
    )
    assert NumberFormat(decimal=",", thousands=" ").problem() is None


@pytest.mark.parametrize("value", ["-1,000,000", "(1,200.00)", "1200-", "\u22125", "- 5"])
def test_a_negative_amount_is_refused_with_its_row_and_value(value: str) -> None:
    # Today a Closed-won -1,000,000 deal gives attainment -161.72%.
    values, errors = _read(["10.00", value])
    assert values == [D("10"), None]
    assert errors == {3: "is below zero; it must be zero or more"}


def test_a_negative_plain_amount_is_refused_on_the_fast_path_too() -> None:
    values, errors = _read(["-5", "-0", "3"])
    assert values[1:] == [D("0"), D("3")]
    assert set(errors) == {2}


def test_a_field_that_may_be_negative_reads_every_way_of_writing_it() -> None:
    margin = FieldSpec("margin", "decimal", signed=True)
    values, errors = _read(["-5", "(1,200.50)", "300-", "7"], margin)
    assert errors == {}
    assert values == [D("-5"), D("-1200.50"), D("-300"), D("7")]


def test_a_number_too_large_to_keep_is_refused_not_a_traceback() -> None:
    # Today "99999999999999999999" raises pyarrow's ArrowInvalid.
    values, errors = _read(["99999999999999999999", "99999999999999.9999"])
    assert values == [None, D("99999999999999.9999")]
    assert errors == {2: "is too large (at most 99,999,999,999,999.9999)"}
    whole, whole_errors = _read(["99999999999999999999", "250"], EMPLOYEES)
    assert whole == [None, 250]
    assert whole_errors == {2: "is too large (at most 999,999,999,999,999,999)"}


def test_a_value_that_rounds_beyond_the_largest_amount_is_refused() -> None:
    values, errors = _read(["99999999999999.99999"])
    assert values == [None]
    assert "too large" in errors[2]


def test_more_than_four_decimals_are_rounded_half_to_even_and_said() -> None:
    read = read_numbers(pa.array(["1.23456", "2.00005", "3.10000"]), whole=False)
    assert read.errors == []
    assert read.values.to_pylist() == [D("1.2346"), D("2.0000"), D("3.1")]
    assert read.notes == [
        "2 values have more than 4 decimal places and were rounded to 4 (e.g. '1.23456' -> 1.2346)"
    ]


def test_whole_numbers_take_thousands_separators_and_refuse_fractions() -> None:
    values, errors = _read(["1,234", "1.234", "1 234", "12", "1.5", "-3"], EMPLOYEES)
    assert values == [1234, None, 1234, 12, None, None]
    assert set(errors) == {3, 6, 7}
    assert errors[6] == "is not a whole number"


def test_a_whole_number_column_reads_a_lone_grouped_value_as_thousands() -> None:
    assert _read(["1,234", "9"], EMPLOYEES) == ([1234, 9], {})
    assert _read(["1.234", "9"], EMPLOYEES) == ([1234, 9], {})


@pytest.mark.parametrize(
    ("cell", "mark"),
    [
        ("$1,200.00", "$"),
        ("1 200,00 €", "€"),
        ("EUR 1200", "EUR"),
        ("1.200,50 EUR", "EUR"),
        ("US$ 12", "US$"),
        ("-$5", "$"),
    ],
)
def test_a_currency_sign_or_code_is_kept_beside_the_number(cell: str, mark: str) -> None:
    read = read_numbers(pa.array([cell, "3"]), whole=False, signed=True)
    assert read.errors == []
    assert read.marks is not None
    assert read.marks.to_pylist() == [mark, None]


def test_a_column_read_alone_refuses_a_currency_it_cannot_keep() -> None:
    values, errors = _read(["$1,200.00", "3"])
    assert values == [None, D("3")]
    assert "has a currency ($)" in errors[2]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1200 XYZ", "'XYZ' is not a currency code or sign pipefit knows"),
        ("$€5", "is not a number"),
        ("EUR 5 USD", "two currency marks"),
        ("(5", "a bracket is not closed"),
        ("--5", "more than one sign"),
        ("12k", "is not a number"),
    ],
)
def test_a_cell_that_is_not_a_number_says_why(cell: str, reason: str) -> None:
    values, errors = _read([cell, "1"])
    assert values == [None, D("1")]
    assert reason in errors[2]


def test_signs_and_codes_name_the_currencies_they_may_stand_for() -> None:
    assert currencies_of("EUR") == ("EUR",)
    assert currencies_of("eur") == ("EUR",)
    assert currencies_of("€") == ("EUR",)
    assert currencies_of("$")[0] == "USD"
    assert "CAD" in currencies_of("$")
    assert currencies_of("C$") == ("CAD",)
    assert currencies_of("XYZ") == ()
