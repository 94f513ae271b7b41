"""Closing a pay period from the command line: a closed quarter's statement is the same
to the byte after a late deal is imported, which is paid as an adjustment next quarter;
the year is the sum of its quarters."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from .cli import run, run_json

D = Decimal


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("comp-close")
    ws = root / "acme"
    run("init", ws)
    run("generate", "--opportunities", "800", "--seed", "5", "--out", root / "data")
    run("import", *sorted((root / "data").glob("*.csv")), "-w", ws)
    return ws


def _total(company: Path, period: str) -> Decimal:
    out = company / f"run-{period}"
    summary = run_json("comp", "run", "--period", period, "--out", out, "-w", company, "-f", "json")
    return D(str(summary["total_variable_pay"]))


def test_the_year_pays_the_sum_of_its_quarters(company: Path) -> None:
    quarters = [_total(company, f"2025Q{q}") for q in (1, 2, 3, 4)]
    assert _total(company, "2025") == sum(quarters)


def test_a_closed_quarter_reads_the_same_to_the_byte_after_a_late_deal(company: Path) -> None:
    closed = run_json(
        "comp", "close", "--period", "2025Q3", "--by", "finance-lead", "-w", company, "-f", "json"
    )
    assert (closed["period"], closed["closed_by"]) == ("2025Q3", "finance-lead")
    periods = run_json("comp", "periods", "-w", company, "-f", "json")
    assert [(p["period"], p["closed_by"]) for p in periods] == [("2025Q3", "finance-lead")]
    statement = ("comp", "statement", "emp-011", "--period", "2025Q3", "-w", company, "-f", "csv")
    before = run(*statement).stdout.encode()
    # A deal of emp-011 won on 2025-09-20, imported after the close.
    (company / "late").mkdir()
    late = company / "late" / "opportunities.csv"
    with late.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "opportunity_id",
                "name",
                "account_id",
                "pipeline",
                "stage",
                "amount",
                "currency",
                "owner_id",
                "created_at",
                "closed_at",
            ]
        )
        writer.writerow(
            [
                "opp-LATE-ACME",
                "ACME late renewal",
                "",
                "inbound",
                "Closed won",
                "40000.00",
                "USD",
                "emp-011",
                "2025-06-01T09:00:00Z",
                "2025-09-20T15:00:00Z",
            ]
        )
    run("import", late, "-w", company)
    assert run(*statement).stdout.encode() == before
    q4 = run_json("comp", "statement", "emp-011", "--period", "2025Q4", "-w", company, "-f", "json")
    (adjustment,) = [line for line in q4["lines"] if line["kind"] == "adjustment"]
    assert adjustment["origin"] == "2025Q3"
    assert "late deal opp-LATE-ACME" in adjustment["label"]
    assert D(str(adjustment["amount"])) > 0
    again = run("comp", "close", "--period", "2025Q3", "-w", company, check=False)
    assert again.returncode != 0
    assert again.stderr.strip().count("\n") == 0
    assert "2025Q3 is already closed (by finance-lead" in again.stderr
