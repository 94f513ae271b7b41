"""What a write costs the next reader of the kept pages (issue 11, docs/web.md "What a
server keeps"): over the load test's 1M-opportunity workspace (SQLite), in one process,
the board, the lead queue and the win-rate dashboard as a revops user: the first request
(nothing kept), a kept one, and the first after a write (a committed unit of work, which
moves the data version), twice.

Usage: `.venv/bin/python benchmarks/kept_pages.py` after `benchmarks/load_web.py` has
prepared $PIPEFIT_BENCH_DIR/load-workspace (it reuses its revops login).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from common import WORK, machine
from fastapi.testclient import TestClient
from load_web import EMAIL, _login

from pipefit.bootstrap import App
from pipefit.webapi.app import create_app

PAGES = ["/board", "/leads", "/dashboards/win-rate"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    workspace = WORK / "load-workspace"
    if not (workspace / "pipefit.db").exists():
        raise SystemExit(f"{workspace} is not prepared: run benchmarks/load_web.py first")
    token = _login(["-w", str(workspace)])
    os.chdir(workspace)
    app = App.open()
    client = TestClient(create_app(app, secure_cookies=False))
    headers = {"Authorization": f"Bearer {token}"}

    def seconds(path: str) -> float:
        start = time.perf_counter()
        answer = client.get(path, headers=headers)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}")
        return round(time.perf_counter() - start, 3)

    figures: dict[str, object] = {"machine": machine(), "user": EMAIL}
    figures["first"] = {p: seconds(p) for p in PAGES}
    figures["kept"] = {p: seconds(p) for p in PAGES}
    for turn in (1, 2):
        with app.uow() as uow:
            uow.commit()  # a write: the data version moves
        figures[f"after_write_{turn}"] = {p: seconds(p) for p in PAGES}
    app.close()
    if args.json:
        print(json.dumps(figures))
        return
    print(f"kept pages over the 1M workspace, SQLite, in one process ({machine()}):")
    for label, row in figures.items():
        if isinstance(row, dict):
            shown = "  ".join(f"{p} {s:.3f} s" for p, s in row.items())
            print(f"  {label:<14} {shown}")


if __name__ == "__main__":
    sys.exit(main())
