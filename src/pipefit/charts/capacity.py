"""Capacity charts: the planning what-if (cost against expected revenue, with its range)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipefit.domain.capacity import SegmentCapacity
from pipefit.domain.planning import Option

__all__ = ["segments_chart", "whatif_chart"]


def whatif_chart(options: Sequence[Option]) -> Any:
    import altair as alt

    values = []
    for o in options:
        values.append({"option": o.name, "measure": "cost (year one)", "amount": float(o.cost)})
        values.append(
            {
                "option": o.name,
                "measure": "expected revenue (year one)",
                "amount": float(o.revenue_expected),
                "low": float(o.revenue_low),
                "high": float(o.revenue_high),
            }
        )
    data = {"values": values}
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("measure:N", title=None, axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y("amount:Q", title="amount"),
            color=alt.Color("measure:N", title=None),
            tooltip=["option:N", "measure:N", "amount:Q", "low:Q", "high:Q"],
        )
    )
    ranges = (
        alt.Chart(data)
        .mark_errorbar(ticks=True)
        .encode(x="measure:N", y=alt.Y("low:Q", title="amount"), y2="high:Q")
    )
    return (
        alt.layer(bars, ranges)
        .properties(width=160, height=320)
        .facet(column=alt.Column("option:N", title=None, sort=[o.name for o in options]))
        .properties(title="What-if: hire reps, make presales more productive, or hire presales")
    )


def segments_chart(segments: Sequence[SegmentCapacity]) -> Any:
    import altair as alt

    values = []
    for s in segments:
        for label, m in (("actual ratio", s.actual), ("configured norm", s.at_norm)):
            if m is not None:
                values.append(
                    {
                        "segment": s.facts.segment,
                        "ratio": label,
                        "extra revenue per presales": float(m.extra_revenue),
                    }
                )
    return (
        alt.Chart({"values": values})
        .mark_bar()
        .encode(
            x=alt.X("ratio:N", title=None),
            y=alt.Y("extra revenue per presales:Q"),
            color="ratio:N",
            column=alt.Column("segment:N"),
        )
        .properties(title="Extra revenue from a presales productivity gain", width=140)
    )
