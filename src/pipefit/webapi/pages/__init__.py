"""The web pages (server-rendered, htmx for moves and actions; readable with JavaScript
off). Each module holds one page's routes; `router` gathers them for the app."""

from __future__ import annotations

from fastapi import APIRouter

from pipefit.webapi.pages import board, deals, leads, login

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(login.router)
router.include_router(board.router)
router.include_router(deals.router)
router.include_router(leads.router)
