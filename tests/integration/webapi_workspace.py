"""A generated company (300 deals, seed 7) on SQLite with one login per role, and the
API over it, for the API tests.

The sample's org chart, as `pipefit generate --seed 7` writes it (checked by
`test_the_sample_org_chart_is_the_one_these_tests_assume`):

    team-001 (manager emp-001): reps emp-003..emp-006, presales emp-013
    team-002 (manager emp-002): reps emp-007..emp-012, presales emp-014
    pool-001: emp-013, covering emp-003..emp-006
    pool-002: emp-014, covering emp-007..emp-012
    emp-015: admin, no team
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipefit.bootstrap import App
from pipefit.sample import FILES, generate
from pipefit.services.users import add_user, issue_token
from pipefit.webapi import create_app

from .workspaces import import_files, new_workspace

TEAM_1 = {"emp-003", "emp-004", "emp-005", "emp-006"}
TEAM_2 = {"emp-007", "emp-008", "emp-009", "emp-010", "emp-011", "emp-012"}
EVERYONE = {f"emp-{i:03d}" for i in range(1, 16)}

# role -> (email, person, owners whose deals it sees (None: all), presales it sees the
# deals of, whose pay it reads (None: everyone's)); derived by hand from the chart above
# and the policy's table (domain/access.py).
ROLES: dict[str, tuple[str, str | None, set[str] | None, set[str], set[str] | None]] = {
    "sales_rep": ("rep@example.com", "emp-003", {"emp-003"}, set(), {"emp-003"}),
    "peer_rep": ("peer@example.com", "emp-007", {"emp-007"}, set(), {"emp-007"}),
    "presales": ("se@example.com", "emp-013", TEAM_1, {"emp-013"}, {"emp-013"}),
    # emp-002 runs team-002: its reps and presales emp-014, and themself
    "manager": (
        "mgr@example.com", "emp-002", TEAM_2 | {"emp-014", "emp-002"},
        TEAM_2 | {"emp-014", "emp-002"}, TEAM_2 | {"emp-014", "emp-002"},
    ),
    "revops": ("ops@example.com", None, None, set(), set()),
    "admin": ("root@example.com", None, None, set(), set()),
    "comp_admin": ("pay@example.com", None, None, set(), None),
}  # fmt: skip


@dataclass
class Api:
    client: TestClient
    app: App
    read: dict[str, dict[str, str]]  # role -> headers with a read token
    write: dict[str, dict[str, str]]  # role -> headers with a write token


def role_of(name: str) -> str:
    return "sales_rep" if name == "peer_rep" else name


@contextmanager
def open_api(root: Path, database_url: str | None = None) -> Iterator[Api]:
    """The sample company in a workspace under `root` (on `database_url`, else SQLite),
    one login per role, and the API over it."""
    folder = root / "sample"
    generate(folder, opportunities=300, seed=7)
    workspace = new_workspace(root / "ws", database_url)
    import_files(workspace, [folder / name for name in FILES])
    app = App(workspace)
    read: dict[str, dict[str, str]] = {}
    write: dict[str, dict[str, str]] = {}
    for name, (email, person, *_) in ROLES.items():
        add_user(app.accounts(), app.uow(), app.password_hasher, email, role_of(name),
                 person_id=person, actor="test")  # fmt: skip
        for scope, into in (("read", read), ("write", write)):
            secret = issue_token(app.accounts(), email, scope=scope, actor="test").secret
            into[name] = {"Authorization": f"Bearer {secret}"}
    try:
        with TestClient(create_app(app), raise_server_exceptions=False) as client:
            yield Api(client, app, read, write)
    finally:
        app.close()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with open_api(tmp_path_factory.mktemp("api")) as opened:
        yield opened
