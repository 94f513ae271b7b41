"""Fields that leak the outcome into a model, found before they flatter it.

A field leaks when it is filled in after contact (sales' tags, quality ratings, scores,
the last notable activity: they record what already happened) or when it predicts the
outcome almost perfectly on its own. A field is known to be filled in after contact by
its name (`POST_CONTACT_WORDS`) or by its values: a column whose values say "SMS Sent",
"Had a Phone Conversation" or "Unreachable" (`POST_CONTACT_VALUES`) records how the lead
was handled, whatever the column is called. Such a model looks brilliant in a backtest and is
useless on a new lead, where the field is still empty. pipefit warns about both and
leaves the fields out unless told to keep one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipefit.domain.qualification import POST_CONTACT_VALUES, POST_CONTACT_WORDS
from pipefit.scoring.evaluate import auc, target_rate_scores
from pipefit.scoring.frame import Frame

__all__ = ["POST_CONTACT_VALUES", "POST_CONTACT_WORDS", "LeakWarning", "find_leaks"]

ALMOST_PERFECT = 0.9  # ROC-AUC of a field on its own
VALUE_SHARE = 0.01  # of rows holding post-contact values, to flag a column by its values
_SAMPLE = 100_000  # rows looked at; a leak this strong shows in any sample


@dataclass(frozen=True)
class LeakWarning:
    field: str
    why: str
    auc: float | None  # of the field on its own, out of fold


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.casefold()) if w]


def _says(text: str, vocabulary: set[str]) -> list[str]:
    """The entries of `vocabulary` (words or phrases) found as whole words in `text`."""
    padded = f" {' '.join(_words(text))} "
    return sorted(v for v in vocabulary if f" {' '.join(_words(v))} " in padded)


def _post_contact_values(
    frame: Frame, codes: np.ndarray, vocabulary: set[str], share: float
) -> dict[str, str]:
    """Per category column whose post-contact values fill `share` of the rows: the evidence."""
    found: dict[str, str] = {}
    numbers = len(frame.spec.numbers)
    rows = max(len(codes), 1)
    for k, spec in enumerate(frame.spec.categories):
        counts = np.bincount(codes[:, numbers + k], minlength=len(spec.levels) + 2)
        hits = [(int(counts[i + 2]), level) for i, level in enumerate(spec.levels)
                if _says(level, vocabulary)]  # fmt: skip
        taken = sum(n for n, _ in hits)
        if hits and taken >= share * rows:
            hits.sort(key=lambda h: (-h[0], h[1]))
            shown = ", ".join(f"'{v}'" for _, v in hits[:3])
            found[spec.name] = f"{shown} in {100 * taken / rows:.0f}% of rows"
    return found


def find_leaks(
    frame: Frame,
    y: np.ndarray,
    *,
    post_contact_words: Sequence[str] = POST_CONTACT_WORDS,
    almost_perfect: float = ALMOST_PERFECT,
    post_contact_fields: Sequence[str] = (),
    post_contact_values: Sequence[str] = POST_CONTACT_VALUES,
    value_share: float = VALUE_SHARE,
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
    by_values = _post_contact_values(
        frame, codes, {v.casefold() for v in post_contact_values}, value_share
    )
    warnings: list[LeakWarning] = []
    for j, name in enumerate(frame.spec.names):
        alone = auc(target, target_rate_scores(codes[:, j], target, folds, sizes[j]))
        strength = max(alone, 1 - alone) if alone is not None else None
        shown = f" (ROC-AUC {strength:.2f} on its own)" if strength is not None else ""
        hits = _says(name, words)
        named = [f"its name says '{max(hits, key=len)}'"] if hits else []
        valued = [f"its values say {by_values[name]}"] if name in by_values else []
        if name.casefold() in known:
            why = "filled in after contact"
        elif strength is not None and strength >= almost_perfect:
            why = "predicts the outcome almost perfectly on its own"
        elif named or valued:
            why = f"looks filled in after contact ({'; '.join(named + valued)})"
        else:
            continue
        warnings.append(LeakWarning(name, why + shown, strength))
    return warnings
