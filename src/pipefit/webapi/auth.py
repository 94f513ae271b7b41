"""Who is calling: a bearer token (`Authorization: Bearer pf_...`) names a user, whose
role and person decide what they see (`domain.access`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipefit.bootstrap import App
from pipefit.domain.access import AccessDenied, AccessScope, Principal
from pipefit.domain.users import Scope
from pipefit.services.access import load_scope
from pipefit.services.users import NotAuthenticated, authenticate_token

__all__ = ["CurrentLogin", "Login", "Workspace", "WritingLogin"]

bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `pipefit user token EMAIL` (read or write scope).",
)


def workspace(request: Request) -> App:
    app: App = request.app.state.pipefit
    return app


Workspace = Annotated[App, Depends(workspace)]


@dataclass(frozen=True)
class Login:
    scope: AccessScope
    token_scope: Scope

    @property
    def email(self) -> str:
        return self.scope.principal.email


def login(
    app: Workspace,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Login:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("send an API token: Authorization: Bearer <token>")
    user, token_scope = authenticate_token(app.accounts(), credentials.credentials)
    principal = Principal(user.email, user.role, user.person_id)
    return Login(load_scope(app.uow(), principal), token_scope)


CurrentLogin = Annotated[Login, Depends(login)]


def writing_login(current: CurrentLogin) -> Login:
    if current.token_scope is not Scope.WRITE:
        raise AccessDenied("this token may only read: ask for a token with the write scope")
    return current


WritingLogin = Annotated[Login, Depends(writing_login)]
