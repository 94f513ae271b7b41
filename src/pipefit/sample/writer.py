"""Write native CSV files: the spec's columns in the spec's order, unquoted, in chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from pipefit.io.atomic import write_atomically
from pipefit.io.native import ENTITIES

__all__ = ["Columns", "Progress", "write_entity", "write_entity_chunks"]

Progress = Callable[[str, int, int], None]
Columns = dict[str, pa.Array]

_CHUNK_ROWS = 500_000
# Unquoted output: smaller files, and the writer refuses a value with a comma or a quote,
# which catches a bad word list instead of silently quoting it.
_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)


def _table(name: str, columns: Columns) -> pa.Table:
    expected = ENTITIES[name].field_names
    if tuple(columns) != expected:
        raise ValueError(f"{name}.csv: columns {tuple(columns)} differ from the spec {expected}")
    return pa.table(columns)


def write_entity_chunks(
    out_dir: Path,
    name: str,
    chunks: Iterable[Columns],
    *,
    total: int,
    progress: Progress | None = None,
) -> int:
    """Write `<name>.csv` from successive column batches; return the row count."""
    path = out_dir / f"{name}.csv"
    header = ",".join(ENTITIES[name].field_names) + "\n"
    done = 0
    if progress is not None:
        progress(path.name, 0, total)

    def fill(temp: Path) -> None:
        nonlocal done
        with pa.OSFile(str(temp), "wb") as sink:
            # The header is written by hand: Arrow would quote the names.
            sink.write(header.encode())
            writer: pacsv.CSVWriter | None = None
            for columns in chunks:
                table = _table(name, columns)
                if writer is None:
                    writer = pacsv.CSVWriter(sink, table.schema, write_options=_OPTIONS)
                for start in range(0, table.num_rows, _CHUNK_ROWS):
                    part = table.slice(start, _CHUNK_ROWS)
                    writer.write_table(part)
                    done += part.num_rows
                    if progress is not None:
                        progress(path.name, done, total)
            if writer is not None:
                writer.close()

    write_atomically(path, fill)  # whole or not at all: never half a file to import
    return done


def write_entity(
    out_dir: Path, name: str, columns: Columns, *, progress: Progress | None = None
) -> int:
    """Write `<name>.csv` from one set of columns; return the row count."""
    rows = len(next(iter(columns.values())))
    return write_entity_chunks(out_dir, name, [columns], total=rows, progress=progress)
