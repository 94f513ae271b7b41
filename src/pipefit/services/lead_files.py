"""`pipefit leads score`: any CSV of leads with an outcome column, scored and compared.

A team can try pipefit on its CRM export before adopting it: pipefit cleans the file,
warns about leaking fields (and leaves them out), compares its learned model with plain
logistic regression, gradient boosting and an Odoo-style naive Bayes by k-fold ROC-AUC,
and writes every row's score, band and reasons. Files are written whole or not at all.

Files and saved models come through ports (`LeadFiles`, `ModelFiles`) that `bootstrap` wires.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import PipefitError
from pipefit.services.ports.files import LeadFiles, ModelFiles

__all__ = ["BatchScores", "FileScores", "score_file", "score_with_model"]

POSITIVE_WORDS = ("1", "true", "yes", "y", "won", "win", "converted", "success", "positive")
MODEL_FORMAT = "pipefit-lead-model/1"
# Beyond this many rows, the extra k folds that price the leaky fields cost more than they say.
_WITH_LEAKS_UP_TO = 100_000


def _target(
    table: pa.Table, target: str, positive: str | None, path: Path
) -> tuple[np.ndarray, str]:
    """1 / 0 per row, -1 where the outcome is blank; and the value counted as positive."""
    if target not in table.column_names:
        raise PipefitError(
            f"{path.name} has no outcome column '{target}'; its columns are: "
            + ", ".join(table.column_names),
            field="scoring.target",
        )
    from pipefit.scoring.frame import clean_text

    text = clean_text(table[target])
    values = sorted(v for v in pc.unique(text).to_pylist() if v is not None)
    if len(values) < 2:
        shown = f"only '{values[0]}'" if values else "no values"
        raise PipefitError(
            f"target column '{target}' has {shown} in {table.num_rows} rows: "
            "a model needs both outcomes to learn from",
            field="scoring.target",
        )
    if len(values) > 2:
        raise PipefitError(
            f"target column '{target}' has {len(values)} different values "
            f"({', '.join(values[:6])}...): it must be an outcome with two values",
            field="scoring.target",
        )
    if positive is not None:
        chosen = positive.strip().casefold()
        if chosen not in values:
            raise PipefitError(
                f"the positive outcome '{positive}' is not a value of '{target}': {values}",
                field="scoring.positive",
            )
    else:
        known = [v for v in values if v in POSITIVE_WORDS]
        if len(known) != 1:
            raise PipefitError(
                f"cannot tell which value of '{target}' is the good outcome "
                f"({values[0]} or {values[1]}): say which one counts as positive",
                field="scoring.positive",
            )
        chosen = known[0]
    y = pc.if_else(pc.equal(text, chosen), 1, 0)
    y = pc.fill_null(pc.cast(y, pa.int8()), -1)
    return np.asarray(y.to_numpy(zero_copy_only=False), np.int8), chosen


def _scored_table(
    table: pa.Table, ids: Sequence[str], p: np.ndarray, bands: pa.Array, reasons: pa.Array,
    extra: dict[str, Any],
) -> pa.Table:  # fmt: skip
    columns: dict[str, Any] = {"row": pa.array(np.arange(1, table.num_rows + 1))}
    for name in ids:
        columns[name] = table[name]
    columns |= extra
    columns["score"] = pa.array(np.round(p, 4))
    columns["band"] = bands
    columns["reasons"] = reasons
    return pa.table(columns)


def _counts(bands: pa.Array) -> dict[str, int]:
    from pipefit.domain.qualification import BANDS

    tally = pc.value_counts(bands).to_pylist()
    found = {str(t["values"]): int(t["counts"]) for t in tally}
    return {b: found[b] for b in BANDS if b in found}


def _preview(scored: pa.Table, top: int = 10) -> list[dict[str, Any]]:
    order = pc.sort_indices(scored, sort_keys=[("score", "descending")])
    return list(scored.take(order.slice(0, top)).to_pylist())


@dataclass
class FileScores:
    path: Path
    target: str
    positive: str
    rows: int
    positive_rate: float
    folds: int
    auc: dict[str, float | None]
    leaks: list[Any]
    excluded: list[Any]
    features: list[str]
    preview: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    bands: dict[str, int] = field(default_factory=dict)
    written_to: Path | None = None
    model_saved_to: Path | None = None
    # pipefit's k-fold ROC-AUC had the fields that may leak been kept: what leaving them out costs.
    auc_with_leaky_fields: float | None = None


def score_file(
    path: Path,
    *,
    files: LeadFiles,
    models: ModelFiles,
    target: str,
    config: QualificationConfig,
    exclude: Sequence[str] = (),
    include: Sequence[str] = (),
    folds: int = 5,
    positive: str | None = None,
    out: Path | None = None,
    save_model: Path | None = None,
    seed: int = 0,
) -> FileScores:
    """Learn from the file, compare with the baselines by k-fold ROC-AUC, and score every row."""
    from pipefit.scoring.comparison import compare_by_folds, pipefit_by_folds
    from pipefit.scoring.design import field_pulls
    from pipefit.scoring.explain import explain
    from pipefit.scoring.learn import Scorer, plan_features
    from pipefit.scoring.models import fit_lead_model

    if folds == 1 or folds < 0:
        raise PipefitError(
            f"the number of folds must be 0 (no comparison) or at least 2, got {folds}",
            field="scoring.folds",
        )
    clock = {"start": time.perf_counter()}
    table = files.read_leads(path)
    y_all, chosen = _target(table, target, positive, path)
    known = y_all >= 0
    notes = []
    if not known.all():
        notes.append(f"{int((~known).sum())} rows with a blank '{target}' were left out")
        table = table.filter(pa.array(known))
    y = y_all[known].astype(np.int64)
    clock["read"] = time.perf_counter()
    leaks_cfg, odds = config.leaks, config.learned_bands
    spec, leaks = plan_features(
        table,
        y,
        target=target,
        exclude=exclude,
        include=include,
        post_contact_words=leaks_cfg.post_contact_words,
        almost_perfect=leaks_cfg.almost_perfect_auc,
        post_contact_values=leaks_cfg.post_contact_values,
        value_share=leaks_cfg.post_contact_value_share,
    )
    smallest = int(np.bincount(y, minlength=2).min())
    if folds and smallest < folds:
        rows = "row" if smallest == 1 else "rows"
        raise PipefitError(
            f"'{target}' has only {smallest} {rows} of one outcome: too few for {folds} folds",
            field="scoring.folds",
        )
    frame = spec.encode(table)
    clock["plan"] = time.perf_counter()
    aucs: dict[str, float | None] = {}
    oof = None
    if folds:
        aucs, oof = compare_by_folds(frame, y, folds=folds, seed=seed)
    leaky = [w.field for w in leaks if w.field.casefold() not in {i.casefold() for i in include}]
    with_leaks = None
    if folds and leaky and table.num_rows <= _WITH_LEAKS_UP_TO:
        kept, _ = plan_features(
            table, y, target=target, exclude=exclude, include=[*include, *leaky],
            post_contact_words=leaks_cfg.post_contact_words,
            almost_perfect=leaks_cfg.almost_perfect_auc,
            post_contact_values=leaks_cfg.post_contact_values,
            value_share=leaks_cfg.post_contact_value_share,
        )  # fmt: skip
        with_leaks = pipefit_by_folds(kept.encode(table), y, folds=folds, seed=seed)
    elif folds and leaky:
        notes.append(
            f"ROC-AUC with the fields that may leak not measured: {table.num_rows:,} rows "
            f"(measured up to {_WITH_LEAKS_UP_TO:,})"
        )
    clock["compare"] = time.perf_counter()
    result = FileScores(
        path=path,
        target=target,
        positive=chosen,
        rows=table.num_rows,
        positive_rate=float(y.mean()),
        folds=folds,
        auc=aucs,
        leaks=leaks,
        excluded=list(spec.excluded),
        features=spec.names,
        notes=notes,
        auc_with_leaky_fields=with_leaks,
    )
    # The final model, fitted on every row: the reasons, and the model that is saved.
    model = fit_lead_model(frame, y, seed=seed)
    result.notes += model.notes
    scorer = Scorer(spec, model, leaks, (odds.excellent, odds.good, odds.risky))
    clock["fit"] = time.perf_counter()
    # Rows are scored by the fold model that did not see them, when there were folds.
    pulls = field_pulls(model.coef, frame)
    p = oof if oof is not None else model.predict(frame, pulls)
    bands = scorer.bands(p)
    result.bands = _counts(bands)
    ids = [e.name for e in spec.excluded if e.why.startswith("an identifier")]
    reasons = explain(model, frame, pulls=pulls)
    scored = _scored_table(table, ids, p, bands, reasons, {target: table[target]})
    result.preview = _preview(scored)
    if out is not None:
        files.write_scores(out, scored)
        result.written_to = out
    if save_model is not None:
        models.save(save_model, _payload(scorer, target=target, positive=chosen, source=path.name))
        result.model_saved_to = save_model
    clock["score"] = time.perf_counter()
    marks = list(clock.items())
    result.seconds = {name: t - marks[i][1] for i, (name, t) in enumerate(marks[1:])}
    return result


def _payload(scorer: Any, *, target: str, positive: str, source: str) -> dict[str, Any]:
    return {
        "format": MODEL_FORMAT,
        "scorer": scorer,
        "target": target,
        "positive": positive,
        "trained_on": source,
        "trained_at": datetime.now(UTC).isoformat(),
    }


@dataclass
class BatchScores:
    path: Path
    rows: int
    bands: dict[str, int]
    preview: list[dict[str, Any]]
    seconds: dict[str, float]
    trained_on: str
    written_to: Path | None = None

    @property
    def leads_per_second(self) -> int:
        return round(self.rows / max(self.seconds.get("score", 0), 1e-9))


def score_with_model(
    path: Path, *, files: LeadFiles, models: ModelFiles, model_path: Path, out: Path | None
) -> BatchScores:
    """Score a file of new leads with a model that `score_file` saved."""
    payload = models.load(model_path)
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise PipefitError(
            f"{model_path} is not a pipefit lead model ({MODEL_FORMAT})", field="scoring.model"
        )
    scorer = payload["scorer"]
    start = time.perf_counter()
    table = files.read_leads(path)
    read = time.perf_counter()
    from pipefit.scoring.design import field_pulls
    from pipefit.scoring.explain import explain

    frame = scorer.spec.encode(table)
    pulls = field_pulls(scorer.model.coef, frame)  # shared by the score and its reasons
    p = scorer.model.predict(frame, pulls)
    bands = scorer.bands(p)
    reasons = explain(scorer.model, frame, pulls=pulls)
    scored_at = time.perf_counter()
    ids = [e.name for e in scorer.spec.excluded if e.why.startswith("an identifier")]
    ids = [i for i in ids if i in table.column_names]
    scored = _scored_table(table, ids, p, bands, reasons, {})
    if out is not None:
        files.write_scores(out, scored)
    written = time.perf_counter()
    return BatchScores(
        path=path,
        rows=table.num_rows,
        bands=_counts(bands),
        preview=_preview(scored),
        seconds={"read": read - start, "score": scored_at - read, "write": written - scored_at},
        trained_on=str(payload.get("trained_on")),
        written_to=out,
    )
