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

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def _run(script: str, *args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, str(HERE / script), "--json", *args],
        check=True, capture_output=True, text=True,
    )
    figures: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    args = parser.parse_args()
    command = "make bench" if args.opportunities == 1_000_000 else (
        f".venv/bin/python benchmarks/run.py --opportunities {args.opportunities}"
    )
    imp = _run("import_1m.py", "--opportunities", str(args.opportunities))
    phases = imp["phases"]
    assert isinstance(phases, dict)
    rows = [
        "| figure | measured | reference (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|",
        f"| import {imp['opportunities']:,} opportunities + their stage events "
        f"({imp['rows']:,} rows) into SQLite | {imp['pipefit_import_seconds']} s "
        f"| DuckDB read_csv of the same files: {imp['duckdb_read_csv_seconds']} s "
        f"| {imp['ratio']}x | <= 10x | {'yes' if float(imp['ratio']) <= 10 else 'NO'} |",
        f"| peak memory of that import | {imp['peak_rss_mb']:,} MB | | | < 3,072 MB "
        f"| {'yes' if int(imp['peak_rss_mb']) < 3072 else 'NO'} |",
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
