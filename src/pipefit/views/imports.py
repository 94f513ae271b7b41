"""What `import` shows: per kind of record, the rows read and how many were new, updated or
unchanged; the notes the readers left; and whether it was only a dry run."""

from __future__ import annotations

from typing import Any

from pipefit.services.imports import ImportResult
from pipefit.views.shapes import Column, Kind, Table, View

__all__ = ["import_view"]


def _row(result: ImportResult, records: str, rows: int) -> dict[str, Any]:
    # A dry run writes nothing, so it has no new, updated or unchanged rows to tell.
    written = result.report.tables.get(records) if result.report is not None else None
    return {
        "records": records,
        "rows": rows,
        "new": written.inserted if written is not None else None,
        "updated": written.updated if written is not None else None,
        "unchanged": written.unchanged if written is not None else None,
    }


def import_view(result: ImportResult) -> View:
    """People get a line saying what was done, the counts and the notes; JSON the whole
    result (format, dry run, files, counts, notes); CSV the counts."""
    table = Table(
        (
            Column("records"),
            Column("rows", Kind.INT),
            Column("new", Kind.INT),
            Column("updated", Kind.INT),
            Column("unchanged", Kind.INT),
        ),
        [_row(result, records, rows) for records, rows in result.counts.items()],
        name="tables",
    )
    verb = "Checked (dry run, nothing written)" if result.dry_run else "Imported"
    return View(
        title=f"{verb}: {len(result.files)} file(s) as {result.fmt}",
        tables=[table],
        notes=list(result.notes),
        document={
            "format": result.fmt,
            "dry_run": result.dry_run,
            "files": list(result.files),
            "tables": table.plain_rows(),
            "notes": list(result.notes),
        },
    )
