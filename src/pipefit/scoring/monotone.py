"""A monotone fit of a scorecard parameter's points (isotonic regression, scikit-learn's).

The domain says which way a number should score (a faster time to value is better, a
bigger buying team riskier); a proposal drawn from a few dozen customers zig-zags by
chance. The isotonic fit is the closest monotone sequence, in weighted least squares, to
the points the customers gave: it pools neighbouring steps that disagree with the order
and leaves the rest alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.isotonic import IsotonicRegression

__all__ = ["isotonic_points"]


def isotonic_points(
    points: Sequence[float], weights: Sequence[float], increasing: bool
) -> list[float]:
    """`points` (in step order) made monotone, each step weighted by `weights`."""
    x = np.arange(len(points), dtype=np.float64)
    fit = IsotonicRegression(increasing=increasing, y_min=0.0, y_max=100.0)
    fitted = fit.fit_transform(
        x, np.asarray(points, np.float64), sample_weight=np.asarray(weights, np.float64)
    )
    return [float(v) for v in fitted]
