"""Logins, tokens, the audit log and access-filtered deal pages on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.domain.deal_pages import DealPageQuery
from pipefit.services.deals import create_opportunity
from pipefit.services.users import (
    add_user,
    authenticate_token,
    disable_user,
    issue_token,
    list_users,
    revoke_token,
)
from pipefit.store.memory.accounts import MemoryHasher

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_users_tokens_and_the_audit_log_round_trip_through_the_database(
    workspace: Workspace,
) -> None:
    app = App(workspace)
    try:
        add_user(app.accounts(), app.uow(), MemoryHasher(), "Root@Example.com", "admin",
                 password="a long enough secret", actor="cli:test")  # fmt: skip
        issued = issue_token(app.accounts(), "root@example.com", scope="write", actor="cli:test")
        user, scope = authenticate_token(app.accounts(), issued.secret)
        assert (user.email, str(scope), user.password_hash) == (
            "root@example.com", "write", "plain:a long enough secret",
        )  # fmt: skip
        assert user.created_at.tzinfo is not None
        revoke_token(app.accounts(), "root@example.com", issued.token.token_id, actor="cli:test")
        disable_user(app.accounts(), "root@example.com", actor="cli:test")
        [stored] = list_users(app.accounts())
        assert stored.disabled
        with app.accounts() as accounts:
            log = accounts.audit.entries()
            [token] = accounts.users.tokens("root@example.com")
        assert [e.action for e in log] == [
            "user.disable",
            "token.revoke",
            "token.issue",
            "user.add",
        ]
        assert log[0].before == {
            "email": "root@example.com", "role": "admin", "person_id": None,
            "disabled": False, "has_password": True,
        }  # fmt: skip
        assert token.revoked_at is not None
    finally:
        app.close()


def test_a_deal_page_filters_by_access_in_the_query_and_counts_within_it(
    workspace: Workspace,
) -> None:
    app = App(workspace)
    try:
        for i, (owner, presales) in enumerate(
            [("rae", "pat"), ("rob", None), ("rae", None), ("ron", "pat"), ("rob", "pia")], 1
        ):
            create_opportunity(
                app.uow(), f"ACME-{i}", pipeline=None, default_pipeline="inbound",
                at=datetime(2026, 2, i, tzinfo=UTC), owner_id=owner, presales_id=presales,
                clock=lambda: NOW,
            )  # fmt: skip
        # rae's deals (1, 3) and those pat supports (1, 4): 1, 3, 4
        query = DealPageQuery(owners=frozenset({"rae"}), presales=frozenset({"pat"}), limit=2)
        with app.accounts() as accounts:
            first = accounts.deal_pages.page(query)
            assert [o.opportunity_id for o in first.opportunities] == ["ACME-1", "ACME-3"]
            assert (first.total, first.more) == (3, True)
            rest = accounts.deal_pages.page(
                DealPageQuery(
                    owners=query.owners, presales=query.presales, after=("ACME-3", "ACME-3")
                )
            )
            assert [o.opportunity_id for o in rest.opportunities] == ["ACME-4"]
            newest = accounts.deal_pages.page(
                DealPageQuery(owners=None, sort="created_at", descending=True, limit=2)
            )
            assert [o.opportunity_id for o in newest.opportunities] == ["ACME-5", "ACME-4"]
            after = (newest.opportunities[-1].created_at.isoformat(), "ACME-4")
            older = accounts.deal_pages.page(
                DealPageQuery(owners=None, sort="created_at", descending=True, after=after)
            )
            assert [o.opportunity_id for o in older.opportunities] == ["ACME-3", "ACME-2", "ACME-1"]
            nobody = accounts.deal_pages.page(DealPageQuery(owners=frozenset()))
            assert (nobody.opportunities, nobody.total) == ([], 0)
    finally:
        app.close()
