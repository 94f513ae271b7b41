"""Helpers shared by the benchmark scripts: timing, peak memory and the results table."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = Path(os.environ.get("PIPEFIT_BENCH_DIR", HERE / ".work"))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


PEAK = """
import json as _json, resource as _resource
def report(**figures):
    figures["peak_rss_mb"] = round(_resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(_json.dumps(figures))
"""


def run_measured(code: str, *args: str) -> dict[str, Any]:
    """Run Python code in a fresh process (so peak memory is its own); it calls report()."""
    out = subprocess.run([sys.executable, "-c", PEAK + code, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
