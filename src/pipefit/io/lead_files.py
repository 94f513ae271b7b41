"""Lead files: any CSV of leads read as Arrow, and scored files written back."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from pipefit.domain.errors import PipefitError
from pipefit.io.outputs import Outputs

__all__ = ["CsvLeadFiles"]


class CsvLeadFiles:
    """The LeadFiles port on the local file system; scored files go through `files`."""

    def __init__(self, files: Outputs) -> None:
        self._files = files

    def read_leads(self, path: Path) -> pa.Table:
        if not path.is_file():
            raise PipefitError(f"no file {path}")
        try:
            return pacsv.read_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 24))
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise PipefitError(f"{path}: not a readable CSV file: {exc}") from exc

    def write_scores(self, path: Path, table: pa.Table) -> None:
        self._files.write(path, lambda temp: pacsv.write_csv(table, temp), "output.scores")
