from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa

from pipefit.io.parsing import FieldSpec, coerce_column


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
