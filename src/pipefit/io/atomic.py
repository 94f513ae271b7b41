"""Write a file whole or not at all: to a temporary file beside it, then rename."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

__all__ = ["write_atomically"]


@cache
def _new_file_mode() -> int:
    """The mode a file created the ordinary way gets (0o666 less the umask): a temporary
    file is created private (0o600), and the file it becomes should not be."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Readers never see half a file, and a failed write leaves the old one (or none).

    `write` fills the temporary file it is given. The folder must exist. A link is
    followed (the file it points to is replaced, the link kept); a replaced file keeps
    its permissions."""
    target = path.resolve() if path.is_symlink() else path
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temp))
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
