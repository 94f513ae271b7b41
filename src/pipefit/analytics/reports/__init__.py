"""One module per report. Each defines

- `NAME` (as `pipefit report NAME` spells it) and `TITLE` (a line for people);
- `run(con, query) -> ReportResult`: the report's SQL over the relations of
  `analytics.relations`, replayed to `query.as_of` with `analytics.replay`, cut and
  filtered as `query` says (`analytics.query.CUTS`);
- optionally `chart(result) -> altair chart`, drawn offline by `charts`.

The SQL of a report lives in its module (or beside it), in one place, in standard SQL.
Every formula is also written once as a pure function in `domain.metrics` (the oracle)
that tests compare the SQL with.
"""
