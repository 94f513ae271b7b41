"""What `plan ...` shows: plain numbers for scripts, formatted tables and sentences for
people (views.capacity over the reports of `capacity_factories`' team)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console

from pipefit.services.capacity import (
    capacity_scenario,
    plan_team,
    presales_workload,
    workspace_capacity,
)
from pipefit.views import render, to_csv, to_json
from pipefit.views.capacity import capacity_view, options_view, scenario_view, workload_view
from pipefit.views.shapes import View

from .capacity_factories import AS_OF, CONFIG, STAGES, D, uow


def shown(view: View) -> str:
    console = Console(file=io.StringIO(), width=250, highlight=False, markup=False)
    render(view, "table", console)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def csv_rows(view: View) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(to_csv(view))))


def as_json(view: View) -> Any:
    return json.loads(to_json(view))


def test_a_scenario_reads_as_two_sentences_in_dollars() -> None:
    text = shown(scenario_view(capacity_scenario(D(5), D(900000), D("0.10")), for_people=True))
    assert text.splitlines() == [
        "1 presales : 5 reps x $900,000 quota = $4,500,000 influenced",
        "$4,500,000 x 10% gain = $450,000 extra revenue, with no new headcount",
    ]


def test_a_scenario_for_scripts_is_one_row_of_plain_numbers() -> None:
    view = scenario_view(capacity_scenario(D(5), D(900000), D("0.10")), for_people=False)
    assert as_json(view) == {
        "reps_per_presales": 5,
        "rep_quota": 900000,
        "influenced_quota": 4500000,
        "gain": 0.1,
        "extra_revenue": 450000,
    }
    assert csv_rows(view) == [
        {
            "reps_per_presales": "5",
            "rep_quota": "900000",
            "influenced_quota": "4500000.00",
            "gain": "0.10",
            "extra_revenue": "450000.00",
        }
    ]


def test_the_plan_options_for_scripts_carry_plain_numbers() -> None:
    view = options_view(plan_team(uow(), CONFIG, "USD", team="east", as_of=AS_OF))
    document = as_json(view)
    # East's history (see test_capacity_services): 90,000 booked, 3 won, 1 lost.
    assert document["history"]["bookings"] == 90000
    assert document["history"]["win_rate"] == 0.75
    assert document["history"]["cycle_days"] == 40
    reps = document["options"][0]
    # The median of 40,000 and 50,000 is their mean, 45,000: 45,000 x 9.25 / 12 = 34,687.50.
    assert (reps["cost"], reps["revenue_expected"]) == (180000, 34687.5)
    assert reps["how"][0].startswith("a rep books 45,000 a year")
    rows = csv_rows(view)
    assert [r["option"] for r in rows] == [
        "hire 1 more rep",
        "make presales 5% more productive",
        "hire 1 more presales",
    ]
    # Never "180,000.00": no thousands separators, no currency in a machine format.
    assert (rows[0]["cost"], rows[0]["revenue_expected"]) == ("180000.00", "34687.50")
    assert all("," not in value for row in rows for value in row.values() if value[0].isdigit())


def test_the_plan_options_for_people_are_formatted_with_how_and_assumptions() -> None:
    text = shown(options_view(plan_team(uow(), CONFIG, "USD", team="east", as_of=AS_OF)))
    assert "The team" in text and "Options, first year" in text
    assert "180,000.00" in text and "34,687.50" in text
    assert "hire 1 more rep:\n  - a rep books 45,000 a year" in text
    assert "Assumptions (not from the history):\n  - productivity gain asked about: 5%" in text


def test_the_segments_for_scripts_carry_every_column_and_the_team_totals() -> None:
    view = capacity_view(workspace_capacity(uow(), CONFIG, "USD", as_of=AS_OF), for_people=False)
    document = as_json(view)
    assert (document["influenced_quota"], document["extra_revenue"]) == (2400000, 170000)
    smb = next(s for s in document["segments"] if s["segment"] == "smb")
    assert (smb["acv"], smb["influenced_quota_at_norm"], smb["presales_gap"]) == (
        30000,
        7000000,
        -0.8,
    )
    rows = {r["segment"]: r for r in csv_rows(view)}
    assert rows["enterprise"]["extra_revenue"] == "100000.00"
    assert rows["enterprise"]["norm_source"] == "pipefit's assumption, not the article's"


def test_the_segments_for_people_are_a_narrower_table_with_the_team_s_gain() -> None:
    view = capacity_view(workspace_capacity(uow(), CONFIG, "USD", as_of=AS_OF), for_people=True)
    assert [c.heading for c in view.tables[0].columns] == [
        "segment",
        "reps",
        "presales",
        "ratio",
        "norm",
        "avg deal",
        "rep quota",
        "influenced per presales",
        "gain",
        "extra revenue per presales",
        "presales at norm",
    ]
    text = shown(view)
    assert "Presales capacity by segment (2025-01-01 to 2026-01-01; quotas of 2025)" in text
    assert "1:10 high volume, low value (the article)" in text
    assert "1,400,000.00" in text
    assert (
        "A gain on every presales person's influence: 170,000.00 extra revenue a year across "
        "the team (quota influenced: 2,400,000.00)"
    ) in text


def test_the_workload_has_a_column_per_stage_and_plain_numbers_for_scripts() -> None:
    view = workload_view(presales_workload(uow(), CONFIG, as_of=AS_OF, stage_order=STAGES))
    rows = csv_rows(view)
    assert list(rows[0]) == [
        "presales",
        "name",
        "Discovery",
        "Evaluation",
        "Proposal",
        "open_deals",
        "meetings_per_week",
        "over_capacity",
    ]
    assert rows[0] == {
        "presales": "se-dee",
        "name": "Dee",
        "Discovery": "2",
        "Evaluation": "1",
        "Proposal": "0",
        "open_deals": "3",
        "meetings_per_week": "0.50",
        "over_capacity": "",
    }
    document = as_json(view)
    assert (document["weeks"], document["over_capacity"]) == (4, [])
    assert document["presales"][0]["meetings_per_week"] == 0.5
    assert "Presales workload (4 weeks to 2026-01-01)" in shown(view)
