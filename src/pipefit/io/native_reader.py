"""Read pipefit's own CSV layout into a batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipefit.io.batch import FILE, ROW, Batch
from pipefit.io.csv_files import Progress
from pipefit.io.errors import RowError
from pipefit.io.native import ENTITIES, EntitySpec, entity_for_file
from pipefit.io.parsing import ARROW_TYPES, coerce_column

__all__ = ["read_native", "typed_table"]


def typed_table(
    raw: pa.Table,
    spec: EntitySpec,
    *,
    file: str,
    errors: list[RowError],
    date_format: str | None = None,
    first_row: int = 2,
) -> pa.Table:
    """Parse a table of text columns named as in `spec` into typed columns.

    Columns the spec has but the file lacks are filled with nulls (or reported when
    required); the row's line number (the column ROW of a table read by csv_files, else
    counted from `first_row`) and file are kept for later messages.
    """
    if ROW in raw.column_names:
        lines = raw[ROW].combine_chunks()
    else:
        lines = pa.array(np.arange(first_row, first_row + raw.num_rows, dtype=np.int64))
    line_of = lines.to_numpy()
    columns: dict[str, pa.Array] = {}
    for field in spec.fields:
        if field.name in raw.column_names:
            column, problems = coerce_column(
                raw[field.name], field, file=file, first_row=0, date_format=date_format
            )
            errors.extend(
                replace(e, row=int(line_of[e.row])) if e.row is not None else e for e in problems
            )
            columns[field.name] = column
        else:
            if field.required:
                errors.append(
                    RowError(
                        file, 1, field.name, None, "required column is missing from the header"
                    )
                )
            columns[field.name] = pa.nulls(raw.num_rows, ARROW_TYPES[field.type])
    columns[ROW] = lines
    columns[FILE] = pa.repeat(pa.scalar(file, pa.string()), raw.num_rows)
    return pa.table(columns)


# Types the CSV reader can convert while parsing. Text columns with allowed values and
# bools in words stay text: their checks give better messages after the read.
_READER_TYPES = ("int", "decimal", "datetime")


def read_native(
    paths: Sequence[Path],
    progress: Progress | None = None,
    *,
    date_format: str | None = None,
    encoding: str | None = None,
) -> Batch:
    """Read native files; `encoding` is declared for all of them (else detected per file)."""
    batch = Batch(source="native", files=[str(p) for p in paths])
    for path in paths:
        spec = entity_for_file(path.stem)
        if spec is None:
            names = ", ".join(f"{n}.csv" for n in ENTITIES)
            batch.errors.append(
                RowError(
                    str(path),
                    None,
                    None,
                    None,
                    f"the file name does not say what it holds; name it one of: {names}",
                )
            )
            continue
        convert = [t for t in _READER_TYPES if not (date_format and t == "datetime")]
        types = {f.name: ARROW_TYPES[f.type] for f in spec.fields if f.type in convert}
        raw = batch.read_csv(path, progress, encoding=encoding, types=types)
        if raw is None:
            continue
        unknown = [c for c in raw.column_names if c not in spec.field_names and c != ROW]
        for column in unknown:
            batch.errors.append(
                RowError(
                    str(path),
                    1,
                    column,
                    None,
                    f"is not a column of {spec.name}; expected some of: "
                    + ", ".join(spec.field_names),
                )
            )
        batch.add(
            spec.name,
            typed_table(raw, spec, file=str(path), errors=batch.errors, date_format=date_format),
        )
    return batch
