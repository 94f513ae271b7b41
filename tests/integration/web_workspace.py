"""The generated company of `webapi_workspace` (300 deals, seed 7, one login per role),
this time with passwords, and a browser-like client of the web pages (cookies kept,
https://testserver so the Secure session cookie is sent back, as a browser would)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pipefit.bootstrap import App
from pipefit.sample import FILES, generate
from pipefit.services.users import add_user
from pipefit.webapi import create_app

from .webapi_workspace import ROLES, role_of
from .workspaces import import_files, new_workspace

PASSWORD = "correct horse battery staple"


@dataclass
class Web:
    app: App
    api: FastAPI

    def client(self) -> TestClient:
        """A new browser: no cookies yet."""
        return TestClient(self.api, base_url="https://testserver", raise_server_exceptions=False)

    def logged_in(self, role: str) -> TestClient:
        browser = self.client()
        email = ROLES[role][0]
        answer = browser.post(
            "/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text
        return browser


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    root = tmp_path_factory.mktemp("web")
    folder = root / "sample"
    generate(folder, opportunities=300, seed=7)
    workspace = new_workspace(root / "ws")
    import_files(workspace, [folder / name for name in FILES])
    app = App(workspace)
    for name, (email, person, *_) in ROLES.items():
        add_user(app.accounts(), app.uow(), app.password_hasher, email, role_of(name),
                 person_id=person, password=PASSWORD, actor="test")  # fmt: skip
    yield Web(app, create_app(app, secure_cookies=True))
    app.close()
