"""An in-memory LeadRepository for unit tests of the qualification services.

A test gives it lead records (what the SQL query would join), customers and reps; it
keeps decisions and hand-offs in lists, as the tables would."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import pyarrow as pa

from pipefit.domain.errors import NotFound
from pipefit.domain.model import CustomerOutcome, LeadStatus
from pipefit.domain.qualification import LeadRecord
from pipefit.domain.routing import LeadDecision, Rep
from pipefit.store.leads import LEAD_SCHEMA, SCORING_COLUMNS

__all__ = ["Handoff", "MemoryLeads", "lead_table"]

Handoff = tuple[str, datetime, str | None, str]  # lead, at, from, to


def _row(r: LeadRecord) -> dict[str, Any]:
    lead, account, contact, customer = r.lead, r.account, r.contact, r.customer

    def pct(value: object) -> float | None:
        return None if value is None else float(str(value))

    return {
        "lead_id": lead.lead_id, "status": str(lead.status), "account_id": lead.account_id,
        "contact_id": lead.contact_id, "lead_source": lead.source, "owner_id": lead.owner_id,
        "budget": lead.budget, "authority": lead.authority, "need": lead.need,
        "timeline": lead.timeline, "contact_role": lead.contact_role,
        "critical_issue": lead.critical_issue, "problems": lead.problems,
        "capabilities": lead.capabilities, "value_expected": lead.value_expected,
        "value_realization_events": lead.value_realization_events,
        "created_at": lead.created_at, "needs_match_pct": pct(lead.needs_match_pct),
        "success_criteria_fit_pct": pct(lead.success_criteria_fit_pct),
        "buying_team_size": lead.buying_team_size, "referral": lead.referral,
        "similar_experience": lead.similar_experience,
        "expected_ttv_days": lead.expected_ttv_days,
        "industry": account.industry if account else None,
        "employees": account.employees if account else None,
        "culture": account.culture if account else None,
        "segment": account.segment if account else None,
        "region": account.region if account else None,
        "is_executive": contact.is_executive if contact else None,
        "is_decision_maker": contact.is_decision_maker if contact else None,
        "on_buying_committee": contact.on_buying_committee if contact else None,
        "former_user": contact.former_user if contact else None,
        "owner_team": r.owner_team, "deals": r.deals, "won_deals": r.won_deals,
        "open_deals": r.open_deals, "deal_closed_at": r.deal_closed_at,
        "won_at": r.deal_closed_at if r.won_deals else None,
        "customer_since": customer.won_at if customer else None,
        "renewed": customer.renewed if customer else None,
        "expanded": customer.expanded if customer else None,
        "churned_at": customer.churned_at if customer else None,
        "reference": customer.reference if customer else None,
        "won_units": int(r.won_amount * 10_000), "won_currency": r.won_currency,
    }  # fmt: skip


def lead_table(records: Sequence[LeadRecord]) -> pa.Table:
    """The records as the lead table of the SQL store (oldest lead first)."""
    ordered = sorted(records, key=lambda r: (r.lead.created_at, r.lead.lead_id))
    return pa.Table.from_pylist([_row(r) for r in ordered], schema=LEAD_SCHEMA)


class MemoryLeads:
    def __init__(
        self,
        records: Sequence[LeadRecord] = (),
        *,
        customers: Sequence[tuple[str | None, str | None, CustomerOutcome]] = (),
        reps: Sequence[Rep] = (),
    ) -> None:
        self.records: dict[str, LeadRecord] = {r.lead.lead_id: r for r in records}
        self.customer_list = list(customers)
        self.reps = list(reps)  # their loads are their open deals
        self.decisions: list[LeadDecision] = []
        self.handoffs: list[Handoff] = []

    def lead_table(self) -> pa.Table:
        return lead_table(list(self.records.values()))

    def lead_rows(
        self,
        *,
        statuses: Collection[str] | None = None,
        owners: Collection[str] | None = None,
        lead_ids: Collection[str] | None = None,
    ) -> pa.Table:
        kept = [
            r
            for r in self.records.values()
            if (statuses is None or str(r.lead.status) in statuses)
            and (owners is None or r.lead.owner_id in owners)
            and (lead_ids is None or r.lead.lead_id in lead_ids)
        ]
        return lead_table(kept)

    def scoring_rows(
        self,
        *,
        statuses: Collection[str] | None = None,
        owners: Collection[str] | None = None,
    ) -> pa.Table:
        return self.lead_rows(statuses=statuses, owners=owners).select(list(SCORING_COLUMNS))

    def data_as_of(self) -> datetime | None:
        moments = [
            t
            for r in self.records.values()
            for t in (
                r.lead.created_at,
                r.deal_closed_at,
                r.customer.won_at if r.customer else None,
                r.customer.churned_at if r.customer else None,
            )
            if t is not None
        ]
        return max(moments) if moments else None

    def customers(self) -> list[tuple[str | None, str | None, CustomerOutcome]]:
        return list(self.customer_list)

    def customers_version(self) -> str | None:
        return None  # a test's customers are few: read them afresh

    def latest_decisions(self) -> dict[str, LeadDecision]:
        latest: dict[str, LeadDecision] = {}
        for d in self.decisions:  # in id order: the last one seen is the newest
            latest[d.lead_id] = d
        return latest

    def decisions_for(self, lead_ids: Collection[str]) -> dict[str, LeadDecision]:
        return {k: d for k, d in self.latest_decisions().items() if k in lead_ids}

    def decisions_of(self, lead_id: str | None = None, limit: int = 200) -> list[LeadDecision]:
        if lead_id is not None and lead_id not in self.records:
            raise NotFound(f"no lead '{lead_id}'")
        found = [d for d in self.decisions if lead_id is None or d.lead_id == lead_id]
        found.sort(key=lambda d: (d.at, d.decision_id or 0), reverse=True)
        return found[:limit]

    def rep_loads(self, *, since: datetime) -> list[Rep]:
        recent: dict[str, int] = {}
        latest = self.latest_decisions()
        for lead_id, at, _, to_id in self.handoffs:
            last = latest.get(lead_id)
            replaced = last is not None and (last.decision != "handoff" or last.to_id != to_id)
            if at >= since and not replaced:
                recent[to_id] = recent.get(to_id, 0) + 1
        return [
            replace(rep, load=rep.load + recent.get(rep.person_id, 0))
            for rep in sorted(self.reps, key=lambda r: r.person_id)
        ]

    def save_decisions(self, decisions: Sequence[LeadDecision]) -> list[int]:
        ids = []
        for decision in decisions:
            decision_id = len(self.decisions) + 1
            # The table keeps no `from_id`: it lives in the hand-off record.
            self.decisions.append(replace(decision, decision_id=decision_id, from_id=None))
            ids.append(decision_id)
            if decision.decision == "handoff" and decision.to_id:
                self.handoffs.append(
                    (decision.lead_id, decision.at, decision.from_id, decision.to_id)
                )
            record = self.records[decision.lead_id]
            lead = replace(record.lead, status=LeadStatus(decision.status))
            self.records[decision.lead_id] = replace(record, lead=lead)
        return ids
