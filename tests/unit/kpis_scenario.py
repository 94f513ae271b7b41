"""Six deals in pipeline p (stages A, B, Won, Lost) with every edge case, and the figures
worked out by hand in `test_report_kpis`.

d1 won through A and B; d2 won skipping B; d3 moved back B -> A, then lost; d4 won with no
home amount (a currency without a rate); d5 open in B since day 20; d6 lost on day 10,
reopened on day 95 (open in A).
"""

from __future__ import annotations

from pipefit.domain.metrics.records import DealRecord, EventRecord
from tests.unit.metrics_factories import day


def _events(opportunity: str, *moves: tuple[str, float]) -> list[EventRecord]:
    return [
        EventRecord(opportunity, seq, "p", stage, day(at))
        for seq, (stage, at) in enumerate(moves, start=1)
    ]


def _deal(opportunity: str, outcome: str, stage: str, **fields: object) -> DealRecord:
    base: dict[str, object] = {"created_at": day(0), "pipeline": "p", "team_id": "t1"}
    base.update(fields)
    return DealRecord(opportunity, outcome, stage=stage, **base)  # type: ignore[arg-type]


DEALS = [
    _deal(
        "d1",
        "won",
        "Won",
        closed_at=day(30),
        amount_home=1000.0,
        segment="smb",
        account_id="acc1",
        owner_id="r1",
        presales_id="s1",
    ),
    _deal(
        "d2",
        "won",
        "Won",
        closed_at=day(20),
        amount_home=3000.0,
        segment="ent",
        account_id="acc2",
        owner_id="r1",
        presales_id="s1",
    ),
    _deal(
        "d3",
        "lost",
        "Lost",
        closed_at=day(40),
        amount_home=500.0,
        segment="smb",
        account_id="acc1",
        owner_id="r2",
        presales_id="s1",
    ),
    _deal(
        "d4",
        "won",
        "Won",
        created_at=day(10),
        closed_at=day(50),
        amount_home=None,
        segment="smb",
        account_id="acc3",
        owner_id="r2",
        presales_id="s2",
    ),
    _deal(
        "d5",
        "open",
        "B",
        amount_home=2000.0,
        expected_close=day(120),
        segment="smb",
        account_id="acc4",
        owner_id="r1",
        presales_id="s2",
    ),
    _deal(
        "d6",
        "open",
        "A",
        amount_home=400.0,
        expected_close=day(200),
        segment="ent",
        account_id="acc5",
        owner_id="r2",
        presales_id="s2",
    ),
]

EVENTS = [
    *_events("d1", ("A", 0), ("B", 10), ("Won", 30)),
    *_events("d2", ("A", 0), ("Won", 20)),
    *_events("d3", ("A", 0), ("B", 5), ("A", 8), ("Lost", 40)),
    *_events("d4", ("A", 10), ("B", 15), ("Won", 50)),
    *_events("d5", ("A", 0), ("B", 20)),
    *_events("d6", ("A", 0), ("Lost", 10), ("A", 95)),
]
