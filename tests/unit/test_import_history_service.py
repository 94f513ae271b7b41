"""The rule for importing again, as the import service applies it on in-memory fakes:
extend or refuse a stored stage history, record snapshot changes, merge source pipelines."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from pipefit.domain.imports import FILE, ROW, ImportRejected
from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline, Stage
from pipefit.domain.segments import Segmentation, SegmentRule
from pipefit.services.import_history import merge_source_pipelines
from pipefit.services.imports import ImportDefaults, import_files
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.imports import MemoryBatch, MemoryBatchReader, MemoryImports

from .factories import inbound

TIME = pa.timestamp("us", tz="UTC")
JAN_8, JAN_20, FEB_2, MAR_2 = (
    datetime(2026, 1, 8, tzinfo=UTC),
    datetime(2026, 1, 20, tzinfo=UTC),
    datetime(2026, 2, 2, tzinfo=UTC),
    datetime(2026, 3, 2, tzinfo=UTC),
)


def _defaults() -> ImportDefaults:
    return ImportDefaults(
        pipelines={"inbound": inbound()},
        default_pipeline="inbound",
        currency="EUR",
        segmentation=Segmentation(rules=(SegmentRule("SMB", 0),)),
    )


def _events(*rows: tuple[str, str, datetime]) -> pa.Table:
    """Stage events as a checked batch carries them, numbered 1, 2, ... per deal in file
    order (the reader's numbering)."""
    seqs: dict[str, int] = {}
    numbered = []
    for deal, _stage, _at in rows:
        seqs[deal] = seqs.get(deal, 0) + 1
        numbered.append(seqs[deal])
    count = len(rows)
    return pa.table(
        {
            "opportunity_id": [r[0] for r in rows],
            "seq": pa.array(numbered, pa.int64()),
            "from_stage": pa.nulls(count, pa.string()),
            "to_stage": [r[1] for r in rows],
            "substate": pa.nulls(count, pa.string()),
            "at": pa.array([r[2] for r in rows], TIME),
            "actor_id": pa.nulls(count, pa.string()),
            "reason": pa.nulls(count, pa.string()),
            ROW: pa.array(range(2, count + 2), pa.int64()),
            FILE: ["stage_events.csv"] * count,
        }
    )


def _deals(*rows: tuple[str, str, str]) -> pa.Table:
    count = len(rows)
    return pa.table(
        {
            "opportunity_id": [r[0] for r in rows],
            "pipeline": ["inbound"] * count,
            "stage": [r[1] for r in rows],
            "substate": pa.nulls(count, pa.string()),
            "amount": pa.array([Decimal(r[2]) for r in rows], pa.decimal128(18, 4)),
            "currency": ["EUR"] * count,
            "closed_at": pa.nulls(count, TIME),
            ROW: pa.array(range(2, count + 2), pa.int64()),
            FILE: ["opportunities.csv"] * count,
        }
    )


def _import(
    store: MemoryImports, *, snapshot_at: datetime | None = None, **tables: pa.Table
) -> MemoryBatch:
    batch = MemoryBatch(source="native", files=["in.csv"], tables=dict(tables))
    import_files(
        MemoryUnitOfWork(imports=store),
        MemoryBatchReader(batch),
        store,
        _defaults(),
        [Path("in.csv")],
        snapshot_at=snapshot_at,
    )
    return batch


def _stored(store: MemoryImports) -> list[tuple[str, int, str | None, str]]:
    return [
        (e["opportunity_id"], e["seq"], e["to_stage"], e["at"].date().isoformat())
        for e in store.events.to_pylist()
    ]


def test_an_export_that_starts_with_the_stored_history_adds_only_what_comes_after() -> None:
    store = MemoryImports()
    _import(
        store,
        stage_events=_events(("ACME-RENEWAL-Q3", "Discovery", JAN_8)),
        opportunities=_deals(("ACME-RENEWAL-Q3", "Discovery", "100")),
    )
    newer = _import(
        store,
        opportunities=_deals(("ACME-RENEWAL-Q3", "Evaluation", "100")),
        stage_events=_events(
            ("ACME-RENEWAL-Q3", "Discovery", JAN_8), ("ACME-RENEWAL-Q3", "Evaluation", FEB_2)
        ),
    )
    assert _stored(store) == [
        ("ACME-RENEWAL-Q3", 1, "Discovery", "2026-01-08"),
        ("ACME-RENEWAL-Q3", 2, "Evaluation", "2026-02-02"),
    ]
    loaded = store.loads[-1]["stage_events"].to_pylist()
    assert [(e["seq"], e["from_stage"]) for e in loaded] == [(1, None), (2, "Discovery")]
    assert newer.errors == []


def test_an_incremental_export_is_numbered_after_the_stored_history() -> None:
    store = MemoryImports()
    _import(
        store,
        opportunities=_deals(("ACME-RENEWAL-Q3", "Evaluation", "100")),
        stage_events=_events(
            ("ACME-RENEWAL-Q3", "Discovery", JAN_8), ("ACME-RENEWAL-Q3", "Evaluation", FEB_2)
        ),
    )
    _import(store, stage_events=_events(("ACME-RENEWAL-Q3", "Formal proposal", MAR_2)))
    (added,) = store.loads[-1]["stage_events"].to_pylist()
    assert (added["seq"], added["from_stage"], added["to_stage"]) == (
        3,
        "Evaluation",
        "Formal proposal",
    )


def test_a_contradicting_history_is_refused_with_the_deals_and_nothing_is_loaded() -> None:
    store = MemoryImports()
    _import(
        store,
        opportunities=_deals(
            ("ACME-RENEWAL-Q3", "Evaluation", "100"), ("GLOBEX-NEW", "Discovery", "5")
        ),
        stage_events=_events(
            ("ACME-RENEWAL-Q3", "Discovery", JAN_8),
            ("ACME-RENEWAL-Q3", "Evaluation", FEB_2),
            ("GLOBEX-NEW", "Discovery", JAN_8),
        ),
    )
    loads = len(store.loads)
    with pytest.raises(ImportRejected) as refused:
        _import(
            store,
            stage_events=_events(
                ("ACME-RENEWAL-Q3", "Discovery", JAN_8),
                ("ACME-RENEWAL-Q3", "Formal proposal", JAN_20),  # before Feb 2, not stored
                ("GLOBEX-NEW", "Evaluation", JAN_8),  # another stage at a stored time
            ),
        )
    assert [(e.value, e.row) for e in refused.value.errors] == [
        ("ACME-RENEWAL-Q3", 3),
        ("GLOBEX-NEW", 4),
    ]
    assert len(store.loads) == loads


def test_a_deal_whose_stage_changed_between_exports_gets_a_snapshot_move() -> None:
    store = MemoryImports()
    _import(
        store,
        opportunities=_deals(("ACME-RENEWAL-Q3", "Discovery", "100")),
        stage_events=_events(("ACME-RENEWAL-Q3", "Discovery", JAN_8)),
    )
    batch = _import(
        store, opportunities=_deals(("ACME-RENEWAL-Q3", "Evaluation", "120")), snapshot_at=MAR_2
    )
    (event,) = store.loads[-1]["stage_events"].to_pylist()
    assert (event["seq"], event["from_stage"], event["to_stage"], event["at"], event["source"]) == (
        2,
        "Discovery",
        "Evaluation",
        MAR_2,
        "snapshot",
    )
    (change,) = store.loads[-1]["opportunity_changes"].to_pylist()
    assert (change["field"], change["old_amount"], change["new_amount"]) == (
        "amount",
        Decimal(100),
        Decimal(120),
    )
    assert any(
        "(declared): 1 stage move (source snapshot), 1 amount change" in n for n in batch.notes
    )


def test_a_source_pipeline_imported_again_keeps_its_stored_order_and_places_new_stages() -> None:
    def pipeline(*names: str) -> Pipeline:
        return Pipeline(
            "salesforce",
            tuple(Stage(n, Category.WON if n == "Closed Won" else Category.OPEN) for n in names),
            origin="salesforce",
        )

    stored = {"salesforce": pipeline("Prospecting", "Qualification", "Negotiation", "Closed Won")}
    brought = [pipeline("Qualification", "Demo", "Closed Won")]
    (merged,) = merge_source_pipelines(brought, stored)
    assert [s.name for s in merged.stages] == [
        "Prospecting",
        "Qualification",
        "Demo",
        "Negotiation",
        "Closed Won",
    ]
