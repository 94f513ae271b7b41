"""/api/leads (list, read, add), a lead's score, decisions and overrides; /api/handoffs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from pipefit.services.lead_queue import qualify_lead
from pipefit.services.scoped_leads import create_lead, lead_decisions, lead_score, override_decision
from pipefit.services.scoped_records import get_record, list_records
from pipefit.webapi.auth import CurrentLogin, Workspace, WritingLogin
from pipefit.webapi.lead_schemas import (
    DecisionOut,
    HandoffIn,
    HandoffOut,
    HandoffPage,
    LeadIn,
    LeadOut,
    LeadPage,
    OverrideIn,
    QualificationOut,
    ScoreOut,
)
from pipefit.webapi.paging import LIST_ERRORS, Cursor, Limit
from pipefit.webapi.schemas import ErrorBody

__all__ = ["router"]

router = APIRouter(tags=["leads"])

LeadId = Annotated[str, Path(description="The lead's id.", max_length=100)]
UNSEEN: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such lead, or not one you may see."}
}


@router.get("/api/leads", response_model=LeadPage, responses=LIST_ERRORS)
def list_leads(
    app: Workspace,
    login: CurrentLogin,
    status: Annotated[
        str | None,
        Query(description="Only leads in this status: new, working, nurture, qualified, ..."),
    ] = None,
    owner_id: Annotated[str | None, Query(description="Only leads this person works.")] = None,
    account_id: Annotated[str | None, Query(description="Only leads of this account.")] = None,
    lead_source: Annotated[str | None, Query(description="Only leads from this source.")] = None,
    sort: Annotated[
        str, Query(description="lead_id or created_at; a leading - for descending.")
    ] = "lead_id",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> LeadPage:
    """The leads you may see (a rep: their own; presales: theirs and their pool's reps';
    a manager: their subtree's; revops, admin, comp admin: all), a page at a time."""
    found = list_records(
        app.accounts(), login.scope, "leads",
        filters={"status": status, "owner_id": owner_id, "account_id": account_id,
                 "lead_source": lead_source},
        sort=sort, cursor=cursor, limit=limit,
    )  # fmt: skip
    return LeadPage.of(found, found.page.rows, LeadOut.of)


@router.post(
    "/api/leads",
    response_model=LeadOut,
    status_code=201,
    responses={
        403: {"model": ErrorBody, "description": "You may not add a lead for that owner."},
        409: {"model": ErrorBody, "description": "A lead with that id exists."},
        422: {"model": ErrorBody, "description": "A value is wrong (named in `field`)."},
    },
)
def add_lead(app: Workspace, login: WritingLogin, lead: LeadIn) -> LeadOut:
    """Add a lead (status new), owned by you unless you name someone whose leads you
    route. Written to the audit log."""
    fields = lead.model_dump(exclude={"lead_id", "created_at"}, exclude_none=True)
    made = create_lead(
        app.accounts(), login.scope, fields, lead_id=lead.lead_id, created_at=lead.created_at
    )
    return LeadOut.of(get_record(app.accounts(), login.scope, "leads", made.lead_id))


@router.get("/api/leads/{lead_id}", response_model=LeadOut, responses=UNSEEN)
def get_lead(app: Workspace, login: CurrentLogin, lead_id: LeadId) -> LeadOut:
    """One lead you may see."""
    return LeadOut.of(get_record(app.accounts(), login.scope, "leads", lead_id))


@router.get("/api/leads/{lead_id}/score", response_model=ScoreOut, responses=UNSEEN)
def get_lead_score(
    app: Workspace,
    login: CurrentLogin,
    lead_id: LeadId,
    learned: Annotated[
        bool,
        Query(description="Also learn P(win) and P(success) from the history (slower)."),
    ] = False,
) -> ScoreOut:
    """The lead's score with its band and reasons, as `pipefit leads show` judges it:
    the success-ready scorecard, BANT (and its blind spot), demo-readiness."""
    config = app.workspace.config.qualification
    found, _, notes = lead_score(
        app.uow(), app.accounts(), login.scope, config, lead_id, learned=learned
    )
    return ScoreOut.of(found, notes)


@router.get("/api/leads/{lead_id}/decisions", response_model=list[DecisionOut], responses=UNSEEN)
def get_lead_decisions(app: Workspace, login: CurrentLogin, lead_id: LeadId) -> list[DecisionOut]:
    """The lead's routing decisions, newest first: pipefit's and people's overrides, each
    in force or superseded."""
    return [
        DecisionOut.of(d) for d in lead_decisions(app.uow(), app.accounts(), login.scope, lead_id)
    ]


@router.post(
    "/api/leads/{lead_id}/qualification",
    response_model=QualificationOut,
    responses={
        **UNSEEN,
        403: {
            "model": ErrorBody,
            "description": "You may read this lead but not route it, or a token that may "
            "only read.",
        },
    },
)
def qualify(app: Workspace, login: WritingLogin, lead_id: LeadId) -> QualificationOut:
    """Band the lead and route it by the team's rules, as `pipefit leads qualify LEAD`
    and the lead queue's Qualify button do; the decision is recorded (a hand-off as one)
    and written to the audit log."""
    config = app.workspace.config.qualification
    result = qualify_lead(app.uow(), app.accounts(), config, login.scope, lead_id)
    return QualificationOut(
        lead_id=lead_id.strip(),
        decisions=[DecisionOut.of(d) for d in result.decisions],
        notes=list(result.notes),
    )


@router.post(
    "/api/leads/{lead_id}/overrides",
    response_model=DecisionOut,
    status_code=201,
    responses={
        **UNSEEN,
        403: {"model": ErrorBody, "description": "You may read this lead but not route it."},
        422: {
            "model": ErrorBody,
            "description": "No decision to override yet, or a hand-off without `to`, a "
            "nurture without a date ahead, a disqualification without a note.",
        },
    },
)
def override_lead(
    app: Workspace, login: WritingLogin, lead_id: LeadId, body: OverrideIn
) -> DecisionOut:
    """Your decision in place of the one in force: hand off to a rep, nurture until a
    date, or disqualify with a reason; both stay on record, with your note. A hand-off is
    recorded as one (see /api/handoffs). Written to the audit log."""
    made = override_decision(
        app.uow(), app.accounts(), login.scope, lead_id, decision=body.decision,
        to_id=body.to, until=body.until, note=body.note,
    )  # fmt: skip
    return DecisionOut.of(made)


@router.post(
    "/api/leads/{lead_id}/handoffs",
    response_model=DecisionOut,
    status_code=201,
    responses={
        **UNSEEN,
        403: {"model": ErrorBody, "description": "You may read this lead but not route it."},
        422: {"model": ErrorBody, "description": "No decision to override yet."},
    },
)
def hand_off_lead(
    app: Workspace, login: WritingLogin, lead_id: LeadId, body: HandoffIn
) -> DecisionOut:
    """Hand the lead to a rep now: an override with decision handoff, recorded as a
    hand-off from its qualifier to the rep. Written to the audit log."""
    made = override_decision(
        app.uow(), app.accounts(), login.scope, lead_id, decision="handoff", to_id=body.to,
        note=body.note,
    )  # fmt: skip
    return DecisionOut.of(made)


@router.get("/api/handoffs", response_model=HandoffPage, responses=LIST_ERRORS)
def list_handoffs(
    app: Workspace,
    login: CurrentLogin,
    lead_id: Annotated[str | None, Query(description="Only the hand-offs of this lead.")] = None,
    to_id: Annotated[str | None, Query(description="Only hand-offs to this rep.")] = None,
    from_id: Annotated[str | None, Query(description="Only hand-offs by this person.")] = None,
    sort: Annotated[str, Query(description="at (oldest first) or -at (newest first).")] = "at",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> HandoffPage:
    """Hand-offs of the leads you may see (and those handed to you), a page at a time."""
    found = list_records(
        app.accounts(), login.scope, "handoffs",
        filters={"lead_id": lead_id, "to_id": to_id, "from_id": from_id},
        sort=sort, cursor=cursor, limit=limit,
    )  # fmt: skip
    return HandoffPage.of(found, found.page.rows, HandoffOut.of)
