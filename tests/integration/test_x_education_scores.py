"""The X Education lead-scoring file (../shared/data): pipefit against the usual models.

The data's publishers list eight fields sales fill in after contact; `Last Activity` is a
ninth ("SMS Sent", "Had a Phone Conversation", "Unreachable" happen after contact), found
by its name and by its values. Without all nine, pipefit's learned model must beat, in the
same run and on the same folds, plain logistic regression, gradient boosting and
Odoo-style naive Bayes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest

from pipefit.scoring.learn import plan_features

from ..e2e.cli import run_json

POST_CONTACT = [
    "Last Activity",
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Last Notable Activity",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
]


@pytest.fixture(scope="module")
def leads_file(shared_data: Path) -> Path:
    path = shared_data / "x_education_leads" / "Leads.csv"
    if not path.exists():
        pytest.fail(f"{path} is missing from ../shared/data")
    return path


@pytest.mark.realdata
def test_the_leak_warning_names_exactly_the_post_contact_fields(leads_file: Path) -> None:
    table = pacsv.read_csv(leads_file)
    y = np.asarray(table["Converted"].to_numpy(), np.int64)
    spec, leaks = plan_features(table, y, target="Converted")
    assert sorted(w.field for w in leaks) == sorted(POST_CONTACT)
    tags = next(w for w in leaks if w.field == "Tags")
    assert tags.why.startswith("predicts the outcome almost perfectly on its own")
    last = next(w for w in leaks if w.field == "Last Activity")
    assert "its name says 'last activity'" in last.why
    assert "'sms sent'" in last.why and "'unreachable'" in last.why
    # Excluding them by hand gives the very same features as the warning does.
    by_hand, _ = plan_features(table, y, target="Converted", exclude=POST_CONTACT)
    assert by_hand.names == spec.names


@pytest.mark.realdata
@pytest.mark.slow
def test_pipefit_beats_every_baseline_without_the_nine_post_contact_fields(
    leads_file: Path,
) -> None:
    result = run_json(
        "leads", "score", leads_file, "--target", "Converted", "--folds", "5",
        *[a for field in POST_CONTACT for a in ("--exclude", field)],
        "--format", "json",
    )  # fmt: skip
    assert result["rows"] == 9240
    assert result["positive_rate"] == pytest.approx(0.3854, abs=1e-4)
    auc = result["auc"]
    # Measured 2026-12-01: pipefit 0.8800 (0.8794 before the pair model joined the blend),
    # gradient boosting 0.8774, logistic regression 0.8645, naive Bayes 0.8441. The
    # issue's goal of 0.885 is not reached: CatBoost, the strongest model tried, reaches
    # 0.881 on these folds, and a stack of thirteen models fitted on the test folds'
    # own outcomes (an upper bound no honest method beats) 0.8836 (docs/qualification.md).
    assert auc["pipefit"] >= 0.8795, auc
    for baseline in ("logistic_regression", "gradient_boosting", "naive_bayes"):
        assert auc["pipefit"] >= auc[baseline], (baseline, auc)
    assert set(POST_CONTACT) <= set(result["excluded"])
    assert {"Prospect ID", "Lead Number"} <= set(result["excluded"])


@pytest.mark.realdata
@pytest.mark.slow
def test_the_score_says_what_the_leaky_fields_would_add(leads_file: Path) -> None:
    result = run_json(
        "leads", "score", leads_file, "--target", "Converted", "--folds", "3", "--format", "json"
    )  # fmt: skip
    assert sorted(result["leaky_fields"]) == sorted(POST_CONTACT)
    assert set(POST_CONTACT) <= set(result["excluded"])
    # Kept, Tags alone reach 0.92: the model with them looks far better than it is.
    assert result["auc_with_leaky_fields"] > result["auc"]["pipefit"] + 0.05
