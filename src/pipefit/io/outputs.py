"""Where a command's files go: each path judged by the domain's rule, then written whole.

`Outputs` is made per command (by bootstrap) with the files it must never replace: the
workspace's database (and its -wal, -shm and -journal files), its pipefit.toml and the
command's own inputs. A command checks every output path before its work begins (a bad
path is refused at once, not after a long import) and writes through the same object:
to a temporary file in the same folder, renamed over the target (`io.atomic`). A failure
of the file system becomes one line naming the file (`PipefitError`), never a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from pipefit.domain.errors import PipefitError
from pipefit.domain.outputs import Guarded, Kind, Place, file_refusal, folder_refusal
from pipefit.io.atomic import write_atomically

__all__ = ["Outputs", "place_of"]


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def place_of(path: Path, shown: str | None = None) -> Place:
    """The facts the rule needs about `path` (links followed)."""
    shown = str(path) if shown is None else shown
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links, a bad name
        return Place(shown, str(path.absolute()), Kind.OTHER)
    try:
        found = os.stat(resolved)
    except (FileNotFoundError, NotADirectoryError):
        return Place(shown, str(resolved), Kind.MISSING)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENAMETOOLONG):
            return Place(shown, str(resolved), Kind.OTHER)
        raise PipefitError(f"cannot look at {shown}: {_reason(exc)}") from exc
    if stat.S_ISREG(found.st_mode):
        kind = Kind.FILE
    elif stat.S_ISDIR(found.st_mode):
        kind = Kind.FOLDER
    else:
        kind = Kind.OTHER
    return Place(shown, str(resolved), kind, (found.st_dev, found.st_ino))


def _folder_of(path: Path) -> Path:
    """The folder a file at `path` lands in (the link's target's, for a link)."""
    return path.resolve().parent if path.is_symlink() else path.parent


def _nearest_existing(folder: Path) -> Path:
    above = folder
    while not os.path.lexists(above) and above.parent != above:
        above = above.parent
    return above


class Outputs:
    """A command's output files: checked, claimed and written whole.

    `guarded` pairs each file no output may replace with what it is ("the workspace
    database"); `replace` lets an output replace an existing file (never a guarded one).
    Each path checked is claimed for its field: a second output of the command (another
    field) on the same file is refused."""

    def __init__(self, guarded: Iterable[tuple[Path, str]] = (), *, replace: bool = False) -> None:
        self.guarded = [Guarded(place_of(path), what) for path, what in guarded]
        self.replace = replace
        self.claimed: dict[str, str] = {}
        self.written: list[Path] = []

    def check_file(self, path: Path, field: str, *, make_folder: bool = False) -> Path:
        """Refuse (`OutputRefused`) a file that may not be written; claim it. With
        `make_folder`, a missing folder is made at write time (its own folder must be
        a folder)."""
        target = place_of(path)
        folder_path = _folder_of(path)
        if make_folder:
            self._check_folder(folder_path, field)
            folder = Place(str(folder_path), str(folder_path), Kind.FOLDER)
        else:
            folder = place_of(folder_path)
        refused = file_refusal(
            target,
            folder=folder,
            field=field,
            guarded=self.guarded,
            claimed=self.claimed,
            replace=self.replace,
        )
        if refused is not None:
            raise refused
        self.claimed[target.resolved] = field
        return path

    def check_folder(self, folder: Path, names: Iterable[str], field: str) -> Path:
        """Refuse a folder of outputs, or any of the files `names` (relative to it), that
        may not be written; claim the files. A missing folder is made at write time."""
        self._check_folder(folder, field)
        for name in names:
            self.check_file(folder / name, field, make_folder=True)
        return folder

    def _check_folder(self, folder: Path, field: str) -> None:
        above = _nearest_existing(folder)
        refused = folder_refusal(
            place_of(folder), above=place_of(above), field=field, guarded=self.guarded
        )
        if refused is not None:
            raise refused

    def make_folder(self, folder: Path, field: str) -> Path:
        """Check `folder` and make it (and the folders above it) if it is missing."""
        self._check_folder(folder, field)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PipefitError(
                f"cannot make the folder {folder}: {_reason(exc)}", field=field
            ) from exc
        return folder

    def write(
        self, path: Path, fill: Callable[[Path], None], field: str, *, make_folder: bool = False
    ) -> Path:
        """Check `path`, then write it whole: `fill` writes the temporary file it is given."""
        self.check_file(path, field, make_folder=make_folder)
        if make_folder:
            self.make_folder(_folder_of(path), field)
        try:
            write_atomically(path, fill)
        except OSError as exc:
            raise PipefitError(f"could not write {path}: {_reason(exc)}", field=field) from exc
        self.written.append(path)
        return path

    def write_bytes(
        self, path: Path, data: bytes, field: str, *, make_folder: bool = False
    ) -> Path:
        def fill(temp: Path) -> None:
            temp.write_bytes(data)

        return self.write(path, fill, field, make_folder=make_folder)

    def write_text(self, path: Path, text: str, field: str, *, make_folder: bool = False) -> Path:
        def fill(temp: Path) -> None:
            temp.write_text(text, "utf-8", newline="")

        return self.write(path, fill, field, make_folder=make_folder)
