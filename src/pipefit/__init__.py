"""pipefit: revenue operations for teams where a sales rep and a presales engineer win together."""

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "open_workspace"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the command line should not pay for the Python API.
    if name == "open_workspace":
        from pipefit.api import open_workspace

        return open_workspace
    raise AttributeError(name)
