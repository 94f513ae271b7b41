from __future__ import annotations

from pathlib import Path

import pytest

from pipefit.config import Workspace

from .workspaces import new_workspace


@pytest.fixture(params=["sqlite", "postgres"])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Workspace:
    """A fresh workspace on SQLite, and again on the real PostgreSQL server."""
    if request.param == "postgres":
        url = request.getfixturevalue("fresh_postgres_url")
        return new_workspace(tmp_path / "ws", url)
    return new_workspace(tmp_path / "ws")


@pytest.fixture
def sqlite_workspace(tmp_path: Path) -> Workspace:
    return new_workspace(tmp_path / "ws")
