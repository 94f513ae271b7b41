"""`leads score` as a service on the in-memory file ports: a small file whose outcome one
column decides, so the bands, counts and what is written can be worked out by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import PipefitError
from pipefit.services.lead_files import MODEL_FORMAT, score_file, score_with_model
from pipefit.services.ports.files import LeadFiles, ModelFiles
from pipefit.store.memory.files import MemoryLeadFiles, MemoryModelFiles

LEADS, NEW_LEADS = Path("leads.csv"), Path("new_leads.csv")
OUT, MODEL = Path("scored.csv"), Path("model.joblib")
CONFIG = QualificationConfig()

# The fakes are the ports (mypy checks these two lines).
_files: LeadFiles = MemoryLeadFiles()
_models: ModelFiles = MemoryModelFiles()


def decided_leads(referrals: int = 20, cold_calls: int = 40) -> pa.Table:
    """Every referral converted and no cold call did; `Lead No` differs in every row (an
    identifier, left out of the model) and `Region` alternates, telling nothing."""
    rows = referrals + cold_calls
    return pa.table(
        {
            "Lead No": list(range(1001, 1001 + rows)),
            "Source": ["Referral"] * referrals + ["Cold Call"] * cold_calls,
            "Region": ["north", "south"] * (rows // 2),
            "Converted": ["yes"] * referrals + ["no"] * cold_calls,
        }
    )


def ports(table: pa.Table | None = None) -> tuple[MemoryLeadFiles, MemoryModelFiles]:
    return MemoryLeadFiles({LEADS: decided_leads() if table is None else table}), MemoryModelFiles()


def score(files: MemoryLeadFiles, models: MemoryModelFiles, **options: Any) -> Any:
    chosen: dict[str, Any] = {"target": "Converted", "include": ["Source"], "folds": 0}
    chosen.update(options)
    return score_file(LEADS, files=files, models=models, config=CONFIG, **chosen)


def test_a_column_that_decides_the_outcome_is_warned_about_as_a_leak_and_kept_when_included() -> (
    None
):
    files, models = ports()

    result = score(files, models)

    assert [w.field for w in result.leaks] == ["Source"]
    assert "Source" in result.features
    assert "Region" in result.features
    assert [e.name for e in result.excluded] == ["Lead No"]


def test_a_referral_is_excellent_and_a_cold_call_is_below_risky_when_the_source_decides() -> None:
    # 20 of 60 converted: the average lead's odds are 20/40 = 0.5. The bands' floors are
    # 4, 1 and 0.25 times those odds (2, 0.5, 0.125), as probabilities 2/3, 1/3 and 1/9.
    # A model that learned the source gives referrals far above 2/3 and cold calls far
    # below 1/9: 20 Excellent, 40 Null, nothing between.
    files, models = ports()

    result = score(files, models)

    assert result.rows == 60
    assert result.positive == "yes"
    assert result.positive_rate == pytest.approx(20 / 60)
    assert result.bands == {"Excellent": 20, "Null": 40}


def test_with_folds_every_method_ranks_the_leads_perfectly_when_one_column_decides() -> None:
    # Stratified folds keep 4 referrals and 8 cold calls in each of 5 folds; every method
    # scores a referral above a cold call, so each fold's ROC-AUC is exactly 1.
    files, models = ports()

    result = score(files, models, folds=5)

    assert result.folds == 5
    assert result.auc == {
        "pipefit": 1.0,
        "logistic_regression": 1.0,
        "gradient_boosting": 1.0,
        "naive_bayes": 1.0,
    }
    assert result.bands == {"Excellent": 20, "Null": 40}


def test_the_scored_file_has_a_row_per_lead_with_its_id_outcome_score_band_and_reasons() -> None:
    files, models = ports()

    result = score(files, models, out=OUT)

    assert result.written_to == OUT
    assert list(files.written) == [OUT]
    scored = files.written[OUT]
    assert scored.column_names == ["row", "Lead No", "Converted", "score", "band", "reasons"]
    assert scored["row"].to_pylist() == list(range(1, 61))
    assert scored["Lead No"].to_pylist() == list(range(1001, 1061))
    bands = scored["band"].to_pylist()
    assert bands == ["Excellent"] * 20 + ["Null"] * 40
    scores = scored["score"].to_pylist()
    assert min(scores[:20]) > 2 / 3 > 1 / 9 > max(scores[20:])
    assert all("Source" in reasons for reasons in scored["reasons"].to_pylist())


def test_the_preview_shows_the_ten_best_scored_leads_first() -> None:
    files, models = ports()

    result = score(files, models)

    assert len(result.preview) == 10
    assert {row["band"] for row in result.preview} == {"Excellent"}
    assert {row["Lead No"] for row in result.preview} <= set(range(1001, 1021))


def test_blank_outcomes_are_left_out_and_said_so() -> None:
    table = decided_leads()
    outcome = table["Converted"].to_pylist()
    outcome[0] = None  # a referral
    outcome[59] = None  # a cold call
    table = table.set_column(3, "Converted", pa.array(outcome, pa.string()))
    files, models = ports(table)

    result = score(files, models)

    assert result.rows == 58
    assert result.notes[0] == "2 rows with a blank 'Converted' were left out"
    assert result.bands == {"Excellent": 19, "Null": 39}


def test_nothing_is_written_without_an_out_file_or_a_model_path() -> None:
    files, models = ports()

    result = score(files, models)

    assert (result.written_to, result.model_saved_to) == (None, None)
    assert files.written == {}
    assert models.saved == {}


def test_a_saved_model_names_its_format_target_positive_outcome_and_source_file() -> None:
    files, models = ports()

    result = score(files, models, save_model=MODEL)

    assert result.model_saved_to == MODEL
    payload = models.saved[MODEL]
    assert payload["format"] == MODEL_FORMAT
    assert (payload["target"], payload["positive"], payload["trained_on"]) == (
        "Converted",
        "yes",
        "leads.csv",
    )


def test_new_leads_are_scored_with_a_saved_model_as_they_were_when_it_learned() -> None:
    files, models = ports()
    score(files, models, save_model=MODEL)
    # Five new leads, the outcome not yet known: two referrals and three cold calls.
    files.files[NEW_LEADS] = pa.table(
        {
            "Lead No": [2001, 2002, 2003, 2004, 2005],
            "Source": ["Cold Call", "Referral", "Cold Call", "Referral", "Cold Call"],
            "Region": ["north", "south", "south", "north", "north"],
        }
    )

    batch = score_with_model(NEW_LEADS, files=files, models=models, model_path=MODEL, out=OUT)

    assert batch.rows == 5
    assert batch.trained_on == "leads.csv"
    assert batch.bands == {"Excellent": 2, "Null": 3}
    assert batch.written_to == OUT
    scored = files.written[OUT]
    assert scored.column_names == ["row", "Lead No", "score", "band", "reasons"]
    assert scored["band"].to_pylist() == ["Null", "Excellent", "Null", "Excellent", "Null"]
    assert {row["Lead No"] for row in batch.preview[:2]} == {2002, 2004}


def test_scoring_with_a_model_writes_nothing_without_an_out_file() -> None:
    files, models = ports()
    score(files, models, save_model=MODEL)
    files.files[NEW_LEADS] = decided_leads(2, 2).drop_columns(["Converted"])

    batch = score_with_model(NEW_LEADS, files=files, models=models, model_path=MODEL, out=None)

    assert batch.written_to is None
    assert files.written == {}
    assert batch.bands == {"Excellent": 2, "Null": 2}


@pytest.mark.parametrize(
    "kept",
    ["not a model", {"format": "someone-else/1", "scorer": None}, ["a", "list"]],
)
def test_something_that_is_not_a_pipefit_model_is_refused_and_nothing_is_written(
    kept: object,
) -> None:
    files = MemoryLeadFiles({NEW_LEADS: decided_leads()})
    models = MemoryModelFiles({MODEL: kept})

    with pytest.raises(PipefitError) as refused:
        score_with_model(NEW_LEADS, files=files, models=models, model_path=MODEL, out=OUT)

    assert str(refused.value) == f"{MODEL} is not a pipefit lead model ({MODEL_FORMAT})"
    assert refused.value.field == "scoring.model"
    assert files.written == {}


def test_a_model_that_was_never_saved_is_refused_naming_the_path() -> None:
    files, models = ports()

    with pytest.raises(PipefitError) as refused:
        score_with_model(LEADS, files=files, models=models, model_path=MODEL, out=OUT)

    assert str(refused.value) == f"no model file {MODEL}"
    assert refused.value.field == "scoring.model"
    assert files.written == {}


def test_a_file_that_is_not_there_is_refused_and_nothing_is_written() -> None:
    files, models = MemoryLeadFiles(), MemoryModelFiles()

    with pytest.raises(PipefitError, match=r"^no file leads\.csv$"):
        score(files, models, out=OUT, save_model=MODEL)

    assert (files.written, models.saved) == ({}, {})


@pytest.mark.parametrize(
    ("options", "message", "field"),
    [
        ({"target": "Won"}, "leads.csv has no outcome column 'Won'; its columns are: "
         "Lead No, Source, Converted", "scoring.target"),
        ({"positive": "maybe"}, "the positive outcome 'maybe' is not a value of 'Converted'",
         "scoring.positive"),
        ({"folds": 1}, "the number of folds must be 0 (no comparison) or at least 2, got 1",
         "scoring.folds"),
        ({"folds": 21}, "'Converted' has only 20 rows of one outcome: too few for 21 folds",
         "scoring.folds"),
        ({"include": []}, "no usable feature columns once the leaking ones are left out (Source)",
         "scoring.include"),
        ({"include": ["Source", "Budget"]},
         "a field to keep despite a leak warning is not a column: Budget", "scoring.include"),
    ],
)  # fmt: skip
def test_a_refused_request_names_its_field_and_writes_nothing(
    options: dict[str, Any], message: str, field: str
) -> None:
    # Region is left out too here, so that only the leaking Source could be learned from.
    files, models = ports(decided_leads().drop_columns(["Region"]))

    with pytest.raises(PipefitError) as refused:
        score(files, models, out=OUT, save_model=MODEL, **options)

    assert str(refused.value).startswith(message), str(refused.value)
    assert refused.value.field == field
    assert (files.written, models.saved) == ({}, {})
