"""The funnel report (DuckDB) against hand-counted figures and against its oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipefit.analytics.engine import connect
from pipefit.analytics.query import ReportQuery
from pipefit.analytics.relations import RELATIONS
from pipefit.analytics.reports import funnel
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.funnel import (
    DealRecord,
    EventRecord,
    LeadRecord,
    StageRecord,
    lead_funnel,
    stage_funnel,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)
STAGES = [
    ("new", "Discovery", 1, "open"),
    ("new", "Evaluation", 2, "open"),
    ("new", "Proposal", 3, "open"),
    ("new", "Won", 4, "won"),
    ("new", "Lost", 5, "lost"),
]
CATEGORY = {s: c for _, s, _, c in STAGES}
POSITION = {s: p for _, s, p, _ in STAGES}


def table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = RELATIONS[name]
    return pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema)


def build(paths: dict[str, tuple[list[str], str, str | None]]) -> dict[str, pa.Table]:
    """Deals from their paths: id -> (stages entered, owner, lead); one event a day."""
    deals, events = [], []
    for opp, (path, owner, lead) in paths.items():
        last = path[-1]
        deals.append(
            {
                "opportunity_id": opp,
                "pipeline": "new",
                "stage": last,
                "outcome": CATEGORY[last],
                "created_at": T0,
                "owner_id": owner,
                "segment": "smb" if owner == "r1" else "enterprise",
                "lead_id": lead,
            }
        )
        for seq in range(1, len(path)):
            events.append(
                {
                    "opportunity_id": opp,
                    "seq": seq,
                    "pipeline": "new",
                    "from_stage": path[seq - 1],
                    "to_stage": path[seq],
                    "at": T0 + timedelta(days=seq),
                    "category": CATEGORY[path[seq]],
                    "position": POSITION[path[seq]],
                }
            )
    stages = [
        dict(zip(("pipeline", "stage", "position", "category"), s, strict=True)) for s in STAGES
    ]
    return {
        "deals": table("deals", deals),
        "events": table("events", events),
        "stages": table("stages", stages),
    }


PATHS: dict[str, tuple[list[str], str, str | None]] = {
    "A": (["Discovery", "Evaluation", "Proposal", "Won"], "r1", "L1"),
    "B": (["Discovery", "Proposal", "Lost"], "r1", "L2"),  # skips Evaluation
    "C": (["Discovery", "Evaluation", "Discovery", "Evaluation", "Proposal"], "r1", "L7"),
    "D": (["Discovery", "Evaluation", "Proposal", "Won", "Proposal"], "r1", None),  # reopened
    "E": (["Discovery"], "r2", None),  # still open where it started, no event
    "F": (["Evaluation", "Lost"], "r2", None),  # started past the first stage
    "G": (["Discovery", "Evaluation", "Lost"], "r2", None),
}

LEADS = [
    ("L1", "qualified", "web"),
    ("L2", "qualified", "web"),
    ("L3", "qualified", "event"),
    ("L4", "disqualified", "web"),
    ("L5", "new", "event"),
    ("L6", "nurture", "web"),
    ("L7", "working", "event"),
]


def leads_table() -> pa.Table:
    return table(
        "leads",
        [
            {"lead_id": i, "status": s, "lead_source": src, "segment": "smb", "created_at": T0}
            for i, s, src in LEADS
        ],
    )


def records(result: Any, **match: Any) -> list[dict[str, Any]]:
    rows = result.rows.to_pylist()
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def test_both_forms_counted_by_hand() -> None:
    con = connect({**build(PATHS), "leads": leads_table()})
    result = funnel.run(con, ReportQuery())
    in_order = records(result, funnel="stage", form="in_order")
    reached = records(result, funnel="stage", form="reached")
    # in order, each deal's last step: A4 B1 C3 D4 E1 F0 G2
    assert [r["count"] for r in in_order] == [6, 4, 3, 2]
    assert [r["conversion_to_next"] for r in in_order] == [0.6667, 0.75, 0.6667, None]
    assert [r["conversion_from_first"] for r in in_order] == [1.0, 0.6667, 0.5, 0.3333]
    assert [r["drop_out"] for r in in_order] == [2, 1, 1, None]  # B E | G | C
    assert [r["lost_here"] for r in in_order] == [1, 1, 0, 0]
    assert [r["open_here"] for r in in_order] == [1, 0, 1, 1]  # D reopened is at won
    # reached at all: A4 B3 C3 D4 E1 F2 G2
    assert [r["count"] for r in reached] == [7, 6, 4, 2]
    assert [r["conversion_to_next"] for r in reached] == [0.8571, 0.6667, 0.5, None]
    assert [r["drop_out"] for r in reached] == [1, 2, 2, None]  # E | F G | B C
    assert [r["lost_here"] for r in reached] == [0, 2, 1, 0]
    assert [r["drop_out_rate"] for r in reached] == [0.1429, 0.3333, 0.5, None]
    assert result.summary == {"deals": 7, "won": 1, "lost": 3, "open": 3, "leads": 7}


def test_the_lead_funnel_counted_by_hand() -> None:
    con = connect({**build(PATHS), "leads": leads_table()})
    rows = records(funnel.run(con, ReportQuery()), funnel="lead")
    # qualified: L1 L2 L3 and L7 (has a deal); opportunity: L1 L2 L7; won: L1
    assert [(r["stage"], r["count"]) for r in rows] == [
        ("lead", 7),
        ("qualified", 4),
        ("opportunity", 3),
        ("won", 1),
    ]
    assert [r["pipeline"] for r in rows] == [None] * 4


def test_the_lead_funnel_by_source() -> None:
    con = connect({**build(PATHS), "leads": leads_table()})
    rows = records(funnel.run(con, ReportQuery(by=("source",))), funnel="lead")
    by_source = {(r["source"], r["stage"]): r["count"] for r in rows}
    # web: L1 (won) L2 (lost deal) L4 L6; event: L3 (qualified) L5 L7 (open deal)
    assert [by_source["web", s] for s in ("lead", "qualified", "opportunity", "won")] == [
        4,
        2,
        2,
        1,
    ]
    assert [by_source["event", s] for s in ("lead", "qualified", "opportunity", "won")] == [
        3,
        2,
        1,
        0,
    ]


def test_a_cut_by_rep_matches_the_oracle_per_rep_and_leaves_leads_out() -> None:
    con = connect({**build(PATHS), "leads": leads_table()})
    result = funnel.run(con, ReportQuery(by=("rep",)))
    assert not records(result, funnel="lead")
    assert any("lead funnel" in n for n in result.notes)
    for rep in ("r1", "r2"):
        mine = {k: v for k, v in PATHS.items() if v[1] == rep}
        expected = oracle_rows(mine)
        got = [{k: v for k, v in r.items() if k != "rep"} for r in records(result, rep=rep)]
        assert got == expected
    # r2: E1 F2 G2 reached; E1 F0 G2 in order
    assert [r["count"] for r in records(result, rep="r2", form="reached")] == [3, 2, 0, 0]


def test_a_filter_keeps_only_its_deals() -> None:
    con = connect(build(PATHS))
    result = funnel.run(con, ReportQuery(where={"segment": ("enterprise",)}))
    assert result.summary["deals"] == 3  # E F G
    assert [r["count"] for r in records(result, form="in_order")] == [2, 1, 0, 0]


def test_replayed_before_the_reopening_the_deal_is_won() -> None:
    con = connect(build(PATHS))
    # D was won on day 3 and reopened on day 4
    at = T0 + timedelta(days=3, hours=12)
    result = funnel.run(con, ReportQuery(as_of=at))
    won_step = records(result, form="reached", step=4)[0]
    assert (won_step["count"], won_step["open_here"]) == (2, 0)
    assert result.summary["won"] == 2


def test_before_the_first_deal_the_funnel_is_empty_with_a_note() -> None:
    con = connect(build(PATHS))
    result = funnel.run(con, ReportQuery(as_of=T0 - timedelta(days=1)))
    assert records(result, funnel="stage") == []
    assert any("no deal existed" in n for n in result.notes)


def test_a_cut_with_no_deals_is_empty_with_a_note() -> None:
    con = connect(build(PATHS))
    result = funnel.run(con, ReportQuery(where={"rep": ("nobody",)}))
    assert records(result, funnel="stage") == []
    assert any("matches the filter" in n for n in result.notes)


def test_an_unknown_cut_is_refused() -> None:
    con = connect(build(PATHS))
    with pytest.raises(PipefitError) as refused:
        funnel.run(con, ReportQuery(by=("colour",)))
    assert refused.value.field == "report.by"


def test_the_chart_is_drawn() -> None:
    con = connect({**build(PATHS), "leads": leads_table()})
    spec = funnel.chart(funnel.run(con, ReportQuery())).to_dict()
    assert "facet" in spec


def oracle_rows(paths: dict[str, tuple[list[str], str, str | None]]) -> list[dict[str, Any]]:
    tables = build(paths)
    deals = [
        DealRecord(d["opportunity_id"], d["pipeline"], d["stage"], d["outcome"], d["lead_id"])
        for d in tables["deals"].to_pylist()
    ]
    events = [
        EventRecord(e["opportunity_id"], e["seq"], e["from_stage"], e["to_stage"])
        for e in tables["events"].to_pylist()
    ]
    stages = [StageRecord(*s) for s in STAGES]
    rows = sorted(stage_funnel(stages, deals, events), key=lambda r: (r.form, r.step))
    return [r.__dict__ for r in rows]


STAGE_NAMES = [s for _, s, _, _ in STAGES]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from([f"O{i}" for i in range(12)]),
        st.lists(st.sampled_from(STAGE_NAMES), min_size=1, max_size=7),
        max_size=10,
    ),
    st.lists(st.sampled_from(["qualified", "new", "disqualified", "nurture"]), max_size=6),
)
def test_engine_and_oracle_agree_on_random_paths(
    paths: dict[str, list[str]], statuses: list[str]
) -> None:
    leads = [f"L{i}" for i in range(len(statuses))]
    full = {
        opp: (path, "r1", leads[i % len(leads)] if leads and i % 2 else None)
        for i, (opp, path) in enumerate(sorted(paths.items()))
    }
    lead_rows = table(
        "leads",
        [
            {"lead_id": i, "status": s, "created_at": T0}
            for i, s in zip(leads, statuses, strict=True)
        ],
    )
    result = funnel.run(connect({**build(full), "leads": lead_rows}), ReportQuery())
    assert records(result, funnel="stage") == oracle_rows(full)
    deals = [DealRecord(o, "new", p[-1], CATEGORY[p[-1]], lead) for o, (p, _, lead) in full.items()]
    expected = lead_funnel([LeadRecord(i, s) for i, s in zip(leads, statuses, strict=True)], deals)
    assert records(result, funnel="lead") == [r.__dict__ for r in expected]


def test_by_period_one_funnel_per_quarter_of_creation_counted_by_hand() -> None:
    tables = build(PATHS)
    autumn = datetime(2025, 11, 10, tzinfo=UTC)  # A, B and C were created in 2025Q4
    created = [
        autumn if opp in "ABC" else T0 for opp in tables["deals"]["opportunity_id"].to_pylist()
    ]
    deals = tables["deals"]
    tables["deals"] = deals.set_column(
        deals.schema.get_field_index("created_at"),
        "created_at",
        pa.array(created, RELATIONS["deals"].field("created_at").type),
    )
    con = connect({**tables, "leads": leads_table()})
    result = funnel.run(con, ReportQuery(by=("period",)))
    counts = {
        (period, form): [
            r["count"] for r in records(result, funnel="stage", period=period, form=form)
        ]
        for period in ("2025Q4", "2026Q1")
        for form in ("in_order", "reached")
    }
    # 2025Q4, in order: A4 B1 C3; reached at all: A4 B3 C3
    assert counts["2025Q4", "in_order"] == [3, 2, 2, 1]
    assert counts["2025Q4", "reached"] == [3, 3, 3, 1]
    # 2026Q1, in order: D4 E1 F0 G2; reached at all: D4 E1 F2 G2
    assert counts["2026Q1", "in_order"] == [3, 2, 1, 1]
    assert counts["2026Q1", "reached"] == [4, 3, 1, 1]
    autumn_in_order = records(result, funnel="stage", period="2025Q4", form="in_order")
    # B drops out (lost) at Discovery, C (open) at Proposal, A goes through to Won
    assert [r["drop_out"] for r in autumn_in_order] == [1, 0, 1, None]
    assert [r["lost_here"] for r in autumn_in_order] == [1, 0, 0, 0]
    assert [r["open_here"] for r in autumn_in_order] == [0, 0, 1, 0]
    # every lead was created in 2026Q1: one lead funnel, the whole one
    leads = records(result, funnel="lead")
    assert {r["period"] for r in leads} == {"2026Q1"}
    assert [r["count"] for r in leads] == [7, 4, 3, 1]


def test_by_period_takes_the_kind_of_the_period_asked() -> None:
    con = connect(build(PATHS))
    result = funnel.run(con, ReportQuery(by=("period",), period="2026"))
    assert {r["period"] for r in records(result, funnel="stage")} == {"2026"}


def test_a_filter_on_period_is_refused() -> None:
    con = connect(build(PATHS))
    with pytest.raises(PipefitError) as refused:
        funnel.run(con, ReportQuery(where={"period": ("2026Q1",)}))
    assert refused.value.field == "report.where"


def test_a_cut_by_pipeline_gives_the_same_rows_as_none_since_each_row_is_a_pipelines() -> None:
    con = connect({**build(PATHS), "leads": leads_table()})
    plain = funnel.run(con, ReportQuery())
    by_pipeline = funnel.run(con, ReportQuery(by=("pipeline",)))
    # in order, counted by hand above: 6 4 3 2, all in the one pipeline of PATHS
    assert [r["count"] for r in records(by_pipeline, funnel="stage", form="in_order")] == [
        6,
        4,
        3,
        2,
    ]
    assert by_pipeline.rows.to_pylist() == plain.rows.to_pylist()
