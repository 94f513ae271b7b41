"""Properties every plan and statement keeps, whatever the figures."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pipefit.domain.credit import WonDeal
from pipefit.domain.payout import compute_payout, curve_pct
from pipefit.domain.plans import AttainmentBasis, PayFrequency, Plan, Tier, TierMode
from pipefit.domain.statements import build_statement

from .comp_factories import RULE, at, deal, ledger, period

D = Decimal

money = st.decimals(min_value=0, max_value=10**8, places=2)


@st.composite
def plans(draw: st.DrawFn, mode: TierMode | None = None) -> Plan:
    """Valid tier tables: contiguous bands from 0%, the last open-ended."""
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=300), max_size=5)))
    chosen = mode or draw(st.sampled_from(list(TierMode)))
    rates = draw(
        st.lists(
            st.decimals(min_value=0, max_value=4, places=2),
            min_size=len(bounds) + 1,
            max_size=len(bounds) + 1,
        )
    )
    if chosen is TierMode.FLAT:
        rates = sorted(rates)  # a flat plan whose pay can fall must say so; these do not
    edges = [0, *bounds]
    tiers = tuple(
        Tier(D(edges[i]), D(edges[i + 1]) if i + 1 < len(edges) else None, rates[i])
        for i in range(len(edges))
    )
    cap = draw(st.none() | st.decimals(min_value=1, max_value=500, places=0))
    return Plan("generated", tiers, mode=chosen, cap_pct=cap)


@given(plan=plans(), quota=money.filter(lambda q: q > 0), target=money, a=money, b=money)
def test_payout_never_decreases_as_bookings_grow(
    plan: Plan, quota: Decimal, target: Decimal, a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    pay_low = compute_payout(plan, quota=quota, credited=low, target=target, rule=RULE).total
    pay_high = compute_payout(plan, quota=quota, credited=high, target=target, rule=RULE).total
    assert pay_low <= pay_high


@given(plan=plans(TierMode.MARGINAL))
def test_a_marginal_plan_is_continuous_at_every_tier_boundary(plan: Plan) -> None:
    epsilon = Fraction(1, 10**9)
    for tier in plan.tiers[1:]:
        edge = Fraction(tier.start)
        gap = abs(curve_pct(plan, edge + epsilon) - curve_pct(plan, edge - epsilon))
        steepest = max(Fraction(t.rate) for t in plan.tiers)
        assert gap <= 2 * epsilon * steepest


@given(plan=plans(TierMode.FLAT), point=st.integers(min_value=0, max_value=400))
def test_a_flat_plan_jumps_only_where_its_table_says_and_by_as_much(plan: Plan, point: int) -> None:
    uncapped = Plan(plan.name, plan.tiers, mode=TierMode.FLAT)
    epsilon = Fraction(1, 10**9)
    edges = {Fraction(t.start): i for i, t in enumerate(uncapped.tiers) if i > 0}
    x = Fraction(point) + Fraction(1, 3)  # never on a boundary (those are whole numbers)
    gap = curve_pct(uncapped, x + epsilon) - curve_pct(uncapped, x - epsilon)
    assert abs(gap) <= 2 * epsilon * max(Fraction(t.rate) for t in uncapped.tiers)
    for edge, i in edges.items():
        jump = curve_pct(uncapped, edge) - curve_pct(uncapped, edge - epsilon)
        rates = Fraction(uncapped.tiers[i].rate) - Fraction(uncapped.tiers[i - 1].rate)
        # The jump at a boundary is the attainment times the difference of the rates.
        assert abs(jump - edge * rates) <= epsilon * 10


deal_amounts = st.lists(
    st.tuples(
        st.decimals(min_value=0, max_value=10**6, places=2),
        st.integers(min_value=0, max_value=364),
        st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=60)
@given(
    plan=plans(),
    rows=deal_amounts,
    quota=st.decimals(min_value=1, max_value=10**7, places=2),
    cumulative=st.booleans(),
    clawback=st.none() | st.integers(min_value=0, max_value=200),
    kind=st.sampled_from(["2026Q1", "2026Q3", "2026-11", "2026"]),
)
def test_statements_add_up_to_their_totals(
    plan: Plan,
    rows: list[tuple[Decimal, int, bool]],
    quota: Decimal,
    cumulative: bool,
    clawback: int | None,
    kind: str,
) -> None:
    basis = AttainmentBasis.CUMULATIVE_ANNUAL if cumulative else AttainmentBasis.PERIOD
    plan = Plan(
        plan.name,
        plan.tiers,
        mode=plan.mode,
        cap_pct=plan.cap_pct,
        attainment=basis,
        clawback_days=clawback,
        # A month's statement needs a plan that pays monthly; a year sums the quarters.
        pay_frequency=PayFrequency.MONTHLY if "-" in kind else PayFrequency.QUARTERLY,
    )
    deals: list[WonDeal] = []
    churned = {}
    for i, (amount, day, churns) in enumerate(rows):
        closed = D(day)
        when = f"2026-{1 + int(closed) // 31 % 12:02d}-{1 + int(closed) % 28:02d}"
        deals.append(deal(f"DEAL-{i}", str(amount), when, account=f"acc-{i}"))
        if churns:
            churned[f"acc-{i}"] = at("2026-12-15")
    statement = build_statement(
        ledger(plan, deals, quota=str(quota), churned=churned), period(kind)
    )
    assert statement.adds_up()
    assert statement.variable_pay == sum((line.amount for line in statement.lines), D(0))
