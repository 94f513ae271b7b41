"""A CSV file is read in the encoding it came in: a byte-order mark, a declaration, UTF-8
when valid, else cp1252 with a note; bytes the encoding cannot read are named."""

from __future__ import annotations

import codecs
from pathlib import Path

import pyarrow as pa
import pytest

from pipefit.cli.errors import describe
from pipefit.domain.errors import PipefitError
from pipefit.domain.imports import ROW
from pipefit.io.csv_files import read_header, read_text_table
from pipefit.io.errors import ImportRejected

TEXT = 'Id,StageName,Description\nOPP-1,Diseño Propuesta,"Pide “precio cerrado”: 48.000 €"\n'


def _file(tmp_path: Path, data: bytes, name: str = "Opportunity.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(path: Path, encoding: str | None = None) -> tuple[list[dict[str, object]], list[str]]:
    notes: list[str] = []
    table = read_text_table(path, encoding=encoding, notes=notes)
    return table.drop_columns([ROW]).to_pylist(), notes


def test_a_utf_8_file_is_read_without_a_note(tmp_path: Path) -> None:
    rows, notes = _read(_file(tmp_path, TEXT.encode()))
    assert rows[0]["StageName"] == "Diseño Propuesta"
    assert notes == []


def test_a_utf_8_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = _file(tmp_path, codecs.BOM_UTF8 + TEXT.encode())
    rows, notes = _read(path)
    assert list(rows[0]) == ["Id", "StageName", "Description"]
    assert read_header(path) == ["Id", "StageName", "Description"]
    assert notes == []


def test_a_file_that_is_not_utf_8_is_read_as_cp1252_with_a_note_naming_it(
    tmp_path: Path,
) -> None:
    rows, notes = _read(_file(tmp_path, TEXT.encode("cp1252")))
    # 0x80, 0x93 and 0x94 are the euro sign and curly quotes in cp1252 (controls in Latin-1).
    assert rows == [
        {
            "Id": "OPP-1",
            "StageName": "Diseño Propuesta",
            "Description": "Pide “precio cerrado”: 48.000 €",
        }
    ]
    assert notes == ["Opportunity.csv: not UTF-8; read as cp1252 (Windows-1252)"]


def test_the_five_bytes_cp1252_leaves_undefined_are_read_as_latin_1_and_said(
    tmp_path: Path,
) -> None:
    rows, notes = _read(_file(tmp_path, b"Id,Name\nOPP-1,Caf\xe9 \x81\n"))
    assert rows == [{"Id": "OPP-1", "Name": "Café \x81"}]
    assert notes == [
        "Opportunity.csv: not UTF-8; read as cp1252 (Windows-1252), "
        "with the bytes it leaves undefined read as Latin-1"
    ]


def test_a_declared_encoding_is_used_without_a_note(tmp_path: Path) -> None:
    rows, notes = _read(_file(tmp_path, TEXT.encode("cp1252")), encoding="Windows-1252")
    assert rows[0]["StageName"] == "Diseño Propuesta"
    assert notes == []


def test_a_header_in_cp1252_is_read_too(tmp_path: Path) -> None:
    path = _file(tmp_path, "Id,Año,Etapa\nOPP-1,2024,Negociación\n".encode("cp1252"))
    assert read_header(path) == ["Id", "Año", "Etapa"]
    rows, _ = _read(path)
    assert rows == [{"Id": "OPP-1", "Año": "2024", "Etapa": "Negociación"}]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_file_with_a_utf_16_or_utf_32_byte_order_mark_is_read_in_it(
    tmp_path: Path, encoding: str
) -> None:
    data = TEXT.encode(encoding)
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = ("\ufeff" + TEXT).encode(encoding)  # -le / -be write no mark of their own
    rows, notes = _read(_file(tmp_path, data))
    assert rows[0]["Description"] == "Pide “precio cerrado”: 48.000 €"
    assert notes == []


def test_utf_16_without_a_byte_order_mark_is_recognised_with_a_note(tmp_path: Path) -> None:
    rows, notes = _read(_file(tmp_path, TEXT.encode("utf-16-le")))
    assert rows[0]["StageName"] == "Diseño Propuesta"
    assert notes == [
        "Opportunity.csv: no byte-order mark, but every other byte is zero: read as UTF-16 LE"
    ]


def test_an_undecodable_byte_under_a_declared_utf_8_names_file_line_column_and_bytes(
    tmp_path: Path,
) -> None:
    path = _file(tmp_path, TEXT.encode("cp1252"))

    with pytest.raises(ImportRejected) as refused:
        read_text_table(path, encoding="utf-8")

    stage, description = refused.value.errors
    assert (stage.file, stage.row, stage.column) == (str(path), 2, "StageName")
    assert stage.value == "Dise\ufffdo Propuesta"
    assert stage.message == (
        "holds the byte b'\\xf1', which UTF-8 cannot read; "
        "if the file is not UTF-8, declare its encoding (e.g. cp1252)"
    )
    assert (description.row, description.column) == (2, "Description")
    assert "the bytes b'\\x93', b'\\x94', b'\\x80'" in description.message


def test_a_file_that_is_utf_8_but_for_a_stray_byte_is_refused_not_read_as_cp1252(
    tmp_path: Path,
) -> None:
    data = "Id,StageName\nOPP-1,Diseño Propuesta\n".encode() + b"OPP-2,Negociaci\xf3n\n"
    path = _file(tmp_path, data)

    with pytest.raises(ImportRejected) as refused:
        read_text_table(path)

    [problem] = refused.value.errors
    assert (problem.row, problem.column, problem.value) == (3, "StageName", "Negociaci\ufffdn")
    assert "the rest of the file is UTF-8, so it was not read as cp1252" in problem.message


def test_a_byte_order_mark_wins_over_a_declared_encoding_and_says_so(tmp_path: Path) -> None:
    rows, notes = _read(_file(tmp_path, codecs.BOM_UTF8 + TEXT.encode()), encoding="cp1252")
    assert rows[0]["StageName"] == "Diseño Propuesta"
    assert notes == [
        "Opportunity.csv: starts with a UTF-8 byte-order mark, so it was read as UTF-8, "
        "not as the declared cp1252 (Windows-1252)"
    ]


@pytest.mark.parametrize("name", ["klingon", "base64"])
def test_an_unknown_encoding_is_refused_as_the_field_encoding(tmp_path: Path, name: str) -> None:
    with pytest.raises(PipefitError, match=f"unknown encoding '{name}'") as refused:
        read_text_table(_file(tmp_path, TEXT.encode()), encoding=name)
    assert refused.value.field == "encoding"
    assert "--" not in str(refused.value)
    assert describe(refused.value).endswith("(--encoding)")


def test_types_are_converted_while_reading_a_cp1252_file(tmp_path: Path) -> None:
    path = _file(tmp_path, "Etapa,Importe\nNegociación,9600\n".encode("cp1252"))
    table = read_text_table(path, types={"Importe": pa.int64()})
    assert table["Importe"].type == pa.int64()
    assert table.drop_columns([ROW]).to_pylist() == [{"Etapa": "Negociación", "Importe": 9600}]
