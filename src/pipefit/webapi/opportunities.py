"""/api/opportunities: list (cursor pages, filters, sort), read (with its version as an
ETag), move, edit, set the forecast category, and the deal's activities. Every change
must carry the version it was decided on (`If-Match`, or a `version` field): a stale one
is a 409 with the current version, a missing one a 428."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from pipefit.services.scoped_deals import (
    MAX_PAGE,
    add_deal_activity,
    deal_activities,
    edit_deal,
    list_deals,
    move_deal,
    override_forecast,
    read_deal,
)
from pipefit.webapi.auth import CurrentLogin, Workspace, WritingLogin
from pipefit.webapi.schemas import (
    ActivityIn,
    DealDetail,
    EditRequest,
    ErrorBody,
    EvidenceOut,
    ForecastRequest,
    ForecastResult,
    MoveRequest,
    MoveResult,
    OpportunityOut,
    OpportunityPage,
    etag,
    version_of,
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


IfMatch = Annotated[
    str | None,
    Header(
        description='The deal\'s version as you read it, as its ETag ("3", or W/"3"); '
        "or send `version` in the body."
    ),
]
CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **UNSEEN,
    403: {"model": ErrorBody, "description": "You may read this deal but not change it."},
    409: {
        "model": ErrorBody,
        "description": "The deal changed since you read it (`conflict`, `current_version`).",
    },
    428: {"model": ErrorBody, "description": "No version sent (If-Match or `version`)."},
}


@router.get(
    "/{opportunity_id}",
    response_model=DealDetail,
    responses={
        **UNSEEN,
        200: {
            "description": "The deal; its ETag header is its version.",
            "headers": {"ETag": {"description": "The deal's version, quoted.",
                                 "schema": {"type": "string"}}},
        },
    },
)  # fmt: skip
def get_opportunity(
    app: Workspace, login: CurrentLogin, opportunity_id: DealId, response: Response
) -> DealDetail:
    """One deal with its stage timeline (time in each state) and its evidence; the ETag
    header carries its version, to send back as If-Match with a change."""
    detail = DealDetail.of(read_deal(app.uow(), login.scope, opportunity_id))
    response.headers["ETag"] = etag(detail.opportunity.version)
    return detail


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
            "changed since you read it (`conflict`, `current_version`).",
        },
        428: CHANGE_ERRORS[428],
    },
)
def move_opportunity(
    app: Workspace,
    login: WritingLogin,
    opportunity_id: DealId,
    move: MoveRequest,
    response: Response,
    if_match: IfMatch = None,
) -> MoveResult:
    """Move a deal to another stage, through the same gates as the CLI, if it is still
    at the version you read (If-Match or `version`). The move and its audit entry are
    written in one transaction."""
    done = move_deal(
        app.uow(), app.accounts(), login.scope, opportunity_id, move.stage,
        expected_version=version_of(if_match, move.version), substate=move.substate,
        reason=move.reason, at=move.at, version_required=True,
    )  # fmt: skip
    response.headers["ETag"] = etag(done.opportunity.version)
    return MoveResult.of(done)


@router.patch(
    "/{opportunity_id}",
    response_model=OpportunityOut,
    responses={**CHANGE_ERRORS, 422: {"model": ErrorBody, "description": "A value is wrong."}},
)
def edit_opportunity(
    app: Workspace,
    login: WritingLogin,
    opportunity_id: DealId,
    edit: EditRequest,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityOut:
    """Change a deal's name, amount or product (only the fields sent), if it is still at
    the version you read. Written with its audit entry in one transaction."""
    changes = edit.model_dump(exclude_unset=True, exclude={"version"})
    done = edit_deal(
        app.uow(), login.scope, opportunity_id,
        expected_version=version_of(if_match, edit.version), changes=changes,
    )  # fmt: skip
    response.headers["ETag"] = etag(done.version)
    return OpportunityOut.of(done)


@router.post(
    "/{opportunity_id}/forecast-category",
    response_model=ForecastResult,
    status_code=201,
    responses={**CHANGE_ERRORS, 422: {"model": ErrorBody, "description": "A value is wrong."}},
)
def set_forecast_category(
    app: Workspace,
    login: WritingLogin,
    opportunity_id: DealId,
    body: ForecastRequest,
    response: Response,
    if_match: IfMatch = None,
) -> ForecastResult:
    """Override an open deal's forecast category (pipeline, best_case, commit, omitted),
    with who (you) and when; earlier overrides are kept. Bumps the deal's version."""
    made, version = override_forecast(
        app.uow(), login.scope, opportunity_id, body.category,
        expected_version=version_of(if_match, body.version), note=body.note,
    )  # fmt: skip
    response.headers["ETag"] = etag(version)
    return ForecastResult.of(made, version)


@router.get("/{opportunity_id}/activities", response_model=list[EvidenceOut], responses=UNSEEN)
def list_activities(
    app: Workspace, login: CurrentLogin, opportunity_id: DealId
) -> list[EvidenceOut]:
    """The activities recorded on a deal you may see (the evidence its gates ask for),
    oldest first."""
    return [EvidenceOut.of(a) for a in deal_activities(app.uow(), login.scope, opportunity_id)]


@router.post(
    "/{opportunity_id}/activities",
    response_model=EvidenceOut,
    status_code=201,
    responses={
        **UNSEEN,
        403: CHANGE_ERRORS[403],
        422: {"model": ErrorBody, "description": "An unknown kind, purpose or party, or a "
              "time ahead of now."},
    },
)  # fmt: skip
def add_activity(
    app: Workspace, login: WritingLogin, opportunity_id: DealId, body: ActivityIn
) -> EvidenceOut:
    """Record evidence on a deal you may change (a meeting booked, accepted by the
    prospect, a demo held), as `pipefit activity add` does. Written with its audit entry
    in one transaction."""
    made = add_deal_activity(
        app.uow(), login.scope, opportunity_id, body.kind, at=body.at, purpose=body.purpose,
        by=body.by, note=body.note,
    )  # fmt: skip
    return EvidenceOut.of(made)
