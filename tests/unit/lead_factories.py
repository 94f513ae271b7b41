"""Plain factories for qualification tests: leads, accounts, contacts, customers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pipefit.domain.model import Account, Contact, CustomerOutcome, Lead
from pipefit.domain.qualification import LeadRecord

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)


def lead(lead_id: str = "LEAD-NORTHWIND-1", **overrides: Any) -> Lead:
    values: dict[str, Any] = {
        "lead_id": lead_id,
        "account_id": "ACC-NORTHWIND",
        "created_at": NOW - timedelta(days=30),
        "budget": "yes",
        "authority": "yes",
        "need": "yes",
        "timeline": "yes",
        "contact_role": "VP Operations",
        "critical_issue": "late forecasts",
        "problems": "spreadsheets; no stage data",
        "capabilities": "stage gates",
        "value_expected": "forecast within 5%",
        "value_realization_events": "first clean forecast in 30 days",
        "needs_match_pct": Decimal("85"),
        "success_criteria_fit_pct": Decimal("80"),
        "buying_team_size": 3,
        "referral": True,
        "similar_experience": True,
        "expected_ttv_days": 30,
    }
    values.update(overrides)
    return Lead(**values)


def account(**overrides: Any) -> Account:
    values: dict[str, Any] = {
        "account_id": "ACC-NORTHWIND",
        "name": "Northwind Logistics",
        "industry": "logistics",
        "employees": 400,
        "culture": "early_adopter",
        "segment": "smb",
    }
    values.update(overrides)
    return Account(**values)


def contact(**overrides: Any) -> Contact:
    values: dict[str, Any] = {
        "contact_id": "CON-DANA",
        "account_id": "ACC-NORTHWIND",
        "name": "Dana Reyes",
        "is_executive": True,
        "is_decision_maker": True,
        "on_buying_committee": True,
        "former_user": True,
    }
    values.update(overrides)
    return Contact(**values)


def customer(account_id: str, *, days_ago: int = 500, **overrides: Any) -> CustomerOutcome:
    values: dict[str, Any] = {
        "account_id": account_id,
        "won_at": NOW - timedelta(days=days_ago),
        "renewed": True,
        "expanded": False,
        "reference": False,
        "revenue": Decimal("50000"),
        "margin": Decimal("30000"),
        "time_to_value_days": 40,
    }
    values.update(overrides)
    return CustomerOutcome(**values)


def record(**overrides: Any) -> LeadRecord:
    values: dict[str, Any] = {"lead": lead(), "account": account(), "contact": contact()}
    values.update(overrides)
    return LeadRecord(**values)
