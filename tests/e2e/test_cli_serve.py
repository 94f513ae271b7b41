"""`pipefit serve` as a user runs it: a real server on a free port, called with a token
from `pipefit user token`, then stopped."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from .cli import PIPEFIT, run, run_json


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(url: str, token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve") / "ws"
    run("demo", "--workspace", root, "--opportunities", "200")
    return root


@pytest.fixture
def server(workspace: Path) -> Iterator[str]:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PIPEFIT_")}
    process = subprocess.Popen(
        [str(PIPEFIT), "serve", "--port", str(port), "-w", str(workspace)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                call(f"{base}/api/opportunities")
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    raise AssertionError(f"pipefit serve did not start:\n{output}") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def test_a_rep_calls_the_served_api_with_a_token_and_sees_only_their_deals(
    workspace: Path, server: str
) -> None:
    run("user", "add", "Rep@Example.com", "--role", "sales_rep", "--person", "emp-003",
        "-w", workspace)  # fmt: skip
    token = run_json("user", "token", "rep@example.com", "-w", workspace, "-f", "json")["token"]
    status, page = call(f"{server}/api/opportunities?limit=500", token)
    assert status == 200 and page["items"]
    assert {d["owner_id"] for d in page["items"]} == {"emp-003"}
    assert page["total"] == len(page["items"])
    status, refused = call(f"{server}/api/opportunities")
    assert status == 401 and set(refused) == {"error", "field"}
    run("user", "disable", "rep@example.com", "-w", workspace)
    assert call(f"{server}/api/opportunities", token)[0] == 401


def test_a_password_from_standard_input_is_kept_only_as_an_argon2_hash(workspace: Path) -> None:
    result = subprocess.run(
        [str(PIPEFIT), "user", "add", "ops@example.com", "--role", "revops",
         "--password-stdin", "-w", str(workspace)],
        input="a long enough passphrase\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    engine = create_engine(f"sqlite:///{workspace / 'pipefit.db'}")
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                text("select password_hash from users where email = 'ops@example.com'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert stored.startswith("$argon2id$") and "passphrase" not in stored


def test_a_token_is_listed_and_revoked_by_its_id(workspace: Path) -> None:
    run("user", "add", "mgr@example.com", "--role", "manager", "--person", "emp-001",
        "-w", workspace)  # fmt: skip
    issued = run_json("user", "token", "mgr@example.com", "--scope", "write", "-w", workspace,
                      "-f", "json")  # fmt: skip
    listed = run_json("user", "token", "mgr@example.com", "--revoke", issued["token_id"],
                      "-w", workspace, "-f", "json")  # fmt: skip
    [token] = listed["tokens"]
    assert token["token_id"] == issued["token_id"] and token["revoked_at"] is not None
    unknown = run("user", "add", "x@example.com", "--role", "manager", "--person", "emp-999",
                  "-w", workspace, check=False)  # fmt: skip
    assert unknown.returncode == 1 and "no person 'emp-999'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_the_audit_log_shows_who_changed_what(workspace: Path) -> None:
    run("user", "add", "audited@example.com", "--role", "revops", "-w", workspace)
    entries = run_json("user", "audit", "--limit", "1", "-w", workspace, "-f", "json")
    [latest] = entries
    assert (latest["action"], latest["target"], latest["before"]) == (
        "user.add", "audited@example.com", None,
    )  # fmt: skip
    assert latest["actor"].startswith("cli")
    assert latest["after"]["role"] == "revops"
