"""KPI and pipeline computations over data drawn from the store (one home for the KPI code)."""
