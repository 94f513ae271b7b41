"""Refusals of the file reader speak of the input, and name it as a field for the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipefit.cli.errors import describe
from pipefit.domain.errors import PipefitError
from pipefit.io.formats import FileReader


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "opportunities.csv"
    path.write_text("opportunity_id,stage\nACME-RENEWAL-Q3,Discovery\n", "utf-8")
    return path


def _read(paths: list[Path], **options: object) -> None:
    values: dict[str, object] = {"fmt": "native", "mapping": None, "date_format": None}
    values.update(options)
    FileReader().read(paths, progress=None, **values)  # type: ignore[arg-type]


def test_a_date_format_for_maven_files_is_refused_with_field_date_format(tmp_path: Path) -> None:
    with pytest.raises(PipefitError, match="does not apply to maven files") as refused:
        _read([_file(tmp_path)], fmt="maven", date_format="%d/%m/%Y")
    assert refused.value.field == "date_format"
    assert "--" not in str(refused.value)
    assert describe(refused.value).endswith("(--date-format)")


def test_a_date_format_beside_a_mapping_file_is_refused_with_field_date_format(
    tmp_path: Path,
) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text("", "utf-8")
    with pytest.raises(PipefitError, match="mapping file declares its own") as refused:
        _read([_file(tmp_path)], mapping=mapping, date_format="%d/%m/%Y")
    assert refused.value.field == "date_format"


def test_an_unknown_source_format_is_refused_with_field_source_format(tmp_path: Path) -> None:
    with pytest.raises(PipefitError, match="unknown source format 'pipedrive'") as refused:
        _read([_file(tmp_path)], fmt="pipedrive")
    assert refused.value.field == "source_format"
    assert "--" not in str(refused.value)
    assert describe(refused.value).endswith("(--format)")
