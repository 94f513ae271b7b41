"""What deal commands show: people get durations and a "so far" mark, scripts plain values."""

from __future__ import annotations

from datetime import timedelta

from pipefit.domain.pipeline import timed_history
from pipefit.services.deals import DealHistory
from pipefit.views import to_csv, to_json
from pipefit.views.deals import history_view, pipeline_view
from pipefit.views.render import rich_table

from .factories import deal, inbound, when


def _history() -> DealHistory:
    from pipefit.domain.model import StageEvent

    events = [
        StageEvent("ACME-RENEWAL-Q3", 1, None, "Discovery", when("2026-02-20")),
        StageEvent("ACME-RENEWAL-Q3", 2, "Discovery", "Evaluation", when("2026-03-04")),
    ]
    timeline = timed_history(events, when("2026-03-06", hour=13))
    return DealHistory(deal("Evaluation"), timeline, [])


def test_a_history_in_csv_carries_the_time_in_each_stage_in_seconds() -> None:
    lines = to_csv(history_view(_history())).splitlines()
    assert lines[0] == "seq,at,from,to,sub-state,actor,source,reason,time_in_state,so_far"
    assert lines[1].endswith(f",{timedelta(days=12).total_seconds()},")
    assert lines[2].endswith(f",{timedelta(days=2, hours=4).total_seconds()},true")


def test_a_history_in_json_keeps_the_seconds_under_their_old_name() -> None:
    text = to_json(history_view(_history()))
    assert '"time_in_state_seconds": 1036800.0' in text
    assert '"at": "2026-02-20T09:00:00+00:00"' in text


def test_people_see_durations_and_the_current_stage_marked_so_far() -> None:
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(rich_table(history_view(_history()).tables[0]))
    text = console.export_text()
    assert "12d 0h" in text
    assert "2d 4h" in text
    assert "yes" in text


def test_a_pipeline_in_csv_lists_each_stage_with_its_category() -> None:
    lines = to_csv(pipeline_view(inbound())).splitlines()
    assert lines[0] == "stage,category,entry trigger,exit criterion,sub-states"
    assert lines[1].startswith("Discovery,open,")
