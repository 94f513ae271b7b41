"""The domain's allow-list: the standard library and the domain itself, nothing else.

import-linter's contracts (pyproject.toml, run by `make test` and `make lint`) can only
forbid what they name; this test allows what it names, so a new dependency cannot slip into
the domain because nobody thought to forbid it (cosmicpython's `domain/model.py` imports
only `dataclasses`, `datetime` and `typing`)."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
DOMAIN = SRC / "pipefit" / "domain"


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """Each absolute module a file imports, with its line (type-checking imports too)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def allowed_in_the_domain(module: str) -> bool:
    top = module.partition(".")[0]
    return (
        top in sys.stdlib_module_names
        or module == "pipefit.domain"
        or (module.startswith("pipefit.domain."))
    )


def outside_imports(folder: Path) -> list[str]:
    return [
        f"{path.relative_to(folder.parents[1])}:{line}: {module}"
        for path in sorted(folder.rglob("*.py"))
        for line, module in imported_modules(path)
        if not allowed_in_the_domain(module)
    ]


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    found = outside_imports(DOMAIN)
    assert not found, "the domain imports outside the standard library:\n" + "\n".join(found)


def test_the_allow_list_refuses_packages_and_pipefit_modules_outside_the_domain(
    tmp_path: Path,
) -> None:
    (tmp_path / "model.py").write_text(
        "from __future__ import annotations\n"
        "import dataclasses\n"
        "from decimal import Decimal\n"
        "from pipefit.domain.errors import PipefitError\n"
        "from . import money\n"
        "import numpy as np\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from pydantic import BaseModel\n"
        "def load():\n"
        "    from pipefit.config import parse_config\n",
        "utf-8",
    )
    found = [entry.split(": ", 1)[1] for entry in outside_imports(tmp_path)]
    assert found == ["numpy", "pydantic", "pipefit.config"]
