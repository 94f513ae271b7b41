"""The native CSV format as Markdown; docs/native-format.md is this text (a test checks)."""

from __future__ import annotations

from pipefit.io.native import ENTITIES
from pipefit.io.references import REFERENCES

__all__ = ["native_format_markdown"]

_TYPES = {
    "str": "text",
    "int": "whole number, zero or more (`1200`, `1,200`)",
    "decimal": "exact decimal, zero or more unless noted (`1234.50`, `1,234.50`, `1.234,50`)",
    "bool": "`true`/`false` (also yes/no, 1/0)",
    "datetime": "date and time (`2026-03-02T14:30:00Z`, `2026-03-02`, `03/02/26 02:30 PM`)",
    "date": "date (`2026-03-02`, `02/03/2026`)",
}

# One line on screen, too long for a line of code.
_UNDECODABLE = (
    "Opportunity.csv, row 2, column 'StageName': holds the byte b'\\xf1', which UTF-8 "
    "cannot read; if the file is not UTF-8, declare its encoding (e.g. cp1252) "
    "(value 'Dise\N{REPLACEMENT CHARACTER}o Propuesta')"
)

_INTRO = """# pipefit's native CSV format

<!-- Generated from src/pipefit/io/native.py by `python -m pipefit.io.native_docs`;
     a test fails when this file and the code disagree. -->

One file per record type, named after it (`accounts.csv`, `stage_events.csv`, ...; case,
`-` and spaces do not matter). A header row; comma-separated; `"` quotes values that
hold commas or line breaks; UTF-8 or another encoding (see "Encodings" below). Columns
may come in any order; a column not listed here is refused (so a typo is not silently
dropped); optional columns may be left out. Empty cells are missing values.

Rows are matched to stored ones by their id columns (the **key**): importing the same
files twice changes nothing, and a changed row is updated in place.

## Importing again

The same rules hold for every format (native, Salesforce, HubSpot, Maven, mappings):

- **Stage history only grows.** A deal's stored stage events are never changed or
  removed. The events of a new import are matched to the stored ones by time, stage and
  sub-state (not by `seq`). An export whose history starts with the stored one (a newer
  full export), or holds only what came after it (an incremental export), extends it:
  the events after the last stored one are added, numbered after it, each from the stage
  before it. An event that the stored history lacks, dated at or before its last event
  (another stage at a stored time, or a move inserted before the last stored one),
  contradicts it: the import is refused, naming each such opportunity, and nothing is
  written. A first new event that enters the stage the deal is already in is no move and
  is left out, with a note.
- **History files alone.** A stage-history file imported after its deals is read against
  each deal's own pipeline (the one stored with the deal), not the default one.
- **Snapshots build a history.** When a deal already stored comes again with another
  stage, amount or close date, and the import's own history does not record that change,
  the change happened between the two exports: a stage change is recorded as a stage
  event with source `snapshot`, an amount or close-date change as a row of the history
  of amounts and close dates (old and new value). Both are dated when the export was
  taken: the declared time (`--snapshot-at`), else the modification time of the file
  that holds the deals (now, if that is in the future); a note says which. Weekly
  exports of a CRM that keeps no history thus build one. An export dated before a
  deal's last recorded change would put an older state over a newer one: the import is
  refused for those deals (declare when the export was taken).
- **Amounts and close dates.** Their history (Salesforce's OpportunityHistory rows that
  change the amount or close date but not the stage, and snapshot changes) is kept apart
  from the stage log, append-only too: a change given again must be the stored one.
- **Source pipelines.** A CRM's own pipeline imported again keeps its stored stages in
  their order; a stage new to it takes its place after the stage before it in the export.

`pipefit import FILE... --format native` checks every file and every row before writing
anything, and writes nothing unless everything is valid (see "Rows and problems").

## Encodings

What follows holds for every format pipefit reads (native, Salesforce, HubSpot, Maven
and mapping files). Each file's encoding is found on its own, in this order:

1. A byte-order mark settles it: UTF-8, UTF-16 (little- or big-endian) or UTF-32.
2. Else the declared encoding, if any: `pipefit import --encoding cp1252`, or
   `encoding = "cp1252"` in a mapping file's `[source]`. Any name Python knows works
   (`utf-8`, `cp1252`, `latin-1`, `utf-16`, `mac-roman`, ...).
3. Else UTF-16 without a mark, when every other byte of the file's start is zero.
4. Else UTF-8, when every byte of the file is valid UTF-8. This is the fast path: the
   file is read as it is, on all cores.
5. Else cp1252 (Windows-1252), the encoding Excel and CRM exports on Windows write,
   with the five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as
   Latin-1. A file that is valid UTF-8 in places and not in others is refused instead:
   read as cp1252, its `ñ` would become `Ã±`.

When the encoding was guessed (cases 3 and 5), a note after the import names the file
and the encoding used:

```
note: Opportunity.csv: not UTF-8; read as cp1252 (Windows-1252)
```

A byte the file's encoding cannot read (under a declared encoding or a byte-order mark,
or in a file that is UTF-8 elsewhere) refuses the import. The problem names the file,
the line, the column by its header name, the bytes, and the value with each unreadable
byte shown as `�`:

```
{undecodable}
```

## Rows and problems

- **A row is named by the line it starts on**, the header being line 1 ("row 1"). Line
  breaks inside a quoted value and blank lines count as lines: after a three-line value
  on lines 2 to 4, the next row is row 5. Every format counts rows this way.
- **A value that does not parse is reported under its column as the file's header
  names it**: the source's column (`StageName`, `close_value`), not pipefit's field.
- **Every problem is reported, none left out**: rows with too many or too few values,
  values that do not parse, unknown stages, duplicate ids, references to unknown deals,
  bytes the encoding cannot read. Every file is read before the import is refused, so
  the problems of all files come in one run, listed by file, then by line.
- **On screen**, the first 200 problems are printed, then `... and N more`;
  `--errors-csv FILE` writes every one of them (columns `file`, `row`, `column`,
  `value`, `problem`).
- Nothing is written unless there is no problem at all.
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

## Records checked against each other

A column that names another record (an opportunity's `account_id`, `owner_id`, an event's
`actor_id`, ...; "names" below) must name one in the same import or already in the
database: a native file naming nothing is refused row by row; a CRM export that lacks the
referenced file keeps the ids and a note counts them. A stage event or an amount or
close-date change of an unknown deal is refused whatever the format.

A won or lost opportunity needs its `closed_at` (when it is empty, the time of its last
stage event into a won or lost stage is taken, with a note), not before `created_at` (a
close date without a time on the day of creation closes at the creation time, with a
note); a close before the deal's last stage event is moved to that event, with a note. An
open deal whose history ends in a won or lost stage is noted. A stage event more than a
few minutes ahead of the clock is refused. With `pipefit import --strict`, anything
noted about the records (not about how the files were read) refuses the import.
"""


def native_format_markdown() -> str:
    parts = [_INTRO.replace("{undecodable}", _UNDECODABLE), _VALUES]
    for spec in ENTITIES.values():
        parts.append(f"\n## `{spec.name}.csv`\n\n{spec.doc} Key: {', '.join(spec.key)}.\n")
        parts.append("\n| column | type | required | notes |\n|---|---|---|---|\n")
        for field in spec.fields:
            notes = field.doc
            if field.choices:
                allowed = ", ".join(f"`{c}`" for c in field.choices)
                notes = f"one of {allowed}" + (f"; {notes}" if notes else "")
            refs = [r for r in REFERENCES if (r.entity, r.column) == (spec.name, field.name)]
            if refs:
                rows = " or ".join(
                    f"`{r.target}.csv`" + (f" ({r.when[0]} {r.when[1]})" if r.when else "")
                    for r in refs
                )
                notes = f"names a row of {rows}" + (f"; {notes}" if notes else "")
            required = "yes" if field.required else ""
            parts.append(f"| `{field.name}` | {_TYPES[field.type]} | {required} | {notes} |\n")
    return "".join(parts)


if __name__ == "__main__":
    print(native_format_markdown(), end="")
