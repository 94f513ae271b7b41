"""Leads and other records for a login, on the in-memory fakes: pages bound to their
order, what a rep sees and adds, and who may route a lead."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipefit.domain.access import AccessDenied, OrgChart, Principal, scope_for
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.users import UserRole
from pipefit.services.scoped_leads import create_lead
from pipefit.services.scoped_records import get_record, list_records
from pipefit.store.memory.accounts import MemoryAccounts

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CHART = OrgChart(team_of={"rae": "east", "rob": "east"}, manager_of_team={"east": "mia"})
RAE = scope_for(Principal("rae@example.com", UserRole.SALES_REP, "rae"), CHART)
MIA = scope_for(Principal("mia@example.com", UserRole.MANAGER, "mia"), CHART)
COMP = scope_for(Principal("comp@example.com", UserRole.COMP_ADMIN), CHART)


def accounts_with_leads() -> MemoryAccounts:
    accounts = MemoryAccounts()
    for i, owner in enumerate(["rae", "rob", "rae", "rae", "rob", "rae"], start=1):
        create_lead(
            accounts, MIA, {"owner_id": owner, "budget": "yes"}, lead_id=f"LEAD-ACME-{i}",
            created_at=datetime(2026, 5, i, tzinfo=UTC), clock=lambda: NOW,
        )  # fmt: skip
    return accounts


def test_a_rep_pages_through_their_own_leads_only_and_the_count_says_so() -> None:
    accounts = accounts_with_leads()
    seen: list[str] = []
    cursor = None
    while True:
        page = list_records(
            accounts, RAE, "leads", filters={}, sort="-created_at", cursor=cursor, limit=2
        )
        assert page.page.total == 4  # rae's four leads, not rob's two
        seen += [r["lead_id"] for r in page.page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["LEAD-ACME-6", "LEAD-ACME-4", "LEAD-ACME-3", "LEAD-ACME-1"]
    with pytest.raises(NotFound) as hidden:
        get_record(accounts, RAE, "leads", "LEAD-ACME-2")
    assert hidden.value.message == "no lead 'LEAD-ACME-2'"


def test_a_cursor_is_refused_by_any_other_order_and_a_field_outside_the_list_too() -> None:
    accounts = accounts_with_leads()
    first = list_records(accounts, MIA, "leads", filters={}, sort="created_at", limit=2)
    assert first.next_cursor is not None
    with pytest.raises(PipefitError) as other_order:
        list_records(accounts, MIA, "leads", filters={}, sort="-created_at",
                     cursor=first.next_cursor)  # fmt: skip
    assert other_order.value.field == "cursor"
    with pytest.raises(PipefitError) as other_list:
        list_records(accounts, MIA, "accounts", filters={}, cursor=first.next_cursor)
    assert other_list.value.field == "cursor"
    with pytest.raises(PipefitError) as sort:
        list_records(accounts, MIA, "leads", filters={}, sort="budget")
    assert sort.value.field == "sort"
    with pytest.raises(PipefitError) as unknown:
        list_records(accounts, MIA, "leads", filters={"budget": "yes"})
    assert unknown.value.field == "budget"


def test_a_rep_adds_leads_for_themself_only_and_each_is_audited() -> None:
    accounts = MemoryAccounts()
    made = create_lead(accounts, RAE, {"need": "unknown"}, clock=lambda: NOW)
    assert made.owner_id == "rae" and made.created_at == NOW
    [entry] = accounts.audit.entries()
    assert (entry.actor, entry.action) == ("rae@example.com", "lead.add")
    assert entry.target == made.lead_id
    with pytest.raises(AccessDenied):
        create_lead(accounts, RAE, {"owner_id": "rob"}, clock=lambda: NOW)
    with pytest.raises(AccessDenied):
        create_lead(accounts, COMP, {"owner_id": "rae"}, clock=lambda: NOW)
    with pytest.raises(PipefitError) as wrong:
        create_lead(accounts, RAE, {"budget": "maybe"}, clock=lambda: NOW)
    assert wrong.value.field == "lead.budget"
    with pytest.raises(PipefitError) as ahead:
        create_lead(accounts, RAE, {}, created_at=datetime(2027, 1, 1, tzinfo=UTC),
                    clock=lambda: NOW)  # fmt: skip
    assert ahead.value.field == "lead.created_at"
    assert len(accounts.audit.entries()) == 1  # nothing refused was written
