"""Charts as Vega-Altair specs, rendered offline by vl-convert to PNG, SVG or HTML."""
