"""Run every benchmark and write the table into benchmarks/README.md.

Usage: `make bench` (or `.venv/bin/python benchmarks/run.py [--opportunities N]`).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def _run(script: str, *args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, str(HERE / script), "--json", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _report_rows(rep: dict[str, Any]) -> list[str]:
    """The rows of reports_1m.py: the copy of the log, each report, the backtest, memory."""
    share = float(rep["refresh_share"])
    rows = [
        f"| first build of the columnar copy of the stage log ({rep['events']:,} events) "
        f"| {rep['copy_build_seconds']} s | | | (timed alone) | |",
        f"| its refresh after {rep['copy_refresh_read']:,} new events "
        f"| {rep['copy_refresh_seconds']} s ({share:.1%} of the build) | | | < 5% of the build "
        f"| {'yes' if share < 0.05 else 'NO'} |",
    ]
    for name, r in rep["reports"].items():
        ratio = float(r["ratio"])
        rows.append(
            f"| `report {name}` (relations read + report) | {r['seconds']} s "
            f"| DuckDB SQL over Parquet: {r['reference_seconds']} s | {ratio}x | <= 1.5x "
            f"| {'yes' if ratio <= 1.5 else 'NO'} |"
        )
    backtest = float(rep["backtest_seconds"])
    peak = int(rep["peak_rss_mb"])
    rows += [
        f"| `report forecast-backtest`, 8 quarters to {rep['backtest_periods']} "
        f"| {backtest} s | | | < 30 s | {'yes' if backtest < 30 else 'NO'} |",
        f"| peak memory of the reports (any step) | {peak:,} MB | | | < 3,072 MB "
        f"| {'yes' if peak < 3072 else 'NO'} |",
    ]
    return rows


def _load_rows(load: dict[str, Any]) -> list[str]:
    """The rows of load_web.py: each page's p95 under load on each database, beside the
    bare endpoint measured the same way."""
    rows = []
    users, seconds, think = load["users"], load["seconds"], load["think_s"]
    for engine, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        if engine not in load:
            continue
        result = load[engine]
        bare = result["bare"]
        for page, r in result["pages"].items():
            met = r["errors"] == 0 and float(r["p95_ms"]) < 200
            rows.append(
                f"| `{r['path']}` ({page}), {users} users for {seconds:.0f} s, {think} s "
                f"between requests, {label}, {result['workers']} worker(s): {r['requests']:,} "
                f"requests, {r['errors']} errors | p50 {r['p50_ms']} / p95 {r['p95_ms']} / "
                f"p99 {r['p99_ms']} ms (first request after start: {result['first_s'][page]} s) "
                f"| bare FastAPI endpoint: p50 {bare['p50_ms']} / p95 {bare['p95_ms']} / p99 "
                f"{bare['p99_ms']} ms | | p95 < 200 ms, no error | {'yes' if met else 'NO'} |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    args = parser.parse_args()
    command = (
        "make bench"
        if args.opportunities == 1_000_000
        else (f".venv/bin/python benchmarks/run.py --opportunities {args.opportunities}")
    )
    imp = _run("import_1m.py", "--opportunities", str(args.opportunities))
    phases = imp["phases"]
    assert isinstance(phases, dict)
    reads = imp["reads_during_import"]
    assert isinstance(reads, dict)
    extra: list[str] = []
    if (HERE / "comp_run.py").exists():
        comp = _run("comp_run.py", "--opportunities", str(args.opportunities))
        met = float(comp["pipefit_comp_run_seconds"]) < float(comp["target_seconds"])
        extra.append(
            f"| comp run for {comp['statements']:,} people over {comp['year']} "
            f"({comp['closed_won_deals_read']:,} closed-won deals) | "
            f"{comp['pipefit_comp_run_seconds']} s (whole command "
            f"{comp['pipefit_command_seconds']} s) | read + DuckDB grouped sum: "
            f"{comp['reference_read_and_group_seconds']} s | {comp['ratio']}x | < 10 s "
            f"| {'yes' if met else 'NO'} |"
        )
    if (HERE / "leads_score.py").exists():
        leads = _run("leads_score.py")
        rate = int(leads["score_leads_per_second"])  # type: ignore[call-overload]
        with_io = int(leads["score_with_csv_io_leads_per_second"])  # type: ignore[call-overload]
        train = float(leads["train_seconds"])  # type: ignore[arg-type]
        peak = max(int(leads["train_peak_rss_mb"]), int(leads["score_peak_rss_mb"]))  # type: ignore[call-overload]
        extra += [
            f"| score {int(leads['score_rows']):,} leads in batch | {rate:,} leads/s "  # type: ignore[call-overload]
            f"({with_io:,}/s with CSV read+write) | plain logistic regression: "
            f"{leads['reference_logistic_regression_leads_per_second']:,} leads/s; naive Bayes: "
            f"{leads['reference_naive_bayes_leads_per_second']:,} leads/s | | >= 200,000/s "
            f"| {'yes' if rate >= 200_000 else 'NO'} |",
            f"| train on {int(leads['train_rows']):,} leads | {train} s | | | <= 60 s "  # type: ignore[call-overload]
            f"| {'yes' if train <= 60 else 'NO'} |",
            f"| peak memory of lead scoring | {peak:,} MB | | | < 3,072 MB "
            f"| {'yes' if peak < 3072 else 'NO'} |",
        ]
    if (HERE / "reports_1m.py").exists():
        extra += _report_rows(_run("reports_1m.py", "--opportunities", str(args.opportunities)))
    if (HERE / "load_web.py").exists() and args.opportunities == 1_000_000:
        extra += _load_rows(_run("load_web.py"))
    rows = [
        "| figure | measured | reference (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|",
        f"| import {imp['opportunities']:,} opportunities + their stage events "
        f"({imp['rows']:,} rows) into SQLite | {imp['pipefit_import_seconds']} s "
        f"| DuckDB read_csv of the same files: {imp['duckdb_read_csv_seconds']} s "
        f"| {imp['ratio']}x | <= 10x | {'yes' if float(imp['ratio']) <= 10 else 'NO'} |",
        f"| peak memory of that import | {imp['peak_rss_mb']:,} MB | | | < 3,072 MB "
        f"| {'yes' if int(imp['peak_rss_mb']) < 3072 else 'NO'} |",
        f"| reads of the database during that import (another process, once a second) "
        f"| {reads['reads']} reads, {reads['failed']} failed, slowest "
        f"{reads['slowest_seconds']} s | | | none fails "
        f"| {'yes' if reads['failed'] == 0 and reads['reads'] > 0 else 'NO'} |",
        *extra,
    ]
    detail = ", ".join(f"{k} {v} s" for k, v in phases.items())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = "\n".join(
        [
            START,
            f"Measured {stamp} on {imp['machine']} with `{command}`:",
            "",
            *rows,
            "",
            f"Import phases: {detail}.",
            END,
        ]
    )
    text = README.read_text("utf-8")
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), block, text, flags=re.S)
    README.write_text(text, "utf-8")
    print(block)


if __name__ == "__main__":
    main()
