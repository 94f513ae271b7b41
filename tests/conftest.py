"""Fixtures shared by every test.

- ``shared_data``: the real third-party files in ``../shared/data`` (skipped when they are absent).
- ``postgres_url``: the server of ``scripts/postgres.sh``, which ``make test`` starts.
- ``fresh_postgres_url``: a new, empty database on that server, dropped after the test.

Under CI (``CI=true``) a missing prerequisite fails the test instead of skipping it, so that CI
cannot go green by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()

POSTGRES_URL_VAR = "PIPEFIT_TEST_POSTGRES_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test, or fail it under CI, where a skip would hide a broken setup."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def require_shared_data() -> Path:
    """The path of ``../shared/data``; skips (fails under CI) when it is absent."""
    if not SHARED_DATA.is_dir():
        skip_or_fail(
            "../shared/data is absent (a fresh clone); these tests need the real third-party files"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return require_shared_data()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the server's ``pipefit_test`` database; tests that write use fresh_postgres_url."""
    url = os.environ.get(POSTGRES_URL_VAR, "").strip()
    if not url:
        skip_or_fail(f"{POSTGRES_URL_VAR} is not set; run via make test, which starts PostgreSQL")
    error = None
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as exc:
        error = str(exc).strip()
    if error is not None:
        pytest.fail(
            f"{POSTGRES_URL_VAR} is {url} but no server answers there "
            f"(start one with: bash scripts/postgres.sh start): {error}",
            pytrace=False,
        )
    return url


def with_database(url: str, dbname: str) -> str:
    """``url`` with its database replaced by ``dbname``."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"{POSTGRES_URL_VAR} must be a postgresql:// URL, not {url!r}")
    return urlunsplit(parts._replace(path=f"/{dbname}"))


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """URL of a new, empty database, created for this test and dropped after it."""
    dbname = f"pipefit_t_{uuid.uuid4().hex[:16]}"
    ident = sql.Identifier(dbname)
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    try:
        yield with_database(postgres_url, dbname)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
