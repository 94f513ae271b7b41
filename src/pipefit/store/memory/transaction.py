"""The transaction the in-memory units of work share: changes land at once, and
`committed` and `rolled_back` count the commits and rollbacks, so a test can tell whether
a service kept (or did not keep) its changes."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["MemoryTransaction"]


class MemoryTransaction:
    def __init__(self) -> None:
        self.committed = 0
        self.rolled_back = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.rollback()

    def commit(self) -> None:
        self.committed += 1

    def rollback(self) -> None:
        self.rolled_back += 1
