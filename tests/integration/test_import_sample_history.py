"""A generated company's history of expected close dates and amounts lands as written:
`pipefit generate` writes opportunity_changes.csv and expected_close, the native import
reads both (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.csv as pacsv
from sqlalchemy import func, select

from pipefit.config import Workspace
from pipefit.sample import FILES, generate
from pipefit.store import tables

from .workspaces import import_files, query


def test_the_generated_close_date_history_and_expected_closes_are_imported(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "acme"
    generate(folder, opportunities=400, seed=3)
    written = pacsv.read_csv(folder / "opportunity_changes.csv")
    assert written.num_rows > 0
    result = import_files(workspace, [folder / name for name in FILES])
    assert not any("open opportunities had a close date" in n for n in result.notes)
    c = tables.opportunity_changes.c
    stored = dict(query(workspace, select(c.field, func.count()).group_by(c.field)))
    fields = written["field"].to_pylist()
    assert stored == {f: fields.count(f) for f in set(fields)}
    first = written.to_pylist()[0]
    o = tables.opportunities.c
    [(expected,)] = query(
        workspace,
        select(o.expected_close).where(o.opportunity_id == first["opportunity_id"]),
    )
    opps = {
        r["opportunity_id"]: r for r in pacsv.read_csv(folder / "opportunities.csv").to_pylist()
    }
    want = opps[first["opportunity_id"]]["expected_close"]
    assert expected == (
        want if isinstance(want, datetime) else datetime.fromisoformat(want)
    ).astimezone(UTC)
