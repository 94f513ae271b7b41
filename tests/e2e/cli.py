"""Run the real `pipefit` command, as a user or a script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PIPEFIT = Path(sys.executable).parent / "pipefit"


def run(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PIPEFIT_")}
    environment |= env or {}
    result = subprocess.run(
        [str(PIPEFIT), *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"pipefit {args} failed ({result.returncode}):\n{result.stderr}")
    return result


def run_json(*args: str | Path, **kwargs: Any) -> Any:
    return json.loads(run(*args, **kwargs).stdout)
