"""The shipped mapping files, used from the command line as a user would."""

from __future__ import annotations

import csv
from pathlib import Path

import pipefit.io

from .cli import run, run_json

MAPPINGS = Path(pipefit.io.__file__).parent / "mappings"
FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_a_pipedrive_export_shows_the_stage_each_lost_deal_was_lost_in(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)

    result = run(
        "import",
        FIXTURES / "pipedrive" / "deals-export.csv",
        "--mapping",
        MAPPINGS / "pipedrive-deals.toml",
        "--workspace",
        ws,
    )

    assert "[files.deals] took 11 of 12 rows" in " ".join(result.stdout.split())
    history = run_json("pipeline", "history", "301", "-w", ws, "-f", "json")
    [event] = history["events"]
    assert (event["from"], event["to"], event["reason"]) == ("Demo Scheduled", "Lost", "Price")
    assert history["opportunity"]["outcome"] == "lost"


def test_the_olist_funnel_lands_each_closed_deal_as_won(tmp_path: Path) -> None:
    ws = tmp_path / "olist"
    run("init", ws)
    folder = FIXTURES / "olist"
    with (folder / "olist_closed_deals_dataset.csv").open(newline="", encoding="utf-8") as f:
        closed = len(list(csv.DictReader(f)))
    with (folder / "olist_marketing_qualified_leads_dataset.csv").open(
        newline="", encoding="utf-8"
    ) as f:
        leads = len(list(csv.DictReader(f)))

    run(
        "import",
        folder / "olist_marketing_qualified_leads_dataset.csv",
        folder / "olist_closed_deals_dataset.csv",
        "--mapping",
        MAPPINGS / "olist-funnel.toml",
        "-w",
        ws,
    )

    status = run_json("status", "-w", ws, "-f", "json")
    assert status["by_pipeline"]["olist"] == {"MQL": leads - closed, "Won": closed}
    assert status["leads"] == leads
