"""The formulas behind the reports, once each: pure functions the report SQL is tested against."""
