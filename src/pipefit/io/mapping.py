"""Any other CSV layout, read through a small TOML mapping file (format: docs/mappings.md).

A mapping says which file holds which record type, which source column feeds each
native field, how source values are renamed, and which pipeline the stages belong to:
the source's own (`[pipeline]`) or the workspace's (`[stages]` renames onto it). A file
may join another on a key (`join`), take only some rows (`where`) and set a field from
other columns (`when`: mapping_rules.py, mapping_joins.py).
Every problem in the mapping is reported at once, each naming its key, and every error in
the files names the source's own column.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.clock import MAX_AHEAD, utc_now
from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline, Stage
from pipefit.io.batch import Batch
from pipefit.io.csv_files import Progress
from pipefit.io.dates import to_strptime
from pipefit.io.encodings import codec_name
from pipefit.io.errors import RowError
from pipefit.io.mapping_frames import Found, field_labels, in_joined_files, when_values
from pipefit.io.mapping_joins import MappedFiles
from pipefit.io.mapping_rules import (
    Condition,
    Join,
    Rule,
    parse_conditions,
    parse_joins,
    parse_when,
)
from pipefit.io.native import ENTITIES, EntitySpec
from pipefit.io.numbers import NumberFormat
from pipefit.io.parsing import ValueFormats
from pipefit.io.source_columns import (
    build_table,
    rename_values,
)

__all__ = ["SECTION_KEYS", "FileRule", "SourceMapping", "load_mapping", "read_mapped"]

# Keys of a [files.<key>] section; it and [source] may also say how values are written.
FORMAT_KEYS = ("date_format", "decimal", "thousands")
# Fields that hold stage names: `[stages]` renames their values onto a workspace pipeline.
STAGE_FIELDS = {"opportunities": ("stage",), "stage_events": ("to_stage", "from_stage")}
CATEGORIES = tuple(str(c) for c in Category)


@dataclass(frozen=True)
class FileRule:
    """`[files.<key>]`: which files it reads and how their columns become native fields.
    Without an entity, its files are only read to be joined onto another section's."""

    key: str
    entity: EntitySpec | None
    match: str | None
    columns: dict[str, tuple[str, ...]]
    values: dict[str, dict[str, str]]
    constants: dict[str, str]
    date_format: str | None
    numbers: NumberFormat = field(default_factory=NumberFormat)
    date_formats: dict[str, str] = field(default_factory=dict)  # per field, over the file's
    where: tuple[Condition, ...] = ()
    joins: tuple[Join, ...] = ()
    when: dict[str, tuple[Rule, ...]] = field(default_factory=dict)

    def reads(self, path: Path) -> bool:
        if self.match is not None:
            return fnmatch.fnmatch(path.name.lower(), self.match.lower())
        return _plain(path.stem) == _plain(self.key)


@dataclass(frozen=True)
class SourceMapping:
    path: Path
    source: str
    date_format: str | None  # None or "auto": detected per column
    pipeline: Pipeline | None
    target_pipeline: str | None
    stages: dict[str, str]
    files: tuple[FileRule, ...]
    encoding: str | None = None  # None: detected per file
    numbers: NumberFormat = field(default_factory=NumberFormat)
    snapshot_at: datetime | None = None  # when the export was taken, if the mapping says


def _plain(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


class _Checker:
    """Reads values out of the parsed TOML, recording each problem under its key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[RowError] = []

    def bad(self, key: str | None, value: Any, message: str) -> None:
        shown = None if value is None or isinstance(value, dict | list) else str(value)
        self.errors.append(RowError(str(self.path), None, key, shown, message))

    def only(self, table: dict[str, Any], allowed: Sequence[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                self.bad(f"{where}{key}", None, f"is not a key here; use: {', '.join(allowed)}")

    def table(self, parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            self.bad(f"{where}{key}", value, "must be a table ([section] or {...})")
            return {}
        return value

    def text(self, parent: dict[str, Any], key: str, where: str) -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad(f"{where}{key}", value, "must be a non-empty string")
            return None
        return value.strip()

    def date_format(
        self, parent: dict[str, Any], where: str, key: str = "date_format"
    ) -> str | None:
        fmt = self.text(parent, key, where)
        if fmt is None or fmt == "auto":
            return fmt
        usable = to_strptime(fmt)
        if usable is None:
            self.bad(
                f"{where}{key}",
                fmt,
                'is not a usable date format; write e.g. "DD/MM/YYYY", "MM/DD/YY hh:mm AM/PM" '
                'or "auto"',
            )
        return usable

    def numbers(self, parent: dict[str, Any], where: str) -> NumberFormat:
        found = {}
        for key in ("decimal", "thousands"):
            value = parent.get(key)
            if value is not None and not isinstance(value, str):
                self.bad(f"{where}{key}", value, "must be a string")
            elif value is not None:
                found[key] = value
        numbers = NumberFormat(**found)
        if (problem := numbers.problem()) is not None:
            self.bad(f"{where}{problem[0]}", found.get(problem[0]), problem[1])
            return NumberFormat()
        return numbers

    def renames(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.bad(where, None, 'must be a table of "source value" = "pipefit value"')
            return {}
        return {str(k): v for k, v in value.items()}


def _pipeline(check: _Checker, section: dict[str, Any], origin: str) -> Pipeline | None:
    check.only(section, ("name", "stages"), "pipeline.")
    name = check.text(section, "name", "pipeline.")
    stages_value = section.get("stages")
    if name is None or not isinstance(stages_value, list) or not stages_value:
        check.bad("pipeline", None, "needs a name and a non-empty list of stages")
        return None
    stages: list[Stage] = []
    seen: set[str] = set()
    for i, entry in enumerate(stages_value):
        where = f"pipeline.stages[{i}]"
        if not isinstance(entry, dict):
            entry = {"name": entry} if isinstance(entry, str) else {}
        check.only(entry, ("name", "category"), where + ".")
        stage_name = check.text(entry, "name", where + ".")
        category = entry.get("category", "open")
        if stage_name is None:
            check.bad(where, None, "needs a name")
            continue
        if category not in CATEGORIES:
            check.bad(f"{where}.category", category, f"must be one of: {', '.join(CATEGORIES)}")
            continue
        if stage_name.casefold() in seen:
            check.bad(f"{where}.name", stage_name, "appears twice in the pipeline")
            continue
        seen.add(stage_name.casefold())
        stages.append(Stage(stage_name, Category(category)))
    return Pipeline(name, tuple(stages), origin=origin) if stages else None


def _field_names(
    check: _Checker, spec: EntitySpec, table: dict[str, Any], where: str
) -> dict[str, Any]:
    known = {k: v for k, v in table.items() if k in spec.field_names}
    for key in table:
        if key not in known:
            fields = ", ".join(spec.field_names)
            check.bad(
                f"{where}{key}", None, f"is not a field of {spec.name}; its fields are: {fields}"
            )
    return known


SECTION_KEYS = (
    "entity",
    "match",
    "date_format",
    "columns",
    "values",
    "constants",
    "decimal",  # how numbers are written (io/numbers.py)
    "thousands",
    "date_formats",  # a date format per field
    "where",  # which rows (mapping_rules.py)
    "join",  # another file's columns on a key (mapping_joins.py)
    "when",  # a field from other columns (mapping_rules.py)
)
JOIN_ONLY_KEYS = ("match", "where")  # a section without entity is only joined


def _file_rule(check: _Checker, key: str, section: Any, sections: Sequence[str]) -> FileRule | None:
    where = f"files.{key}."
    if not isinstance(section, dict):
        check.bad(f"files.{key}", None, "must be a table")
        return None
    check.only(section, SECTION_KEYS, where)
    entity = check.text(section, "entity", where)
    rows_where = (
        parse_conditions(check, section["where"], f"{where}where") if "where" in section else ()
    )
    if entity is None and "entity" not in section:
        for name in section:
            if name not in JOIN_ONLY_KEYS:
                check.bad(
                    f"{where}{name}",
                    None,
                    "needs an entity: a section without one is only joined onto another "
                    f"(it may say {' and '.join(JOIN_ONLY_KEYS)})",
                )
        return FileRule(
            key, None, check.text(section, "match", where), {}, {}, {}, None, where=rows_where or ()
        )
    spec = ENTITIES.get(entity or "")
    if spec is None:
        check.bad(
            f"{where}entity",
            entity,
            "is missing"
            if entity is None
            else f"is not a record type; use one of: {', '.join(ENTITIES)}",
        )
        return None
    joins = (
        parse_joins(check, section["join"], f"{where}join", sections, key)
        if "join" in section
        else ()
    )
    when = (
        parse_when(check, section["when"], f"{where}when", spec.field_names)
        if "when" in section
        else {}
    )
    columns: dict[str, tuple[str, ...]] = {}
    for name, value in _field_names(
        check, spec, check.table(section, "columns", where), f"{where}columns."
    ).items():
        names = [value] if isinstance(value, str) else value
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and n.strip() for n in names)
        ):
            check.bad(
                f"{where}columns.{name}",
                value,
                "must be a source column name or a list of them (first non-empty wins)",
            )
            continue
        columns[name] = tuple(n.strip() for n in names)
    constants = {
        name: str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in _field_names(
            check, spec, check.table(section, "constants", where), f"{where}constants."
        ).items()
    }
    for name in set(columns) & set(constants):
        check.bad(f"{where}constants.{name}", None, "is also mapped to a column; keep one")
    unmapped = [
        f"'{f.name}'"
        for f in spec.fields
        if f.required and f.name not in columns and f.name not in constants and f.name not in when
    ]
    if unmapped:
        check.bad(
            f"{where}columns",
            None,
            f"{spec.name} needs {', '.join(unmapped)}: map each to a source column "
            f"(or give it in files.{key}.constants or files.{key}.when)",
        )
    values: dict[str, dict[str, str]] = {}
    for name, renames in check.table(section, "values", where).items():
        if name not in columns:
            check.bad(
                f"{where}values.{name}",
                None,
                "renames values of a field this file does not map in its columns",
            )
            continue
        values[name] = check.renames(renames, f"{where}values.{name}")
    match = check.text(section, "match", where)
    date_formats: dict[str, str] = {}
    for name, fmt in check.table(section, "date_formats", where).items():
        if name not in spec.field_names or spec.field(name).type not in ("date", "datetime"):
            check.bad(f"{where}date_formats.{name}", None, f"is not a date field of {spec.name}")
        elif name not in columns:
            check.bad(f"{where}date_formats.{name}", None, "is not mapped to a column of this file")
        elif (usable := check.date_format({name: fmt}, f"{where}date_formats.", name)) is not None:
            date_formats[name] = usable
    return FileRule(
        key,
        spec,
        match,
        columns,
        values,
        constants,
        check.date_format(section, where),
        check.numbers(section, where),
        date_formats,
        where=rows_where or (),
        joins=joins,
        when=when,
    )


def load_mapping(path: Path) -> tuple[SourceMapping | None, list[RowError]]:
    """Parse and check a mapping file; the mapping is None when anything is wrong."""
    check = _Checker(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        check.bad(None, None, "no such mapping file")
        return None, check.errors
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        check.bad(None, None, f"is not a valid TOML file: {exc}")
        return None, check.errors
    check.only(data, ("source", "pipeline", "stages", "files"), "")
    source = check.table(data, "source", "")
    check.only(source, ("name", "pipeline", "encoding", "snapshot_at", *FORMAT_KEYS), "source.")
    name = check.text(source, "name", "source.") or path.stem
    if len(name) > 40:
        check.bad("source.name", name, "must be at most 40 characters")
    date_format = check.date_format(source, "source.")
    encoding = check.text(source, "encoding", "source.")
    if encoding is not None and codec_name(encoding) is None:
        check.bad(
            "source.encoding", encoding, "is not a known encoding; e.g. utf-8, cp1252, utf-16"
        )
    pipeline = (
        _pipeline(check, check.table(data, "pipeline", ""), name) if "pipeline" in data else None
    )
    stages = check.renames(data["stages"], "stages") if "stages" in data else {}
    files_section = check.table(data, "files", "")
    if not files_section:
        check.bad("files", None, "names no file: add a [files.<name>] section per file")
    rules = [
        _file_rule(check, key, value, list(files_section)) for key, value in files_section.items()
    ]
    target = check.text(source, "pipeline", "source.") or (pipeline.name if pipeline else None)
    _check_sections(check, [r for r in rules if r is not None], pipeline, target)
    numbers = check.numbers(source, "source.")
    snapshot_at = _snapshot_at(check, source.get("snapshot_at"))
    if check.errors:
        return None, check.errors
    mapping = SourceMapping(
        path=path,
        source=name,
        date_format=date_format,
        pipeline=pipeline,
        target_pipeline=target,
        stages=stages,
        files=tuple(r for r in rules if r is not None),
        encoding=encoding,
        numbers=numbers,
        snapshot_at=snapshot_at,
    )
    return mapping, []


def _snapshot_at(check: _Checker, value: Any) -> datetime | None:
    """`[source] snapshot_at`: when the export was taken (a TOML date or date-time, or the
    same as text; UTC when no offset is given), not ahead of the clock."""
    if value is None:
        return None
    given = value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            check.bad("source.snapshot_at", value, "is not a date or date-time (2026-03-01T09:00Z)")
            return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        check.bad("source.snapshot_at", given, "is not a date or date-time (2026-03-01T09:00Z)")
        return None
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    now = utc_now()
    if moment > now + MAX_AHEAD:
        check.bad("source.snapshot_at", given, f"is ahead of the clock ({now:%Y-%m-%d %H:%M} UTC)")
        return None
    return moment.astimezone(UTC)


def _check_sections(
    check: _Checker, rules: Sequence[FileRule], pipeline: Pipeline | None, target: str | None
) -> None:
    """What one section cannot know alone: joins between sections, and stage names a
    section sets itself (`constants`, `when`) against the mapping's own pipeline."""
    by_key = {r.key: r for r in rules}
    joined = {j.section for r in rules for j in r.joins}
    for rule in rules:
        if rule.entity is None and rule.key not in joined:
            check.bad(
                f"files.{rule.key}",
                None,
                "has no entity and no section joins it: give it an entity (the record type "
                "its rows become), or join it onto another section",
            )
        for join in rule.joins:
            if by_key[join.section].joins:
                check.bad(
                    f"files.{rule.key}.join",
                    join.section,
                    "joins a section that joins others itself; join every file onto the "
                    "section that imports the rows",
                )
    own = pipeline is not None and target == pipeline.name
    for rule in rules:
        if not own or rule.entity is None or "pipeline" in rule.columns:
            continue
        assert pipeline is not None
        names = {s.name.casefold() for s in pipeline.stages}
        for name in STAGE_FIELDS.get(rule.entity.name, ()):
            given = [(f"constants.{name}", rule.constants.get(name))] + [
                (f'when.{name}."{r.value}"', r.value) for r in rule.when.get(name, ())
            ]
            for key, value in given:
                if value is not None and value.casefold() not in names:
                    check.bad(
                        f"files.{rule.key}.{key}",
                        value,
                        f"is not a stage of pipeline '{pipeline.name}' "
                        f"({', '.join(s.name for s in pipeline.stages)})",
                    )


def _read_file(
    batch: Batch, mapping: SourceMapping, rule: FileRule, path: Path, files: MappedFiles
) -> None:
    spec = rule.entity
    assert spec is not None
    frame = files.frame(rule.key, path, rule.joins)
    if frame is None:
        return
    kept = files.where_mask(rule.key, frame)
    if kept is None:  # a column it names is missing: reported; read on to report the rest
        kept = pa.repeat(pa.scalar(True), frame.num_rows)
    files.joined(rule.key, frame, kept)
    frame = frame.filter(kept)
    found: dict[str, list[Found]] = {}
    complete = True
    wanted_columns = [
        (source, f"columns.{name}", name)
        for name, wanted in rule.columns.items()
        for source in wanted
    ] + [
        (c.column, f"when.{name}", None)
        for name, rules in rule.when.items()
        for r in rules
        for c in r.conditions
    ]
    for source, key, name in wanted_columns:
        hit = frame.find(source)
        if isinstance(hit, str):
            complete = False
            files.missing(path, source, f"files.{rule.key}.{key}", hit)
        elif name is not None:
            found.setdefault(name, []).append(hit)
    if not complete:
        return
    stage_fields = STAGE_FIELDS.get(spec.name, ())
    columns: dict[str, pa.Array] = {}
    for name, sources in found.items():
        merged: pa.Array | None = None
        for part in sources:
            column = rename_values(part.values, rule.values.get(name, {}))
            if name in stage_fields:
                column = rename_values(column, mapping.stages)
            merged = column if merged is None else pc.coalesce(merged, column)
        if merged is not None:
            columns[name] = merged
    for name, value in rule.constants.items():
        columns[name] = pa.repeat(pa.scalar(value, pa.string()), frame.num_rows)
    for name, rules in rule.when.items():
        columns[name] = when_values(rules, frame, columns.get(name))
    if spec.name == "opportunities" and mapping.target_pipeline:
        fallback = pa.scalar(mapping.target_pipeline, pa.string())
        current = columns.get("pipeline")
        everywhere = pa.repeat(fallback, frame.num_rows)
        columns["pipeline"] = everywhere if current is None else pc.fill_null(current, fallback)
    notes: list[str] = []
    formats = ValueFormats(
        date_format=rule.date_format or mapping.date_format,
        column_dates=rule.date_formats,
        numbers=rule.numbers if rule.numbers.declared else mapping.numbers,
    )
    labels = field_labels(
        rule.key,
        rule.constants,
        found,
        {
            name: list(dict.fromkeys(c.column for r in rules for c in r.conditions))
            for name, rules in rule.when.items()
        },
    )
    problems: list[RowError] = []
    table = build_table(
        spec,
        columns,
        rows=frame.rows,
        file=str(path),
        errors=problems,
        formats=formats,
        notes=notes,
        origin=labels,
    )
    batch.errors.extend(in_joined_files(problems, frame, found, labels))
    batch.notes.extend(f"{path.name}: {note}" for note in notes)
    batch.name_columns(spec.name, str(path), labels)
    batch.add(spec.name, table)


def _files_of_sections(
    batch: Batch, mapping: SourceMapping, paths: Sequence[Path]
) -> dict[str, list[Path]]:
    """Which files each section reads. A file may feed several record types (a section
    each) but not one record type twice."""
    reading: dict[str, list[Path]] = {r.key: [] for r in mapping.files}
    name = mapping.path.name
    for path in paths:
        rules = [r for r in mapping.files if r.reads(path)]
        if not rules:
            batch.errors.append(
                RowError(
                    str(path),
                    None,
                    None,
                    None,
                    f"no [files.*] section of {name} reads this file; name a section after "
                    "the file or give one a `match` pattern",
                )
            )
            continue
        for entity in dict.fromkeys(r.entity.name for r in rules if r.entity is not None):
            same = [r for r in rules if r.entity is not None and r.entity.name == entity]
            if len(same) > 1:
                which = ", ".join(f"[files.{r.key}]" for r in same)
                batch.errors.append(
                    RowError(
                        str(path),
                        None,
                        None,
                        None,
                        f"matches several sections of {name} that read {entity} ({which}); "
                        "make their `match` patterns exclusive",
                    )
                )
                rules = [r for r in rules if r not in same]
        for rule in rules:
            reading[rule.key].append(path)
    return reading


def read_mapped(
    paths: Sequence[Path],
    mapping_path: Path,
    progress: Progress | None = None,
    *,
    encoding: str | None = None,
) -> Batch:
    """Read `paths` as the mapping at `mapping_path` describes them; `encoding`, if given,
    overrides the mapping's `[source] encoding`."""
    mapping, problems = load_mapping(mapping_path)
    batch = Batch(source=mapping.source if mapping else "mapping", files=[str(p) for p in paths])
    batch.errors.extend(problems)
    if mapping is None:
        return batch
    if mapping.pipeline is not None:
        batch.pipelines.append(mapping.pipeline)
    reading = _files_of_sections(batch, mapping, paths)
    where = {r.key: r.where for r in mapping.files}
    files = MappedFiles(
        batch, mapping.path.name, reading, where, progress, encoding or mapping.encoding
    )
    for path in paths:
        for rule in mapping.files:
            if rule.entity is not None and path in reading[rule.key]:
                _read_file(batch, mapping, rule, path, files)
        files.forget(path)
    files.report_unmatched()
    if mapping.snapshot_at is not None:
        batch.taken_at = mapping.snapshot_at
        batch.taken_from = f"declared in {mapping.path.name} (source.snapshot_at)"
    return batch
