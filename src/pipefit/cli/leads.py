"""Commands for lead qualification: score, assess, show, qualify, override, backtest..."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipefit.cli import lead_routing
from pipefit.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    WorkspaceOpt,
    err,
    open_app,
    out,
)
from pipefit.cli.render import emit
from pipefit.domain.errors import PipefitError

if TYPE_CHECKING:
    from pipefit.config.qualification import QualificationConfig

__all__ = ["leads_app"]

leads_app = typer.Typer(
    help="Qualify leads: BANT, demo-ready, success-ready scorecard, learned scores, routing.",
    no_args_is_help=True,
)


def _config_for_files(workspace: Path | None) -> QualificationConfig:
    """A workspace's [qualification] settings if there is one; the defaults otherwise."""
    from pipefit.config import CONFIG_FILE, load_workspace
    from pipefit.config.qualification import QualificationConfig

    if workspace is not None or (Path(".") / CONFIG_FILE).exists():
        return load_workspace(workspace).config.qualification
    return QualificationConfig()


def _fmt(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


@leads_app.command("score")
def score(
    file: Annotated[Path, typer.Argument(help="CSV of leads, one row each.")],
    target: Annotated[
        str | None, typer.Option(help="Outcome column (two values, e.g. Converted 0/1).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="A column to leave out (repeatable).")
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option(help="Keep a column despite a leak warning (repeatable)."),
    ] = None,
    folds: Annotated[
        int, typer.Option(help="Folds for the ROC-AUC comparison (0: just train).")
    ] = 5,
    positive: Annotated[
        str | None, typer.Option(help="The target value that counts as success.")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write each row's score, band and reasons here.")
    ] = None,
    save_model: Annotated[
        Path | None, typer.Option(help="Save the trained model to this file.")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(help="Score FILE with a saved model instead of training (no --target)."),
    ] = None,
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Train and evaluate on any CSV of leads with an outcome column, or score with a saved model.

    Compares pipefit's learned model with logistic regression, gradient boosting and an
    Odoo-style naive Bayes by k-fold ROC-AUC, warns about (and leaves out) fields that
    leak the outcome, and writes every row's score, band and top reasons with --out.
    Works without a workspace; with one, its [qualification] settings apply.
    """
    from pipefit.services.lead_files import score_file, score_with_model

    if model is not None:
        batch = score_with_model(file, model_path=model, out=out_file)
        document = batch.document()
        if fmt == "json":
            emit(out, "json", [], document=document)
            return
        out.print(
            f"{batch.rows:,} leads scored in {batch.seconds['score']:.2f} s "
            f"({document['leads_per_second']:,} leads/s) with a model trained on "
            f"{batch.trained_on}" + (f"; written to {out_file}" if out_file else "")
        )
        emit(out, fmt, [{"band": k, "leads": v} for k, v in batch.bands.items()], title="Bands")
        return
    if target is None:
        raise PipefitError("--target COLUMN is needed to train (or --model FILE to score)")
    config = _config_for_files(workspace)
    result = score_file(
        file,
        target=target,
        config=config,
        exclude=exclude or [],
        include=include or [],
        folds=folds,
        positive=positive,
        out=out_file,
        save_model=save_model,
    )
    document = result.document()
    if fmt == "json":
        emit(out, "json", [], document=document)
        return
    auc_rows = [{"method": m, "roc_auc": _fmt(v)} for m, v in result.auc.items()]
    if fmt == "csv":
        emit(out, "csv", auc_rows)
        return
    out.print(
        f"{file.name}: {result.rows:,} leads, {100 * result.positive_rate:.1f}% "
        f"'{target}' = {result.positive}; {len(result.features)} fields used"
    )
    if auc_rows:
        emit(out, "table", auc_rows, title=f"{result.folds}-fold ROC-AUC")
    if result.leaks:
        emit(
            out,
            "table",
            [{"field": w.field, "why": w.why} for w in result.leaks],
            title="Leak warnings (left out; keep one with --include)",
        )
    others = [e for e in result.excluded if not e.why.startswith("may leak")]
    if others:
        emit(out, "table", [{"field": e.name, "why": e.why} for e in others], title="Left out")
    if result.preview:
        emit(
            out,
            "table",
            [{k: v for k, v in r.items() if k != target} for r in result.preview],
            title="Best-scored leads",
        )
    for note in result.notes:
        out.print(f"note: {note}")
    if out_file:
        out.print(f"Scores, bands and reasons written to {out_file}")
    if save_model:
        out.print(f"Model saved to {save_model} (score new leads with --model)")


@leads_app.command("lanes")
def lanes(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Each lane (industry x size) as its customers fared: churn, success, revenue, margin..."""
    from pipefit.services.scorecards import lane_book

    with open_app(workspace, db) as instance:
        book = lane_book(instance.workspace)
    rows = [s.as_row() for s in book.lanes.values()]
    if book.overall is not None:
        rows.append(book.overall.as_row())
    emit(out, fmt, rows, title="Lanes, from customer outcomes")


@leads_app.command("scorecard")
def scorecard(
    propose: Annotated[
        bool, typer.Option("--propose", help="Propose one from the best and worst customers.")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write", help="With --propose: put it into pipefit.toml.")
    ] = False,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The success-ready scorecard in use, or (--propose) one drawn from your customers."""
    from pipefit.services.scorecards import card_rows, scorecard_toml, write_scorecard
    from pipefit.services.scorecards import propose as propose_card

    if write and not propose:
        raise PipefitError("--write goes with --propose")
    with open_app(workspace, db) as instance:
        if not propose:
            card = instance.workspace.config.qualification.scorecard.to_domain()
            t = card.thresholds
            title = (
                f"Scorecard (Excellent >= {t.excellent:g}, Good >= {t.good:g}, "
                f"Risky >= {t.risky:g})"
            )
            emit(out, fmt, card_rows(card), title=title)
            return
        proposal = propose_card(instance.workspace)
        written = write_scorecard(instance.workspace, proposal) if write else None
    if fmt == "json":
        t = proposal.card.thresholds
        emit(out, "json", [], document={
            "customers": proposal.customers, "most_successful": proposal.best,
            "least_successful": proposal.worst,
            "thresholds": {"excellent": t.excellent, "good": t.good, "risky": t.risky},
            "parameters": card_rows(proposal.card),
            "profiles": [p.__dict__ for p in proposal.profiles],
            "toml": scorecard_toml(proposal), "written_to": str(written) if written else None,
        })  # fmt: skip
        return
    emit(out, fmt, [p.__dict__ for p in proposal.profiles], title="Best vs worst customers")
    if fmt == "table":
        out.print(scorecard_toml(proposal))
        out.print(f"Written to {written}" if written else "Not written (add --write).")


@leads_app.command("backtest")
def backtest(
    splits: Annotated[int, typer.Option(help="Time-ordered blocks (the first only trains).")] = 4,
    include: Annotated[
        list[str] | None,
        typer.Option(help="Keep a field despite a leak warning (repeatable)."),
    ] = None,
    chart: Annotated[
        Path | None, typer.Option(help="Write a gains chart: .png, .svg or .html.")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Replay history: BANT, demo-ready, scorecard, learned models and naive Bayes compared.

    Trains on earlier leads and scores later ones; reports ROC-AUC, lift in the top 10%
    and 20%, and the article's ratio: deals closed (and successful customers) from the
    leads each method accepts over those from the leads BANT accepts.
    """
    from pipefit.services.lead_backtest import run_backtest

    with open_app(workspace, db) as instance:
        result = run_backtest(instance.workspace, splits=splits, include=include or [])
    if chart is not None:
        from pipefit.scoring.charts import write_gains_chart

        write_gains_chart(result.curves, chart)
    if fmt == "json":
        emit(out, "json", [], document=result.document())
        return
    if fmt == "csv":
        emit(out, "csv", result.rows)
        return
    for target in ("win", "success"):
        rows = [{k: v for k, v in r.items() if k != "target"} for r in result.rows
                if r["target"] == target]  # fmt: skip
        title = {"win": "Deals won", "success": "Successful customers"}[target]
        emit(out, "table", rows, title=f"{title} among later leads")
    for w in result.leaks:
        state = "kept (--include)" if w.field in result.included else "left out"
        err.print(f"leak warning: '{w.field}' {w.why}; {state}")
    for note in result.notes:
        out.print(f"note: {note}")
    if chart is not None:
        out.print(f"Chart written to {chart}")


lead_routing.register(leads_app)
