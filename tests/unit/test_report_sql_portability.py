"""Every statement a report sends to DuckDB is SQL that SQLGlot reads as DuckDB and writes
as PostgreSQL without an unsupported construct (the report SQL is to be pushed down to
other engines later). The statements are captured by handing each report a connection
that records what it is asked, over the relations of a small generated company."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from pipefit.analytics.engine import connect
from pipefit.analytics.query import ReportQuery
from pipefit.bootstrap import App
from pipefit.sample import FILES, generate
from pipefit.services import imports, reports

NOW = datetime(2026, 1, 1, tzinfo=UTC)
QUERIES = (
    ReportQuery(now=NOW),
    ReportQuery(now=NOW, by=("segment",), period="2025Q2"),
    ReportQuery(now=NOW, as_of=datetime(2025, 3, 31, tzinfo=UTC), where={"segment": ("smb",)}),
)


class Recording:
    """A DuckDB connection that notes every statement sent through `sql` or `execute`."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.statements: list[str] = []

    def sql(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self.statements.append(query)
        return self._con.sql(query, *args, **kwargs)

    def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self.statements.append(query)
        return self._con.execute(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.fixture(scope="module")
def relations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pa.Table]:
    root = tmp_path_factory.mktemp("portable")
    generate(root / "acme", opportunities=400, seed=2)
    app = App.init(root / "ws")
    try:
        imports.import_files(
            app.uow(),
            app.batch_reader,
            app.batch_loader,
            app.import_defaults,
            [root / "acme" / name for name in FILES],
        )
        with app.uow() as uow:
            return uow.analytics.relations(app.analytics_settings)
    finally:
        app.close()


def statements(name: str, relations: dict[str, pa.Table]) -> Iterator[str]:
    module = reports.report_module(name)
    for query in QUERIES:
        if name == "flow" and query.period is None:
            query = ReportQuery(now=NOW, period="2025Q1", by=query.by, where=query.where)
        if query.period is not None and name not in ("flow", "kpis", "friction", "funnel"):
            query = ReportQuery(now=NOW, by=query.by, where=query.where, as_of=query.as_of)
        con = Recording(connect(relations))
        module.run(con, reports.check_query(query, getattr(module, "EXTRA_CUTS", ())))
        yield from con.statements


@pytest.mark.parametrize("name", reports.names())
def test_every_statement_of_the_report_transpiles_from_duckdb_to_postgres(
    name: str, relations: dict[str, pa.Table]
) -> None:
    sent = list(dict.fromkeys(statements(name, relations)))
    assert sent, f"{name} sent no SQL"
    for text in sent:
        tree = sqlglot.parse_one(text, read="duckdb", error_level=ErrorLevel.RAISE)
        # functions SQLGlot does not know would pass through unchanged to the other engine
        unknown = {f.name for f in tree.find_all(exp.Anonymous)}
        assert not unknown, (name, unknown, text[:200])
        [postgres] = sqlglot.transpile(
            text, read="duckdb", write="postgres", unsupported_level=ErrorLevel.RAISE
        )
        # and the statement is already standard enough to be read as PostgreSQL itself
        sqlglot.parse_one(text, read="postgres", error_level=ErrorLevel.RAISE)
        assert postgres
