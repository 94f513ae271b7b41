"""The native CSV format as Markdown; docs/native-format.md is this text (a test checks)."""

from __future__ import annotations

from pipefit.io.native import ENTITIES
from pipefit.io.references import REFERENCES

__all__ = ["native_format_markdown"]

_TYPES = {
    "str": "text",
    "int": "whole number",
    "decimal": "exact decimal (`1234.50`; `,` thousands separators allowed)",
    "bool": "`true`/`false` (also yes/no, 1/0)",
    "datetime": (
        "ISO 8601 (`2026-03-02`, `2026-03-02 14:30`, `2026-03-02T14:30:00Z`); UTC if no zone"
    ),
    "date": "ISO 8601 date (`2026-03-02`)",
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

Records are checked against each other too. A column that names another record (an
opportunity's `account_id`, `owner_id`, an event's `actor_id`, ...; "names" below) must
name one in the same import or already in the database. A won or lost opportunity needs
its `closed_at` (when it is empty, the time of its last stage event into a won or lost
stage is taken, with a note), not before `created_at` (a close date without a time on the
day of creation closes at the creation time, with a note); a close before the deal's last
stage event is moved to that event, with a note. A stage event more than a few minutes
ahead of the clock is refused. With `--strict`, anything noted refuses the import.
"""


def native_format_markdown() -> str:
    parts = [_INTRO]
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
