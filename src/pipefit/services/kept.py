"""What a server process keeps of what it computed from the data: the board's columns, the
lead queue's order, the dashboards' reports. Each is kept under the data version it was
computed at (`StatusSource.data_version`, a number every write moves in its own
transaction), so it is used only while the data is unchanged, by anyone whose key is the
same (the key carries what the access policy let the computation read).

- The version is read *before* the data: what is kept under version n is never older
  than n (it may be newer, and is then computed again when the version moves).
- One computation per key at a time: whoever asks while it runs waits for its result
  instead of computing it again (a page of a million deals takes seconds; fifty people
  opening it at once must not take fifty times that).
- A result that depends on the clock as well as the data (a report "as of now") is given
  a `max_age`: once older, the next caller computes it again while everyone else is
  answered with the kept one until the new one is ready.
- At most `entries` results are kept, the least recently used dropped first.

A store that keeps no version (None) keeps nothing: every call computes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["Kept", "data_version"]

logger = logging.getLogger(__name__)
T = TypeVar("T")
TIMED = -1  # the "version" of what is kept by age alone (a data version is never negative)


@dataclass
class _Entry:
    value: Any
    made: float  # the monotonic clock when it was computed
    refreshing: bool = False


class Kept:
    def __init__(self, entries: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.entries = entries
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._running: dict[Hashable, threading.Lock] = {}
        self.computed = 0  # how many computations ran (for tests and the load benchmark)

    def get(
        self,
        key: Hashable,
        version: int | None,
        compute: Callable[[], T],
        *,
        max_age: float | None = None,
    ) -> T:
        """The value kept for `key` at `version`, else `compute()`'s, kept."""
        if version is None:
            return self._compute(compute)
        full = (key, version)
        with self._lock:
            entry = self._kept.get(full)
            if entry is not None:
                self._kept.move_to_end(full)
                if not self._expired(entry, max_age) or entry.refreshing:
                    return entry.value  # type: ignore[no-any-return]
                entry.refreshing = True  # this caller computes it again; the rest read it
            else:
                running = self._running.setdefault(full, threading.Lock())
        if entry is not None:
            try:
                return self._keep(full, self._compute(compute))
            finally:
                with self._lock:
                    entry.refreshing = False
        with running:  # one computation per key; the others wait here for its result
            with self._lock:
                done = self._kept.get(full)
                if done is not None:
                    self._kept.move_to_end(full)
                    return done.value  # type: ignore[no-any-return]
            try:
                return self._keep(full, self._compute(compute))
            finally:
                with self._lock:
                    self._running.pop(full, None)

    def timed(self, key: Hashable, compute: Callable[[], T], *, max_age: float) -> T:
        """A value that changes slowly whatever is written (a stage's p90 over millions of
        visits): kept across data versions, computed the first time, and once older than
        `max_age` computed again on a background thread while every caller is answered
        with the kept one. `compute` must not share a connection with the caller."""
        full = (key, TIMED)
        with self._lock:
            entry = self._kept.get(full)
            if entry is not None:
                self._kept.move_to_end(full)
                if self._expired(entry, max_age) and not entry.refreshing:
                    entry.refreshing = True
                    threading.Thread(
                        target=self._refresh, args=(full, entry, compute), daemon=True
                    ).start()
                return entry.value  # type: ignore[no-any-return]
        return self.get(key, TIMED, compute)  # the first time: callers wait for one computation

    def _refresh(
        self, full: tuple[Hashable, int], entry: _Entry, compute: Callable[[], Any]
    ) -> None:
        try:
            self._keep(full, self._compute(compute))
        except Exception:  # the kept value stays; the next caller past max_age tries again
            logger.warning("could not compute %r again", full[0], exc_info=True)
        finally:
            with self._lock:
                entry.refreshing = False

    def _expired(self, entry: _Entry, max_age: float | None) -> bool:
        return max_age is not None and self._clock() - entry.made >= max_age

    def _compute(self, compute: Callable[[], T]) -> T:
        value = compute()
        with self._lock:
            self.computed += 1
        return value

    def _keep(self, full: Hashable, value: T) -> T:
        with self._lock:
            self._kept[full] = _Entry(value, self._clock())
            self._kept.move_to_end(full)
            while len(self._kept) > self.entries:
                self._kept.popitem(last=False)
        return value


def data_version(uow: UnitOfWork) -> int | None:
    """The data's version now, read before whatever is computed from it is read."""
    with uow:
        return uow.status.data_version()
