"""Nothing wrong gets in silently: the import service on files as they come (CSV text written
here, read by the real readers), checked against an in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pipefit.domain.imports import ImportRejected, Note, RowError
from pipefit.domain.segments import Segmentation, SegmentRule
from pipefit.io.batch import SPECS
from pipefit.io.formats import FileReader
from pipefit.io.native import ENTITIES
from pipefit.io.references import KEYS, REFERENCES, Reference
from pipefit.services.imports import ImportDefaults, ImportResult, import_files
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.imports import MemoryImports

from .factories import inbound

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # the import's clock in these tests

PEOPLE = "person_id,name,role\nP-DANA,Dana Ruiz,sales_rep\nP-LEE,Lee Okafor,presales\n"
ACCOUNTS = "account_id,name\nA-NORTHWIND,Northwind Traders\nA-TAILSPIN,Tailspin Toys\n"
OPPS_HEADER = "opportunity_id,account_id,stage,amount,owner_id,presales_id,created_at,closed_at\n"
EVENTS_HEADER = "opportunity_id,seq,from_stage,to_stage,at,actor_id\n"


def _defaults() -> ImportDefaults:
    return ImportDefaults(
        pipelines={"inbound": inbound()},
        default_pipeline="inbound",
        currency="USD",
        segmentation=Segmentation(rules=(SegmentRule("SMB", 0),)),
    )


def _import(
    folder: Path,
    files: dict[str, str],
    *,
    store: MemoryImports | None = None,
    fmt: str = "native",
    now: datetime = NOW,
    strict: bool = False,
) -> tuple[ImportResult, MemoryImports]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8")
        paths.append(folder / name)
    store = store or MemoryImports()
    result = import_files(
        MemoryUnitOfWork(imports=store),
        FileReader(),
        store,
        _defaults(),
        paths,
        fmt=fmt,
        now=now,
        strict=strict,
    )
    return result, store


def _refused(folder: Path, files: dict[str, str], **options: object) -> list[RowError]:
    with pytest.raises(ImportRejected) as refused:
        _import(folder, files, **options)  # type: ignore[arg-type]
    return refused.value.errors


def _where(errors: list[RowError]) -> set[tuple[str, int | None, str | None, str | None]]:
    return {(Path(e.file).name, e.row, e.column, e.value) for e in errors}


def _loaded(store: MemoryImports, entity: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = store.loads[-1][entity].to_pylist()
    return rows


def _closed_at(store: MemoryImports) -> dict[str, datetime | None]:
    return {r["opportunity_id"]: r["closed_at"] for r in _loaded(store, "opportunities")}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- references in native files -------------------------------------------------------------


def test_an_opportunity_naming_an_unknown_account_and_owner_is_refused_with_row_and_value(
    tmp_path: Path,
) -> None:
    opps = (
        OPPS_HEADER
        + "ACME-RENEWAL-Q3,A-NORTHWIND,Discovery,48000,P-DANA,P-LEE,2026-01-08,\n"
        + "GLOBEX-NEW,A-GLOBEX,Discovery,12000,P-GHOST,,2026-02-02,\n"
    )
    errors = _refused(
        tmp_path,
        {"people.csv": PEOPLE, "accounts.csv": ACCOUNTS, "opportunities.csv": opps},
    )
    assert sorted(map(str, errors)) == [
        f"{tmp_path / 'opportunities.csv'}, row 3, column 'account_id': names an account "
        "that is neither in this import nor in the database (value 'A-GLOBEX')",
        f"{tmp_path / 'opportunities.csv'}, row 3, column 'owner_id': names a person "
        "that is neither in this import nor in the database (value 'P-GHOST')",
    ]


def test_references_to_records_the_database_already_holds_are_accepted(tmp_path: Path) -> None:
    store = MemoryImports(stored={"accounts": ["A-GLOBEX"], "people": ["P-GHOST"]})
    opps = OPPS_HEADER + "GLOBEX-NEW,A-GLOBEX,Discovery,12000,P-GHOST,,2026-02-02,\n"
    result, _ = _import(tmp_path, {"opportunities.csv": opps}, store=store)
    assert result.counts == {"opportunities": 1}
    assert result.findings == []


def test_records_imported_earlier_are_known_to_the_next_import(tmp_path: Path) -> None:
    _, store = _import(tmp_path / "first", {"people.csv": PEOPLE, "accounts.csv": ACCOUNTS})
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,A-TAILSPIN,Discovery,3600,P-DANA,P-LEE,2026-03-03,\n"
    result, _ = _import(tmp_path / "second", {"opportunities.csv": opps}, store=store)
    assert result.counts == {"opportunities": 1}


OWN_IDS = {
    "accounts": "account_id",
    "activities": "activity_id",
    "contacts": "contact_id",
    "leads": "lead_id",
    "opportunities": "opportunity_id",
    "people": "person_id",
    "pools": "pool_id",
    "teams": "team_id",
}


def test_every_id_column_of_the_native_layout_that_names_another_record_is_checked() -> None:
    checked = {(r.entity, r.column) for r in REFERENCES}
    id_columns = {
        (spec.name, f.name)
        for spec in SPECS.values()
        for f in spec.fields
        if f.name.endswith("_id") and OWN_IDS.get(spec.name) != f.name
    }
    assert id_columns == checked
    assert {r.target for r in REFERENCES} <= set(KEYS)


_VALUES = {"datetime": "2026-01-05", "date": "2026-01-05", "decimal": "10", "int": "1"}


def _row_naming_a_ghost(entity: str, column: str, when: tuple[str, str] | None) -> str:
    """A one-row native file whose `column` names GHOST-1; every other required field is
    filled, required references name KNOWN (a record of each type the store holds)."""
    spec = ENTITIES[entity]
    names, values = [], []
    for f in spec.fields:
        if f.name == column:
            value = "GHOST-1"
        elif when is not None and f.name == when[0]:
            value = when[1]
        elif not f.required:
            continue
        elif f.name.endswith("_id") and OWN_IDS.get(spec.name) != f.name:
            value = "KNOWN"
        elif f.name in ("stage", "to_stage"):
            value = "Discovery"
        elif f.choices:
            value = f.choices[0]
        else:
            value = _VALUES.get(f.type, "X")
        names.append(f.name)
        values.append(value)
    return ",".join(names) + "\n" + ",".join(values) + "\n"


NATIVE_REFERENCES = [r for r in REFERENCES if r.entity in ENTITIES]


@pytest.mark.parametrize(
    "ref",
    NATIVE_REFERENCES,
    ids=[f"{r.entity}.{r.column}->{r.target}" for r in NATIVE_REFERENCES],
)
def test_an_unknown_id_in_any_reference_column_of_a_native_file_is_refused(
    tmp_path: Path, ref: Reference
) -> None:
    store = MemoryImports(stored={target: ["KNOWN"] for target in KEYS})
    text = _row_naming_a_ghost(ref.entity, ref.column, ref.when)
    errors = _refused(tmp_path, {f"{ref.entity}.csv": text}, store=store)
    assert _where(errors) == {(f"{ref.entity}.csv", 2, ref.column, "GHOST-1")}
    noun = {"people": "person", "opportunities": "opportunity"}.get(ref.target, ref.target[:-1])
    assert errors[0].message.endswith(f"{noun} that is neither in this import nor in the database")


def test_a_quota_is_checked_against_people_or_pools_as_its_owner_kind_says(
    tmp_path: Path,
) -> None:
    quotas = (
        "owner_kind,owner_id,period,amount\n"
        "person,P-DANA,2026,1500000\n"
        "pool,P-DANA,2026,900000\n"  # a person's id is not a pool
        ",P-DANA,2026Q3,400000\n"  # no kind: a person
    )
    errors = _refused(tmp_path, {"people.csv": PEOPLE, "quotas.csv": quotas})
    assert _where(errors) == {("quotas.csv", 3, "owner_id", "P-DANA")}
    assert "names a pool" in errors[0].message


def test_stage_events_of_a_deal_neither_imported_nor_stored_are_refused_naming_the_row(
    tmp_path: Path,
) -> None:
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,,Discovery,,,,2026-01-08,\n"
    events = (
        EVENTS_HEADER
        + "ACME-RENEWAL-Q3,1,,Discovery,2026-01-08,\n"
        + "GHOST-DEAL,1,,Discovery,2026-01-09,\n"
    )
    errors = _refused(tmp_path, {"opportunities.csv": opps, "stage_events.csv": events})
    assert [e.message for e in errors] == [
        "names an opportunity that is neither in this import nor in the database"
    ]
    assert _where(errors) == {("stage_events.csv", 3, "opportunity_id", "GHOST-DEAL")}


def test_stage_events_of_a_deal_already_stored_are_accepted(tmp_path: Path) -> None:
    store = MemoryImports(opportunity_ids=["ACME-RENEWAL-Q3"])
    events = EVENTS_HEADER + "ACME-RENEWAL-Q3,2,Discovery,Evaluation,2026-01-20,\n"
    result, _ = _import(tmp_path, {"stage_events.csv": events}, store=store)
    assert result.counts == {"stage_events": 1}


def test_the_database_is_asked_once_about_each_id_whatever_names_it(tmp_path: Path) -> None:
    store = MemoryImports(stored={"people": ["P-STORED"]})
    asked: list[tuple[str, list[str]]] = []
    answer = store.which_stored

    def which_stored(record: str, ids: pa.Array) -> pa.Array:
        asked.append((record, sorted(ids.to_pylist())))
        return answer(record, ids)

    store.which_stored = which_stored  # type: ignore[method-assign]
    opps = (
        OPPS_HEADER
        + "ACME-RENEWAL-Q3,,Discovery,,P-STORED,P-GHOST,2026-01-08,\n"
        + "GLOBEX-NEW,,Discovery,,P-GHOST,P-STORED,2026-01-09,\n"
    )
    events = (
        EVENTS_HEADER
        + "ACME-RENEWAL-Q3,1,,Discovery,2026-01-08,P-GHOST\n"
        + "GLOBEX-NEW,1,,Discovery,2026-01-09,P-NEW\n"
    )
    errors = _refused(
        tmp_path, {"opportunities.csv": opps, "stage_events.csv": events}, store=store
    )
    assert _where(errors) == {
        ("opportunities.csv", 3, "owner_id", "P-GHOST"),
        ("opportunities.csv", 2, "presales_id", "P-GHOST"),
        ("stage_events.csv", 2, "actor_id", "P-GHOST"),
        ("stage_events.csv", 3, "actor_id", "P-NEW"),
    }
    assert asked == [("people", ["P-GHOST", "P-STORED"]), ("people", ["P-NEW"])]


def test_every_row_naming_an_unknown_record_is_reported(tmp_path: Path) -> None:
    opps = OPPS_HEADER + "".join(
        f"DEAL-{i},,Discovery,,P-GHOST-{i % 3},,2026-01-08,\n" for i in range(250)
    )
    errors = _refused(tmp_path, {"opportunities.csv": opps})
    assert len(errors) == 250
    assert {e.row for e in errors} == set(range(2, 252))


# --- references in CRM exports that lack the referenced file ------------------------------

MAVEN_TEAMS = (
    "sales_agent,manager,regional_office\nDana Ruiz,Morgan Hale,East\nLee Okafor,Morgan Hale,East\n"
)
MAVEN_PIPELINE = (
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
    "M-0001,Dana Ruiz,GTX Basic,Northwind Traders,Won,2016-10-20,2017-03-01,1054\n"
    "M-0002,Dana Ruiz,GTX Basic,Northwind Traders,Engaging,2016-10-25,,\n"
    "M-0003,Lee Okafor,MG Special,Tailspin Toys,Lost,2016-11-02,2017-01-12,0\n"
    "M-0004,Lee Okafor,MG Special,,Engaging,2016-11-04,,\n"
)


def test_a_maven_export_without_accounts_keeps_the_account_ids_and_counts_them(
    tmp_path: Path,
) -> None:
    result, store = _import(
        tmp_path,
        {"sales_teams.csv": MAVEN_TEAMS, "sales_pipeline.csv": MAVEN_PIPELINE},
        fmt="maven",
    )
    assert result.findings == [
        Note(
            "3 opportunities name 2 accounts that are neither in this import nor in the database",
            "the ids are kept as given",
            3,
            ("northwind-traders", "tailspin-toys"),
            str(tmp_path / "sales_pipeline.csv"),
            "account_id",
        )
    ]
    accounts = {r["opportunity_id"]: r["account_id"] for r in _loaded(store, "opportunities")}
    assert accounts == {
        "M-0001": "northwind-traders",
        "M-0002": "northwind-traders",
        "M-0003": "tailspin-toys",
        "M-0004": None,
    }
    assert any("3 opportunities name 2 accounts" in n for n in result.notes)


def test_a_maven_export_without_sales_teams_keeps_owners_that_match_no_person(
    tmp_path: Path,
) -> None:
    result, _ = _import(tmp_path, {"sales_pipeline.csv": MAVEN_PIPELINE}, fmt="maven")
    owners = next(n for n in result.findings if n.column == "owner_id")
    assert owners.finding == (
        "4 opportunities name 2 people that are neither in this import nor in the database"
    )
    assert owners.examples == ("dana-ruiz", "lee-okafor")


def test_a_maven_export_naming_accounts_already_stored_needs_no_note(tmp_path: Path) -> None:
    store = MemoryImports(stored={"accounts": ["northwind-traders", "tailspin-toys"]})
    result, _ = _import(
        tmp_path,
        {"sales_teams.csv": MAVEN_TEAMS, "sales_pipeline.csv": MAVEN_PIPELINE},
        fmt="maven",
        store=store,
    )
    assert result.findings == []


SALESFORCE_OPPS = (
    "Id,Name,AccountId,StageName,Amount,OwnerId,CreatedDate,CloseDate\n"
    "006A1,Northwind renewal,001N1,Closed Won,48000,005D1,14/03/2022,24/03/2022\n"
    "006A2,Tailspin starter,001T1,Prospecting,3600,005D1,15/03/2022,30/06/2022\n"
    "006A3,Contoso pilot,001N1,Closed Lost,9000,005L1,16/03/2022,28/03/2022\n"
)


def test_a_salesforce_opportunity_export_without_accounts_keeps_each_id_and_counts_them(
    tmp_path: Path,
) -> None:
    result, store = _import(tmp_path, {"Opportunity.csv": SALESFORCE_OPPS}, fmt="salesforce")
    file = str(tmp_path / "Opportunity.csv")
    assert result.findings == [
        Note(
            "2 accounts appear only as the AccountId of opportunities (this import has no "
            "file of accounts)",
            "each is kept under its id",
            2,
            ("001N1", "001T1"),
            file,
            "AccountId",
        ),
        Note(
            "2 people appear only as the OwnerId of opportunities (this import has no file "
            "of people)",
            "each is kept under its id",
            2,
            ("005D1", "005L1"),
            file,
            "OwnerId",
        ),
    ]
    assert [r["account_id"] for r in _loaded(store, "accounts")] == ["001N1", "001T1"]


HUBSPOT_DEALS = (
    "Record ID,Deal Name,Pipeline,Deal Stage,Amount,Create Date,Close Date,Deal owner,"
    'Associated Company,"Date entered ""Appointment Scheduled (Sales Pipeline)""",'
    '"Date entered ""Closed Won (Sales Pipeline)"""\n'
    "9001,Northwind renewal,Sales Pipeline,Closed Won,48000,2024-01-08 09:12,2024-04-19 16:40,"
    "Dana Ruiz,Northwind Traders,2024-01-08 09:12,2024-04-19 16:40\n"
    "9002,Contoso pilot,Sales Pipeline,Appointment Scheduled,125000,2024-01-22 14:03,,"
    "Lee Okafor,Contoso Ltd,2024-01-22 14:03,\n"
)


def test_hubspot_deals_keep_their_owners_and_companies_and_count_them(tmp_path: Path) -> None:
    result, _ = _import(tmp_path, {"deals-export.csv": HUBSPOT_DEALS}, fmt="hubspot")
    assert [(n.column, n.count, n.examples) for n in result.findings] == [
        ("Deal owner", 2, ("dana-ruiz", "lee-okafor")),
        ("Associated Company", 2, ("northwind-traders", "contoso-ltd")),
    ]


PIPEDRIVE_DEALS = (
    "Deal - ID,Deal - Title,Deal - Organization,Deal - Status,Deal - Stage,Deal - Value,"
    "Deal - Currency,Deal - Owner,Deal - Deal created,Deal - Won time,Deal - Lost time,"
    "Deal - Lost reason\n"
    "101,Northwind renewal,Northwind Traders,won,Negotiations Started,48000,USD,Dana Ruiz,"
    "2024-01-08 09:12:00,2024-04-19 16:40:00,,\n"
    "102,Contoso pilot,Contoso Ltd,open,Demo Scheduled,125000,USD,Lee Okafor,"
    "2024-01-22 14:03:00,,,\n"
)


def test_a_mapped_export_keeps_owners_and_organizations_it_does_not_describe(
    tmp_path: Path,
) -> None:
    mapping = Path(__file__).parents[2] / "src/pipefit/io/mappings/pipedrive-deals.toml"
    (tmp_path / "deals.csv").write_text(PIPEDRIVE_DEALS, "utf-8")
    store = MemoryImports()
    result = import_files(
        MemoryUnitOfWork(imports=store),
        FileReader(),
        store,
        _defaults(),
        [tmp_path / "deals.csv"],
        mapping=mapping,
        now=NOW,
    )
    assert [(n.column, n.count, n.examples) for n in result.findings] == [
        ("account_id", 2, ("Northwind Traders", "Contoso Ltd")),
        ("owner_id", 2, ("Dana Ruiz", "Lee Okafor")),
    ]
    assert len(store.loads) == 1


# --- close dates -----------------------------------------------------------------------------


def test_a_won_deal_without_a_close_date_is_refused_with_its_row(tmp_path: Path) -> None:
    opps = (
        OPPS_HEADER
        + "ACME-RENEWAL-Q3,,Closed won,48000,,,2026-01-08,\n"
        + "TAILSPIN-STARTER,,Closed lost,3600,,,2026-01-09,\n"
        + "GLOBEX-NEW,,Discovery,12000,,,2026-01-10,\n"
    )
    errors = _refused(tmp_path, {"opportunities.csv": opps})
    assert [(e.row, e.column, e.value, e.message) for e in errors] == [
        (
            2,
            "closed_at",
            None,
            "is empty: a won deal needs its close date (and no stage event into a won stage "
            "gives it)",
        ),
        (
            3,
            "closed_at",
            None,
            "is empty: a lost deal needs its close date (and no stage event into a lost stage "
            "gives it)",
        ),
    ]


def test_a_won_deal_without_a_close_date_takes_it_from_its_won_stage_event(
    tmp_path: Path,
) -> None:
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,,Closed won,48000,,,2026-01-08,\n"
    events = (
        EVENTS_HEADER
        + "ACME-RENEWAL-Q3,1,,Discovery,2026-01-08T09:12:00Z,\n"
        + "ACME-RENEWAL-Q3,2,Discovery,Closed won,2026-04-19T16:40:00Z,\n"
    )
    result, store = _import(tmp_path, {"opportunities.csv": opps, "stage_events.csv": events})
    assert _closed_at(store) == {"ACME-RENEWAL-Q3": at("2026-04-19T16:40:00")}
    assert [(n.finding, n.action, n.count, n.examples) for n in result.findings] == [
        (
            "1 opportunity is won or lost without a close date, with a stage event into that stage",
            "the close date is the time of their last such event",
            1,
            ("ACME-RENEWAL-Q3",),
        )
    ]


def test_a_won_deal_does_not_take_its_close_date_from_a_lost_stage_event(
    tmp_path: Path,
) -> None:
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,,Closed won,48000,,,2026-01-08,\n"
    events = EVENTS_HEADER + "ACME-RENEWAL-Q3,1,,Closed lost,2026-02-01,\n"
    errors = _refused(tmp_path, {"opportunities.csv": opps, "stage_events.csv": events})
    assert _where(errors) == {("opportunities.csv", 2, "closed_at", None)}


def test_a_close_date_before_the_creation_date_is_refused_with_row_and_value(
    tmp_path: Path,
) -> None:
    opps = (
        OPPS_HEADER
        + "ACME-RENEWAL-Q3,,Closed won,48000,,,2026-01-08,2025-12-24\n"
        + "TAILSPIN-STARTER,,Closed lost,3600,,,2026-01-09T10:00:00Z,2026-01-09T11:00:00Z\n"
    )
    errors = _refused(tmp_path, {"opportunities.csv": opps})
    assert [str(e).split(": ", 1)[1] for e in errors] == [
        "is before the deal was created (2026-01-08) (value '2025-12-24')"
    ]
    assert _where(errors) == {("opportunities.csv", 2, "closed_at", "2025-12-24")}


def test_a_close_date_without_a_time_on_the_creation_day_closes_at_the_creation_time(
    tmp_path: Path,
) -> None:
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,,Closed won,48000,,,2026-01-08T15:30:00Z,2026-01-08\n"
    result, store = _import(tmp_path, {"opportunities.csv": opps})
    assert _closed_at(store) == {"ACME-RENEWAL-Q3": at("2026-01-08T15:30:00")}
    assert result.findings[0].action == "the close is at the creation time"
    assert result.findings[0].examples == ("ACME-RENEWAL-Q3",)


def test_a_close_date_before_the_last_stage_event_moves_to_that_event_with_a_note(
    tmp_path: Path,
) -> None:
    opps = (
        OPPS_HEADER
        + "ACME-RENEWAL-Q3,,Closed won,48000,,,2026-01-08,2026-04-01\n"
        + "TAILSPIN-STARTER,,Closed lost,3600,,,2026-01-09,2026-03-01\n"
        + "GLOBEX-NEW,,Discovery,12000,,,2026-01-10,\n"
    )
    events = (
        EVENTS_HEADER
        + "ACME-RENEWAL-Q3,1,,Discovery,2026-01-08,\n"
        + "ACME-RENEWAL-Q3,2,Discovery,Evaluation,2026-02-10,\n"
        + "ACME-RENEWAL-Q3,3,Evaluation,Closed won,2026-04-19T16:40:00Z,\n"
        + "TAILSPIN-STARTER,1,,Discovery,2026-01-09,\n"
        + "TAILSPIN-STARTER,2,Discovery,Closed lost,2026-02-27,\n"
        + "GLOBEX-NEW,1,,Discovery,2026-05-30,\n"
    )
    result, store = _import(tmp_path, {"opportunities.csv": opps, "stage_events.csv": events})
    assert _closed_at(store) == {
        "ACME-RENEWAL-Q3": at("2026-04-19T16:40:00"),  # was 2026-04-01
        "TAILSPIN-STARTER": at("2026-03-01"),  # after its last event: kept
        "GLOBEX-NEW": None,
    }
    assert [str(n) for n in result.findings] == [
        f"{tmp_path / 'opportunities.csv'}, column 'closed_at': 1 opportunity has a close "
        "date before their last stage event; the close is at the last event, so no time in "
        "a stage is negative (e.g. ACME-RENEWAL-Q3)"
    ]


def test_a_bad_close_date_is_reported_once_as_a_bad_value(tmp_path: Path) -> None:
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,,Closed won,48000,,,2026-01-08,2026-02-30\n"
    errors = _refused(tmp_path, {"opportunities.csv": opps})
    assert _where(errors) == {("opportunities.csv", 2, "closed_at", "2026-02-30")}


# --- stage events ahead of the clock ---------------------------------------------------------


def test_a_stage_event_dated_after_the_import_clock_is_refused_with_row_and_value(
    tmp_path: Path,
) -> None:
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,,Discovery,48000,,,2026-01-08,\n"
    events = (
        EVENTS_HEADER
        + "ACME-RENEWAL-Q3,1,,Discovery,2026-01-08,\n"
        + "ACME-RENEWAL-Q3,2,Discovery,Evaluation,2099-01-01,\n"
        + "ACME-RENEWAL-Q3,3,Evaluation,Discovery,2026-06-01T12:06:00Z,\n"
    )
    errors = _refused(tmp_path, {"opportunities.csv": opps, "stage_events.csv": events})
    assert _where(errors) == {
        ("stage_events.csv", 3, "at", "2099-01-01"),
        ("stage_events.csv", 4, "at", "2026-06-01T12:06:00Z"),
    }
    assert errors[0].message == (
        "is more than 5 minutes ahead of the clock (2026-06-01T12:00:00Z); a stage change "
        "is recorded when it happens, not before"
    )


def test_a_stage_event_a_few_minutes_ahead_of_the_clock_is_accepted(tmp_path: Path) -> None:
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,,Discovery,48000,,,2026-01-08,\n"
    events = EVENTS_HEADER + "ACME-RENEWAL-Q3,1,,Discovery,2026-06-01T12:04:59Z,\n"
    result, _ = _import(tmp_path, {"opportunities.csv": opps, "stage_events.csv": events})
    assert result.counts["stage_events"] == 1


def test_the_same_event_is_accepted_once_the_clock_has_passed_it(tmp_path: Path) -> None:
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,,Discovery,48000,,,2026-01-08,\n"
    events = EVENTS_HEADER + "ACME-RENEWAL-Q3,1,,Discovery,2026-07-01,\n"
    files = {"opportunities.csv": opps, "stage_events.csv": events}
    _refused(tmp_path / "june", files)
    later = datetime(2026, 7, 2, tzinfo=UTC)
    result, _ = _import(tmp_path / "july", files, now=later)
    assert result.counts["stage_events"] == 1


# --- open deals whose history ends in a closing stage ------------------------------------------


def test_an_open_deal_whose_history_ends_in_a_won_stage_is_kept_open_and_noted(
    tmp_path: Path,
) -> None:
    opps = (
        OPPS_HEADER
        + "ACME-RENEWAL-Q3,,Formal proposal,48000,,,2026-01-08,\n"
        + "TAILSPIN-STARTER,,Discovery,3600,,,2026-01-09,\n"
        + "GLOBEX-NEW,,Evaluation,12000,,,2026-01-10,\n"
    )
    events = (
        EVENTS_HEADER
        + "ACME-RENEWAL-Q3,1,,Discovery,2026-01-08,\n"
        + "ACME-RENEWAL-Q3,2,Discovery,closed won,2026-03-01,\n"  # spelled loosely
        + "TAILSPIN-STARTER,1,,Discovery,2026-01-09,\n"
        + "TAILSPIN-STARTER,2,Discovery,Closed lost,2026-02-01,\n"
        + "GLOBEX-NEW,1,,Closed lost,2026-01-10,\n"  # reopened: the history goes on
        + "GLOBEX-NEW,2,Closed lost,Evaluation,2026-01-20,\n"
    )
    result, store = _import(tmp_path, {"opportunities.csv": opps, "stage_events.csv": events})
    outcomes = {r["opportunity_id"]: r["outcome"] for r in _loaded(store, "opportunities")}
    assert outcomes == {"ACME-RENEWAL-Q3": "open", "TAILSPIN-STARTER": "open", "GLOBEX-NEW": "open"}
    assert [(n.finding, n.count, n.examples, n.column) for n in result.findings] == [
        (
            "2 opportunities are open but the stage history ends in a won or lost stage "
            "(1 won, 1 lost)",
            2,
            ("ACME-RENEWAL-Q3", "TAILSPIN-STARTER"),
            "stage",
        )
    ]


# --- strict ----------------------------------------------------------------------------------


def test_a_strict_import_refuses_a_close_before_the_last_event_and_names_the_deal(
    tmp_path: Path,
) -> None:
    opps = OPPS_HEADER + "ACME-RENEWAL-Q3,,Closed won,48000,,,2026-01-08,2026-04-01\n"
    events = EVENTS_HEADER + "ACME-RENEWAL-Q3,1,,Closed won,2026-04-19,\n"
    files = {"opportunities.csv": opps, "stage_events.csv": events}
    errors = _refused(tmp_path, files, strict=True)
    assert _where(errors) == {("opportunities.csv", None, "closed_at", "ACME-RENEWAL-Q3")}
    assert errors[0].message.startswith(
        "1 opportunity has a close date before their last stage event"
    )


def test_a_strict_import_refuses_a_crm_export_with_owners_that_match_no_person(
    tmp_path: Path,
) -> None:
    errors = _refused(tmp_path, {"sales_pipeline.csv": MAVEN_PIPELINE}, fmt="maven", strict=True)
    assert {e.column for e in errors} == {"account_id", "owner_id"}


def test_a_strict_import_of_consistent_files_loads(tmp_path: Path) -> None:
    opps = (
        OPPS_HEADER
        + "ACME-RENEWAL-Q3,A-NORTHWIND,Closed won,48000,P-DANA,P-LEE,2026-01-08,2026-04-19\n"
    )
    events = (
        EVENTS_HEADER
        + "ACME-RENEWAL-Q3,1,,Discovery,2026-01-08,P-DANA\n"
        + "ACME-RENEWAL-Q3,2,Discovery,Closed won,2026-04-19,P-DANA\n"
    )
    files = {
        "people.csv": PEOPLE,
        "accounts.csv": ACCOUNTS,
        "opportunities.csv": opps,
        "stage_events.csv": events,
    }
    result, store = _import(tmp_path, files, strict=True)
    assert result.findings == []
    assert len(store.loads) == 1
