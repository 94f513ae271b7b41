"""Commands for lead qualification: score, assess, show, qualify, override, backtest..."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipefit.bootstrap import App
from pipefit.cli import lead_routing
from pipefit.cli.common import (
    OutputFormat,
    err,
    out,
    with_app_and_format,
    with_format,
    with_workspace,
)
from pipefit.cli.outputs import OverwriteOpt, check_chart, write_chart
from pipefit.cli.render import show
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
    from pipefit.bootstrap import optional_config
    from pipefit.config.qualification import QualificationConfig

    config = optional_config(workspace)
    return config.qualification if config is not None else QualificationConfig()


@leads_app.command("score")
@with_format
@with_workspace
def score(
    workspace: Path | None,
    fmt: OutputFormat,
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
    overwrite: OverwriteOpt = False,
) -> None:
    """Train and evaluate on any CSV of leads with an outcome column, or score with a saved model.

    Compares pipefit's learned model with logistic regression, gradient boosting and an
    Odoo-style naive Bayes by k-fold ROC-AUC, warns about (and leaves out) fields that
    leak the outcome, and writes every row's score, band and top reasons with --out.
    Works without a workspace; with one, its [qualification] settings apply.
    """
    from pipefit.bootstrap import lead_files, model_files, outputs
    from pipefit.services.lead_files import score_file, score_with_model
    from pipefit.views.leads import batch_scores_view, file_scores_view

    written = outputs(workspace, inputs=[file, model], replace=overwrite)
    if out_file is not None:
        written.check_file(out_file, "output.scores")
    if save_model is not None:
        written.check_file(save_model, "output.model")
    files, models = lead_files(written), model_files(written)
    if model is not None:
        batch = score_with_model(file, files=files, models=models, model_path=model, out=out_file)
        show(out, fmt, batch_scores_view(batch))
        return
    if target is None:
        raise PipefitError("--target COLUMN is needed to train (or --model FILE to score)")
    config = _config_for_files(workspace)
    result = score_file(
        file,
        files=files,
        models=models,
        target=target,
        config=config,
        exclude=exclude or [],
        include=include or [],
        folds=folds,
        positive=positive,
        out=out_file,
        save_model=save_model,
    )
    show(out, fmt, file_scores_view(result))
    if fmt != OutputFormat.TABLE:
        return
    if result.leaks:
        out.print("Keep a field despite its leak warning with --include.")
    if out_file:
        out.print(f"Scores, bands and reasons written to {out_file}")
    if save_model:
        out.print(f"Model saved to {save_model} (score new leads with --model)")


@leads_app.command("lanes")
@with_app_and_format
def lanes(
    instance: App,
    fmt: OutputFormat,
) -> None:
    """Each lane (industry x size) as its customers fared: churn, success, revenue, margin..."""
    from pipefit.services.scorecards import lane_book
    from pipefit.views.leads import lanes_view

    book = lane_book(instance.uow(), instance.workspace.config.qualification)
    show(out, fmt, lanes_view(book))


@leads_app.command("scorecard")
@with_app_and_format
def scorecard(
    instance: App,
    fmt: OutputFormat,
    propose: Annotated[
        bool, typer.Option("--propose", help="Propose one from the best and worst customers.")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write", help="With --propose: put it into pipefit.toml.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="With --write: write it even if it backtests worse."),
    ] = False,
    splits: Annotated[
        int, typer.Option(help="With --propose: time-ordered blocks to backtest it on.")
    ] = 3,
) -> None:
    """The success-ready scorecard in use, or (--propose) one drawn from your customers.

    A proposal is backtested against the card in force on time-ordered splits (proposed
    from earlier customers, judged on later leads); --write refuses one that does worse.
    """
    from pipefit.services.scorecards import check_proposal, scorecard_toml, write_scorecard
    from pipefit.services.scorecards import propose as propose_card
    from pipefit.views.leads import proposal_view, scorecard_view

    if write and not propose:
        raise PipefitError("--write goes with --propose")
    if force and not write:
        raise PipefitError("--force goes with --write")
    config = instance.workspace.config.qualification
    if not propose:
        show(out, fmt, scorecard_view(config.scorecard.to_domain()))
        return
    proposal = propose_card(instance.uow(), config)
    check = check_proposal(instance.uow(), config, splits=splits)
    written = write_scorecard(instance.config_file, proposal, check, force=force) if write else None
    toml = scorecard_toml(proposal)
    show(out, fmt, proposal_view(proposal, toml, written, check))
    if fmt == OutputFormat.TABLE:
        out.print(toml)
        out.print(f"Written to {written}" if written else "Not written (add --write).")


@leads_app.command("backtest")
@with_app_and_format
def backtest(
    instance: App,
    fmt: OutputFormat,
    splits: Annotated[int, typer.Option(help="Time-ordered blocks (the first only trains).")] = 4,
    include: Annotated[
        list[str] | None,
        typer.Option(help="Keep a field despite a leak warning (repeatable)."),
    ] = None,
    chart: Annotated[
        Path | None, typer.Option(help="Write a gains chart: .png, .svg or .html.")
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Replay history: BANT, demo-ready, scorecard, learned models and naive Bayes compared.

    Trains on earlier leads and scores later ones; reports ROC-AUC, lift in the top 10%
    and 20%, and the article's ratio: deals closed (and successful customers) from the
    leads each method accepts over those from the leads BANT accepts.
    """
    from pipefit.services.lead_backtest import run_backtest
    from pipefit.views.leads import backtest_rows_view, backtest_view

    files = instance.outputs(replace=overwrite)
    check_chart(files, chart)
    result = run_backtest(
        instance.uow(),
        instance.workspace.config.qualification,
        splits=splits,
        include=include or [],
    )
    if chart is not None:
        from pipefit.scoring.charts import gains_chart

        write_chart(files, gains_chart(result.curves), chart)
    if fmt == OutputFormat.CSV:
        show(out, fmt, backtest_rows_view(result))
        return
    if fmt == OutputFormat.TABLE:
        for w in result.leaks:
            state = "kept (--include)" if w.field in result.included else "left out"
            err.print(f"leak warning: '{w.field}' {w.why}; {state}")
    show(out, fmt, backtest_view(result))
    if fmt == OutputFormat.TABLE and chart is not None:
        out.print(f"Chart written to {chart}")


lead_routing.register(leads_app)
