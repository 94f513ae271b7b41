"""Uploaded files waiting for their import to be confirmed: each upload in a folder of its
own under the system's temporary folder, named by a random token, with a manifest of whose
it is and what the form asked. Only its uploader may confirm or discard it; a day-old
upload is removed."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pipefit.domain.errors import NotFound, PipefitError

__all__ = ["MAX_BYTES", "Staged", "discard", "stage", "staged"]

MAX_BYTES = 1 << 30  # 1 GiB an upload: more is a job for `pipefit import`
KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
NAME = re.compile(r"[^A-Za-z0-9._-]")


def _root() -> Path:
    root = Path(tempfile.gettempdir()) / "pipefit-uploads"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


@dataclass(frozen=True)
class Staged:
    token: str
    folder: Path
    files: list[Path]
    mapping: Path | None
    owner: str
    options: dict[str, Any]


def _safe_name(name: str, field: str) -> str:
    base = NAME.sub("_", Path(name or "").name).lstrip(".")
    if not base:
        raise PipefitError(f"a file has no usable name ('{name}')", field=field)
    return base


def _sweep(root: Path) -> None:
    """Remove uploads left unconfirmed for a day."""
    cutoff = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def stage(
    files: list[tuple[str, BinaryIO]],
    mapping: tuple[str, BinaryIO] | None,
    owner: str,
    options: dict[str, Any],
) -> Staged:
    """Keep the uploaded files (name, content) for their check and confirmation."""
    if not files:
        raise PipefitError("choose at least one file to import", field="import.files")
    root = _root()
    _sweep(root)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir(mode=0o700)
    written = 0
    kept: list[Path] = []
    try:
        named = [(_safe_name(n, "import.files"), c) for n, c in files]
        if mapping is not None:
            named.append((_safe_name(mapping[0], "import.mapping"), mapping[1]))
        names = [n for n, _ in named]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise PipefitError(f"two files are named {', '.join(twice)}", field="import.files")
        for name, content in named:
            path = folder / name
            with path.open("xb") as out:
                while chunk := content.read(1 << 20):
                    written += len(chunk)
                    if written > MAX_BYTES:
                        raise PipefitError(
                            f"the upload is over {MAX_BYTES >> 20} MiB: import files this "
                            "large with the command line",
                            field="import.files",
                        )
                    out.write(chunk)
            kept.append(path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    manifest = {
        "owner": owner,
        "files": [p.name for p in kept[: len(files)]],
        "mapping": kept[-1].name if mapping is not None else None,
        "options": options,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return _staged(token, folder, manifest)


def _staged(token: str, folder: Path, manifest: dict[str, Any]) -> Staged:
    return Staged(
        token,
        folder,
        [folder / n for n in manifest["files"]],
        folder / manifest["mapping"] if manifest["mapping"] else None,
        manifest["owner"],
        dict(manifest["options"]),
    )


def staged(token: str, owner: str) -> Staged:
    """An upload of `owner`'s; another's, or one gone, is not found (the same words)."""
    missing = NotFound(
        "no upload waiting under this name: it was imported, discarded or is a day old; "
        "upload the files again",
        field="import.upload",
    )
    if not TOKEN.match(token or ""):
        raise missing
    folder = _root() / token
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        raise missing from None
    if manifest.get("owner") != owner:
        raise missing
    return _staged(token, folder, manifest)


def discard(upload: Staged) -> None:
    shutil.rmtree(upload.folder, ignore_errors=True)
