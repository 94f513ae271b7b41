"""Which reader handles which `--format`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pipefit.domain.errors import PipefitError
from pipefit.io.batch import Batch
from pipefit.io.csv_files import Progress

__all__ = ["FORMATS", "read_batch"]

Reader = Callable[[Sequence[Path], Progress | None, str | None], Batch]


def _native(paths: Sequence[Path], progress: Progress | None, date_format: str | None) -> Batch:
    from pipefit.io.native_reader import read_native

    return read_native(paths, progress, date_format=date_format)


def _salesforce(paths: Sequence[Path], progress: Progress | None, date_format: str | None) -> Batch:
    from pipefit.io.salesforce import read_salesforce

    return read_salesforce(paths, progress, date_format=date_format)


def _hubspot(paths: Sequence[Path], progress: Progress | None, date_format: str | None) -> Batch:
    from pipefit.io.hubspot import read_hubspot

    return read_hubspot(paths, progress, date_format=date_format)


def _maven(paths: Sequence[Path], progress: Progress | None, date_format: str | None) -> Batch:
    from pipefit.io.maven import read_maven

    if date_format:
        raise PipefitError("--date-format does not apply to maven files (their dates are ISO)")
    return read_maven(paths, progress)


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
) -> Batch:
    """Read files of one format into a batch. `date_format` is a strptime format
    (e.g. "%d/%m/%Y") for sources whose dates are not ISO 8601."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise PipefitError(f"no such file: {', '.join(missing)}")
    if mapping is not None:
        from pipefit.io.mapping import read_mapped

        if date_format:
            raise PipefitError("declare the date format in the mapping file, not --date-format")
        return read_mapped(paths, mapping, progress)
    if fmt not in FORMATS:
        raise PipefitError(
            f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)} (or pass --mapping FILE)"
        )
    return FORMATS[fmt](paths, progress, date_format)
