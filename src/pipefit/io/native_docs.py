"""The native CSV format as Markdown; docs/native-format.md is this text (a test checks)."""

from __future__ import annotations

from pipefit.io.native import ENTITIES

__all__ = ["native_format_markdown"]

_TYPES = {
    "str": "text",
    "int": "whole number, zero or more (`1200`, `1,200`)",
    "decimal": "exact decimal, zero or more unless noted (`1234.50`, `1,234.50`, `1.234,50`)",
    "bool": "`true`/`false` (also yes/no, 1/0)",
    "datetime": "date and time (`2026-03-02T14:30:00Z`, `2026-03-02`, `03/02/26 02:30 PM`)",
    "date": "date (`2026-03-02`, `02/03/2026`)",
}

_INTRO = """# pipefit's native CSV format

<!-- Generated from src/pipefit/io/native.py by `python -m pipefit.io.native_docs`;
     a test fails when this file and the code disagree. -->

One file per record type, named after it (`accounts.csv`, `stage_events.csv`, ...; case,
`-` and spaces do not matter). UTF-8, with or without a byte-order mark; a header row;
comma-separated; `"` quotes values that hold commas or line breaks. Columns may come in
any order; a column not listed here is refused (so a typo is not silently dropped);
optional columns may be left out. Empty cells are missing values.

Rows are matched to stored ones by their id columns (the **key**): importing the same
files twice changes nothing, and a changed row is updated in place. The stage log is
append-only: an event already stored for an (opportunity, seq) is kept as it is.

`pipefit import FILE... --format native` checks every file and every row before writing
anything; all problems are listed with file, row (line number; the header is row 1),
column and value, and nothing is written unless everything is valid.
"""


_VALUES = """
## Numbers and dates

**Numbers** are read exactly or refused. The decimal separator is read per column from
the values that settle it: `12,50` or `1.234,50` can only use a decimal comma, `12.50`
or `1,234.50` a decimal point; thousands may be grouped by `,`, `.`, a space or `'`
(`1 234,50`, `1'234.50`). A value that reads two ways with nothing in its column to
settle it (`1,234` alone: 1234 or 1.234) is refused with its row, as are malformed groups
(`1,2,3`, `12,34,5`); declare the separators to read such a file (`decimal` /
`thousands` in a mapping file; the file reader takes them as options too). A whole-number
column (`employees`) reads `1,234` as 1234. Decimals keep 4 places (more are rounded,
and the import says so); a value above 99,999,999,999,999.9999 (whole numbers: 18
digits) is refused as too large. Amounts are zero or more: a negative amount (`-1,000`,
`(1,000)`) is refused with its row; only a column noted as such (`margin`) may be below
zero.

A currency sign or code in an amount (`$1,200`, `1 200 €`, `EUR 1200`, `1.200,50 EUR`)
is read with the amount when the record keeps a currency (`opportunities`, `people`,
`quotas`): it must agree with the row's `currency` (a `€` amount in a `USD` row is
refused); a row without one takes the amount's (`$` alone is read as USD, and the import
says so). Records without a currency (`accounts.annual_revenue`, `pools.target`, ...)
refuse a currency in a number.

**Dates** are read per column, in any of these forms, each optionally followed by a time
of day, 24-hour (`14:30`, `14:30:05`) or 12-hour (`02:30 PM`): ISO 8601 (`2026-03-02`,
`2026-03-02T14:30:00Z`; UTC when no zone is given), numeric dates with the day and month
in either order and a four- or two-digit year (`02/03/2026`, `03/02/26`, `2.3.2026`), or
`2026/03/02`. The order of day and month is read from the values: a number above 12 can
only be a day (`23/02/2026` is DD/MM/YYYY, `02/23/26` is MM/DD/YY). A column where no
value settles it takes the order the file's other date columns show; when none does, the
column is refused unless the date format is declared (`pipefit import --date-format`,
or `date_format` in a mapping file), written as people write it (`DD/MM/YYYY`,
`MM/DD/YY hh:mm AM/PM`). Two-digit years 00-68 are 2000-2068, 69-99 are 1969-1999.
Impossible dates (`31/02/2026`, `13:05 PM`) are refused.
"""


def native_format_markdown() -> str:
    parts = [_INTRO, _VALUES]
    for spec in ENTITIES.values():
        parts.append(f"\n## `{spec.name}.csv`\n\n{spec.doc} Key: {', '.join(spec.key)}.\n")
        parts.append("\n| column | type | required | notes |\n|---|---|---|---|\n")
        for field in spec.fields:
            notes = field.doc
            if field.choices:
                allowed = ", ".join(f"`{c}`" for c in field.choices)
                notes = f"one of {allowed}" + (f"; {notes}" if notes else "")
            required = "yes" if field.required else ""
            parts.append(f"| `{field.name}` | {_TYPES[field.type]} | {required} | {notes} |\n")
    return "".join(parts)


if __name__ == "__main__":
    print(native_format_markdown(), end="")
