"""Which text encoding a CSV file is in, and every byte it cannot read.

The encoding of each file is, in this order:

1. the one its byte-order mark says (UTF-8, UTF-16 LE/BE, UTF-32);
2. the declared one, if any;
3. UTF-16 without a mark, when every other byte of its start is zero (with a note);
4. UTF-8, when the whole file is valid UTF-8 (pyarrow checks this as it reads);
5. else cp1252 (Windows-1252, as Excel and Windows CRMs write it), with Latin-1 for the
   five bytes cp1252 leaves undefined, and a note naming the file. A file that is valid
   UTF-8 in places and not in others is refused instead: it is damaged, not cp1252.

A byte that the chosen encoding cannot read is reported with its file, line, column (by
the header's name) and the bytes themselves; every such cell of the file is listed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipefit.domain.errors import PipefitError
from pipefit.io.errors import ImportRejected, RowError

__all__ = [
    "FALLBACK_ENCODING",
    "MARKED",
    "Encoding",
    "choose_encoding",
    "codec_name",
    "declared_encoding",
    "fallback_encoding",
    "has_marks",
    "records",
    "text_lines",
    "undecodable_cells",
]

FALLBACK_ENCODING = "cp1252"

MARKED = "pipefit.mark"  # an unreadable byte b becomes U+DC00 + b, to be reported
_CP1252_OR_LATIN1 = "pipefit.latin1"  # a byte cp1252 leaves undefined reads as Latin-1
_MARKS = re.compile("[\udc00-\udcff]+")
_CP1252_UNDEFINED = np.array([0x81, 0x8D, 0x8F, 0x90, 0x9D], np.uint8)
_SCAN_BLOCK = 16 << 20
_BOMS = (  # UTF-32 first: its little-endian mark starts like UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32": "UTF-32",
    "utf-32-le": "UTF-32 LE",
    "utf-32-be": "UTF-32 BE",
    "cp1252": "cp1252 (Windows-1252)",
    "iso8859-1": "Latin-1 (ISO 8859-1)",
}


def _marked(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end


def _latin1(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error(MARKED, _marked)
codecs.register_error(_CP1252_OR_LATIN1, _latin1)


def codec_name(name: str) -> str | None:
    """Python's name for a text encoding (`Windows-1252` -> `cp1252`); None if unknown."""
    try:
        codec = codecs.lookup(name.strip())
        "a".encode(codec.name)  # refuses codecs that are not text encodings (base64, ...)
    except (LookupError, UnicodeError):
        return None
    return codec.name


def declared_encoding(encoding: str | None) -> str | None:
    """The codec of a declared encoding (None: none declared); an unknown name is refused."""
    if encoding is None:
        return None
    codec = codec_name(encoding)
    if codec is None:
        raise PipefitError(
            f"unknown encoding {encoding!r}; use a name such as utf-8, cp1252, latin-1 or utf-16",
            field="encoding",
        )
    return codec


def _family(codec: str) -> str:
    return codec[:6] if codec.startswith(("utf-16", "utf-32")) else codec.removesuffix("-sig")


def _label(codec: str) -> str:
    return _LABELS.get(codec, codec)


@dataclass(frozen=True)
class Encoding:
    """How a file's bytes become text."""

    codec: str
    errors: str = MARKED  # MARKED: bytes it cannot read are refused and reported
    sure: bool = True  # declared, or a byte-order mark: never second-guessed
    note: str | None = None  # how it was chosen, when a person should know

    @property
    def fast(self) -> bool:
        """UTF-8: pyarrow reads the bytes as they are."""
        return self.codec in ("utf-8", "utf-8-sig")

    @property
    def text_codec(self) -> str:
        return "utf-8-sig" if self.fast else self.codec

    @property
    def label(self) -> str:
        return _label(self.codec)


def _utf16_without_mark(head: bytes) -> str | None:
    pairs = len(head) // 2
    if pairs < 2 or b"\x00" not in head:
        return None
    even, odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if odd >= 0.4 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def choose_encoding(path: Path, declared: str | None) -> Encoding:
    """The encoding to read `path` in before reading it (`declared`: a codec name).

    UTF-8 (the default) is only a first guess: `fallback_encoding` says what to do when
    the file turns out not to be UTF-8."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    for mark, codec in _BOMS:
        if head.startswith(mark):
            note = None
            if declared is not None and _family(declared) != _family(codec):
                note = (
                    f"{path.name}: starts with a {_label(codec)} byte-order mark, so it was "
                    f"read as {_label(codec)}, not as the declared {_label(declared)}"
                )
            return Encoding(codec, note=note)
    if declared is not None:
        return Encoding(declared)
    if (utf16 := _utf16_without_mark(head)) is not None:
        note = (
            f"{path.name}: no byte-order mark, but every other byte is zero: "
            f"read as {_label(utf16)}"
        )
        return Encoding(utf16, note=note)
    return Encoding("utf-8", sure=False)


def text_lines(path: Path, encoding: Encoding, errors: str | None = None) -> io.TextIOWrapper:
    """The file as text, line ends kept as they are (for the csv module)."""
    return io.TextIOWrapper(
        path.open("rb"), encoding=encoding.text_codec, errors=errors or encoding.errors, newline=""
    )


def records(handle: io.TextIOWrapper) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its values) for every record, blank lines left out."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    reader = csv.reader(handle)
    previous = 0
    for record in reader:
        start, previous = previous + 1, reader.line_num
        if record:
            yield start, record


def has_marks(text: str) -> bool:
    """Whether text decoded with the MARKED handler holds bytes it could not read."""
    return _MARKS.search(text) is not None


def undecodable_cells(path: Path, encoding: Encoding, *, mixed: bool = False) -> list[RowError]:
    """Every cell holding bytes the encoding cannot read: line, column and the bytes."""
    if mixed:
        hint = (
            "; the rest of the file is UTF-8, so it was not read as cp1252: fix these "
            "bytes, or declare the file's encoding"
        )
    elif encoding.fast:
        hint = "; if the file is not UTF-8, declare its encoding (e.g. cp1252)"
    else:
        hint = ""
    problems: list[RowError] = []
    header: list[str] | None = None
    with text_lines(path, encoding, MARKED) as handle:
        for line, record in records(handle):
            is_header = header is None
            if header is None:
                header = [_MARKS.sub("\ufffd", name.strip().lstrip("\ufeff")) for name in record]
            for i, cell in enumerate(record):
                runs = _MARKS.findall(cell)
                if not runs:
                    continue
                found = [bytes(ord(c) - 0xDC00 for c in run) for run in runs]
                what = "the byte" if sum(map(len, found)) == 1 else "the bytes"
                column = None if is_header else header[i] if i < len(header) else f"#{i + 1}"
                problems.append(
                    RowError(
                        str(path),
                        line,
                        column,
                        _MARKS.sub("\ufffd", cell),
                        f"holds {what} {', '.join(map(repr, found))}, "
                        f"which {encoding.label} cannot read{hint}",
                    )
                )
    return problems or [RowError(str(path), None, None, None, f"is not {encoding.label} text")]


def _has_utf8_characters(data: np.ndarray) -> bool:
    """Whether the bytes hold a multi-byte UTF-8 character (a lead byte and as many
    continuation bytes as it announces), checked set-at-a-time."""
    follows = (data & 0xC0) == 0x80
    for low, high, count in ((0xC2, 0xDF, 1), (0xE0, 0xEF, 2), (0xF0, 0xF4, 3)):
        found = ((data >= low) & (data <= high))[: len(data) - count]
        for k in range(1, count + 1):
            found &= follows[k : len(data) - count + k]
        if found.any():
            return True
    return False


def _scan(path: Path) -> tuple[bool, bool]:
    """(holds UTF-8 characters, holds bytes cp1252 leaves undefined), block by block."""
    utf8 = undefined = False
    carry = b""  # a character may straddle two blocks
    with path.open("rb") as handle:
        while not utf8 and (chunk := handle.read(_SCAN_BLOCK)):
            block = np.frombuffer(carry + chunk, np.uint8)
            utf8 = _has_utf8_characters(block)
            undefined = undefined or bool(np.isin(block, _CP1252_UNDEFINED).any())
            carry = chunk[-3:]
    return utf8, undefined


def fallback_encoding(path: Path, tried: Encoding) -> Encoding:
    """What to read a file in that turned out not to be in `tried` (UTF-8): cp1252 when
    nothing was declared; else refused, with every cell `tried` cannot read."""
    if tried.sure:
        raise ImportRejected(undecodable_cells(path, tried))
    utf8, undefined = _scan(path)
    if utf8:
        raise ImportRejected(undecodable_cells(path, tried, mixed=True))
    note = f"{path.name}: not UTF-8; read as {_label(FALLBACK_ENCODING)}"
    if undefined:
        note += ", with the bytes it leaves undefined read as Latin-1"
    return Encoding(FALLBACK_ENCODING, _CP1252_OR_LATIN1, sure=False, note=note)
