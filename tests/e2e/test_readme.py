"""The README's walkthrough works as written, on a fresh workspace, in order.

The first ```sh block of "What you can do today" is read line by line: each `pipefit`
command runs in a fresh folder and must exit 0, except a command followed by a comment
`#   error: ...` (continued on indented comment lines), which must fail with exactly that
message. Commands that need files a reader brings (real CRM exports, a plan file) are
skipped by name below, and only while those files are indeed absent.
"""

from __future__ import annotations

import glob
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from .cli import run

README = Path(__file__).resolve().parents[2] / "README.md"

# The reader's own files: these lines are shown, not run.
NEEDS_FILES = {
    'pipefit import Opportunity.csv "Opportunity History.csv" --format salesforce -w acme',
    "pipefit import deals-export.csv --format hubspot -w acme",
    "pipefit import sales_pipeline.csv accounts.csv sales_teams.csv products.csv"
    " --format maven -w acme",
    "pipefit import deals.csv --mapping my-crm.toml -w acme",
    "pipefit import deals.csv --mapping my-crm.toml --dry-run -w acme",
    "pipefit leads score Leads.csv --target Converted --format json",
    "pipefit comp calc --plan plan.toml --quota 300000 --bookings 390000 --format json",
}
FILE_ARGUMENT = re.compile(r"\.(csv|toml|parquet)$")


@dataclass
class Step:
    line: str
    words: list[str]
    refusal: str | None = None


def _canonical(line: str) -> str:
    return shlex.join(shlex.split(line, comments=True))


def walkthrough(text: str) -> list[Step]:
    """The pipefit commands of the section's first sh block, with their documented refusals."""
    section = text.split("## What you can do today", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    steps: list[Step] = []
    refusal: list[str] | None = None
    for line in block.splitlines():
        comment = line.lstrip().startswith("#")
        body = line.lstrip()[1:] if comment else ""
        if comment and body.lstrip().startswith("error:") and steps:
            refusal = [body.strip()]
            steps[-1].refusal = body.strip()
        elif comment and refusal is not None and body.startswith("    "):
            refusal.append(body.strip())
            steps[-1].refusal = " ".join(refusal)
        else:
            refusal = None
        words = shlex.split(line, comments=True)
        if words and words[0] == "pipefit":
            steps.append(Step(line, words))
    return steps


def test_the_walkthrough_is_read_with_its_refusal_and_its_skipped_lines() -> None:
    steps = walkthrough(README.read_text("utf-8"))
    refused = [s for s in steps if s.refusal]
    assert [s.words[:3] for s in refused] == [["pipefit", "pipeline", "advance"]]
    assert refused[0].refusal == (
        "error: Evaluation needs an evaluation meeting booked and accepted by the prospect; "
        "found: booked 2026-03-02, not accepted by the prospect"
    )
    shown = {_canonical(s.line) for s in steps}
    missing = {_canonical(line) for line in NEEDS_FILES} - shown
    assert not missing, f"allow-listed lines no longer in the README: {missing}"


@pytest.mark.slow
def test_every_command_of_the_readme_walkthrough_works_on_a_fresh_workspace(
    tmp_path: Path,
) -> None:
    skipped = {_canonical(line) for line in NEEDS_FILES}
    ran = 0
    for step in walkthrough(README.read_text("utf-8")):
        if _canonical(step.line) in skipped:
            files = [w for w in step.words if FILE_ARGUMENT.search(w)]
            assert any(not (tmp_path / f).exists() for f in files), step.line
            continue
        args: list[str] = []
        for word in step.words[1:]:
            matches = sorted(glob.glob(word, root_dir=tmp_path)) if "*" in word else [word]
            assert matches, f"{word} matches no file: {step.line}"
            args.extend(matches)
        result = run(*args, cwd=tmp_path, check=False)
        ran += 1
        if step.refusal is None:
            assert result.returncode == 0, f"{step.line}\n{result.stderr}"
        else:
            assert result.returncode == 1, step.line
            assert " ".join(result.stderr.split()) == step.refusal
    assert ran >= 20
