"""The workspace's pipefit.toml as text, replaced whole and only by a text that loads."""

from __future__ import annotations

from pathlib import Path

from pipefit.config.workspace import parse_config
from pipefit.domain.errors import PipefitError
from pipefit.io.atomic import write_atomically

__all__ = ["TomlConfigFile"]


class TomlConfigFile:
    """The ConfigFile port on the local file system."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def location(self) -> str:
        return str(self.path)

    def read(self) -> str:
        return self.path.read_text("utf-8")

    def replace(self, text: str) -> None:
        parse_config(text, str(self.path))  # refuse to write a file that would not load

        def write(temp: Path) -> None:
            temp.write_text(text, "utf-8")

        try:
            write_atomically(self.path, write)
        except OSError as exc:
            raise PipefitError(
                f"could not write {self.path}: {exc.strerror or exc}", field="workspace"
            ) from exc
