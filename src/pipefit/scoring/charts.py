"""Pictures where people would rather look: cumulative gains per method, rendered offline.

A Vega-Altair spec, rendered by `charts.output` (vl-convert: no browser, no network) to
PNG, SVG or a self-contained HTML page. The diagonal is picking leads at random; the
higher a method's curve, the more deals (or successful customers) it finds in the leads
it ranks first.
"""

from __future__ import annotations

from typing import Any

import altair as alt

__all__ = ["gains_chart"]

TITLES = {"win": "Deals won", "success": "Successful customers"}


def gains_chart(curves: dict[str, dict[str, list[tuple[float, float]]]]) -> dict[str, Any]:
    values = [
        {"target": TITLES.get(target, target), "method": method, "leads": x, "found": y}
        for target, methods in curves.items()
        for method, points in methods.items()
        for x, y in points
    ]
    values += [
        {"target": TITLES.get(t, t), "method": "random", "leads": x, "found": x}
        for t in curves
        for x in (0.0, 1.0)
    ]
    data = alt.Data(values=values)  # type: ignore[no-untyped-call]
    base = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X(
                "leads:Q", title="share of leads, best-scored first", axis=alt.Axis(format="%")
            ),
            y=alt.Y("found:Q", title="share found", axis=alt.Axis(format="%")),
            color=alt.Color("method:N", title="method"),
            strokeDash=alt.condition(
                alt.datum.method == "random", alt.value([4, 4]), alt.value([1, 0])
            ),
        )
    )
    chart = (
        base.properties(width=320, height=260)
        .facet(column=alt.Column("target:N", title=None))
        .properties(title="Backtest: cumulative gains on later leads")
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec
