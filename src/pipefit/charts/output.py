"""Render a Vega-Lite chart to the bytes of a file; the file's suffix picks the format. No
network is used: vl-convert renders PNG and SVG itself and bundles the Vega scripts into
the HTML. Where the bytes go is the caller's (every output path obeys one rule, see
`domain.outputs`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipefit.domain.errors import PipefitError

__all__ = ["CHART_SUFFIXES", "check_chart_name", "render_chart"]

CHART_SUFFIXES = (".png", ".svg", ".html", ".htm", ".json")


def check_chart_name(path: Path, field: str = "chart") -> None:
    """Refuse a chart file whose suffix names no format we draw."""
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise PipefitError(
            f"chart file {path}: the suffix must be one of {', '.join(CHART_SUFFIXES)}",
            field=field,
        )


def render_chart(chart: Any, path: Path, field: str = "chart") -> bytes:
    """`chart` is an Altair chart (or a Vega-Lite dict); the bytes of `path` drawing it."""
    check_chart_name(path, field)
    suffix = path.suffix.lower()
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    text = json.dumps(spec)
    if suffix == ".json":
        return text.encode("utf-8")
    import vl_convert

    if suffix == ".png":
        data: bytes = vl_convert.vegalite_to_png(text, scale=2)
        return data
    if suffix == ".svg":
        return vl_convert.vegalite_to_svg(text).encode("utf-8")
    return vl_convert.vegalite_to_html(text, bundle=True).encode("utf-8")
