"""Fields that leak the outcome into a model, found before they flatter it.

A field leaks when it is filled in after contact (sales' tags, quality ratings, scores,
the last notable activity: they record what already happened) or when it predicts the
outcome almost perfectly on its own. Such a model looks brilliant in a backtest and is
useless on a new lead, where the field is still empty. pipefit warns about both and
leaves the fields out unless told to keep one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipefit.domain.qualification import POST_CONTACT_WORDS
from pipefit.scoring.evaluate import auc, target_rate_scores
from pipefit.scoring.frame import Frame

__all__ = ["POST_CONTACT_WORDS", "LeakWarning", "find_leaks"]

ALMOST_PERFECT = 0.9  # ROC-AUC of a field on its own
_SAMPLE = 100_000  # rows looked at; a leak this strong shows in any sample


@dataclass(frozen=True)
class LeakWarning:
    field: str
    why: str
    auc: float | None  # of the field on its own, out of fold


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", name.casefold()) if w}


def find_leaks(
    frame: Frame,
    y: np.ndarray,
    *,
    post_contact_words: Sequence[str] = POST_CONTACT_WORDS,
    almost_perfect: float = ALMOST_PERFECT,
    post_contact_fields: Sequence[str] = (),
    seed: int = 0,
) -> list[LeakWarning]:
    """Each suspicious field with the reason; `post_contact_fields` are known to be such."""
    rng = np.random.default_rng(seed)
    rows = np.arange(frame.rows)
    if frame.rows > _SAMPLE:
        rows = np.sort(rng.choice(frame.rows, _SAMPLE, replace=False))
    codes, sizes = frame.field_codes()
    codes, target = codes[rows], y[rows]
    folds = rng.integers(0, 5, len(rows))
    words = {w.casefold() for w in post_contact_words}
    known = {f.casefold() for f in post_contact_fields}
    warnings: list[LeakWarning] = []
    for j, name in enumerate(frame.spec.names):
        alone = auc(target, target_rate_scores(codes[:, j], target, folds, sizes[j]))
        strength = max(alone, 1 - alone) if alone is not None else None
        shown = f" (ROC-AUC {strength:.2f} on its own)" if strength is not None else ""
        hits = sorted(_words(name) & words)
        if name.casefold() in known:
            why = "filled in after contact"
        elif strength is not None and strength >= almost_perfect:
            why = "predicts the outcome almost perfectly on its own"
        elif hits:
            why = f"looks filled in after contact (its name says '{hits[0]}')"
        else:
            continue
        warnings.append(LeakWarning(name, why + shown, strength))
    return warnings
