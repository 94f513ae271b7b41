"""A pay run's files.

`pipefit comp run` writes, into one folder:
- `statements.csv`: one row per person (quota, credit, attainment, pay);
- `statement_lines.csv`: every line of every statement (credited deals, tiers,
  adjustments), so that each person's lines can be summed back to their totals;
- `index.html` and `people/<person>.html`: the same, for people to read.

The summary and the pages are made by the presenter layer (`views.statements`, handed in
as `RunDocuments` by bootstrap); this module lays out the folder and writes the lines
file itself, column by column in Arrow (a year of a large company is millions of lines).
Every file goes through `Outputs`: all of them are checked before the first is written
(none replaces the workspace's database or an existing file unless allowed), and each
is written whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipefit.domain.statements import Statement
from pipefit.io.outputs import Outputs

__all__ = ["LINE_COLUMNS", "RunDocuments", "StatementFiles"]

Skipped = tuple[str, str, str]  # person, role, why they were not paid

LINE_COLUMNS = (
    "person",
    "period",
    "section",
    "reference",
    "closed_at",
    "deal_amount",
    "deal_currency",
    "rate",
    "percent",
    "basis",
    "via",
    "label",
    "amount",
)


class RunDocuments(Protocol):
    """What people and spreadsheets read of a run, made by the presenter layer."""

    def summary_csv(self, statements: Sequence[Statement]) -> str: ...

    def page_name(self, person_id: str) -> str: ...

    def person_page(self, statement: Statement) -> str: ...

    def index_page(self, statements: Sequence[Statement], skipped: Sequence[Skipped]) -> str: ...


_KIND, _LABEL, _AMOUNT = attrgetter("kind"), attrgetter("label"), attrgetter("amount")
_DEAL, _BASIS, _CREDIT = attrgetter("deal"), attrgetter("basis"), attrgetter("credit")
_PERCENT, _VIA = attrgetter("percent"), attrgetter("via")


class _Deals:
    """Each distinct deal once, and each credit line's row among them: a pool's deals recur
    in every member's statement, and their columns are then one `take` in Arrow. Built
    with C-level maps over object ids (a deal is one object however many lines name it)."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        lines = list(chain.from_iterable(s.deals for s in statements))
        keys = list(map(id, map(_DEAL, lines)))
        by_key = dict(zip(keys, lines, strict=True))  # first-seen order, any line per deal
        position = {key: i for i, key in enumerate(by_key)}
        self.rows: list[int] = list(map(position.__getitem__, keys))
        self.lines = list(by_key.values())

    def columns(self) -> dict[str, pa.Array]:
        deals = list(map(_DEAL, self.lines))
        stamps = pa.array([d.closed_at for d in deals], pa.timestamp("us", tz="UTC"))
        seconds = pc.cast(stamps, pa.timestamp("s", tz="UTC"), safe=False)
        return {
            "reference": pa.array([d.opportunity_id for d in deals], pa.string()),
            "closed_at": pc.strftime(seconds, "%Y-%m-%dT%H:%M:%SZ"),
            "deal_amount": pa.array([str(d.amount) for d in deals], pa.string()),
            "deal_currency": pa.array([d.currency for d in deals], pa.string()),
            "rate": pa.array([str(c.rate) for c in self.lines], pa.string()),
        }


def _lines_table(statements: Sequence[Statement]) -> pa.Table:
    """Every line of every statement, column by column: per-line values are gathered with
    C-level getters, per-deal values once per deal; Arrow writes the file. Amounts go in
    as their exact decimal text (Arrow's own Decimal conversion is slow).

    Credit lines carry the deal's figures so a script can recompute them; pay lines
    their label. Per person, `amount` sums to the credit (section credit) and to the
    variable pay (every other section)."""
    per_line = ("person", "period", "section", "percent", "basis", "via", "label", "amount")
    cols: dict[str, list[Any]] = {name: [] for name in per_line}
    rows: list[int | None] = []
    earlier_refs: dict[int, str] = {}
    line_refs: dict[int, str] = {}
    distinct = _Deals(statements)
    taken = 0
    for s in statements:
        deals, lines, earlier = s.deals, s.lines, s.earlier
        count = len(earlier) + len(deals) + len(lines)
        before, after = [None] * len(earlier), [None] * len(lines)
        for p, _ in earlier:
            earlier_refs[len(rows)] = p
            rows.append(None)
        rows += distinct.rows[taken : taken + len(deals)]
        taken += len(deals)
        for i, line in enumerate(lines):
            if line.deals:
                line_refs[len(rows) + i] = " ".join(line.deals)
        rows += after
        cols["person"] += [s.person_id] * count
        cols["period"] += [s.period.label] * count
        cols["section"] += ["credit"] * (len(earlier) + len(deals))
        cols["section"] += map(_KIND, lines)
        cols["percent"] += before
        cols["percent"] += map(str, map(_PERCENT, deals))
        cols["percent"] += after
        cols["basis"] += ["earlier period"] * len(earlier)
        cols["basis"] += map(_BASIS, deals)
        cols["basis"] += after
        cols["via"] += before
        cols["via"] += map(_VIA, deals)
        cols["via"] += after
        cols["label"] += before + [None] * len(deals)
        cols["label"] += map(_LABEL, lines)
        cols["amount"] += [str(a) for _, a in earlier]
        cols["amount"] += map(str, map(_CREDIT, deals))
        cols["amount"] += map(str, map(_AMOUNT, lines))
    picks = pa.array(rows, pa.int64())
    arrays = {name: pa.array(values, pa.string()) for name, values in cols.items()}
    for name, column in distinct.columns().items():
        arrays[name] = column.take(picks)
    if earlier_refs:  # cumulative plans: "credited in 2026Q1" lines name the period
        refs = arrays["reference"].to_pylist()
        for i, p in earlier_refs.items():
            refs[i] = p
        arrays["reference"] = pa.array(refs, pa.string())
    if line_refs:  # SPIFF lines name their deals
        refs = arrays["reference"].to_pylist()
        for i, deal_ids in line_refs.items():
            refs[i] = deal_ids
        arrays["reference"] = pa.array(refs, pa.string())
    return pa.table({name: arrays[name] for name in LINE_COLUMNS})


class StatementFiles:
    """A `StatementWriter` that writes a run into a folder of CSV files and HTML pages."""

    FIELD = "output.run"

    def __init__(self, documents: RunDocuments, files: Outputs) -> None:
        self._documents = documents
        self._files = files

    def write(
        self,
        folder: Path,
        statements: Sequence[Statement],
        skipped: Sequence[Skipped],
        *,
        html: bool = True,
    ) -> list[Path]:
        """Write the run's CSV files (and HTML pages); return the files written."""
        files, field = self._files, self.FIELD
        summary = folder / "statements.csv"
        lines_file = folder / "statement_lines.csv"
        people_dir = folder / "people"
        index = folder / "index.html"
        pages = {people_dir / self._documents.page_name(s.person_id): s for s in statements}
        names = [summary.name, lines_file.name]
        if html:
            names += [index.name, *(str(page.relative_to(folder)) for page in pages)]
        files.check_folder(folder, names, field)
        files.make_folder(folder, field)
        files.write_text(summary, self._documents.summary_csv(statements), field)

        def fill_lines(temp: Path) -> None:
            with temp.open("wb") as raw:
                raw.write((",".join(LINE_COLUMNS) + "\r\n").encode())
                options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
                pa_csv.write_csv(_lines_table(statements), raw, options)

        files.write(lines_file, fill_lines, field)
        written = [summary, lines_file]
        if not html:
            return written
        files.make_folder(people_dir, field)
        for page, s in pages.items():
            files.write_text(page, self._documents.person_page(s), field)
        files.write_text(index, self._documents.index_page(statements, skipped), field)
        return [*written, index, people_dir]
