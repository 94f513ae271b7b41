"""Closed pay periods: once a period is paid it does not change.

`pipefit comp close` keeps each person's statements of the period as they were paid (who
closed it, when). A closed period's statement is read back, never recomputed, so it is
the same to the byte however the data changes later. A later change that would alter a
closed period (a late deal, a changed split, a churn recorded late) is paid as an
adjustment line in the first open period after the closes, naming the period it corrects
and why.

Periods close in order: the first close may be any period; each later one starts where
the last closed period ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pipefit.domain.credit import CreditLine, WonDeal
from pipefit.domain.errors import PipefitError
from pipefit.domain.payout import PayLine
from pipefit.domain.periods import Period, parse_period, period_of

__all__ = [
    "ClosedPay",
    "PeriodClose",
    "adjustment_line",
    "check_close",
    "line_from_record",
    "line_record",
    "statement_fields",
    "statement_record",
]


@dataclass(frozen=True)
class PeriodClose:
    period: str  # its label: 2025Q3
    closed_by: str
    closed_at: datetime
    statements: int = 0
    variable_pay: Decimal = Decimal(0)

    @property
    def closed(self) -> Period:
        return parse_period(self.period)


def check_close(period: Period, closes: Sequence[PeriodClose]) -> None:
    """Refuse a period closed twice, inside a closed one, or out of order."""
    for close in closes:
        if close.period == period.label:
            raise PipefitError(
                f"{period} is already closed (by {close.closed_by} on "
                f"{close.closed_at.date()}); a closed period does not change",
                field="period",
            )
        other = close.closed
        if other.start < period.end and period.start < other.end:
            raise PipefitError(
                f"{period} overlaps {other}, closed by {close.closed_by} on "
                f"{close.closed_at.date()}",
                field="period",
            )
        if other.start >= period.end:
            raise PipefitError(
                f"{period} comes before {other}, which is closed: periods close in order",
                field="period",
            )
    if closes:
        last = max(closes, key=lambda c: c.closed.end)
        if last.closed.end < period.start:
            gap = period_of(last.closed.end, period.kind)
            raise PipefitError(
                f"{period} is not next: the last closed period is {last.period}; close "
                f"{gap} first (periods close in order)",
                field="period",
            )


@dataclass(frozen=True)
class ClosedPay:
    """One person's statements kept at close (by their period) and every close."""

    statements: Mapping[Period, Any]  # Period -> Statement (typed loosely: no cycle)
    closes: Sequence[PeriodClose] = ()
    # Closed periods from here on are recomputed for adjustments (the deals read reach
    # back this far); earlier ones stay as paid.
    adjust_from: date | None = None

    def adjusts(self, origin: Period) -> bool:
        return self.adjust_from is None or origin.start >= self.adjust_from

    def first_open(self, kind: str) -> Period | None:
        """The first paid period after the closes (None before any close)."""
        if not self.closes:
            return None
        return period_of(max(c.closed.end for c in self.closes), kind)

    def close_of(self, period: Period) -> PeriodClose | None:
        for close in self.closes:
            other = close.closed
            if other.start <= period.start and period.end <= other.end:
                return close
        return None

    def adjusted_since(self, origin: str) -> Decimal:
        """What adjustment lines of closed statements already paid for `origin` (counted
        in the statements of its own kind: a quarter kept beside its months repeats them)."""
        kind = parse_period(origin).kind
        return sum(
            (
                line.amount
                for p, s in self.statements.items()
                if p.kind == kind
                for line in s.lines
                if line.kind == "adjustment" and line.origin == origin
            ),
            Decimal(0),
        )


def _deal_key(line: CreditLine) -> tuple[str, str, str | None]:
    return (line.deal.opportunity_id, line.basis, line.via)


def _reasons(paid: Any, now: Any) -> list[str]:
    """Why a closed period's statement would now differ: deals, credit, churn."""
    before = {_deal_key(c): c for c in paid.deals}
    after = {_deal_key(c): c for c in now.deals}
    reasons = []
    for key, c in after.items():
        if key not in before:
            reasons.append(
                f"late deal {c.deal.opportunity_id} (closed {c.deal.closed_at.date()}, "
                f"credit {c.credit:,.2f})"
            )
        elif before[key].credit != c.credit:
            reasons.append(
                f"credit of {c.deal.opportunity_id} changed from {before[key].credit:,.2f} "
                f"to {c.credit:,.2f} (a split changed)"
            )
    for key, c in before.items():
        if key not in after:
            reasons.append(f"{c.deal.opportunity_id} is no longer credited")
    # A clawback's label names the deal and the churn before its first ';' (what it
    # earned, after, moves with the period's other deals).
    # SPIFF clawbacks (a deal giving back what it earned from a SPIFF) count as churn too.
    claws = ("clawback", "spiff clawback")
    paid_claws = {line.label.split(";")[0] for line in paid.lines if line.kind in claws}
    for line in now.lines:
        if line.kind in claws and line.label.split(";")[0] not in paid_claws:
            reasons.append(f"churn recorded after the close: {line.label.split(';')[0]}")
    return reasons or ["recomputed from the current records"]


def _paid_part(s: Any) -> Decimal:
    return sum((line.amount for line in s.lines if line.kind != "adjustment"), Decimal(0))


def adjustment_line(paid: Any, now: Any, closed: ClosedPay) -> PayLine | None:
    """The line that pays (or takes back) what a closed period's statement `paid` would
    now differ by (`now`, recomputed), less what earlier adjustments already paid."""
    origin = paid.period.label
    owed = _paid_part(now) - _paid_part(paid) - closed.adjusted_since(origin)
    if owed == 0:
        return None
    close = closed.close_of(paid.period)
    by = f", closed by {close.closed_by} on {close.closed_at.date()}" if close else ""
    return PayLine(
        "adjustment",
        f"adjustment for {origin}{by}: paid {_paid_part(paid):,.2f}, now "
        f"{_paid_part(now):,.2f}: {'; '.join(_reasons(paid, now))}",
        owed,
        origin=origin,
    )


# -- kept as records: plain values (text for every amount and moment) ----------------


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def line_record(line: PayLine) -> dict[str, Any]:
    return {
        "kind": line.kind,
        "label": line.label,
        "amount": str(line.amount),
        "tier": line.tier,
        "rate": _text(line.rate),
        "bookings": _text(line.bookings),
        "origin": line.origin,
        "deals": list(line.deals),
    }


def line_from_record(data: Mapping[str, Any]) -> PayLine:
    return PayLine(
        data["kind"],
        data["label"],
        Decimal(data["amount"]),
        tier=data["tier"],
        rate=_dec(data["rate"]),
        bookings=_dec(data["bookings"]),
        origin=data.get("origin"),
        deals=tuple(data.get("deals", ())),
    )


def _credit_record(c: CreditLine) -> dict[str, Any]:
    d = c.deal
    return {
        "person_id": c.person_id,
        "deal": [
            d.opportunity_id,
            str(d.amount),
            d.currency,
            d.closed_at.isoformat(),
            d.owner_id,
            d.presales_id,
            d.account_id,
            d.name,
        ],
        "basis": c.basis,
        "percent": str(c.percent),
        "rate": str(c.rate),
        "converted": str(c.converted),
        "credit": str(c.credit),
        "via": c.via,
    }


def _credit_from_record(data: Mapping[str, Any]) -> CreditLine:
    i, amount, currency, closed, owner, presales, account, name = data["deal"]
    deal = WonDeal(
        i, Decimal(amount), currency, datetime.fromisoformat(closed), owner, presales, account, name
    )
    return CreditLine(
        data["person_id"],
        deal,
        data["basis"],
        Decimal(data["percent"]),
        Decimal(data["rate"]),
        Decimal(data["converted"]),
        Decimal(data["credit"]),
        data["via"],
    )


_MONEY = ("quota", "credited", "variable_target", "base_salary", "variable_pay")
_TEXT = ("person_id", "name", "role", "plan", "currency", "basis", "target_note", "rounding")


def statement_record(s: Any) -> dict[str, Any]:
    """A statement as plain values, to keep as it was paid."""
    record: dict[str, Any] = {key: getattr(s, key) for key in _TEXT}
    record.update({key: str(getattr(s, key)) for key in _MONEY})
    record.update(
        period=s.period.label,
        window=[p.label for p in s.window],
        quota_notes=list(s.quota_notes),
        deals=[_credit_record(c) for c in s.deals],
        earlier=[[p, str(a)] for p, a in s.earlier],
        lines=[line_record(line) for line in s.lines],
        period_quota=_text(s.period_quota),
    )
    return record


def statement_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the Statement a record was made from."""
    fields: dict[str, Any] = {key: data[key] for key in _TEXT}
    fields.update({key: Decimal(data[key]) for key in _MONEY})
    fields.update(
        period=parse_period(data["period"]),
        window=tuple(parse_period(p) for p in data["window"]),
        quota_notes=tuple(data["quota_notes"]),
        deals=tuple(_credit_from_record(c) for c in data["deals"]),
        earlier=tuple((p, Decimal(a)) for p, a in data["earlier"]),
        lines=tuple(line_from_record(line) for line in data["lines"]),
        period_quota=_dec(data.get("period_quota")),
    )
    return fields
