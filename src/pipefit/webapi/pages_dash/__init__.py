"""The analytic pages: dashboards, statements (with disputes), the capacity planner and
imports, as Jinja2 templates extending the shared `layout.html`; their static files
(dash.css, dash.js, vendored Vega) under /static."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from pipefit.webapi.pages_dash.actions import router as actions
from pipefit.webapi.pages_dash.capacity import router as capacity
from pipefit.webapi.pages_dash.dashboards import router as dashboards
from pipefit.webapi.pages_dash.imports import router as imports
from pipefit.webapi.pages_dash.statements import router as statements
from pipefit.webapi.templating import STATIC

__all__ = ["install", "router"]

router = APIRouter()
router.include_router(dashboards)
router.include_router(statements)
router.include_router(capacity)
router.include_router(imports)
router.include_router(actions)  # every form that changes something


def install(api: FastAPI) -> None:
    """The pages' routes and /static (after /static/docs, which the API mounts first)."""
    api.include_router(router)
    if not any(getattr(r, "path", None) == "/static" for r in api.routes):
        api.mount("/static", StaticFiles(directory=STATIC), name="static")
