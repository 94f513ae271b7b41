"""The synthetic company: well-formed native files, consistent histories, a real hidden model."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from pipefit.io.native import ENTITIES
from pipefit.io.parsing import coerce_column
from pipefit.sample import FILES, generate

OPEN_STAGES = (
    "Discovery",
    "Evaluation",
    "Solutions overview",
    "Solutions refinement",
    "Formal proposal",
)
# Entry evidence per stage, as in the default workspace's inbound pipeline (Evaluation also
# needs Discovery's exit criterion, next steps agreed): (kind, purpose, by).
TRIGGERS: dict[str, list[tuple[str, str | None, str | None]]] = {
    "Evaluation": [
        ("next_steps_agreed", None, None),
        ("meeting_booked", "evaluation", None),
        ("meeting_accepted", "evaluation", "prospect"),
    ],
    "Solutions overview": [
        ("meeting_booked", "overview", None),
        ("meeting_accepted", "overview", "prospect"),
        ("meeting_accepted", "overview", "rep"),
    ],
    "Solutions refinement": [
        ("meeting_booked", "refinement", None),
        ("meeting_accepted", "refinement", "prospect"),
    ],
    "Formal proposal": [("proposal_sent", None, None)],
}


def read(folder: Path, name: str) -> pa.Table:
    """A native file with every column as text (empty = null), as the importer sees it."""
    names = ENTITIES[name].field_names
    return pacsv.read_csv(
        folder / f"{name}.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True
        ),
    )


def rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    yield from table.to_pylist()


def seconds(column: pa.ChunkedArray) -> np.ndarray:
    parsed = pc.strptime(column, format="%Y-%m-%dT%H:%M:%SZ", unit="s")
    return np.asarray(pc.cast(parsed, pa.int64()).to_numpy(zero_copy_only=False))


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("acme-sample")
    counts = generate(folder, opportunities=2000, seed=11)
    return folder, counts


@pytest.fixture(scope="module")
def folder(company: tuple[Path, dict[str, int]]) -> Path:
    return company[0]


def test_the_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(first, opportunities=500, seed=3)
    generate(second, opportunities=500, seed=3)
    generate(other, opportunities=500, seed=4)
    for name in ENTITIES:
        assert (first / f"{name}.csv").read_bytes() == (second / f"{name}.csv").read_bytes(), name
    assert (first / "opportunities.csv").read_bytes() != (other / "opportunities.csv").read_bytes()


def test_every_file_has_exactly_the_spec_columns_in_order(folder: Path) -> None:
    for name, spec in ENTITIES.items():
        with open(folder / f"{name}.csv", encoding="utf-8") as handle:
            header = handle.readline().rstrip("\n")
        assert header == ",".join(spec.field_names), name


def test_the_returned_counts_are_the_rows_of_each_file(
    company: tuple[Path, dict[str, int]],
) -> None:
    folder, counts = company
    assert set(counts) == set(ENTITIES)
    for name, count in counts.items():
        assert read(folder, name).num_rows == count, name
    assert counts["opportunities"] == 2000
    assert counts["handoffs"] == 2000
    assert 2500 <= counts["leads"] <= 2700  # one per deal and ~30% that never converted
    assert counts["accounts"] == 666


def test_the_files_checked_before_generating_are_the_files_written(
    company: tuple[Path, dict[str, int]],
) -> None:
    folder, counts = company
    assert list(FILES) == [f"{name}.csv" for name in counts]
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)  # no temporary file left


def test_every_value_parses_as_its_spec_type_and_choices(folder: Path) -> None:
    for name, spec in ENTITIES.items():
        table = read(folder, name)
        for field in spec.fields:
            _, errors = coerce_column(table[field.name], field, file=f"{name}.csv")
            assert errors == [], (name, field.name, errors[:3])


def test_values_are_written_in_the_native_text_formats(folder: Path) -> None:
    text = (folder / "opportunities.csv").read_text().splitlines()[1:]
    first = text[0].split(",")
    columns = ENTITIES["opportunities"].field_names
    row = dict(zip(columns, first, strict=True))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["created_at"])
    assert re.fullmatch(r"\d+\.\d\d", row["amount"])
    people = (folder / "people.csv").read_text().splitlines()[1].split(",")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", people[-1])
    contact = (folder / "contacts.csv").read_text().splitlines()[1].split(",")
    assert set(contact[4:]) <= {"true", "false"}
    assert '"' not in (folder / "leads.csv").read_text()


def test_each_opportunity_stands_where_its_last_stage_event_put_it(folder: Path) -> None:
    last: dict[str, dict[str, str | None]] = {}
    for event in rows(read(folder, "stage_events")):
        last[str(event["opportunity_id"])] = event  # rows come in seq order per deal
    opportunities = list(rows(read(folder, "opportunities")))
    assert {o["pipeline"] for o in opportunities} == {"inbound"}
    for opp in opportunities:
        event = last[str(opp["opportunity_id"])]
        assert opp["stage"] == event["to_stage"]
        assert opp["substate"] == event["substate"]
        closed = opp["stage"] in ("Closed won", "Closed lost")
        assert opp["closed_at"] == (event["at"] if closed else None)
        if opp["stage"] == "Closed lost":
            assert opp["loss_reason"] and event["reason"] == opp["loss_reason"]
        else:
            assert opp["loss_reason"] is None


def test_stage_events_count_from_one_and_strictly_increase_in_time(folder: Path) -> None:
    events = read(folder, "stage_events")
    deal = np.asarray(events["opportunity_id"].to_pylist())
    seq = np.asarray(pc.cast(events["seq"], pa.int64()))
    at = seconds(events["at"])
    first = np.r_[True, deal[1:] != deal[:-1]]
    assert np.all(seq[first] == 1)
    assert np.all(seq[~first] == seq[np.flatnonzero(~first) - 1] + 1)
    assert np.all(at[~first] > at[np.flatnonzero(~first) - 1])
    assert len(set(deal.tolist())) == int(first.sum())  # each deal's events are together
    starts = events.filter(pc.equal(events["seq"], "1"))
    assert set(starts["to_stage"].to_pylist()) == {"Discovery"}
    assert starts["from_stage"].null_count == starts.num_rows
    assert 4.0 <= events.num_rows / 2000 <= 6.0  # about five events per deal


def test_proposal_sub_states_are_changes_within_formal_proposal(folder: Path) -> None:
    events = list(rows(read(folder, "stage_events")))
    inside = [e for e in events if e["from_stage"] == e["to_stage"]]
    assert inside
    assert {e["to_stage"] for e in inside} == {"Formal proposal"}
    assert {e["substate"] for e in inside} == {"review", "negotiation", "signature"}
    entries = [
        e for e in events if e["to_stage"] == "Formal proposal" and e["from_stage"] != e["to_stage"]
    ]
    assert {e["substate"] for e in entries} == {"delivery"}


def test_a_few_deals_move_back_a_stage_and_forward_again(folder: Path) -> None:
    position = {stage: i for i, stage in enumerate(OPEN_STAGES)}
    backward = [
        e
        for e in rows(read(folder, "stage_events"))
        if e["from_stage"] in position
        and e["to_stage"] in position
        and position[str(e["to_stage"])] < position[str(e["from_stage"])]
    ]
    share = len({e["opportunity_id"] for e in backward}) / 2000
    assert 0.01 <= share <= 0.06
    assert all(e["reason"] for e in backward)


def test_deals_drop_out_at_every_open_stage(folder: Path) -> None:
    events = read(folder, "stage_events")
    lost = events.filter(pc.equal(events["to_stage"], "Closed lost"))
    dropped_from = pc.value_counts(lost["from_stage"]).to_pylist()
    counts = {item["values"]: item["counts"] for item in dropped_from}
    assert set(counts) == set(OPEN_STAGES)
    assert all(count >= 20 for count in counts.values())
    reasons = set(read(folder, "opportunities")["loss_reason"].drop_null().to_pylist())
    assert reasons == {"no budget", "lost to competitor", "no decision", "timing", "poor fit"}


def test_some_deals_are_still_open_at_the_end_mostly_recent_ones(folder: Path) -> None:
    opps = read(folder, "opportunities")
    open_ = pc.is_null(opps["closed_at"])
    share = pc.mean(pc.cast(open_, pa.int8())).as_py()
    assert 0.1 <= share <= 0.3
    created = seconds(opps["created_at"])
    is_open = np.asarray(open_)
    assert np.median(created[is_open]) > np.quantile(created[~is_open], 0.75)


def _segments(folder: Path) -> dict[str, str]:
    """account -> enterprise / smb / small, by the workspace's employee thresholds."""
    out = {}
    for account in rows(read(folder, "accounts")):
        employees = int(str(account["employees"]))
        seg = "enterprise" if employees >= 1000 else "smb" if employees >= 100 else "small"
        out[str(account["account_id"])] = seg
    return out


def test_enterprise_cycles_are_clearly_longer_than_smb_ones(folder: Path) -> None:
    segment = _segments(folder)
    opps = read(folder, "opportunities")
    won = opps.filter(pc.equal(opps["stage"], "Closed won"))
    days = (seconds(won["closed_at"]) - seconds(won["created_at"])) / 86400
    seg = np.array([segment[a] for a in won["account_id"].to_pylist()])
    enterprise, smb = np.median(days[seg == "enterprise"]), np.median(days[seg == "smb"])
    assert 150 <= enterprise <= 260  # about 7 months
    assert 60 <= smb <= 120  # about 3 months
    assert 1.6 <= enterprise / smb <= 3.5


def test_deal_sizes_follow_the_segment(folder: Path) -> None:
    segment = _segments(folder)
    opps = read(folder, "opportunities")
    amount = np.asarray(pc.cast(opps["amount"], pa.float64()))
    seg = np.array([segment[a] for a in opps["account_id"].to_pylist()])
    assert 50_000 <= np.median(amount[seg == "enterprise"]) <= 500_000
    assert 5_000 <= np.median(amount[seg == "smb"]) <= 50_000


def test_enterprise_buying_committees_have_six_to_ten_members(folder: Path) -> None:
    segment = _segments(folder)
    committee: dict[str, int] = defaultdict(int)
    deciders: dict[str, int] = defaultdict(int)
    for contact in rows(read(folder, "contacts")):
        if contact["on_buying_committee"] == "true":
            committee[str(contact["account_id"])] += 1
        if contact["is_decision_maker"] == "true":
            deciders[str(contact["account_id"])] += 1
    enterprise = [n for a, n in committee.items() if segment[a] == "enterprise"]
    smb = [n for a, n in committee.items() if segment[a] == "smb"]
    assert enterprise and min(enterprise) >= 6 and max(enterprise) <= 10
    assert smb and min(smb) >= 1 and max(smb) <= 3
    assert all(deciders[a] >= 1 for a in committee)


def test_each_deal_pairs_its_rep_with_an_engineer_from_the_reps_pool(folder: Path) -> None:
    members: dict[str, set[str]] = defaultdict(set)
    covered: dict[str, str] = {}
    for row in rows(read(folder, "pool_members")):
        if row["kind"] == "member":
            members[str(row["pool_id"])].add(str(row["person_id"]))
        else:
            covered[str(row["person_id"])] = str(row["pool_id"])
    roles = {p["person_id"]: p["role"] for p in rows(read(folder, "people"))}
    for opp in rows(read(folder, "opportunities")):
        assert roles[opp["owner_id"]] == "sales_rep"
        assert opp["presales_id"] in members[covered[str(opp["owner_id"])]]


def _chi_square(cells: list[tuple[int, int]]) -> float:
    """Chi-square statistic for "every (wins, deals) cell has the same win rate"."""
    rate = sum(w for w, _ in cells) / sum(n for _, n in cells)
    return sum((w - n * rate) ** 2 / (n * rate * (1 - rate)) for w, n in cells)


def _pair_tally(folder: Path) -> dict[str, dict[str, list[int]]]:
    """rep -> presales engineer -> [won, closed]."""
    tally: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for opp in rows(read(folder, "opportunities")):
        if opp["closed_at"] is not None:
            cell = tally[str(opp["owner_id"])][str(opp["presales_id"])]
            cell[0] += opp["stage"] == "Closed won"
            cell[1] += 1
    return tally


def test_the_same_rep_wins_more_with_some_engineers_than_with_others(tmp_path: Path) -> None:
    # Only the pair's chemistry differs within a rep's deals. A fixed seed: the effect shows
    # for most seeds at this size, and this test pins one where it is plain.
    generate(tmp_path, opportunities=10_000, seed=12)
    chi2, df = 0.0, 0
    for partners in _pair_tally(tmp_path).values():
        cells = [(won, n) for won, n in partners.values() if n >= 25]
        if len(cells) >= 2:
            chi2 += _chi_square(cells)
            df += len(cells) - 1
    assert df >= 8
    assert chi2 > df + 3 * math.sqrt(2 * df)


def _first_win_leads(folder: Path) -> dict[str, dict[str, str | None]]:
    """account -> the lead behind its first won deal."""
    leads = {lead["lead_id"]: lead for lead in rows(read(folder, "leads"))}
    first: dict[str, tuple[str, str]] = {}
    for opp in rows(read(folder, "opportunities")):
        if opp["stage"] == "Closed won":
            key = (str(opp["closed_at"]), str(opp["lead_id"]))
            account = str(opp["account_id"])
            first[account] = min(first.get(account, key), key)
    return {account: leads[lead] for account, (_, lead) in first.items()}


def test_successful_customers_had_a_better_needs_match_than_churned_ones(folder: Path) -> None:
    lead_of = _first_win_leads(folder)
    outcomes = list(rows(read(folder, "customer_outcomes")))
    assert set(lead_of) == {o["account_id"] for o in outcomes}
    happy = [o for o in outcomes if o["renewed"] == "true" and o["churned_at"] is None]
    churned = [o for o in outcomes if o["churned_at"] is not None]
    assert len(happy) >= 30 and len(churned) >= 10

    def mean_match(group: list[dict[str, str | None]]) -> float:
        return float(
            np.mean([float(str(lead_of[str(o["account_id"])]["needs_match_pct"])) for o in group])
        )

    assert mean_match(happy) > mean_match(churned) + 5


def test_the_lead_answers_predict_winning_and_bant_only_weakly(folder: Path) -> None:
    leads = {lead["lead_id"]: lead for lead in rows(read(folder, "leads"))}
    closed = [o for o in rows(read(folder, "opportunities")) if o["closed_at"] is not None]

    def win_rate(keep: Callable[[dict[str, Any]], bool]) -> float:
        chosen = [o for o in closed if keep(leads[o["lead_id"]])]
        won: int = sum(o["stage"] == "Closed won" for o in chosen)
        return won / len(chosen)

    good = win_rate(lambda lead: float(lead["needs_match_pct"]) >= 80)
    poor = win_rate(lambda lead: float(lead["needs_match_pct"]) < 60)
    assert good > poor + 0.08
    budget_yes = win_rate(lambda lead: lead["budget"] == "yes")
    budget_no = win_rate(lambda lead: lead["budget"] == "no")
    assert budget_yes - budget_no < good - poor


def test_leads_that_never_converted_are_nurtured_disqualified_or_in_progress(folder: Path) -> None:
    leads = read(folder, "leads")
    converted = set(read(folder, "opportunities")["lead_id"].to_pylist())
    handed = set(read(folder, "handoffs")["lead_id"].to_pylist())
    assert handed == converted
    statuses = dict(zip(leads["lead_id"].to_pylist(), leads["status"].to_pylist(), strict=True))
    assert {statuses[lead] for lead in converted} == {"qualified"}
    others = {s for lead, s in statuses.items() if lead not in converted}
    assert others == {"new", "working", "nurture", "disqualified"}


def test_forward_moves_carry_their_trigger_evidence_except_a_few(folder: Path) -> None:
    evidence: dict[str, list[tuple[str, str | None, str | None, str]]] = defaultdict(list)
    for a in rows(read(folder, "activities")):
        evidence[str(a["opportunity_id"])].append(
            (str(a["kind"]), a["purpose"], a["by"], str(a["at"]))
        )
    position = {stage: i for i, stage in enumerate(OPEN_STAGES)}
    moves = failures = 0
    for e in rows(read(folder, "stage_events")):
        to, came = str(e["to_stage"]), e["from_stage"]
        if to not in TRIGGERS or came is None or position.get(str(came), 9) != position[to] - 1:
            continue
        found = evidence[str(e["opportunity_id"])]
        moves += 1
        at = str(e["at"])  # ISO text in one format compares as time does
        failures += not all(
            any(
                k == kind and (p is None or got_p == p) and (b is None or got_b == b) and t <= at
                for k, got_p, got_b, t in found
            )
            for kind, p, b in TRIGGERS[to]
        )
    assert moves > 3000
    assert 0.003 <= failures / moves <= 0.05


def test_smb_deals_show_behaviour_and_enterprise_deals_progression_signals(folder: Path) -> None:
    segment = _segments(folder)
    account = {o["opportunity_id"]: o["account_id"] for o in rows(read(folder, "opportunities"))}
    kinds: dict[str, set[str]] = defaultdict(set)
    for a in rows(read(folder, "activities")):
        kinds[segment[str(account[a["opportunity_id"]])]].add(str(a["kind"]))
    behaviour = {"pricing_page_viewed", "trial_user_added", "product_used", "site_visit"}
    progression = {
        "demo_held",
        "technical_discussion",
        "procurement_started",
        "purchase_order",
        "nda_signed",
    }
    assert behaviour <= kinds["smb"] and not progression & kinds["smb"]
    assert progression <= kinds["enterprise"] and not behaviour & kinds["enterprise"]


def test_quotas_cover_every_rep_quarter_and_year_and_every_pool_year(folder: Path) -> None:
    reps = {p["person_id"] for p in rows(read(folder, "people")) if p["role"] == "sales_rep"}
    pools = set(read(folder, "pools")["pool_id"].to_pylist())
    periods: dict[tuple[str, str], set[str]] = defaultdict(set)
    for quota in rows(read(folder, "quotas")):
        periods[(str(quota["owner_kind"]), str(quota["owner_id"]))].add(str(quota["period"]))
        assert float(str(quota["amount"])) > 0
    assert {owner for kind, owner in periods if kind == "person"} == reps
    assert {owner for kind, owner in periods if kind == "pool"} == pools
    assert all(periods[("pool", pool)] == {"2024", "2025"} for pool in pools)
    quarters = {f"{y}Q{q}" for y in (2024, 2025) for q in range(1, 5)}
    assert any(periods[("person", rep)] == quarters | {"2024", "2025"} for rep in reps)


def test_dates_follow_the_start_date(tmp_path: Path) -> None:
    generate(tmp_path, opportunities=300, seed=5, start=date(2022, 7, 1))
    created = read(tmp_path, "opportunities")["created_at"]
    assert pc.min(created).as_py() >= "2022-07-01"
    assert pc.max(created).as_py() < "2024-07-01"
    assert {q["period"][:4] for q in rows(read(tmp_path, "quotas"))} == {"2022", "2023", "2024"}


def test_progress_is_reported_for_every_file(tmp_path: Path) -> None:
    seen: dict[str, tuple[int, int]] = {}

    def progress(name: str, done: int, total: int) -> None:
        seen[name] = (done, total)

    counts = generate(tmp_path, opportunities=200, seed=1, progress=progress)
    assert seen == {f"{name}.csv": (n, n) for name, n in counts.items()}


def test_a_tiny_company_still_gets_every_file(tmp_path: Path) -> None:
    counts = generate(tmp_path, opportunities=1, seed=1)
    assert counts["opportunities"] == 1 and counts["accounts"] == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.csv" for n in ENTITIES)
