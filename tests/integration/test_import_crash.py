"""An import killed mid-way leaves the database exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from pipefit.config import Workspace

from .native_files import write_native
from .workspaces import import_files, table_counts

DEALS = 60_000
EVENTS_PER_DEAL = 5


def _write_large(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"BULK-{i:07d}" for i in range(DEALS)]
    stages = [
        "Discovery",
        "Evaluation",
        "Solutions overview",
        "Solutions refinement",
        "Formal proposal",
    ]
    pacsv.write_csv(
        pa.table(
            {
                "opportunity_id": ids,
                "stage": ["Formal proposal"] * DEALS,
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
                "to_stage": [stages[s] for _ in ids for s in range(EVENTS_PER_DEAL)],
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

    def announce(stage):
        print(stage, flush=True)

    def hold():
        print("before-commit", flush=True)
        time.sleep(120)

    app = App.open(Path(sys.argv[1]))
    files = [Path(p) for p in sys.argv[3:]]
    import_files(app.uow(), app.batch_reader, app.batch_loader, app.import_defaults, files,
                 load_progress=announce, before_commit=hold if sys.argv[2] == "hold" else None)
    """
)


def _start(workspace: Workspace, mode: str, files: list[Path]) -> subprocess.Popen[str]:
    env = os.environ | {"PIPEFIT_DATABASE_URL": workspace.database_url}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(workspace.root), mode, *map(str, files)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _kill_when(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    for output in process.stdout:
        if output.strip() == line:
            break
        assert time.monotonic() < deadline, "the import never reached the point to kill it"
    else:
        pytest.fail(f"the import finished before printing {line!r}")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", ["stage_events", "before-commit"])
def test_an_import_killed_mid_way_leaves_the_database_exactly_as_it_was(
    workspace: Workspace, tmp_path: Path, kill_at: str
) -> None:
    import_files(workspace, write_native(tmp_path / "small"))
    before = table_counts(workspace)
    process = _start(workspace, "hold", _write_large(tmp_path / "large"))
    _kill_when(process, kill_at)
    assert process.returncode == -signal.SIGKILL
    assert table_counts(workspace) == before
    # And the database still takes the same import afterwards, whole.
    import_files(workspace, _write_large(tmp_path / "large"))
    after = table_counts(workspace)
    assert after["opportunities"] == before["opportunities"] + DEALS
    assert after["stage_events"] == before["stage_events"] + DEALS * EVENTS_PER_DEAL


@pytest.mark.slow
def test_a_first_import_killed_after_copying_its_stage_events_from_aside_leaves_it_empty(
    workspace: Workspace, tmp_path: Path
) -> None:
    # 300,000 events into an empty log: on SQLite, with a core idle, they are written
    # aside while the import is checked and copied into the database in the load's
    # transaction (store.aside); killed just before that transaction commits.
    before = table_counts(workspace)
    process = _start(workspace, "hold", _write_large(tmp_path / "large"))
    _kill_when(process, "before-commit")
    assert process.returncode == -signal.SIGKILL
    assert table_counts(workspace) == before
    import_files(workspace, _write_large(tmp_path / "large"))
    after = table_counts(workspace)
    assert after["stage_events"] == DEALS * EVENTS_PER_DEAL
