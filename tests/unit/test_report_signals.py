"""signals: enterprise progression and SMB usage signals on hand-built activities."""

from __future__ import annotations

from typing import Any

import pytest

from pipefit.analytics.engine import connect
from pipefit.analytics.query import ReportQuery
from pipefit.analytics.reports import signals
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.signals import lift
from tests.unit.friction_factories import day, deal, relations

AS_OF = day(100)
OPEN = [("Discovery", day(0))]
WON = [("Discovery", day(0)), ("Won", day(30))]
LOST = [("Discovery", day(0)), ("Lost", day(30))]


def act(opp: str, kind: str, at: float = 10) -> dict[str, Any]:
    return {"activity_id": f"{opp}-{kind}-{at}", "opportunity_id": opp, "kind": kind, "at": day(at)}


def world() -> dict[str, Any]:
    ent = {"segment": "enterprise"}
    deals = [
        (deal("E1", LOST, **ent), LOST),  # meetings, demo -> dropped out at demos
        (deal("E2", WON, **ent), WON),  # every step to a purchase order
        (deal("E3", OPEN, **ent), OPEN),  # nothing yet
        (deal("E4", LOST, **ent), LOST),  # a meeting -> dropped out at meetings
        (deal("E5", OPEN, **ent), OPEN),  # up to a technical discussion, still open
    ]
    acts = [
        act("E1", "meeting_booked"),
        act("E1", "demo_held"),
        *(
            act("E2", k)
            for k in (
                "meeting_accepted",
                "demo_held",
                "technical_discussion",
                "procurement_started",
                "purchase_order",
            )
        ),
        act("E4", "meeting_booked"),
        *(act("E5", k) for k in ("meeting_booked", "demo_held", "technical_discussion")),
    ]
    # SMB: S1-S4 viewed pricing before the close (3 won, 1 lost); S5-S10 did not (2 won,
    # 4 lost); S10 viewed it only after it was lost, so it counts without. S11 is open.
    for i in range(1, 11):
        moves = WON if i in (1, 2, 3, 5, 6) else LOST
        deals.append((deal(f"S{i}", moves), moves))
    acts += [act(f"S{i}", "pricing_page_viewed", 10) for i in range(1, 5)]
    acts.append(act("S10", "pricing_page_viewed", 40))
    deals.append((deal("S11", OPEN), OPEN))
    acts.append(act("S11", "pricing_page_viewed"))
    return relations(deals, acts)


def rows(query: ReportQuery) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = signals.run(connect(world()), query).rows.to_pylist()
    return result


def test_enterprise_progression_and_drop_outs() -> None:
    steps = [r for r in rows(ReportQuery(as_of=AS_OF)) if r["section"] == "progression"]
    assert [r["signal"] for r in steps] == [
        "none",
        "meetings",
        "demos",
        "technical_discussion",
        "procurement",
        "purchase_order",
    ]
    assert [r["reached"] for r in steps] == [5, 4, 3, 2, 1, 1]
    assert [r["dropped_out"] for r in steps] == [0, 1, 1, 0, 0, 0]
    assert [r["still_open"] for r in steps] == [1, 0, 0, 1, 0, 0]
    assert [r["won"] for r in steps] == [0, 0, 0, 0, 0, 1]


def test_a_usage_signal_before_the_close_raises_the_win_rate() -> None:
    (pricing,) = [r for r in rows(ReportQuery(as_of=AS_OF)) if r["signal"] == "pricing_page"]
    # With: 3 of 4 won (0.75); without: 2 of 6 (1/3); lift 5/12.
    assert (pricing["deals_with"], pricing["won_with"]) == (4, 3)
    assert (pricing["deals_without"], pricing["won_without"]) == (6, 2)
    assert pricing["win_rate_with"] == 0.75 and pricing["lift"] == pytest.approx(5 / 12, abs=1e-4)
    expected = lift(3, 4, 2, 6)
    assert pricing["lift_low"] == pytest.approx(expected.low, abs=1e-4)
    assert pricing["lift_high"] == pytest.approx(expected.high, abs=1e-4)
    assert pricing["median_lead_days"] == 20  # first seen day 10, won day 30
    (product,) = [r for r in rows(ReportQuery(as_of=AS_OF)) if r["signal"] == "product_used"]
    assert product["deals_with"] == 0 and product["lift"] is None


def test_replay_and_cuts() -> None:
    # As of day 20 no deal had closed and E2 had every step logged already (day 10).
    early = rows(ReportQuery(as_of=day(20)))
    assert all(r["deals_with"] is None for r in early if r["section"] == "progression")
    assert [r for r in early if r["section"] == "usage"] == []
    by = rows(ReportQuery(as_of=AS_OF, by=("segment",)))
    assert {r["segment"] for r in by if r["section"] == "progression"} == {"enterprise"}
    with pytest.raises(PipefitError) as bad:
        signals.run(connect(world()), ReportQuery(period="2025"))
    assert bad.value.field == "period"


def test_a_cut_by_period_groups_deals_by_their_quarter_of_close() -> None:
    by = rows(ReportQuery(as_of=AS_OF, by=("period",)))
    # Every closed deal closed on day 30 (31 January 2025, 2025Q1); the open ones (E3, E5,
    # S11) have no close and no expected close, so no period.
    starts = {r["period"]: r["reached"] for r in by if r["section"] == "progression"
              and r["step"] == 0}  # fmt: skip
    assert starts == {"2025Q1": 3, None: 2}  # E1 E2 E4 closed; E3 E5 open
    (pricing,) = [r for r in by if r["signal"] == "pricing_page" and r["period"] == "2025Q1"]
    # the same counts as uncut (all ten closed SMB deals are in 2025Q1): 3 of 4, 2 of 6
    assert (pricing["deals_with"], pricing["won_with"]) == (4, 3)
    assert (pricing["deals_without"], pricing["won_without"]) == (6, 2)


def test_the_chart_draws_offline() -> None:
    from pathlib import Path

    from pipefit.charts.output import render_chart

    result = signals.run(connect(world()), ReportQuery(as_of=AS_OF))
    assert render_chart(signals.chart(result), Path("lift.svg")).startswith(b"<svg")
