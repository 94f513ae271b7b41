"""Who is trying to log in, for the failed-login counters: the client's address as the
connection gives it. Behind a reverse proxy that is the proxy's address (all clients
share one counter, which stays bounded by `Throttle.free_per_client`); run uvicorn with
--proxy-headers and --forwarded-allow-ips so the real address comes through."""

from __future__ import annotations

from fastapi import Request

__all__ = ["client_of"]


def client_of(request: Request) -> str | None:
    return request.client.host if request.client is not None else None
