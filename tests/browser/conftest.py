"""Browser tests: Debian's chromium, headless, driven by Playwright for Python through
`executable_path` (Playwright's own browser download cannot work here), against a real
`pipefit serve` (uvicorn) on a free loopback port over a small generated workspace with a
login per role.

Reusable by later browser tests (dashboards, statements):

- ``live_server``: the base URL (``http://127.0.0.1:PORT``) of the running server, and
  ``served_workspace`` the workspace it serves (`App`), to read the database in a test;
- ``page``: a fresh browser context (no cookies) and page, its base URL the server's;
- ``login(page, email)``: log in through the login form as one of ``USERS`` and land on
  the board.

`make test` installs chromium with apt-get when it is missing (scripts/test.sh); here a
missing chromium or Playwright skips, and fails under CI=true (``skip_or_fail``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipefit.bootstrap import App
from pipefit.sample import FILES, generate
from pipefit.services.users import add_user
from tests.conftest import skip_or_fail
from tests.integration.webapi_workspace import ROLES, role_of
from tests.integration.workspaces import import_files, new_workspace

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PASSWORD = "correct horse battery staple"
# Logins of the browser tests: one per role (as the API tests), and one kept for the
# failed-login test, so its slowing down locks no other test out.
USERS: dict[str, tuple[str, str, str | None]] = {
    name: (email, role_of(name), person) for name, (email, person, *_) in ROLES.items()
}
USERS["locked"] = ("locked@example.com", "revops", None)
START_SECONDS = 90


def chromium_executable() -> str:
    """Debian's chromium (PIPEFIT_CHROMIUM names another)."""
    named = os.environ.get("PIPEFIT_CHROMIUM", "").strip()
    found = named or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        skip_or_fail("chromium is not installed (make test installs it: apt-get install chromium)")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def served_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    root = tmp_path_factory.mktemp("browser")
    generate(root / "sample", opportunities=300, seed=7)
    workspace = new_workspace(root / "ws")
    import_files(workspace, [root / "sample" / name for name in FILES])
    app = App(workspace)
    for email, role, person in USERS.values():
        add_user(app.accounts(), app.uow(), app.password_hasher, email, role,
                 person_id=person, password=PASSWORD, actor="test")  # fmt: skip
    yield app
    app.close()


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"pipefit serve stopped at start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    pytest.fail(f"pipefit serve did not answer in {START_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_server(served_workspace: App, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`pipefit serve` on a free loopback port, stopped after the session. Plain http on
    loopback: the session cookie is not marked Secure here (PIPEFIT_SECURE_COOKIES)."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "PIPEFIT_SECURE_COOKIES": "false"}
    env.pop("PIPEFIT_DATABASE_URL", None)
    root = str(served_workspace.workspace.root)
    command = [sys.executable, "-m", "pipefit.cli", "serve", "-w", root, "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/login", server, log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as driver:
        # --no-sandbox: the tests may run as root (containers), where chromium's sandbox
        # refuses to start; the pages are our own.
        launched = driver.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    opened = context.new_page()
    yield opened
    context.close()


def login(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the form; the board is the first page after."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/board")
