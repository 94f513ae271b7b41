"""The formulas of pipefit's reports, each written once as a pure function (the oracles).

Reports compute the same figures set at a time in SQL (`analytics.reports`); tests compare
the two. Records are plain dataclasses (`records`); one module per concept: rates and
intervals, cycles, stalled deals, velocity, revenue, coverage, retention, pairs and the
KPI summary that puts them together.
"""
