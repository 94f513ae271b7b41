"""The formulas of the reports, each once, as pure functions over plain records (the oracles)."""
