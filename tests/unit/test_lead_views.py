"""The lead views: plain values for machines (numbers, ISO 8601), formatted tables for people."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from pipefit.domain.routing import LeadDecision
from pipefit.services.lead_files import FileScores
from pipefit.services.qualification import QualifyResult
from pipefit.views import render, to_csv, to_json
from pipefit.views.leads import decisions_view, file_scores_view, qualify_view

from .lead_factories import NOW


def nurture() -> LeadDecision:
    return LeadDecision(
        lead_id="LEAD-NORTHWIND-1", at=NOW, band="Risky", decision="nurture", method="scorecard",
        score=50.0, reasons=("Risky: needs match 65%", "BANT: qualified"),
        nurture_until=NOW + timedelta(days=90), decision_id=7,
    )  # fmt: skip


def shown(view: object) -> str:
    console = Console(file=io.StringIO(), width=200)
    render(view, "table", console)  # type: ignore[arg-type]
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def test_decisions_as_json_and_csv_carry_iso_times_and_plain_numbers() -> None:
    view = decisions_view([nurture()])

    [row] = json.loads(to_json(view))
    assert row["at"] == "2026-06-01T09:00:00+00:00"
    assert row["until"] == "2026-08-30"
    assert row["id"] == 7
    lines = to_csv(view).splitlines()
    assert (
        lines[0] == "id,at,lead,band,decision,to,until,by,method,state,superseded_by,note,reasons"
    )
    assert lines[1].startswith("7,2026-06-01T09:00:00+00:00,LEAD-NORTHWIND-1,Risky,nurture,,")
    assert "2026-08-30,pipefit,scorecard" in lines[1]


def test_a_qualify_run_tells_how_many_of_each_decision_and_whether_it_was_written() -> None:
    dry = qualify_view(QualifyResult([nurture(), nurture()], [], notes=["P(win) not learned"]))

    text = shown(dry)
    assert "Decided: 2 nurture (dry run: nothing written)" in text
    assert "Decisions (dry run)" in text
    assert "2026-06-01 09:00" in text
    assert "note: P(win) not learned" in text
    document = json.loads(to_json(dry))
    assert document["written"] is False
    assert [d["until"] for d in document["decisions"]] == ["2026-08-30", "2026-08-30"]


def test_the_roc_auc_comparison_is_a_plain_number_in_csv_and_three_decimals_on_screen() -> None:
    result = FileScores(
        path=Path("leads.csv"), target="Converted", positive="1", rows=500,
        positive_rate=0.38, folds=3, auc={"pipefit": 0.91234, "naive_bayes": None},
        leaks=[], excluded=[], features=["Lead Source"],
    )  # fmt: skip
    view = file_scores_view(result)

    assert to_csv(view).splitlines() == ["method,roc_auc", "pipefit,0.9123", "naive_bayes,"]
    text = shown(view)
    assert "leads.csv: 500 leads, 38.0% 'Converted' = 1; 1 fields used" in text
    assert "3-fold ROC-AUC" in text
    assert "0.912" in text
    assert json.loads(to_json(view))["auc"] == {"pipefit": 0.9123, "naive_bayes": None}
