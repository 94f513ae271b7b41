from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa

from pipefit.io.parsing import FieldSpec, coerce_column, coerce_columns


def _coerce(
    values: list[str | None], spec: FieldSpec, **kwargs: str
) -> tuple[list[object], list[str]]:
    column, errors = coerce_column(pa.array(values, pa.string()), spec, file="deals.csv", **kwargs)
    return column.to_pylist(), [f"{e.row}:{e.value}" for e in errors]


def test_iso_dates_with_and_without_time_or_zone_are_read_as_utc() -> None:
    values, errors = _coerce(
        ["2026-03-02", "2026-03-02 14:30", "2026-03-02T14:30:00+02:00", None],
        FieldSpec("at", "datetime"),
    )
    assert errors == []
    assert values == [
        datetime(2026, 3, 2, tzinfo=UTC),
        datetime(2026, 3, 2, 14, 30, tzinfo=UTC),
        datetime(2026, 3, 2, 12, 30, tzinfo=UTC),
        None,
    ]


def test_a_declared_day_first_format_reads_dates_and_refuses_impossible_ones() -> None:
    values, errors = _coerce(
        ["14/03/2022", "31/02/2022", "01/05/2022 16:11"],
        FieldSpec("created_at", "datetime"),
        date_format="%d/%m/%Y",
    )
    assert values[0] == datetime(2022, 3, 14, tzinfo=UTC)
    assert values[2] == datetime(2022, 5, 1, 16, 11, tzinfo=UTC)
    assert errors == ["3:31/02/2022"]


def test_amounts_are_exact_and_thousands_separators_are_accepted() -> None:
    values, errors = _coerce(["1,234.50", "0.1", "12,5x"], FieldSpec("amount", "decimal"))
    assert values[:2] == [Decimal("1234.5000"), Decimal("0.1000")]
    assert errors == ["4:12,5x"]


def test_every_bad_whole_number_is_reported_with_its_line() -> None:
    _, errors = _coerce(["12", "twelve", " 7 ", "1.5"], FieldSpec("employees", "int"))
    assert errors == ["3:twelve", "5:1.5"]


def test_allowed_values_are_matched_without_regard_to_case() -> None:
    values, errors = _coerce(
        ["Innovator", "laggard", "sceptic"], FieldSpec("culture", choices=("innovator", "laggard"))
    )
    assert values[:2] == ["innovator", "laggard"]
    assert errors == ["4:sceptic"]


def test_an_empty_required_value_is_reported() -> None:
    _, errors = _coerce(["A-1", "", None], FieldSpec("account_id", required=True))
    assert errors == ["3:None", "4:None"]


def _amounts(
    amounts: list[str | None], currencies: list[str | None] | None
) -> tuple[dict[str, list[object]], list[str], list[str]]:
    columns = {"amount": pa.array(amounts, pa.string())}
    if currencies is not None:
        columns["currency"] = pa.array(currencies, pa.string())
    notes: list[str] = []
    fields = [FieldSpec("amount", "decimal"), FieldSpec("currency")]
    typed, errors = coerce_columns(columns, fields, file="deals.csv", notes=notes)
    shown = {name: column.to_pylist() for name, column in typed.items()}
    return shown, [f"{e.row}:{e.value}:{e.message}" for e in errors], notes


def test_a_currency_in_an_amount_that_agrees_with_the_rows_currency_is_read() -> None:
    typed, errors, _ = _amounts(["$1,200.00", "1 200 €", "EUR 1200"], ["USD", "eur", "EUR"])
    assert errors == []
    assert typed["amount"] == [Decimal("1200.0000")] * 3
    assert typed["currency"] == ["USD", "eur", "EUR"]


def test_a_currency_in_an_amount_that_contradicts_the_rows_currency_is_refused() -> None:
    typed, errors, _ = _amounts(["£3.00", "EUR 5", "$7", "9"], ["USD", "USD", "CAD", "USD"])
    assert typed["amount"] == [None, None, Decimal("7.0000"), Decimal("9.0000")]
    assert errors == [
        "0:£3.00:says £, but the row's currency is USD",
        "1:EUR 5:says EUR, but the row's currency is USD",
    ]


def test_a_row_without_a_currency_takes_the_amounts_and_a_bare_dollar_is_said() -> None:
    typed, errors, notes = _amounts(["1.200,50 EUR", "$5", "7"], None)
    assert errors == []
    assert typed["currency"] == ["EUR", "USD", None]
    assert typed["amount"] == [Decimal("1200.5000"), Decimal("5.0000"), Decimal("7.0000")]
    assert notes == [
        "amount: 1 amounts carry a currency sign but the row gives no currency: read $ as "
        "USD; give the currency if another is meant"
    ]


def test_a_record_without_a_currency_refuses_one_in_its_numbers() -> None:
    columns = {"annual_revenue": pa.array(["$5,000,000.00", "12"], pa.string())}
    typed, errors = coerce_columns(
        columns, [FieldSpec("annual_revenue", "decimal")], file="accounts.csv", entity="accounts"
    )
    assert typed["annual_revenue"].to_pylist() == [None, Decimal("12.0000")]
    assert [e.message for e in errors] == [
        "has a currency ($), but accounts keeps no currency; write the number alone"
    ]
