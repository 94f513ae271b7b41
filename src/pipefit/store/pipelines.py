"""Pipelines kept in the database: the workspace's own and those imports bring along."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, delete, insert, select

from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline, Stage
from pipefit.store.tables import pipelines as pipelines_table
from pipefit.store.tables import stages as stages_table

__all__ = ["load_stored_pipelines", "save_pipeline"]


def load_stored_pipelines(connection: Connection) -> dict[str, Pipeline]:
    """Stages and categories as stored (triggers live in pipefit.toml, not here)."""
    origin = {
        row.name: row.origin
        for row in connection.execute(select(pipelines_table.c.name, pipelines_table.c.origin))
    }
    grouped: dict[str, list[Stage]] = defaultdict(list)
    rows = connection.execute(
        select(stages_table).order_by(stages_table.c.pipeline, stages_table.c.position)
    )
    for row in rows:
        grouped[row.pipeline].append(Stage(name=row.name, category=Category(row.category)))
    return {
        name: Pipeline(name=name, stages=tuple(stages), origin=origin.get(name, "import"))
        for name, stages in grouped.items()
    }


def save_pipeline(connection: Connection, pipeline: Pipeline, *, is_default: bool) -> None:
    """Replace the stored stage list of a pipeline with this one."""
    connection.execute(delete(stages_table).where(stages_table.c.pipeline == pipeline.name))
    connection.execute(delete(pipelines_table).where(pipelines_table.c.name == pipeline.name))
    connection.execute(
        insert(pipelines_table).values(
            name=pipeline.name, origin=pipeline.origin, is_default=is_default
        )
    )
    connection.execute(
        insert(stages_table),
        [
            {"pipeline": pipeline.name, "name": s.name, "position": i, "category": str(s.category)}
            for i, s in enumerate(pipeline.stages)
        ],
    )
