"""`pipefit serve`: the HTTP API on uvicorn, over the workspace's database."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from pipefit.bootstrap import App
from pipefit.cli.common import err, with_app
from pipefit.domain.errors import PipefitError

__all__ = ["register"]

FACTORY = "pipefit.webapi:from_environment"


def register(app: typer.Typer) -> None:
    app.command()(serve)


def check_address(host: str, port: int) -> None:
    """Refuse, in one line, an address this machine cannot listen on (an unknown host, a
    port in use) before the server starts, rather than after its start-up lines."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = found[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, UnicodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise PipefitError(
            f"cannot listen on {host}:{port}: {why}", field="serve.address"
        ) from None


@with_app
def serve(
    instance: App,
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (more than one: PostgreSQL only).", min=1)
    ] = 1,
) -> None:
    """Serve the HTTP API (and its documentation at /docs) until interrupted. Callers send
    an API token from `pipefit user token EMAIL` as `Authorization: Bearer <token>`."""
    import uvicorn

    url = instance.workspace.database_url
    if workers > 1 and url.startswith("sqlite"):
        raise PipefitError(
            "several workers share a database server: SQLite takes one writer at a time, "
            "so serve it with one worker or move the workspace to PostgreSQL",
            field="serve.workers",
        )
    check_address(host, port)
    # Every worker process opens the workspace itself, from these (the factory reads them).
    os.environ["PIPEFIT_WORKSPACE"] = str(instance.workspace.root.resolve())
    os.environ["PIPEFIT_DATABASE_URL"] = url
    instance.close()
    err.print(f"pipefit serving {instance.workspace.root} on http://{host}:{port} (docs: /docs)")
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, log_level="info")
