"""Deal lists, reads and moves for a login, on the in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipefit.domain.access import AccessDenied, OrgChart, Principal, scope_for
from pipefit.domain.errors import ConflictError, NotFound, PipefitError
from pipefit.domain.users import UserRole
from pipefit.services.deals import add_activity, create_opportunity
from pipefit.services.scoped_deals import MoveRefused, list_deals, move_deal, read_deal
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.accounts import MemoryAccounts
from pipefit.store.memory.deals import MemoryDeals

from .factories import inbound, when

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CHART = OrgChart(team_of={"rae": "east", "rob": "east"}, manager_of_team={"east": "mia"})
RAE = scope_for(Principal("rae@example.com", UserRole.SALES_REP, "rae"), CHART)
ROB = scope_for(Principal("rob@example.com", UserRole.SALES_REP, "rob"), CHART)
COMP = scope_for(Principal("comp@example.com", UserRole.COMP_ADMIN), CHART)


def workspace() -> tuple[MemoryUnitOfWork, MemoryAccounts]:
    store = MemoryDeals({"inbound": inbound()})
    uow = MemoryUnitOfWork(deals=store)
    for i, owner in enumerate(["rae", "rob", "rae", "rae", "rob"], start=1):
        create_opportunity(
            uow, f"ACME-{i}", pipeline=None, default_pipeline="inbound",
            at=when(f"2026-02-0{i}"), owner_id=owner, clock=lambda: NOW,
        )  # fmt: skip
    # the pages read the same deals the repository holds (a view, kept in step below)
    accounts = MemoryAccounts(list(store.opportunities.values()))
    return uow, accounts


def test_a_rep_lists_only_their_deals_and_the_count_says_so_page_by_page() -> None:
    uow, accounts = workspace()
    first = list_deals(uow, accounts, RAE, limit=2)
    assert [o.opportunity_id for o in first.page.opportunities] == ["ACME-1", "ACME-3"]
    assert first.page.total == 3 and first.next_cursor is not None
    second = list_deals(uow, accounts, RAE, limit=2, cursor=first.next_cursor)
    assert [o.opportunity_id for o in second.page.opportunities] == ["ACME-4"]
    assert second.next_cursor is None


def test_a_list_sorts_newest_first_and_refuses_an_unknown_sort_or_a_forged_cursor() -> None:
    uow, accounts = workspace()
    listing = list_deals(uow, accounts, COMP, sort="-created_at", limit=10)
    assert [o.opportunity_id for o in listing.page.opportunities][:2] == ["ACME-5", "ACME-4"]
    with pytest.raises(PipefitError) as bad_sort:
        list_deals(uow, accounts, COMP, sort="amount")
    assert bad_sort.value.field == "sort"
    with pytest.raises(PipefitError) as bad_cursor:
        list_deals(uow, accounts, COMP, cursor="not-a-cursor")
    assert bad_cursor.value.field == "cursor"


def test_a_deal_out_of_scope_is_not_found_in_the_same_words_as_an_unknown_one() -> None:
    uow, _ = workspace()
    with pytest.raises(NotFound) as hidden:
        read_deal(uow, ROB, "ACME-1", clock=lambda: NOW)
    with pytest.raises(NotFound) as unknown:
        read_deal(uow, ROB, "ACME-404", clock=lambda: NOW)
    assert hidden.value.message.replace("ACME-1", "X") == unknown.value.message.replace(
        "ACME-404", "X"
    )
    assert read_deal(uow, RAE, "ACME-1", clock=lambda: NOW).opportunity.owner_id == "rae"


def test_a_refused_move_names_the_missing_evidence_and_writes_nothing() -> None:
    uow, accounts = workspace()
    with pytest.raises(MoveRefused) as refused:
        move_deal(uow, accounts, RAE, "ACME-1", "Evaluation", expected_version=0, clock=lambda: NOW)
    kinds = {(m["gate"], m["kind"]) for m in refused.value.missing}
    assert ("entry", "meeting_accepted") in kinds
    assert uow.audit.entries() == [] and accounts.audit.entries() == []


def test_a_move_with_the_evidence_is_audited_and_a_stale_version_is_a_conflict() -> None:
    uow, accounts = workspace()
    for kind, purpose, by in [
        ("next_steps_agreed", None, None),
        ("meeting_booked", "evaluation", None),
        ("meeting_accepted", "Evaluation", "prospect"),
    ]:
        add_activity(uow, "ACME-1", kind, at=when("2026-03-01"), purpose=purpose, by=by,
                     clock=lambda: NOW)  # fmt: skip
    with pytest.raises(ConflictError):
        move_deal(uow, accounts, RAE, "ACME-1", "Evaluation", expected_version=7, clock=lambda: NOW)
    move = move_deal(
        uow, accounts, RAE, "ACME-1", "Evaluation", expected_version=0, clock=lambda: NOW
    )
    assert move.opportunity.stage == "Evaluation"
    [entry] = uow.audit.entries()  # written in the move's own transaction
    assert (entry.actor, entry.action, entry.target) == (
        "rae@example.com",
        "opportunity.move",
        "ACME-1",
    )
    assert entry.before is not None and entry.after is not None
    assert (entry.before["stage"], entry.after["stage"]) == ("Discovery", "Evaluation")


def test_a_comp_admin_reads_every_deal_but_moves_none() -> None:
    uow, accounts = workspace()
    with pytest.raises(AccessDenied):
        move_deal(uow, accounts, COMP, "ACME-2", "Evaluation", clock=lambda: NOW)
