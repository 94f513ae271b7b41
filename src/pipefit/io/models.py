"""Saved models: what a service hands over, kept with joblib in one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipefit.domain.errors import PipefitError
from pipefit.io.outputs import Outputs

__all__ = ["JoblibModels"]


class JoblibModels:
    """The ModelFiles port on the local file system (joblib's pickle format: load only
    files you trust, as with any pickle). Models are written through `files`."""

    def __init__(self, files: Outputs) -> None:
        self._files = files

    def save(self, path: Path, payload: dict[str, Any]) -> None:
        import joblib

        self._files.write(path, lambda temp: joblib.dump(payload, temp), "output.model")

    def load(self, path: Path) -> Any:
        import joblib

        if not path.is_file():
            raise PipefitError(f"no model file {path}", field="scoring.model")
        try:
            return joblib.load(path)
        except Exception as exc:
            raise PipefitError(
                f"{path} is not a pipefit lead model: {exc}", field="scoring.model"
            ) from exc
