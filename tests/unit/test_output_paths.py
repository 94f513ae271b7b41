"""Nothing a user has is lost by a write: the rule every output path obeys (domain), and
the adapter that gathers the facts and writes whole (io.outputs, bootstrap.outputs)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipefit.bootstrap import outputs
from pipefit.domain.errors import PipefitError
from pipefit.domain.outputs import (
    Guarded,
    Kind,
    OutputRefused,
    Place,
    file_refusal,
    folder_refusal,
)
from pipefit.io.outputs import Outputs, place_of

FOLDER = Place("out", "/w/out", Kind.FOLDER, (1, 2))
DATABASE = Guarded(Place("/w/pipefit.db", "/w/pipefit.db", Kind.FILE, (1, 10)), "the database")
INPUT = Guarded(Place("leads.csv", "/w/leads.csv", Kind.FILE, (1, 11)), "an input")


def new(shown: str, kind: Kind = Kind.MISSING, identity: tuple[int, int] | None = None) -> Place:
    return Place(shown, "/w/" + shown, kind, identity)


def refusal(target: Place, folder: Place = FOLDER, **options: object) -> str | None:
    found = file_refusal(
        target,
        folder=folder,
        field="output.scores",
        guarded=[DATABASE, INPUT],
        **options,  # type: ignore[arg-type]
    )
    assert found is None or found.field == "output.scores"
    return None if found is None else str(found)


# The rule, on facts written by hand.


def test_a_new_file_in_an_existing_folder_may_be_written() -> None:
    assert refusal(new("scored.csv")) is None


def test_the_database_and_an_input_are_refused_even_when_replacing_is_allowed() -> None:
    db = Place("pipefit.db", "/w/pipefit.db", Kind.FILE, (1, 10))
    assert refusal(db, replace=True) == "pipefit.db is the database: pipefit never writes over it"
    leads = Place("leads.csv", "/w/leads.csv", Kind.FILE, (1, 11))
    assert refusal(leads, replace=True) == "leads.csv is an input: pipefit never writes over it"


def test_the_same_file_under_another_name_is_refused_and_both_names_are_given() -> None:
    hard_link = new("copy.csv", Kind.FILE, identity=(1, 10))
    assert refusal(hard_link, replace=True) == (
        "copy.csv is the database (the same file as /w/pipefit.db): pipefit never writes over it"
    )


def test_an_existing_file_is_refused_unless_replacing_is_allowed() -> None:
    existing = new("scored.csv", Kind.FILE, (1, 12))
    refused = file_refusal(existing, folder=FOLDER, field="output.scores")
    assert isinstance(refused, OutputRefused) and refused.replaceable
    assert str(refused) == "scored.csv already exists"
    assert file_refusal(existing, folder=FOLDER, field="output.scores", replace=True) is None


def test_a_missing_folder_or_a_file_as_the_folder_is_refused_naming_it() -> None:
    assert refusal(new("no/scored.csv"), folder=new("no")) == (
        "cannot write no/scored.csv: there is no folder no"
    )
    assert refusal(new("a.txt/scored.csv"), folder=new("a.txt", Kind.FILE)) == (
        "cannot write a.txt/scored.csv: a.txt is not a folder"
    )


def test_a_folder_or_a_device_is_never_replaced_by_a_file() -> None:
    assert refusal(new("out", Kind.FOLDER), replace=True) == "out is a folder: give a file name"
    assert refusal(new("null", Kind.OTHER), replace=True) == (
        "null is not a plain file: give a file name"
    )


def test_two_outputs_of_one_command_may_not_share_a_file() -> None:
    target = new("x.csv")
    claimed = {target.resolved: "output.model"}
    assert refusal(target, claimed=claimed) == (
        "x.csv is already another output of this command: give each its own file"
    )
    # The same output checked again (before its work, then when written) is not a clash.
    assert refusal(target, claimed={target.resolved: "output.scores"}) is None


def test_only_replaceable_refusals_say_so() -> None:
    refused = file_refusal(new("out", Kind.FOLDER), folder=FOLDER, field="f", replace=False)
    assert refused is not None and not refused.replaceable


def test_an_output_folder_is_made_unless_something_else_is_in_the_way() -> None:
    top = Place("/w", "/w", Kind.FOLDER)
    assert folder_refusal(new("run"), above=top, field="output.run") is None
    assert folder_refusal(new("run", Kind.FOLDER), above=top, field="output.run") is None
    assert str(folder_refusal(new("run", Kind.FILE), above=top, field="output.run")) == (
        "run is not a folder: give a folder for the files"
    )
    assert (
        str(folder_refusal(new("a.txt/run"), above=new("a.txt", Kind.FILE), field="output.run"))
        == "cannot make the folder a.txt/run: a.txt is not a folder"
    )
    db = Place("pipefit.db", "/w/pipefit.db", Kind.FILE, (1, 10))
    assert str(folder_refusal(db, above=top, field="output.run", guarded=[DATABASE])) == (
        "pipefit.db is the database: pipefit never writes over it"
    )


# The adapter, on a real folder.


def test_the_facts_of_a_path_follow_links_and_name_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a.csv"
    target.write_text("x")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    place = place_of(link)
    assert (place.shown, place.resolved, place.kind) == (str(link), str(target), Kind.FILE)
    assert place.identity == (target.stat().st_dev, target.stat().st_ino)
    assert place_of(tmp_path).kind is Kind.FOLDER
    assert place_of(tmp_path / "none").kind is Kind.MISSING
    assert place_of(tmp_path / "a.csv" / "b").kind is Kind.MISSING
    assert place_of(Path(os.devnull)).kind is Kind.OTHER


def test_a_link_or_a_hard_link_to_the_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "pipefit.db"
    db.write_bytes(b"SQLite format 3\0")
    (tmp_path / "soft.csv").symlink_to(db)
    os.link(db, tmp_path / "hard.csv")
    files = Outputs([(db, "the workspace database")], replace=True)
    for name in ("soft.csv", "hard.csv", "pipefit.db"):
        with pytest.raises(OutputRefused, match="is the workspace database"):
            files.write_text(tmp_path / name, "file,row\n", "output.errors")
    assert db.read_bytes() == b"SQLite format 3\0"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "scored.csv"
    target.write_text("old")

    def half_then_fail(temp: Path) -> None:
        temp.write_text("new but half")
        raise OSError(28, "No space left on device")

    with pytest.raises(PipefitError) as failed:
        Outputs(replace=True).write(target, half_then_fail, "output.scores")
    assert str(failed.value) == f"could not write {target}: No space left on device"
    assert failed.value.field == "output.scores"
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["scored.csv"]


def test_a_replaced_file_keeps_its_permissions_and_a_new_one_is_not_private(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "kept.csv"
    kept.write_text("old")
    kept.chmod(0o640)
    files = Outputs(replace=True)
    files.write_text(kept, "new", "output.scores")
    assert (kept.read_text(), stat.S_IMODE(kept.stat().st_mode)) == ("new", 0o640)
    fresh = files.write_text(tmp_path / "fresh.csv", "x", "output.model")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask


def test_replacing_through_a_link_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    Outputs(replace=True).write_text(link, "new", "output.scores")
    assert link.is_symlink() and target.read_text() == "new"


def test_a_folder_of_outputs_is_checked_whole_before_the_first_file_is_written(
    tmp_path: Path,
) -> None:
    run = tmp_path / "run"
    (run / "people").mkdir(parents=True)
    (run / "people" / "ada.html").write_text("last month's")
    files = Outputs()
    with pytest.raises(OutputRefused, match=r"people/ada.html already exists"):
        files.check_folder(run, ["statements.csv", "people/ada.html"], "output.run")
    assert sorted(p.name for p in run.iterdir()) == ["people"]
    made = Outputs().check_folder(tmp_path / "new" / "run", ["a.csv", "b/c.csv"], "output.run")
    assert not made.exists()  # checked only; made when written


def test_an_output_folder_under_a_file_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(OutputRefused, match=r"a.txt is not a folder"):
        Outputs().make_folder(tmp_path / "a.txt" / "run", "output.run")


def test_the_workspace_guards_its_database_journals_configuration_and_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIPEFIT_DATABASE_URL", raising=False)
    leads = tmp_path / "leads.csv"
    guarded = outputs(tmp_path, inputs=[leads, None]).guarded
    assert [(Path(g.place.resolved).name, g.what) for g in guarded] == [
        ("pipefit.db", "the workspace database"),
        ("pipefit.db-wal", "a journal of the workspace database"),
        ("pipefit.db-shm", "a journal of the workspace database"),
        ("pipefit.db-journal", "a journal of the workspace database"),
        ("pipefit.toml", "the workspace configuration"),
        ("leads.csv", "an input of this command"),
    ]
    elsewhere = tmp_path / "data" / "crm.sqlite"
    monkeypatch.setenv("PIPEFIT_DATABASE_URL", f"sqlite:///{elsewhere}")
    assert outputs(tmp_path).guarded[0].place.resolved == str(elsewhere)
    server = outputs(tmp_path, database_url="postgresql://db.example/pipefit").guarded
    assert [g.what for g in server] == ["the workspace configuration"]
