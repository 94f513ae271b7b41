"""Load 1,000,000 generated opportunities and their ~5 million stage events into SQLite.

The people, accounts and leads the deals name are loaded first (not timed), so the timed
import checks each reference against the database, as an incremental import does.

Reference, measured in the same run on the same files: DuckDB's read_csv of the same
two files into Arrow. Target (issue 2): pipefit's import at most 10x that time, with
peak memory under 3 GB. Run: `make bench` or `.venv/bin/python benchmarks/import_1m.py`.

Meanwhile another process reads the database as `pipefit status` would, on a fresh
connection once a second (issue 8: readers keep working while an import runs, and see the
last committed state); the figures say how many reads there were, how many failed, and
the slowest.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from common import WORK, machine, run_measured

DUCKDB = """
import json, sys, time, duckdb
files = sys.argv[1:]
con = duckdb.connect()
start = time.perf_counter()
rows = 0
for f in files:
    rows += con.sql(f"select * from read_csv('{f}')").to_arrow_table().num_rows
report(seconds=time.perf_counter() - start, rows=rows)
"""

PIPEFIT = """
import json, sys, time
from pathlib import Path
from pipefit.bootstrap import App
from pipefit.services.imports import import_files
app = App.open(Path(sys.argv[1]))
files = [Path(p) for p in sys.argv[2:]]
# The records the deals name (owners, accounts, leads) are imported first, not timed:
# the timed import checks every reference against them in the database.
named = [files[0].parent / f"{n}.csv" for n in ("teams", "people", "accounts", "contacts", "leads")]
import_files(app.uow(), app.batch_reader, app.batch_loader, app.import_defaults, named)
import os
from pipefit.store.aside import spare_core
aside, load = spare_core(), os.getloadavg()[0]
start = time.perf_counter()
result = import_files(app.uow(), app.batch_reader, app.batch_loader, app.import_defaults, files)
seconds = time.perf_counter() - start
rows = sum(t.inserted for t in result.report.tables.values())
phases = dict(result.seconds)
phases |= {f"write {n}": t.seconds for n, t in result.report.tables.items() if t.rows > 1000}
phases["commit + checkpoint"] = result.report.commit_seconds
report(seconds=seconds, rows=rows, phases=phases, aside=aside, load=load)
"""

READER = """
import json, sys, time
from pathlib import Path
from sqlalchemy import text
from pipefit.store.database import make_engine
engine = make_engine(sys.argv[1])
stop = Path(sys.argv[2])
reads, failed, slowest, seen, first_error = 0, 0, 0.0, set(), None
while not stop.exists():
    start = time.perf_counter()
    try:
        with engine.connect() as conn:
            seen.add(conn.execute(text("SELECT count(*) FROM opportunities")).scalar_one())
        reads += 1
        slowest = max(slowest, time.perf_counter() - start)
    except Exception as exc:
        failed += 1
        first_error = first_error or str(exc).splitlines()[0]
    time.sleep(1)
print(json.dumps({"reads": reads, "failed": failed, "slowest_seconds": round(slowest, 2),
                  "counts_seen": sorted(seen), "first_error": first_error}))
"""


def _init_workspace(root: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pipefit.cli", "init", str(root)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    data = WORK / f"company-{args.opportunities}-{args.seed}"
    if not (data / "stage_events.csv").exists():
        print(f"generating {args.opportunities:,} opportunities in {data} ...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipefit.cli",
                "generate",
                "--out",
                str(data),
                "--opportunities",
                str(args.opportunities),
                "--seed",
                str(args.seed),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    files = [str(data / "opportunities.csv"), str(data / "stage_events.csv")]
    workspace = WORK / "import-workspace"
    shutil.rmtree(workspace, ignore_errors=True)

    duck = run_measured(DUCKDB, *files)
    _init_workspace(workspace)
    stop = WORK / "reader-stop"
    stop.unlink(missing_ok=True)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, f"sqlite:///{workspace / 'pipefit.db'}", str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ours = run_measured(PIPEFIT, str(workspace), *files)
    finally:
        stop.touch()
        reads = json.loads(reader.communicate(timeout=120)[0])
        stop.unlink(missing_ok=True)
    ratio = ours["seconds"] / duck["seconds"]
    figures = {
        "opportunities": args.opportunities,
        "rows": ours["rows"],
        "duckdb_read_csv_seconds": round(duck["seconds"], 2),
        "pipefit_import_seconds": round(ours["seconds"], 2),
        "ratio": round(ratio, 1),
        "ratio_target": 10,
        "peak_rss_mb": ours["peak_rss_mb"],
        "peak_rss_target_mb": 3072,
        "phases": {k: round(v, 2) for k, v in ours["phases"].items()},
        "reads_during_import": reads,
        "stage_events_aside": ours["aside"],
        "load_average": round(ours["load"], 2),
        "machine": machine(),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"import of {args.opportunities:,} opportunities + events into SQLite ({machine()})")
    print(f"  rows written          {ours['rows']:>12,}")
    print(f"  DuckDB read_csv       {duck['seconds']:>10.2f} s  (reference)")
    print(f"  pipefit import        {ours['seconds']:>10.2f} s  = {ratio:.1f}x  (target <= 10x)")
    print(f"  peak memory           {ours['peak_rss_mb']:>10,} MB  (target < 3,072 MB)")
    print(
        "  where the time goes:  " + ", ".join(f"{k} {v:.1f} s" for k, v in ours["phases"].items())
    )
    print(
        f"  load average (1 min)  {ours['load']:>10.2f}    (biggest table written aside on "
        f"the other core: {'yes' if ours['aside'] else 'no, no core idle'})"
    )
    print(
        f"  reads meanwhile       {reads['reads']:>10,} ok, {reads['failed']} failed, slowest "
        f"{reads['slowest_seconds']} s, opportunities seen: {reads['counts_seen']}"
        + (f" (first error: {reads['first_error']})" if reads["first_error"] else "")
    )


if __name__ == "__main__":
    main()
