"""The workspace's leads as records (for the rules) and as a feature table (for the models).

The feature table holds only what is known about a lead before it is worked: BANT
answers, the Situation Slide's completeness, discovery answers, the account and the
contact. `status` is there too, because CRMs export it, and the leak check must flag
it: it records the qualification's own result.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.model import Account, Contact, CustomerOutcome, Lead, LeadStatus
from pipefit.domain.qualification import LeadRecord, success_label, win_label

__all__ = [
    "POST_CONTACT_FIELDS",
    "labels",
    "lead_records",
    "workspace_features",
]

POST_CONTACT_FIELDS = ("status",)
_STATUSES = {s.value for s in LeadStatus}
_SLIDE_TEXT = (
    "contact_role",
    "critical_issue",
    "problems",
    "capabilities",
    "value_expected",
    "value_realization_events",
)
_LEAD_FIELDS = (
    "lead_id", "created_at", "account_id", "contact_id", "owner_id", "budget", "authority",
    "need", "timeline", *_SLIDE_TEXT, "buying_team_size", "referral", "similar_experience",
    "expected_ttv_days",
)  # fmt: skip


def _decimal(x: float | None) -> Decimal | None:
    return None if x is None else Decimal(str(round(x, 4)))


def _record(row: dict[str, Any]) -> LeadRecord:
    lead = Lead(
        **{k: row[k] for k in _LEAD_FIELDS},
        status=LeadStatus(row["status"]) if row["status"] in _STATUSES else LeadStatus.NEW,
        source=row["lead_source"],
        needs_match_pct=_decimal(row["needs_match_pct"]),
        success_criteria_fit_pct=_decimal(row["success_criteria_fit_pct"]),
    )
    account = None
    if row["account_id"] is not None or row["industry"] is not None:
        account = Account(
            row["account_id"] or "",
            "",
            industry=row["industry"],
            employees=row["employees"],
            region=row["region"],
            culture=row["culture"],
            segment=row["segment"],
        )
    contact = None
    if row["contact_id"] is not None and row["is_executive"] is not None:
        contact = Contact(
            row["contact_id"],
            row["account_id"],
            "",
            is_executive=bool(row["is_executive"]),
            is_decision_maker=bool(row["is_decision_maker"]),
            on_buying_committee=bool(row["on_buying_committee"]),
            former_user=bool(row["former_user"]),
        )
    customer = None
    if row["customer_since"] is not None:
        customer = CustomerOutcome(
            row["account_id"] or "",
            row["customer_since"],
            renewed=row["renewed"],
            expanded=row["expanded"],
            churned_at=row["churned_at"],
            reference=row["reference"],
        )
    return LeadRecord(
        lead=lead,
        account=account,
        contact=contact,
        owner_team=row["owner_team"],
        deals=int(row["deals"] or 0),
        won_deals=int(row["won_deals"] or 0),
        open_deals=int(row["open_deals"] or 0),
        deal_closed_at=row["deal_closed_at"],
        customer=customer,
        won_amount=Decimal(int(row["won_units"] or 0)).scaleb(-4),
        won_currency=row["won_currency"],
    )


def lead_records(table: pa.Table) -> list[LeadRecord]:
    return [_record(row) for row in table.to_pylist()]


def labels(records: list[LeadRecord], now: datetime) -> dict[str, np.ndarray]:
    """Per target, 1 / 0 / -1 (not known yet) for each record."""

    def code(value: bool | None) -> int:
        return -1 if value is None else int(value)

    return {
        "win": np.array([code(win_label(r, now)) for r in records], np.int8),
        "success": np.array([code(success_label(r, now)) for r in records], np.int8),
    }


def _yes_no(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(column, pa.scalar("yes"), pa.scalar("no"))


def workspace_features(table: pa.Table, ttv_norms: dict[str, float]) -> pa.Table:
    """Model inputs known before a lead is worked (plus `status`, for the leak check)."""
    filled = [pc.cast(pc.fill_null(pc.greater(pc.utf8_length(table[c]), 0), False), pa.int64())
              for c in _SLIDE_TEXT]  # fmt: skip
    filled.append(pc.cast(pc.is_valid(table["industry"]), pa.int64()))
    slide = filled[0]
    for more in filled[1:]:
        slide = pc.add(slide, more)
    norm = pc.cast(
        pc.fill_null(
            pc.index_in(table["segment"], value_set=pa.array(list(ttv_norms), pa.string())), -1
        ),
        pa.int64(),
    ).to_numpy(zero_copy_only=False)
    norms = np.r_[np.asarray(list(ttv_norms.values()), np.float64), np.nan][norm]
    days = pc.cast(table["expected_ttv_days"], pa.float64()).to_numpy(zero_copy_only=False)
    lane = pc.binary_join_element_wise(
        pc.fill_null(table["industry"], "?"), pc.fill_null(table["segment"], "?"), " / "
    )
    return pa.table(
        {
            "budget": table["budget"],
            "authority": table["authority"],
            "need": table["need"],
            "timeline": table["timeline"],
            "Situation Slide %": pc.multiply(pc.cast(slide, pa.float64()), 100.0 / 7),
            "Value Realization Events filled": pc.if_else(
                pc.greater(filled[5], 0), pa.scalar("yes"), pa.scalar("no")
            ),
            "needs match %": table["needs_match_pct"],
            "success criteria fit %": table["success_criteria_fit_pct"],
            "buying team": table["buying_team_size"],
            "time to value vs our usual": pa.array(days / norms, pa.float64()),
            "referred": _yes_no(table["referral"]),
            "similar software before": _yes_no(table["similar_experience"]),
            "industry": table["industry"],
            "segment": table["segment"],
            "lane": lane,
            "culture": table["culture"],
            "region": table["region"],
            "employees": table["employees"],
            "lead source": table["lead_source"],
            "contact is an executive": _yes_no(table["is_executive"]),
            "contact decides": _yes_no(table["is_decision_maker"]),
            "contact on the buying committee": _yes_no(table["on_buying_committee"]),
            "contact used the product before": _yes_no(table["former_user"]),
            "status": table["status"],
        }
    )
