"""`leads score` on bad files: each refusal names the problem, and nothing is written
(on the in-memory file ports); and the real lead and model files refuse what is not there."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from pipefit.bootstrap import lead_files, model_files
from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import PipefitError
from pipefit.services.lead_files import score_file, score_with_model
from pipefit.store.memory.files import MemoryLeadFiles, MemoryModelFiles

FILES, MODELS = lead_files(), model_files()


@pytest.mark.parametrize(
    ("table", "options", "message"),
    [
        ({"a": [1, 2, 3], "Won": ["yes", "yes", "yes"]}, {"target": "Won"},
         "target column 'Won' has only 'yes' in 3 rows: a model needs both outcomes"),
        ({"a": [1, 2, 3], "Won": [None, None, None]}, {"target": "Won"},
         "target column 'Won' has no values in 3 rows"),
        ({"id": [f"L{i}" for i in range(300)], "Won": ["yes", "no"] * 150}, {"target": "Won"},
         "no usable feature columns: 'id' an identifier (a different value in every row)"),
        ({"a": [1] * 8, "Won": ["yes", "no"] * 4}, {"target": "Won"},
         "no usable feature columns: 'a' the same value in every row"),
        ({"a": [1, 2, 3, 4], "Won": ["red", "blue", "red", "blue"]}, {"target": "Won"},
         "cannot tell which value of 'Won' is the good outcome (blue or red)"),
        ({"a": [1, 2, 3], "Won": ["a", "b", "c"]}, {"target": "Won"},
         "target column 'Won' has 3 different values"),
        ({"a": [1, 2, 3, 4], "Won": [0, 1, 0, 0]}, {"target": "Won", "folds": 5},
         "'Won' has only 1 row of one outcome: too few for 5 folds"),
        ({"a": [1, 2], "Won": [0, 1]}, {"target": "Won", "folds": 1},
         "the number of folds must be 0 (no comparison) or at least 2"),
        ({"a": [1, 2, 3, 4], "Won": [0, 1, 0, 1]}, {"target": "Won", "exclude": ["b"]},
         "a column to leave out is not in the file: b"),
        ({"a": [1, 2, 3, 4], "Won": ["x", "y", "x", "y"]}, {"target": "Won", "positive": "z"},
         "the positive outcome 'z' is not a value of 'Won'"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_naming_the_problem_and_nothing_is_written(
    table: dict[str, list[object]], options: dict[str, object], message: str
) -> None:
    path = Path("leads.csv")
    files, models = MemoryLeadFiles({path: pa.table(table)}), MemoryModelFiles()
    with pytest.raises(PipefitError) as refused:
        score_file(
            path, files=files, models=models, config=QualificationConfig(),
            out=Path("scored.csv"), save_model=Path("model.joblib"),
            **options,  # type: ignore[arg-type]
        )  # fmt: skip
    assert str(refused.value).startswith(message), str(refused.value)
    assert (files.written, models.saved) == ({}, {})


def test_the_real_files_refuse_a_missing_lead_file_and_a_file_that_is_not_a_model(
    tmp_path: Path,
) -> None:
    with pytest.raises(PipefitError, match="no file"):
        score_file(
            tmp_path / "nope.csv", files=FILES, models=MODELS, target="Won",
            config=QualificationConfig(),
        )  # fmt: skip
    fake = tmp_path / "model.joblib"
    fake.write_text("not a model")
    leads = tmp_path / "leads.csv"
    pacsv.write_csv(pa.table({"a": [1]}), leads)
    with pytest.raises(PipefitError, match="is not a pipefit lead model"):
        score_with_model(leads, files=FILES, models=MODELS, model_path=fake, out=None)
