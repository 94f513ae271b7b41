"""The columnar copies of the relations reports read (`.pipefit/analytics`): a copy is
used only for the state of the database it was read from, brought up to date by what
changed, and deleting it changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipefit.analytics.engine import Parquet
from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.services.deals import advance_stage, correct_stage_event
from pipefit.services.ports.analytics import AnalyticsSettings
from pipefit.store.analytics import COPY_FOLDER

from .native_files import FILES, write_native
from .workspaces import import_files

SETTINGS = AnalyticsSettings("USD", {"EUR": Decimal("1.10")})
PEOPLE = FILES["people.csv"] + "P-ANN,Ann Admin,admin,,1,1,USD,2020-01-01\n"
OPPORTUNITIES = FILES["opportunities.csv"] + (
    "EURO-DEAL,Euro deal,A-TAILSPIN,,inbound,Discovery,,1000,EUR,P-DANA,,2026-02-01,,,\n"
)
EVENTS = FILES["stage_events.csv"] + "EURO-DEAL,1,,Discovery,,2026-02-01,P-DANA,\n"
HEADER = "opportunity_id,seq,from_stage,to_stage,substate,at,actor_id,reason\n"


def _imported(workspace: Workspace, tmp_path: Path, **files: str) -> Workspace:
    contents = {
        "people.csv": PEOPLE,
        "opportunities.csv": OPPORTUNITIES,
        "stage_events.csv": EVENTS,
        "activities.csv": FILES.get(
            "activities.csv",
            "activity_id,opportunity_id,kind,at\nACT-1,ACME-RENEWAL-Q3,demo_held,2026-02-02\n",
        ),
    }
    import_files(workspace, write_native(tmp_path / "files", **contents))
    if files:
        import_files(workspace, write_native(tmp_path / "more", **files))
    return workspace


def _read(workspace: Workspace) -> tuple[dict[str, pa.Table], list[str]]:
    """Every relation (as reports get them) and which copies were made afresh."""
    app = App(workspace)
    try:
        with app.uow() as uow:
            sources = uow.analytics.sources(SETTINGS)
            tables = uow.analytics.relations(SETTINGS)
            return tables, sorted(set(uow.analytics.copied)) if sources else []
    finally:
        app.close()


def _deal(tables: dict[str, pa.Table], opportunity_id: str) -> dict[str, Any]:
    return next(r for r in tables["deals"].to_pylist() if r["opportunity_id"] == opportunity_id)


def _assert_as_fresh(workspace: Workspace, tables: dict[str, pa.Table]) -> None:
    shutil.rmtree(workspace.root / COPY_FOLDER)
    fresh, _ = _read(workspace)
    for name in fresh:
        assert fresh[name].equals(tables[name]), name


def test_reports_read_the_big_relations_from_parquet_copies_made_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    _imported(workspace, tmp_path)
    app = App(workspace)
    try:
        with app.uow() as uow:
            sources = uow.analytics.sources(SETTINGS)
            first = sorted(set(uow.analytics.copied))
        with app.uow() as uow:
            uow.analytics.sources(SETTINGS)
            again = uow.analytics.copied
    finally:
        app.close()
    for name in ("deals", "events", "leads", "activities", "changes", "customers"):
        assert isinstance(sources[name], Parquet), name
    assert isinstance(sources["stages"], pa.Table)  # small: read each time
    assert first == ["activities", "changes", "customers", "deals", "events", "leads"]
    assert again == []  # nothing changed: every copy is used as it is


def test_a_stage_move_reaches_the_deal_and_the_log_and_only_they_are_copied_again(
    workspace: Workspace, tmp_path: Path
) -> None:
    _imported(workspace, tmp_path)
    _read(workspace)
    app = App(workspace)
    advance_stage(
        app.uow(),
        "EURO-DEAL",
        "Closed lost",
        at=datetime(2026, 3, 1, tzinfo=UTC),
        reason="went quiet",
    )
    app.close()

    tables, copied = _read(workspace)

    assert copied == ["deals", "events"]
    assert _deal(tables, "EURO-DEAL")["outcome"] == "lost"
    euro = [e for e in tables["events"].to_pylist() if e["opportunity_id"] == "EURO-DEAL"]
    assert [(e["seq"], e["to_stage"], e["category"]) for e in euro] == [
        (1, "Discovery", "open"),
        (2, "Closed lost", "lost"),
    ]
    _assert_as_fresh(workspace, tables)


def test_new_events_imported_alone_copy_neither_leads_nor_activities_again(
    workspace: Workspace, tmp_path: Path
) -> None:
    _imported(workspace, tmp_path)
    _read(workspace)
    more = HEADER + "EURO-DEAL,2,Discovery,Evaluation,,2026-02-10,P-DANA,\n"
    import_files(workspace, write_native(tmp_path / "new", **{"stage_events.csv": more}))

    tables, copied = _read(workspace)

    assert copied == ["deals", "events"]
    euro = [
        e["to_stage"] for e in tables["events"].to_pylist() if e["opportunity_id"] == "EURO-DEAL"
    ]
    assert euro == ["Discovery", "Evaluation"]
    _assert_as_fresh(workspace, tables)


def test_an_import_that_changes_a_deal_is_seen_though_it_adds_no_row(
    workspace: Workspace, tmp_path: Path
) -> None:
    _imported(workspace, tmp_path)
    before, _ = _read(workspace)
    assert _deal(before, "EURO-DEAL")["amount"] == Decimal("1000")
    changed = OPPORTUNITIES.replace(",1000,EUR,", ",2500,EUR,")
    import_files(workspace, write_native(tmp_path / "re", **{"opportunities.csv": changed}))

    tables, copied = _read(workspace)

    assert "deals" in copied and "leads" not in copied
    assert _deal(tables, "EURO-DEAL")["amount"] == Decimal("2500")
    assert _deal(tables, "EURO-DEAL")["amount_home"] == 2500 * 1.10  # EUR at 1.10
    _assert_as_fresh(workspace, tables)


def test_a_correction_after_the_copy_was_made_is_applied(
    workspace: Workspace, tmp_path: Path
) -> None:
    _imported(workspace, tmp_path)
    _read(workspace)
    app = App(workspace)
    correct_stage_event(
        app.uow(), "ACME-RENEWAL-Q3", 2, reason="never met", actor_id="P-ANN", void=True
    )
    app.close()

    tables, copied = _read(workspace)

    assert "events" in copied
    acme = [
        e["to_stage"]
        for e in tables["events"].to_pylist()
        if e["opportunity_id"] == "ACME-RENEWAL-Q3"
    ]
    assert acme == ["Discovery", "Closed won"]  # the voided move to Evaluation is gone
    _assert_as_fresh(workspace, tables)


def test_other_rates_give_other_home_amounts_from_the_same_database(
    workspace: Workspace, tmp_path: Path
) -> None:
    _imported(workspace, tmp_path)
    _read(workspace)
    app = App(workspace)
    try:
        with app.uow() as uow:
            deals = uow.analytics.relations(AnalyticsSettings("USD", {"EUR": Decimal("2")}))
    finally:
        app.close()
    euro = next(r for r in deals["deals"].to_pylist() if r["opportunity_id"] == "EURO-DEAL")
    assert euro["amount_home"] == 2000.0  # 1,000 EUR x 2


def test_where_no_copy_can_be_written_the_relations_are_read_from_the_database_with_a_note(
    workspace: Workspace, tmp_path: Path
) -> None:
    _imported(workspace, tmp_path)
    expected, _ = _read(workspace)
    shutil.rmtree(workspace.root / COPY_FOLDER)
    (workspace.root / COPY_FOLDER).write_text("not a folder")  # nothing can go in it
    app = App(workspace)
    try:
        with app.uow() as uow:
            sources = uow.analytics.sources(SETTINGS)
            notes = uow.analytics.notes()
            tables = uow.analytics.relations(SETTINGS)
    finally:
        app.close()
    assert all(isinstance(s, pa.Table) for s in sources.values())
    assert any("could not be written" in n for n in notes)
    for name in expected:
        assert tables[name].equals(expected[name]), name
