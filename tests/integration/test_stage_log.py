from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DatabaseError

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.services.deals import create_opportunity
from pipefit.store import tables


def test_the_database_refuses_to_rewrite_or_delete_the_stage_log(workspace: Workspace) -> None:
    app = App(workspace)
    create_opportunity(
        app.uow(),
        "ACME-RENEWAL-Q3",
        pipeline=None,
        default_pipeline="inbound",
        at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    for statement in (
        update(tables.stage_events).values(to_stage="Closed won"),
        delete(tables.stage_events),
    ):
        with pytest.raises(DatabaseError, match="append-only"), app.engine.begin() as conn:
            conn.execute(statement)
    app.close()


def test_an_older_database_is_brought_up_to_date_when_opened(tmp_path: object) -> None:
    from pathlib import Path

    from pipefit.config import default_config_text
    from pipefit.store.database import SCHEMA_HEAD, make_engine, migrate, schema_revision

    root = Path(str(tmp_path)) / "old"
    root.mkdir()
    (root / "pipefit.toml").write_text(default_config_text(), "utf-8")
    engine = make_engine(f"sqlite:///{root / 'pipefit.db'}")
    migrate(engine, "0001")
    assert schema_revision(engine) == "0001"
    App.open(root).close()
    assert schema_revision(engine) == SCHEMA_HEAD
    engine.dispose()
