"""Qualifying the leads of a generated company, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from pipefit.bootstrap import App
from pipefit.config import Workspace, load_workspace
from pipefit.domain.errors import GateRefused, PipefitError
from pipefit.sample import generate
from pipefit.services.deals import add_activity, advance_stage, create_opportunity
from pipefit.services.lead_decisions import decision_log, override_lead
from pipefit.services.qualification import QualifyResult, qualify_leads
from pipefit.store import tables
from pipefit.store.database import make_engine

from .workspaces import import_files

LATER = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("northwind-company")
    generate(folder, opportunities=500, seed=5)
    return sorted(folder.glob("*.csv"))


def _qualify(workspace: Workspace, **options: Any) -> QualifyResult:
    app = App(workspace)
    try:
        return qualify_leads(app.uow(), workspace.config.qualification, **options)
    finally:
        app.close()


def _count(workspace: Workspace, table: object, *where: object) -> int:
    engine = make_engine(workspace.database_url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(table)  # type: ignore[arg-type]
            for clause in where:
                query = query.where(clause)  # type: ignore[arg-type]
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def test_qualifying_records_every_decision_with_its_hand_off_and_status(
    workspace: Workspace, company: list[Path]
) -> None:
    import_files(workspace, company)
    # Waiting: new and working leads, and nurtured ones imported without a re-entry date.
    statuses = ["new", "working", "nurture"]
    waiting = _count(workspace, tables.leads, tables.leads.c.status.in_(statuses))
    handoffs_before = _count(workspace, tables.handoffs)

    preview = _qualify(workspace, at=LATER, dry_run=True, learned=False)
    assert len(preview.decisions) == waiting > 0
    assert not preview.written
    assert _count(workspace, tables.lead_decisions) == 0

    result = _qualify(workspace, at=LATER, learned=False)
    assert result.written
    assert _count(workspace, tables.lead_decisions) == waiting
    handed = [d for d in result.decisions if d.decision == "handoff" and d.to_id]
    assert handed, "some waiting leads should be good enough to hand off"
    assert _count(workspace, tables.handoffs) == handoffs_before + len(handed)
    assert _count(workspace, tables.leads, tables.leads.c.status.in_(["new", "working"])) == 0
    for d in result.decisions:
        assert d.reasons[0].startswith(f"{d.band}: ")
        assert any(r.startswith("BANT: ") for r in d.reasons)
        assert d.decision_id is not None

    again = _qualify(workspace, at=LATER, learned=False)
    assert again.decisions == []
    assert again.notes == [
        "no lead to qualify (statuses: new, working; and nurtured leads whose re-entry date "
        "has come or who have none)"
    ]


def test_an_override_is_logged_beside_the_decision_it_replaces(
    workspace: Workspace, company: list[Path]
) -> None:
    import_files(workspace, company)
    first = _qualify(workspace, at=LATER, learned=False).decisions[0]
    app = App(workspace)
    changed = override_lead(
        app.uow(), first.lead_id, decision="disqualify", by="emp-001", note="bought a rival",
        at=LATER + timedelta(hours=1),
    )  # fmt: skip
    log = decision_log(app.uow(), first.lead_id)
    app.close()
    assert [d.decision_id for d in log] == [changed.decision_id, first.decision_id]
    assert log[0].overrides == first.decision_id
    assert log[0].decided_by == "emp-001"
    assert log[0].note == "bought a rival"
    status = tables.leads.c.status
    assert _count(workspace, tables.leads, tables.leads.c.lead_id == first.lead_id,
                  status == "disqualified") == 1  # fmt: skip


def _loads(workspace: Workspace, since: datetime) -> dict[str, int]:
    app = App(workspace)
    try:
        with app.uow() as uow:
            return {r.person_id: r.load for r in uow.leads.rep_loads(since=since)}
    finally:
        app.close()


def test_an_overridden_hand_off_is_superseded_and_leaves_the_rep_s_load(
    workspace: Workspace, company: list[Path]
) -> None:
    import_files(workspace, company)
    result = _qualify(workspace, at=LATER, learned=False)
    handoff = next(d for d in result.decisions if d.decision == "handoff" and d.to_id)
    assert handoff.to_id is not None
    before = _loads(workspace, LATER - timedelta(days=1))
    app = App(workspace)
    changed = override_lead(
        app.uow(), handoff.lead_id, decision="nurture", by="emp-001", note="budget next year",
        until=LATER + timedelta(days=60), at=LATER + timedelta(hours=1),
    )  # fmt: skip
    log = {d.decision_id: d for d in decision_log(app.uow())}
    app.close()
    assert (log[handoff.decision_id].state, log[handoff.decision_id].superseded_by) == (
        "superseded",
        changed.decision_id,
    )
    assert (log[changed.decision_id].state, log[changed.decision_id].note) == (
        "in force",
        "budget next year",
    )
    after = _loads(workspace, LATER - timedelta(days=1))
    assert after[handoff.to_id] == before[handoff.to_id] - 1
    assert {k: v for k, v in after.items() if k != handoff.to_id} == {
        k: v for k, v in before.items() if k != handoff.to_id
    }


def test_nurtured_leads_come_back_when_their_re_entry_date_has_come(
    sqlite_workspace: Workspace, company: list[Path]
) -> None:
    import_files(sqlite_workspace, company)
    first = _qualify(sqlite_workspace, at=LATER, learned=False)
    nurtured = {d.lead_id for d in first.decisions if d.decision == "nurture"}
    assert nurtured
    assert _qualify(sqlite_workspace, at=LATER + timedelta(days=30), learned=False).decisions == []
    back = _qualify(sqlite_workspace, at=LATER + timedelta(days=91), learned=False)
    assert {d.lead_id for d in back.decisions} == nurtured


def test_learned_odds_join_the_reasons_when_the_history_allows(
    sqlite_workspace: Workspace, company: list[Path]
) -> None:
    import_files(sqlite_workspace, company)
    result = _qualify(sqlite_workspace, at=LATER, dry_run=True)
    assert all(any(r.startswith("P(win) ") for r in d.reasons) for d in result.decisions)
    assert all(a.p_success is not None for a in result.assessments)


def test_routing_by_a_learned_score_says_when_it_cannot_learn(sqlite_workspace: Workspace) -> None:
    path = sqlite_workspace.config_path
    path.write_text(path.read_text().replace('route_by = "scorecard"', 'route_by = "p_success"'))
    workspace = load_workspace(sqlite_workspace.root)
    engine = make_engine(workspace.database_url)
    with engine.begin() as conn:
        conn.execute(
            tables.leads.insert().values(
                lead_id="LEAD-LONELY", created_at=LATER, status="new", source="test"
            )
        )
    engine.dispose()
    with pytest.raises(PipefitError, match="route_by is 'p_success', but it could not be learned"):
        _qualify(workspace, at=LATER)


def test_a_demo_ready_gate_reads_the_lead_from_the_database(sqlite_workspace: Workspace) -> None:
    path = sqlite_workspace.config_path
    path.write_text(
        path.read_text().replace(
            'entry = [\n  { kind = "meeting_booked", purpose = "overview" },',
            "entry = [\n  { demo_ready_min = 80 },\n"
            '  { kind = "meeting_booked", purpose = "overview" },',
        )
    )
    workspace = load_workspace(sqlite_workspace.root)
    engine = make_engine(workspace.database_url)
    with engine.begin() as conn:
        conn.execute(
            tables.accounts.insert().values(
                account_id="ACC-NORTHWIND", name="Northwind", industry="logistics", source="test"
            )
        )
        conn.execute(
            tables.leads.insert().values(
                lead_id="LEAD-NORTHWIND-1",
                created_at=LATER,
                status="qualified",
                source="test",
                account_id="ACC-NORTHWIND",
                contact_role="COO",
                critical_issue="late forecasts",
            )
        )

    from pipefit.bootstrap import App

    app = App(workspace)
    at = LATER + timedelta(days=1)
    create_opportunity(
        app.uow(), "ACME-RENEWAL-Q3", pipeline=None, default_pipeline="inbound", at=at
    )
    with engine.begin() as conn:
        conn.execute(update(tables.opportunities).values(
            lead_id="LEAD-NORTHWIND-1", stage="Evaluation"))  # fmt: skip
    for kind, by in [("meeting_booked", None), ("meeting_accepted", "prospect"),
                     ("meeting_accepted", "rep")]:  # fmt: skip
        add_activity(app.uow(), "ACME-RENEWAL-Q3", kind, at=at, purpose="overview", by=by)
    with pytest.raises(
        GateRefused, match=r"Situation Slide 42.9% complete \(missing: the problems"
    ):
        advance_stage(
            app.uow(), "ACME-RENEWAL-Q3", "Solutions overview", at=at + timedelta(hours=1)
        )
    with engine.begin() as conn:
        conn.execute(update(tables.leads).values(
            problems="spreadsheets", capabilities="gates", value_expected="clean forecast",
            value_realization_events="first forecast in 30 days"))  # fmt: skip
    move = advance_stage(
        app.uow(), "ACME-RENEWAL-Q3", "Solutions overview", at=at + timedelta(hours=2)
    )
    assert move.opportunity.stage == "Solutions overview"
    app.close()
    engine.dispose()
