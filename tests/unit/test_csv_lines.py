"""A row is named by the line of the file it starts on, the header being line 1: values
over several lines and blank lines do not shift the rows after them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipefit.domain.imports import ROW
from pipefit.io.csv_files import read_text_table
from pipefit.io.errors import ImportRejected


def _lines(tmp_path: Path, data: bytes) -> list[int]:
    path = tmp_path / "deals.csv"
    path.write_bytes(data)
    return read_text_table(path)[ROW].to_pylist()


def test_each_row_of_a_plain_file_is_its_line(tmp_path: Path) -> None:
    assert _lines(tmp_path, b"id,name\nD1,Alpha\nD2,Beta\nD3,Gamma\n") == [2, 3, 4]


def test_a_quoted_value_over_three_lines_moves_the_next_row_two_lines_down(
    tmp_path: Path,
) -> None:
    data = b'id,note\nD1,"first\nsecond\nthird"\nD2,plain\nD3,"a\r\nb"\nD4,last\n'
    assert _lines(tmp_path, data) == [2, 5, 6, 8]


def test_blank_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    assert _lines(tmp_path, b'id,name\n\nD1,Alpha\n\n\nD2,"x\ny"\nD3,z\n\n') == [3, 6, 8]


def test_crlf_and_a_last_line_without_a_line_end_count_the_same(tmp_path: Path) -> None:
    assert _lines(tmp_path, b'id,name\r\nD1,"a\r\nb"\r\nD2,c') == [2, 4]


def test_lines_are_counted_in_a_cp1252_file_as_in_a_utf_8_one(tmp_path: Path) -> None:
    data = 'id,nota\r\nD1,"Reunión\r\ncon dirección"\r\nD2,Negociación\r\n'.encode("cp1252")
    assert _lines(tmp_path, data) == [2, 4]


def test_rows_with_too_many_or_too_few_values_are_each_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(b'id,name\nD1,"two\nlines"\nD2\nD3,x,extra\nD4,ok\n')

    with pytest.raises(ImportRejected) as refused:
        read_text_table(path)

    assert [(e.row, e.message) for e in refused.value.errors] == [
        (4, "has 1 value; the header has 2 columns"),
        (5, "has 3 values; the header has 2 columns"),
    ]


def test_an_empty_file_is_refused_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(b"")
    with pytest.raises(ImportRejected) as refused:
        read_text_table(path)
    assert [(e.row, e.message) for e in refused.value.errors] == [
        (1, "the file is empty (no header)")
    ]
