"""Errors raised below the entry points speak the domain, never a command line's flags.

A message such as "an override needs who made it (--by)" is right in a terminal and wrong
over HTTP. Below the entry points an error says what is missing in words and names the
input as a field (`PipefitError(..., field="override.by")`); each entry point maps the field
to its own vocabulary (the CLI's `cli/errors.FLAGS`). This test reads every module outside
the entry points and fails on any `--flag` in the text of a raised error or of an error
built to be collected (`RowError(...)` appended to a list).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "pipefit"
ENTRY_POINTS = ("cli", "api", "web")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
# Exception classes of the standard library a message may be given to; pipefit's own are
# found by reading the source (every class deriving from one of these, or from those).
BASE_ERRORS = {"Exception", "ValueError", "TypeError", "KeyError", "LookupError", "RuntimeError"}


def modules_below_the_entry_points() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] not in ENTRY_POINTS
    ]


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def error_classes(trees: list[ast.Module]) -> set[str]:
    """Names of the exception classes: the base ones and every class deriving from them."""
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    known = set(BASE_ERRORS)
    grew = True
    while grew:
        grew = False
        for cls in classes:
            if cls.name not in known and any(_name(b) in known for b in cls.bases):
                known.add(cls.name)
                grew = True
    return known


def _texts(node: ast.AST) -> Iterator[tuple[int, str]]:
    """Every piece of literal text inside an expression (f-string parts included)."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            yield inner.lineno, inner.value


def error_calls(tree: ast.Module, errors: set[str]) -> Iterator[ast.Call]:
    """Calls whose result is raised, and constructions of an error class anywhere."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            yield node.exc
        elif isinstance(node, ast.Call) and _name(node.func) in errors:
            yield node


def flags_in_error_messages(paths: list[Path], root: Path) -> list[str]:
    trees = {path: ast.parse(path.read_text("utf-8"), str(path)) for path in paths}
    errors = error_classes(list(trees.values()))
    found: set[tuple[str, int, str]] = set()
    for path, tree in trees.items():
        for call in error_calls(tree, errors):
            for argument in [*call.args, *(k.value for k in call.keywords if k.arg != "field")]:
                for line, text in _texts(argument):
                    for flag in FLAG.findall(text):
                        found.add((str(path.relative_to(root)), line, flag))
    return [f"{name}:{line}: {flag}" for name, line, flag in sorted(found)]


def test_no_error_raised_below_the_entry_points_names_a_command_line_flag() -> None:
    found = flags_in_error_messages(modules_below_the_entry_points(), PACKAGE.parent)
    assert not found, (
        "messages below the entry points name command-line flags; say it in words and set "
        "field=... (cli/errors.py FLAGS maps it to the flag):\n" + "\n".join(found)
    )


def test_the_scan_finds_flags_in_raised_and_collected_errors_but_not_in_other_text(
    tmp_path: Path,
) -> None:
    (tmp_path / "routing.py").write_text(
        "class PipefitError(Exception): ...\n"
        "class RowError(PipefitError): ...\n"
        "HELP = 'use --by to say who'\n"
        "def check(who, problems):\n"
        "    if not who:\n"
        "        raise PipefitError(f'an override needs who made it (--by), got {who}')\n"
        "    problems.append(RowError('a start date (--from) is missing', field='from'))\n"
        "    raise fail('until', 'a re-entry date is needed --until')\n"
        "    raise PipefitError('a hand-off needs the rep to hand to', field='override.to')\n"
        "    raise PipefitError('the range 10--20 is empty')\n",
        "utf-8",
    )
    found = flags_in_error_messages([tmp_path / "routing.py"], tmp_path)
    assert found == ["routing.py:6: --by", "routing.py:7: --from", "routing.py:8: --until"]
