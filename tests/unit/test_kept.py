"""What a server keeps of what it computed from the data (`services.kept`): one
computation per key and data version, shared by concurrent callers; a new version
computes again; a clock-dependent value is refreshed by one caller while the others read
the kept one; nothing is kept without a version."""

from __future__ import annotations

import threading
import time

import pytest

from pipefit.services.kept import Kept


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_a_value_is_computed_once_while_the_version_is_the_same() -> None:
    kept, compute = Kept(), Counter()
    assert [kept.get("board", 7, compute) for _ in range(3)] == [1, 1, 1]
    assert compute.calls == 1


def test_a_new_version_computes_the_value_again() -> None:
    kept, compute = Kept(), Counter()
    assert kept.get("board", 7, compute) == 1
    assert kept.get("board", 8, compute) == 2
    assert kept.get("board", 8, compute) == 2


def test_different_keys_are_kept_apart() -> None:
    kept = Kept()
    assert kept.get(("board", "rep-1"), 1, lambda: "rep one's") == "rep one's"
    assert kept.get(("board", "rep-2"), 1, lambda: "rep two's") == "rep two's"
    assert kept.get(("board", "rep-1"), 1, lambda: "recomputed") == "rep one's"


def test_without_a_version_nothing_is_kept() -> None:
    kept, compute = Kept(), Counter()
    assert [kept.get("board", None, compute) for _ in range(3)] == [1, 2, 3]


def test_the_least_recently_used_value_is_dropped_beyond_the_limit() -> None:
    kept = Kept(entries=2)
    kept.get("a", 1, lambda: "a")
    kept.get("b", 1, lambda: "b")
    kept.get("a", 1, lambda: "a again")  # a is now the most recently used
    kept.get("c", 1, lambda: "c")  # drops b
    assert kept.get("a", 1, lambda: "a again") == "a"
    assert kept.get("b", 1, lambda: "b again") == "b again"


def test_callers_asking_at_once_wait_for_one_computation() -> None:
    kept = Kept()
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "board"

    answers: list[str] = []
    first = threading.Thread(target=lambda: answers.append(kept.get("k", 1, slow)))
    first.start()
    assert started.wait(5)
    others = [
        threading.Thread(target=lambda: answers.append(kept.get("k", 1, slow))) for _ in range(5)
    ]
    for t in others:
        t.start()
    time.sleep(0.1)  # the five are now waiting on the first's computation
    release.set()
    for t in [first, *others]:
        t.join(5)
    assert answers == ["board"] * 6
    assert len(calls) == 1


def test_an_old_value_is_refreshed_by_one_caller_while_the_others_read_it() -> None:
    now = [0.0]
    kept = Kept(clock=lambda: now[0])
    assert kept.get("k", 1, lambda: "at 0", max_age=60) == "at 0"
    now[0] = 30.0
    assert kept.get("k", 1, lambda: "at 30", max_age=60) == "at 0"  # still young
    now[0] = 61.0
    started, release = threading.Event(), threading.Event()

    def refresh() -> str:
        started.set()
        release.wait(5)
        return "at 61"

    answers: list[str] = []
    refresher = threading.Thread(
        target=lambda: answers.append(kept.get("k", 1, refresh, max_age=60))
    )
    refresher.start()
    assert started.wait(5)
    # While one caller computes the new value, another is answered at once with the old.
    assert kept.get("k", 1, lambda: "not this", max_age=60) == "at 0"
    release.set()
    refresher.join(5)
    assert answers == ["at 61"]
    assert kept.get("k", 1, lambda: "not this", max_age=60) == "at 61"


def test_a_failed_computation_keeps_nothing_and_the_next_caller_computes() -> None:
    kept = Kept()

    def broken() -> str:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        kept.get("k", 1, broken)
    assert kept.get("k", 1, lambda: "fine") == "fine"


def test_a_timed_value_outlives_data_versions_and_is_refreshed_in_the_background() -> None:
    now = [0.0]
    kept = Kept(clock=lambda: now[0])
    assert kept.timed("clock", lambda: "at 0", max_age=600) == "at 0"
    kept.get("board", 1, lambda: "board 1")
    kept.get("board", 2, lambda: "board 2")  # writes move the version: the clock stays
    assert kept.timed("clock", lambda: "not this", max_age=600) == "at 0"
    now[0] = 601.0
    done = threading.Event()

    def refresh() -> str:
        done.set()
        return "at 601"

    # Older than its limit: this caller is answered at once, a thread reads it again.
    assert kept.timed("clock", refresh, max_age=600) == "at 0"
    assert done.wait(5)
    deadline = time.monotonic() + 5
    while kept.timed("clock", lambda: "not this", max_age=600) != "at 601":
        assert time.monotonic() < deadline, "the background refresh never landed"
        time.sleep(0.01)
