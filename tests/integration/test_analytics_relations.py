"""The relations reports read, from SQLite and PostgreSQL, through the log's columnar copy."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.services.deals import correct_stage_event, create_opportunity
from pipefit.services.ports.analytics import AnalyticsSettings
from pipefit.store.analytics import COPY_FOLDER

from .native_files import FILES, write_native
from .workspaces import import_files, new_workspace

PEOPLE = FILES["people.csv"] + "P-ANN,Ann Admin,admin,,1,1,USD,2020-01-01\n"
# A deal in euros (a rate is configured) and one in yen (none is).
OPPORTUNITIES = FILES["opportunities.csv"] + (
    "EURO-DEAL,Euro deal,A-TAILSPIN,,inbound,Discovery,,1000,EUR,P-DANA,,2026-02-01,,,\n"
    "YEN-DEAL,Yen deal,,,inbound,Discovery,,500000,JPY,,,2026-02-02,,,\n"
)
EVENTS = FILES["stage_events.csv"] + (
    "EURO-DEAL,1,,Discovery,,2026-02-01,P-DANA,\nYEN-DEAL,1,,Discovery,,2026-02-02,P-DANA,\n"
)
SETTINGS = AnalyticsSettings("USD", {"EUR": Decimal("1.10")})


def _imported(workspace: Workspace, tmp_path: Path) -> Workspace:
    paths = write_native(
        tmp_path / "files",
        **{"people.csv": PEOPLE, "opportunities.csv": OPPORTUNITIES, "stage_events.csv": EVENTS},
    )
    import_files(workspace, paths)
    return workspace


def _relations(workspace: Workspace) -> tuple[dict[str, pa.Table], Any]:
    app = App(workspace)
    try:
        with app.uow() as uow:
            return uow.analytics.relations(SETTINGS), uow.analytics.last_refresh
    finally:
        app.close()


def _rows(table: pa.Table, *keys: str) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda r: tuple(str(r[k]) for k in keys))


def test_deals_carry_home_amounts_team_segment_and_source(
    workspace: Workspace, tmp_path: Path
) -> None:
    relations, _ = _relations(_imported(workspace, tmp_path))
    deals = {r["opportunity_id"]: r for r in relations["deals"].to_pylist()}
    assert deals["ACME-RENEWAL-Q3"]["amount_home"] == 48000.0
    assert deals["ACME-RENEWAL-Q3"]["team_id"] == "T-EAST"  # Dana's team
    assert deals["ACME-RENEWAL-Q3"]["segment"] == "enterprise"  # 2,500 employees
    assert deals["ACME-RENEWAL-Q3"]["outcome"] == "won"
    assert deals["EURO-DEAL"]["amount_home"] == pytest.approx(1100.0)  # 1,000 EUR x 1.10
    assert deals["YEN-DEAL"]["amount_home"] is None  # no rate for JPY
    assert deals["YEN-DEAL"]["segment"] is None  # no account
    assert deals["ACME-RENEWAL-Q3"]["source"] == "native"  # no lead: the record's source
    quotas = relations["quotas"].to_pylist()
    assert quotas == [
        {
            "owner_kind": "person",
            "owner_id": "P-DANA",
            "period": "2026",
            "period_start": datetime(2026, 1, 1, tzinfo=UTC),
            "period_end": datetime(2027, 1, 1, tzinfo=UTC),
            "amount_home": 1500000.0,
        }
    ]
    acme = [
        e
        for e in _rows(relations["events"], "opportunity_id", "seq")
        if e["opportunity_id"] == "ACME-RENEWAL-Q3"
    ]
    assert [(e["seq"], e["to_stage"], e["category"], e["position"]) for e in acme] == [
        (1, "Discovery", "open", 1),
        (2, "Evaluation", "open", 2),
        (3, "Closed won", "won", acme[2]["position"]),
    ]


def test_sqlite_and_postgresql_hand_over_the_same_relations(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    lite = _imported(new_workspace(tmp_path / "lite"), tmp_path / "a")
    server = _imported(new_workspace(tmp_path / "pg", fresh_postgres_url), tmp_path / "b")
    on_sqlite, _ = _relations(lite)
    on_postgres, _ = _relations(server)
    keys = {
        "deals": ("opportunity_id",),
        "events": ("opportunity_id", "seq"),
        "stages": ("pipeline", "stage"),
        "people": ("person_id",),
        "quotas": ("owner_id", "period"),
    }
    for name, key in keys.items():
        assert on_sqlite[name].schema == on_postgres[name].schema, name
        assert _rows(on_sqlite[name], *key) == _rows(on_postgres[name], *key), name


def test_a_voided_event_is_left_out_and_a_corrected_one_counts_at_its_true_time(
    workspace: Workspace, tmp_path: Path
) -> None:
    _imported(workspace, tmp_path)
    app = App(workspace)
    # ACME: void its move to Evaluation; Tailspin: its Discovery really began on March 1.
    correct_stage_event(
        app.uow(), "ACME-RENEWAL-Q3", 2, reason="never met", actor_id="P-ANN", void=True
    )
    correct_stage_event(
        app.uow(),
        "TAILSPIN-STARTER",
        1,
        reason="entered late",
        actor_id="P-ANN",
        at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    app.close()
    relations, _ = _relations(workspace)
    events = _rows(relations["events"], "opportunity_id", "seq")
    acme = [
        (e["seq"], e["from_stage"], e["to_stage"])
        for e in events
        if e["opportunity_id"] == "ACME-RENEWAL-Q3"
    ]
    assert acme == [(1, None, "Discovery"), (2, "Discovery", "Closed won")]
    tailspin = [e["at"] for e in events if e["opportunity_id"] == "TAILSPIN-STARTER"]
    assert tailspin[0] == datetime(2026, 3, 1, tzinfo=UTC)


def test_the_copy_reads_only_the_events_logged_since_and_deleting_it_changes_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    _imported(workspace, tmp_path)
    first, refresh = _relations(workspace)
    assert (refresh.mode, refresh.read) == ("built", 8)
    again, refresh = _relations(workspace)
    assert (refresh.mode, refresh.read) == ("current", 0)
    assert again["events"].equals(first["events"])
    app = App(workspace)
    for name in ("NEW-1", "NEW-2"):
        create_opportunity(
            app.uow(),
            name,
            pipeline=None,
            default_pipeline="inbound",
            at=datetime(2026, 5, 1, tzinfo=UTC),
        )
    app.close()
    grown, refresh = _relations(workspace)
    assert (refresh.mode, refresh.read) == ("incremental", 2)
    assert grown["events"].num_rows == first["events"].num_rows + 2
    shutil.rmtree(workspace.root / COPY_FOLDER)
    rebuilt, refresh = _relations(workspace)
    assert (refresh.mode, refresh.read) == ("built", 10)
    for name in grown:
        assert rebuilt[name].equals(grown[name]), name
