"""The quick test for duplicate keys (no hashing when keys come in rising order) answers
as a full count would, whatever the order the rows come in."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipefit.io.batch import _has_duplicates


def events(ids: list[str | None], seqs: list[int]) -> pa.Table:
    return pa.table({"opportunity_id": pa.array(ids, pa.string()), "seq": seqs})


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["a", "b", "c"], False),  # rising
        (["c", "a", "b"], False),  # distinct, in no order
        (["a", "b", "a"], True),
        (["a", "a"], True),
        (["a", None, "b"], False),  # one missing id is not a duplicate
        ([None, "a", None], True),
    ],
)
def test_a_single_key_is_duplicated_only_when_a_value_appears_twice(
    ids: list[str | None], expected: bool
) -> None:
    table = pa.table({"opportunity_id": pa.array(ids, pa.string())})
    assert _has_duplicates(table, ["opportunity_id"]) is expected


def test_events_grouped_by_deal_with_rising_numbers_have_no_duplicate() -> None:
    assert not _has_duplicates(
        events(["o2", "o2", "o1", "o3"], [1, 2, 1, 1]), ["opportunity_id", "seq"]
    )


def test_a_deal_whose_events_come_in_two_separate_runs_is_looked_at_closely() -> None:
    # o1 1, o2 1, o1 1: each run rises, but o1's first event is given twice.
    assert _has_duplicates(events(["o1", "o2", "o1"], [1, 1, 1]), ["opportunity_id", "seq"])


def test_a_repeated_event_number_within_a_deal_is_a_duplicate() -> None:
    assert _has_duplicates(events(["o1", "o1"], [1, 1]), ["opportunity_id", "seq"])
