"""The truths the generator plants (sample.truths) hold in the files it writes.

Each is measured here on the CSV files directly, with numpy, not through pipefit's reports:
the stage hiding two steps has two humps; the stage nobody works is passed in minutes; the
planted pairs win more (or less) together than apart; SMB usage signals lift the win rate
by the stated points; expected close dates slip and are pulled in, as a consistent history.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from pipefit.io.native import ENTITIES
from pipefit.sample import generate
from pipefit.sample.truths import (
    BAD_PAIR_EFFECT,
    GOOD_PAIR_EFFECT,
    MINUTE_STAGE,
    MINUTE_STAGE_MEDIAN_MINUTES,
    PAIR_LIFT_AT_LEAST,
    SIGNAL_LIFT_TOLERANCE,
    SIGNALS,
    TWO_STEP_MEDIAN_DAYS,
    TWO_STEP_SHARES,
    TWO_STEP_STAGE,
    planted_pairs,
)

# Big enough for win rates of a few hundred deals per planted pair and of tens of
# thousands of SMB deals; generated once for the module (about two seconds).
OPPORTUNITIES = 60_000


def read(folder: Path, name: str) -> pa.Table:
    names = ENTITIES[name].field_names
    return pacsv.read_csv(
        folder / f"{name}.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True
        ),
    )


def seconds(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    parsed = pc.strptime(column, format="%Y-%m-%dT%H:%M:%SZ", unit="s")
    return np.asarray(pc.cast(parsed, pa.int64()).to_numpy(zero_copy_only=False), np.float64)


def text(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("truths")
    generate(out, opportunities=OPPORTUNITIES, seed=7)
    return out


@pytest.fixture(scope="module")
def closed(folder: Path) -> pa.Table:
    opps = read(folder, "opportunities")
    return opps.filter(pc.is_valid(opps["closed_at"]))


@pytest.fixture(scope="module")
def events(folder: Path) -> dict[str, np.ndarray]:
    table = read(folder, "stage_events")  # grouped by deal, in seq order
    return {
        "deal": text(table["opportunity_id"]),
        "at": seconds(table["at"]),
        "to": text(table["to_stage"]),
        "from": text(table["from_stage"]),
    }


def completed_visits_days(events: dict[str, np.ndarray], stage: str) -> np.ndarray:
    """Calendar days of every completed stay in `stage` (entry to the next event; neither
    stage has sub-states, so the next event of the deal is the move out)."""
    deal, at = events["deal"], events["at"]
    same_deal_next = np.r_[deal[1:] == deal[:-1], False]
    entry = (events["to"] == stage) & (events["from"] != stage) & same_deal_next
    rows = np.flatnonzero(entry)
    return np.asarray((at[rows + 1] - at[rows]) / 86400)


def lookup(ids: pa.ChunkedArray, keys: pa.ChunkedArray, values: np.ndarray) -> np.ndarray:
    """values[position of each id among keys] (every id is among them)."""
    where = pc.index_in(ids, value_set=keys.combine_chunks())
    return values[np.asarray(where.to_numpy(zero_copy_only=False), np.int64)]


# --- (1) the stage that hides two steps ---------------------------------------------------


def humps(days: np.ndarray, bandwidth: float = 0.35) -> tuple[int, float]:
    """The humps of the smoothed density of log days, and how deep the valley between the
    two highest is (its lowest density over the lower peak's; 1.0 with a single hump).

    A Gaussian kernel of `bandwidth` in log days smooths out the weekend gaps (a stay of a
    few working days lasts either d or d + 2 calendar days, never in between)."""
    logs = np.log(days)
    low, high = np.percentile(logs, [0.5, 99.5])
    counts, edges = np.histogram(logs[(logs >= low) & (logs <= high)], bins=200)
    step = edges[1] - edges[0]
    reach = int(4 * bandwidth / step)
    kernel = np.exp(-0.5 * (np.arange(-reach, reach + 1) * step / bandwidth) ** 2)
    density = np.convolve(counts, kernel, mode="same")
    peaks = [
        i
        for i in range(1, len(density) - 1)
        if density[i] >= density[i - 1] and density[i] > density[i + 1]
    ]
    if len(peaks) < 2:
        return len(peaks), 1.0
    a, b = sorted(sorted(peaks, key=lambda i: -density[i])[:2])
    return len(peaks), float(density[a : b + 1].min() / min(density[a], density[b]))


def test_the_two_step_stage_has_two_humps_at_the_stated_medians(
    events: dict[str, np.ndarray],
) -> None:
    days = completed_visits_days(events, TWO_STEP_STAGE[0])
    assert len(days) > 10_000
    count, valley = humps(days)
    assert count == 2 and valley < 0.5
    short, long = TWO_STEP_MEDIAN_DAYS
    below = days < np.sqrt(short * long)  # split at the humps' geometric middle
    assert below.mean() == pytest.approx(TWO_STEP_SHARES[0], abs=0.04)
    assert np.median(days[below]) == pytest.approx(short, rel=0.25)
    assert np.median(days[~below]) == pytest.approx(long, rel=0.15)


def test_the_other_stages_have_one_hump(events: dict[str, np.ndarray]) -> None:
    for stage in ("Discovery", "Evaluation", MINUTE_STAGE[0], "Formal proposal"):
        assert humps(completed_visits_days(events, stage)) == (1, 1.0), stage


# --- (2) the stage nobody works -----------------------------------------------------------


def test_the_minute_stage_is_passed_in_minutes(events: dict[str, np.ndarray]) -> None:
    minutes = completed_visits_days(events, MINUTE_STAGE[0]) * 24 * 60
    assert len(minutes) > 10_000
    assert np.median(minutes) < 60
    assert np.median(minutes) == pytest.approx(MINUTE_STAGE_MEDIAN_MINUTES, rel=0.3)
    for stage in ("Discovery", "Evaluation", TWO_STEP_STAGE[0]):
        assert np.median(completed_visits_days(events, stage)) > 1


# --- (3) pairs better or worse together than apart ----------------------------------------


def test_the_planted_pairs_win_more_or_less_together_than_apart(
    folder: Path, closed: pa.Table
) -> None:
    people = read(folder, "people")
    pairs = planted_pairs(
        zip(
            people["person_id"].to_pylist(),
            people["role"].to_pylist(),
            people["team_id"].to_pylist(),
            strict=True,
        )
    )
    assert set(pairs.values()) == {GOOD_PAIR_EFFECT, BAD_PAIR_EFFECT}
    rep, engineer = text(closed["owner_id"]), text(closed["presales_id"])
    won = text(closed["stage"]) == "Closed won"
    for effect in (GOOD_PAIR_EFFECT, BAD_PAIR_EFFECT):
        chosen = [p for p, e in pairs.items() if e == effect]
        reps = {r for r, _ in chosen}
        engineers = {e for _, e in chosen}
        together = np.isin(
            np.char.add(rep.astype(str), engineer.astype(str)),
            [r + e for r, e in chosen],
        )
        rep_apart = np.isin(rep, list(reps)) & ~together
        engineer_apart = np.isin(engineer, list(engineers)) & ~together
        assert together.sum() >= 300 and rep_apart.sum() >= 300 and engineer_apart.sum() >= 300
        rate = won[together].mean()
        sign = 1 if effect > 0 else -1
        assert sign * (rate - won[rep_apart].mean()) >= PAIR_LIFT_AT_LEAST
        assert sign * (rate - won[engineer_apart].mean()) >= PAIR_LIFT_AT_LEAST


# --- (4) SMB usage signals ----------------------------------------------------------------


def test_each_smb_signal_lifts_the_win_rate_by_the_stated_points(
    folder: Path, closed: pa.Table
) -> None:
    accounts = read(folder, "accounts")
    employees = np.asarray(pc.cast(accounts["employees"], pa.int64()))
    size = lookup(closed["account_id"], accounts["account_id"], employees)
    smb = (size >= 100) & (size < 1000)
    deals = closed["opportunity_id"].filter(pa.array(smb))
    won = (text(closed["stage"]) == "Closed won")[smb]
    close_at = seconds(closed["closed_at"])[smb]
    activities = read(folder, "activities")
    for signal in SIGNALS:
        rows = activities.filter(pc.equal(activities["kind"], signal.kind))
        where = pc.index_in(rows["opportunity_id"], value_set=deals.combine_chunks())
        mine = np.asarray(pc.is_valid(where))
        position = np.asarray(pc.fill_null(where, 0).to_numpy(zero_copy_only=False))[mine]
        before = seconds(rows["at"])[mine] < close_at[position]
        shown = np.zeros(len(won), bool)
        shown[position[before]] = True
        assert shown.mean() == pytest.approx(signal.share, abs=0.05)
        lift = won[shown].mean() - won[~shown].mean()
        assert lift == pytest.approx(signal.lift, abs=SIGNAL_LIFT_TOLERANCE), signal.kind


def test_enterprise_deals_show_no_usage_signals(folder: Path) -> None:
    kinds = set(read(folder, "activities")["kind"].to_pylist())
    assert {s.kind for s in SIGNALS} <= kinds  # and their absence in enterprise: test_sample


# --- (5) expected close dates: slips and pull-ins -----------------------------------------


@pytest.fixture(scope="module")
def close_changes(folder: Path) -> pa.Table:
    changes = read(folder, "opportunity_changes")
    return changes.filter(pc.equal(changes["field"], "close_date"))


def test_expected_closes_are_pushed_out_and_pulled_in(close_changes: pa.Table) -> None:
    old, new = seconds(close_changes["old_close_date"]), seconds(close_changes["new_close_date"])
    pushed, pulled = int((new > old).sum()), int((new < old).sum())
    assert pushed + pulled == close_changes.num_rows  # every row changes the date
    assert pulled >= 1000 and pushed > pulled  # optimistic reps: slips outnumber pull-ins
    deals = len(set(close_changes["opportunity_id"].to_pylist()))
    assert deals >= 0.3 * OPPORTUNITIES


def test_the_close_date_history_is_a_chain_ending_at_the_expected_close(
    folder: Path, close_changes: pa.Table
) -> None:
    deal = text(close_changes["opportunity_id"])  # sorted by deal, then time
    at = seconds(close_changes["at"])
    old, new = seconds(close_changes["old_close_date"]), seconds(close_changes["new_close_date"])
    same = deal[1:] == deal[:-1]
    assert np.all(old[1:][same] == new[:-1][same])  # each change starts where the last ended
    assert np.all(at[1:][same] > at[:-1][same])
    assert np.all(new >= at - 86400)  # never expected before the day it was set
    opps = read(folder, "opportunities")
    ids = close_changes["opportunity_id"]
    expected = lookup(ids, opps["opportunity_id"], seconds(opps["expected_close"]))
    last = np.r_[~same, True]
    assert np.all(expected[last] == new[last])
    created = lookup(ids, opps["opportunity_id"], seconds(opps["created_at"]))
    closed_at = seconds(pc.fill_null(opps["closed_at"], "2100-01-01T00:00:00Z"))
    ends = lookup(ids, opps["opportunity_id"], closed_at)
    assert np.all((created < at) & (at < ends))
    assert pc.all(pc.is_valid(opps["expected_close"])).as_py()


def test_some_amounts_are_revised_while_the_deal_is_open(folder: Path) -> None:
    changes = read(folder, "opportunity_changes")
    amounts = changes.filter(pc.equal(changes["field"], "amount"))
    opps = read(folder, "opportunities")
    amount_now = dict(
        zip(opps["opportunity_id"].to_pylist(), opps["amount"].to_pylist(), strict=True)
    )
    assert amounts.num_rows >= 0.1 * OPPORTUNITIES
    for row in amounts.slice(0, 500).to_pylist():
        assert row["new_amount"] == amount_now[row["opportunity_id"]]
        assert row["old_amount"] != row["new_amount"]
