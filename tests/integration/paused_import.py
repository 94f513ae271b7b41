"""A large import in another process, paused at a chosen moment until the test lets it go.

Another process, as a colleague's `pipefit import` would be, and because the bulk loader
carries its own copy of SQLite, which must not share a process with the test's own
connections to the same file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import pyarrow as pa
import pyarrow.csv as pacsv

from pipefit.config import Workspace

DEALS = 60_000
EVENTS_PER_DEAL = 5
STAGES = [
    "Discovery",
    "Evaluation",
    "Solutions overview",
    "Solutions refinement",
    "Formal proposal",
]

PIPEFIT = Path(sys.executable).parent / "pipefit"


def write_large(folder: Path) -> list[Path]:
    """60,000 open deals with 5 stage events each: 360,000 rows, one import."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"BULK-{i:07d}" for i in range(DEALS)]
    pacsv.write_csv(
        pa.table(
            {
                "opportunity_id": ids,
                "stage": [STAGES[-1]] * DEALS,
                "amount": ["12500.00"] * DEALS,
                "created_at": ["2025-01-02T09:00:00Z"] * DEALS,
            }
        ),
        folder / "opportunities.csv",
    )
    pacsv.write_csv(
        pa.table(
            {
                "opportunity_id": [i for i in ids for _ in range(EVENTS_PER_DEAL)],
                "seq": [s + 1 for _ in ids for s in range(EVENTS_PER_DEAL)],
                "to_stage": [STAGES[s] for _ in ids for s in range(EVENTS_PER_DEAL)],
                "at": [f"2025-0{s + 1}-02T09:00:00Z" for _ in ids for s in range(EVENTS_PER_DEAL)],
            }
        ),
        folder / "stage_events.csv",
    )
    return [folder / "opportunities.csv", folder / "stage_events.csv"]


SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipefit.bootstrap import App
    from pipefit.services.imports import import_files

    pause_at, go = sys.argv[2], Path(sys.argv[3])

    def wait():
        print("paused", flush=True)
        while not go.exists():
            time.sleep(0.05)

    def progress(table):
        if table == pause_at:
            wait()

    app = App.open(Path(sys.argv[1]))
    files = [Path(p) for p in sys.argv[4:]]
    import_files(app.uow(), app.batch_reader, app.batch_loader, app.import_defaults, files,
                 load_progress=progress,
                 before_commit=wait if pause_at == "before-commit" else None)
    print("done", flush=True)
    """
)


def environment(workspace: Workspace) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PIPEFIT_")}
    return clean | {"PIPEFIT_DATABASE_URL": workspace.database_url}


class PausedImport:
    """`with PausedImport(ws, files, "stage_events", tmp) as running:` returns once the
    import has written up to that moment (a table's name: just before writing it;
    "before-commit": everything written, not committed) and waits there; `resume()` lets
    it commit. Leaving the block kills it if it is still running."""

    def __init__(self, workspace: Workspace, files: list[Path], pause_at: str, tmp: Path) -> None:
        self._go = tmp / f"go-{pause_at}"
        self._go.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(workspace.root), pause_at, str(self._go)]
            + [str(f) for f in files],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(workspace),
        )

    def __enter__(self) -> Self:
        assert self.process.stdout is not None
        deadline = time.monotonic() + 300
        for line in self.process.stdout:
            if line.strip() == "paused":
                return self
            assert time.monotonic() < deadline, "the import never reached its pause"
        _, stderr = self.process.communicate()
        raise AssertionError(f"the import ended before its pause:\n{stderr}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def resume(self) -> str:
        """Let the import go on; wait for it to end and return what it printed last."""
        self._go.touch()
        stdout, stderr = self.process.communicate(timeout=300)
        assert self.process.returncode == 0, stderr
        return stdout.strip()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()

    def kill(self) -> None:
        """kill -9, as a crash would end it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.communicate(timeout=60)


def pipefit(
    workspace: Workspace, *args: str | Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The `pipefit` command on the workspace, as a second user runs it meanwhile."""
    return subprocess.run(
        [str(PIPEFIT), *map(str, args), "-w", str(workspace.root)],
        env=environment(workspace),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
