"""The SQL side of a workspace: migrations and the stored copy of its pipelines."""

from __future__ import annotations

from collections.abc import Sequence

from pipefit.domain.pipeline import Pipeline
from pipefit.store.database import ensure_schema, make_engine, migrate
from pipefit.store.pipelines import save_pipeline

__all__ = ["SqlSchema"]


class SqlSchema:
    """Each call uses its own short-lived engine: it runs before any unit of work exists."""

    def prepare(self, database_url: str, pipelines: Sequence[Pipeline], *, default: str) -> None:
        engine = make_engine(database_url)
        try:
            migrate(engine)
            with engine.begin() as conn:
                for pipeline in pipelines:
                    save_pipeline(conn, pipeline, is_default=pipeline.name == default)
        finally:
            engine.dispose()

    def bring_up_to_date(self, database_url: str) -> None:
        engine = make_engine(database_url)
        try:
            ensure_schema(engine)
        finally:
            engine.dispose()
