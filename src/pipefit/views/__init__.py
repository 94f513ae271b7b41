"""The presenter layer: one typed shape per report, statement, decision, score and plan
result (`View`), and the renderers every entry point shares (terminal table, JSON, CSV,
HTML). Machine formats carry plain values (numbers, ISO dates, ids); only the renderers for
people format them (thousands separators, percentages, durations).
"""

from pipefit.views.render import OUTPUT_FORMATS, render, to_csv, to_html, to_json, to_jsonable
from pipefit.views.shapes import Column, Fact, Kind, Table, View

__all__ = [
    "OUTPUT_FORMATS",
    "Column",
    "Fact",
    "Kind",
    "Table",
    "View",
    "render",
    "to_csv",
    "to_html",
    "to_json",
    "to_jsonable",
]
