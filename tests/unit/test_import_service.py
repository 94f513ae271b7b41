"""The import service against in-memory fakes: what it refuses, and what it writes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from pipefit.domain.imports import FILE, ROW, ImportRejected, Note, RowError
from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline, Stage
from pipefit.domain.segments import Segmentation, SegmentRule
from pipefit.services.imports import ImportDefaults, ImportResult, import_files
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.imports import MemoryBatch, MemoryBatchReader, MemoryImports

from .factories import inbound

FILES = [Path("opportunities.csv"), Path("stage_events.csv")]
DOUBT = Note(
    "3 opportunities name 2 people that are neither in this import nor in the database",
    "the ids are kept as given",
    3,
    ("P-GHOST", "P-NOBODY"),
    "deals.csv",
    "owner_id",
)


def _defaults() -> ImportDefaults:
    return ImportDefaults(
        pipelines={"inbound": inbound()},
        default_pipeline="inbound",
        currency="EUR",
        segmentation=Segmentation(rules=(SegmentRule("SMB", 0),)),
    )


def _opportunities(*ids: str) -> pa.Table:
    return pa.table(
        {
            "opportunity_id": list(ids),
            "stage": ["Discovery"] * len(ids),
            ROW: list(range(2, len(ids) + 2)),
            FILE: ["opportunities.csv"] * len(ids),
        }
    )


def _events(*ids: str) -> pa.Table:
    return pa.table(
        {
            "opportunity_id": list(ids),
            "seq": [1] * len(ids),
            "to_stage": ["Discovery"] * len(ids),
            ROW: list(range(2, len(ids) + 2)),
            FILE: ["stage_events.csv"] * len(ids),
        }
    )


def _batch(**tables: pa.Table) -> MemoryBatch:
    return MemoryBatch(source="native", files=[str(p) for p in FILES], tables=dict(tables))


def _run(
    batch: MemoryBatch, store: MemoryImports | None = None, *, dry_run: bool = False
) -> tuple[ImportResult, MemoryImports]:
    store = store or MemoryImports()
    result = import_files(
        MemoryUnitOfWork(imports=store),
        MemoryBatchReader(batch),
        store,
        _defaults(),
        FILES,
        dry_run=dry_run,
    )
    return result, store


def test_a_clean_batch_is_loaded_once_without_the_bookkeeping_columns() -> None:
    batch = _batch(
        opportunities=_opportunities("ACME-RENEWAL-Q3", "GLOBEX-NEW"),
        stage_events=_events("ACME-RENEWAL-Q3", "GLOBEX-NEW"),
    )
    result, store = _run(batch)
    assert len(store.loads) == 1
    assert store.loads[0]["opportunities"].column_names == ["opportunity_id", "stage"]
    assert store.loads[0]["stage_events"].column_names == ["opportunity_id", "seq", "to_stage"]
    assert result.report is not None
    assert result.report.tables["opportunities"].inserted == 2


def test_the_counts_per_record_type_are_reported() -> None:
    batch = _batch(
        opportunities=_opportunities("ACME-RENEWAL-Q3", "GLOBEX-NEW", "INITECH-UPSELL"),
        stage_events=_events("ACME-RENEWAL-Q3"),
    )
    result, _ = _run(batch)
    assert result.counts == {"opportunities": 3, "stage_events": 1}
    assert result.fmt == "native"
    assert not result.dry_run


def test_a_batch_with_a_bad_row_is_refused_and_nothing_is_written() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    batch.problems.append(RowError("opportunities.csv", 2, "amount", "lots", "is not a number"))
    with pytest.raises(ImportRejected, match=r"opportunities\.csv, row 2, column 'amount'"):
        _run(batch)
    assert batch.errors  # the check ran and found it


def test_a_refused_batch_leaves_the_store_as_it_was() -> None:
    store = MemoryImports(opportunity_ids=["ACME-RENEWAL-Q3"])
    batch = _batch(stage_events=_events("ACME-RENEWAL-Q3"))
    batch.problems.append(RowError("stage_events.csv", 2, "at", "soon", "is not a date"))
    with pytest.raises(ImportRejected):
        _run(batch, store)
    assert store.loads == []
    assert store.opportunity_ids == {"ACME-RENEWAL-Q3"}


def test_a_dry_run_checks_everything_and_writes_nothing() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    result, store = _run(batch, dry_run=True)
    assert result.dry_run
    assert result.counts == {"opportunities": 1}
    assert result.report is None
    assert store.loads == []


def test_notes_are_reported_as_text_and_with_their_counts_and_examples() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    batch.notes.append("dates read as ISO 8601")
    batch.doubts.append(DOUBT)
    result, store = _run(batch)
    assert len(store.loads) == 1
    assert result.findings == [DOUBT]
    assert result.notes == [
        "dates read as ISO 8601",
        "deals.csv, column 'owner_id': 3 opportunities name 2 people that are neither in this "
        "import nor in the database; the ids are kept as given (e.g. P-GHOST, P-NOBODY)",
    ]


def test_a_strict_import_refuses_what_it_would_only_note_and_writes_nothing() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    batch.notes.append("dates read as ISO 8601")  # how files were read is never refused
    batch.doubts.append(DOUBT)
    store = MemoryImports()
    with pytest.raises(ImportRejected) as refused:
        import_files(
            MemoryUnitOfWork(imports=store),
            MemoryBatchReader(batch),
            store,
            _defaults(),
            FILES,
            strict=True,
        )
    assert refused.value.errors == [
        RowError(
            "deals.csv",
            None,
            "owner_id",
            "P-GHOST, P-NOBODY",
            "3 opportunities name 2 people that are neither in this import nor in the "
            "database (a strict import refuses what it would otherwise only note)",
        )
    ]
    assert store.loads == []


def test_a_strict_import_without_notes_loads() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    batch.notes.append("dates read as ISO 8601")
    store = MemoryImports()
    import_files(
        MemoryUnitOfWork(imports=store),
        MemoryBatchReader(batch),
        store,
        _defaults(),
        FILES,
        strict=True,
    )
    assert len(store.loads) == 1


def test_the_checks_run_on_the_clock_the_import_is_given() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    store = MemoryImports()
    moment = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    import_files(
        MemoryUnitOfWork(imports=store),
        MemoryBatchReader(batch),
        store,
        _defaults(),
        FILES,
        now=moment,
    )
    assert batch.checked_at == moment


def test_without_a_clock_the_checks_run_at_the_current_time() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    before = datetime.now(UTC)
    _run(batch)
    assert batch.checked_at is not None
    assert before <= batch.checked_at <= datetime.now(UTC)


def test_the_batch_is_checked_against_stored_and_configured_pipelines() -> None:
    imported = Pipeline("salesforce", (Stage("Prospecting", Category.OPEN),), origin="import")
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    _run(batch, MemoryImports(pipelines={"salesforce": imported}))
    assert batch.checked_against == {
        "pipelines": ["inbound", "salesforce"],
        "default_pipeline": "inbound",
        "currency": "EUR",
    }


def test_a_source_pipeline_named_like_a_configured_one_is_refused() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    batch.pipelines.append(Pipeline("inbound", (Stage("New", Category.OPEN),), origin="import"))
    with pytest.raises(ImportRejected, match=r"name of a pipeline in pipefit\.toml"):
        _run(batch)


def test_a_source_pipeline_travels_with_the_rows_that_use_it() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    batch.pipelines.append(
        Pipeline(
            "hubspot",
            (Stage("New", Category.OPEN), Stage("Won", Category.WON)),
            origin="import",
        )
    )
    _, store = _run(batch)
    loaded = store.loads[0]
    assert loaded["pipelines"].to_pylist() == [
        {"name": "hubspot", "origin": "import", "is_default": False}
    ]
    assert loaded["stages"].to_pylist() == [
        {"pipeline": "hubspot", "name": "New", "position": 0, "category": "open"},
        {"pipeline": "hubspot", "name": "Won", "position": 1, "category": "won"},
    ]


def test_a_load_that_fails_reports_the_failure_and_keeps_nothing() -> None:
    store = MemoryImports()
    store.fail_with = RuntimeError("disk full")
    with pytest.raises(RuntimeError, match="disk full"):
        _run(_batch(opportunities=_opportunities("ACME-RENEWAL-Q3")), store)
    assert store.loads == []


def test_the_reader_is_asked_for_the_files_in_the_given_format_and_encoding() -> None:
    reader = MemoryBatchReader(_batch(opportunities=_opportunities("ACME-RENEWAL-Q3")))
    store = MemoryImports()
    import_files(
        MemoryUnitOfWork(imports=store),
        reader,
        store,
        _defaults(),
        FILES,
        fmt="salesforce",
        date_format="%d/%m/%Y",
        encoding="cp1252",
        decimal=",",
        thousands=".",
    )
    assert reader.asked == [
        {
            "paths": FILES,
            "fmt": "salesforce",
            "mapping": None,
            "date_format": "%d/%m/%Y",
            "encoding": "cp1252",
            "decimal": ",",
            "thousands": ".",
        }
    ]


def test_a_checked_batch_is_handed_to_the_loader_early_and_what_it_staged_closed_after() -> None:
    batch = _batch(
        opportunities=_opportunities("ACME-RENEWAL-Q3"), stage_events=_events("ACME-RENEWAL-Q3")
    )
    _, store = _run(batch)
    # Staged once, before the load, without the bookkeeping columns; closed once loaded.
    assert len(store.staged) == 1
    assert store.staged[0].tables["stage_events"].column_names == [
        "opportunity_id",
        "seq",
        "to_stage",
    ]
    assert store.staged[0].closed
    assert len(store.loads) == 1


def test_what_was_staged_is_closed_when_the_checks_across_records_refuse_the_batch() -> None:
    batch = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    batch.doubts.append(DOUBT)  # found by the checks across records, after staging
    store = MemoryImports()
    with pytest.raises(ImportRejected):
        import_files(
            MemoryUnitOfWork(imports=store),
            MemoryBatchReader(batch),
            store,
            _defaults(),
            FILES,
            strict=True,
        )
    assert [s.closed for s in store.staged] == [True]
    assert store.loads == []


def test_nothing_is_staged_for_a_dry_run_or_for_a_batch_with_bad_rows() -> None:
    _, store = _run(_batch(opportunities=_opportunities("ACME-RENEWAL-Q3")), dry_run=True)
    assert store.staged == []
    bad = _batch(opportunities=_opportunities("ACME-RENEWAL-Q3"))
    bad.problems.append(RowError("opportunities.csv", 2, "amount", "lots", "is not a number"))
    store = MemoryImports()
    with pytest.raises(ImportRejected):
        _run(bad, store)
    assert store.staged == []
