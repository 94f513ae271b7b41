"""Write a Vega-Lite chart to a file; the suffix picks the format. No network is used:
vl-convert renders PNG and SVG itself and bundles the Vega scripts into the HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipefit.domain.errors import PipefitError

__all__ = ["CHART_SUFFIXES", "save_chart"]

CHART_SUFFIXES = (".png", ".svg", ".html", ".json")


def save_chart(chart: Any, path: Path) -> Path:
    """`chart` is an Altair chart (or a Vega-Lite dict); returns the file written."""
    suffix = path.suffix.lower()
    if suffix not in CHART_SUFFIXES:
        raise PipefitError(
            f"chart file {path}: the suffix must be one of {', '.join(CHART_SUFFIXES)}"
        )
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    text = json.dumps(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        path.write_text(text, "utf-8")
        return path
    import vl_convert

    if suffix == ".png":
        path.write_bytes(vl_convert.vegalite_to_png(text, scale=2))
    elif suffix == ".svg":
        path.write_text(vl_convert.vegalite_to_svg(text), "utf-8")
    else:
        path.write_text(vl_convert.vegalite_to_html(text, bundle=True), "utf-8")
    return path
