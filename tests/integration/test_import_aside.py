"""Big tables written aside while an import is checked (store.aside): the database ends
up exactly as a direct write leaves it, a table a check changes afterwards is written
directly, and a refused import leaves neither rows nor scratch files."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pipefit.config import Workspace
from pipefit.io.errors import ImportRejected
from pipefit.store import aside, bulk, tables

from .native_files import FILES, write_native
from .workspaces import import_files, new_workspace, query, table_counts


@pytest.fixture
def copied(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Every table of these small files goes aside (as the biggest of a million rows
    would); the names of the tables copied from aside into the database, in order."""
    monkeypatch.setattr(aside, "ASIDE_MIN_ROWS", 1)
    monkeypatch.setattr(aside, "ASIDE_TABLES", 100)
    monkeypatch.setattr(aside, "spare_core", lambda: True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    names: list[str] = []
    real = bulk._copy_aside

    def spy(cursor: Any, name: str, path: str, rows: int) -> None:
        names.append(name)
        real(cursor, name, path, rows)

    monkeypatch.setattr(bulk, "_copy_aside", spy)
    return names


def _stored(workspace: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    return {
        name: sorted(tuple(r) for r in query(workspace, select(getattr(tables, name))))
        for name in ("opportunities", "stage_events", "accounts", "people", "quotas")
    }


def _written_directly(tmp_path: Path, files: list[Path]) -> dict[str, list[tuple[Any, ...]]]:
    """What the same files give when nothing goes aside."""
    workspace = new_workspace(tmp_path / "direct")
    threshold = aside.ASIDE_MIN_ROWS
    aside.ASIDE_MIN_ROWS = 10**12
    try:
        import_files(workspace, files)
    finally:
        aside.ASIDE_MIN_ROWS = threshold
    return _stored(workspace)


def test_tables_copied_from_aside_are_stored_exactly_as_a_direct_write_stores_them(
    copied: list[str], tmp_path: Path
) -> None:
    files = write_native(tmp_path / "in")
    workspace = new_workspace(tmp_path / "ws")
    import_files(workspace, files)
    assert "stage_events" in copied and "opportunities" in copied
    stored = _stored(workspace)
    copied.clear()
    assert stored == _written_directly(tmp_path, files)
    assert copied == []
    # The stage log is numbered 1..6 in the order it was written, as a direct write does.
    assert sorted(r.logged for r in query(workspace, select(tables.stage_events))) == [
        1, 2, 3, 4, 5, 6
    ]  # fmt: skip
    assert list((tmp_path / "scratch").iterdir()) == []


def test_a_table_a_check_changes_after_it_went_aside_is_written_directly(
    copied: list[str], tmp_path: Path
) -> None:
    # The close date falls before the deal's last event (2026-04-19 16:40): the checks
    # across records move it there, after the deals went aside.
    early = FILES["opportunities.csv"].replace(
        "2026-04-19T16:40:00Z,,Platform", "2026-04-10,,Platform"
    )
    files = write_native(tmp_path / "in", **{"opportunities.csv": early})
    workspace = new_workspace(tmp_path / "ws")
    result = import_files(workspace, files)
    assert "opportunities" not in copied and "stage_events" in copied
    assert any("last" in note for note in result.notes)
    closed = query(
        workspace,
        select(tables.opportunities.c.closed_at).where(
            tables.opportunities.c.opportunity_id == "ACME-RENEWAL-Q3"
        ),
    )
    assert closed[0][0].isoformat() == "2026-04-19T16:40:00+00:00"
    copied.clear()
    assert _stored(workspace) == _written_directly(tmp_path, files)
    assert copied == []


def test_an_import_refused_after_its_tables_went_aside_writes_nothing_and_leaves_no_files(
    copied: list[str], tmp_path: Path
) -> None:
    # An account no file and no database holds: refused by the checks across records.
    unknown = FILES["opportunities.csv"].replace("A-TAILSPIN,,inbound", "A-NOWHERE,,inbound")
    files = write_native(tmp_path / "in", **{"opportunities.csv": unknown})
    workspace = new_workspace(tmp_path / "ws")
    with pytest.raises(ImportRejected, match="A-NOWHERE"):
        import_files(workspace, files)
    assert copied == []
    assert set(table_counts(workspace).values()) == {0}
    assert list((tmp_path / "scratch").iterdir()) == []


def test_an_import_into_tables_that_hold_rows_does_not_copy_from_aside(
    copied: list[str], tmp_path: Path
) -> None:
    files = write_native(tmp_path / "in")
    workspace = new_workspace(tmp_path / "ws")
    import_files(workspace, files)
    before = _stored(workspace)
    copied.clear()
    import_files(workspace, files)
    assert copied == []
    assert _stored(workspace) == before


def test_a_copy_the_load_stops_part_way_gives_the_rest_straight_in_numbered_on(
    copied: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Two rows at a time, and the copy stops after the first two, as when the load comes
    # to the table while its copy is still being written.
    monkeypatch.setattr(aside, "ASIDE_BATCH_ROWS", 2)
    monkeypatch.setattr(aside.AsideCopies, "_go_on", lambda self, copy: copy.written < 2)
    files = write_native(tmp_path / "in")
    workspace = new_workspace(tmp_path / "ws")
    import_files(workspace, files)
    assert "stage_events" in copied
    stored = _stored(workspace)
    copied.clear()
    assert stored == _written_directly(tmp_path, files)
    assert sorted(r.logged for r in query(workspace, select(tables.stage_events))) == [
        1, 2, 3, 4, 5, 6
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("idle", "cores", "spare"),
    [
        (2.0, 2, True),
        (1.6, 2, True),
        (1.0, 2, False),
        (0.2, 2, False),
        (3.0, 8, True),
        (1.0, 1, False),
    ],
)
def test_a_table_goes_aside_only_while_two_cores_are_idle(
    monkeypatch: pytest.MonkeyPatch, idle: float, cores: int, spare: bool
) -> None:
    monkeypatch.setattr(aside, "idle_cores", lambda seconds: idle)
    monkeypatch.setattr(aside.os, "cpu_count", lambda: cores)
    assert aside.spare_core() is spare


def test_idle_cores_are_read_from_the_machine() -> None:
    assert 0.0 <= aside.idle_cores(0.01) <= (aside.os.cpu_count() or 1) + 0.01
