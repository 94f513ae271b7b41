"""From a table of leads with outcomes to a scorer: plan columns, drop leaks, fit, explain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from pipefit.domain.errors import PipefitError
from pipefit.domain.qualification import POST_CONTACT_VALUES, POST_CONTACT_WORDS
from pipefit.scoring.explain import band_codes, band_names, explain, odds_cuts
from pipefit.scoring.frame import FrameSpec, plan_columns
from pipefit.scoring.leaks import ALMOST_PERFECT, VALUE_SHARE, LeakWarning, find_leaks
from pipefit.scoring.models import LeadModel, fit_lead_model

__all__ = ["Scorer", "fit_scorer", "plan_features"]


@dataclass
class Scorer:
    """A fitted model with the cleaning it was trained with; scores any table with its columns."""

    spec: FrameSpec
    model: LeadModel
    leaks: list[LeakWarning] = field(default_factory=list)
    band_odds: tuple[float, float, float] = (4.0, 1.0, 0.25)

    @property
    def base_rate(self) -> float:
        return self.model.base_rate

    @property
    def cuts(self) -> list[float]:
        return odds_cuts(self.base_rate, self.band_odds)

    def predict(self, table: pa.Table) -> np.ndarray:
        return self.model.predict(self.spec.encode(table))

    def reasons(self, table: pa.Table, top: int = 3) -> pa.Array:
        return explain(self.model, self.spec.encode(table), top=top)

    def bands(self, p: np.ndarray) -> pa.Array:
        return band_names(band_codes(p, self.cuts))


def plan_features(
    table: pa.Table,
    y: np.ndarray,
    *,
    target: str | None = None,
    exclude: Sequence[str] = (),
    include: Sequence[str] = (),
    post_contact_words: Sequence[str] = POST_CONTACT_WORDS,
    post_contact_fields: Sequence[str] = (),
    almost_perfect: float = ALMOST_PERFECT,
    post_contact_values: Sequence[str] = POST_CONTACT_VALUES,
    value_share: float = VALUE_SHARE,
) -> tuple[FrameSpec, list[LeakWarning]]:
    """The columns to learn from, with leaks found and (unless included) left out."""
    numbers, categories, excluded = plan_columns(table, target=target, exclude=list(exclude))
    spec = FrameSpec.fit(table, numbers, categories, excluded)
    if not spec.names:
        raise PipefitError(
            "no usable feature columns: " + "; ".join(f"'{e.name}' {e.why}" for e in excluded)
            if excluded
            else "no usable feature columns (the file has only the target)"
        )
    leaks = find_leaks(
        spec.encode(table),
        y,
        post_contact_words=post_contact_words,
        almost_perfect=almost_perfect,
        post_contact_fields=post_contact_fields,
        post_contact_values=post_contact_values,
        value_share=value_share,
    )
    kept = {i.casefold() for i in include}
    unknown = [i for i in include if i.casefold() not in {n.casefold() for n in table.column_names}]
    if unknown:
        raise PipefitError(
            f"a field to keep despite a leak warning is not a column: {', '.join(unknown)}",
            field="scoring.include",
        )
    dropped = {w.field for w in leaks if w.field.casefold() not in kept}
    why = {w.field: f"may leak the outcome: {w.why}" for w in leaks}
    spec = spec.without(dropped, why)
    if not spec.names:
        raise PipefitError(
            "no usable feature columns once the leaking ones are left out ("
            + ", ".join(sorted(dropped))
            + "); keep one only if you are sure it is known before contact",
            field="scoring.include",
        )
    return spec, leaks


def fit_scorer(
    table: pa.Table,
    y: np.ndarray,
    *,
    leaks: object | None = None,
    post_contact_fields: Sequence[str] = (),
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    band_odds: tuple[float, float, float] = (4.0, 1.0, 0.25),
) -> Scorer:
    """Plan the features (leaks out) and fit pipefit's model; `leaks` is a LeaksConfig."""
    words = getattr(leaks, "post_contact_words", POST_CONTACT_WORDS)
    limit = getattr(leaks, "almost_perfect_auc", ALMOST_PERFECT)
    values = getattr(leaks, "post_contact_values", POST_CONTACT_VALUES)
    share = getattr(leaks, "post_contact_value_share", VALUE_SHARE)
    spec, found = plan_features(
        table,
        y,
        exclude=exclude,
        include=include,
        post_contact_words=words,
        post_contact_fields=post_contact_fields,
        almost_perfect=limit,
        post_contact_values=values,
        value_share=share,
    )
    model = fit_lead_model(spec.encode(table), y)
    return Scorer(spec, model, found, band_odds)
