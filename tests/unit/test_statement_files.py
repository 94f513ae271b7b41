from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from pipefit.domain.plans import AttainmentBasis
from pipefit.domain.statements import Statement, build_statement
from pipefit.io.outputs import Outputs
from pipefit.io.statement_files import StatementFiles
from pipefit.views import to_jsonable
from pipefit.views.statements import StatementDocuments, statement_document

from .comp_factories import deal, ledger, period, rep_plan, tiers

D = Decimal


def statements() -> list[Statement]:
    plan = rep_plan(
        tiers=tiers((0, 100, 1), (100, None, 2)), attainment=AttainmentBasis.CUMULATIVE_ANNUAL
    )
    deals = [
        deal("ACME", 80000, "2026-02-10"),
        deal("GLOBEX <&> CO", 170000, "2026-05-10"),
    ]
    return [build_statement(ledger(plan, deals), period("2026Q2"))]


def write_statements(
    folder: Path, run: list[Statement], skipped: list[tuple[str, str, str]]
) -> list[Path]:
    return StatementFiles(StatementDocuments(), Outputs()).write(folder, run, skipped)


def test_the_lines_file_adds_up_to_each_statement_and_names_earlier_periods(
    tmp_path: Path,
) -> None:
    written = write_statements(tmp_path, statements(), [("emp-zed", "presales", "no pool")])
    assert {p.name for p in written} == {
        "statements.csv",
        "statement_lines.csv",
        "index.html",
        "people",
    }
    with (tmp_path / "statement_lines.csv").open() as handle:
        lines = list(csv.DictReader(handle))
    credit = [line for line in lines if line["section"] == "credit"]
    pay = [line for line in lines if line["section"] != "credit"]
    assert [(c["reference"], c["basis"], c["amount"]) for c in credit] == [
        ("2026Q1", "earlier period", "80000"),
        ("GLOBEX <&> CO", "own", "170000"),
    ]
    assert credit[1]["closed_at"] == "2026-05-10T12:00:00Z"
    assert sum(D(c["amount"]) for c in credit) == D(250000)
    assert sum(D(p["amount"]) for p in pay) == D("22000.00")
    with (tmp_path / "statements.csv").open() as handle:
        (summary,) = list(csv.DictReader(handle))
    assert (summary["credited"], summary["variable_pay"]) == ("250000", "22000.00")
    # 250,000 of a year-to-date quota of 200,000: 125%, written as a plain number.
    assert (summary["quota"], summary["attainment_pct"]) == ("200000.00", "125.00")


def test_pages_escape_what_the_data_says(tmp_path: Path) -> None:
    write_statements(tmp_path, statements(), [("emp-zed", "presales", "<no pool>")])
    page = (tmp_path / "people" / "emp-ada.html").read_text()
    assert "GLOBEX &lt;&amp;&gt; CO" in page
    assert "<&>" not in page
    index = (tmp_path / "index.html").read_text()
    assert "&lt;no pool&gt;" in index
    assert '<a href="people/emp-ada.html">emp-ada</a>' in index


def test_a_page_reads_like_the_statement_with_figures_for_people(tmp_path: Path) -> None:
    write_statements(tmp_path, statements(), [])
    page = (tmp_path / "people" / "emp-ada.html").read_text()
    assert "Ada Lovelace (emp-ada), 2026Q2" in page
    assert "Quota: 200,000.00 USD" in page
    assert "credited in 2026Q1" in page
    assert "= <b>125.00%</b>" in page
    assert "Credited deals" in page and "variable pay" in page
    assert '<td class="num">22,000.00</td>' in page
    assert "Not paid" not in (tmp_path / "index.html").read_text()


def test_the_json_document_carries_every_line_and_whether_it_adds_up() -> None:
    document = json.loads(json.dumps(to_jsonable(statement_document(statements()[0]))))
    assert document["attainment"] == 1.25
    assert document["earlier_credit"] == [{"period": "2026Q1", "credited": 80000}]
    assert [line["kind"] for line in document["lines"]] == ["tier", "tier", "paid earlier"]
    assert document["adds_up"] is True
