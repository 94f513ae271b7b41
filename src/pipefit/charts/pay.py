"""Pay charts: the payout curves of plans on one chart, and attainment per person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from pipefit.domain.payout import curve_pct
from pipefit.domain.plans import Plan
from pipefit.domain.statements import Statement

__all__ = ["attainment_chart", "curve_points", "payout_curves_chart"]


def curve_points(
    plans: Mapping[str, Plan], *, up_to: int = 200, step: int = 1
) -> list[dict[str, Any]]:
    """Payout (% of target variable) at each attainment from 0% to `up_to`%, per plan."""
    points = []
    for label, plan in plans.items():
        for pct in range(0, up_to + 1, step):
            # A flat plan jumps at its boundaries: plot just below each one as well.
            for at in (Fraction(pct) - Fraction(1, 1000), Fraction(pct)):
                if at < 0 or (at != pct and not _is_boundary(plan, pct)):
                    continue
                points.append(
                    {
                        "plan": label,
                        "attainment": float(at),
                        "payout": float(curve_pct(plan, at)),
                    }
                )
    return points


def _is_boundary(plan: Plan, pct: int) -> bool:
    return any(t.start == pct for t in plan.tiers[1:])


def payout_curves_chart(plans: Mapping[str, Plan], *, up_to: int = 200) -> Any:
    import altair as alt

    data = {"values": curve_points(plans, up_to=up_to)}
    line = (
        alt.Chart(data)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("attainment:Q", title="attainment (% of quota)"),
            y=alt.Y("payout:Q", title="variable pay (% of on-target variable)"),
            color=alt.Color("plan:N", title="plan"),
            tooltip=["plan:N", "attainment:Q", "payout:Q"],
        )
    )
    rule = alt.Chart({"values": [{"x": 100}]}).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return (line + rule).properties(title="Payout curves: rep vs presales", width=560, height=360)


def attainment_chart(statements: Sequence[Statement]) -> Any:
    import altair as alt

    values = [
        {
            "person": f"{s.person_id} {s.name}",
            "role": s.role,
            "attainment": float(s.attainment * 100),
            "variable pay": float(s.variable_pay),
        }
        for s in statements
    ]
    period = statements[0].period.label if statements else ""
    bars = (
        alt.Chart({"values": values})
        .mark_bar()
        .encode(
            x=alt.X("person:N", sort="-y", title=None, axis=alt.Axis(labels=len(values) <= 80)),
            y=alt.Y("attainment:Q", title="attainment (% of quota)"),
            color=alt.Color("role:N"),
            tooltip=["person:N", "role:N", "attainment:Q", "variable pay:Q"],
        )
    )
    target = alt.Chart({"values": [{"y": 100}]}).mark_rule(color="black").encode(y="y:Q")
    width = max(400, min(1600, 14 * len(values)))
    return (bars + target).properties(
        title=f"Attainment per person, {period}", width=width, height=320
    )
