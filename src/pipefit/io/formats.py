"""Which reader handles which source format, and the file reader the import service uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path

from pipefit.domain.errors import PipefitError
from pipefit.io.batch import Batch, stamp_snapshot_time
from pipefit.io.csv_files import Progress
from pipefit.io.dates import to_strptime
from pipefit.io.encodings import declared_encoding
from pipefit.io.numbers import NumberFormat

__all__ = ["FORMATS", "FileReader", "read_batch"]

# paths, progress, date format, number format, encoding
Reader = Callable[[Sequence[Path], Progress | None, str | None, NumberFormat, str | None], Batch]


def _reader(module: str, function: str) -> Reader:
    """The reader `pipefit.io.<module>.<function>`, imported on first use (each format
    pulls in its own parsing code; a command that reads none should not pay for them)."""

    def read(
        paths: Sequence[Path],
        progress: Progress | None,
        date_format: str | None,
        numbers: NumberFormat,
        encoding: str | None,
    ) -> Batch:
        reader = getattr(import_module(f"pipefit.io.{module}"), function)
        batch: Batch = reader(
            paths, progress, date_format=date_format, numbers=numbers, encoding=encoding
        )
        return batch

    return read


def _maven(
    paths: Sequence[Path],
    progress: Progress | None,
    date_format: str | None,
    numbers: NumberFormat,
    encoding: str | None,
) -> Batch:
    from pipefit.io.maven import read_maven

    if date_format:
        raise PipefitError(
            "a date format does not apply to maven files (their dates are ISO 8601)",
            field="date_format",
        )
    if numbers.declared:
        raise PipefitError(
            "a number format does not apply to maven files (their numbers are plain)",
            field="decimal" if numbers.decimal is not None else "thousands",
        )
    return read_maven(paths, progress, encoding=encoding)


FORMATS: dict[str, Reader] = {
    "native": _reader("native_reader", "read_native"),
    "salesforce": _reader("salesforce", "read_salesforce"),
    "hubspot": _reader("hubspot", "read_hubspot"),
    "maven": _maven,
}


# Declared formats that mean "read each column as its values show" (ISO 8601 is detected).
_DETECTED = ("", "auto", "iso", "iso 8601", "iso8601")


def _declared(
    date_format: str | None, decimal: str | None, thousands: str | None
) -> tuple[str | None, NumberFormat]:
    """The reader options as the readers take them, or a PipefitError naming the option."""
    usable = None
    if date_format is not None and date_format.strip().lower() not in _DETECTED:
        usable = to_strptime(date_format)
        if usable is None:
            raise PipefitError(
                f"{date_format!r} is not a usable date format; write it as e.g. "
                '"DD/MM/YYYY" or "MM/DD/YY hh:mm AM/PM"',
                field="date_format",
            )
    numbers = NumberFormat(decimal=decimal, thousands=thousands)
    if (problem := numbers.problem()) is not None:
        key, why = problem
        raise PipefitError(f"the {key} separator {why}", field=key)
    return usable, numbers


def read_batch(
    fmt: str,
    paths: Sequence[Path],
    *,
    mapping: Path | None = None,
    progress: Progress | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
) -> Batch:
    """Read files of one format into a batch.

    What is not declared is detected per column. `date_format` is the date format of
    every date column, as people write it ("DD/MM/YYYY", "MM/DD/YY hh:mm AM/PM") or in
    strptime codes ("%d/%m/%Y"); a time after the date is read either way. `decimal`
    ("." or ",") and `thousands` (",", ".", " ", "'" or "" for none) say how numbers are
    written; `encoding` is the files' text encoding (e.g. "cp1252"), detected per file
    when not given."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise PipefitError(f"no such file: {', '.join(missing)}")
    declared_encoding(encoding)  # an unknown name is refused before any file is read
    if mapping is not None:
        from pipefit.io.mapping import read_mapped

        for option, given in (
            ("date_format", date_format),
            ("decimal", decimal),
            ("thousands", thousands),
        ):
            if given is not None:
                what = "date" if option == "date_format" else "number"
                raise PipefitError(
                    f"a mapping file declares its own {what} format; give it there",
                    field=option,
                )
        return read_mapped(paths, mapping, progress, encoding=encoding)
    if fmt not in FORMATS:
        raise PipefitError(
            f"unknown source format '{fmt}'; choose one of: {', '.join(FORMATS)} "
            "(or describe the layout in a mapping file)",
            field="source_format",
        )
    usable, numbers = _declared(date_format, decimal, thousands)
    return FORMATS[fmt](paths, progress, usable, numbers, encoding)


class FileReader:
    """Reads CSV files from disk: the BatchReader of the import service."""

    def read(
        self,
        paths: Sequence[Path],
        *,
        fmt: str,
        mapping: Path | None,
        date_format: str | None,
        progress: Progress | None,
        encoding: str | None = None,
        decimal: str | None = None,
        thousands: str | None = None,
    ) -> Batch:
        batch = read_batch(
            fmt,
            paths,
            mapping=mapping,
            progress=progress,
            date_format=date_format,
            encoding=encoding,
            decimal=decimal,
            thousands=thousands,
        )
        stamp_snapshot_time(batch)
        return batch
