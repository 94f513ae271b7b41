"""Run `pipefit` in this process, as its console script does (`pipefit.cli.run`): fast
enough to try hundreds of command lines, and a test can replace a part to make it fail."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from pipefit.cli import run


def invoke(*args: str | Path) -> tuple[int, str]:
    """`pipefit ARGS`: its exit status and everything it printed (both streams)."""
    printed = io.StringIO()
    with redirect_stdout(printed), redirect_stderr(printed):
        code = run([str(a) for a in args])
    return code, printed.getvalue()
