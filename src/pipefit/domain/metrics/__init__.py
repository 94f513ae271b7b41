"""The formulas of pipefit's reports, each written once as a pure function (the oracles)."""
