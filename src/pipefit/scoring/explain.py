"""Why a lead scored as it did, in words, for a million leads at a time.

Reasons come from the model's linear parts: each field's pull on the log-odds (with the
pair model in the blend, its main effect plus half of each pair it is in), measured
against the average lead's. The fields that pull hardest, up or down, are the reasons.
Each (field, value) pair has one phrase ("Lead Origin: lead add form (raises)"; numbers
by their decile range), so a million leads' reasons are a gather from a few hundred
phrases, never a million string formats.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.qualification import BANDS
from pipefit.scoring.frame import MISSING, Frame, FrameSpec
from pipefit.scoring.models import LeadModel

__all__ = ["band_codes", "band_names", "explain", "odds_cuts", "reason_phrases"]

# A band's floor, as a multiple of the base odds: Excellent is 4x the odds of the
# average lead, Good at least the average, Risky at least a quarter of it; below: Null.
DEFAULT_ODDS_MULTIPLES = (4.0, 1.0, 0.25)


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or x == int(x) else f"{x:,.2f}".rstrip("0").rstrip(".")


def _bin_labels(edges: Sequence[float]) -> list[str]:
    if not edges:
        return ["any value"]
    labels = [f"below {_number(edges[0])}"]
    labels += [f"{_number(a)} to {_number(b)}" for a, b in itertools.pairwise(edges)]
    return [*labels, f"{_number(edges[-1])} or more"]


def reason_phrases(spec: FrameSpec) -> tuple[list[str], np.ndarray]:
    """Every (field, value) phrase, raising then lowering; where each field's phrases start."""
    values: list[str] = []
    starts: list[int] = []
    for s in spec.numbers:
        starts.append(len(values))
        values.append(f"{s.name} not given")
        values += [f"{s.name} {label}" for label in _bin_labels(s.edges)]
    for c in spec.categories:
        starts.append(len(values))
        values += [
            f"{c.name} not given" if code == MISSING else f"{c.name}: {c.label(code)}"
            for code in range(len(c.levels) + 2)
        ]
    phrases = [p for v in values for p in (f"{v} (raises)", f"{v} (lowers)")]
    return phrases, np.asarray(starts, np.int64)


def odds_cuts(base_rate: float, multiples: Sequence[float] = DEFAULT_ODDS_MULTIPLES) -> list[float]:
    """Probability floors of Excellent, Good and Risky for a given base rate."""
    base = min(max(base_rate, 1e-6), 1 - 1e-6)
    odds = base / (1 - base)
    return [m * odds / (1 + m * odds) for m in multiples]


def band_codes(p: np.ndarray, cuts: Sequence[float]) -> np.ndarray:
    """0 = Excellent, 1 = Good, 2 = Risky, 3 = Null."""
    return np.asarray(np.select([p >= cuts[0], p >= cuts[1], p >= cuts[2]], [0, 1, 2], 3), np.int8)


def band_names(codes: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int8()), pa.array(BANDS)).cast(
        pa.string()
    )


def explain(
    model: LeadModel, frame: Frame, *, top: int = 3, pulls: np.ndarray | None = None
) -> pa.Array:
    """The `top` strongest reasons per lead, joined by '; ' (`pulls` if already computed)."""
    fields = len(frame.spec.names)
    if fields == 0:
        return pa.array([""] * frame.rows)
    pulls = model.reason_pulls(frame, pulls)
    if model.pull_means is not None:
        pulls = pulls - model.pull_means
    k = min(top, fields)
    # The k strongest pulls by repeated arg-max: on a million rows of a few dozen fields,
    # much cheaper than a partial sort of every row.
    strength = np.abs(pulls)
    rows = np.arange(frame.rows)
    best = np.empty((frame.rows, k), np.int64)
    for r in range(k):
        best[:, r] = np.argmax(strength, axis=1)
        strength[rows, best[:, r]] = -1.0
    phrases, starts = reason_phrases(frame.spec)
    codes, _ = frame.field_codes()
    dictionary = pa.array(phrases, pa.string())
    parts = []
    for r in range(k):
        field = best[:, r]
        value = codes[rows, field]
        index = 2 * (starts[field] + value) + (pulls[rows, field] < 0)
        parts.append(pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), dictionary))
    text = [p.cast(pa.string()) for p in parts]
    return pc.binary_join_element_wise(*text, "; ") if len(text) > 1 else text[0]
