"""Joins in a mapping file: each row of a file with the matching row of another file, on a
key column both hold. It is a left join: every row of the file keeps its place, joined or
not, and the joined file's columns can feed its fields (`won_date` or `closed_deals.won_date`).

A joined file holds one row per key (a repeated key is an error naming every row it is on).
Its rows that join nothing are never dropped in silence: the import's notes count them, with
examples, or with `unmatched = "refuse"` each one is an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.io.batch import FILE, ROW, Batch
from pipefit.io.csv_files import Progress
from pipefit.io.errors import RowError
from pipefit.io.mapping_frames import Frame, Part, find_column
from pipefit.io.mapping_rules import Condition, Join, all_hold, describe
from pipefit.io.source_columns import line_numbers, text_column

__all__ = ["MappedFiles"]

SHOWN = 5  # examples in a note


@dataclass
class _Side:
    """A joined file (or several files of one section) with its rows keyed for lookup."""

    section: str
    header: list[str]
    table: pa.Table  # text columns, FILE, ROW
    keys: dict[str, pa.Array] = field(default_factory=dict)  # right_on -> key per row


@dataclass
class _Tally:
    """Which rows of a joined file some row joined, and some row the section's `where` kept."""

    join: Join
    section: str
    seen: np.ndarray[Any, np.dtype[np.bool_]]
    kept: np.ndarray[Any, np.dtype[np.bool_]]


def _places(files: Sequence[str], rows: Sequence[int | None]) -> str:
    return ", ".join(f"{Path(f).name} row {r}" for f, r in zip(files, rows, strict=True))


class MappedFiles:
    """The files of one mapped import, each read once, and the joins between them."""

    def __init__(
        self,
        batch: Batch,
        mapping: str,
        paths: Mapping[str, Sequence[Path]],
        where: Mapping[str, tuple[Condition, ...]],
        progress: Progress | None,
        encoding: str | None = None,
    ) -> None:
        self.batch = batch
        self.encoding = encoding  # declared; None: detected per file
        self.mapping = mapping  # the mapping file's name, for messages
        self.paths = paths  # section -> the files it reads
        self.where = where
        self.progress = progress
        self._raw: dict[Path, pa.Table | None] = {}
        self._sides: dict[str, _Side | None] = {}
        self._tallies: dict[tuple[str, int], _Tally] = {}

    def raw(self, path: Path) -> pa.Table | None:
        """The file's text columns (without ROW), or None when it cannot be read (its
        problems are on the batch, and the other files are still read)."""
        if path not in self._raw:
            self._raw[path] = self.batch.read_csv(path, self.progress, encoding=self.encoding)
        return self._raw[path]

    @staticmethod
    def _frame(path: Path, raw: pa.Table) -> Frame:
        own = raw.drop_columns([ROW]) if ROW in raw.column_names else raw
        return Frame(str(path), line_numbers(raw), own)

    def forget(self, path: Path) -> None:
        """Let go of a file's text once its sections are read (a join keeps its own copy)."""
        self._raw.pop(path, None)

    def missing(self, path: Path, column: str, key: str, message: str) -> None:
        """A column the mapping names at `key` that the file lacks (on its header row)."""
        where = f" (mapping {self.mapping}, {key})"
        head, sep, tail = message.partition("; ")
        message = f"{head}{where}{sep}{tail}"
        self.batch.errors.append(RowError(str(path), 1, column, None, message))

    def _side(self, section: str) -> _Side | None:
        """All files of a joined section, filtered by its own `where`, one table."""
        if section in self._sides:
            return self._sides[section]
        tables: list[pa.Table] = []
        header: list[str] = []
        for path in self.paths.get(section, ()):
            raw = self.raw(path)
            if raw is None:
                continue
            frame = self._frame(path, raw)
            mask = self.where_mask(section, frame)
            if mask is None:
                self._sides[section] = None
                return None
            frame = frame.filter(mask)
            header += [c for c in frame.own.column_names if c not in header]
            tables.append(
                frame.own.append_column(ROW, frame.rows).append_column(
                    FILE, pa.repeat(pa.scalar(str(path)), frame.num_rows)
                )
            )
        if not tables:
            self._sides[section] = None
            return None
        table = pa.concat_tables(tables, promote_options="default")
        self._sides[section] = _Side(section, header, table)
        return self._sides[section]

    def where_mask(self, section: str, frame: Frame) -> pa.Array | None:
        """Which rows a section's `where` takes (noted when it leaves some out); None when a
        column it names is missing (reported on the header row)."""
        conditions = self.where.get(section, ())
        if not conditions:
            return pa.repeat(pa.scalar(True), frame.num_rows)
        cells: dict[str, pa.Array] = {}
        for condition in conditions:
            found = frame.find(condition.column)
            if isinstance(found, str):
                self.missing(Path(frame.file), condition.column, f"files.{section}.where", found)
            else:
                cells[condition.column] = found.values
        if len(cells) < len({c.column for c in conditions}):
            return None
        mask = all_hold(conditions, cells.__getitem__, frame.num_rows)
        taken = int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)
        if taken < frame.num_rows:
            self.batch.notes.append(
                f"{Path(frame.file).name}: [files.{section}] took {taken:,} of "
                f"{frame.num_rows:,} rows (where {describe(conditions)})"
            )
        return mask

    def _side_keys(self, side: _Side, join: Join, section: str) -> pa.Array | None:
        """The joined file's key per row; a key on several rows is an error naming each."""
        if join.right_on in side.keys:
            return side.keys[join.right_on]
        column = find_column(side.header, join.right_on)
        if column is None:
            for path in self.paths.get(side.section, ()):
                self.missing(
                    path,
                    join.right_on,
                    f"files.{section}.join",
                    f"is not a column of this file; its columns are: {', '.join(side.header)}",
                )
            return None
        keys = text_column(side.table, column)
        counted = pa.table({"k": keys}).group_by("k").aggregate([([], "count_all")])
        repeated = counted.filter(
            pc.and_(pc.greater(counted["count_all"], 1), pc.is_valid(counted["k"]))
        )
        for key in repeated["k"].to_pylist():
            hits = side.table.filter(pc.fill_null(pc.equal(keys, key), False))
            files, rows = hits[FILE].to_pylist(), hits[ROW].to_pylist()
            self.batch.errors.append(
                RowError(
                    files[-1],
                    rows[-1],
                    column,
                    key,
                    f"appears on {len(rows)} rows of the joined file ({_places(files, rows)}); "
                    f"a file joined on {column} holds one row per {column}",
                )
            )
        side.keys[join.right_on] = keys
        return keys

    def frame(self, section: str, path: Path, joins: Sequence[Join]) -> Frame | None:
        """The file's rows with every joined file's columns; None when a key is missing."""
        raw = self.raw(path)
        if raw is None:
            return None
        frame = self._frame(path, raw)
        raw = frame.own
        parts: list[Part] = []
        for join in joins:
            left = find_column(raw.column_names, join.left_on)
            if left is None:
                self.missing(
                    path,
                    join.left_on,
                    f"files.{section}.join",
                    f"is not a column of this file; its columns are: {', '.join(raw.column_names)}",
                )
                return None
            if not self.paths.get(join.section):
                self.batch.errors.append(
                    RowError(
                        str(path),
                        None,
                        None,
                        None,
                        f"[files.{section}] of {self.mapping} joins [files.{join.section}], but "
                        f"no file of this import is read by [files.{join.section}]; give its "
                        "file too",
                    )
                )
                return None
            side = self._side(join.section)
            keys = None if side is None else self._side_keys(side, join, section)
            if side is None or keys is None:
                return None
            lookup = pc.SetLookupOptions(value_set=keys, skip_nulls=True)
            where = pc.index_in(text_column(raw, left), options=lookup)
            parts.append(Part(join, side.header, side.table.take(where), where))
        return replace(frame, parts=tuple(parts))

    def joined(self, section: str, frame: Frame, kept: pa.Array) -> None:
        """Record which rows of each joined file this file's rows joined, and which of them
        its `where` kept."""
        for i, part in enumerate(frame.parts):
            side = self._sides[part.join.section]
            assert side is not None
            size = side.table.num_rows
            tally = self._tallies.setdefault(
                (section, i),
                _Tally(part.join, section, np.zeros(size, np.bool_), np.zeros(size, np.bool_)),
            )
            tally.seen[np.asarray(part.index.drop_null())] = True
            tally.kept[np.asarray(part.index.filter(kept).drop_null())] = True

    def report_unmatched(self) -> None:
        """Rows of joined files that joined no row taken: a note (or errors) for each join."""
        for tally in self._tallies.values():
            side = self._sides.get(tally.join.section)
            if side is None:
                continue
            absent = pa.array(~tally.seen)
            dropped = pa.array(tally.seen & ~tally.kept)
            self._unmatched(
                tally,
                side,
                absent,
                f"match no row of [files.{tally.section}] on {tally.join.left_on}",
            )
            self._unmatched(
                tally,
                side,
                dropped,
                f"join rows that [files.{tally.section}] leaves out by its `where`",
            )

    def _unmatched(self, tally: _Tally, side: _Side, mask: pa.Array, why: str) -> None:
        rows = side.table.filter(mask)
        if rows.num_rows == 0:
            return
        column = find_column(side.header, tally.join.right_on) or tally.join.right_on
        keys = text_column(rows, column).to_pylist()
        files, lines = rows[FILE].to_pylist(), rows[ROW].to_pylist()
        if tally.join.unmatched == "refuse":
            self.batch.errors.extend(
                RowError(f, r, column, k, f"{why}; joined rows must all be taken")
                for f, r, k in zip(files, lines, keys, strict=True)
            )
            return
        names = sorted({Path(f).name for f in side.table[FILE].to_pylist()})
        examples = ", ".join(
            f"{k!r} on row {r}" if k is not None else f"no {column} on row {r}"
            for k, r in zip(keys[:SHOWN], lines[:SHOWN], strict=True)
        )
        more = f" and {len(keys) - SHOWN:,} more" if len(keys) > SHOWN else ""
        self.batch.notes.append(
            f"{', '.join(names)}: {len(keys):,} of {side.table.num_rows:,} rows {why}, so they "
            f"are not imported ({column} {examples}{more})"
        )
