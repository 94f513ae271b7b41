"""Salesforce exports: the org's own stage order, and OpportunityHistory rows that change
the amount or close date rather than the stage (files read, nothing stored)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pipefit.io.salesforce import read_salesforce

# A Data Export's Opportunity.csv as a Spanish-speaking org writes it: its own stage names,
# and their place in the org's order (StageSortOrder). Rows come in no particular order.
OPPORTUNITY = (
    "Id,Name,AccountId,StageName,StageSortOrder,Amount,CurrencyIsoCode,OwnerId,CreatedDate,"
    "CloseDate,IsWon,IsClosed\n"
    """006A1,Hotel Miramar,001A1,Negociación,5,48000,EUR,005A1,2026-01-08,2026-04-30,false,false
006A2,Clínica Sol,001A2,Prospección,1,12000,EUR,005A1,2026-01-10,2026-05-31,false,false
006A3,Bodegas Rioja,001A3,Closed Won,7,30000,EUR,005A2,2026-01-12,2026-03-20,true,true
006A4,Talleres Norte,001A4,Presentación Propuesta,4,9000,EUR,005A2,2026-01-15,2026-06-30,false,false
006A5,Aceites Sur,001A5,Closed Lost,8,7000,EUR,005A1,2026-01-20,2026-02-27,false,true
006A6,Frutas Vega,001A6,Calificación,2,5000,EUR,005A2,2026-01-21,2026-07-31,false,false
"""
)

# The OpportunityHistory object as the Data Export writes it: a row whenever the stage,
# amount, close date, probability or forecast category changed, holding the values after
# the change. Half of these rows leave the stage as it was.
HISTORY = (
    "OpportunityId,CreatedById,CreatedDate,StageName,Amount,CloseDate,Probability,"
    "ForecastCategory\n"
    """006A1,005A1,2026-01-08T09:00:00Z,Prospección,40000,2026-03-31,10,Pipeline
006A1,005A1,2026-01-20T10:00:00Z,Prospección,45000,2026-03-31,10,Pipeline
006A1,005A1,2026-02-02T11:00:00Z,Calificación,45000,2026-03-31,20,Pipeline
006A1,005A1,2026-02-16T12:00:00Z,Calificación,45000,2026-04-30,20,Pipeline
006A1,005A1,2026-03-02T13:00:00Z,Negociación,48000,2026-04-30,70,Commit
006A3,005A2,2026-01-12T09:00:00Z,Prospección,30000,2026-03-31,10,Pipeline
006A3,005A2,2026-02-10T09:00:00Z,Prospección,30000,2026-03-31,20,Pipeline
006A3,005A2,2026-03-20T15:00:00Z,Closed Won,30000,2026-03-20,100,Closed
"""
)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def _stages(batch: object) -> list[tuple[str, str]]:
    (pipeline,) = batch.pipelines  # type: ignore[attr-defined]
    return [(s.name, str(s.category)) for s in pipeline.stages]


def test_the_orgs_stages_come_in_their_stage_sort_order_without_unused_defaults(
    tmp_path: Path,
) -> None:
    batch = read_salesforce([_write(tmp_path, "Opportunity.csv", OPPORTUNITY)])
    assert batch.errors == []
    assert _stages(batch) == [
        ("Prospección", "open"),
        ("Calificación", "open"),
        ("Presentación Propuesta", "open"),
        ("Negociación", "open"),
        ("Closed Won", "won"),
        ("Closed Lost", "lost"),
    ]


def test_a_stage_seen_only_in_the_history_takes_its_place_by_the_historys_sort_order(
    tmp_path: Path,
) -> None:
    opportunity = _write(tmp_path, "Opportunity.csv", OPPORTUNITY)
    history = _write(
        tmp_path,
        "Opportunity History.csv",
        "OppID,CreatedDate,StageName,SortOrder\n"
        "006A4,2026-01-15,Prospección,1\n"
        "006A4,2026-02-01,Diseño Propuesta,3\n"
        "006A4,2026-03-01,Presentación Propuesta,4\n",
    )
    batch = read_salesforce([opportunity, history])
    assert batch.errors == []
    names = [name for name, _ in _stages(batch)]
    assert names[:5] == [
        "Prospección",
        "Calificación",
        "Diseño Propuesta",
        "Presentación Propuesta",
        "Negociación",
    ]


def test_backward_moves_are_counted_by_the_orgs_order(tmp_path: Path) -> None:
    opportunity = _write(tmp_path, "Opportunity.csv", OPPORTUNITY)
    history = _write(
        tmp_path,
        "Opportunity History.csv",
        "OppID,CreatedDate,StageName\n"
        # 1 -> 5 -> 4: back once.
        "006A4,2026-01-15,Prospección\n"
        "006A4,2026-02-01,Negociación\n"
        "006A4,2026-03-01,Presentación Propuesta\n"
        # 1 -> 2 -> 4: forward only (in file order these stages first appear backwards).
        "006A6,2026-01-21,Prospección\n"
        "006A6,2026-02-01,Calificación\n"
        "006A6,2026-03-01,Presentación Propuesta\n"
        # 2 -> 1: back.
        "006A2,2026-01-10,Calificación\n"
        "006A2,2026-01-20,Prospección\n",
    )
    batch = read_salesforce([opportunity, history])
    assert "Opportunity History: 2 opportunities move backwards" in " ".join(batch.notes)


def test_history_rows_that_change_only_the_amount_or_close_date_are_their_own_history(
    tmp_path: Path,
) -> None:
    opportunity = _write(tmp_path, "Opportunity.csv", OPPORTUNITY)
    history = _write(tmp_path, "OpportunityHistory.csv", HISTORY)
    batch = read_salesforce([opportunity, history])
    assert batch.errors == []
    moves = [
        (e["opportunity_id"], e["seq"], e["from_stage"], e["to_stage"], e["actor_id"])
        for e in batch.tables["stage_events"].to_pylist()
    ]
    assert moves == [
        ("006A1", 1, None, "Prospección", "005A1"),
        ("006A1", 2, "Prospección", "Calificación", "005A1"),
        ("006A1", 3, "Calificación", "Negociación", "005A1"),
        ("006A3", 1, None, "Prospección", "005A2"),
        ("006A3", 2, "Prospección", "Closed Won", "005A2"),
    ]
    changes = sorted(
        (
            c["opportunity_id"],
            c["at"],
            c["field"],
            c["old_amount"] if c["field"] == "amount" else c["old_close_date"],
            c["new_amount"] if c["field"] == "amount" else c["new_close_date"],
            c["currency"],
        )
        for c in batch.tables["opportunity_changes"].to_pylist()
    )
    day = datetime(2026, 1, 1, tzinfo=UTC)
    assert changes == [
        (
            "006A1",
            datetime(2026, 1, 20, 10, tzinfo=UTC),
            "amount",
            Decimal("40000"),
            Decimal("45000"),
            None,  # the deal's currency, filled in when the batch is checked
        ),
        (
            "006A1",
            datetime(2026, 2, 16, 12, tzinfo=UTC),
            "close_date",
            day.replace(month=3, day=31),
            day.replace(month=4, day=30),
            None,
        ),
        (
            "006A1",
            datetime(2026, 3, 2, 13, tzinfo=UTC),
            "amount",
            Decimal(45000),
            Decimal(48000),
            None,
        ),
        (
            "006A3",
            datetime(2026, 3, 20, 15, tzinfo=UTC),
            "close_date",
            day.replace(month=3, day=31),
            day.replace(month=3, day=20),
            None,
        ),
    ]
    notes = " ".join(batch.notes)
    assert "2 amount and 2 close-date changes kept as their own history" in notes
    assert "2 rows change only those, not the stage" in notes
    # 006A3 on 10/02 changed only the probability: nothing of it is kept, and it is said.
    assert "1 of 8 rows change neither the stage, the amount nor the close date" in notes
    assert "(e.g. 006A3)" in notes


def test_the_first_history_row_of_a_deal_is_a_change_only_when_the_export_says_what_was_before(
    tmp_path: Path,
) -> None:
    history = _write(
        tmp_path,
        "OpportunityHistory.csv",
        "OpportunityId,CreatedDate,StageName,Amount,PrevAmount,CloseDate,PrevCloseDate\n"
        "006A1,2026-03-10T09:00:00Z,Negociación,50000,48000,2026-04-30,2026-04-30\n"
        "006A6,2026-03-11T09:00:00Z,Calificación,5000,,2026-07-31,\n",
    )
    batch = read_salesforce([history])
    assert batch.errors == []
    (change,) = batch.tables["opportunity_changes"].to_pylist()
    assert (change["opportunity_id"], change["field"]) == ("006A1", "amount")
    assert (change["old_amount"], change["new_amount"]) == (Decimal(48000), Decimal(50000))


def test_the_checked_batch_gives_amount_changes_their_deals_currency(tmp_path: Path) -> None:
    from pipefit.domain.segments import Segmentation, SegmentRule

    opportunity = _write(tmp_path, "Opportunity.csv", OPPORTUNITY)
    history = _write(tmp_path, "OpportunityHistory.csv", HISTORY)
    batch = read_salesforce([opportunity, history])
    batch.check(
        pipelines={},
        default_pipeline="inbound",
        currency="USD",
        segmentation=Segmentation(rules=(SegmentRule("SMB", 0),)),
    )
    changes = batch.tables["opportunity_changes"].to_pylist()
    assert batch.errors == []
    assert {(c["field"], c["currency"]) for c in changes} == {
        ("amount", "EUR"),
        ("close_date", None),
    }
    assert [c["ordinal"] for c in changes] == [1, 1, 1, 1]


def test_without_any_sort_order_default_stage_names_take_salesforces_default_order(
    tmp_path: Path,
) -> None:
    opportunity = _write(
        tmp_path,
        "Opportunity.csv",
        "Id,StageName,CreatedDate\n"
        "006B1,Negotiation/Review,2026-01-08\n"
        "006B2,Prospecting,2026-01-09\n"
        "006B3,Pilot,2026-01-10\n"
        "006B4,Value Proposition,2026-01-11\n",
    )
    batch = read_salesforce([opportunity])
    assert [name for name, _ in _stages(batch)] == [
        "Prospecting",
        "Value Proposition",
        "Negotiation/Review",
        "Pilot",
    ]
    assert any("no StageSortOrder or SortOrder column" in n for n in batch.notes)
