"""The workspace summary, computed from grouped rows without a database."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from pipefit.analytics.status import NO_ACCOUNT, summarise
from pipefit.domain.model import StageEvent
from pipefit.services.status import workspace_status
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.status import MemoryStatus
from pipefit.views.status import status_view

from .factories import when

GROUPS = pa.schema(
    [
        ("pipeline", pa.string()),
        ("stage", pa.string()),
        ("segment", pa.string()),
        ("outcome", pa.string()),
        ("currency", pa.string()),
        ("opportunities", pa.int64()),
        ("amount", pa.decimal128(38, 4)),
    ]
)

POSITIONS = {
    ("inbound", "Discovery"): 0,
    ("inbound", "Evaluation"): 1,
    ("inbound", "Closed won"): 6,
    ("inbound", "Closed lost"): 7,
}


def _groups(*rows: tuple[str, str, str | None, str, str, int, str | None]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            dict(zip(GROUPS.names, (*r[:6], None if r[6] is None else Decimal(r[6])), strict=True))
            for r in rows
        ],
        GROUPS,
    )


def _acme() -> pa.Table:
    return _groups(
        ("inbound", "Evaluation", "Enterprise", "open", "USD", 2, "90000"),
        ("inbound", "Discovery", "Enterprise", "open", "USD", 1, "10000"),
        ("inbound", "Discovery", None, "open", "EUR", 3, "1500.50"),
        ("inbound", "Closed won", "SMB", "won", "USD", 4, "20000"),
        ("inbound", "Closed lost", "SMB", "lost", "USD", 1, None),
        ("inbound", "Retired stage", "SMB", "lost", "USD", 1, "5"),
    )


def test_deals_per_stage_add_up_over_segments_and_currencies_in_stage_order() -> None:
    summary = summarise({}, POSITIONS, _acme(), [])
    assert summary.by_stage == {
        "inbound": {
            "Discovery": 4,
            "Evaluation": 2,
            "Closed won": 4,
            "Closed lost": 1,
            "Retired stage": 1,  # no longer in the pipeline: after its stages
        }
    }
    assert list(summary.by_stage["inbound"]) == [
        "Discovery",
        "Evaluation",
        "Closed won",
        "Closed lost",
        "Retired stage",
    ]


def test_deals_without_an_account_are_counted_under_no_account() -> None:
    summary = summarise({}, POSITIONS, _acme(), [])
    assert summary.by_segment == {
        "Enterprise": {"open": 3},
        NO_ACCOUNT: {"open": 3},
        "SMB": {"won": 4, "lost": 2},
    }


def test_open_and_won_amounts_are_summed_per_currency() -> None:
    summary = summarise({}, POSITIONS, _acme(), [])
    assert summary.open_pipeline == {"USD": Decimal("100000"), "EUR": Decimal("1500.50")}
    assert summary.won_amount == {"USD": Decimal("20000")}


def test_an_empty_workspace_has_empty_tables_and_no_amounts() -> None:
    summary = summarise({"opportunities": 0}, {}, _groups(), [])
    assert summary.counts == {"opportunities": 0}
    assert summary.by_stage == {}
    assert summary.by_segment == {}
    assert summary.open_pipeline == {}
    assert summary.won_amount == {}


def _event(opportunity_id: str, day: str, to_stage: str) -> StageEvent:
    return StageEvent(opportunity_id, 2, "Discovery", to_stage, when(day), actor_id="emp-007")


def test_the_status_service_reads_through_the_unit_of_work_and_keeps_the_latest_changes() -> None:
    status = MemoryStatus(
        counts={"opportunities": 11, "stage_events": 40},
        positions=POSITIONS,
        groups=_acme(),
        events=[
            _event("ACME-RENEWAL-Q3", "2026-03-01", "Evaluation"),
            _event("GLOBEX-NEW", "2026-03-04", "Closed won"),
            _event("INITECH-UPSELL", "2026-03-02", "Closed lost"),
        ],
    )
    summary = workspace_status(MemoryUnitOfWork(status=status), recent=2)
    assert summary.counts == {"opportunities": 11, "stage_events": 40}
    assert [e.opportunity_id for e in summary.recent] == ["GLOBEX-NEW", "INITECH-UPSELL"]


def test_the_status_document_carries_plain_numbers_and_iso_times() -> None:
    from pipefit.views import to_json

    summary = summarise(
        {"opportunities": 11},
        POSITIONS,
        _acme(),
        [_event("GLOBEX-NEW", "2026-03-04", "Closed won")],
    )
    text = to_json(status_view(summary, "Acme"))
    assert '"USD": 100000' in text
    assert '"EUR": 1500.5' in text
    assert '"at": "2026-03-04T09:00:00+00:00"' in text
    assert '"by_stage": {\n    "Discovery": 4' in text
