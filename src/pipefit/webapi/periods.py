"""/api/periods: which pay periods are closed (who closed them, when), and closing one
(`pipefit comp close`, comp admins). A closed period's statements stay as they were paid."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from pipefit.services.period_close import ClosedPeriod
from pipefit.services.scoped_closes import ClosedRow, close_pay_period, closed_periods
from pipefit.webapi.auth import CurrentLogin, Workspace, WritingLogin
from pipefit.webapi.error_shapes import ErrorBody
from pipefit.webapi.schemas import money

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["reports and pay"])


class PeriodOut(BaseModel):
    """A closed pay period."""

    period: str = Field(description="The period (2025Q3).")
    closed_by: str = Field(description="Who closed it.")
    closed_at: datetime = Field(description="When (UTC).")
    statements: int | None = Field(
        description="How many people it paid (comp admins only; null for the others)."
    )
    variable_pay: float | None = Field(
        description="The variable pay it paid, everyone's together (comp admins only)."
    )

    @classmethod
    def of(cls, row: ClosedRow) -> PeriodOut:
        return cls(
            period=row.period, closed_by=row.closed_by, closed_at=row.closed_at,
            statements=row.statements, variable_pay=money(row.variable_pay),
        )  # fmt: skip


class SkippedOut(BaseModel):
    """A person the close kept no statement for, and why."""

    person_id: str = Field(description="The person.")
    role: str = Field(description="Their role.")
    reason: str = Field(description="Why no statement was kept (no plan, ...).")


class CloseOut(BaseModel):
    """A period just closed: what was kept."""

    period: str = Field(description="The period closed (2025Q3).")
    closed_by: str = Field(description="Who closed it (your login).")
    closed_at: datetime = Field(description="When (UTC).")
    statements: int = Field(description="How many people's statements were kept.")
    variable_pay: float = Field(description="The variable pay of the period, everyone's.")
    adjustments: int = Field(
        description="Adjustment lines paid in it for changes to earlier closed periods."
    )
    skipped: list[SkippedOut] = Field(description="Who was not paid by it, and why.")

    @classmethod
    def of(cls, done: ClosedPeriod) -> CloseOut:
        c = done.close
        return cls(
            period=c.period, closed_by=c.closed_by, closed_at=c.closed_at,
            statements=c.statements, variable_pay=float(c.variable_pay),
            adjustments=done.adjustments,
            skipped=[SkippedOut(person_id=p, role=r, reason=why) for p, r, why in done.skipped],
        )  # fmt: skip


@router.get("/periods", response_model=list[PeriodOut])
def list_periods(app: Workspace, login: CurrentLogin) -> list[PeriodOut]:
    """The closed pay periods, earliest first: which, by whom, when (what they paid: comp
    admins only)."""
    return [PeriodOut.of(r) for r in closed_periods(app.uow(), login.scope)]


@router.post(
    "/periods/{period}/close",
    response_model=CloseOut,
    status_code=201,
    responses={
        403: {"model": ErrorBody, "description": "Only a comp admin closes a pay period."},
        422: {
            "model": ErrorBody,
            "description": "The period is wrong, already closed, out of order (periods "
            "close in turn), or no statement of it could be made.",
        },
    },
)
def close(
    app: Workspace,
    login: WritingLogin,
    period: Annotated[str, Path(description="The period: 2026, 2026Q3 or 2026-07.", max_length=20)],
) -> CloseOut:
    """Close a pay period as `pipefit comp close` does: everyone's statements of it are
    kept as paid, read back and never recomputed; a later change to it is paid as an
    adjustment in the first open period. Written to the audit log."""
    done = close_pay_period(
        app.uow(), app.accounts(), login.scope, app.compensation, app.currency, period
    )
    return CloseOut.of(done)
