"""/api/opportunities: list (cursor pages, filters, sort), read, move."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from pipefit.services.scoped_deals import MAX_PAGE, list_deals, move_deal, read_deal
from pipefit.webapi.auth import CurrentLogin, Workspace, WritingLogin
from pipefit.webapi.schemas import (
    DealDetail,
    ErrorBody,
    MoveRequest,
    MoveResult,
    OpportunityOut,
    OpportunityPage,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/opportunities", tags=["opportunities"])

DealId = Annotated[str, Path(description="The deal's id.", max_length=100)]
UNSEEN: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such deal, or not one you may see."}
}


@router.get(
    "",
    response_model=OpportunityPage,
    responses={422: {"model": ErrorBody, "description": "A filter, sort or cursor is wrong."}},
)
def list_opportunities(
    app: Workspace,
    login: CurrentLogin,
    owner: Annotated[str | None, Query(description="Only deals owned by this person.")] = None,
    stage: Annotated[str | None, Query(description="Only deals in this stage.")] = None,
    segment: Annotated[
        str | None, Query(description="Only deals of accounts in this segment.")
    ] = None,
    sort: Annotated[
        str,
        Query(description="opportunity_id or created_at; a leading - for descending."),
    ] = "opportunity_id",
    cursor: Annotated[
        str | None, Query(description="The `next_cursor` of the previous page.")
    ] = None,
    limit: Annotated[int, Query(description="Deals per page.", ge=1, le=MAX_PAGE)] = 50,
) -> OpportunityPage:
    """The deals you may see, a page at a time (your role decides which: your own, your
    pool's reps', your team's, or all)."""
    listing = list_deals(
        app.uow(), app.accounts(), login.scope, owner=owner, stage=stage, segment=segment,
        sort=sort, cursor=cursor, limit=limit,
    )  # fmt: skip
    return OpportunityPage(
        items=[OpportunityOut.of(o) for o in listing.page.opportunities],
        total=listing.page.total,
        next_cursor=listing.next_cursor,
    )


@router.get("/{opportunity_id}", response_model=DealDetail, responses=UNSEEN)
def get_opportunity(app: Workspace, login: CurrentLogin, opportunity_id: DealId) -> DealDetail:
    """One deal with its stage timeline (time in each state) and its evidence."""
    return DealDetail.of(read_deal(app.uow(), login.scope, opportunity_id))


@router.post(
    "/{opportunity_id}/moves",
    response_model=MoveResult,
    status_code=201,
    responses={
        **UNSEEN,
        403: {"model": ErrorBody, "description": "You may read this deal but not change it."},
        409: {
            "model": ErrorBody,
            "description": "The gate refused (`missing` names the evidence) or the deal "
            "changed since you read it (`conflict`).",
        },
    },
)
def move_opportunity(
    app: Workspace, login: WritingLogin, opportunity_id: DealId, move: MoveRequest
) -> MoveResult:
    """Move a deal to another stage, through the same gates as the CLI. Written to the
    audit log."""
    done = move_deal(
        app.uow(), app.accounts(), login.scope, opportunity_id, move.stage,
        expected_version=move.version, substate=move.substate, reason=move.reason, at=move.at,
    )  # fmt: skip
    return MoveResult.of(done)
