"""The API's resources and the role walk again, on a workspace in PostgreSQL: the same
sight for every role (lists, counts, single records, pay), the same versions and
conflicts, the same imports. The tests are those of test_api_resources and
test_webapi_roles, collected here over this module's `api`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from ..conftest import with_database
from . import test_api_resources as resources
from . import test_webapi_roles as roles
from .webapi_workspace import Api, open_api

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Api]:
    """The sample company in a new PostgreSQL database, dropped after the module."""
    dbname = f"pipefit_t_{uuid.uuid4().hex[:16]}"
    ident = sql.Identifier(dbname)
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    try:
        with open_api(tmp_path_factory.mktemp("api-pg"), with_database(postgres_url, dbname)) as a:
            yield a
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


for _module in (resources, roles):
    for _name in dir(_module):
        if _name.startswith("test_"):
            globals()[_name] = getattr(_module, _name)
disputed = roles.disputed  # the role walk's fixture, over this module's `api`
