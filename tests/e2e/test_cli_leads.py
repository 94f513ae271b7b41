from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from ..unit.scoring_data import messy_leads
from .cli import run, run_json

REQUIRED = {"rows", "positive_rate", "auc", "leaky_fields", "excluded"}


@pytest.fixture(scope="module")
def leads_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crm-export") / "leads.csv"
    pacsv.write_csv(messy_leads(500), path)
    return path


def test_any_lead_file_is_scored_and_compared_without_a_workspace(
    leads_csv: Path, tmp_path: Path
) -> None:
    scored = tmp_path / "scored.csv"
    result = run_json(
        "leads", "score", leads_csv, "--target", "Converted", "--folds", "3",
        "--out", scored, "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert set(result) >= REQUIRED
    assert result["rows"] == 500
    assert 0 < result["positive_rate"] < 1
    assert set(result["auc"]) == {"pipefit", "logistic_regression", "gradient_boosting",
                                  "naive_bayes"}  # fmt: skip
    assert result["auc"]["pipefit"] > 0.75
    assert result["leaky_fields"] == ["Tags"]
    assert set(result["excluded"]) == {"Prospect ID", "Magazine", "Tags"}
    with scored.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 500
    assert list(rows[0]) == ["row", "Prospect ID", "Converted", "score", "band", "reasons"]
    assert {r["band"] for r in rows} <= {"Excellent", "Good", "Risky", "Null"}
    assert all(r["reasons"].count("; ") == 2 for r in rows)


def test_a_saved_model_scores_new_leads_from_the_command_line(
    leads_csv: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model.joblib"
    table = run(
        "leads", "score", leads_csv, "--target", "Converted", "--folds", "0",
        "--save-model", model, "--exclude", "Prospect ID", cwd=tmp_path,
    ).stdout  # fmt: skip
    assert "Model saved to" in table
    new = tmp_path / "new.csv"
    pacsv.write_csv(messy_leads(50, seed=9).drop_columns(["Converted"]), new)
    out = tmp_path / "new-scored.csv"
    batch = run_json("leads", "score", new, "--model", model, "--out", out, "-f", "json")
    assert batch["rows"] == 50
    assert sum(batch["bands"].values()) == 50
    assert len(out.read_text().splitlines()) == 51


def test_a_readable_table_lists_the_comparison_the_warnings_and_the_best_leads(
    leads_csv: Path, tmp_path: Path
) -> None:
    small = tmp_path / "small.csv"
    pacsv.write_csv(messy_leads(300), small)
    text = run("leads", "score", small, "--target", "Converted", "--folds", "2",
               cwd=tmp_path).stdout  # fmt: skip
    for expected in (
        "2-fold ROC-AUC",
        "gradient_boosting",
        "Leak warnings",
        "Tags",
        "predicts the outcome almost perfectly",
        "Best-scored leads",
        "(raises)",
    ):
        assert expected in text, expected  # fmt: skip


def test_bad_input_is_refused_in_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    pacsv.write_csv(pa.table({"a": [1, 2], "Won": [0, 1]}), path)
    out = tmp_path / "scored.csv"
    result = run("leads", "score", path, "--target", "Converted", "--out", out, cwd=tmp_path,
                 check=False)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: leads.csv has no outcome column 'Converted'; its columns are: a, Won (--target)"
    )
    assert list(tmp_path.iterdir()) == [path]


@pytest.fixture(scope="module")
def company_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leads-cli")
    ws = root / "acme"
    run("init", ws)
    run("generate", "--out", root / "data", "--opportunities", "400", "--seed", "4", "-w", ws)
    run("import", *sorted((root / "data").glob("*.csv")), "-w", ws)
    return ws


def test_leads_are_assessed_qualified_overridden_and_logged_from_the_command_line(
    company_ws: Path,
) -> None:
    ws = company_ws
    assessed = run_json("leads", "assess", "-w", ws, "-f", "json", "--limit", "0")
    assert assessed and {"lead", "band", "bant", "demo_ready_pct", "flag", "reasons"} <= set(
        assessed[0]
    )
    flagged = [a for a in assessed if a["flag"]]
    assert all(a["flag"].startswith("BANT would drop this; look again") for a in flagged)
    preview = run_json("leads", "qualify", "--dry-run", "-w", ws, "-f", "json")
    assert preview["written"] is False
    # Qualify takes the waiting leads and those imported as nurture (no re-entry date).
    nurtured = run_json("leads", "assess", "--status", "nurture", "-w", ws, "-f", "json",
                        "--limit", "0")  # fmt: skip
    assert nurtured
    assert len(preview["decisions"]) == len(assessed) + len(nurtured)
    done = run_json("leads", "qualify", "--no-learned", "-w", ws, "-f", "json")
    assert done["written"] is True
    decided = {d["lead"]: d for d in done["decisions"]}
    assert {d["decision"] for d in decided.values()} <= {"handoff", "nurture", "disqualify"}
    lead = next(iter(decided))
    run("leads", "override", lead, "--decision", "nurture", "--until", "2099-01-01",
        "--by", "emp-001", "--note", "budget next year", "-w", ws)  # fmt: skip
    log = run_json("leads", "decisions", lead, "-w", ws, "-f", "json")
    assert [d["decision"] for d in log] == ["nurture", decided[lead]["decision"]]
    assert log[0]["by"] == "emp-001"
    assert (log[0]["note"], log[0]["state"]) == ("budget next year", "in force")
    assert (log[1]["state"], log[1]["superseded_by"]) == ("superseded", log[0]["id"])
    assert log[0]["reasons"].startswith("overridden by emp-001: nurture until 2099-01-01")
    shown = run_json("leads", "show", lead, "--no-learned", "-w", ws, "-f", "json")
    assert shown["lead"] == lead
    assert len(shown["decisions"]) == 2
    assert {p["parameter"] for p in shown["scorecard_parts"]} >= {"lane", "needs_match"}
    refused = run("leads", "override", lead, "--decision", "handoff", "--by", "emp-001",
                  "-w", ws, check=False)  # fmt: skip
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: a hand-off needs the rep to hand to (--to)"


def test_lanes_scorecards_and_the_backtest_from_the_command_line(
    company_ws: Path, tmp_path: Path
) -> None:
    ws = company_ws
    lanes = run("leads", "lanes", "-w", ws, "-f", "csv").stdout.splitlines()
    assert lanes[0].startswith("lane,customers,churn_per_year_pct,successful_pct")
    assert lanes[-1].startswith("all customers,")
    card = run_json("leads", "scorecard", "-w", ws, "-f", "json")
    assert card[0]["parameter"] == "needs_match"
    draft = run_json("leads", "scorecard", "--propose", "-w", ws, "-f", "json")
    means = draft["backtest"]["mean"]  # the proposal against the card in force, later leads
    worse = means["auc_proposed"] < means["auc_in_force"] or (
        means["lift_top20_proposed"] < means["lift_top20_in_force"]
    )
    tried = run("leads", "scorecard", "--propose", "--write", "-w", ws, check=False)
    if worse:
        assert tried.returncode == 1
        assert tried.stderr.startswith("error: the proposed scorecard ranks later successful")
        assert "(--force)" in tried.stderr and len(tried.stderr.strip().splitlines()) == 1
        assert "Proposed by pipefit" not in (ws / "pipefit.toml").read_text()
    else:
        assert tried.returncode == 0
    proposed = run_json(
        "leads", "scorecard", "--propose", "--write", "--force", "-w", ws, "-f", "json"
    )
    assert proposed["written_to"].endswith("pipefit.toml")
    assert "[qualification.scorecard]" in proposed["toml"]
    text = (ws / "pipefit.toml").read_text()
    assert "Proposed by pipefit" in text
    assert "[[pipelines.stages]]" in text  # the rest of the file is kept
    new_card = run_json("leads", "scorecard", "-w", ws, "-f", "json")
    assert [r["parameter"] for r in new_card] == [r["parameter"] for r in proposed["parameters"]]
    chart = tmp_path / "gains.png"
    backtest = run_json("leads", "backtest", "--splits", "2", "--chart", chart, "-w", ws,
                        "-f", "json")  # fmt: skip
    assert {r["method"] for r in backtest["results"]} == {
        "bant", "demo_ready", "scorecard", "p_win", "p_success", "naive_bayes"}  # fmt: skip
    assert backtest["leaky_fields"] == ["status"]
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_broken_scorecard_is_refused_with_the_key_that_holds_the_mistake(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    config = ws / "pipefit.toml"
    config.write_text(config.read_text().replace('name = "culture"', 'name = "cultur"'))
    result = run("leads", "scorecard", "-w", ws, check=False)
    assert result.returncode == 1
    assert "qualification.scorecard.parameters.3" in result.stderr
    assert "unknown parameter 'cultur'" in result.stderr
