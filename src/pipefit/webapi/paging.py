"""Cursor paging of the API's lists, in one place: the `cursor` and `limit` parameters,
the page every list answers (its rows, the total within what the caller sees, the cursor
of the next page) and the 422 a wrong filter, sort, limit or cursor gets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, ClassVar, Generic, Protocol, Self, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from pipefit.services.pages import MAX_PAGE
from pipefit.webapi.error_shapes import ErrorBody

__all__ = ["LIST_ERRORS", "Cursor", "Limit", "Page", "Row"]

Cursor = Annotated[
    str | None,
    Query(description="The `next_cursor` of the previous page (opaque; omit for the first)."),
]
Limit = Annotated[int, Query(description=f"Rows per page (1 to {MAX_PAGE}).", ge=1, le=MAX_PAGE)]

LIST_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "A filter, sort, limit or cursor is wrong."}
}

Row = TypeVar("Row")
Item = TypeVar("Item", bound=BaseModel)


class _Counted(Protocol):
    @property
    def total(self) -> int: ...


class _Listing(Protocol):
    """What the scoped list services answer: a page of rows and the next page's cursor."""

    @property
    def page(self) -> _Counted: ...

    @property
    def next_cursor(self) -> str | None: ...


def _named_rows(schema: dict[str, Any], model: type[Any]) -> None:
    """The page's fields described with its resource's word (the deals of this page)."""
    rows = getattr(model, "rows", "rows")
    fields = schema["properties"]
    fields["items"]["description"] = f"The {rows} of this page, in order."
    fields["total"]["description"] = f"How many {rows} the filters match (within what you see)."


class Page(BaseModel, Generic[Item]):
    """One page of a list: subclassed per resource (`class LeadPage(Page[LeadOut])`, with
    `rows = "leads"`), so the OpenAPI document names and describes each page by its
    resource."""

    model_config = ConfigDict(json_schema_extra=_named_rows)
    rows: ClassVar[str] = "rows"  # what the items are, in the document's words

    items: list[Item] = Field(description="The rows of this page, in order.")
    total: int = Field(description="How many rows the filters match (within what you see).")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )

    @classmethod
    def of(cls, listing: _Listing, rows: Sequence[Row], item: Callable[[Row], Item]) -> Self:
        """The page of `listing` (a scoped list service's answer), its `rows` made items."""
        return cls(
            items=[item(r) for r in rows],
            total=listing.page.total,
            next_cursor=listing.next_cursor,
        )
