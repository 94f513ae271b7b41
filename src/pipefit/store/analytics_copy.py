"""The columnar copy of the stage log: Parquet files under the workspace
(`.pipefit/analytics/`), brought up to date by reading only the events logged since.

The log only grows, and every writer numbers its events in the order they are logged
(`stage_events.logged`, see `store.stage_log`): the copy keeps the largest number it
holds, and a refresh reads `logged > that number` into one more Parquet part, so new
events cost in proportion to their number. It is derived data: it holds the log as
logged (corrections are applied when the log is read, `analytics.effective`), and it is
rebuilt from the database whenever it cannot be trusted: missing or unreadable files,
another schema head, another database, a last event that is not the stored one. Deleting
it changes no figure. Parts are merged into one when they grow many.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = ["LOGGED_EVENTS", "EventCopy", "LogReader", "Refresh", "RelationCopy"]

TIME = pa.timestamp("us", tz="UTC")
LOGGED_EVENTS = pa.schema(
    [
        ("opportunity_id", pa.string()),
        ("seq", pa.int64()),
        ("from_stage", pa.string()),
        ("to_stage", pa.string()),
        ("substate", pa.string()),
        ("at", TIME),
        ("logged", pa.int64()),
    ]
)
MANIFEST = "events.json"
FORMAT = 1
MAX_PARTS = 16
STALE_SECONDS = 600


class LogReader(Protocol):
    def log_top(self) -> tuple[int, int]:
        """The largest `logged` number and how many events have none."""
        ...

    def event_at(self, logged: int) -> tuple[str, int] | None:
        """(opportunity_id, seq) of the event numbered `logged`."""
        ...

    def events_since(self, logged: int | None) -> pa.Table:
        """Events numbered above `logged` (every event when None), as LOGGED_EVENTS."""
        ...


@dataclass(frozen=True)
class Refresh:
    """What the last refresh did: `mode` is "current" (nothing new), "incremental",
    "built" (from scratch) or "uncopied" (read from the database, no copy kept), and
    `read` how many events it read from the database."""

    mode: str
    read: int
    reason: str = ""


class EventCopy:
    def __init__(self, folder: Path, *, schema_head: str, database: str) -> None:
        self.folder = folder
        self._identity = {"format": FORMAT, "schema": schema_head, "database": database}
        self.last: Refresh | None = None

    def _manifest(self) -> dict[str, object] | None:
        try:
            data = json.loads((self.folder / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or any(data.get(k) != v for k, v in self._identity.items()):
            return None
        return data

    def _write_atomic(self, path: Path, write: object) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        os.close(fd)
        try:
            assert callable(write)
            write(tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _write_part(self, events: pa.Table) -> str:
        bounds = pc.min_max(events["logged"]).as_py() if events.num_rows else {}
        first, last = bounds.get("min") or 0, bounds.get("max") or 0
        name = f"events-{first:012d}-{last:012d}.parquet"
        self._write_atomic(self.folder / name, lambda tmp: pq.write_table(events, tmp))
        return name

    def _save(self, parts: list[str], top: int, marker: tuple[str, int] | None, rows: int) -> None:
        manifest = self._identity | {
            "logged": top,
            "last": list(marker) if marker else None,
            "parts": parts,
            "rows": rows,
        }
        text = json.dumps(manifest, indent=1)
        self._write_atomic(self.folder / MANIFEST, lambda tmp: Path(tmp).write_text(text, "utf-8"))
        for stale in self.folder.glob("events-*.parquet"):
            if stale.name not in parts:
                stale.unlink(missing_ok=True)

    def _read_parts(self, parts: list[str]) -> pa.Table:
        tables = [pq.read_table(self.folder / p, schema=LOGGED_EVENTS) for p in parts]
        return pa.concat_tables([LOGGED_EVENTS.empty_table(), *tables])

    def _check_parts(self, parts: list[str]) -> None:
        """Every part is there with the log's columns: read from its footer only."""
        for part in parts:
            if _columns(pq.read_schema(self.folder / part)) != _columns(LOGGED_EVENTS):
                raise pa.ArrowInvalid(f"{part} does not hold the stage log's columns")

    def _held(self, source: LogReader, top: int) -> tuple[int, list[str]] | str:
        """What the copy holds (its top number and parts), or why it is not to be
        trusted."""
        manifest = self._manifest()
        if manifest is None:
            return "no copy of this log yet"
        held = int(str(manifest["logged"]))
        if held > top or (held and list(source.event_at(held) or ()) != manifest.get("last")):
            return "the database is not the one copied"
        parts = [str(p) for p in manifest["parts"]]  # type: ignore[attr-defined]
        try:
            self._check_parts(parts)
        except (OSError, pa.ArrowException):
            return "the copy could not be read"
        return held, parts

    def refresh(self, source: LogReader) -> pa.Table:
        """Every event as logged, the copy brought up to date first."""
        found = self.update(source)
        return found if isinstance(found, pa.Table) else self.read(found)

    def read(self, parts: list[Path]) -> pa.Table:
        """The events of `parts` (as `update` names them), as one table."""
        return self._read_parts([str(p.relative_to(self.folder)) for p in parts])

    def update(self, source: LogReader) -> list[Path] | pa.Table:
        """Brings the copy up to date and names its Parquet parts, which hold every event
        as logged; the events themselves (read from the database) when no copy can be
        kept. Reads from the database only what was logged since the last update, and of
        the parts it holds only their footers."""
        top, unnumbered = source.log_top()
        if unnumbered:
            # Events written past the numbering (by hand): no copy can follow them.
            events = source.events_since(None)
            self.last = Refresh("uncopied", events.num_rows, f"{unnumbered} unnumbered events")
            return events
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            held = self._held(source, top)
            if isinstance(held, str):
                events = source.events_since(None)
                parts = [self._write_part(events)]
                self._save(parts, top, source.event_at(top), events.num_rows)
                self.last = Refresh("built", events.num_rows, held)
                return self._paths(parts)
            number, parts = held
            if number == top:
                self.last = Refresh("current", 0)
                return self._paths(parts)
            new = source.events_since(number)
            # Many small parts slow every read: now and then they become one.
            if len(parts) >= MAX_PARTS:
                parts = [self._write_part(pa.concat_tables([self._read_parts(parts), new]))]
            else:
                parts = [*parts, self._write_part(new)]
            rows = sum(pq.read_metadata(self.folder / p).num_rows for p in parts)
            self._save(parts, top, source.event_at(top), rows)
            self.last = Refresh("incremental", new.num_rows)
            return self._paths(parts)
        except OSError as exc:
            events = source.events_since(None)
            why = f"the copy in {self.folder} could not be written ({exc.strerror or exc})"
            self.last = Refresh("uncopied", events.num_rows, why)
            return events

    def _paths(self, parts: list[str]) -> list[Path]:
        return [self.folder / p for p in parts]


class RelationCopy:
    """Columnar copies of the other relations reports read (deals, leads, activities,
    the effective log ...): one Parquet file each, named by the state of the database it
    was read from (`key`: numbers that change whenever a writer changes what the relation
    holds, see `store.analytics`), so a stale copy is never used: another key, another
    file. The manifest `<name>.json` says which file is the relation's now."""

    def __init__(self, folder: Path, *, schema_head: str, database: str) -> None:
        self.folder = folder
        self._identity = {"format": FORMAT, "schema": schema_head, "database": database}
        self.built: list[str] = []  # the relations this object wrote (for tests and notes)

    def _name(self, relation: str, key: dict[str, object]) -> str:
        text = json.dumps(self._identity | {"relation": relation, "key": key}, sort_keys=True)
        return f"rel-{relation}-{hashlib.sha256(text.encode()).hexdigest()[:20]}.parquet"

    def held(self, relation: str, key: dict[str, object], schema: pa.Schema) -> Path | None:
        """The copy of `relation` for `key`, if there is a readable one with `schema`."""
        path = self.folder / self._name(relation, key)
        try:
            found = pq.read_schema(path)
        except (OSError, pa.ArrowException):
            return None
        return path if _columns(found) == _columns(schema) else None

    def previous(self, relation: str, schema: pa.Schema) -> tuple[dict[str, Any], Path] | None:
        """The key and file of the copy of `relation` last kept (for another state of the
        database, when `held` finds none), for a caller that can bring it up to date."""
        try:
            manifest = json.loads((self.folder / f"rel-{relation}.json").read_text("utf-8"))
            key, name = manifest["key"], str(manifest["file"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        path = self.folder / name
        if not isinstance(key, dict) or name != self._name(relation, key):
            return None
        return (key, path) if self.held(relation, key, schema) == path else None

    def keep(self, relation: str, key: dict[str, object], write: Callable[[str], None]) -> Path:
        """Writes the copy of `relation` for `key` (`write(path)` writes the Parquet
        file), and removes its copies for other keys. Raises OSError if it cannot."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = self._name(relation, key)
        path = self.folder / name
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.")
        os.close(fd)
        try:
            write(tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.built.append(relation)
        manifest = json.dumps({"key": key, "file": name})
        _write_text(self.folder / f"rel-{relation}.json", manifest)
        # Another command may be reading an older copy right now: those go a while later.
        for stale in self.folder.glob(f"rel-{relation}-*.parquet"):
            if stale.name != name and _age(stale) > STALE_SECONDS:
                stale.unlink(missing_ok=True)
        return path


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        Path(tmp).write_text(text, "utf-8")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _columns(schema: pa.Schema) -> list[tuple[str, pa.DataType]]:
    # Names and types: a writer may mark a column that holds no null as required.
    return [(f.name, f.type) for f in schema]
