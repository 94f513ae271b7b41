"""Maven Analytics' "CRM Sales Opportunities" layout (a fictional B2B hardware seller).

Files, recognised by name: `sales_pipeline.csv` (one row per deal: current stage and two
dates), `accounts.csv`, `products.csv`, `sales_teams.csv`; `data_dictionary.csv` is skipped.
Maven keeps no stage history, so each deal's events are derived from its two dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline, Stage
from pipefit.io.batch import ROW, Batch
from pipefit.io.csv_files import Progress
from pipefit.io.errors import RowError
from pipefit.io.native import ENTITIES, EntitySpec
from pipefit.io.parsing import FieldSpec
from pipefit.io.source_columns import (
    build_table,
    count_true,
    first_of_each,
    line_numbers,
    rename_values,
    slugs,
    text_column,
)

__all__ = ["PIPELINE", "read_maven"]

PIPELINE = Pipeline(
    "maven",
    (
        Stage("Prospecting"),
        Stage("Engaging"),
        Stage("Won", Category.WON),
        Stage("Lost", Category.LOST),
    ),
    origin="maven",
)

COLUMNS = {
    "sales_pipeline": (
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
    ),
    "accounts": ("account", "sector", "revenue", "employees", "office_location"),
    "products": ("product",),
    "sales_teams": ("sales_agent", "manager", "regional_office"),
}
IGNORED = ("data_dictionary",)
# Known misspellings in Maven's accounts.csv.
TYPOS = {"sector": {"technolgy": "technology"}, "office_location": {"Philipines": "Philippines"}}
MILLION = pa.scalar(Decimal(1_000_000), pa.decimal128(7, 0))
_DATES = EntitySpec(
    "maven_dates",
    (FieldSpec("engage_date", "datetime"), FieldSpec("close_date", "datetime")),
    (),
    "",
)


def _kind(path: Path) -> str:
    return path.stem.strip().lower().replace("-", "_").replace(" ", "_")


def _fix_typos(batch: Batch, raw: pa.Table, column: str) -> pa.Array:
    original = text_column(raw, column)
    fixed = rename_values(original, TYPOS[column])
    for wrong, right in TYPOS[column].items():
        hits = count_true(pc.equal(pc.utf8_lower(original), wrong.lower()))
        if hits:
            rows = f"{hits} account" + ("s" if hits != 1 else "")
            batch.notes.append(f"accounts.csv: {column} '{wrong}' read as '{right}' ({rows})")
    return fixed


def _accounts(batch: Batch, path: Path, raw: pa.Table) -> pa.Array:
    name = text_column(raw, "account")
    columns = {
        "account_id": slugs(name),
        "name": name,
        "industry": _fix_typos(batch, raw, "sector"),
        "employees": text_column(raw, "employees"),
        "annual_revenue": text_column(raw, "revenue"),
        "region": _fix_typos(batch, raw, "office_location"),
    }
    origin = {
        "account_id": "account",
        "name": "account",
        "industry": "sector",
        "employees": "employees",
        "annual_revenue": "revenue",
        "region": "office_location",
    }
    table = build_table(
        ENTITIES["accounts"],
        columns,
        rows=line_numbers(raw),
        file=str(path),
        errors=batch.errors,
        origin=origin,
    )
    millions = table["annual_revenue"].combine_chunks()
    huge = pc.fill_null(pc.greater_equal(millions, pa.scalar(Decimal(10**8))), False)
    batch.errors.extend(
        RowError(str(path), i + 2, "revenue", raw["revenue"][i].as_py(), "is too large (millions)")
        for i in pc.indices_nonzero(huge).to_pylist()
    )
    millions = pc.if_else(huge, pa.scalar(None, millions.type), millions)
    revenue = pc.cast(pc.multiply(millions, MILLION), pa.decimal128(18, 4))
    table = table.set_column(table.column_names.index("annual_revenue"), "annual_revenue", revenue)
    batch.add("accounts", table)
    batch.notes.append("accounts.csv: revenue is in millions; stored as annual_revenue x 1,000,000")
    return columns["account_id"]


def _teams(batch: Batch, path: Path, raw: pa.Table) -> pa.Array:
    agent, manager = text_column(raw, "sales_agent"), text_column(raw, "manager")
    office = text_column(raw, "regional_office")
    team_id, manager_id, rows = slugs(office), slugs(manager), line_numbers(raw)
    file, people = str(path), ENTITIES["people"]

    def role(count: int, name: str) -> pa.Array:
        return pa.repeat(pa.scalar(name, pa.string()), count)

    agents = {
        "person_id": slugs(agent),
        "name": agent,
        "role": role(len(agent), "sales_rep"),
        "team_id": team_id,
    }
    origin = {"person_id": "sales_agent", "name": "sales_agent", "team_id": "regional_office"}
    batch.add(
        "people",
        build_table(people, agents, rows=rows, file=file, errors=batch.errors, origin=origin),
    )
    first = first_of_each(manager_id)
    managers = {
        "person_id": manager_id.take(first),
        "name": manager.take(first),
        "role": role(len(first), "manager"),
        "team_id": team_id.take(first),
    }
    origin = origin | {"person_id": "manager", "name": "manager"}
    batch.add(
        "people",
        build_table(
            people, managers, rows=rows.take(first), file=file, errors=batch.errors, origin=origin
        ),
    )
    first = first_of_each(team_id)
    teams = {
        "team_id": team_id.take(first),
        "name": office.take(first),
        "region": office.take(first),
        "manager_id": manager_id.take(first),
    }
    batch.add(
        "teams",
        build_table(
            ENTITIES["teams"],
            teams,
            rows=rows.take(first),
            file=file,
            errors=batch.errors,
            origin={"manager_id": "manager"},
        ),
    )
    managed: dict[str, list[str]] = {}
    for place, boss in zip(office.to_pylist(), manager.to_pylist(), strict=True):
        if place and boss and boss not in managed.setdefault(place, []):
            managed[place].append(boss)
    for place, bosses in managed.items():
        if len(bosses) > 1:
            batch.notes.append(
                f"sales_teams.csv: regional office {place} has {len(bosses)} managers "
                f"({', '.join(bosses)}); the team's manager is the first, {bosses[0]}"
            )
    return slugs(agent)


def _canonical_products(batch: Batch, product: pa.Array, catalogue: pa.Array | None) -> pa.Array:
    """`GTXPro` -> `GTX Pro`: match products.csv ignoring spaces and case."""
    if catalogue is None:
        return product
    names = [n for n in catalogue.to_pylist() if n]
    squashed = pc.replace_substring_regex(product, r"\s+", "")
    renamed = rename_values(squashed, {n.replace(" ", ""): n for n in names})
    known = pc.is_in(pc.utf8_lower(squashed), pa.array([n.replace(" ", "").lower() for n in names]))
    result = pc.if_else(known, renamed, product)
    changed = pc.fill_null(pc.not_equal(result, product), False)
    pairs = pa.table({"old": product, "new": result}).filter(changed)
    for row in pairs.group_by(["old", "new"]).aggregate([([], "count_all")]).to_pylist():
        batch.notes.append(
            f"sales_pipeline.csv: product '{row['old']}' read as '{row['new']}' "
            f"({row['count_all']:,} deals)"
        )
    unknown = pc.unique(pc.filter(product, pc.invert(pc.fill_null(known, True)))).to_pylist()
    if unknown:
        batch.notes.append(
            f"sales_pipeline.csv: products not in products.csv kept as given: "
            f"{', '.join(map(str, unknown))}"
        )
    return result


def _check_known(
    batch: Batch, file: str, raw: pa.Table, ids: pa.Array, known: pa.Array, column: str, what: str
) -> None:
    missing = pc.and_(pc.is_valid(ids), pc.invert(pc.is_in(ids, value_set=known)))
    lines = line_numbers(raw)
    for i in pc.indices_nonzero(missing).to_pylist():
        value = raw[column][i].as_py()
        batch.errors.append(RowError(file, lines[i].as_py(), column, value, f"is not {what}"))


def _deals(batch: Batch, path: Path, raw: pa.Table, references: dict[str, pa.Array]) -> None:
    file, rows = str(path), line_numbers(raw)
    stage = text_column(raw, "deal_stage")
    folded = pc.utf8_lower(stage)
    prospecting = pc.fill_null(pc.equal(folded, "prospecting"), False)
    closed = pc.fill_null(pc.is_in(folded, pa.array(["won", "lost"])), False)
    dates = build_table(
        _DATES,
        {
            "engage_date": text_column(raw, "engage_date"),
            "close_date": text_column(raw, "close_date"),
        },
        rows=rows,
        file=file,
        errors=batch.errors,
    )
    engaged, closed_at = dates["engage_date"].combine_chunks(), dates["close_date"].combine_chunks()
    earliest = pc.min(pa.chunked_array([engaged, closed_at]))
    start = pc.if_else(prospecting, earliest, pa.scalar(None, engaged.type))
    created = pc.coalesce(engaged, start)
    for column, need, who in (
        ("engage_date", pc.invert(prospecting), "Engaging, Won and Lost"),
        ("close_date", closed, "Won and Lost"),
    ):
        empty = pc.and_(need, pc.is_null(text_column(raw, column)))
        batch.errors.extend(
            RowError(file, i + 2, column, None, f"is empty; {who} deals need it")
            for i in pc.indices_nonzero(empty).to_pylist()
        )
    account = text_column(raw, "account")
    columns = {
        "opportunity_id": text_column(raw, "opportunity_id"),
        "account_id": slugs(account),
        "pipeline": pa.repeat(pa.scalar(PIPELINE.name), raw.num_rows),
        "stage": stage,
        "amount": text_column(raw, "close_value"),
        "owner_id": slugs(text_column(raw, "sales_agent")),
        "created_at": created,
        "closed_at": closed_at,
        "product": _canonical_products(
            batch, text_column(raw, "product"), references.get("products")
        ),
    }
    origin = {
        "opportunity_id": "opportunity_id",
        "account_id": "account",
        "stage": "deal_stage",
        "amount": "close_value",
        "owner_id": "sales_agent",
        "product": "product",
    }
    for name, column, what in (
        ("accounts", "account", "an account of accounts.csv"),
        ("agents", "sales_agent", "a sales agent of sales_teams.csv"),
    ):
        if name in references:
            ids = columns["account_id" if name == "accounts" else "owner_id"]
            _check_known(batch, file, raw, ids, references[name], column, what)
    opps = build_table(
        ENTITIES["opportunities"], columns, rows=rows, file=file, errors=batch.errors, origin=origin
    )
    batch.add("opportunities", opps)
    batch.pipelines.append(PIPELINE)
    _events(batch, opps, prospecting, closed)
    _deal_notes(batch, raw, folded, prospecting, account, earliest)


def _events(batch: Batch, opps: pa.Table, prospecting: pa.Array, closed: pa.Array) -> None:
    """An event into Engaging at the engage date (Prospecting deals: into Prospecting at
    their created date), and for closed deals one into Won or Lost at the close date."""
    spec, file = ENTITIES["stage_events"], str(opps["__file"][0]) if opps.num_rows else ""
    count = opps.num_rows
    first = {
        "opportunity_id": opps["opportunity_id"].combine_chunks(),
        "seq": pa.repeat(pa.scalar(1, pa.int64()), count),
        "to_stage": pc.if_else(prospecting, "Prospecting", "Engaging"),
        "at": opps["created_at"].combine_chunks(),
    }
    done = opps.filter(closed)
    second = {
        "opportunity_id": done["opportunity_id"].combine_chunks(),
        "seq": pa.repeat(pa.scalar(2, pa.int64()), done.num_rows),
        "from_stage": pa.repeat(pa.scalar("Engaging"), done.num_rows),
        "to_stage": done["stage"].combine_chunks(),
        "at": done["closed_at"].combine_chunks(),
    }
    for columns, rows in ((first, opps[ROW]), (second, done[ROW])):
        batch.add(
            "stage_events",
            build_table(spec, columns, rows=rows.combine_chunks(), file=file, errors=batch.errors),
        )


def _deal_notes(
    batch: Batch,
    raw: pa.Table,
    folded: pa.Array,
    prospecting: pa.Array,
    account: pa.Array,
    earliest: pa.Scalar,
) -> None:
    undated = count_true(pc.and_(prospecting, pc.is_null(text_column(raw, "engage_date"))))
    if undated:
        day = earliest.as_py().date().isoformat() if earliest.is_valid else "unknown"
        batch.notes.append(
            f"sales_pipeline.csv: {undated:,} Prospecting deals have no engage date (Maven dates "
            f"nothing before Engaging); their created_at and first stage event are the earliest "
            f"date in the file, {day}"
        )
    zero = count_true(
        pc.and_(pc.equal(folded, "lost"), pc.equal(text_column(raw, "close_value"), "0"))
    )
    if zero:
        batch.notes.append(
            f"sales_pipeline.csv: {zero:,} lost deals have close_value 0; kept as "
            "amount 0 (Maven does not record what a lost deal was worth)"
        )
    open_deal = pc.fill_null(pc.is_in(folded, pa.array(["prospecting", "engaging"])), False)
    no_account = count_true(pc.and_(open_deal, pc.is_null(account)))
    if no_account:
        batch.notes.append(
            f"sales_pipeline.csv: {no_account:,} open deals have no account; kept without one"
        )
    batch.notes.append(
        "sales_pipeline.csv: Maven keeps no stage history; each deal's events "
        "are derived from its engage and close dates"
    )


def read_maven(
    paths: Sequence[Path], progress: Progress | None = None, *, encoding: str | None = None
) -> Batch:
    """Read the Maven CRM files among `paths` into one batch (pipeline "maven"); without
    `encoding`, each file's is detected."""
    batch = Batch(source="maven", files=[str(p) for p in paths])
    found: dict[str, tuple[Path, pa.Table]] = {}
    for path in paths:
        kind = _kind(path)
        if kind in IGNORED:
            batch.notes.append(f"{path.name}: skipped (documentation, not data)")
            continue
        if kind not in COLUMNS or kind in found:
            names = ", ".join(f"{k}.csv" for k in COLUMNS)
            message = (
                f"is a second {kind}.csv in this import"
                if kind in found
                else f"is not a file of the Maven CRM layout; expected: {names}"
            )
            batch.errors.append(RowError(str(path), None, None, None, message))
            continue
        raw = batch.read_csv(path, progress, encoding=encoding)
        if raw is None:
            continue
        raw = raw.rename_columns([c.strip().lower() for c in raw.column_names])
        missing = [c for c in COLUMNS[kind] if c not in raw.column_names]
        batch.errors.extend(
            RowError(str(path), 1, c, None, "required column is missing from the header")
            for c in missing
        )
        if not missing:
            found[kind] = (path, raw)
    references: dict[str, pa.Array] = {}
    if "products" in found:
        references["products"] = text_column(found["products"][1], "product")
    if "accounts" in found:
        references["accounts"] = _accounts(batch, *found["accounts"])
    if "sales_teams" in found:
        references["agents"] = _teams(batch, *found["sales_teams"])
    if "sales_pipeline" in found:
        _deals(batch, *found["sales_pipeline"], references)
    return batch
