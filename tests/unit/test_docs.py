from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipefit.io.native_docs import native_format_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_native_format_document_matches_the_importer_spec() -> None:
    written = (DOCS / "native-format.md").read_text("utf-8")
    assert written == native_format_markdown(), (
        "docs/native-format.md is stale: run `python -m pipefit.io.native_docs > "
        "docs/native-format.md`"
    )


def test_the_cli_document_lists_every_command_and_option_as_the_code_has_them() -> None:
    from pipefit.cli.docs import cli_markdown

    written = (DOCS / "cli.md").read_text("utf-8")
    assert written == cli_markdown(), (
        "docs/cli.md is stale: run `python -m pipefit.cli.docs > docs/cli.md`"
    )


def test_every_command_takes_a_workspace() -> None:
    import typer.main

    from pipefit.cli import app
    from pipefit.cli.docs import _walk

    for path, command in _walk(typer.main.get_command(app), []):
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        assert "--workspace" in options, f"pipefit {' '.join(path)} lacks --workspace"


# --- docs/configuration.md documents every key of the configuration models ---------------

SECTION_HEADING = re.compile(r"`(\[\[?[^`\]]+\]\]?)`")
KEY_CELL = re.compile(r"`([\w<>-]+)`")


def _models_in(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """The models a field holds, each with the path step to reach its keys: a model or a
    list of models adds nothing (`[[pipelines.stages]]`), a table of models `.<name>`."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is dict:
        return [(f".<name>{step}", model) for step, model in _models_in(args[1])]
    if args:
        return [found for arg in args for found in _models_in(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [("", annotation)]
    return []


def config_keys(model: type[BaseModel], prefix: str = "", seen: tuple[type, ...] = ()) -> set[str]:
    """Every key path of a section, as written in the file (aliases such as a tier's `from`).
    A model that holds itself (`any_of`) is walked once."""
    keys = set()
    for name, field in model.model_fields.items():
        path = prefix + (field.alias or name)
        keys.add(path)
        for step, inner in _models_in(field.annotation):
            if inner in (*seen, model):
                continue
            if step:
                keys.add(path + step)
            keys |= config_keys(inner, f"{path}{step}.", (*seen, model))
    return keys


def documented_keys(markdown: str) -> tuple[set[str], list[str]]:
    """Keys the page documents: each heading naming sections (`[compensation.capacity]`,
    `[[pipelines.stages]]`) documents them, and each table row under it whose first cell is
    one `key` documents section.key. Also returns rows that lack a type or a meaning."""
    documented: set[str] = set()
    incomplete = []
    sections: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            sections = [s.strip("[]") for s in SECTION_HEADING.findall(line)]
            documented.update(sections)
            continue
        if not (line.startswith("|") and sections):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = KEY_CELL.fullmatch(cells[0])
        if key is None:
            continue
        documented.update(f"{section}.{key[1]}" for section in sections)
        if len(cells) != 4 or not cells[1] or not cells[3]:
            incomplete.append(line)
    return documented, incomplete


def test_every_key_of_the_workspace_file_is_documented_with_type_default_and_meaning() -> None:
    from pipefit.config import WorkspaceConfig

    documented, incomplete = documented_keys((DOCS / "configuration.md").read_text("utf-8"))
    missing = sorted(config_keys(WorkspaceConfig) - documented)
    assert not missing, "docs/configuration.md does not document: " + ", ".join(missing)
    assert not incomplete, "rows without key | type | default | meaning:\n" + "\n".join(incomplete)


def test_the_configuration_page_documents_no_key_the_models_do_not_have() -> None:
    from pipefit.config import WorkspaceConfig

    documented, _ = documented_keys((DOCS / "configuration.md").read_text("utf-8"))
    stale = sorted(documented - config_keys(WorkspaceConfig))
    assert not stale, "docs/configuration.md documents keys that do not exist: " + ", ".join(stale)


def test_every_environment_setting_is_documented() -> None:
    from pipefit.config import Settings

    written = (DOCS / "configuration.md").read_text("utf-8")
    missing = [
        f"PIPEFIT_{name.upper()}"
        for name in Settings.model_fields
        if f"`PIPEFIT_{name.upper()}`" not in written
    ]
    assert not missing, "docs/configuration.md does not document: " + ", ".join(missing)


def test_the_key_walk_finds_nested_sections_lists_tables_and_aliases() -> None:
    from pipefit.config import WorkspaceConfig

    keys = config_keys(WorkspaceConfig)
    assert {
        "workspace.currency",
        "pipelines.stages.entry.any_of",
        "pipelines.stages.exit.demo_ready_min",
        "qualification.scorecard.parameters.steps.at_least",
        "compensation.plans.<name>",
        "compensation.plans.<name>.tiers.from",
        "compensation.plans.<name>.tiers.to",
        "compensation.plans.<name>.draw.months",
        "compensation.capacity.norms.acv_max",
    } <= keys
    assert "compensation.plans.<name>.tiers.start" not in keys
    assert len(keys) > 100
