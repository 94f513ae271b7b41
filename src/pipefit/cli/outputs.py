"""What the commands that write files share: the --overwrite option and charts.

Every output path goes through the workspace's `Outputs` (from bootstrap), which refuses
the database, the configuration, the command's inputs, a missing folder and, without
--overwrite, an existing file. Commands check their paths before their work begins."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from pipefit.io.outputs import Outputs

__all__ = ["OverwriteOpt", "check_chart", "write_chart"]

OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace output files that exist (never the database or an input).",
    ),
]


def check_chart(files: Outputs, path: Path | None, field: str = "chart") -> None:
    """Refuse a chart path before the work: the rule of every output, then its suffix."""
    if path is None:
        return
    from pipefit.charts.output import check_chart_name

    files.check_file(path, field)
    check_chart_name(path, field)


def write_chart(files: Outputs, chart: Any, path: Path, field: str = "chart") -> Path:
    """Draw `chart` into `path` (the suffix picks the format), written whole."""
    from pipefit.charts.output import render_chart

    return files.write_bytes(path, render_chart(chart, path, field), field)
