"""/login and /logout: a password opens a server-side session (cookie); failures are
slowed down; both are written to the audit log (`services.web_sessions`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from pipefit.services.users import NotAuthenticated
from pipefit.services.web_sessions import LoginThrottled, log_in, log_out, session_login
from pipefit.webapi.auth import CurrentLogin, Workspace
from pipefit.webapi.csrf import same_origin
from pipefit.webapi.sessions import SESSION_COOKIE, clear_session_cookie, set_session_cookie
from pipefit.webapi.templating import redirect, render
from pipefit.webapi.throttle import client_of

__all__ = ["router"]

router = APIRouter()

HOME = "/board"


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this site only (never //evil.example)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    return target


def _logged_in(request: Request, app: Workspace) -> bool:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return False
    try:
        session_login(app.accounts(), secret)
    except NotAuthenticated:
        return False
    return True


@router.get("/")
def home() -> Response:
    return redirect_to(HOME)


def redirect_to(url: str) -> Response:
    return Response(status_code=303, headers={"Location": url})


@router.get("/login")
def login_page(request: Request, app: Workspace, next: str | None = None) -> Response:
    if _logged_in(request, app):
        return redirect_to(safe_next(next))
    return render(request, "login.html", next=safe_next(next), email="", error=None)


@router.post("/login")
def login_form(
    request: Request,
    app: Workspace,
    email: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    target = safe_next(next)

    def again(error: str, status: int, headers: dict[str, str] | None = None) -> Response:
        return render(
            request, "login.html", status_code=status, headers=headers,
            next=target, email=email.strip()[:254], error=error,
        )  # fmt: skip

    if not same_origin(request):
        return again("this login form was sent from another site: log in from this page", 403)
    try:
        opened = log_in(
            app.accounts(), app.password_hasher, email, password, client=client_of(request)
        )
    except LoginThrottled as slowed:
        return again(slowed.message, 429, {"Retry-After": str(slowed.retry_after)})
    except NotAuthenticated as refused:
        return again(refused.message, 401)
    response = redirect(request, target, flash=f"Logged in as {opened.user.email}")
    set_session_cookie(request, response, opened.secret)
    return response


@router.post("/logout")
def logout(request: Request, app: Workspace, current: CurrentLogin) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        log_out(app.accounts(), secret)
    response = redirect(request, "/login", flash="You are logged out")
    clear_session_cookie(request, response)
    return response
