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
