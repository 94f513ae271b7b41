"""Errors found after reading (repeated ids, unknown stages, unknown deals) name the column
as the source calls it, and a repeated id names every place it appears."""

from __future__ import annotations

import pyarrow as pa

from pipefit.domain.imports import FILE, ROW
from pipefit.domain.segments import Segmentation, SegmentRule
from pipefit.io.batch import Batch
from pipefit.io.references import check_references

from .factories import inbound

SEGMENTS = Segmentation(rules=(SegmentRule("SMB", 0),))


def deals(file: str, ids: list[str], stages: list[str], first_row: int = 2) -> pa.Table:
    return pa.table(
        {
            "opportunity_id": ids,
            "stage": stages,
            "pipeline": pa.nulls(len(ids), pa.string()),
            "currency": pa.nulls(len(ids), pa.string()),
            "closed_at": pa.nulls(len(ids), pa.timestamp("us", tz="UTC")),
            ROW: list(range(first_row, first_row + len(ids))),
            FILE: [file] * len(ids),
        }
    )


def check(batch: Batch) -> None:
    batch.check(
        pipelines={"inbound": inbound()},
        default_pipeline="inbound",
        currency="EUR",
        segmentation=SEGMENTS,
    )


def test_an_id_repeated_across_two_files_names_both_places_and_the_source_column() -> None:
    batch = Batch(source="crm")
    batch.add(
        "opportunities", deals("/x/deals-2024.csv", ["ACME-1", "GLOBEX-2"], ["Discovery"] * 2)
    )
    batch.add("opportunities", deals("/x/deals-2025.csv", ["ACME-1"], ["Discovery"], first_row=7))
    batch.name_columns("opportunities", "/x/deals-2025.csv", {"opportunity_id": "Deal - ID"})

    check(batch)

    [error] = batch.errors
    assert (error.file, error.row, error.column, error.value) == (
        "/x/deals-2025.csv",
        7,
        "Deal - ID",
        "ACME-1",
    )
    assert "appears 2 times in this import (deals-2024.csv row 2, deals-2025.csv row 7)" in (
        error.message
    )


def test_an_id_repeated_many_times_names_the_first_five_places_and_counts_the_rest() -> None:
    batch = Batch(source="crm")
    batch.add("opportunities", deals("/x/deals.csv", ["ACME-1"] * 8, ["Discovery"] * 8))

    check(batch)

    [error] = batch.errors
    assert error.column == "opportunity_id"  # pipefit's own layout: the field is the column
    assert "appears 8 times" in error.message
    assert "deals.csv row 6 and 3 more)" in error.message


def test_a_stage_outside_the_pipeline_names_the_source_column() -> None:
    batch = Batch(source="crm")
    batch.add("opportunities", deals("/x/Opportunity.csv", ["0061"], ["Qualifcation"]))
    batch.name_columns("opportunities", "/x/Opportunity.csv", {"stage": "StageName"})

    check(batch)

    [error] = batch.errors
    assert (error.row, error.column, error.value) == (2, "StageName", "Qualifcation")


def test_an_event_or_change_of_an_unknown_deal_is_refused_under_its_source_column() -> None:
    def nothing_stored(record: str, ids: pa.Array) -> pa.Array:
        return pa.array([False] * len(ids), pa.bool_())

    events = pa.table({"opportunity_id": ["NOBODY-1"], ROW: [4], FILE: ["history.csv"]})
    changes = pa.table({"opportunity_id": ["NOBODY-2"], ROW: [7], FILE: ["history.csv"]})
    batch = Batch(source="crm", tables={"stage_events": events, "opportunity_changes": changes})
    for entity in ("stage_events", "opportunity_changes"):
        batch.name_columns(entity, "history.csv", {"opportunity_id": "OppID"})

    check_references(batch, nothing_stored)

    assert sorted((e.file, e.row, e.column, e.value) for e in batch.errors) == [
        ("history.csv", 4, "OppID", "NOBODY-1"),
        ("history.csv", 7, "OppID", "NOBODY-2"),
    ]
