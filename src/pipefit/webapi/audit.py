"""/api/audit: the audit log, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from pipefit.services.users import MAX_AUDIT, audit_entries
from pipefit.webapi.auth import CurrentLogin, Workspace
from pipefit.webapi.schemas import ErrorBody

__all__ = ["router"]

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditEntryOut(BaseModel):
    """One change made through pipefit."""

    at: datetime = Field(description="When (UTC).")
    actor: str = Field(description="Who: a login's email, or cli:<user> for a command.")
    action: str = Field(description="What: user.add, token.revoke, opportunity.move, ...")
    target: str = Field(description="The record changed (an email, a deal id).")
    before: dict[str, Any] | None = Field(description="The record before (null: new).")
    after: dict[str, Any] | None = Field(description="The record after.")


@router.get(
    "",
    response_model=list[AuditEntryOut],
    responses={403: {"model": ErrorBody, "description": "Only admins read the audit log."}},
)
def read_audit(
    app: Workspace,
    login: CurrentLogin,
    limit: Annotated[int, Query(description="How many of the latest.", ge=1, le=MAX_AUDIT)] = 100,
) -> list[AuditEntryOut]:
    """The latest changes, newest first: who, when, what, before and after."""
    entries = audit_entries(app.accounts(), limit=limit, scope=login.scope)
    return [
        AuditEntryOut(
            at=e.at,
            actor=e.actor,
            action=e.action,
            target=e.target,
            before=e.before,
            after=e.after,
        )
        for e in entries
    ]
