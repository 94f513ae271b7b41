"""The HTTP API (FastAPI): a thin entry point over the same services as the CLI, with the
access policy applied below the routes. `create_app(App)` builds it; `pipefit serve`
runs it on uvicorn."""

from __future__ import annotations

from pipefit.webapi.app import create_app, from_environment

__all__ = ["create_app", "from_environment"]
