"""SPIFFs and bonuses: one-off pay on top of a plan's tiers, each with its own dates and caps.

Three kinds, each a table in a plan's `spiffs` (see docs/compensation.md):

- **per_deal**: a fixed `amount` for every qualifying deal (a new logo in a segment, a
  deal of a product, above a minimum amount);
- **rate_uplift**: `uplift_pct` percent extra on each qualifying deal's credited amount;
- **team_bonus**: when the bookings of the payee's team (or pool) in a period reach
  `target`, `amount` to each member (`split = "each"`) or shared equally (`"equal"`).

Only deals closed from `start` to `end` (both included, UTC dates) qualify. Caps are per
person: `cap_per_period` (the most one pay period pays) and `cap_total` (the most the
SPIFF pays over its whole dates). Earnings are kept per deal, in close order, after the
caps, so a clawback can take back exactly what a churned deal earned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from pipefit.domain.errors import ConfigError

__all__ = [
    "DEAL_TYPES",
    "DealTraits",
    "Spiff",
    "SpiffError",
    "SpiffKind",
    "check_spiffs",
    "utc_day",
]

DEAL_TYPES = ("any", "new_logo", "expansion")
SPLITS = ("each", "equal")
GROUPS = ("team", "pool")
ZERO = Decimal(0)


class SpiffError(ConfigError):
    """A SPIFF that cannot pay correctly; the message names the plan and the key."""


class SpiffKind(StrEnum):
    PER_DEAL = "per_deal"
    RATE_UPLIFT = "rate_uplift"
    TEAM_BONUS = "team_bonus"


@dataclass(frozen=True)
class DealTraits:
    """What a SPIFF's conditions read about a deal besides its amount and close date.

    `new_logo`: the deal is its account's first won deal (else it is an expansion)."""

    segment: str | None = None
    product: str | None = None
    new_logo: bool = False

    @property
    def deal_type(self) -> str:
        return "new_logo" if self.new_logo else "expansion"


@dataclass(frozen=True)
class Spiff:
    name: str
    kind: SpiffKind
    start: date
    end: date  # the last day a deal may close and qualify
    amount: Decimal | None = None  # per_deal: per deal; team_bonus: per member or shared
    uplift_pct: Decimal | None = None  # rate_uplift: % of the credited amount
    target: Decimal | None = None  # team_bonus: the group's bookings in a period
    group: str = "team"  # team_bonus: "team" (the rep's team) or "pool" (presales pool)
    split: str = "each"  # team_bonus: "each" member gets amount, or "equal" shares of it
    segments: tuple[str, ...] = ()  # empty: any segment
    products: tuple[str, ...] = ()  # empty: any product
    deal_type: str = "any"  # any, new_logo, expansion
    min_amount: Decimal | None = None  # the deal's amount in the workspace currency
    cap_per_period: Decimal | None = None
    cap_total: Decimal | None = None
    description: str = ""

    @property
    def line_kind(self) -> str:
        return {
            SpiffKind.PER_DEAL: "spiff",
            SpiffKind.RATE_UPLIFT: "rate uplift",
            SpiffKind.TEAM_BONUS: "team bonus",
        }[self.kind]

    def in_window(self, closed: date) -> bool:
        return self.start <= closed <= self.end

    def qualifies(self, traits: DealTraits, converted: Decimal, closed_day: date) -> bool:
        """Whether a deal closed on `closed_day` meets every condition of this SPIFF."""
        if not self.in_window(closed_day):
            return False
        if self.segments and traits.segment not in self.segments:
            return False
        if self.products and traits.product not in self.products:
            return False
        if self.deal_type != "any" and traits.deal_type != self.deal_type:
            return False
        return self.min_amount is None or converted >= self.min_amount

    def conditions(self) -> str:
        """The conditions in words, for a statement line."""
        parts = []
        if self.deal_type != "any":
            parts.append(self.deal_type.replace("_", " "))
        if self.segments:
            parts.append("segment " + "/".join(self.segments))
        if self.products:
            parts.append("product " + "/".join(self.products))
        if self.min_amount is not None:
            parts.append(f"at least {self.min_amount:,.2f}")
        parts.append(f"closed {self.start} to {self.end}")
        return ", ".join(parts)


def utc_day(moment: datetime) -> date:
    """A close time's UTC date (SPIFF windows are whole days in UTC)."""
    return moment.astimezone(UTC).date()


def check_spiffs(
    plan: str,
    spiffs: Sequence[Spiff],
    *,
    segments: Sequence[str] | None = None,
    products: Sequence[str] | None = None,
) -> None:
    """Refuse a SPIFF that cannot pay correctly, naming the plan and the key. `segments`
    and `products`, when given, are the names a condition may use."""

    def fail(spiff: Spiff, key: str, problem: str) -> SpiffError:
        return SpiffError(f"plan '{plan}': spiffs.{spiff.name}.{key}: {problem}")

    seen: set[str] = set()
    for s in spiffs:
        if s.name in seen:
            raise fail(s, "name", "is used twice in the plan; give each SPIFF its own name")
        seen.add(s.name)
        if s.end < s.start:
            raise fail(s, "end", f"is {s.end}, before its start {s.start}")
        for key, value in (
            ("amount", s.amount),
            ("uplift_pct", s.uplift_pct),
            ("target", s.target),
            ("min_amount", s.min_amount),
            ("cap_per_period", s.cap_per_period),
            ("cap_total", s.cap_total),
        ):
            if value is not None and value < 0:
                raise fail(s, key, f"is {value}; it cannot be negative")
        needs = {
            SpiffKind.PER_DEAL: ("amount",),
            SpiffKind.RATE_UPLIFT: ("uplift_pct",),
            SpiffKind.TEAM_BONUS: ("amount", "target"),
        }[s.kind]
        for key in needs:
            if getattr(s, key) is None:
                raise fail(s, key, f"is missing; a {s.kind} SPIFF needs it")
        if s.kind is SpiffKind.RATE_UPLIFT and s.amount is not None:
            raise fail(s, "amount", f"is not read by a {s.kind} SPIFF (use uplift_pct)")
        if s.kind is not SpiffKind.RATE_UPLIFT and s.uplift_pct is not None:
            raise fail(s, "uplift_pct", f"is only read by a rate_uplift SPIFF, not {s.kind}")
        if s.kind is not SpiffKind.TEAM_BONUS and s.target is not None:
            raise fail(s, "target", f"is only read by a team_bonus SPIFF, not {s.kind}")
        if s.deal_type not in DEAL_TYPES:
            raise fail(s, "deal_type", f"is '{s.deal_type}'; use one of {', '.join(DEAL_TYPES)}")
        if s.split not in SPLITS:
            raise fail(s, "split", f"is '{s.split}'; use one of {', '.join(SPLITS)}")
        if s.group not in GROUPS:
            raise fail(s, "group", f"is '{s.group}'; use one of {', '.join(GROUPS)}")
        for key, named, known, where in (
            ("segments", s.segments, segments, "the workspace's [[segments]]"),
            ("products", s.products, products, "compensation.products"),
        ):
            if known is None:
                continue
            for given in named:
                if given not in known:
                    listed = ", ".join(known) or "none"
                    raise fail(s, key, f"'{given}' is not a known {key[:-1]} ({where}: {listed})")
