"""Values are read exactly or refused, through the real import path (native files,
mapping files, Salesforce report exports): amounts in any locale's writing, currency marks,
negative and oversized numbers, two-digit years and 12-hour clocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.io.errors import ImportRejected
from pipefit.io.mapping import load_mapping
from pipefit.services import imports
from pipefit.store.tables import accounts, opportunities

from .workspaces import count, import_files, query


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def deals(workspace: Workspace) -> dict[str, tuple[Any, ...]]:
    rows = query(
        workspace,
        select(
            opportunities.c.opportunity_id,
            opportunities.c.amount,
            opportunities.c.currency,
            opportunities.c.created_at,
            opportunities.c.closed_at,
        ),
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def refused(workspace: Workspace, paths: Sequence[Path], **options: Any) -> set[tuple[Any, ...]]:
    """(file name, row, column, value) of every problem; nothing may have been written."""
    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, paths, **options)
    assert count(workspace, opportunities) == 0
    return {(Path(e.file).name, e.row, e.column, e.value) for e in caught.value.errors}


def messages(workspace: Workspace, paths: Sequence[Path], **options: Any) -> dict[Any, str]:
    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, paths, **options)
    return {(e.row, e.column): e.message for e in caught.value.errors}


OPPS = "opportunity_id,stage,amount,currency,created_at,closed_at\n"


# --- amounts, through the native format ----------------------------------------------


def test_decimal_comma_amounts_are_stored_exactly(workspace: Workspace, tmp_path: Path) -> None:
    path = write(
        tmp_path / "in" / "opportunities.csv",
        OPPS
        + 'EU-DEAL-1,Discovery,"1.234,50",EUR,2026-01-05,\n'
        + 'EU-DEAL-2,Discovery,"12,50",EUR,2026-01-06,\n'
        + 'EU-DEAL-3,Discovery,"1.000.000",EUR,2026-01-07,\n',
    )
    import_files(workspace, [path])
    amounts = {k: v[0] for k, v in deals(workspace).items()}
    assert amounts == {
        "EU-DEAL-1": Decimal("1234.50"),
        "EU-DEAL-2": Decimal("12.50"),
        "EU-DEAL-3": Decimal("1000000"),
    }


def test_malformed_digit_groups_are_refused_with_row_and_value(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    # Today "1,2,3" lands as 123 with exit 0.
    path = write(
        tmp_path / "in" / "opportunities.csv",
        OPPS
        + "OK-1,Discovery,950.00,USD,2026-01-05,\n"
        + 'BAD-1,Discovery,"1,2,3",USD,2026-01-05,\n'
        + 'BAD-2,Discovery,"12,34,5",USD,2026-01-05,\n',
    )
    assert refused(sqlite_workspace, [path]) == {
        ("opportunities.csv", 3, "amount", "1,2,3"),
        ("opportunities.csv", 4, "amount", "12,34,5"),
    }


def test_an_amount_that_reads_two_ways_is_refused_until_the_separator_is_declared(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "in" / "opportunities.csv",
        OPPS + 'AMBIG-1,Discovery,"1,234",USD,2026-01-05,\nPLAIN-1,Discovery,950,USD,2026-01-05,\n',
    )
    problems = messages(sqlite_workspace, [path])
    assert list(problems) == [(2, "amount")]
    assert "could be read two ways" in problems[(2, "amount")]

    declared = with_reader_options(sqlite_workspace, [path], thousands=",")
    assert declared.counts["opportunities"] == 2
    assert deals(sqlite_workspace)["AMBIG-1"][0] == Decimal("1234")


def with_reader_options(
    workspace: Workspace, paths: Sequence[Path], **options: str
) -> imports.ImportResult:
    """The import service with the number options declared (as `pipefit import
    --decimal/--thousands` declares them)."""
    app = App(workspace)
    try:
        return imports.import_files(
            app.uow(), app.batch_reader, app.batch_loader, app.import_defaults, paths, **options
        )
    finally:
        app.close()


def test_a_declared_decimal_comma_reads_a_column_detection_cannot_settle(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "in" / "opportunities.csv",
        OPPS + 'EU-1,Discovery,"1,234",EUR,2026-01-05,\nEU-2,Discovery,"1.234",EUR,2026-01-05,\n',
    )
    with_reader_options(sqlite_workspace, [path], decimal=",")
    amounts = {k: v[0] for k, v in deals(sqlite_workspace).items()}
    assert amounts == {"EU-1": Decimal("1.234"), "EU-2": Decimal("1234")}


def test_a_negative_amount_is_refused_with_row_and_value(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    # Today a Closed-won -1,000,000 deal gives "attainment -161.72%".
    path = write(
        tmp_path / "in" / "opportunities.csv",
        OPPS
        + 'NEG-WON,Closed won,"-1,000,000.00",USD,2026-01-05,2026-03-01\n'
        + "NEG-OPEN,Discovery,(250.00),USD,2026-01-05,\n",
    )
    problems = messages(sqlite_workspace, [path])
    assert problems == {
        (2, "amount"): "is below zero; it must be zero or more",
        (3, "amount"): "is below zero; it must be zero or more",
    }


def test_numbers_too_large_to_keep_are_refused_with_row_column_and_value(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    # Today each gives a pyarrow ArrowInvalid traceback.
    folder = tmp_path / "in"
    opps = write(
        folder / "opportunities.csv",
        OPPS + "HUGE-1,Discovery,99999999999999999999,USD,2026-01-05,\n",
    )
    accts = write(
        folder / "accounts.csv",
        "account_id,name,employees\nA-HUGE,Huge Corp,99999999999999999999\nA-OK,Fine Inc,250\n",
    )
    with pytest.raises(ImportRejected) as caught:
        import_files(sqlite_workspace, [opps, accts])
    found = {(Path(e.file).name, e.row, e.column, e.value, e.message) for e in caught.value.errors}
    assert found == {
        (
            "opportunities.csv",
            2,
            "amount",
            "99999999999999999999",
            "is too large (at most 99,999,999,999,999.9999)",
        ),
        (
            "accounts.csv",
            2,
            "employees",
            "99999999999999999999",
            "is too large (at most 999,999,999,999,999,999)",
        ),
    }
    assert count(sqlite_workspace, accounts) == 0


def test_currency_marks_in_amounts_are_read_checked_and_never_dropped(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "in" / "opportunities.csv",
        OPPS
        + "US-1,Discovery,$1200,USD,2026-01-05,\n"
        + "EU-1,Discovery,1 200 €,EUR,2026-01-05,\n"
        + "EU-2,Discovery,EUR 950,,2026-01-05,\n"
        + 'EU-3,Discovery,"1.200,50 EUR",,2026-01-05,\n',
    )
    import_files(sqlite_workspace, [path])
    stored = {k: (v[0], v[1]) for k, v in deals(sqlite_workspace).items()}
    assert stored == {
        "US-1": (Decimal("1200"), "USD"),
        "EU-1": (Decimal("1200"), "EUR"),
        "EU-2": (Decimal("950"), "EUR"),  # the amount's currency, not the workspace's USD
        "EU-3": (Decimal("1200.50"), "EUR"),
    }


def test_a_currency_sign_that_contradicts_the_rows_currency_is_refused(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "in" / "opportunities.csv",
        OPPS + "US-1,Discovery,€1200,USD,2026-01-05,\nUS-2,Discovery,$5,USD,2026-01-05,\n",
    )
    problems = messages(sqlite_workspace, [path])
    assert problems == {(2, "amount"): "says €, but the row's currency is USD"}


# --- dates, through the native format ------------------------------------------------


def test_a_salesforce_style_native_file_with_two_digit_years_and_am_pm_is_read(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "in" / "opportunities.csv",
        OPPS
        + "SF-1,Closed won,100,USD,02/23/26 08:55 PM,03/02/26\n"
        + "SF-2,Discovery,200,USD,02/24/26 09:05 AM,\n",
    )
    result = import_files(sqlite_workspace, [path])
    stored = deals(sqlite_workspace)
    assert stored["SF-1"][2:] == (at(2026, 2, 23, 20, 55), at(2026, 3, 2))
    assert stored["SF-2"][2] == at(2026, 2, 24, 9, 5)
    assert (
        "opportunities.csv: created_at: dates read as MM/DD/YY, with a time as hh:mm AM/PM "
        "(detected: '02/23/26 08:55 PM' has a day above 12 in the second place)"
    ) in result.notes


def test_a_native_date_column_with_an_open_order_is_refused_with_a_hint(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "in" / "opportunities.csv",
        OPPS + "SF-1,Discovery,100,USD,02/03/26 08:55 PM,\nSF-2,Discovery,100,USD,04/05/26,\n",
    )
    problems = messages(sqlite_workspace, [path])
    assert problems == {
        (2, "created_at"): "the order of day and month cannot be told in this column: no value "
        "has a number above 12 in either place; declare the date format (DD/MM/YY or MM/DD/YY)"
    }
    import_files(sqlite_workspace, [path], date_format="DD/MM/YY")
    assert deals(sqlite_workspace)["SF-1"][2] == at(2026, 3, 2, 20, 55)


# --- mapping files -------------------------------------------------------------------

REPORT_MAPPING = """
[source]
name = "sf-report"
pipeline = "inbound"
{source_extra}

[stages]
"Prospecting" = "Discovery"
"Closed Won" = "Closed won"

[files.report]
entity = "opportunities"
match = "*.csv"
{file_extra}

[files.report.columns]
opportunity_id = "Opportunity ID"
stage = "Stage"
amount = "Amount"
currency = "Amount Currency"
created_at = "Created Date"
closed_at = "Close Date"
"""

# A Salesforce report export (Opportunities report, US locale): the created date carries
# a 12-hour time, the close date none, both with two-digit years.
REPORT = """Opportunity ID,Opportunity Name,Stage,Amount Currency,Amount,Created Date,Close Date
0065g00000AbCdE,Acme renewal,Closed Won,USD,"48,000.00",02/23/26 08:55 PM,03/14/26
0065g00000AbCdF,Globex pilot,Prospecting,USD,"1,250.50",02/24/26 11:05 AM,04/30/26
"""


def mapping(tmp_path: Path, source_extra: str = "", file_extra: str = "") -> Path:
    text = REPORT_MAPPING.format(source_extra=source_extra, file_extra=file_extra)
    return write(tmp_path / "report.toml", text)


def test_a_salesforce_report_with_both_date_shapes_imports_through_a_mapping(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    report = write(tmp_path / "in" / "report.csv", REPORT)
    result = import_files(sqlite_workspace, [report], mapping=mapping(tmp_path))
    stored = deals(sqlite_workspace)
    assert stored["0065g00000AbCdE"] == (
        Decimal("48000"),
        "USD",
        at(2026, 2, 23, 20, 55),
        at(2026, 3, 14),
    )
    assert stored["0065g00000AbCdF"][:3] == (
        Decimal("1250.50"),
        "USD",
        at(2026, 2, 24, 11, 5),
    )
    assert any(n.startswith("report.csv: Close Date: dates read as MM/DD/YY") for n in result.notes)


def test_a_mapped_column_with_an_open_order_takes_the_order_of_the_files_other_dates(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    # Created Date alone is open (02/03/26); Close Date (03/14/26) settles month first.
    report = write(
        tmp_path / "in" / "report.csv",
        REPORT.replace("02/23/26 08:55 PM", "02/03/26 08:55 PM").replace(
            "02/24/26 11:05 AM", "02/04/26 11:05 AM"
        ),
    )
    result = import_files(sqlite_workspace, [report], mapping=mapping(tmp_path))
    assert deals(sqlite_workspace)["0065g00000AbCdE"][2] == at(2026, 2, 3, 20, 55)
    assert any(
        "Created Date: dates read as MM/DD/YY" in n and "order the other date columns show" in n
        for n in result.notes
    )


def test_a_mapping_declares_a_date_format_per_column(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    report = write(
        tmp_path / "in" / "report.csv",
        "Opportunity ID,Stage,Amount Currency,Amount,Created Date,Close Date\n"
        "0065A,Closed Won,USD,100.00,02/03/26 08:55 PM,2026-03-14\n",
    )
    unmapped = messages(sqlite_workspace, [report], mapping=mapping(tmp_path))
    assert unmapped == {
        (2, "Created Date"): "the order of day and month cannot be told in this column: no "
        "value has a number above 12 in either place; declare the date format (DD/MM/YY or "
        "MM/DD/YY)"
    }
    declared = mapping(
        tmp_path, file_extra='date_formats = { created_at = "DD/MM/YY hh:mm AM/PM" }'
    )
    import_files(sqlite_workspace, [report], mapping=declared)
    assert deals(sqlite_workspace)["0065A"][2:] == (
        at(2026, 3, 2, 20, 55),
        at(2026, 3, 14),
    )


def test_a_mapping_declares_the_number_format_in_source_or_per_file(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    european = (
        "Opportunity ID,Stage,Amount Currency,Amount,Created Date,Close Date\n"
        "0065A,Prospecting,EUR,1.234,2026-02-23,\n"
        "0065B,Prospecting,EUR,250,2026-02-23,\n"
    )
    report = write(tmp_path / "in" / "report.csv", european)
    problems = messages(sqlite_workspace, [report], mapping=mapping(tmp_path))
    assert list(problems) == [(2, "Amount")]

    in_source = mapping(tmp_path, source_extra='decimal = ","\nthousands = "."')
    import_files(sqlite_workspace, [report], mapping=in_source)
    assert deals(sqlite_workspace)["0065A"][0] == Decimal("1234")

    per_file = mapping(tmp_path, source_extra='decimal = ","', file_extra='decimal = "."')
    write(tmp_path / "in" / "report.csv", european.replace("0065A", "0065C"))
    import_files(sqlite_workspace, [report], mapping=per_file)
    assert deals(sqlite_workspace)["0065C"][0] == Decimal("1.234")


def test_number_and_date_format_keys_that_cannot_be_used_are_reported_at_their_key(
    tmp_path: Path,
) -> None:
    broken = mapping(
        tmp_path,
        source_extra='decimal = ";"\ndate_format = "the usual"',
        file_extra='thousands = 5\ndate_formats = { stage = "DD/MM/YY", nope = "x" }',
    )
    parsed, problems = load_mapping(broken)
    assert parsed is None
    keys = {(e.column, e.value): e.message for e in problems}
    assert keys[("source.decimal", ";")] == 'must be "." or ","'
    assert "is not a usable date format" in keys[("source.date_format", "the usual")]
    assert keys[("files.report.thousands", "5")] == "must be a string"
    assert keys[("files.report.date_formats.stage", None)] == (
        "is not a date field of opportunities"
    )
    assert ("files.report.date_formats.nope", None) in keys


def test_a_salesforce_report_export_reads_two_digit_years_and_am_pm_in_salesforce_format(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    opp = write(
        tmp_path / "in" / "Opportunity.csv",
        "Id,Name,AccountId,StageName,Amount,OwnerId,CreatedDate,CloseDate\n"
        "006A,Deal A,001A,Closed Won,100,005A,02/23/26 08:55 PM,03/14/26\n"
        "006B,Deal B,001A,Prospecting,200,005A,02/24/26,\n",
    )
    result = import_files(sqlite_workspace, [opp], fmt="salesforce")
    stored = deals(sqlite_workspace)
    assert stored["006A"][2:] == (at(2026, 2, 23, 20, 55), at(2026, 3, 14))
    assert stored["006B"][2] == at(2026, 2, 24)
    assert any("MM/DD/YY" in n for n in result.notes)
