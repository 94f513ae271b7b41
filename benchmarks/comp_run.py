"""A full comp run for every rep and presales member over a year of the 1,000,000-
opportunity sample company: credit, quotas, pool street quotas, tiers, clawbacks, and
everyone's statement written to CSV (and, separately timed, HTML).

Reference, measured in the same run on the same database: reading that year's
closed-won deals (ADBC, as pipefit does) and a grouped sum per rep in DuckDB: the floor
of "a grouped sum and a tier lookup per person". Target (issue 4): under 10 seconds.

Data: the company of `import_1m.py` (generated into benchmarks/.work if absent). The
workspace is benchmarks/.work/comp-workspace: a copy of the import benchmark's database
when there is one (its 1M opportunities already loaded), else a fresh import; then the
people, teams, pools, quotas and customer outcomes are imported into it.
Run: `.venv/bin/python benchmarks/comp_run.py [--year 2025] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from common import WORK, machine, run_measured

SMALL = [
    "teams",
    "people",
    "pools",
    "pool_members",
    "quotas",
    "customer_outcomes",
    "credit_splits",
]

REFERENCE = """
import sys, time, duckdb
from pipefit.store.compensation import read_won_deals
from pipefit.store.bulk import adbc_connection
url, year = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
with adbc_connection(url) as conn:
    cur = conn.cursor()
    cur.execute(
        "SELECT owner_id, amount FROM opportunities WHERE outcome = 'won' "
        "AND closed_at >= ? AND closed_at < ?",
        (f"{year}-01-01 00:00:00.000000", f"{year + 1}-01-01 00:00:00.000000"),
    )
    won = cur.fetch_arrow_table()
    cur.close()
read = time.perf_counter() - start
sums = duckdb.sql("SELECT owner_id, sum(amount) FROM won GROUP BY owner_id").fetchall()
report(seconds=time.perf_counter() - start, read_seconds=read, deals=won.num_rows,
       owners=len(sums))
"""

PIPEFIT = """
import sys, time
from pathlib import Path
from pipefit.bootstrap import App
from pipefit.services.compensation import run_period, write_run
from pipefit.services.paybook import bulk_objects
root, year, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
app = App.configured(root)
app.engine  # connect before the clock starts, as before
writer = app.statement_writer(app.outputs(replace=True))  # the second run replaces the first
start = time.perf_counter()
with bulk_objects():  # as `pipefit comp run` does
    result = run_period(app.uow(), app.compensation, app.currency, year)
    computed = time.perf_counter()
    write_run(result, writer, out, html=False)
    csv_done = time.perf_counter()
done = time.perf_counter()
write_run(result, writer, out, html=True)
html_done = time.perf_counter()
assert all(s.adds_up() for s in result.statements)
lines = sum(len(s.deals) + len(s.lines) for s in result.statements)
phases = dict(result.seconds)
phases["write CSV"] = csv_done - computed
report(seconds=done - start, html_seconds=(html_done - done) - (csv_done - computed),
       statements=len(result.statements), skipped=len(result.skipped), deals=result.deals,
       lines=lines, variable_pay=str(result.total_variable), phases=phases)
"""


def _cli_seconds(workspace: Path, year: int, out: Path) -> float:
    """The whole `pipefit comp run` command, start to exit, as a user waits for it."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipefit.cli",
            "comp",
            "run",
            "--period",
            str(year),
            "--no-html",
            "--out",
            str(out),
            "-w",
            str(workspace),
            "--format",
            "json",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _pipefit(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pipefit.cli", *args], check=True, stdout=subprocess.DEVNULL
    )


def _opportunities_in(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT count(*) FROM opportunities").fetchone()[0])
    except sqlite3.Error:
        return 0


def prepare(opportunities: int, seed: int) -> Path:
    data = WORK / f"company-{opportunities}-{seed}"
    if not (data / "opportunities.csv").exists():
        print(f"generating {opportunities:,} opportunities in {data} ...", file=sys.stderr)
        _pipefit(
            "generate",
            "--out",
            str(data),
            "--opportunities",
            str(opportunities),
            "--seed",
            str(seed),
        )
    workspace = WORK / "comp-workspace"
    marker = workspace / f".ready-{opportunities}-{seed}"
    if marker.exists():
        return workspace
    shutil.rmtree(workspace, ignore_errors=True)
    source = WORK / "import-workspace"
    if _opportunities_in(source / "pipefit.db") == opportunities:
        print(f"copying the import benchmark's database from {source} ...", file=sys.stderr)
        workspace.mkdir(parents=True)
        shutil.copy(source / "pipefit.toml", workspace / "pipefit.toml")
        shutil.copy(source / "pipefit.db", workspace / "pipefit.db")
    else:
        print("importing the opportunities ...", file=sys.stderr)
        _pipefit("init", str(workspace))
        _pipefit("import", str(data / "opportunities.csv"), "-w", str(workspace))
    print("importing people, teams, pools, quotas and outcomes ...", file=sys.stderr)
    # Companies generated before credit splits existed have no credit_splits.csv.
    files = [data / f"{name}.csv" for name in SMALL]
    _pipefit("import", *(str(f) for f in files if f.exists()), "-w", str(workspace))
    marker.touch()
    return workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    workspace = prepare(args.opportunities, args.seed)
    url = f"sqlite:///{(workspace / 'pipefit.db').resolve()}"
    out = WORK / "comp-statements"
    shutil.rmtree(out, ignore_errors=True)
    reference = run_measured(REFERENCE, url, str(args.year))
    ours = run_measured(PIPEFIT, str(workspace), str(args.year), str(out))
    command = _cli_seconds(workspace, args.year, WORK / "comp-statements-cli")
    ratio = ours["seconds"] / reference["seconds"]
    figures = {
        "opportunities": args.opportunities,
        "year": args.year,
        "statements": ours["statements"],
        "skipped": ours["skipped"],
        "closed_won_deals_read": ours["deals"],
        "statement_lines": ours["lines"],
        "reference_read_and_group_seconds": round(reference["seconds"], 2),
        "reference_read_seconds": round(reference["read_seconds"], 2),
        "pipefit_comp_run_seconds": round(ours["seconds"], 2),
        "pipefit_html_seconds": round(ours["html_seconds"], 2),
        "pipefit_command_seconds": round(command, 2),
        "ratio": round(ratio, 1),
        "target_seconds": 10,
        "peak_rss_mb": ours["peak_rss_mb"],
        "phases": {k: round(v, 2) for k, v in ours["phases"].items()},
        "machine": machine(),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"comp run for {args.year} over {args.opportunities:,} opportunities ({machine()})")
    print(
        f"  statements             {ours['statements']:>10,}  ({ours['skipped']} not paid; "
        f"{ours['lines']:,} lines)"
    )
    print(f"  closed-won deals read  {ours['deals']:>10,}  (the year and its clawback reach)")
    print(
        f"  read + DuckDB sum     {reference['seconds']:>10.2f} s  (reference; read "
        f"{reference['read_seconds']:.2f} s, {reference['deals']:,} deals)"
    )
    print(
        f"  pipefit comp run      {ours['seconds']:>10.2f} s  = {ratio:.1f}x  "
        "(target < 10 s, CSV written)"
    )
    print(f"  + HTML pages          {ours['html_seconds']:>10.2f} s")
    print(
        f"  whole command         {command:>10.2f} s  (`pipefit comp run --no-html`, start to exit)"
    )
    print(f"  peak memory           {ours['peak_rss_mb']:>10,} MB")
    print(
        "  where the time goes:  " + ", ".join(f"{k} {v:.1f} s" for k, v in ours["phases"].items())
    )


if __name__ == "__main__":
    main()
