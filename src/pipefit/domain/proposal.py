"""A starting scorecard from the profiles of the most and least successful customers.

DOMAIN section 5: "start from the profiles of the most and least successful customers".
Customers are graded by what became of them (renewed, expanded, a reference: +1 each;
churned: -2) and the top and bottom quarters compared parameter by parameter. A value
common among the best customers and rare among the worst earns many points; a parameter
that tells the two groups apart well earns weight. The thresholds are the typical scores
of the best customers (Excellent), of all customers (Good) and of the worst (Risky).
The team then edits it: it is a start, not a verdict.

Points of a number follow the order the domain implies (`ParameterKind.better`: a faster
time to value, a better needs match, a smaller buying team never score fewer points):
the caller passes a monotone fit (isotonic regression, weighted by the customers in each
step), so a small sample's ups and downs do not become the card's.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pipefit.domain.lanes import LaneBook
from pipefit.domain.model import CustomerOutcome
from pipefit.domain.qualification import BandThresholds, LeadRecord
from pipefit.domain.scorecard import PARAMETERS, Parameter, Scorecard, ScoringInput, score_lead

__all__ = ["MonotoneFit", "Profile", "Proposal", "grade", "propose_scorecard"]

# (points per step in order, customers per step, increasing?) -> the closest monotone points
MonotoneFit = Callable[[Sequence[float], Sequence[float], bool], Sequence[float]]

_SHARE = 0.25  # the top and bottom quarter of customers
MIN_CUSTOMERS = 20


def grade(outcome: CustomerOutcome, now: datetime) -> int:
    churned = outcome.churned_at is not None and outcome.churned_at <= now
    return (
        int(bool(outcome.renewed)) + int(bool(outcome.expanded)) + int(bool(outcome.reference))
        - 2 * int(churned)
    )  # fmt: skip


@dataclass(frozen=True)
class Profile:
    parameter: str
    weight: float
    best: str  # typical value among the most successful customers
    worst: str  # ... and among the least successful
    separation: float  # ROC-AUC of the parameter's points, best vs worst customers


@dataclass(frozen=True)
class Proposal:
    card: Scorecard
    customers: int
    best: int
    worst: int
    profiles: tuple[Profile, ...]
    notes: tuple[str, ...] = field(default=())


def _share_points(best: int, worst: int, n_best: int, n_worst: int) -> float:
    """0-100: how much more common a value is among the best customers than the worst."""
    a = (best + 0.5) / (n_best + 1)
    b = (worst + 0.5) / (n_worst + 1)
    return float(round(100 * a / (a + b) / 5) * 5)


def _separation(best: Sequence[float], worst: Sequence[float]) -> float:
    """P(a best customer's points beat a worst customer's), ties counting half."""
    if not best or not worst:
        return 0.5
    wins = 0.0
    ordered = sorted(worst)
    import bisect

    for b in best:
        lo = bisect.bisect_left(ordered, b)
        hi = bisect.bisect_right(ordered, b)
        wins += lo + 0.5 * (hi - lo)
    return wins / (len(best) * len(worst))


def _typical(values: Sequence[object]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "unknown"
    if all(isinstance(v, float | int) for v in present):
        return f"{statistics.median(present):g}"  # type: ignore[type-var]
    return str(statistics.mode(present))


def _parameter(
    name: str, best: Sequence[object], worst: Sequence[object], monotone: MonotoneFit | None
) -> Parameter:
    kind = PARAMETERS[name]
    nb, nw = len(best), len(worst)
    missing = _share_points(sum(v is None for v in best), sum(v is None for v in worst), nb, nw)
    if kind.numeric:
        values = sorted(float(v) for v in [*best, *worst] if v is not None)  # type: ignore[arg-type]
        if not values:
            return Parameter(name, 0.0, steps=((0.0, 50.0),), missing=missing)
        cuts = sorted({values[int(q * (len(values) - 1))] for q in (0.25, 0.5, 0.75)})
        starts = [min(0.0, values[0]), *[c for c in cuts if c > min(0.0, values[0])]]
        points: list[float] = []
        support: list[float] = []
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else float("inf")

            def inside(v: object, lo: float = start, hi: float = end) -> bool:
                return v is not None and lo <= float(v) < hi  # type: ignore[arg-type]

            in_best, in_worst = sum(inside(v) for v in best), sum(inside(v) for v in worst)
            points.append(_share_points(in_best, in_worst, nb, nw))
            support.append(in_best + in_worst + 0.5)
        if kind.better and monotone is not None and len(points) > 1:
            points = [float(round(p / 5) * 5) for p in monotone(points, support, kind.better > 0)]
        steps = tuple((round(start, 2), p) for start, p in zip(starts, points, strict=True))
        return Parameter(name, 0.0, steps=steps, missing=missing)
    table = {
        c: _share_points(list(best).count(c), list(worst).count(c), nb, nw)
        for c in kind.choices
        if c in best or c in worst
    }
    return Parameter(name, 0.0, points=table or {kind.choices[0]: 50.0}, missing=missing, other=50)


def propose_scorecard(
    records: Sequence[LeadRecord],
    lanes: LaneBook,
    *,
    now: datetime,
    monotone: MonotoneFit | None = None,
) -> Proposal:
    """Compare the best and worst quarter of customers on every known parameter; numbers'
    points are made to follow the domain's order by `monotone` when given."""
    seen: set[str] = set()
    customers: list[tuple[int, float, ScoringInput]] = []
    for r in sorted(records, key=lambda r: r.lead.created_at):
        if not r.won_deals or r.customer is None or r.customer.account_id in seen:
            continue
        seen.add(r.customer.account_id)
        segment = r.account.segment if r.account else None
        data = ScoringInput(
            r.lead,
            r.account,
            r.contact,
            lanes.fit(r.account.industry if r.account else None, segment),
            lanes.ttv_norms.get(segment or ""),
        )
        revenue = float(r.customer.revenue or 0)
        customers.append((grade(r.customer, now), revenue, data))
    if len(customers) < MIN_CUSTOMERS:
        from pipefit.domain.errors import PipefitError

        raise PipefitError(
            f"{len(customers)} customers with a lead behind them are too few to propose a "
            f"scorecard from (need {MIN_CUSTOMERS})"
        )
    customers.sort(key=lambda c: (c[0], c[1]))
    size = max(1, int(len(customers) * _SHARE))
    worst, best = customers[:size], customers[-size:]
    parameters: list[Parameter] = []
    profiles: list[Profile] = []
    for name, kind in PARAMETERS.items():
        b_values = [kind.read(c[2]) for c in best]
        w_values = [kind.read(c[2]) for c in worst]
        p = _parameter(name, b_values, w_values, monotone)
        separation = _separation([p.score(v) for v in b_values], [p.score(v) for v in w_values])
        parameters.append(p)
        profiles.append(Profile(name, 0.0, _typical(b_values), _typical(w_values), separation))
    raw = [max(0.0, 2 * (pr.separation - 0.5)) for pr in profiles]
    total = sum(raw) or 1.0
    weights = [round(100 * r / total) for r in raw]
    chosen = [(p, w) for p, w in zip(parameters, weights, strict=True) if w >= 2]
    if not chosen:
        chosen = [(parameters[0], 100)]
    final = tuple(
        Parameter(p.name, float(w), p.steps, p.points, p.missing, p.other) for p, w in chosen
    )
    profiles = [
        Profile(pr.parameter, float(w), pr.best, pr.worst, round(pr.separation, 3))
        for pr, w in zip(profiles, weights, strict=True)
    ]
    provisional = Scorecard(final, BandThresholds(99, 98, 97))

    def typical(group: Sequence[tuple[int, float, ScoringInput]]) -> float:
        return statistics.median(score_lead(provisional, c[2]).score for c in group)

    top = min(100, max(2, round(typical(best))))
    middle = min(top - 1, max(1, round(typical(customers))))
    thresholds = BandThresholds(top, middle, min(middle - 1, max(0, round(typical(worst)))))
    return Proposal(
        card=Scorecard(final, thresholds),
        customers=len(customers),
        best=len(best),
        worst=len(worst),
        profiles=tuple(profiles),
    )
