"""Nothing is ever lost: no command writes over the workspace's database, its
configuration or its own inputs; an existing file is replaced only with --overwrite; a
path that cannot be written is one line, and a refused import still lists its bad rows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipefit.io import outputs as io_outputs

from ..integration.native_files import write_native
from .cli import run
from .inprocess import invoke

BAD_ACCOUNTS = "account_id,name,employees\nA-1,Acme,lots\nA-2,Globex,many\n"
LEADS = "lead_id,size,industry,Won\n" + "".join(
    f"L{i},{10 + 7 * i % 50},{'ab'[i % 3 == 0]},{i % 2}\n" for i in range(10)
)
SQLITE = b"SQLite format 3\0"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    folder = tmp_path / "acme"
    run("init", folder)
    run("import", *write_native(tmp_path / "good"), "-w", folder)
    return folder


def bad_files(tmp_path: Path) -> list[Path]:
    return write_native(tmp_path / "bad", **{"accounts.csv": BAD_ACCOUNTS})


def one_error(text: str) -> str:
    """The one line a refusal prints (and nothing like a traceback around it)."""
    assert "Traceback" not in text and "internal error" not in text, text
    lines = [line for line in text.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, text
    return lines[0]


def test_an_errors_csv_pointed_at_the_database_is_refused_and_the_database_kept(
    ws: Path, tmp_path: Path
) -> None:
    database = ws / "pipefit.db"
    before = database.read_bytes()
    files = bad_files(tmp_path)
    for target, what in [
        (database, "is the workspace database"),
        (ws / "pipefit.db-wal", "is a journal of the workspace database"),
        (ws / "pipefit.db-shm", "is a journal of the workspace database"),
        (ws / "pipefit.toml", "is the workspace configuration"),
    ]:
        for overwrite in ([], ["--overwrite"]):
            result = run("import", *files, "-w", ws, "--errors-csv", target, *overwrite,
                         check=False)  # fmt: skip
            assert result.returncode == 1
            assert one_error(result.stderr) == (
                f"error: {target} {what}: pipefit never writes over it (--errors-csv)"
            )
    assert database.read_bytes() == before and before.startswith(SQLITE)
    assert '"opportunities": 2' in run("status", "-w", ws, "-f", "json").stdout


def test_a_link_or_another_name_for_the_database_is_refused_too(ws: Path, tmp_path: Path) -> None:
    database = ws / "pipefit.db"
    soft, hard = tmp_path / "problems.csv", tmp_path / "copy.db"
    soft.symlink_to(database)
    os.link(database, hard)
    for target in (soft, hard, Path(os.path.relpath(database))):
        code, text = invoke("import", *bad_files(tmp_path), "-w", ws, "--errors-csv", target)
        assert code == 1
        assert "is the workspace database" in one_error(text)
    assert database.read_bytes().startswith(SQLITE)


def test_an_output_pointed_at_an_input_of_the_same_command_is_refused(
    ws: Path, tmp_path: Path
) -> None:
    files = bad_files(tmp_path)
    accounts = files[2]
    kept = accounts.read_text()
    code, text = invoke("import", *files, "-w", ws, "--errors-csv", accounts, "--overwrite")
    assert code == 1
    assert one_error(text) == (
        f"error: {accounts} is an input of this command: pipefit never writes over it "
        "(--errors-csv)"
    )
    assert accounts.read_text() == kept

    leads = tmp_path / "leads.csv"
    leads.write_text(LEADS)
    for option in ("--out", "--save-model"):
        code, text = invoke("leads", "score", leads, "--target", "Won", option, leads,
                            "--overwrite")  # fmt: skip
        assert code == 1
        assert one_error(text) == (
            f"error: {leads} is an input of this command: pipefit never writes over it ({option})"
        )
    assert leads.read_text() == LEADS


def test_a_saved_model_is_never_written_over_by_the_scores_it_makes(tmp_path: Path) -> None:
    leads, model = tmp_path / "leads.csv", tmp_path / "model.joblib"
    leads.write_text(LEADS)
    run("leads", "score", leads, "--target", "Won", "--folds", "2", "--save-model", model)
    saved = model.read_bytes()
    code, text = invoke("leads", "score", leads, "--model", model, "--out", model, "--overwrite")
    assert code == 1
    assert "is an input of this command" in one_error(text)
    assert model.read_bytes() == saved
    # Two outputs of one command on one file: the second would replace the first.
    both = tmp_path / "both.out"
    code, text = invoke("leads", "score", leads, "--target", "Won", "--out", both,
                        "--save-model", both)  # fmt: skip
    assert one_error(text) == (
        f"error: {both} is already another output of this command: give each its own file "
        "(--save-model)"
    )
    assert not both.exists()


def test_an_existing_file_is_replaced_only_with_overwrite(ws: Path, tmp_path: Path) -> None:
    files = bad_files(tmp_path)
    report = tmp_path / "problems.csv"
    report.write_text("mine\n")
    result = run("import", *files, "-w", ws, "--errors-csv", report, check=False)
    assert result.returncode == 1
    assert one_error(result.stderr) == (
        f"error: {report} already exists (--errors-csv); --overwrite replaces it"
    )
    assert report.read_text() == "mine\n"
    result = run("import", *files, "-w", ws, "--errors-csv", report, "--overwrite", check=False)
    assert result.returncode == 1
    assert f"all 2 problems written to {report}" in result.stderr
    assert report.read_text().splitlines()[0] == "file,row,column,value,problem"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_missing_folder_or_a_file_as_a_folder_is_one_line(ws: Path, tmp_path: Path) -> None:
    files = bad_files(tmp_path)
    plan = tmp_path / "plan.toml"
    plan.write_text("x = 1\n")
    cases = {
        tmp_path / "nowhere" / "problems.csv": f"there is no folder {tmp_path / 'nowhere'}",
        plan / "problems.csv": f"{plan} is not a folder",
    }
    for target, why in cases.items():
        result = run("import", *files, "-w", ws, "--errors-csv", target, check=False)
        assert result.returncode == 1
        assert one_error(result.stderr) == f"error: cannot write {target}: {why} (--errors-csv)"
    result = run("import", *files, "-w", ws, "--errors-csv", tmp_path, check=False)
    assert one_error(result.stderr) == (
        f"error: {tmp_path} is a folder: give a file name (--errors-csv)"
    )
    assert not (tmp_path / "nowhere").exists()


def test_when_the_errors_csv_cannot_be_written_the_bad_rows_are_still_listed(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(path: Path, fill: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io_outputs, "write_atomically", disk_full)
    report = tmp_path / "problems.csv"
    code, text = invoke("import", *bad_files(tmp_path), "-w", ws, "--errors-csv", report)
    assert code == 1
    assert "Traceback" not in text
    lines = text.splitlines()
    accounts = tmp_path / "bad" / "accounts.csv"
    assert lines[:2] == [
        f"  {accounts}, row 2, column 'employees': is not a whole number (value 'lots')",
        f"  {accounts}, row 3, column 'employees': is not a whole number (value 'many')",
    ]
    assert lines[2] == f"error: could not write {report}: No space left on device (--errors-csv)"
    assert lines[3].startswith("error: import refused, nothing written")
    assert not report.exists()


def test_charts_follow_the_same_rule(ws: Path, tmp_path: Path) -> None:
    chart = tmp_path / "curves.svg"
    run("comp", "curves", "--out", chart, "-w", ws)
    drawn = chart.read_bytes()
    assert b"<svg" in drawn
    code, text = invoke("comp", "curves", "--out", chart, "-w", ws)
    assert one_error(text) == f"error: {chart} already exists (--out); --overwrite replaces it"
    assert invoke("comp", "curves", "--out", chart, "-w", ws, "--overwrite")[0] == 0
    config = ws / "pipefit.toml"
    code, text = invoke("comp", "curves", "--out", config, "-w", ws, "--overwrite")
    assert "is the workspace configuration" in one_error(text)
    for command in (("plan", "compare"), ("comp", "attainment", "--period", "2026")):
        code, text = invoke(*command, "--chart", ws / "pipefit.db", "-w", ws, "--overwrite")
        assert code == 1
        assert one_error(text).endswith(
            "is the workspace database: pipefit never writes over it (--chart)"
        )
        code, text = invoke(*command, "--chart", tmp_path / "no" / "c.svg", "-w", ws)
        assert one_error(text) == (
            f"error: cannot write {tmp_path / 'no' / 'c.svg'}: there is no folder "
            f"{tmp_path / 'no'} (--chart)"
        )
    assert (ws / "pipefit.db").read_bytes().startswith(SQLITE)


def test_a_pay_run_folder_is_never_written_over_without_overwrite(ws: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run-2026"
    run("comp", "run", "--period", "2026", "--out", folder, "-w", ws)
    summary = folder / "statements.csv"
    first = summary.read_text()
    code, text = invoke("comp", "run", "--period", "2026", "--out", folder, "-w", ws)
    assert one_error(text) == f"error: {summary} already exists (--out); --overwrite replaces it"
    assert summary.read_text() == first
    code, text = invoke("comp", "run", "--period", "2026", "--out", folder, "-w", ws, "--overwrite")
    assert code == 0 and summary.read_text() == first
    code, text = invoke("comp", "run", "--period", "2026", "--out", ws / "pipefit.db", "-w", ws)
    assert "is the workspace database" in one_error(text)
    # The default folder (WORKSPACE/statements/PERIOD) obeys the same rule.
    assert invoke("comp", "run", "--period", "2026Q2", "-w", ws)[0] == 0
    code, text = invoke("comp", "run", "--period", "2026Q2", "-w", ws)
    assert "statements.csv already exists (--out)" in one_error(text)


def test_a_sample_company_is_not_generated_over_another(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("generate", "--out", data, "--opportunities", "200", "--seed", "3")
    teams = (data / "teams.csv").read_text()
    _, text = invoke("generate", "--out", data, "--opportunities", "300", "--seed", "4")
    assert one_error(text) == (
        f"error: {data / 'teams.csv'} already exists (--out); --overwrite replaces it"
    )
    assert (data / "teams.csv").read_text() == teams
    assert invoke("generate", "--out", data, "--opportunities", "200", "--overwrite")[0] == 0
    _, text = invoke("generate", "--out", data / "teams.csv", "--opportunities", "200")
    assert one_error(text) == (
        f"error: {data / 'teams.csv'} is not a folder: give a folder for the files (--out)"
    )
