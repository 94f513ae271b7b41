"""/board: the pipeline board. Moving a card goes through the same gate as the CLI; a
refusal is shown in place, on the card, naming the missing evidence (htmx), or on the
board page itself (a plain form, JavaScript off)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request, Response
from markupsafe import Markup

from pipefit.domain.errors import ConflictError, PipefitError
from pipefit.services.board import pipeline_board
from pipefit.services.scoped_deals import MoveRefused, move_deal
from pipefit.webapi.auth import CurrentLogin, KeptResults, Workspace, version_of
from pipefit.webapi.errors import status_of
from pipefit.webapi.templating import kept_fragment, redirect, render

__all__ = ["router"]

router = APIRouter()

Filter = Annotated[str | None, Query(max_length=100)]
CHOICE_LIMIT = 200  # longer lists of people are a text field (a name or an id) instead


def _filters(owner: str | None, presales: str | None, segment: str | None) -> dict[str, str]:
    return {k: v for k, v in (("owner", owner), ("presales", presales), ("segment", segment)) if v}


def _board_page(
    request: Request, app: Workspace, login: CurrentLogin, kept: KeptResults,
    filters: dict[str, str], *, refusal: dict[str, Any] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    scope = login.scope
    board = pipeline_board(
        app.uow(), app.accounts(), scope, app.analytics_settings,
        owner=filters.get("owner"), presales=filters.get("presales"),
        segment=filters.get("segment"), kept=kept, version=version_of(request, app),
    )  # fmt: skip
    back = "/board" + (f"?{urlencode(filters)}" if filters else "")
    shown = {
        card.opportunity.opportunity_id
        for lane in board.lanes
        for column in lane.columns
        for card in column.cards
    }
    lanes_html: Markup | None = None
    if refusal is None:
        # The cards are the bulk of the page: drawn once per state of the data, for
        # whoever sees and edits the same deals and people, at most a minute old (the
        # time in stage), the CSRF token put in per request (the rest of the page is not).
        sees = (scope.deal_owners, scope.deal_presales, scope.people)
        edits = (scope.edit_owners, scope.edit_presales)
        lanes_html = kept_fragment(
            kept, ("board-html", tuple(sorted(filters.items())), sees, edits),
            version_of(request, app), "_board_lanes.html", login.csrf_token, max_age=60,
            board=board, back=back, scope=scope, refusal=None,
        )  # fmt: skip
    return render(
        request, "board.html", status_code=status, board=board, filters=filters, back=back,
        refusal=refusal, shown=shown, scope=scope, lanes_html=lanes_html,
        choice_limit=CHOICE_LIMIT,
    )  # fmt: skip


@router.get("/board")
def board_page(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    kept: KeptResults,
    owner: Filter = None,
    presales: Filter = None,
    segment: Filter = None,
) -> Response:
    return _board_page(request, app, login, kept, _filters(owner, presales, segment))


def _safe_back(back: str) -> str:
    return back if back.startswith("/board") else "/board"


@router.post("/board/move")
def move_card(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    kept: KeptResults,
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
        return _board_page(request, app, login, kept, query, refusal=refusal, status=409)
    except PipefitError as wrong:
        if request.headers.get("hx-request") == "true":
            refusal = {"opportunity_id": opportunity_id, "stage": stage,
                       "message": wrong.message, "missing": [], "conflict": False}  # fmt: skip
            return render(request, "_refusal.html", status_code=status_of(wrong), refusal=refusal)
        raise
    moved = done.opportunity
    return redirect(request, target, flash=f"{moved.opportunity_id} moved to {moved.stage}")
