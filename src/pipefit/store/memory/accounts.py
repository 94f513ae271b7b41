"""In-memory logins, tokens, audit log and deal pages, for unit tests of the services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from pipefit.domain.board import BoardDeal, BoardQuery, ColumnFigures, ColumnKey, DealParties
from pipefit.domain.deal_pages import DealPage, DealPageQuery
from pipefit.domain.errors import ConflictError
from pipefit.domain.model import Category, Lead, Opportunity
from pipefit.domain.record_pages import RecordPage, RecordQuery
from pipefit.domain.users import ApiToken, AuditEntry, User
from pipefit.domain.web_sessions import FailureCount, WebSession
from pipefit.store.memory.transaction import MemoryTransaction

__all__ = [
    "MemoryAccounts",
    "MemoryAudit",
    "MemoryBoard",
    "MemoryDealPages",
    "MemoryHasher",
    "MemoryLoginFailures",
    "MemoryRecords",
    "MemorySessions",
    "MemoryUsers",
]


class MemoryUsers:
    def __init__(self) -> None:
        self.by_email: dict[str, User] = {}
        self.by_token: dict[str, ApiToken] = {}

    def get(self, email: str) -> User | None:
        return self.by_email.get(email)

    def all(self) -> list[User]:
        return list(self.by_email.values())

    def add(self, user: User) -> None:
        self.by_email[user.email] = user

    def update(self, user: User) -> None:
        self.by_email[user.email] = user

    def add_token(self, token: ApiToken) -> None:
        self.by_token[token.token_id] = token

    def token(self, token_id: str) -> ApiToken | None:
        return self.by_token.get(token_id)

    def tokens(self, email: str) -> list[ApiToken]:
        return [t for t in self.by_token.values() if t.email == email]

    def revoke_token(self, token_id: str, at: datetime) -> None:
        self.by_token[token_id] = replace(self.by_token[token_id], revoked_at=at)


class MemoryAudit:
    def __init__(self) -> None:
        self.log: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        self.log.append(entry)

    def entries(self, *, limit: int = 100) -> list[AuditEntry]:
        return list(reversed(self.log))[:limit]


class MemoryDealPages:
    """Pages over a list of deals (share the list with a MemoryDeals to see its moves)."""

    def __init__(self, deals: list[Opportunity] | None = None) -> None:
        self.deals = deals if deals is not None else []
        self.segments: dict[str, str] = {}  # account -> segment

    def page(self, query: DealPageQuery) -> DealPage:
        def allowed(o: Opportunity) -> bool:
            if query.owners is None:
                return True
            return (o.owner_id in query.owners) or (o.presales_id in query.presales)

        found = [
            o
            for o in self.deals
            if allowed(o)
            and (query.owner is None or o.owner_id == query.owner)
            and (query.stages is None or o.stage in query.stages)
            and (query.segment is None or self.segments.get(o.account_id or "") == query.segment)
        ]

        def key(o: Opportunity) -> tuple[str, str]:
            value = o.created_at.isoformat() if query.sort == "created_at" else o.opportunity_id
            return (value, o.opportunity_id)

        found.sort(key=key, reverse=query.descending)
        if query.after is not None:
            after = query.after
            found = [o for o in found if (key(o) < after if query.descending else key(o) > after)]
        total = sum(
            1
            for o in self.deals
            if allowed(o)
            and (query.owner is None or o.owner_id == query.owner)
            and (query.stages is None or o.stage in query.stages)
            and (query.segment is None or self.segments.get(o.account_id or "") == query.segment)
        )
        return DealPage(found[: query.limit], total, more=len(found) > query.limit)


class MemorySessions:
    def __init__(self) -> None:
        self.by_id: dict[str, WebSession] = {}

    def add(self, session: WebSession) -> None:
        self.by_id[session.session_id] = session

    def get(self, session_id: str) -> WebSession | None:
        return self.by_id.get(session_id)

    def revoke(self, session_id: str, at: datetime) -> None:
        found = self.by_id.get(session_id)
        if found is not None and found.revoked_at is None:
            self.by_id[session_id] = replace(found, revoked_at=at)

    def revoke_all(self, email: str, at: datetime) -> int:
        mine = [s for s in self.by_id.values() if s.email == email and s.revoked_at is None]
        for s in mine:
            self.by_id[s.session_id] = replace(s, revoked_at=at)
        return len(mine)


class MemoryLoginFailures:
    def __init__(self) -> None:
        self.counts: dict[str, FailureCount] = {}

    def get(self, key: str) -> FailureCount | None:
        return self.counts.get(key)

    def record(self, key: str, at: datetime, *, forget_before: datetime) -> FailureCount:
        found = self.counts.get(key)
        failures = (
            1 if found is None or found.last_failed_at < forget_before else found.failures + 1
        )
        self.counts[key] = FailureCount(key, failures, at)
        return self.counts[key]

    def clear(self, key: str) -> None:
        self.counts.pop(key, None)


class MemoryBoard:
    """Open deals of a MemoryDealPages (its list and segments)."""

    def __init__(self, pages: MemoryDealPages) -> None:
        self.pages = pages

    def _seen(self, query: BoardQuery, *, filters: bool = True) -> list[BoardDeal]:
        found = []
        for o in sorted(self.pages.deals, key=lambda d: d.opportunity_id):
            segment = self.pages.segments.get(o.account_id or "")
            allowed = (
                query.owners is None
                or o.owner_id in query.owners
                or (o.presales_id in query.presales)
            )
            wanted = not filters or (
                (not query.owner or o.owner_id == query.owner)
                and (not query.presales_id or o.presales_id == query.presales_id)
                and (not query.segment or segment == query.segment)
            )
            if o.outcome is Category.OPEN and allowed and wanted:
                found.append(BoardDeal(o, segment))
        return found

    def figures(self, query: BoardQuery) -> list[ColumnFigures]:
        groups: dict[tuple[str, str | None, str, str], list[Opportunity]] = {}
        for d in self._seen(query):
            o = d.opportunity
            groups.setdefault((o.pipeline, d.segment, o.stage, o.currency), []).append(o)
        return [
            ColumnFigures(
                p, seg, st, cur, len(os), sum(1 for o in os if o.amount is not None),
                sum((o.amount for o in os if o.amount is not None), Decimal(0)),
            )
            for (p, seg, st, cur), os in groups.items()
        ]  # fmt: skip

    def oldest(
        self, query: BoardQuery, per_column: int, columns: Sequence[ColumnKey]
    ) -> list[BoardDeal]:
        wanted = set(columns)
        found: dict[ColumnKey, list[BoardDeal]] = {}
        for d in self._seen(query):
            o = d.opportunity
            if (o.pipeline, d.segment, o.stage) in wanted:
                found.setdefault((o.pipeline, d.segment, o.stage), []).append(d)
        kept = [
            d
            for ds in found.values()
            for d in sorted(
                ds, key=lambda d: (d.opportunity.created_at, d.opportunity.opportunity_id)
            )[:per_column]
        ]
        return sorted(kept, key=lambda d: d.opportunity.opportunity_id)

    def choices(self, query: BoardQuery) -> tuple[list[str], list[str], list[str]]:
        seen = self._seen(query, filters=False)
        return (
            sorted({d.opportunity.owner_id for d in seen if d.opportunity.owner_id}),
            sorted({d.opportunity.presales_id for d in seen if d.opportunity.presales_id}),
            sorted({d.segment for d in seen if d.segment}),
        )

    def parties(self, account_id: str | None) -> DealParties:
        return DealParties(None, [])


class MemoryRecords:
    """Records as plain rows per list ("accounts", "leads", ...). Leads are seen by their
    owner; accounts, contacts and hand-offs through the leads seen (deals aside)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def page(self, query: RecordQuery) -> RecordPage:
        listing, v = query.listing, query.visibility
        leads = self.rows.get("leads", [])
        seen = [r for r in leads if v.lead_owners is None or r.get("owner_id") in v.lead_owners]
        link = {
            "accounts": ("account_id", {r.get("account_id") for r in seen}),
            "contacts": ("contact_id", {r.get("contact_id") for r in seen}),
            "handoffs": ("lead_id", {r.get("lead_id") for r in seen}),
            "leads": ("lead_id", {r.get("lead_id") for r in seen}),
        }[listing.name]
        found = [
            r
            for r in self.rows.get(listing.name, [])
            if (v.everything or r.get(link[0]) in link[1])
            and all(str(r.get(k)) == value for k, value in query.filters.items())
        ]
        sort = query.sort or listing.sorts[0]

        def key(r: dict[str, Any]) -> tuple[str, str]:
            value = r[sort]
            text = value.isoformat() if isinstance(value, datetime) else str(value)
            return (text, str(r[listing.key]))

        found.sort(key=key, reverse=query.descending)
        total = len(found)
        if query.after is not None:
            after = query.after
            found = [r for r in found if (key(r) < after if query.descending else key(r) > after)]
        return RecordPage(found[: query.limit], total, more=len(found) > query.limit)

    def add_lead(self, lead: Lead) -> None:
        rows = self.rows.setdefault("leads", [])
        if any(r["lead_id"] == lead.lead_id for r in rows):
            raise ConflictError(f"lead '{lead.lead_id}' already exists", field="lead.id")
        values = asdict(lead)
        values["lead_source"] = values.pop("source")
        values["status"] = str(lead.status)
        rows.append(values)


class MemoryAccounts(MemoryTransaction):
    def __init__(self, deals: list[Opportunity] | None = None) -> None:
        super().__init__()
        self.users = MemoryUsers()
        self.audit = MemoryAudit()
        self.deal_pages = MemoryDealPages(deals)
        self.sessions = MemorySessions()
        self.login_failures = MemoryLoginFailures()
        self.board = MemoryBoard(self.deal_pages)
        self.records = MemoryRecords()


class MemoryHasher:
    """Stands in for argon2 (slow on purpose) in unit tests: a visible mark, not a hash."""

    def hash(self, password: str) -> str:
        return f"plain:{password}"

    def verify(self, encoded: str, password: str) -> bool:
        return encoded == f"plain:{password}"
