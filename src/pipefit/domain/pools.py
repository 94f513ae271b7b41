"""Presales pools and their street quota (DOMAIN section 1).

A pool's presales members share one target: the quotas of the reps it covers, summed and
discounted by a percentage ("street quota": 10 reps x $1.5M = $15M, the pool target
$13M), or a target set explicitly. Both are computed and shown side by side; an explicit
target, where there is one, is the one in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pipefit.domain.errors import PipefitError
from pipefit.domain.money import RoundingRule, exact, plain
from pipefit.domain.periods import Period
from pipefit.domain.quotas import ResolvedQuota

__all__ = ["PoolCoverage", "PoolError", "PoolTarget", "pool_target", "street_quota"]


class PoolError(PipefitError):
    """A pool that cannot carry a target: no covered reps, or a discount out of range."""


@dataclass(frozen=True)
class PoolCoverage:
    pool_id: str
    name: str
    members: tuple[str, ...]  # presales engineers
    covered_reps: tuple[str, ...]
    discount_pct: Decimal | None = None
    target: Decimal | None = None  # an explicit yearly target, if the pool sets one


@dataclass(frozen=True)
class PoolTarget:
    pool_id: str
    period: Period
    covered: tuple[tuple[str, Decimal | None], ...]  # each covered rep's quota (None: none)
    covered_sum: Decimal
    discount_pct: Decimal
    discount_source: str
    street_quota: Decimal
    explicit: ResolvedQuota | None

    @property
    def in_force(self) -> Decimal:
        return self.explicit.amount if self.explicit is not None else self.street_quota

    @property
    def basis(self) -> str:
        return "explicit target" if self.explicit is not None else "street quota"

    def notes(self) -> tuple[str, ...]:
        reps = len(self.covered)
        lines = [
            f"pool {self.pool_id}: street quota = {reps} covered reps' {self.period} quotas "
            f"{self.covered_sum:,.2f} less {plain(self.discount_pct)}% ({self.discount_source}) "
            f"= {self.street_quota:,.2f}",
        ]
        missing = [rep for rep, amount in self.covered if amount is None]
        if missing:
            lines.append(f"covered reps with no {self.period} quota: {', '.join(missing)}")
        if self.explicit is not None:
            lines.extend(self.explicit.notes)
            lines.append(
                f"pool {self.pool_id}: explicit target {self.explicit.amount:,.2f} is in force "
                f"(street quota {self.street_quota:,.2f} shown for comparison)"
            )
        else:
            lines.append(f"pool {self.pool_id}: no explicit target; the street quota is in force")
        return tuple(lines)


def street_quota(covered_sum: Decimal, discount_pct: Decimal, rule: RoundingRule) -> Decimal:
    """The covered reps' quotas less the discount, rounded by the rule."""
    return rule(exact(covered_sum) * (100 - exact(discount_pct)) / 100)


def pool_target(
    pool: PoolCoverage,
    period: Period,
    covered_quotas: Mapping[str, Decimal | None],
    *,
    explicit: ResolvedQuota | None,
    default_discount_pct: Decimal,
    rule: RoundingRule,
) -> PoolTarget:
    if not pool.covered_reps:
        raise PoolError(
            f"pool '{pool.pool_id}' ({pool.name}) covers no reps: pool_members has no "
            "covered_rep row for it, so no deal can be credited to its members and no street "
            "quota derived; add the reps it covers"
        )
    if pool.discount_pct is not None:
        discount, source = pool.discount_pct, "the pool's discount_pct"
    else:
        discount, source = default_discount_pct, "compensation.default_discount_pct"
    if not 0 <= discount < 100:
        raise PoolError(
            f"pool '{pool.pool_id}': {source} is {discount}; a street-quota discount is a "
            "percentage from 0 up to (not including) 100"
        )
    covered = tuple((rep, covered_quotas.get(rep)) for rep in pool.covered_reps)
    total = sum((amount for _, amount in covered if amount is not None), Decimal(0))
    return PoolTarget(
        pool_id=pool.pool_id,
        period=period,
        covered=covered,
        covered_sum=total,
        discount_pct=discount,
        discount_source=source,
        street_quota=street_quota(total, discount, rule),
        explicit=explicit,
    )
