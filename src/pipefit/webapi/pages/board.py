"""/board: the pipeline board. Moving a card goes through the same gate as the CLI; a
refusal is shown in place, on the card, naming the missing evidence (htmx), or on the
board page itself (a plain form, JavaScript off)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request, Response

from pipefit.domain.errors import ConflictError, PipefitError
from pipefit.services.board import StageClock, pipeline_board
from pipefit.services.scoped_deals import MoveRefused, move_deal
from pipefit.webapi.auth import CurrentLogin, Workspace
from pipefit.webapi.errors import status_of
from pipefit.webapi.templating import redirect, render

__all__ = ["router"]

router = APIRouter()

Filter = Annotated[str | None, Query(max_length=100)]


def stage_clock_of(request: Request) -> StageClock:
    """The process's kept stage clock (p90s and stage entries, a minute at most old)."""
    state = request.app.state
    if getattr(state, "stage_clock", None) is None:
        state.stage_clock = StageClock()
    kept: StageClock = state.stage_clock
    return kept


def _filters(owner: str | None, presales: str | None, segment: str | None) -> dict[str, str]:
    return {k: v for k, v in (("owner", owner), ("presales", presales), ("segment", segment)) if v}


def _board_page(
    request: Request, app: Workspace, login: CurrentLogin, filters: dict[str, str],
    *, refusal: dict[str, Any] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    board = pipeline_board(
        app.uow(), app.accounts(), login.scope, app.analytics_settings,
        owner=filters.get("owner"), presales=filters.get("presales"),
        segment=filters.get("segment"), kept=stage_clock_of(request),
    )  # fmt: skip
    back = "/board" + (f"?{urlencode(filters)}" if filters else "")
    shown = {
        card.opportunity.opportunity_id
        for lane in board.lanes
        for column in lane.columns
        for card in column.cards
    }
    return render(
        request, "board.html", status_code=status, board=board, filters=filters, back=back,
        refusal=refusal, shown=shown, scope=login.scope,
    )  # fmt: skip


@router.get("/board")
def board_page(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    owner: Filter = None,
    presales: Filter = None,
    segment: Filter = None,
) -> Response:
    return _board_page(request, app, login, _filters(owner, presales, segment))


def _safe_back(back: str) -> str:
    return back if back.startswith("/board") else "/board"


@router.post("/board/move")
def move_card(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    opportunity_id: Annotated[str, Form(max_length=100)],
    stage: Annotated[str, Form(max_length=100)],
    version: Annotated[int | None, Form()] = None,
    back: Annotated[str, Form(max_length=1000)] = "/board",
) -> Response:
    """Move a card; the gate, the version check and the audit log are move_deal's."""
    target = _safe_back(back)
    try:
        done = move_deal(
            app.uow(), app.accounts(), login.scope, opportunity_id, stage,
            expected_version=version,
        )  # fmt: skip
    except (MoveRefused, ConflictError) as refused:
        missing = refused.missing if isinstance(refused, MoveRefused) else []
        refusal = {
            "opportunity_id": opportunity_id, "stage": stage, "message": refused.message,
            "missing": missing, "conflict": isinstance(refused, ConflictError),
        }  # fmt: skip
        if request.headers.get("hx-request") == "true":
            return render(
                request, "_refusal.html", status_code=409, refusal=refusal,
            )  # fmt: skip
        query = dict(parse_qsl(urlsplit(target).query))
        return _board_page(request, app, login, query, refusal=refusal, status=409)
    except PipefitError as wrong:
        if request.headers.get("hx-request") == "true":
            refusal = {"opportunity_id": opportunity_id, "stage": stage,
                       "message": wrong.message, "missing": [], "conflict": False}  # fmt: skip
            return render(request, "_refusal.html", status_code=status_of(wrong), refusal=refusal)
        raise
    moved = done.opportunity
    return redirect(request, target, flash=f"{moved.opportunity_id} moved to {moved.stage}")
