"""Uploads waiting for an import's confirmation: kept under safe names, only for their
uploader, refused whole when too large or ambiguous."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pipefit.domain.errors import NotFound, PipefitError
from pipefit.webapi.pages_dash import uploads


@pytest.fixture(autouse=True)
def private_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads.tempfile, "gettempdir", lambda: str(tmp_path))


def test_an_upload_keeps_its_files_under_safe_names_for_its_uploader_only() -> None:
    kept = uploads.stage(
        [("../../etc/accounts.csv", io.BytesIO(b"account_id\nACME-RENEWAL-Q3\n"))],
        ("my mapping.toml", io.BytesIO(b"[x]\n")),
        "ops@example.com",
        {"fmt": "mapping"},
    )
    assert [p.name for p in kept.files] == ["accounts.csv"]
    assert kept.files[0].parent == kept.folder and kept.files[0].read_bytes().startswith(b"acc")
    assert kept.mapping is not None and kept.mapping.name == "my_mapping.toml"
    again = uploads.staged(kept.token, "ops@example.com")
    assert again.files == kept.files and again.options == {"fmt": "mapping"}
    with pytest.raises(NotFound) as other:
        uploads.staged(kept.token, "root@example.com")
    with pytest.raises(NotFound) as unknown:
        uploads.staged("A" * 32, "ops@example.com")
    assert str(other.value) == str(unknown.value)  # another's upload is an unknown one
    with pytest.raises(NotFound):
        uploads.staged("../../etc", "ops@example.com")
    uploads.discard(kept)
    assert not kept.folder.exists()


def test_an_upload_too_large_or_with_two_files_of_one_name_keeps_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    twice = [("a.csv", io.BytesIO(b"1")), ("a.csv", io.BytesIO(b"2"))]
    with pytest.raises(PipefitError, match=r"two files are named a\.csv"):
        uploads.stage(twice, None, "ops@example.com", {})
    monkeypatch.setattr(uploads, "MAX_BYTES", 10)
    with pytest.raises(PipefitError, match="command line"):
        uploads.stage([("big.csv", io.BytesIO(b"x" * 11))], None, "ops@example.com", {})
    with pytest.raises(PipefitError, match="at least one file"):
        uploads.stage([], None, "ops@example.com", {})
    assert list((tmp_path / "pipefit-uploads").iterdir()) == []
