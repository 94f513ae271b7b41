"""SPIFFs and presales credit per deal from the command line: `comp statement` in the
terminal, JSON and CSV, and a broken SPIFF refused in one line."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from .cli import run, run_json

D = Decimal

SPIFF = """
[compensation.plans.rep-standard.spiffs.q3-blitz]
kind = "per_deal"
start = 2025-07-01
end = 2025-09-30
amount = 100
cap_per_period = 700
"""


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated company of 1,500 deals whose rep plan has a Q3 2025 SPIFF."""
    root = tmp_path_factory.mktemp("spiffs")
    ws = root / "acme"
    run("init", ws)
    run("generate", "--opportunities", "1500", "--seed", "5", "--out", root / "data")
    run("import", *sorted((root / "data").glob("*.csv")), "-w", ws)
    config = ws / "pipefit.toml"
    config.write_text(config.read_text("utf-8") + SPIFF, "utf-8")
    return ws


def test_a_spiff_has_its_own_line_with_its_deals_in_the_table_json_and_csv(
    company: Path,
) -> None:
    doc = run_json(
        "comp", "statement", "emp-011", "--period", "2025Q3", "-w", company, "-f", "json"
    )
    own = [d["opportunity_id"] for d in doc["deals"] if d["percent"] == 100]
    (line,) = [x for x in doc["lines"] if x["kind"] == "spiff"]
    # 100 a deal closed in Q3 (all of Q3 is inside the SPIFF's dates), at most 700.
    assert line["deals"] == own
    assert D(str(line["amount"])) == min(100 * len(own), 700)
    assert isinstance(line["amount"], int | float)
    assert doc["adds_up"] is True
    text = run("comp", "statement", "emp-011", "--period", "2025Q3", "-w", company, "-f", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(text.stdout)) if r["section"] == "spiff"]
    assert [(r["reference"], D(r["amount"])) for r in rows] == [
        (" ".join(own), D(str(line["amount"])))
    ]
    table = run("comp", "statement", "emp-011", "--period", "2025Q3", "-w", company).stdout
    assert "spiff 'q3-blitz'" in table


def test_outside_its_dates_a_spiff_adds_no_line(company: Path) -> None:
    doc = run_json(
        "comp", "statement", "emp-011", "--period", "2025Q2", "-w", company, "-f", "json"
    )
    assert [x for x in doc["lines"] if x["kind"] == "spiff"] == []


def test_a_spiff_ending_before_it_starts_is_refused_in_one_line(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run("init", ws)
    config = ws / "pipefit.toml"
    broken = SPIFF.replace("end = 2025-09-30", "end = 2025-06-30")
    config.write_text(config.read_text("utf-8") + broken, "utf-8")
    result = run("comp", "plans", "-w", ws, check=False)
    assert result.returncode != 0
    message = result.stderr.strip()
    assert "Traceback" not in message
    assert "plan 'rep-standard': spiffs.q3-blitz.end: is 2025-06-30, before its start" in message


def test_presales_credited_per_deal_are_shown_the_deals_they_were_the_presales_on(
    company: Path, tmp_path: Path
) -> None:
    config = company / "pipefit.toml"
    before = config.read_text("utf-8")
    try:
        config.write_text(
            before.replace(
                "[compensation.plans.presales-standard]\n",
                '[compensation.plans.presales-standard]\npresales_credit = "deal"\n',
            ),
            "utf-8",
        )
        doc = run_json(
            "comp", "statement", "emp-013", "--period", "2025Q3", "-w", company, "-f", "json"
        )
    finally:
        config.write_text(before, "utf-8")
    assert doc["deals"]
    assert {d["basis"] for d in doc["deals"]} == {"presales"}
    assert all("presales on the deal, won by emp-" in d["how"] for d in doc["deals"])
