"""/api/disputes and a statement's disputes: a person disputes a line of their own
statement (with a note), a comp admin resolves it; the same services as the statement
pages, so the same refusals (a closed period is read-only; a statement one may not read
is not found, worded as for an unknown person)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from pipefit.domain.disputes import NOTE_LIMIT, Dispute
from pipefit.services.disputes import (
    open_disputes,
    raise_dispute,
    resolve_dispute,
    statement_disputes,
)
from pipefit.webapi.auth import CurrentLogin, Workspace, WritingLogin
from pipefit.webapi.error_shapes import ErrorBody

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["reports and pay"])

PersonId = Annotated[str, Path(description="Whose statement (a person id).", max_length=100)]
PeriodText = Annotated[str, Path(description="The period: 2026, 2026Q3 or 2026-07.", max_length=20)]
UNREAD: dict[int | str, dict[str, Any]] = {
    404: {
        "model": ErrorBody,
        "description": "No such person, or one whose pay you may not read (the same answer, "
        "so that who exists does not leak).",
    },
    422: {"model": ErrorBody, "description": "The period is wrong."},
}


class DisputeOut(BaseModel):
    """A disputed line of a pay statement, open or resolved."""

    dispute_id: int = Field(description="The dispute's number.")
    person_id: str = Field(description="Whose statement (a person id).")
    period: str = Field(description="The statement's period (2025Q3).")
    line: str = Field(description="The line: deal:<opportunity id> or pay:<n> (from 1).")
    line_text: str = Field(description="The line as the statement showed it when disputed.")
    note: str = Field(description="What the person says is wrong.")
    raised_by: str = Field(description="The login that raised it (an email).")
    raised_at: datetime = Field(description="When it was raised (UTC).")
    status: str = Field(description="open or resolved.")
    resolution: str | None = Field(description="The comp admin's note, once resolved.")
    resolved_by: str | None = Field(description="The comp admin who resolved it (an email).")
    resolved_at: datetime | None = Field(description="When it was resolved (UTC).")

    @classmethod
    def of(cls, d: Dispute) -> DisputeOut:
        return cls(
            dispute_id=d.dispute_id or 0, person_id=d.person_id, period=d.period, line=d.line,
            line_text=d.line_text, note=d.note, raised_by=d.raised_by, raised_at=d.raised_at,
            status=str(d.status), resolution=d.resolution, resolved_by=d.resolved_by,
            resolved_at=d.resolved_at,
        )  # fmt: skip


class DisputeIn(BaseModel):
    """A line of your own statement that you say is wrong."""

    line: str = Field(
        description="The line: deal:<opportunity id> for a credited deal, pay:<n> for the "
        "n-th pay line (from 1).",
        max_length=200,
    )
    note: str = Field(description="What is wrong with it.", max_length=NOTE_LIMIT * 2)


class ResolutionIn(BaseModel):
    """How a comp admin settled a dispute."""

    resolution: str = Field(
        description="What was found and done (kept with the dispute).", max_length=NOTE_LIMIT * 2
    )


@router.get("/disputes", response_model=list[DisputeOut])
def list_open_disputes(app: Workspace, login: CurrentLogin) -> list[DisputeOut]:
    """The open disputes of the statements you may read: your own, your people's as their
    manager, everyone's as a comp admin; oldest first."""
    return [DisputeOut.of(d) for d in open_disputes(app.disputes(), login.scope)]


@router.get(
    "/statements/{person_id}/{period}/disputes", response_model=list[DisputeOut], responses=UNREAD
)
def list_statement_disputes(
    app: Workspace, login: CurrentLogin, person_id: PersonId, period: PeriodText
) -> list[DisputeOut]:
    """A statement's disputes, open and resolved, for whoever may read the statement."""
    found = statement_disputes(app.disputes(), login.scope, person_id, period)
    return [DisputeOut.of(d) for d in found]


@router.post(
    "/statements/{person_id}/{period}/disputes",
    response_model=DisputeOut,
    status_code=201,
    responses={
        **UNREAD,
        403: {
            "model": ErrorBody,
            "description": "Not your statement (only its person disputes a line), or a "
            "token that may only read.",
        },
        422: {
            "model": ErrorBody,
            "description": "The period is closed (read-only), or is wrong, or the note is "
            "missing or too long.",
        },
    },
)
def dispute_line(
    app: Workspace,
    login: WritingLogin,
    person_id: PersonId,
    period: PeriodText,
    body: DisputeIn,
) -> DisputeOut:
    """Dispute a line of your own statement of an open period, with a note. Written to
    the audit log."""
    made = raise_dispute(
        app.disputes(), app.uow(), login.scope, app.compensation, app.currency,
        person_id=person_id, period=period, line=body.line, note=body.note,
    )  # fmt: skip
    return DisputeOut.of(made)


@router.post(
    "/disputes/{dispute_id}/resolution",
    response_model=DisputeOut,
    responses={
        403: {"model": ErrorBody, "description": "Only a comp admin resolves a dispute."},
        404: {"model": ErrorBody, "description": "No such dispute."},
        409: {"model": ErrorBody, "description": "The dispute is already resolved."},
        422: {"model": ErrorBody, "description": "The resolution is missing or too long."},
    },
)
def resolve(
    app: Workspace,
    login: WritingLogin,
    dispute_id: Annotated[int, Path(description="The dispute's number.", ge=1, le=2**31 - 1)],
    body: ResolutionIn,
) -> DisputeOut:
    """Resolve an open dispute with a note (comp admins, once). Written to the audit log."""
    return DisputeOut.of(resolve_dispute(app.disputes(), login.scope, dispute_id, body.resolution))
