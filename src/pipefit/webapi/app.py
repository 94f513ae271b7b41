"""The FastAPI application over one workspace."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from pipefit.bootstrap import App
from pipefit.services.board import kept_stage_clock
from pipefit.services.kept import Kept
from pipefit.webapi import errors
from pipefit.webapi.accounts import router as accounts
from pipefit.webapi.audit import router as audit
from pipefit.webapi.disputes import router as disputes
from pipefit.webapi.imports import router as imports
from pipefit.webapi.leads import router as leads
from pipefit.webapi.opportunities import router as opportunities
from pipefit.webapi.pages import router as pages
from pipefit.webapi.pages_dash import install as install_pages
from pipefit.webapi.pay import router as pay
from pipefit.webapi.periods import router as periods
from pipefit.webapi.reports import router as reports
from pipefit.webapi.sessions import secure_cookies_from_environment
from pipefit.webapi.templating import STATIC

__all__ = ["create_app", "from_environment"]

logger = logging.getLogger(__name__)

DESCRIPTION = """\
pipefit's HTTP API: the same services, gates and reports as the `pipefit` command, for a
team. Authenticate with an API token from `pipefit user token EMAIL`, sent as
`Authorization: Bearer <token>`. What you see follows your role and the person you stand
for: a rep their own deals, a presales engineer their pool's, a manager their subtree's,
revops and admin everything; pay only your own, your people's as their manager, or
everyone's as a comp admin. Errors are `{"error": ..., "field": ...}`.
"""


def create_app(app: App, *, secure_cookies: bool | None = None) -> FastAPI:
    """The API and the web pages over `app`'s workspace. /docs serves Swagger UI from
    pipefit's own files (fastapi-offline's bundle) and the pages' CSS and htmx come from
    /static: nothing is loaded from a CDN. `secure_cookies` (default: the environment,
    `webapi.sessions`) marks the session cookie Secure."""
    kept = Kept()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The stage clock replays the whole stage log (25 s on a million deals): read at
        # the start, on a thread of its own, so the first board does not wait for all of
        # it (a board asked meanwhile waits for this reading rather than starting another).
        threading.Thread(target=_warm, args=(app, kept), daemon=True).start()
        yield

    api = FastAPIOffline(
        lifespan=lifespan,
        title="pipefit",
        description=DESCRIPTION,
        version="0.1.0",
        redoc_url=None,
        static_url="/static/docs",
        favicon_url="/static/docs/favicon.png",
    )
    api.state.pipefit = app
    api.state.kept = kept
    api.state.secure_cookies = (
        secure_cookies_from_environment() if secure_cookies is None else secure_cookies
    )
    errors.install(api)
    api.include_router(opportunities)
    api.include_router(accounts)
    api.include_router(leads)
    api.include_router(reports)
    api.include_router(pay)
    api.include_router(disputes)
    api.include_router(periods)
    api.include_router(imports)
    api.include_router(audit)
    api.include_router(pages)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_pages(api)
    return api


def _warm(app: App, kept: Kept) -> None:
    try:
        kept_stage_clock(kept, app.uow(), app.analytics_settings)
    except Exception:
        logger.warning("could not read the stage clock at start", exc_info=True)


def from_environment() -> FastAPI:
    """The API over the workspace PIPEFIT_WORKSPACE / PIPEFIT_DATABASE_URL name (what
    `pipefit serve` sets for each worker process)."""
    return create_app(App.open())
