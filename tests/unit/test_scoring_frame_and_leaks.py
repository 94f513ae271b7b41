from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from pipefit.domain.errors import PipefitError
from pipefit.scoring.frame import MISSING, OTHER, FrameSpec, clean_text, plan_columns
from pipefit.scoring.leaks import find_leaks
from pipefit.scoring.learn import plan_features

from .scoring_data import messy_leads


def test_text_is_trimmed_lower_cased_and_placeholders_become_missing() -> None:
    cleaned = clean_text(pa.array(["  Google", "google ", "Select", "select a country", "", None,
                                   "N/A", "Referral"]))  # fmt: skip
    assert cleaned.to_pylist() == ["google", "google", None, None, None, None, None, "referral"]


def test_columns_are_sorted_into_numbers_and_categories_and_the_rest_explained() -> None:
    table = messy_leads(300)
    numbers, categories, excluded = plan_columns(table, target="Converted", exclude=["Tags"])
    assert numbers == ["Minutes On Site", "Budget"]  # "42%" is a number
    assert categories == ["Lead Source", "Occupation"]
    assert {e.name: e.why for e in excluded} == {
        "Prospect ID": "an identifier (a different value in every row)",
        "Magazine": "the same value in every row",
        "Tags": "left out as asked",
    }


def test_excluding_a_column_that_does_not_exist_is_an_error_naming_it() -> None:
    with pytest.raises(PipefitError, match="a column to leave out is not in the file: Tagz") as e:
        plan_columns(messy_leads(100), target="Converted", exclude=["Tagz"])
    assert e.value.field == "scoring.exclude"


def test_unseen_values_are_other_and_blanks_missing_when_scoring_new_leads() -> None:
    table = messy_leads(300)
    spec = FrameSpec.fit(table, ["Minutes On Site"], ["Lead Source"])
    new = pa.table({"Minutes On Site": ["12", "n/a"], "Lead Source": ["GOOGLE", "Billboard"]})
    frame = spec.encode(new)
    source = spec.categories[0]
    assert source.label(int(frame.codes[0, 0])) == "google"
    assert frame.codes[1, 0] == OTHER
    assert np.isnan(frame.numbers[1, 0])
    blank = spec.encode(pa.table({"Minutes On Site": [1.0], "Lead Source": ["Select"]}))
    assert blank.codes[0, 0] == MISSING


def test_a_model_cannot_score_a_file_without_its_columns() -> None:
    spec = FrameSpec.fit(messy_leads(100), ["Minutes On Site"], [])
    with pytest.raises(PipefitError, match=r"lacks the column.*Minutes On Site"):
        spec.encode(pa.table({"Other": [1]}))


def test_fields_filled_after_contact_or_too_good_to_be_true_are_flagged() -> None:
    table = messy_leads()
    y = np.asarray(table["Converted"].to_numpy(), np.int64)
    numbers, categories, _ = plan_columns(table, target="Converted", exclude=[])
    frame = FrameSpec.fit(table, numbers, categories).encode(table)
    warnings = {w.field: w.why for w in find_leaks(frame, y)}
    assert list(warnings) == ["Tags"]
    assert warnings["Tags"].startswith("predicts the outcome almost perfectly on its own")
    renamed = table.rename_columns(
        [c.replace("Budget", "Lead Quality") for c in table.column_names]
    )
    _, leaks = plan_features(renamed, y, target="Converted", exclude=["Tags"])
    assert [(w.field, w.why.split(" (ROC")[0]) for w in leaks] == [
        ("Lead Quality", "looks filled in after contact (its name says 'quality')")
    ]


def test_a_leaking_field_is_left_out_unless_included() -> None:
    table = messy_leads(600)
    y = np.asarray(table["Converted"].to_numpy(), np.int64)
    spec, _ = plan_features(table, y, target="Converted")
    assert "Tags" not in spec.names
    assert any(e.name == "Tags" and e.why.startswith("may leak") for e in spec.excluded)
    kept, _ = plan_features(table, y, target="Converted", include=["tags"])
    assert "Tags" in kept.names


def test_a_file_with_nothing_to_learn_from_says_why() -> None:
    table = pa.table({"Prospect ID": [f"P{i}" for i in range(300)], "Won": [0, 1] * 150})
    with pytest.raises(
        PipefitError, match="no usable feature columns: 'Prospect ID' an identifier"
    ):
        plan_features(table, np.array([0, 1] * 150), target="Won")


def _handling_table(rows: int = 400) -> tuple[pa.Table, np.ndarray]:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, rows)
    touches = np.array(["SMS Sent", "Had a Phone Conversation", "Email Opened", "Unreachable"])
    sources = np.array(["Google", "Click2call", "Olark Chat", "Reference"])
    return (
        pa.table(
            {
                # Named innocently; its values say what sales did after contact.
                "Latest event": touches[rng.integers(0, 4, rows)],
                # Named like a post-contact field; its values say nothing of the kind.
                "Last Activity Type": np.array(["web", "mail"])[rng.integers(0, 2, rows)],
                # Neither: what the lead did before anyone called.
                "Lead Source": sources[rng.integers(0, 4, rows)],
                "Do Not Call": np.array(["Yes", "No"])[rng.integers(0, 2, rows)],
                "Converted": y,
            }
        ),
        y,
    )


def test_a_field_whose_values_record_contact_is_flagged_whatever_its_name() -> None:
    table, y = _handling_table()
    _, leaks = plan_features(table, y, target="Converted")
    why = {w.field: w.why for w in leaks}
    assert set(why) == {"Latest event", "Last Activity Type"}
    # Three of the four values are post-contact: about 75% of the rows.
    for value in ("'sms sent'", "'had a phone conversation'", "'unreachable'"):
        assert value in why["Latest event"]
    assert "email opened" not in why["Latest event"]
    assert "its name says 'last activity'" in why["Last Activity Type"]


def test_a_rare_post_contact_value_does_not_flag_a_column() -> None:
    rows = 1000
    y = np.array([0, 1] * (rows // 2))
    values = np.array(["Google"] * (rows - 5) + ["Unreachable"] * 5)  # 0.5% of rows
    table = pa.table({"Origin": values, "Converted": y})
    _, leaks = plan_features(table, y, target="Converted")
    assert leaks == []
