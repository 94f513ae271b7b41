"""Read a CSV file as columns of text, in whatever encoding it came, keeping each row's line.

A UTF-8 file (with or without a byte-order mark) goes to pyarrow's reader as it is, on all
cores; a file in another encoding (see `encodings` for how it is chosen) is decoded in
blocks and handed to the same reader as UTF-8.

Each table gets a column `ROW`: the line its row starts on, the header being line 1. A
quoted value that spans lines, or a blank line, does not shift the rows after it.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipefit.domain.imports import ROW
from pipefit.io.encodings import (
    Encoding,
    choose_encoding,
    declared_encoding,
    fallback_encoding,
    has_marks,
    records,
    text_lines,
    undecodable_cells,
)
from pipefit.io.errors import ImportRejected, RowError

__all__ = ["Progress", "read_header", "read_text_table"]

Progress = Callable[[int], None]  # called with the number of bytes just read

BLOCK = 16 << 20  # pyarrow's block
DECODE_BLOCK = 4 << 20  # bytes decoded at a time when a file is not UTF-8


class _NotUtf8(Exception):
    """The file, read as UTF-8, holds bytes that are not UTF-8."""


def _header(path: Path, encoding: Encoding) -> list[str]:
    """The column names, with a byte-order mark and stray spaces removed."""
    if encoding.fast:
        with path.open("rb") as handle:
            first = next(iter(handle.readline(1 << 20).splitlines()), b"")
        if first.startswith(codecs.BOM_UTF8):
            first = first[len(codecs.BOM_UTF8) :]
        try:
            line = first.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _NotUtf8 from exc
    else:
        with text_lines(path, encoding) as handle:
            line = handle.readline().lstrip("\ufeff")
        if has_marks(line):
            raise ImportRejected(undecodable_cells(path, encoding))
    if not line.strip():
        raise ImportRejected([RowError(str(path), 1, None, None, "the file is empty (no header)")])
    return [name.strip() for name in next(csv.reader([line]), [])]


def read_header(path: Path, encoding: str | None = None) -> list[str]:
    """The column names of a CSV file, read in its encoding."""
    chosen = choose_encoding(path, declared_encoding(encoding))
    try:
        return _header(path, chosen)
    except _NotUtf8:
        return _header(path, fallback_encoding(path, chosen))


class _Utf8Stream(io.RawIOBase):
    """The file as UTF-8 for pyarrow: its bytes as they are, or decoded block by block.

    Counts the bytes read (for a progress bar) and the line ends handed over."""

    def __init__(self, path: Path, progress: Progress | None, decode: Encoding | None) -> None:
        self._file = path.open("rb")
        self._progress = progress
        self._decoder = (
            None
            if decode is None
            else codecs.getincrementaldecoder(decode.codec)(errors=decode.errors)
        )
        self._pending = memoryview(b"")
        self._done = False
        self.newlines = 0
        self.tail = b""  # the last bytes handed over
        self.undecodable = False  # some bytes could not be decoded

    def readable(self) -> bool:
        return True

    def _count(self, data: Any) -> None:
        view = np.frombuffer(data, np.uint8)
        if len(view):
            self.newlines += int(np.count_nonzero(view == 10))
            self.tail = (self.tail + view[-256:].tobytes())[-256:]

    def lines(self) -> int:
        """Lines handed over, blank lines at the very end left out."""
        body = self.tail.rstrip(b"\r\n")
        if not body:  # nothing but line ends in the tail: count them all
            return self.newlines + (1 if self.tail and not self.tail.endswith(b"\n") else 0)
        ends = self.tail[len(body) :].count(b"\n")
        return self.newlines - ends + 1

    def readinto(self, buffer: Any) -> int:
        if self._decoder is None:
            n = self._file.readinto(buffer)
            if n:
                self._count(memoryview(buffer)[:n])
                if self._progress:
                    self._progress(n)
            return n
        while not self._pending and not self._done:
            raw = self._file.read(DECODE_BLOCK)
            if raw and self._progress:
                self._progress(len(raw))
            self._done = not raw
            text = self._decoder.decode(raw, final=self._done)
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError:  # marked bytes: described once the read is over
                self.undecodable = True
                data = text.encode("utf-8", "replace")
            self._count(data)
            self._pending = memoryview(data)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


def _has_quotes(path: Path) -> bool:
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return m.find(b'"') != -1


def _record_lines(
    path: Path, encoding: Encoding, table: pa.Table, stream: _Utf8Stream, quoted: bool
) -> pa.Array:
    """The line each row starts on (the header is line 1).

    Worked out set-at-a-time from the line ends inside quoted values; only when the
    count of lines says the file also has blank lines between rows (or line ends other
    than LF and CRLF) is it walked record by record.
    """
    rows = table.num_rows
    inside = np.zeros(rows, np.int64)  # line ends inside each row's values
    if quoted:
        for column in table.columns:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                found = pc.fill_null(pc.count_substring(column, "\n"), 0)
                inside += np.asarray(found.to_numpy(), np.int64)
    if stream.lines() == 1 + rows + int(inside.sum()):
        starts = 2 + np.arange(rows, dtype=np.int64) + np.cumsum(inside) - inside
        return pa.array(starts, pa.int64())
    with text_lines(path, encoding) as handle:
        walked = [line for line, _ in records(handle)][1:]
    if len(walked) != rows:  # the two parsers disagree on an odd file: count rows
        return pa.array(np.arange(2, 2 + rows, dtype=np.int64))
    return pa.array(walked, pa.int64())


def _malformed(path: Path, encoding: Encoding, names: list[str], exc: Exception) -> list[RowError]:
    """Rows whose number of values is not the header's, each on its line."""
    problems: list[RowError] = []
    with text_lines(path, encoding) as handle:
        for line, record in records(handle):
            if line > 1 and len(record) != len(names):
                problems.append(
                    RowError(
                        str(path),
                        line,
                        None,
                        None,
                        f"has {len(record)} value{'s' * (len(record) != 1)}; "
                        f"the header has {len(names)} columns",
                    )
                )
    return problems or [RowError(str(path), None, None, None, f"is not valid CSV: {exc}")]


def _read(
    path: Path, encoding: Encoding, progress: Progress | None, types: dict[str, pa.DataType]
) -> pa.Table:
    names = _header(path, encoding)
    read_options = pacsv.ReadOptions(
        column_names=names, skip_rows=1, block_size=BLOCK, use_threads=True
    )
    convert = pacsv.ConvertOptions(
        column_types={name: types.get(name, pa.string()) for name in names},
        null_values=[""],
        strings_can_be_null=True,
        true_values=["true", "True", "TRUE", "yes", "Yes", "1"],
        false_values=["false", "False", "FALSE", "no", "No", "0"],
    )
    # Line breaks inside quoted values need a slower, serial chunker (2.7 s vs 1.0 s for
    # 5M rows here); a file without a single quote character cannot have any.
    quoted = _has_quotes(path)
    parse = pacsv.ParseOptions(newlines_in_values=quoted)
    stream = _Utf8Stream(path, progress, None if encoding.fast else encoding)
    source = pa.PythonFile(stream, mode="r")
    try:
        reader = pacsv.open_csv(
            source, read_options=read_options, parse_options=parse, convert_options=convert
        )
        table = reader.read_all()
    except pa.ArrowInvalid as exc:
        if encoding.fast and "invalid UTF8" in str(exc):
            raise _NotUtf8 from exc
        if types:
            # A value does not convert: read again as text, for the caller to name it.
            return _read(path, encoding, None, {})
        raise ImportRejected(_malformed(path, encoding, names, exc)) from exc
    finally:
        source.close()
    if stream.undecodable:
        raise ImportRejected(undecodable_cells(path, encoding))
    return table.append_column(ROW, _record_lines(path, encoding, table, stream, quoted))


def read_text_table(
    path: Path,
    progress: Progress | None = None,
    types: dict[str, pa.DataType] | None = None,
    *,
    encoding: str | None = None,
    notes: list[str] | None = None,
) -> pa.Table:
    """Every column as text (or as `types` says), blanks as nulls; the header is cleaned;
    the column `ROW` holds the line each row starts on.

    With `types`, the reader converts while it parses, on all cores; when a value does
    not convert, the file is read again as text for the caller to say which values are
    wrong. `encoding` is the declared one (else it is detected, see `encodings`); a note
    on how the file was read, if a person should know, goes to `notes`. A file that
    cannot be read raises ImportRejected naming every problem in it.
    """
    chosen = choose_encoding(path, declared_encoding(encoding))
    try:
        table = _read(path, chosen, progress, types or {})
    except _NotUtf8:
        chosen = fallback_encoding(path, chosen)
        table = _read(path, chosen, progress, types or {})
    if chosen.note and notes is not None:
        notes.append(chosen.note)
    return table
