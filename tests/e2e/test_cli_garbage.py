"""Every command, fed garbage, answers in one line: never a traceback, never an internal
error, and a non-zero exit for what it refuses.

The commands are found by walking the Typer app (a new command is covered the day it is
added). Each is run in-process, as `pipefit` runs it (`pipefit.cli.run`: the same last
line of defence as `main`), against a fresh small workspace: once with sensible values
for its required parameters, once with an unknown option, and once per garbage value of
each parameter (wrong types, empty strings, missing files, a folder for a file, the
workspace's database, huge numbers, NaN). The database URL (--db) is left to the tests
of the database's own refusals.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer.main

from pipefit.cli import app

from ..integration.native_files import write_native
from . import cli
from .inprocess import invoke

HUGE = "9" * 30
LEADS = "lead_id,size,industry,Won\n" + "".join(
    f"L{i},{10 + 7 * i % 50},{'ab'[i % 3 == 0]},{i % 2}\n" for i in range(10)
)
PLAN = """\
name = "rep"
variable_target = 30000
tiers = [{ from = 0, to = 100, rate = 1 }, { from = 100, rate = 2 }]
"""


@dataclass(frozen=True)
class Call:
    args: tuple[str, ...]
    refused: bool  # must exit non-zero


@dataclass(frozen=True)
class Place:
    """The fresh workspace and files the calls use."""

    root: Path
    ws: Path
    imports: tuple[Path, ...]
    leads: Path
    plan: Path

    @property
    def database(self) -> Path:
        return self.ws / "pipefit.db"


def commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            yield path, command
            return
        for name in sorted(subcommands):
            yield from walk(subcommands[name], (*path, name))

    return walk(typer.main.get_command(app), ())


def annotation(param: Any) -> Any:
    """The Python type a parameter takes (list[X] and X | None as X)."""
    found = param.type_descriptor.annotation
    while typing.get_origin(found) in (list, typing.Union) or type(found).__name__ == "UnionType":
        found = next(a for a in typing.get_args(found) if a is not type(None))
    return found


INPUT_FILES = {"files", "file", "mapping", "model", "plan"}
AMOUNTS = {"amount", "quota", "bookings", "variable", "base", "gain", "reps_per_presales",
           "rep_quota", "attainment"}  # fmt: skip
OUTPUTS = {"errors_csv", "out_file", "save_model", "out_dir", "chart"}


def sensible(command: tuple[str, ...], name: str, at: Place) -> list[str]:
    """A value that makes sense for a required parameter (or one a command needs to run
    quickly), so that the garbage in another one is what gets looked at."""
    values: dict[str, list[str]] = {
        "opportunity": ["ACME-RENEWAL-Q3"],
        "stage": ["Evaluation"],
        "kind": ["demo_held"],
        "person": ["P-DANA"],
        "owner": ["P-DANA"],
        "lead": ["L-1"],
        "period": ["2026"],
        "plan": [str(at.plan)],
        "quota": ["100000"],
        "bookings": ["50000"],
        "amount": ["120000"],
        "effective": ["2026-03-01"],
        "decision": ["nurture"],
        "by": ["P-DANA"],
        "files": [str(p) for p in at.imports],
        "file": [str(at.leads)],
        "chart": [str(at.root / "made" / "curves.json")],
        "opportunities": ["50"],
        "event": ["1"],
        "category": ["commit"],
        "name": ["forecast"],
        "email": ["ana@example.com"],
        "role": ["admin"],
    }
    if command == ("opportunity", "add") and name == "opportunity":
        return ["NEW-DEAL"]
    return values[name]


# Commands that need no workspace (they take --workspace only for its settings, if any).
NO_WORKSPACE_NEEDED = {("comp", "calc"), ("generate",), ("leads", "score"), ("init",), ("demo",)}


def garbage(command: tuple[str, ...], name: str, kind: Any, at: Place) -> Iterator[Call]:
    """Bad values for one parameter; `refused` where any of them must be refused."""
    missing = str(at.root / "missing" / "-".join(command) / "file.csv")
    if kind is bool:
        return
    if isinstance(kind, type) and issubclass(kind, Enum):
        yield Call(("bogus",), refused=True)
        return
    if kind is int:
        for value in ("abc", "1.5", "NaN", "", HUGE, "-" + HUGE):
            yield Call((value,), refused=value not in (HUGE, "-" + HUGE))
        return
    if kind is not Path:
        for value in ("", "NaN", "1e400", "-" + HUGE, "2026-13-45T99:99"):
            yield Call((value,), refused=name in AMOUNTS)
        return
    if name in INPUT_FILES:
        for value in (missing, str(at.root), ""):
            yield Call((value,), refused=True)
        # The database read as an input: a file of the wrong kind (an import takes any file
        # as text of its own, and may find nothing wrong in it).
        yield Call((str(at.database),), refused=name != "files")
    elif name == "out_dir":  # a folder of outputs: made if missing
        for value in (missing, str(at.root / "made" / "-".join(command))):
            yield Call((value,), refused=False)
        for value in (str(at.database), str(at.plan)):
            yield Call((value,), refused=True)
    elif name in OUTPUTS:
        for value in (missing, str(at.root), "", str(at.database), str(at.plan)):
            yield Call((value,), refused=True)
    elif command in {("init",), ("demo",)}:
        # Either would build a workspace anywhere else (and the others would then use it).
        yield Call((str(at.database),), refused=True)
    else:
        for value in (str(at.root / "missing" / "-".join(command)), str(at.database), ""):
            yield Call((value,), refused=command not in NO_WORKSPACE_NEEDED)


# Commands that run until stopped: a walk cannot wait for them (test_cli_serve runs it).
LONG_RUNNING = {("serve",)}


def calls(at: Place) -> Iterator[tuple[str, Call]]:
    for command, click_command in commands():
        if command in LONG_RUNNING:
            continue
        params = [p for p in click_command.params if p.name not in ("help",)]
        base: dict[str, list[str]] = {}
        for p in params:
            if p.required or (p.name == "opportunities"):
                base[p.name] = sensible(command, p.name, at)
            if p.name == "workspace" and command not in {("init",), ("demo",)}:
                base[p.name] = [str(at.ws)]
            if command == ("init",) and p.name == "directory":
                # Not the current folder: the walk's other commands must not find one there.
                base[p.name] = [str(at.root / "made" / "init")]

        def line(
            changed: str | None = None,
            value: tuple[str, ...] = (),
            *,
            params: list[Any] = params,
            base: dict[str, list[str]] = base,
            command: tuple[str, ...] = command,
        ) -> tuple[str, ...]:
            args: list[str] = [*command]
            for p in params:
                values = list(value) if p.name == changed else base.get(p.name)
                if values is None or (changed == "workspace" and p.name == "directory"):
                    continue  # init's folder, given, would win over --workspace
                if p.param_type_name == "argument":
                    args += values
                else:
                    args += [arg for v in values for arg in (p.opts[0], v)]
            return tuple(args)

        name = " ".join(command)
        if command not in {("demo",), ("init",), ("generate",)}:
            yield name, Call(line(), refused=False)
        yield name, Call((*line(), "--no-such-option"), refused=True)
        for p in params:
            for bad in garbage(command, p.name, annotation(p), at):
                yield name, Call(line(p.name, bad.args), bad.refused)


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Place:
    for variable in ("PIPEFIT_WORKSPACE", "PIPEFIT_DATABASE_URL", "PIPEFIT_DEBUG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)  # whatever lands in "the current folder" lands here
    ws = tmp_path / "acme"
    assert invoke("init", ws)[0] == 0
    imports = tuple(write_native(tmp_path / "in"))
    assert invoke("import", *imports, "-w", ws)[0] == 0
    leads, plan = tmp_path / "leads.csv", tmp_path / "plan.toml"
    leads.write_text(LEADS)
    plan.write_text(PLAN)
    return Place(tmp_path, ws, imports, leads, plan)


def test_every_command_answers_garbage_in_one_line_and_refuses_it(place: Place) -> None:
    problems: list[str] = []
    seen: set[str] = set()
    for name, call in calls(place):
        seen.add(name)
        code, printed = invoke(*call.args)
        said = printed.strip().splitlines()[-1:] or ["(nothing)"]
        if "Traceback" in printed or "internal error" in printed:
            problems.append(f"pipefit {' '.join(call.args)}\n    {printed.strip()[-600:]}")
        elif call.refused and code == 0:
            problems.append(f"pipefit {' '.join(call.args)}: accepted ({said[0]})")
        elif code not in (0, 1, 2):
            problems.append(f"pipefit {' '.join(call.args)}: exit {code} ({said[0]})")
    assert place.database.read_bytes().startswith(b"SQLite format 3\0")
    assert len(seen) >= 30, sorted(seen)
    assert not problems, f"{len(problems)} answers went wrong:\n" + "\n".join(problems)


# The cases seen as tracebacks, one by one, as a user runs them.


def test_leads_score_on_ten_rows_with_two_folds_compares_and_scores(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(LEADS)
    result = cli.run("leads", "score", leads, "--target", "Won", "--folds", "2", "-f", "json")
    scored = json.loads(result.stdout)
    assert scored["rows"] == 10 and scored["folds"] == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "why"),
    [
        ("--bookings", "NaN", "is not a finite number"),
        ("--bookings", "1e400", "is too large (at most 99,999,999,999,999.9999)"),
        ("--quota", "Infinity", "is not a finite number"),
        ("--quota", "-inf", "is not a finite number"),
        ("--bookings", "1,2,3", "is not a number"),
        ("--variable", "0.000001", "has more than 4 decimal places"),
    ],
)
def test_comp_calc_refuses_amounts_that_are_not_finite_or_absurd_in_one_line(
    tmp_path: Path, option: str, value: str, why: str
) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN)
    amounts = {"--quota": "100000", "--bookings": "50000", option: value}
    given = [arg for pair in amounts.items() for arg in pair]
    result = cli.run("comp", "calc", "--plan", plan, *given, check=False)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: {option} {value!r} {why}\n"


def test_a_file_that_is_not_text_as_a_plan_is_refused_in_one_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_bytes(b"SQLite format 3\0\x95\xff")
    result = cli.run("comp", "calc", "--plan", plan, "--quota", "1", "--bookings", "1",
                     check=False)  # fmt: skip
    assert (result.returncode, result.stderr) == (
        1, f"error: {plan}: not a plan file (not UTF-8 text)\n"
    )  # fmt: skip


def test_an_unexpected_error_is_one_line_asking_for_a_report(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import pipefit.services.status

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug of ours\nwith a second line")

    ws = tmp_path / "acme"
    assert invoke("init", ws)[0] == 0
    monkeypatch.setattr(pipefit.services.status, "workspace_status", broken)
    monkeypatch.delenv("PIPEFIT_DEBUG", raising=False)
    code, text = invoke("status", "-w", ws)
    assert (code, text) == (
        1,
        "internal error: RuntimeError: a bug of ours; please report it with the command you "
        "ran (PIPEFIT_DEBUG=1 shows the details)\n",
    )
    monkeypatch.setenv("PIPEFIT_DEBUG", "1")  # the traceback, for whoever fixes it
    with pytest.raises(RuntimeError, match="a bug of ours"):
        invoke("status", "-w", ws)


def test_a_file_the_system_refuses_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import pipefit.services.status

    def unreadable(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/srv/crm/export.csv")

    ws = tmp_path / "acme"
    assert invoke("init", ws)[0] == 0
    monkeypatch.setattr(pipefit.services.status, "workspace_status", unreadable)
    assert invoke("status", "-w", ws) == (
        1, "error: cannot use /srv/crm/export.csv: Permission denied\n"
    )  # fmt: skip
