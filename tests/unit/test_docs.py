from __future__ import annotations

from pathlib import Path

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
