"""The rule every file pipefit writes obeys: nothing a user has is lost by a write.

A command may write a file (an errors CSV, scored leads, a saved model, a chart) or a
folder of files (a pay run, a sample company). Before anything is written, each path is
judged here on facts the file system gave (`Place`): it may not be the workspace's
database, its configuration or an input of the same command (by path, after links are
followed, or by being the very same file under another name); it may not be another
output of the same command; its folder must exist; it may not be a folder, nor anything
but a plain file; and an existing file is replaced only when the user said so.

The rule is pure: the io adapter (`io.outputs`) gathers the facts and writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from pipefit.domain.errors import PipefitError

__all__ = ["Guarded", "Kind", "OutputRefused", "Place", "file_refusal", "folder_refusal"]


class Kind(StrEnum):
    """What is at a path."""

    MISSING = "missing"
    FILE = "file"
    FOLDER = "folder"
    OTHER = "other"  # a device, a pipe, a socket: never replaced by a file


@dataclass(frozen=True)
class Place:
    """A path as the file system sees it: as given (to name it to the user), absolute
    with links followed, what is there, and its identity (device, inode) if anything is."""

    shown: str
    resolved: str
    kind: Kind
    identity: tuple[int, int] | None = None

    def same_as(self, other: Place) -> bool:
        if self.resolved == other.resolved:
            return True
        return self.identity is not None and self.identity == other.identity


@dataclass(frozen=True)
class Guarded:
    """A file no output may replace, and what it is ("the workspace database")."""

    place: Place
    what: str


class OutputRefused(PipefitError):
    """An output path was refused before anything was written. `replaceable` is true when
    the only objection is that a file is already there (the user may allow replacing it)."""

    def __init__(self, message: str, *, field: str | None, replaceable: bool = False) -> None:
        super().__init__(message, field=field)
        self.replaceable = replaceable


def _guarded(target: Place, guarded: Sequence[Guarded]) -> Guarded | None:
    return next((g for g in guarded if target.same_as(g.place)), None)


def file_refusal(
    target: Place,
    *,
    folder: Place,
    field: str,
    guarded: Sequence[Guarded] = (),
    claimed: Mapping[str, str] | None = None,
    replace: bool = False,
) -> OutputRefused | None:
    """Why a file may not be written at `target` (None: it may).

    `folder` is the target's folder (a `Kind.FOLDER` also when the command makes it
    first); `claimed` maps the resolved paths already taken by the command's
    outputs to the field that took each; `replace` allows replacing an existing file."""
    shown = target.shown
    protected = _guarded(target, guarded)
    if protected is not None:
        other = protected.place.shown
        same = (
            f" (the same file as {other})" if PurePath(other).name != PurePath(shown).name else ""
        )
        return OutputRefused(
            f"{shown} is {protected.what}{same}: pipefit never writes over it", field=field
        )
    taken = (claimed or {}).get(target.resolved)
    if taken is not None and taken != field:
        return OutputRefused(
            f"{shown} is already another output of this command: give each its own file",
            field=field,
        )
    if folder.kind is Kind.MISSING:
        return OutputRefused(
            f"cannot write {shown}: there is no folder {folder.shown}", field=field
        )
    if folder.kind is not Kind.FOLDER:
        return OutputRefused(f"cannot write {shown}: {folder.shown} is not a folder", field=field)
    if target.kind is Kind.FOLDER:
        return OutputRefused(f"{shown} is a folder: give a file name", field=field)
    if target.kind is Kind.OTHER:
        return OutputRefused(f"{shown} is not a plain file: give a file name", field=field)
    if target.kind is Kind.FILE and not replace:
        return OutputRefused(f"{shown} already exists", field=field, replaceable=True)
    return None


def folder_refusal(
    folder: Place, *, above: Place, field: str, guarded: Sequence[Guarded] = ()
) -> OutputRefused | None:
    """Why the files of an output folder may not go into `folder` (None: they may).

    The folder is made if it is missing (with the folders above it); `above` is the
    nearest place above it that exists, which must then be a folder."""
    shown = folder.shown
    protected = _guarded(folder, guarded)
    if protected is not None:
        return OutputRefused(
            f"{shown} is {protected.what}: pipefit never writes over it", field=field
        )
    if folder.kind is Kind.FOLDER:
        return None
    if folder.kind is not Kind.MISSING:
        return OutputRefused(f"{shown} is not a folder: give a folder for the files", field=field)
    if above.kind is not Kind.FOLDER:
        return OutputRefused(
            f"cannot make the folder {shown}: {above.shown} is not a folder", field=field
        )
    return None
