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
from pipefit.io.numbers import NumberFormat
from pipefit.io.parsing import ARROW_TYPES, ValueFormats, coerce_columns

__all__ = ["read_native", "typed_table"]


def typed_table(
    raw: pa.Table,
    spec: EntitySpec,
    *,
    file: str,
    errors: list[RowError],
    date_format: str | None = None,
    first_row: int = 2,
    formats: ValueFormats | None = None,
    notes: list[str] | None = None,
) -> pa.Table:
    """Parse a table of text columns named as in `spec` into typed columns.

    Columns the spec has but the file lacks are filled with nulls (or reported when
    required); the row's line number (the column ROW of a table read by csv_files, else
    counted from `first_row`) and file are kept for later messages. `formats` says how
    values are written where that is declared (`date_format` is its date part).
    """
    formats = formats or ValueFormats(date_format=date_format)
    if ROW in raw.column_names:
        lines = raw[ROW].combine_chunks()
    else:
        lines = pa.array(np.arange(first_row, first_row + raw.num_rows, dtype=np.int64))
    line_of = lines.to_numpy()
    present = {f.name: raw[f.name] for f in spec.fields if f.name in raw.column_names}
    notes_here: list[str] = []
    typed, problems = coerce_columns(
        present,
        spec.fields,
        file=file,
        formats=formats,
        notes=notes_here,
        entity=spec.name,
    )
    errors.extend(replace(e, row=int(line_of[e.row])) if e.row is not None else e for e in problems)
    if notes is not None:
        notes.extend(f"{Path(file).name}: {note}" for note in notes_here)
    columns: dict[str, pa.Array] = {}
    for field in spec.fields:
        if field.name in typed:
            columns[field.name] = typed[field.name]
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
# bools in words stay text: their checks give better messages after the read. Decimals
# stay text too: `1.234` converts, but whether it means 1234 is for the column to say.
_READER_TYPES = ("int", "datetime")


def _reader_types(spec: EntitySpec, formats: ValueFormats) -> dict[str, pa.DataType]:
    convert = [
        t
        for t in _READER_TYPES
        if not (t == "datetime" and (formats.date_format or formats.column_dates))
        and not (t == "int" and formats.numbers.declared)
    ]
    return {f.name: ARROW_TYPES[f.type] for f in spec.fields if f.type in convert}


def read_native(
    paths: Sequence[Path],
    progress: Progress | None = None,
    *,
    date_format: str | None = None,
    encoding: str | None = None,
    numbers: NumberFormat | None = None,
) -> Batch:
    """Read native files. Dates and number formats are detected per column unless
    declared: `date_format` (strptime or `DD/MM/YYYY`) for every date column, `numbers`
    for the decimal and thousands separators; `encoding` for all files (else detected per
    file)."""
    formats = ValueFormats(date_format=date_format, numbers=numbers or NumberFormat())
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
        types = _reader_types(spec, formats)
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
            typed_table(
                raw, spec, file=str(path), errors=batch.errors, formats=formats, notes=batch.notes
            ),
        )
    return batch
