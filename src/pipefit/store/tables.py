"""The tables. The stage-event log is append-only: rows are inserted, never updated."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from pipefit.store.types import Money, UtcDateTime

__all__ = ["ENTITY_TABLES", "metadata"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    }
)

ID = 100  # source ids are free text; 100 characters covers every CRM we know

pipelines = Table(
    "pipelines",
    metadata,
    Column("name", String(ID), primary_key=True),
    Column("origin", String(40), nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
)

stages = Table(
    "stages",
    metadata,
    Column("pipeline", String(ID), primary_key=True),
    Column("name", String(ID), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("category", String(10), nullable=False),
    ForeignKeyConstraint(["pipeline"], ["pipelines.name"]),
)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(ID), primary_key=True),
    Column("name", Text, nullable=False),
    Column("industry", Text),
    Column("employees", Integer),
    Column("annual_revenue", Money),
    Column("region", Text),
    Column("culture", String(20)),
    Column("segment", String(40)),
    Column("source", String(40), nullable=False),
)

contacts = Table(
    "contacts",
    metadata,
    Column("contact_id", String(ID), primary_key=True),
    Column("account_id", String(ID), index=True),
    Column("name", Text, nullable=False),
    Column("title", Text),
    Column("is_executive", Boolean, nullable=False),
    Column("is_decision_maker", Boolean, nullable=False),
    Column("on_buying_committee", Boolean, nullable=False),
    Column("former_user", Boolean, nullable=False),
    Column("source", String(40), nullable=False),
)

teams = Table(
    "teams",
    metadata,
    Column("team_id", String(ID), primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", Text),
    Column("manager_id", String(ID)),
    Column("source", String(40), nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("person_id", String(ID), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(20), nullable=False),
    Column("team_id", String(ID)),
    Column("base_pay", Money),
    Column("variable_pay", Money),
    Column("currency", String(3), nullable=False),
    Column("hired_at", Date),
    Column("source", String(40), nullable=False),
)

pools = Table(
    "pools",
    metadata,
    Column("pool_id", String(ID), primary_key=True),
    Column("name", Text, nullable=False),
    Column("discount_pct", Money),
    Column("target", Money),
    Column("source", String(40), nullable=False),
)

pool_members = Table(
    "pool_members",
    metadata,
    Column("pool_id", String(ID), primary_key=True),
    Column("person_id", String(ID), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("source", String(40), nullable=False),
)

leads = Table(
    "leads",
    metadata,
    Column("lead_id", String(ID), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("account_id", String(ID), index=True),
    Column("contact_id", String(ID)),
    Column("lead_source", Text),
    Column("owner_id", String(ID)),
    Column("budget", String(10)),
    Column("authority", String(10)),
    Column("need", String(10)),
    Column("timeline", String(10)),
    Column("contact_role", Text),
    Column("critical_issue", Text),
    Column("problems", Text),
    Column("capabilities", Text),
    Column("value_expected", Text),
    Column("value_realization_events", Text),
    Column("needs_match_pct", Money),
    Column("success_criteria_fit_pct", Money),
    Column("buying_team_size", Integer),
    Column("referral", Boolean),
    Column("similar_experience", Boolean),
    Column("expected_ttv_days", Integer),
    Column("source", String(40), nullable=False),
    # The lead queue narrows to a status and the login's people (migration 0012).
    Index("ix_leads_status_owner", "status", "owner_id"),
    Index("ix_leads_created_at", "created_at"),
)

opportunities = Table(
    "opportunities",
    metadata,
    Column("opportunity_id", String(ID), primary_key=True),
    Column("name", Text),
    Column("account_id", String(ID), index=True),
    Column("lead_id", String(ID)),
    Column("pipeline", String(ID), nullable=False),
    Column("stage", String(ID), nullable=False),
    Column("substate", String(ID)),
    Column("amount", Money),
    Column("currency", String(3), nullable=False),
    Column("owner_id", String(ID)),
    Column("presales_id", String(ID)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("outcome", String(10), nullable=False),
    Column("loss_reason", Text),
    Column("product", Text),
    Column("source", String(40), nullable=False),
    # The close date the CRM expects for a deal still open (imports fill it).
    Column("expected_close", UtcDateTime),
    # Optimistic concurrency: every stage move bumps the version it read.
    Column("version", Integer, nullable=False, default=0),
    # A stage's deals, oldest first (the board's columns).
    Index("ix_opportunities_column", "pipeline", "stage", "created_at"),
    Index("ix_opportunities_lead_id", "lead_id", "closed_at"),
    # A login's own deals (the access filter of a rep, a presales engineer, a manager).
    Index("ix_opportunities_owner_id", "owner_id", "outcome"),
    Index("ix_opportunities_presales_id", "presales_id", "outcome"),
)

stage_events = Table(
    "stage_events",
    metadata,
    Column("opportunity_id", String(ID), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("from_stage", String(ID)),
    Column("to_stage", String(ID), nullable=False),
    Column("substate", String(ID)),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", String(ID)),
    Column("source", String(40), nullable=False),
    Column("reason", Text),
    # The order events were logged in, across deals: a number that only grows, assigned
    # by every writer (store.stage_log.next_logged), so that a copy of the log catches up
    # by reading what was logged after the last number it holds.
    Column("logged", BigInteger),
    Index("ix_stage_events_logged", "logged", unique=True),
    # Clustered by (opportunity, seq): history reads are one range scan.
    sqlite_with_rowid=False,
)

stage_event_corrections = Table(
    "stage_event_corrections",
    metadata,
    # An admin's correction of a logged stage event (its true time, or void), logged
    # beside the stage log, which stays append-only; append-only itself (migration 0005).
    Column("opportunity_id", String(ID), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("corrects_seq", Integer, nullable=False),
    Column("at", UtcDateTime),
    Column("void", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor_id", String(ID)),
    Column("recorded_at", UtcDateTime, nullable=False),
    sqlite_with_rowid=False,
)

forecast_overrides = Table(
    "forecast_overrides",
    metadata,
    # A deal's forecast category set by hand, with who and when (migration 0007); never
    # rewritten: the latest at or before a moment is in force then.
    Column("opportunity_id", String(ID), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("category", String(20), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", String(ID), nullable=False),
    Column("note", Text),
    sqlite_with_rowid=False,
)

opportunity_changes = Table(
    "opportunity_changes",
    metadata,
    # Amount and close-date history (stage moves are stage events): at `at`, `field`
    # ("amount" or "close_date") took the new value; the old one when the source says it.
    # Append-only like the stage log (migration 0004).
    Column("opportunity_id", String(ID), primary_key=True),
    Column("field", String(20), primary_key=True),
    Column("at", UtcDateTime, primary_key=True),
    # 1, 2, ... among changes of the field at the same time (exports dated to the day).
    Column("ordinal", Integer, primary_key=True),
    Column("old_amount", Money),
    Column("new_amount", Money),
    Column("old_close_date", UtcDateTime),
    Column("new_close_date", UtcDateTime),
    Column("currency", String(3)),
    Column("source", String(40), nullable=False),
    sqlite_with_rowid=False,
)

activities = Table(
    "activities",
    metadata,
    Column("activity_id", String(ID), primary_key=True),
    Column("opportunity_id", String(ID), index=True),
    Column("lead_id", String(ID), index=True),
    Column("kind", String(40), nullable=False),
    Column("purpose", String(40)),
    Column("by", String(20)),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", String(ID)),
    Column("note", Text),
    Column("source", String(40), nullable=False),
)

handoffs = Table(
    "handoffs",
    metadata,
    Column("lead_id", String(ID), primary_key=True),
    Column("at", UtcDateTime, primary_key=True),
    Column("from_id", String(ID)),
    Column("to_id", String(ID), nullable=False),
    Column("source", String(40), nullable=False),
)

customer_outcomes = Table(
    "customer_outcomes",
    metadata,
    Column("account_id", String(ID), primary_key=True),
    Column("won_at", UtcDateTime, nullable=False),
    Column("renewed", Boolean),
    Column("expanded", Boolean),
    Column("churned_at", UtcDateTime),
    Column("reference", Boolean),
    Column("revenue", Money),
    Column("margin", Money),
    Column("time_to_value_days", Integer),
    Column("source", String(40), nullable=False),
)

quotas = Table(
    "quotas",
    metadata,
    Column("owner_kind", String(10), primary_key=True),
    Column("owner_id", String(ID), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("source", String(40), nullable=False),
)

lead_decisions = Table(
    "lead_decisions",
    metadata,
    # One row per routing decision or override; the newest row for a lead is in force.
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(ID), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("band", String(20)),
    Column("decision", String(20), nullable=False),  # handoff / nurture / disqualify
    Column("method", String(40), nullable=False),
    Column("score", Money),
    Column("reasons", JSON, nullable=False),
    Column("to_id", String(ID)),
    Column("nurture_until", UtcDateTime),
    Column("decided_by", String(ID)),  # a person for overrides; null when pipefit decided
    Column("overrides", Integer),  # the decision_id a person overrode
    Column("note", Text),
)

quota_changes = Table(
    "quota_changes",
    metadata,
    # A quota changed mid-period: the new amount applies from `effective_at`, prorated.
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("owner_kind", String(10), nullable=False),
    Column("owner_id", String(ID), nullable=False, index=True),
    Column("period", String(10), nullable=False),
    Column("effective_at", UtcDateTime, nullable=False),
    Column("amount", Money, nullable=False),
    Column("reason", Text),
    Column("recorded_at", UtcDateTime, nullable=False),
)

credit_splits = Table(
    "credit_splits",
    metadata,
    # Salesforce-style opportunity splits: "revenue" splits sum to 100% per deal,
    # "overlay" credit may add up to any total.
    Column("opportunity_id", String(ID), primary_key=True),
    Column("person_id", String(ID), primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("percent", Money, nullable=False),
    Column("source", String(40), nullable=False),
)

imports = Table(
    "imports",
    metadata,
    Column("import_id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("format", String(40), nullable=False),
    Column("files", JSON, nullable=False),
    Column("counts", JSON, nullable=False),
)

# The tables an import can fill, in load order, with the columns that identify a row.
ENTITY_TABLES: dict[str, tuple[Table, tuple[str, ...]]] = {
    "pipelines": (pipelines, ("name",)),
    "stages": (stages, ("pipeline", "name")),
    "teams": (teams, ("team_id",)),
    "people": (people, ("person_id",)),
    "pools": (pools, ("pool_id",)),
    "pool_members": (pool_members, ("pool_id", "person_id", "kind")),
    "accounts": (accounts, ("account_id",)),
    "contacts": (contacts, ("contact_id",)),
    "leads": (leads, ("lead_id",)),
    "opportunities": (opportunities, ("opportunity_id",)),
    "stage_events": (stage_events, ("opportunity_id", "seq")),
    "opportunity_changes": (opportunity_changes, ("opportunity_id", "field", "at", "ordinal")),
    "activities": (activities, ("activity_id",)),
    "handoffs": (handoffs, ("lead_id", "at")),
    "customer_outcomes": (customer_outcomes, ("account_id",)),
    "quotas": (quotas, ("owner_kind", "owner_id", "period")),
    "credit_splits": (credit_splits, ("opportunity_id", "person_id", "kind")),
}

period_closes = Table(
    "period_closes",
    metadata,
    # A pay period closed (pipefit comp close): its statements are kept as paid.
    Column("period", String(10), primary_key=True),
    Column("closed_by", String(ID), nullable=False),
    Column("closed_at", UtcDateTime, nullable=False),
    Column("statements", Integer, nullable=False),
    Column("variable_pay", Money, nullable=False),
)

closed_statements = Table(
    "closed_statements",
    metadata,
    # One person's statement of a closed period as it was paid (JSON; every amount as text).
    Column("period", String(10), primary_key=True),
    Column("person_id", String(ID), primary_key=True),
    Column("closed_period", String(10), nullable=False, index=True),
    Column("body", Text, nullable=False),
)

data_version = Table(
    "data_version",
    metadata,
    # One row (id 1): a number moved by every write of data, in the write's transaction
    # (store.data_version), which the web pages key what they keep to.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)
