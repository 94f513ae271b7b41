"""KPI and pipeline computations over data drawn from the store."""
