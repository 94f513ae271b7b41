"""Who is calling: a bearer token (`Authorization: Bearer pf_...`) or, for the web pages,
a session cookie names a user, whose role and person decide what they see
(`domain.access`). A request with the cookie that changes something must carry the
session's CSRF token (`webapi.csrf`); a bearer token needs none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipefit.bootstrap import App
from pipefit.domain.access import AccessDenied, AccessScope, Principal
from pipefit.domain.users import Scope
from pipefit.domain.web_sessions import WebSession
from pipefit.services.access import load_scope
from pipefit.services.kept import Kept, data_version
from pipefit.services.users import NotAuthenticated, authenticate_token
from pipefit.services.web_sessions import csrf_matches, session_login
from pipefit.webapi import csrf
from pipefit.webapi.sessions import SESSION_COOKIE

__all__ = [
    "CurrentLogin",
    "KeptResults",
    "Login",
    "Workspace",
    "WritingLogin",
    "kept_results",
    "version_of",
]

bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `pipefit user token EMAIL` (read or write scope).",
)


def workspace(request: Request) -> App:
    app: App = request.app.state.pipefit
    return app


Workspace = Annotated[App, Depends(workspace)]


def kept_results(request: Request) -> Kept:
    kept: Kept = request.app.state.kept
    return kept


# What this process computed from the data, kept while the data is unchanged.
KeptResults = Annotated[Kept, Depends(kept_results)]


def version_of(request: Request, app: App) -> int | None:
    """The data version, read once per request, before anything it keys is read (so
    every page and service of the request uses the same one; `services.kept`)."""
    if not hasattr(request.state, "pipefit_data_version"):
        request.state.pipefit_data_version = data_version(app.uow())
    version: int | None = request.state.pipefit_data_version
    return version


@dataclass(frozen=True)
class Login:
    scope: AccessScope
    token_scope: Scope
    session: WebSession | None = None  # set when the login came with the session cookie

    @property
    def email(self) -> str:
        return self.scope.principal.email

    @property
    def csrf_token(self) -> str | None:
        return self.session.csrf_token if self.session is not None else None


def login(
    request: Request,
    app: Workspace,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    submitted_csrf: Annotated[str | None, Depends(csrf.submitted)],
    kept: KeptResults,
) -> Login:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        user, token_scope = authenticate_token(app.accounts(), credentials.credentials)
        principal = Principal(user.email, user.role, user.person_id)
        by_token = Login(
            load_scope(app.uow(), principal, kept, version_of(request, app)), token_scope
        )
        request.state.pipefit_login = by_token  # pages' layouts read it (webapi.templating)
        return by_token
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise NotAuthenticated(
            "send an API token (Authorization: Bearer <token>) or log in at /login"
        )
    user, session = session_login(app.accounts(), secret)
    if request.method not in csrf.SAFE_METHODS and not csrf_matches(session, submitted_csrf):
        raise csrf.CsrfRefused(csrf.REFUSED)
    principal = Principal(user.email, user.role, user.person_id)
    found = Login(
        load_scope(app.uow(), principal, kept, version_of(request, app)), Scope.WRITE, session
    )
    # Kept on the request so any page's layout can draw the navigation and the token.
    request.state.pipefit_login = found
    return found


CurrentLogin = Annotated[Login, Depends(login)]


def writing_login(current: CurrentLogin) -> Login:
    if current.token_scope is not Scope.WRITE:
        raise AccessDenied("this token may only read: ask for a token with the write scope")
    return current


WritingLogin = Annotated[Login, Depends(writing_login)]
