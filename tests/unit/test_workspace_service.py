"""Preparing and updating a workspace's database, on an in-memory schema."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipefit.domain.errors import PipefitError
from pipefit.services.workspace import prepare_database, update_database
from pipefit.store.memory.workspace import MemorySchema

from .factories import inbound

URL = "sqlite:///work/pipefit.db"


def test_preparing_a_database_hands_the_schema_every_pipeline_and_the_default() -> None:
    schema = MemorySchema()
    renewals = replace(inbound(), name="renewals")

    prepare_database(schema, URL, [inbound(), renewals], default_pipeline="inbound")

    assert schema.prepared == [(URL, ["inbound", "renewals"], "inbound")]


def test_a_database_that_cannot_be_prepared_is_refused_naming_where_it_is() -> None:
    schema = MemorySchema(fail_with=OSError("unable to open database file"))

    with pytest.raises(PipefitError) as refused:
        prepare_database(schema, URL, [inbound()], default_pipeline="inbound")

    assert str(refused.value) == (
        f"could not prepare the database at {URL}: unable to open database file"
    )
    assert schema.prepared == []


def test_updating_a_database_asks_the_schema_to_bring_it_up_to_date() -> None:
    schema = MemorySchema()

    update_database(schema, URL)

    assert schema.updated == [URL]
