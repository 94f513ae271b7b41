"""Which reader handles which source format, and the file reader the import service uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pipefit.domain.errors import PipefitError
from pipefit.io.batch import Batch, stamp_snapshot_time
from pipefit.io.csv_files import Progress
from pipefit.io.encodings import declared_encoding

__all__ = ["FORMATS", "FileReader", "read_batch"]

# paths, progress, date format, encoding
Reader = Callable[[Sequence[Path], Progress | None, str | None, str | None], Batch]


def _native(
    paths: Sequence[Path], progress: Progress | None, date_format: str | None, encoding: str | None
) -> Batch:
    from pipefit.io.native_reader import read_native

    return read_native(paths, progress, date_format=date_format, encoding=encoding)


def _salesforce(
    paths: Sequence[Path], progress: Progress | None, date_format: str | None, encoding: str | None
) -> Batch:
    from pipefit.io.salesforce import read_salesforce

    return read_salesforce(paths, progress, date_format=date_format, encoding=encoding)


def _hubspot(
    paths: Sequence[Path], progress: Progress | None, date_format: str | None, encoding: str | None
) -> Batch:
    from pipefit.io.hubspot import read_hubspot

    return read_hubspot(paths, progress, date_format=date_format, encoding=encoding)


def _maven(
    paths: Sequence[Path], progress: Progress | None, date_format: str | None, encoding: str | None
) -> Batch:
    from pipefit.io.maven import read_maven

    if date_format:
        raise PipefitError(
            "a date format does not apply to maven files (their dates are ISO 8601)",
            field="date_format",
        )
    return read_maven(paths, progress, encoding=encoding)


FORMATS: dict[str, Reader] = {
    "native": _native,
    "salesforce": _salesforce,
    "hubspot": _hubspot,
    "maven": _maven,
}


def read_batch(
    fmt: str,
    paths: Sequence[Path],
    *,
    mapping: Path | None = None,
    progress: Progress | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
) -> Batch:
    """Read files of one format into a batch. `date_format` is a strptime format
    (e.g. "%d/%m/%Y") for sources whose dates are not ISO 8601; `encoding` is the files'
    text encoding (e.g. "cp1252"), detected per file when not given."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise PipefitError(f"no such file: {', '.join(missing)}")
    declared_encoding(encoding)  # an unknown name is refused before any file is read
    if mapping is not None:
        from pipefit.io.mapping import read_mapped

        if date_format:
            raise PipefitError(
                "a mapping file declares its own date format; give it there",
                field="date_format",
            )
        return read_mapped(paths, mapping, progress, encoding=encoding)
    if fmt not in FORMATS:
        raise PipefitError(
            f"unknown source format '{fmt}'; choose one of: {', '.join(FORMATS)} "
            "(or describe the layout in a mapping file)",
            field="source_format",
        )
    return FORMATS[fmt](paths, progress, date_format, encoding)


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
    ) -> Batch:
        batch = read_batch(
            fmt,
            paths,
            mapping=mapping,
            progress=progress,
            date_format=date_format,
            encoding=encoding,
        )
        stamp_snapshot_time(batch)
        return batch
