"""Configuration: the workspace file `pipefit.toml` (one module per section) and the environment.

- `environment`: `Settings` from `PIPEFIT_*` variables (workspace folder, database URL).
- `workspace`: the whole file (`WorkspaceConfig`), loading it, the `Workspace` folder.
- `pipelines`, `qualification`, `compensation`: the sections, each owned by one capability.
- `base`: the strict base every section uses and how errors point at a key.
"""

from pipefit.config.environment import Settings
from pipefit.config.workspace import (
    CONFIG_FILE,
    DB_FILE,
    Workspace,
    WorkspaceConfig,
    default_config_text,
    load_workspace,
    parse_config,
)

__all__ = [
    "CONFIG_FILE",
    "DB_FILE",
    "Settings",
    "Workspace",
    "WorkspaceConfig",
    "default_config_text",
    "load_workspace",
    "parse_config",
]
