"""pipefit's own CSV layout: one file per record type, documented in docs/native-format.md.

A file's record type comes from its name (`accounts.csv`, `stage_events.csv`, ...).
Columns are named as below; unknown columns are refused so that typos are not silent.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipefit.domain.changes import ChangedField
from pipefit.domain.model import ADOPTION_CULTURES
from pipefit.io.parsing import FieldSpec as F

__all__ = ["ENTITIES", "EntitySpec", "entity_for_file"]

YES_NO = ("yes", "no", "unknown")


@dataclass(frozen=True)
class EntitySpec:
    name: str
    fields: tuple[F, ...]
    key: tuple[str, ...]
    doc: str

    def field(self, name: str) -> F:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec(
            "teams",
            (
                F("team_id", required=True),
                F("name", required=True),
                F("region"),
                F("manager_id", doc="person_id of the team's manager"),
            ),
            ("team_id",),
            "Sales and presales teams.",
        ),
        EntitySpec(
            "people",
            (
                F("person_id", required=True),
                F("name", required=True),
                F("role", required=True, choices=("sales_rep", "presales", "manager", "admin")),
                F("team_id"),
                F("base_pay", "decimal", doc="yearly base salary"),
                F("variable_pay", "decimal", doc="yearly variable pay at 100% attainment"),
                F("currency"),
                F("hired_at", "date"),
            ),
            ("person_id",),
            "Sales reps, presales engineers, managers and admins.",
        ),
        EntitySpec(
            "pools",
            (
                F("pool_id", required=True),
                F("name", required=True),
                F("discount_pct", "decimal", doc="street-quota discount, e.g. 13.33"),
                F("target", "decimal", doc="explicit pool target, overrides the discount"),
            ),
            ("pool_id",),
            "Presales pools: members share the covered reps' discounted quota.",
        ),
        EntitySpec(
            "pool_members",
            (
                F("pool_id", required=True),
                F("person_id", required=True),
                F("kind", required=True, choices=("member", "covered_rep")),
            ),
            ("pool_id", "person_id", "kind"),
            "Who is in a pool (presales members) and which reps it covers.",
        ),
        EntitySpec(
            "accounts",
            (
                F("account_id", required=True),
                F("name", required=True),
                F("industry"),
                F("employees", "int"),
                F("annual_revenue", "decimal"),
                F("region"),
                F("culture", choices=ADOPTION_CULTURES, doc="place on the adoption curve"),
            ),
            ("account_id",),
            "Companies; the segment is derived from employees and the workspace thresholds.",
        ),
        EntitySpec(
            "contacts",
            (
                F("contact_id", required=True),
                F("account_id"),
                F("name", required=True),
                F("title"),
                F("is_executive", "bool"),
                F("is_decision_maker", "bool"),
                F("on_buying_committee", "bool"),
                F("former_user", "bool", doc="used our product at a former company"),
            ),
            ("contact_id",),
            "People at accounts, with their part in the buying committee.",
        ),
        EntitySpec(
            "leads",
            (
                F("lead_id", required=True),
                F("created_at", "datetime", required=True),
                F("status", choices=("new", "working", "nurture", "qualified", "disqualified")),
                F("account_id"),
                F("contact_id"),
                F("lead_source"),
                F("owner_id"),
                F("budget", choices=YES_NO),
                F("authority", choices=YES_NO),
                F("need", choices=YES_NO),
                F("timeline", choices=YES_NO),
                F("contact_role"),
                F("critical_issue"),
                F("problems"),
                F("capabilities"),
                F("value_expected"),
                F("value_realization_events"),
                F("needs_match_pct", "decimal"),
                F("success_criteria_fit_pct", "decimal"),
                F("buying_team_size", "int"),
                F("referral", "bool"),
                F("similar_experience", "bool"),
                F("expected_ttv_days", "int"),
            ),
            ("lead_id",),
            "Leads with BANT answers, Situation Slide fields and discovery answers.",
        ),
        EntitySpec(
            "opportunities",
            (
                F("opportunity_id", required=True),
                F("name"),
                F("account_id"),
                F("lead_id"),
                F("pipeline", doc="defaults to the workspace's default pipeline"),
                F("stage", required=True),
                F("substate"),
                F("amount", "decimal"),
                F("currency"),
                F("owner_id", doc="the sales rep who carries the deal"),
                F("presales_id", doc="the presales engineer paired on the deal"),
                F("created_at", "datetime", required=True),
                F("closed_at", "datetime", doc="when it was won or lost; empty while open"),
                F(
                    "expected_close",
                    "datetime",
                    doc="the close date expected while it is open (a CRM's close date)",
                ),
                F("loss_reason"),
                F("product"),
            ),
            ("opportunity_id",),
            "Deals; the outcome (open/won/lost) follows from the stage's category.",
        ),
        EntitySpec(
            "stage_events",
            (
                F("opportunity_id", required=True),
                F("seq", "int", doc="1, 2, ... per opportunity; derived from time order if absent"),
                F("from_stage"),
                F("to_stage", required=True),
                F("substate"),
                F("at", "datetime", required=True),
                F("actor_id"),
                F("reason"),
            ),
            ("opportunity_id", "seq"),
            "The stage history: one row per stage or sub-state change.",
        ),
        EntitySpec(
            "opportunity_changes",
            (
                F("opportunity_id", required=True),
                F(
                    "field",
                    required=True,
                    choices=(str(ChangedField.AMOUNT), str(ChangedField.CLOSE_DATE)),
                ),
                F("at", "datetime", required=True, doc="when the new value was set"),
                F("ordinal", "int", doc="1, 2, ... among changes of the field at the same time"),
                F("old_amount", "decimal"),
                F("new_amount", "decimal"),
                F("old_close_date", "datetime", doc="the expected close date before"),
                F("new_close_date", "datetime", doc="the expected close date after"),
                F("currency", doc="of the amounts; defaults to the deal's"),
            ),
            ("opportunity_id", "field", "at", "ordinal"),
            "Amount and expected-close-date history: one row per change of either.",
        ),
        EntitySpec(
            "activities",
            (
                F("activity_id", required=True),
                F("opportunity_id"),
                F("lead_id"),
                F("kind", required=True),
                F("purpose"),
                F("by", choices=("prospect", "rep", "presales")),
                F("at", "datetime", required=True),
                F("actor_id"),
                F("note"),
            ),
            ("activity_id",),
            "Evidence for stage triggers: meetings booked and accepted, demos, proposals...",
        ),
        EntitySpec(
            "handoffs",
            (
                F("lead_id", required=True),
                F("from_id"),
                F("to_id", required=True),
                F("at", "datetime", required=True),
            ),
            ("lead_id", "at"),
            "A qualified lead handed from presales (or marketing) to a sales rep.",
        ),
        EntitySpec(
            "customer_outcomes",
            (
                F("account_id", required=True),
                F("won_at", "datetime", required=True),
                F("renewed", "bool"),
                F("expanded", "bool"),
                F("churned_at", "datetime"),
                F("reference", "bool", doc="agreed to be a reference"),
                F("revenue", "decimal"),
                F("margin", "decimal", signed=True, doc="may be below zero"),
                F("time_to_value_days", "int"),
            ),
            ("account_id",),
            "How each won customer fared: renewed, expanded, churned, referred.",
        ),
        EntitySpec(
            "quotas",
            (
                F("owner_kind", choices=("person", "pool"), doc="defaults to person"),
                F("owner_id", required=True),
                F("period", required=True, doc="2026, 2026Q3 or 2026-07"),
                F("amount", "decimal", required=True),
                F("currency"),
            ),
            ("owner_kind", "owner_id", "period"),
            "Quotas per person or pool and period.",
        ),
        EntitySpec(
            "credit_splits",
            (
                F("opportunity_id", required=True),
                F("person_id", required=True),
                F(
                    "kind",
                    required=True,
                    choices=("revenue", "overlay"),
                    doc="revenue splits of a deal add up to 100%; overlay credit to any total",
                ),
                F("percent", "decimal", required=True, doc="share of the deal, e.g. 60"),
            ),
            ("opportunity_id", "person_id", "kind"),
            "Split and overlay credit on a deal, as Salesforce's opportunity splits.",
        ),
    )
}


def entity_for_file(stem: str) -> EntitySpec | None:
    """`accounts.csv`, `Accounts.csv` and `stage-events.csv` all name a record type."""
    key = stem.strip().lower().replace("-", "_").replace(" ", "_")
    return ENTITIES.get(key)
