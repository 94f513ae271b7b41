"""The options every command shares come from decorators: the command lists only its own,
and --workspace/--db may stand before the command name as well as after it."""

from __future__ import annotations

import inspect
from pathlib import Path

import typer
from typer.testing import CliRunner

from pipefit.cli.common import (
    OutputFormat,
    RootDbOpt,
    RootWorkspaceOpt,
    out,
    with_format,
    with_workspace,
)

NO_ENVIRONMENT: dict[str, str | None] = {"PIPEFIT_WORKSPACE": None, "PIPEFIT_DATABASE_URL": None}


def _tiny_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def where(workspace: RootWorkspaceOpt = None, db: RootDbOpt = None) -> None:
        del workspace, db

    @app.command()
    @with_format
    @with_workspace
    def folder(
        workspace: Path | None,
        fmt: OutputFormat,
        label: str = "folder",
    ) -> None:
        """Say which folder and format the command was given."""
        out.print(f"{label}={workspace} format={fmt.value}")

    return app


def _run(*args: str, env: dict[str, str | None] | None = None) -> str:
    result = CliRunner().invoke(_tiny_app(), list(args), env=NO_ENVIRONMENT | (env or {}))
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_workspace_before_the_command_name_reaches_the_command() -> None:
    assert _run("-w", "acme", "folder") == "folder=acme format=table"


def test_a_workspace_after_the_command_name_reaches_it_as_before() -> None:
    assert _run("folder", "--workspace", "acme", "-f", "json") == "folder=acme format=json"


def test_the_workspace_given_on_the_command_wins_over_the_one_before_it() -> None:
    assert _run("-w", "before", "folder", "-w", "after") == "folder=after format=table"


def test_a_workspace_given_before_the_command_beats_the_environment() -> None:
    env = {"PIPEFIT_WORKSPACE": "from-env"}
    assert _run("-w", "given", "folder", env=env) == "folder=given format=table"
    assert _run("folder", env=env) == "folder=from-env format=table"


def test_the_shared_options_follow_the_commands_own_in_its_signature() -> None:
    @with_format
    @with_workspace
    def command(workspace: Path | None, fmt: OutputFormat, label: str = "x") -> None:
        """Help text."""

    assert list(inspect.signature(command).parameters) == [
        "label",
        "workspace",
        "cli_context",
        "fmt",
    ]
    assert command.__doc__ == "Help text."
    assert command.__name__ == "command"


def test_a_call_from_python_gets_the_defaults_without_a_command_line() -> None:
    seen: list[tuple[Path | None, OutputFormat]] = []

    @with_format
    @with_workspace
    def command(workspace: Path | None, fmt: OutputFormat) -> None:
        seen.append((workspace, fmt))

    command()
    assert seen == [(None, OutputFormat.TABLE)]
