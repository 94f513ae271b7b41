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
    assert lines[0] == (
        "seq,at,from,to,sub-state,actor,source,reason,time_in_state,so_far,correction"
    )
    assert lines[1].endswith(f",{timedelta(days=12).total_seconds()},,")
    assert lines[2].endswith(f",{timedelta(days=2, hours=4).total_seconds()},true,")


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


def _corrected_history() -> DealHistory:
    """Event 2 logged at 2099 by mistake and corrected; event 3 voided."""
    from datetime import UTC, datetime

    from pipefit.domain.model import StageEvent, StageEventCorrection

    events = [
        StageEvent("ACME-RENEWAL-Q3", 1, None, "Discovery", when("2026-02-20")),
        StageEvent(
            "ACME-RENEWAL-Q3", 2, "Discovery", "Evaluation", datetime(2099, 1, 1, tzinfo=UTC)
        ),
        StageEvent(
            "ACME-RENEWAL-Q3", 3, "Evaluation", "Closed lost", datetime(2099, 2, 1, tzinfo=UTC)
        ),
    ]
    corrections = [
        StageEventCorrection(
            "ACME-RENEWAL-Q3", 1, 2, when("2026-03-10"), "typo in the year", at=when("2026-03-05")
        ),
        StageEventCorrection(
            "ACME-RENEWAL-Q3",
            2,
            3,
            when("2026-03-10"),
            "never lost",
            void=True,
            actor_id="admin-ann",
        ),
    ]
    timeline = timed_history(events, when("2026-03-06", hour=13), corrections)
    return DealHistory(deal("Evaluation"), timeline, [], corrections)


def test_a_corrected_history_shows_each_correction_beside_its_event() -> None:
    view = history_view(_corrected_history())
    rows = view.tables[0].rows
    assert [(r["seq"], r["time_in_state"]) for r in rows] == [
        (1, timedelta(days=13)),
        (2, timedelta(days=1, hours=4)),
        (3, None),
    ]
    assert rows[1]["correction"] == (
        "time corrected to 2026-03-05 09:00 by unknown on 2026-03-10: typo in the year"
    )
    assert rows[2]["correction"] == "void by admin-ann on 2026-03-10: never lost"


def test_a_corrected_history_in_json_carries_the_corrections_and_the_logged_times() -> None:
    import json

    document = json.loads(to_json(history_view(_corrected_history())))
    events = {e["seq"]: e for e in document["events"]}
    assert events[2]["logged_at"] == "2099-01-01T00:00:00+00:00"
    assert events[2]["at"] == "2026-03-05T09:00:00+00:00"
    assert events[3]["void"] is True
    assert events[3]["time_in_state_seconds"] is None
    assert [c["corrects_seq"] for c in document["corrections"]] == [2, 3]
    assert document["notes"] == []


def test_an_order_problem_is_noted_under_the_history() -> None:
    from pipefit.domain.model import StageEvent

    events = [
        StageEvent("ACME-RENEWAL-Q3", 1, None, "Discovery", when("2026-02-20")),
        StageEvent("ACME-RENEWAL-Q3", 2, "Discovery", "Closed won", when("2026-03-04")),
    ]
    timeline = timed_history(events, when("2026-03-06"), closed_at=when("2026-03-03"))
    view = history_view(DealHistory(deal("Closed won"), timeline, []))
    assert view.notes == [
        "event 2: the deal closed 2026-03-03 09:00 UTC, before this change "
        "(2026-03-04 09:00 UTC): time in Closed won is counted to the later of the two, 0"
    ]
    from rich.console import Console

    from pipefit.views import render

    console = Console(width=200, record=True)
    render(view, "table", console)
    text = console.export_text()
    assert "-" + "1d" not in text
    assert "note: event 2: the deal closed" in text


def test_a_list_of_deals_for_scripts_has_plain_amounts_and_for_people_a_count() -> None:
    from decimal import Decimal

    from pipefit.services.deals import DealList
    from pipefit.views.deals import opportunities_view

    found = DealList(
        [deal(amount=Decimal("48000.00"), owner_id="rep-dana", name="Acme renewal")],
        stage="Discovery",
    )
    view = opportunities_view(found)
    lines = to_csv(view).splitlines()
    assert lines[0] == (
        "id,name,pipeline,stage,sub-state,outcome,amount,currency,owner,presales,account,"
        "created,closed"
    )
    assert lines[1] == (
        "ACME-RENEWAL-Q3,Acme renewal,inbound,Discovery,,open,48000.00,USD,rep-dana,,,"
        "2026-02-20T09:00:00+00:00,"
    )
    assert view.tables[0].title == "1 opportunity in Discovery"
