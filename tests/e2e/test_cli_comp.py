"""`pipefit comp ...` and `pipefit plan ...` from the command line, as a user or script would."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from .cli import run, run_json

D = Decimal

REP_PLAN = """\
name = "rep-2026"
description = "checked by hand"
variable_target = 30000
cap_pct = 200
tiers = [
  { from = 0, to = 50, rate = 0.5 },
  { from = 50, to = 100, rate = 1.5 },
  { from = 100, rate = 2 },
]
"""


def test_the_article_s_scenarios_print_exactly_375_000_and_450_000(tmp_path: Path) -> None:
    first = run_json(
        "plan",
        "capacity",
        "--reps-per-presales",
        "10",
        "--rep-quota",
        "750000",
        "--gain",
        "0.05",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert first["influenced_quota"] == 7500000
    assert first["extra_revenue"] == 375000
    second = run_json(
        "plan",
        "capacity",
        "--reps-per-presales",
        "5",
        "--rep-quota",
        "900000",
        "--gain",
        "0.10",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert (second["influenced_quota"], second["extra_revenue"]) == (4500000, 450000)
    table = run(
        "plan",
        "capacity",
        "--reps-per-presales",
        "5",
        "--rep-quota",
        "900000",
        "--gain",
        "0.10",
        cwd=tmp_path,
    ).stdout
    assert "$4,500,000 influenced" in table
    assert "$450,000 extra revenue" in table


def test_a_scenario_without_a_gain_takes_the_workspace_s_default_gain(tmp_path: Path) -> None:
    run("init", tmp_path / "ws")
    config = tmp_path / "ws" / "pipefit.toml"
    text = config.read_text()
    assert "default_gain = 0.05" in text
    config.write_text(text.replace("default_gain = 0.05", "default_gain = 0.08"))
    args = ("plan", "capacity", "--reps-per-presales", "10", "--rep-quota", "750000")
    # 10 x 750,000 = 7,500,000 influenced; x 8% = 600,000.
    assert run_json(*args, "-w", tmp_path / "ws", "-f", "json")["extra_revenue"] == 600000
    # Without a workspace, the configuration's own default: 5%.
    assert run_json(*args, "-f", "json", cwd=tmp_path)["extra_revenue"] == 375000


def test_a_refused_plan_input_names_its_option(tmp_path: Path) -> None:
    result = run(
        "plan",
        "capacity",
        "--reps-per-presales",
        "0",
        "--rep-quota",
        "1",
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert "must be above 0, not 0 (--reps-per-presales)" in result.stdout + result.stderr


def test_a_plan_file_is_computed_without_a_workspace(tmp_path: Path) -> None:
    plan = tmp_path / "rep-2026.toml"
    plan.write_text(REP_PLAN)
    # Quota 300,000 (on-target rate 10%), bookings 390,000 = 130%:
    #   150,000 x 0.5 x 10% = 7,500; 150,000 x 1.5 x 10% = 22,500; 90,000 x 2 x 10% = 18,000
    result = run_json(
        "comp",
        "calc",
        "--plan",
        plan,
        "--quota",
        "300000",
        "--bookings",
        "390000",
        "--base",
        "120000",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert result["plan"] == "rep-2026"
    assert result["attainment"] == 1.3
    assert [line["amount"] for line in result["lines"]] == [7500, 22500, 18000]
    assert result["variable_pay"] == 48000
    assert result["pct_of_base"] == 40


def test_a_broken_plan_file_fails_with_the_plan_and_the_field(tmp_path: Path) -> None:
    plan = tmp_path / "rep-2026.toml"
    plan.write_text(REP_PLAN.replace("{ from = 50, to = 100", "{ from = 40, to = 100"))
    result = run(
        "comp",
        "calc",
        "--plan",
        plan,
        "--quota",
        "1",
        "--bookings",
        "1",
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert "plan 'rep-2026': tiers[1].from: is 40% but tiers[0] ends at 50%" in result.stderr
    negative = run(
        "comp",
        "calc",
        "--plan",
        tmp_path / "rep-2026.toml",
        "--quota",
        "-5",
        "--bookings",
        "1",
        cwd=tmp_path,
        check=False,
    )
    assert negative.returncode == 1


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding a generated company of 3,000 deals."""
    root = tmp_path_factory.mktemp("comp")
    ws = root / "acme"
    run("init", ws)
    run("generate", "--opportunities", "3000", "--seed", "5", "--out", root / "data")
    files = sorted((root / "data").glob("*.csv"))
    run("import", *files, "-w", ws)
    return ws


def test_a_statement_in_json_has_the_fields_scripts_rely_on(company: Path) -> None:
    rep = run_json(
        "comp", "statement", "emp-011", "--period", "2025Q3", "-w", company, "-f", "json"
    )
    for key in ("person", "period", "quota", "credited", "attainment", "variable_pay", "lines"):
        assert key in rep
    assert rep["person"] == "emp-011"
    assert rep["period"] == "2025Q3"
    credited = sum(D(str(d["credit"])) for d in rep["deals"])
    assert credited == D(str(rep["credited"]))
    assert sum(D(str(line["amount"])) for line in rep["lines"]) == D(str(rep["variable_pay"]))
    assert rep["adds_up"] is True
    table = run("comp", "statement", "emp-011", "--period", "2025Q3", "-w", company).stdout
    assert "Credited deals" in table
    assert "Variable pay:" in table
    assert "Rounding: each line rounded to 0.01 half to even" in table


def test_a_run_writes_everyone_s_statements_to_csv_and_html(company: Path) -> None:
    out = company / "out"
    summary = run_json("comp", "run", "--period", "2025", "--out", out, "-w", company, "-f", "json")
    assert summary["skipped"] == []
    with (out / "statements.csv").open() as handle:
        people = list(csv.DictReader(handle))
    assert len(people) == summary["statements"]
    assert {p["role"] for p in people} == {"sales_rep", "presales"}
    sums: dict[str, Decimal] = {}
    with (out / "statement_lines.csv").open() as handle:
        for line in csv.DictReader(handle):
            if line["section"] != "credit":
                sums[line["person"]] = sums.get(line["person"], D(0)) + D(line["amount"])
    for person in people:
        assert sums.get(person["person"], D(0)) == D(person["variable_pay"])
    index = (out / "index.html").read_text()
    assert "Pay statements, 2025" in index
    page = (out / "people" / f"{people[0]['person']}.html").read_text()
    assert "Credited deals" in page and "variable pay" in page


def test_quotas_show_the_street_quota_beside_the_explicit_pool_target(company: Path) -> None:
    rows = run_json("comp", "quotas", "--period", "2025", "-w", company, "-f", "json")
    pools = [r for r in rows if r["kind"] == "pool"]
    assert pools and all(r["street_quota"] is not None for r in pools)
    assert all(r["explicit"] is not None for r in pools)  # the sample sets yearly pool rows
    assert {r["kind"] for r in rows} == {"person", "pool", "team"}


def test_a_quota_change_is_recorded_and_prorated(company: Path) -> None:
    before = run_json(
        "comp", "statement", "emp-012", "--period", "2025Q4", "-w", company, "-f", "json"
    )
    run(
        "comp",
        "quota-change",
        "emp-012",
        "--period",
        "2025Q4",
        "--amount",
        str(before["quota"] * 2),
        "--from",
        "2025-12-01",
        "--reason",
        "promotion",
        "-w",
        company,
    )
    after = run_json(
        "comp", "statement", "emp-012", "--period", "2025Q4", "-w", company, "-f", "json"
    )
    # October and November as before, December at twice the quota: 4/3 of it.
    assert D(str(after["quota"])) == (D(str(before["quota"])) * 4 / 3).quantize(D("0.01"))


def test_the_comparison_and_the_charts_are_written(company: Path) -> None:
    rows = run_json("comp", "compare", "-w", company, "-f", "json")
    assert [(r["role"], r["attainment_pct"], r["variable_pct_of_base"]) for r in rows] == [
        ("sales_rep", 100, 100),
        ("sales_rep", 150, 200),
        ("presales", 100, 33.33),
        ("presales", 150, 50),
    ]
    for name in ("curves.png", "curves.html"):
        run("comp", "curves", "--out", company / name, "-w", company)
        assert (company / name).stat().st_size > 1000
    assert (company / "curves.png").read_bytes().startswith(b"\x89PNG")
    run("comp", "attainment", "--period", "2025", "--chart", company / "att.svg", "-w", company)
    assert "<svg" in (company / "att.svg").read_text()


# A figure written for people: thousands separators, or a currency symbol.
DISPLAY_NUMBER = re.compile(r"^[$€£]?-?\d{1,3}(,\d{3})+(\.\d+)?%?$|^[$€£]")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_pay_output_for_scripts_is_plain_numbers_and_iso_dates(
    company: Path, tmp_path: Path
) -> None:
    plan = tmp_path / "rep-2026.toml"
    plan.write_text(REP_PLAN)
    calc = ("calc", "--plan", plan, "--quota", "364000", "--bookings", "390000")
    commands: list[tuple[str | Path, ...]] = [
        ("attainment", "--period", "2025"),
        ("quotas", "--period", "2025"),
        ("compare",),
        ("plans",),
        ("statement", "emp-011", "--period", "2025Q3"),
        # The second format replaces the first's files: it says so (--overwrite).
        ("run", "--period", "2025Q3", "--out", tmp_path / "run", "--no-html", "--overwrite"),
        calc,
    ]
    for command in commands:
        for fmt in ("json", "csv"):
            text = run("comp", *command, "-w", company, "-f", fmt).stdout
            if fmt == "json":
                cells = list(strings(json.loads(text)))
            else:
                cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
            shown = [c for c in cells if DISPLAY_NUMBER.search(c)]
            assert shown == [], (command, fmt, shown[:3])
    statement = run_json(
        "comp", "statement", "emp-011", "--period", "2025Q3", "-w", company, "-f", "json"
    )
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]+\+00:00", d["closed_at"]) for d in statement["deals"]
    )
    assert isinstance(statement["quota"], int | float)
    with (tmp_path / "run" / "statements.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", r["variable_pay"]) for r in rows)
    table = run("comp", "quotas", "--period", "2025", "-w", company).stdout
    assert re.search(r"\d{1,3},\d{3}\.\d\d", table)  # people still read separators


def test_a_refused_quota_change_names_the_option_to_fix(company: Path) -> None:
    result = run(
        "comp",
        "quota-change",
        "emp-012",
        "--period",
        "2025Q4",
        "--amount",
        "5",
        "--from",
        "2026-12-01",
        "-w",
        company,
        check=False,
    )
    assert result.returncode == 1
    assert "2026-12-01 is not within 2025Q4" in result.stderr
    assert result.stderr.rstrip().endswith("(--from)")
    bad = run("comp", "quotas", "--period", "2025Q5", "-w", company, check=False)
    assert bad.returncode == 1 and bad.stderr.rstrip().endswith("(--period)")


def test_capacity_planning_and_workload_from_the_workspace_history(company: Path) -> None:
    capacity = run_json("plan", "capacity", "-w", company, "-f", "json")
    assert capacity["segments"]
    assert "extra_revenue" in capacity and "influenced_quota" in capacity
    options = run_json(
        "plan",
        "compare",
        "--reps",
        "2",
        "--presales",
        "1",
        "--chart",
        company / "whatif.html",
        "-w",
        company,
        "-f",
        "json",
    )
    assert [o["headcount"] for o in options["options"]] == [2, 0, 1]
    assert any("McKinsey" in a for a in options["assumptions"])
    assert options["history"]["win_rate"] > 0
    assert (company / "whatif.html").read_text().count("<script") >= 1
    workload = run_json("plan", "workload", "-w", company, "-f", "json")
    assert workload["presales"]
    assert all("open_deals" in row for row in workload["presales"])
    refused = run("plan", "workload", "--weeks", "-2", "-w", company, check=False)
    assert "the workload window must be at least one week, not -2 (--weeks)" in (
        refused.stdout + refused.stderr
    )


def test_plan_compare_for_scripts_carries_plain_numbers(company: Path) -> None:
    options = run_json("plan", "compare", "-w", company, "-f", "json")
    assert all(isinstance(o["cost"], int | float) for o in options["options"])
    assert isinstance(options["history"]["bookings"], int | float)
    rows = list(
        csv.DictReader(run("plan", "compare", "-w", company, "-f", "csv").stdout.splitlines())
    )
    assert [r["headcount"] for r in rows] == ["1", "0", "1"]
    for row in rows:
        for key in ("cost", "revenue_low", "revenue_expected", "revenue_high"):
            assert D(row[key]) >= 0 and "," not in row[key]
    table = run("plan", "compare", "-w", company).stdout
    assert "Options, first year" in table and "Assumptions (not from the history):" in table
