from __future__ import annotations

from pathlib import Path

from ..integration.native_files import write_native
from .cli import run, run_json


def test_init_creates_the_configuration_and_an_empty_database(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    assert (ws / "pipefit.toml").exists()
    assert (ws / "pipefit.db").exists()
    status = run_json("status", "--workspace", ws, "--format", "json")
    assert status["opportunities"] == 0
    assert status["by_stage"] == {}


def test_the_workspace_can_come_from_the_environment(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    status = run_json("status", "--format", "json", env={"PIPEFIT_WORKSPACE": str(ws)})
    assert status["stage_events"] == 0


def test_a_command_outside_a_workspace_fails_with_a_one_line_reason(tmp_path: Path) -> None:
    result = run("status", "--workspace", tmp_path, check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no pipefit.toml in")


def test_import_status_and_history_work_from_the_command_line(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    files = write_native(tmp_path / "in")
    run("import", *files, "--format", "native", "--workspace", ws)
    status = run_json("status", "-w", ws, "-f", "json")
    assert status["opportunities"] == 2
    assert status["stage_events"] == 6
    assert status["people"] == 3
    assert status["by_stage"] == {"Formal proposal": 1, "Closed won": 1}
    history = run_json("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "json")
    assert [e["to"] for e in history["events"]] == ["Discovery", "Evaluation", "Closed won"]
    assert history["events"][0]["time_in_state_seconds"] == 12 * 86400 + 48 * 60
    csv_text = run("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "csv").stdout
    assert csv_text.splitlines()[0].startswith("seq,at,from,to,sub-state")


def test_a_refused_move_names_the_missing_evidence_and_a_recorded_one_passes(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    run(
        "opportunity", "add", "ACME-RENEWAL-Q3", "--amount", "48000", "--at", "2026-02-20", "-w", ws
    )
    run("activity", "add", "ACME-RENEWAL-Q3", "next_steps_agreed", "--at", "2026-03-01", "-w", ws)
    run(
        "activity",
        "add",
        "ACME-RENEWAL-Q3",
        "meeting_booked",
        "--purpose",
        "evaluation",
        "--at",
        "2026-03-02",
        "-w",
        ws,
    )
    refused = run(
        "pipeline",
        "advance",
        "ACME-RENEWAL-Q3",
        "Evaluation",
        "--at",
        "2026-03-05",
        "-w",
        ws,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: Evaluation needs an evaluation meeting booked and accepted by the prospect; "
        "found: booked 2026-03-02, not accepted by the prospect"
    )
    run(
        "activity",
        "add",
        "ACME-RENEWAL-Q3",
        "meeting_accepted",
        "--purpose",
        "evaluation",
        "--by",
        "prospect",
        "--at",
        "2026-03-03",
        "-w",
        ws,
    )
    moved = run(
        "pipeline", "advance", "ACME-RENEWAL-Q3", "Evaluation", "--at", "2026-03-05", "-w", ws
    )
    assert "Discovery -> Evaluation (forward)" in moved.stdout
    lost = run("pipeline", "advance", "ACME-RENEWAL-Q3", "Closed lost", "-w", ws, check=False)
    assert "needs a reason" in lost.stderr
    run(
        "pipeline",
        "advance",
        "ACME-RENEWAL-Q3",
        "Closed lost",
        "--reason",
        "no budget",
        "--at",
        "2026-03-09",
        "-w",
        ws,
    )
    run(
        "pipeline",
        "advance",
        "ACME-RENEWAL-Q3",
        "Discovery",
        "--reason",
        "budget found",
        "--at",
        "2026-04-01",
        "-w",
        ws,
    )
    history = run_json("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "json")
    assert [(e["from"], e["to"], e["reason"]) for e in history["events"]] == [
        (None, "Discovery", None),
        ("Discovery", "Evaluation", None),
        ("Evaluation", "Closed lost", "no budget"),
        ("Closed lost", "Discovery", "budget found"),
    ]


def test_an_import_with_bad_rows_lists_each_and_exits_non_zero(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    files = write_native(
        tmp_path / "in",
        **{"accounts.csv": "account_id,name,employees\nA-1,Acme,many\nA-2,Beta,-\n"},
    )
    result = run("import", *files, "-w", ws, check=False)
    assert result.returncode == 1
    assert "accounts.csv, row 2, column 'employees': is not a whole number (value 'many')" in (
        result.stderr
    )
    assert "row 3, column 'employees'" in result.stderr
    assert (
        result.stderr.strip().splitlines()[-1].startswith("error: import refused, nothing written")
    )
    assert run_json("status", "-w", ws, "-f", "json")["opportunities"] == 0


def test_a_dry_run_reports_counts_as_json_and_writes_nothing(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    report = run_json(
        "import", *write_native(tmp_path / "in"), "--dry-run", "--report", "json", "-w", ws
    )
    assert report["dry_run"] is True
    assert {t["records"]: t["rows"] for t in report["tables"]}["opportunities"] == 2
    assert run_json("status", "-w", ws, "-f", "json")["opportunities"] == 0


def test_pipeline_show_lists_triggers_and_sub_states_as_csv(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    text = run("pipeline", "show", "-w", ws, "-f", "csv").stdout
    assert 'Formal proposal,open,proposal sent,,"delivery, review, negotiation, signature"' in text


def test_a_refused_import_can_write_every_problem_to_a_csv_file(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    # The two accounts the sample deals name, then 250 bad rows.
    bad = "account_id,name,employees\nA-NORTHWIND,Northwind,2500\nA-TAILSPIN,Tailspin,180\n"
    bad += "".join(f"A-{i},Acme {i},lots\n" for i in range(250))
    files = write_native(tmp_path / "in", **{"accounts.csv": bad})
    report = tmp_path / "problems.csv"
    result = run("import", *files, "--errors-csv", report, "-w", ws, check=False)
    assert result.returncode == 1
    assert "and 50 more" in result.stderr
    lines = report.read_text("utf-8").splitlines()
    assert lines[0] == "file,row,column,value,problem"
    assert len(lines) == 251


def test_the_workspace_can_live_in_postgresql(tmp_path: Path, fresh_postgres_url: str) -> None:
    ws = tmp_path / "acme"
    run("init", ws, "--db", fresh_postgres_url)
    files = write_native(tmp_path / "in")
    env = {"PIPEFIT_DATABASE_URL": fresh_postgres_url}
    run("import", *files, "-w", ws, env=env)
    status = run_json("status", "-w", ws, "-f", "json", env=env)
    assert status["opportunities"] == 2
    assert status["by_stage"] == {"Formal proposal": 1, "Closed won": 1}
    assert not (ws / "pipefit.db").exists()


def _deal(ws: Path, *extra: str) -> None:
    run("init", ws)
    run("opportunity", "add", "ACME-RENEWAL-Q3", "--at", "2026-02-20", *extra, "-w", ws)


def test_a_move_dated_in_the_future_is_refused_and_the_deal_keeps_moving(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    _deal(ws)
    refused = run(
        "pipeline", "advance", "ACME-RENEWAL-Q3", "Closed lost", "--reason", "timing",
        "--at", "2099-01-01", "-w", ws, check=False,
    )  # fmt: skip
    assert refused.returncode == 1
    line = refused.stderr.strip()
    assert line.startswith("error: a move of ACME-RENEWAL-Q3: 2099-01-01 00:00 UTC is ahead")
    assert line.endswith("at most 5 minutes ahead (--at)")
    run("pipeline", "advance", "ACME-RENEWAL-Q3", "Closed lost", "--reason", "timing", "-w", ws)
    history = run_json("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "json")
    assert all(e["time_in_state_seconds"] >= 0 for e in history["events"])


def test_an_admin_corrects_a_move_logged_late_and_the_deal_can_move_before_it(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    _deal(ws)
    run(
        "pipeline", "advance", "ACME-RENEWAL-Q3", "Closed lost", "--reason", "timing",
        "--at", "2026-04-01", "-w", ws,
    )  # fmt: skip
    reopen = ("pipeline", "advance", "ACME-RENEWAL-Q3", "Discovery", "--at", "2026-03-20")
    frozen = run(*reopen, "-w", ws, check=False)
    assert "would predate the last recorded change" in frozen.stderr
    no_reason = run(
        "pipeline", "correct", "ACME-RENEWAL-Q3", "--event", "2", "--at", "2026-03-05",
        "--actor", "ann", "-w", ws, check=False,
    )  # fmt: skip
    assert no_reason.returncode == 1
    assert no_reason.stderr.strip().endswith("needs a reason (it is kept with it) (--reason)")
    corrected = run_json(
        "pipeline", "correct", " ACME-RENEWAL-Q3 ", "--event", "2", "--at", "2026-03-05",
        "--reason", "lost on the call, logged later", "--actor", "ann", "-w", ws, "-f", "json",
    )  # fmt: skip
    assert corrected["kind"] == "time"
    assert corrected["correction"]["at"] == "2026-03-05T00:00:00+00:00"
    run(*reopen, "-w", ws)
    history = run_json("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "json")
    assert [(e["seq"], e["at"][:10], e["time_in_state_seconds"]) for e in history["events"]][
        :2
    ] == [(1, "2026-02-20", 13 * 86400), (2, "2026-03-05", 15 * 86400)]
    assert history["events"][1]["logged_at"] == "2026-04-01T00:00:00+00:00"
    assert history["events"][1]["correction"].startswith(
        "time corrected to 2026-03-05 00:00 by ann"
    )
    assert [c["reason"] for c in history["corrections"]] == ["lost on the call, logged later"]
    text = run("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws).stdout
    assert "correction" in text
    assert "time corrected" in text


def test_a_voided_move_puts_the_deal_back_in_its_stage(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    _deal(ws)
    run(
        "pipeline", "advance", "ACME-RENEWAL-Q3", "Closed lost", "--reason", "wrong deal",
        "--at", "2026-03-01", "-w", ws,
    )  # fmt: skip
    out = run(
        "pipeline", "correct", "ACME-RENEWAL-Q3", "--event", "2", "--void",
        "--reason", "moved the wrong deal", "--actor", "ann", "-w", ws,
    ).stdout  # fmt: skip
    assert "event 2 (Discovery -> Closed lost) voided" in out
    assert "the deal is in Discovery (open)" in out
    listed = run_json("opportunity", "list", "--stage", "discovery", "-w", ws, "-f", "json")
    assert [o["id"] for o in listed] == ["ACME-RENEWAL-Q3"]


def test_a_history_never_shows_a_negative_time_in_stage(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    # The export closed ACME a day and two hours before its last stage change.
    opportunities = (
        "opportunity_id,name,account_id,pipeline,stage,amount,owner_id,created_at,closed_at\n"
        "ACME-RENEWAL-Q3,Northwind renewal,A-NORTHWIND,,Closed won,48000.00,P-DANA,"
        "2026-01-08T09:12:00Z,2026-04-18T14:40:00Z\n"
        "TAILSPIN-STARTER,Tailspin starter,A-TAILSPIN,inbound,formal proposal,3600.25,P-DANA,"
        "2026-03-03,\n"
    )
    files = write_native(tmp_path / "in", **{"opportunities.csv": opportunities})
    run("import", *files, "-w", ws)
    history = run_json("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "json")
    assert all(e["time_in_state_seconds"] >= 0 for e in history["events"])
    last = history["events"][-1]
    closed = history["opportunity"]["closed_at"]
    assert history["notes"] or closed == last["at"]  # noted, or the import moved the close
    text = run("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws).stdout
    assert "-1d" not in text
    if history["notes"]:
        assert "note: event 3: the deal closed 2026-04-18 14:40 UTC, before this change" in text


def test_ids_are_trimmed_and_an_empty_one_is_refused(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    empty = run("opportunity", "add", "", "-w", ws, check=False)
    assert empty.returncode == 1
    assert empty.stderr.strip() == "error: an opportunity id is empty; give one (OPPORTUNITY)"
    assert "created" in run("opportunity", "add", " opp-1 ", "--at", "2026-02-20", "-w", ws).stdout
    recorded = run("activity", "add", "opp-1 ", "demo_held", "--at", "2026-03-01", "-w", ws)
    assert recorded.stdout.startswith("opp-1: demo_held")
    assert run_json("pipeline", "history", " opp-1", "-w", ws, "-f", "json")["events"]
    assert [o["id"] for o in run_json("opportunity", "list", "-w", ws, "-f", "json")] == ["opp-1"]
    again = run("opportunity", "add", "opp-1", "-w", ws, check=False)
    assert "'opp-1' already exists" in again.stderr


def test_an_unknown_purpose_or_kind_is_refused_with_the_nearest_known_one(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    _deal(ws)
    purpose = run(
        "activity", "add", "ACME-RENEWAL-Q3", "meeting_booked", "--purpose", "evalution",
        "-w", ws, check=False,
    )  # fmt: skip
    assert purpose.returncode == 1
    assert "did you mean 'evaluation'?" in purpose.stderr
    assert purpose.stderr.strip().endswith("(--purpose)")
    kind = run("activity", "add", "ACME-RENEWAL-Q3", "demo-hold", "-w", ws, check=False)
    assert "unknown activity kind 'demo-hold'; did you mean 'demo_held'?" in kind.stderr
    assert run_json("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "json")
    listed = run("activity", "list", "ACME-RENEWAL-Q3", "-w", ws, "-f", "csv").stdout
    assert listed.strip() == "at,kind,purpose,by,actor,note,id"


def test_opportunities_are_listed_by_stage_and_owner_for_people_and_scripts(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    run("import", *write_native(tmp_path / "in"), "-w", ws)
    rows = run("opportunity", "list", "--owner", "P-DANA", "-w", ws, "-f", "csv").stdout
    assert rows.splitlines()[1:] == [
        "ACME-RENEWAL-Q3,Northwind renewal,inbound,Closed won,,won,48000.0000,USD,P-DANA,P-LEE,"
        "A-NORTHWIND,2026-01-08T09:12:00+00:00,2026-04-19T16:40:00+00:00",
        "TAILSPIN-STARTER,Tailspin starter,inbound,Formal proposal,negotiation,open,3600.2500,"
        "USD,P-DANA,P-LEE,A-TAILSPIN,2026-03-03T00:00:00+00:00,",
    ]
    won = run_json("opportunity", "list", "--stage", "closed WON", "-w", ws, "-f", "json")
    assert [(o["id"], o["amount"]) for o in won] == [("ACME-RENEWAL-Q3", 48000)]
    people = run("opportunity", "list", "--stage", "Formal proposal", "-w", ws).stdout
    assert "1 opportunity in Formal proposal" in people
    assert "3,600.25" in people
    unknown = run("opportunity", "list", "--stage", "Negotiation", "-w", ws, check=False)
    assert unknown.stderr.strip().startswith("error: no pipeline has a stage 'Negotiation'")
    assert unknown.stderr.strip().endswith("(--stage)")
