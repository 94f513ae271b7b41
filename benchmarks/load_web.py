"""Load test of `pipefit serve` (issue 11): concurrent users over the 1M-opportunity company.

For SQLite (one worker) and PostgreSQL (several workers), it starts `pipefit serve` on a
loopback port and, in the same run, a bare FastAPI endpoint on the same uvicorn settings
as the reference. Then `--users` asynchronous clients (50 by default) each loop for
`--seconds` (60 by default) over the scenario: the pipeline board, the lead queue and one
dashboard (win rate and velocity over time: the kpis report by period), as a revops user
(who sees every deal, the heaviest scope). Like a person (and like locust's users), each
user waits between two requests: `--think` seconds on average (1 s by default, drawn
uniformly between half and one and a half times that), far less than a person reading a
page; `--think 0` fires requests back to back (a throughput test, not fifty people).
Every response that is not a 2xx, and every transport error, counts as an error. It
prints, per target and per page, the request count, errors and p50 / p95 / p99 latency in
milliseconds, and the time of each page's first request after the server started (the
server then computes what it keeps for every later request: `services.kept`).

Usage: `.venv/bin/python benchmarks/load_web.py [--seconds 60] [--users 50] [--think 1]
[--only sqlite]`
(the workspace is prepared by reports_1m.py's `prepare` in $PIPEFIT_BENCH_DIR; PostgreSQL
is a throwaway server of scripts/postgres.sh on its own port and folder, stopped after).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
from common import WORK, machine
from reports_1m import prepare

ROOT = Path(__file__).resolve().parent.parent
PG_PORT = 54339
PG_DIR = WORK / "load-postgres"
EMAIL = "load-revops@example.com"
PASSWORD = "load-test-password-1"

# (name, page)
SCENARIO = [
    ("board", "/board"),
    ("lead queue", "/leads"),
    ("dashboard", "/dashboards/win-rate"),
]

BARE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"ok": True}
"""


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    def record(self, seconds: float, error: str | None) -> None:
        self.latencies.append(seconds)
        if error is not None:
            self.errors += 1
            self.first_error = self.first_error or error

    def quantile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        # Nearest rank: the smallest latency with at least q of the requests at or below it.
        rank = max(1, -(-len(ordered) * q // 1))
        return round(ordered[int(rank) - 1] * 1000, 1)

    def figures(self) -> dict[str, object]:
        return {
            "requests": len(self.latencies),
            "errors": self.errors,
            "p50_ms": self.quantile_ms(0.50),
            "p95_ms": self.quantile_ms(0.95),
            "p99_ms": self.quantile_ms(0.99),
            "first_error": self.first_error,
        }


def _pipefit(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "pipefit.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode != 0:
        raise SystemExit(f"pipefit {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server at {url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise SystemExit(f"the server at {url} did not answer within {seconds:.0f} s")


@contextmanager
def _server(command: list[str], probe: str, env: dict[str, str] | None = None) -> Iterator[None]:
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=WORK
    )
    try:
        _wait_until_up(probe, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _login(workspace_args: list[str]) -> str:
    """A revops login and a read token for it (added once per database)."""
    listed = _pipefit("user", "list", "-f", "json", *workspace_args)
    if EMAIL not in listed:
        _pipefit("user", "add", EMAIL, "--role", "revops", "--password-stdin", *workspace_args,
                 stdin=PASSWORD + "\n")  # fmt: skip
    printed = _pipefit("user", "token", EMAIL, "--scope", "read", *workspace_args)
    return next(line.split()[-1] for line in printed.splitlines() if line.startswith("Token:"))


def _first_requests(base: str, token: str, workers: int) -> dict[str, float]:
    """Each page's first request after the server started, in seconds (every worker is
    asked once, at the same time: each process keeps its own)."""
    headers = {"Authorization": f"Bearer {token}"}
    firsts: dict[str, float] = {}

    async def one(path: str) -> float:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
            start = time.perf_counter()
            response = await client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}: {response.text[:300]}")
            return time.perf_counter() - start

    async def all_workers(path: str) -> list[float]:
        return list(await asyncio.gather(*(one(path) for _ in range(2 * workers))))

    for name, path in SCENARIO:
        firsts[name] = round(max(asyncio.run(all_workers(path))), 2)
    return firsts


async def _hammer(
    base: str, paths: list[tuple[str, str]], headers: dict[str, str], users: int, seconds: float,
    think: float,
) -> dict[str, Tally]:  # fmt: skip
    tallies = {name: Tally() for name, _ in paths}
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)

    async def user(offset: int) -> None:
        client = httpx.AsyncClient(base_url=base, headers=headers, timeout=30, limits=limits)
        pause = random.Random(offset)
        async with client as c:
            turn = offset
            if think:  # users arrive spread over one pause, not all in the same instant
                await asyncio.sleep(pause.uniform(0, think))
            while time.monotonic() < deadline:
                name, path = paths[turn % len(paths)]
                turn += 1
                start = time.perf_counter()
                error: str | None = None
                try:
                    response = await c.get(path)
                    if not 200 <= response.status_code < 300:
                        error = f"{path}: HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    error = f"{path}: {type(exc).__name__}"
                tallies[name].record(time.perf_counter() - start, error)
                if think:
                    await asyncio.sleep(pause.uniform(0.5 * think, 1.5 * think))

    await asyncio.gather(*(user(i) for i in range(users)))
    return tallies


def _measure(
    label: str, base: str, token: str, users: int, seconds: float, think: float, workers: int
) -> tuple[dict[str, object], dict[str, float]]:
    firsts = _first_requests(base, token, workers)
    print(f"{label}: first requests {firsts} s; {users} users for {seconds:.0f} s, "
          f"{think} s between requests", file=sys.stderr)  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    tallies = asyncio.run(_hammer(base, SCENARIO, headers, users, seconds, think))
    pages = {name: {**tallies[name].figures(), "path": path} for name, path in SCENARIO}
    return pages, firsts


def _bare(users: int, seconds: float, workers: int, think: float) -> dict[str, object]:
    folder = WORK / "load-bare"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bare_app.py").write_text(BARE_APP)
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning",
               "--app-dir", str(folder)]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with _server(command, base + "/ping"):
        tallies = asyncio.run(_hammer(base, [("bare", "/ping")], {}, users, seconds, think))
    return tallies["bare"].figures()


def _serve(workspace_args: list[str], workers: int) -> tuple[list[str], str]:
    port = _free_port()
    command = [sys.executable, "-m", "pipefit.cli", "serve", "--port", str(port),
               "--workers", str(workers), *workspace_args]  # fmt: skip
    return command, f"http://127.0.0.1:{port}"


def _sqlite(workspace: Path, users: int, seconds: float, think: float) -> dict[str, object]:
    args = ["-w", str(workspace)]
    token = _login(args)
    command, base = _serve(args, 1)
    with _server(command, base + "/docs"):
        pages, firsts = _measure("SQLite, 1 worker", base, token, users, seconds, think, 1)
    bare = _bare(users, seconds, 1, think)
    return {"workers": 1, "pages": pages, "first_s": firsts, "bare": bare}


def _pg_env() -> dict[str, str]:
    # Kept on stop: loading the million deals takes minutes, once.
    return {**os.environ, "PIPEFIT_PG_DIR": str(PG_DIR), "PIPEFIT_PG_PORT": str(PG_PORT),
            "PIPEFIT_PG_KEEP": "1"}  # fmt: skip


def _postgres(
    workspace: Path, users: int, seconds: float, workers: int, think: float
) -> dict[str, object]:
    script = str(ROOT / "scripts" / "postgres.sh")
    subprocess.run(["bash", script, "start"], check=True, env=_pg_env())
    try:
        url = f"postgresql://postgres@127.0.0.1:{PG_PORT}/pipefit_test"
        args = ["-w", str(workspace), "--db", url]
        marker = PG_DIR / ".loaded"
        if not marker.exists():
            print("loading the company into PostgreSQL ...", file=sys.stderr)
            data = next(WORK.glob("company-1000000-*"))
            names = ["teams", "people", "accounts", "contacts", "leads"]
            _pipefit("import", *(str(data / f"{n}.csv") for n in names), *args)
            deals = ["opportunities", "stage_events"]
            _pipefit("import", *(str(data / f"{n}.csv") for n in deals), *args)
            marker.touch()
        token = _login(args)
        command, base = _serve(args, workers)
        with _server(command, base + "/docs"):
            label = f"PostgreSQL, {workers} workers"
            pages, firsts = _measure(label, base, token, users, seconds, think, workers)
        bare = _bare(users, seconds, workers, think)
        return {"workers": workers, "pages": pages, "first_s": firsts, "bare": bare}
    finally:
        subprocess.run(["bash", script, "stop"], check=False, env=_pg_env())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="PostgreSQL worker processes")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds a user waits between requests (0: none)")  # fmt: skip
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    reports_workspace = prepare(1_000_000, 7)
    workspace = WORK / "load-workspace"
    if not (workspace / "pipefit.db").exists():
        # A copy, so that the logins this test adds never touch the reports benchmark's data.
        shutil.copytree(reports_workspace, workspace, ignore=shutil.ignore_patterns(".ready-*"))
    figures: dict[str, object] = {"users": args.users, "seconds": args.seconds,
                                  "think_s": args.think, "machine": machine()}  # fmt: skip
    if args.only != "postgresql":
        figures["sqlite"] = _sqlite(workspace, args.users, args.seconds, args.think)
    if args.only != "sqlite":
        figures["postgresql"] = _postgres(
            workspace, args.users, args.seconds, args.workers, args.think
        )
    if args.json:
        print(json.dumps(figures))
        return
    print(f"load: {args.users} users for {args.seconds:.0f} s each, {args.think} s between "
          f"requests ({machine()})")  # fmt: skip
    for engine in ("sqlite", "postgresql"):
        if engine not in figures:
            continue
        result = figures[engine]
        assert isinstance(result, dict)
        rows = {**result["pages"], "bare FastAPI endpoint": result["bare"]}
        print(f"  {engine} ({result['workers']} worker(s)), first requests: {result['first_s']} s")
        for name, r in rows.items():
            print(
                f"    {name:<22} {r['requests']:>7} requests "
                f"({r['requests'] / args.seconds:.0f}/s) {r['errors']:>5} errors  "
                f"p50 {r['p50_ms']:>8} ms  p95 {r['p95_ms']:>8} ms  p99 {r['p99_ms']:>8} ms"
                f"  {r.get('path', '')} {r['first_error']}"
            )


if __name__ == "__main__":
    main()
