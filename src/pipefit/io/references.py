"""References between records: which id columns name which record, and the check that each
names a record of the import or of the database.

Every id column of the native layout that names another record (an opportunity's account,
owner and presales engineer, an event's actor, a lead's contact, ...) is listed in
REFERENCES. Native files are refused row by row when one names nothing; a CRM export that
lacks the referenced file keeps the ids and says how many (a Note). Stage events of an
unknown deal are refused whatever the source. Set at a time: a million references cost a
few hash lookups; the database is asked once per record type and id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.imports import FILE, ROW, Note, RowError

if TYPE_CHECKING:
    from pipefit.io.batch import Batch

__all__ = [
    "EXAMPLES",
    "KEYS",
    "REFERENCES",
    "Reference",
    "WhichStored",
    "check_references",
    "counted",
    "files_of",
    "flat",
    "stand_ins",
]

WhichStored = Callable[[str, pa.Array], pa.Array]
"""(record type, distinct ids) -> a boolean per id: does the database hold it?"""

EXAMPLES = 20  # ids kept on a note (it shows the first few)

# The key of each record type a reference can point at.
KEYS = {
    "accounts": "account_id",
    "contacts": "contact_id",
    "leads": "lead_id",
    "opportunities": "opportunity_id",
    "people": "person_id",
    "pools": "pool_id",
    "teams": "team_id",
}
# One and many of each record type, for messages.
_NOUNS = {
    "accounts": ("account", "accounts"),
    "activities": ("activity", "activities"),
    "contacts": ("contact", "contacts"),
    "credit_splits": ("credit split", "credit splits"),
    "customer_outcomes": ("customer outcome", "customer outcomes"),
    "handoffs": ("handoff", "handoffs"),
    "leads": ("lead", "leads"),
    "opportunities": ("opportunity", "opportunities"),
    "opportunity_changes": ("amount or close-date change", "amount or close-date changes"),
    "people": ("person", "people"),
    "pool_members": ("pool member", "pool members"),
    "pools": ("pool", "pools"),
    "quotas": ("quota", "quotas"),
    "stage_events": ("stage event", "stage events"),
    "teams": ("team", "teams"),
}


def counted(n: int, record: str, verb: tuple[str, str] | None = None) -> str:
    """`3 opportunities`, or with a verb that agrees: `1 opportunity has`, `3 ... have`."""
    one, many = _NOUNS[record]
    text = f"{n:,} {one if n == 1 else many}"
    return text if verb is None else f"{text} {verb[0] if n == 1 else verb[1]}"


NAMES = ("names", "name")


def _a(record: str) -> str:
    one = _NOUNS[record][0]
    return ("an " if one[0] in "aeiou" else "a ") + one


@dataclass(frozen=True)
class Reference:
    """`entity.column` holds the key of a `target` record (on rows where `when` holds)."""

    entity: str
    column: str
    target: str
    when: tuple[str, str] | None = None  # (column, value)
    always: bool = False  # refused whatever the source, not only in native files


REFERENCES: tuple[Reference, ...] = (
    Reference("teams", "manager_id", "people"),
    Reference("people", "team_id", "teams"),
    Reference("pool_members", "pool_id", "pools"),
    Reference("pool_members", "person_id", "people"),
    Reference("contacts", "account_id", "accounts"),
    Reference("leads", "account_id", "accounts"),
    Reference("leads", "contact_id", "contacts"),
    Reference("leads", "owner_id", "people"),
    Reference("opportunities", "account_id", "accounts"),
    Reference("opportunities", "lead_id", "leads"),
    Reference("opportunities", "owner_id", "people"),
    Reference("opportunities", "presales_id", "people"),
    Reference("stage_events", "opportunity_id", "opportunities", always=True),
    Reference("stage_events", "actor_id", "people"),
    Reference("opportunity_changes", "opportunity_id", "opportunities", always=True),
    Reference("activities", "opportunity_id", "opportunities"),
    Reference("activities", "lead_id", "leads"),
    Reference("activities", "actor_id", "people"),
    Reference("handoffs", "lead_id", "leads"),
    Reference("handoffs", "from_id", "people"),
    Reference("handoffs", "to_id", "people"),
    Reference("customer_outcomes", "account_id", "accounts"),
    Reference("quotas", "owner_id", "people", when=("owner_kind", "person")),
    Reference("quotas", "owner_id", "pools", when=("owner_kind", "pool")),
    Reference("credit_splits", "opportunity_id", "opportunities"),
    Reference("credit_splits", "person_id", "people"),
)


class _Stored:
    """Asks the database once per record type and id (several references share a target),
    set at a time: a million references cost a few hash lookups, not a Python loop."""

    def __init__(self, which_stored: WhichStored) -> None:
        self._which_stored = which_stored
        self._asked: dict[str, list[pa.Array]] = {}
        self._unknown: dict[str, list[pa.Array]] = {}

    def unknown(self, target: str, ids: pa.Array) -> pa.Array:
        """Those of the distinct `ids` the database does not hold."""
        asked = self._asked.setdefault(target, [])
        unknown = self._unknown.setdefault(target, [])
        new, old = ids, None
        if asked:
            seen = pc.is_in(ids, value_set=pa.concat_arrays(asked))
            new, old = pc.filter(ids, pc.invert(seen)), pc.filter(ids, seen)
        missing = pa.array([], pa.string())
        if len(new):
            stored = pc.fill_null(self._which_stored(target, new), False)
            missing = pc.filter(new, pc.invert(stored))
            asked.append(new)
            unknown.append(missing)
        if old is not None and len(old):
            # Some were asked for an earlier reference: their answer stands (ids in order).
            missing = pc.filter(ids, pc.is_in(ids, value_set=pa.concat_arrays(unknown)))
        return missing


def check_references(batch: Batch, stored: WhichStored) -> None:
    """Every reference names a record of this import or of the database (see REFERENCES)."""
    lookup = _Stored(stored)
    native = batch.source == "native"
    for ref in REFERENCES:
        table = batch.tables.get(ref.entity)
        if table is None or table.num_rows == 0 or ref.column not in table.column_names:
            continue
        values = table[ref.column]
        applies = pc.is_valid(values)
        if ref.when is not None:
            column, value = ref.when
            if column not in table.column_names:
                continue
            applies = pc.and_(applies, pc.fill_null(pc.equal(table[column], value), False))
            ids = flat(pc.unique(pc.filter(values, applies)))
        else:
            # Distinct first: millions of event rows name far fewer deals and people.
            ids = flat(pc.drop_null(pc.unique(values)))
        if len(ids) == 0:
            continue
        target = batch.tables.get(ref.target)
        if target is not None and target.num_rows and KEYS[ref.target] in target.column_names:
            in_batch = target[KEYS[ref.target]].combine_chunks()
            ids = pc.filter(ids, pc.invert(pc.is_in(ids, value_set=in_batch)))
        if len(ids) == 0:
            continue
        missing = lookup.unknown(ref.target, ids)
        if len(missing) == 0:
            continue
        bad = pc.and_(applies, pc.is_in(values, value_set=missing))
        rows = table.filter(bad).select([FILE, ROW, ref.column])
        if native or ref.always:
            message = f"names {_a(ref.target)} that is neither in this import nor in the database"
            batch.errors.extend(
                RowError(
                    r[FILE],
                    r[ROW],
                    batch.source_column(ref.entity, r[FILE], ref.column),
                    r[ref.column],
                    message,
                )
                for r in rows.to_pylist()
            )
        else:
            batch.findings.append(
                Note(
                    f"{counted(rows.num_rows, ref.entity, NAMES)} "
                    f"{counted(len(missing), ref.target, ('that is', 'that are'))} "
                    "neither in this import nor in the database",
                    "the ids are kept as given",
                    rows.num_rows,
                    tuple(str(i) for i in missing[:EXAMPLES].to_pylist()),
                    files_of(rows),
                    ref.column,
                )
            )


def files_of(rows: pa.Table) -> str:
    return ", ".join(str(f) for f in pc.unique(rows[FILE]).to_pylist())


def flat(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


# --- records a reader makes up from a reference ------------------------------------------


def stand_ins(record: str, column: str, ids: pa.Array, file: str, action: str) -> Note:
    """The note for records a CRM reader builds from the ids its deals name, when the export
    has no file of them (Salesforce's AccountId and OwnerId, HubSpot's owners and companies)."""
    shown = [str(i) for i in ids[:EXAMPLES].to_pylist()]
    return Note(
        f"{counted(len(ids), record, ('appears', 'appear'))} only as the {column} of opportunities "
        f"(this import has no file of {_NOUNS[record][1]})",
        action,
        len(ids),
        tuple(shown),
        file,
        column,
    )
