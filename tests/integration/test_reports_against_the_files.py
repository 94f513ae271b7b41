"""`report kpis` and `report time-in-stage` on an imported generated company agree with
the same figures counted by hand from the generated CSV files (the csv module, no store,
no engine): win rate, won revenue, cycle length, stage medians."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .reports_data import (
    DATA_END,
    Company,
    days,
    generated_company,
    median,
    read_csv,
    records,
    report,
    stage_visits,
)

SIZE, SEED = 5_000, 7


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Company:
    return generated_company(
        tmp_path_factory.getbasetemp() / "reports", opportunities=SIZE, seed=SEED
    )


@pytest.fixture(scope="module")
def opportunities(company: Company) -> list[dict[str, str]]:
    return list(read_csv(company.folder, "opportunities"))


def outcome(row: dict[str, str]) -> str:
    return {"Closed won": "won", "Closed lost": "lost"}.get(row["stage"], "open")


def test_kpis_win_rate_revenue_and_cycle_are_those_counted_from_opportunities_csv(
    company: Company, opportunities: list[dict[str, str]]
) -> None:
    counted = Counter(outcome(r) for r in opportunities)
    won = [r for r in opportunities if outcome(r) == "won"]
    assert {r["currency"] for r in opportunities} == {"USD"}  # the workspace currency
    summary = report(company.workspace, "kpis").summary
    assert (summary["won"], summary["lost"], summary["open"]) == (
        counted["won"],
        counted["lost"],
        counted["open"],
    )
    assert summary["win_rate"] == round(counted["won"] / (counted["won"] + counted["lost"]), 4)
    assert summary["won_revenue"] == pytest.approx(sum(float(r["amount"]) for r in won))
    cycles = [days(r["created_at"], r["closed_at"]) for r in won]
    assert summary["median_cycle_days_won"] == pytest.approx(median(cycles), abs=1e-4)
    assert summary["mean_cycle_days_won"] == pytest.approx(sum(cycles) / len(cycles), abs=1e-4)


def segment_of(employees: int) -> str:
    return "enterprise" if employees >= 1000 else "smb" if employees >= 100 else "small"


def test_kpis_by_segment_count_each_segments_deals(
    company: Company, opportunities: list[dict[str, str]]
) -> None:
    # the segments of the default pipefit.toml, by employees: small 0+, smb 100+, enterprise 1000+
    segment = {
        a["account_id"]: segment_of(int(a["employees"]))
        for a in read_csv(company.folder, "accounts")
    }
    counted = Counter((segment[r["account_id"]], outcome(r)) for r in opportunities)
    groups = report(company.workspace, "kpis", by=["segment"]).rows.to_pylist()
    assert groups
    for g in groups:
        won, lost = counted[(g["segment"], "won")], counted[(g["segment"], "lost")]
        assert (g["won"], g["lost"]) == (won, lost), g["segment"]
        assert g["win_rate"] == round(won / (won + lost), 4)


def test_time_in_stage_medians_are_those_of_stage_events_csv_by_hand(company: Company) -> None:
    visits = stage_visits(company.folder)
    rows = [r for r in records(report(company.workspace, "time-in-stage")) if r["level"] == "stage"]
    assert rows
    for row in rows:
        stays = visits[row["stage"]]
        assert row["visits"] == len(stays), row["stage"]
        assert row["median_days"] == pytest.approx(median(stays), abs=1e-4), row["stage"]
        assert row["mean_days"] == pytest.approx(sum(stays) / len(stays), abs=1e-4), row["stage"]


def _pipefit_json(*args: str | Path) -> Any:
    command = [str(Path(sys.executable).parent / "pipefit"), *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_command_line_prints_the_same_kpis(
    company: Company, opportunities: list[dict[str, str]]
) -> None:
    counted = Counter(outcome(r) for r in opportunities)
    printed = _pipefit_json(
        "report",
        "kpis",
        "-w",
        company.workspace.root,
        "--as-of",
        DATA_END.date().isoformat(),
        "-f",
        "json",
    )
    assert (printed["won"], printed["lost"]) == (counted["won"], counted["lost"])
    assert printed["win_rate"] == round(counted["won"] / (counted["won"] + counted["lost"]), 4)
    assert {"won_revenue", "median_cycle_days_won", "sales_velocity_per_day"} <= set(printed)
