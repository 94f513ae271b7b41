"""What every refusal of the API looks like (its own module, so that the list pages of
`webapi.paging` and the shapes of `webapi.schemas` can both name it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ErrorBody", "ImportProblem"]


class ImportProblem(BaseModel):
    """One rejected value, line or file of an import."""

    file: str = Field(description="The file, as uploaded.")
    row: int | None = Field(
        description="The line the row starts on (the header is line 1); null: the whole file."
    )
    column: str | None = Field(description="The file's own column name; null: the whole row.")
    value: str | None = Field(description="The value refused, as the file holds it.")
    message: str = Field(description="What is wrong with it.")


class ErrorBody(BaseModel):
    """What every refusal looks like."""

    error: str = Field(description="What is wrong and what to do, in the domain's words.")
    field: str | None = Field(
        None, description="The input the error is about (a dotted domain name), if any."
    )
    missing: list[dict[str, Any]] | None = Field(
        None,
        description="For a refused stage move: each requirement not met, with its stage, "
        "gate (entry or exit), kind, purpose, by and description.",
    )
    conflict: bool | None = Field(
        None, description="True when someone else changed the record first: reload, retry."
    )
    current_version: int | None = Field(
        None, description="With a conflict on a deal: its version now (reload it at that)."
    )
    errors: list[ImportProblem] | None = Field(
        None, description="For a refused import: every problem found, none left out."
    )
