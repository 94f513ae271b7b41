"""What `import` shows: per kind of record the rows read and how many were new, updated or
unchanged, the readers' notes, and a dry run said as such; machine formats plain."""

from __future__ import annotations

import json

from rich.console import Console

from pipefit.domain.imports import LoadReport, TableReport
from pipefit.services.imports import ImportResult
from pipefit.views import render, to_csv, to_json
from pipefit.views.imports import import_view


def _loaded() -> ImportResult:
    return ImportResult(
        fmt="native",
        files=["in/opportunities.csv", "in/stage_events.csv"],
        counts={"opportunities": 1200, "stage_events": 5},
        dry_run=False,
        report=LoadReport(
            tables={
                "opportunities": TableReport(rows=1200, inserted=1000, updated=150),
                "stage_events": TableReport(rows=5, inserted=5),
            }
        ),
        notes=["3 stage names mapped by case"],
    )


def _dry_run() -> ImportResult:
    return ImportResult(
        fmt="salesforce", files=["in/opps.csv"], counts={"opportunities": 2}, dry_run=True
    )


def _terminal(result: ImportResult) -> str:
    console = Console(width=120, markup=False, highlight=False)
    with console.capture() as captured:
        render(import_view(result), "table", console)
    return captured.get()


def test_each_kind_of_record_counts_its_new_updated_and_unchanged_rows() -> None:
    rows = json.loads(to_json(import_view(_loaded())))["tables"]
    # 1,200 rows of which 1,000 new and 150 changed leave 50 as they were.
    assert rows[0] == {
        "records": "opportunities",
        "rows": 1200,
        "new": 1000,
        "updated": 150,
        "unchanged": 50,
    }
    assert rows[1]["unchanged"] == 0


def test_the_json_document_carries_the_format_files_dry_run_marker_and_notes() -> None:
    document = json.loads(to_json(import_view(_loaded())))
    assert document["format"] == "native"
    assert document["dry_run"] is False
    assert document["files"] == ["in/opportunities.csv", "in/stage_events.csv"]
    assert document["notes"] == ["3 stage names mapped by case"]


def test_a_dry_run_is_marked_and_has_no_written_counts() -> None:
    document = json.loads(to_json(import_view(_dry_run())))
    assert document["dry_run"] is True
    assert document["tables"] == [
        {"records": "opportunities", "rows": 2, "new": None, "updated": None, "unchanged": None}
    ]
    assert _terminal(_dry_run()).startswith(
        "Checked (dry run, nothing written): 1 file(s) as salesforce"
    )


def test_csv_carries_plain_counts_without_thousands_separators() -> None:
    lines = to_csv(import_view(_loaded())).splitlines()
    assert lines == [
        "records,rows,new,updated,unchanged",
        "opportunities,1200,1000,150,50",
        "stage_events,5,5,0,0",
    ]


def test_people_read_what_was_done_the_counts_and_each_note() -> None:
    text = _terminal(_loaded())
    assert text.startswith("Imported: 2 file(s) as native\n")
    assert "│ opportunities │ 1200 │ 1000 │     150 │        50 │" in text
    assert text.rstrip().endswith("note: 3 stage names mapped by case")
