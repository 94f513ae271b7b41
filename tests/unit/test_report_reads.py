"""A report is handed only the relations it reads: the big ones (activities, leads) go
only to the reports that name them, so a report that starts reading one must say so."""

from __future__ import annotations

import inspect
import re

from pipefit.analytics.relations import RELATIONS
from pipefit.services import reports
from pipefit.services.reports import HEAVY_READERS


def _source_names(module: object) -> str:
    """The text of a report module and of the report modules it imports."""
    text = inspect.getsource(module)  # type: ignore[arg-type]
    for imported in re.findall(r"from pipefit\.analytics\.reports\.(\w+) import", text):
        text += inspect.getsource(
            __import__(f"pipefit.analytics.reports.{imported}", fromlist=["x"])
        )
    return text


def test_a_report_that_names_a_heavy_relation_is_handed_it() -> None:
    for name, module in reports.registry().items():
        text = _source_names(module)
        for relation in HEAVY_READERS:
            mentions = re.search(rf"\b(FROM|JOIN) {relation}\b|\b{relation}_as_of\(", text)
            if mentions:
                assert relation in reports.reads(name), (name, relation)


def test_other_reports_are_not_handed_the_heavy_relations() -> None:
    assert "activities" not in reports.reads("kpis")
    assert "leads" not in reports.reads("time-in-stage")
    assert reports.reads("signals") >= {"activities", "deals", "events"}
    assert reports.reads("funnel") >= {"leads", "deals", "events", "stages"}
    assert reports.reads("kpis") >= set(RELATIONS) - set(HEAVY_READERS)
