"""Mapping files that join files on a key, take rows by a condition (`where`) and set a field
from other columns (`when`): read into a batch, no database (docs/mappings.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipefit.io.batch import Batch
from pipefit.io.mapping import load_mapping, read_mapped

FUNNEL = """
[source]
name = "funnel"

[pipeline]
name = "funnel"
stages = [{ name = "MQL" }, { name = "Won", category = "won" },
          { name = "Lost", category = "lost" }]

[files.leads]
entity = "opportunities"
join = { file = "deals", on = "lead" }

[files.leads.columns]
opportunity_id = "lead"
created_at = "first_contact"
closed_at = "deals.won_at"
owner_id = "rep"

[files.leads.constants]
stage = "MQL"

[files.leads.when.stage]
"Won" = { column = "won_at", empty = false }

[files.deals]
"""

LEADS = """lead,first_contact,origin
L1,2024-01-02,social
L2,2024-01-03,unknown
L3,2024-01-04,
L4,2024-01-05,paid_search
"""

DEALS = """lead,won_at,rep
L2,2024-02-10 09:30:00,ana
L4,2024-03-01 16:00:00,bo
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text.lstrip("\n"), "utf-8")
    return path


def funnel(
    folder: Path, mapping: str = FUNNEL, leads: str = LEADS, deals: str = DEALS
) -> tuple[Path, list[Path]]:
    return write(folder / "funnel.toml", mapping), [
        write(folder / "leads.csv", leads),
        write(folder / "deals.csv", deals),
    ]


def column(batch: Batch, entity: str, name: str) -> list[object]:
    return list(batch.tables[entity][name].to_pylist())


# --- joins -----------------------------------------------------------------------------


def test_a_joined_file_feeds_the_rows_it_joins_and_rows_without_a_match_keep_their_place(
    tmp_path: Path,
) -> None:
    mapping, files = funnel(tmp_path)

    batch = read_mapped(files, mapping)

    assert batch.errors == []
    assert column(batch, "opportunities", "opportunity_id") == ["L1", "L2", "L3", "L4"]
    assert column(batch, "opportunities", "stage") == ["MQL", "Won", "MQL", "Won"]
    assert column(batch, "opportunities", "owner_id") == [None, "ana", None, "bo"]
    assert column(batch, "opportunities", "closed_at") == [
        None,
        datetime(2024, 2, 10, 9, 30, tzinfo=UTC),
        None,
        datetime(2024, 3, 1, 16, tzinfo=UTC),
    ]
    assert column(batch, "opportunities", "__row") == [2, 3, 4, 5]
    assert batch.notes == []


def test_keys_are_matched_exactly_after_trimming_spaces(tmp_path: Path) -> None:
    mapping, files = funnel(
        tmp_path, deals="lead,won_at,rep\n  L2 ,2024-02-10,ana\nl4,2024-03-01,bo\n"
    )

    batch = read_mapped(files, mapping)

    assert column(batch, "opportunities", "stage") == ["MQL", "Won", "MQL", "MQL"]
    assert any("l4" in note for note in batch.notes)


def test_joined_rows_that_match_no_row_are_counted_in_a_note_with_examples(tmp_path: Path) -> None:
    mapping, files = funnel(
        tmp_path, deals=DEALS + "L9,2024-03-02,ana\nL8,2024-03-03,bo\n,2024-03-04,bo\n"
    )

    batch = read_mapped(files, mapping)

    assert batch.errors == []
    assert column(batch, "opportunities", "stage").count("Won") == 2
    [note] = batch.notes
    assert note.startswith("deals.csv: 3 of 5 rows match no row of [files.leads] on lead")
    assert "'L9' on row 4" in note and "'L8' on row 5" in note and "no lead on row 6" in note


def test_joined_rows_of_rows_left_out_by_where_are_counted_in_a_note(tmp_path: Path) -> None:
    mapping, files = funnel(
        tmp_path,
        mapping=FUNNEL.replace(
            'join = { file = "deals", on = "lead" }',
            'join = { file = "deals", on = "lead" }\n'
            'where = { column = "origin", not_in = ["unknown", ""] }',
        ),
    )

    batch = read_mapped(files, mapping)

    assert column(batch, "opportunities", "opportunity_id") == ["L1", "L4"]
    assert batch.notes == [
        "leads.csv: [files.leads] took 2 of 4 rows (where origin is not 'unknown' or empty)",
        "deals.csv: 1 of 2 rows join rows that [files.leads] leaves out by its `where`, so they "
        "are not imported (lead 'L2' on row 2)",
    ]


def test_unmatched_refuse_makes_every_row_that_joins_nothing_an_error(tmp_path: Path) -> None:
    mapping, files = funnel(
        tmp_path,
        mapping=FUNNEL.replace('on = "lead" }', 'on = "lead", unmatched = "refuse" }'),
        deals=DEALS + "L9,2024-03-02,ana\n",
    )

    batch = read_mapped(files, mapping)

    assert [(e.file, e.row, e.column, e.value) for e in batch.errors] == [
        (str(files[1]), 4, "lead", "L9")
    ]
    assert "match no row of [files.leads]" in batch.errors[0].message


def test_a_key_repeated_in_a_joined_file_names_every_row_it_is_on(tmp_path: Path) -> None:
    mapping, files = funnel(tmp_path, deals=DEALS + "L2,2024-02-11,bo\n")

    batch = read_mapped(files, mapping)

    [error] = batch.errors
    assert (error.file, error.row, error.column, error.value) == (str(files[1]), 4, "lead", "L2")
    assert "appears on 2 rows of the joined file (deals.csv row 2, deals.csv row 4)" in (
        error.message
    )


def test_a_join_whose_file_is_not_given_is_refused(tmp_path: Path) -> None:
    mapping, files = funnel(tmp_path)

    batch = read_mapped(files[:1], mapping)

    [error] = batch.errors
    assert error.file == str(files[0])
    assert "joins [files.deals], but no file of this import is read by [files.deals]" in (
        error.message
    )
    assert "opportunities" not in batch.tables


def test_two_keys_of_different_names_join_with_left_on_and_right_on(tmp_path: Path) -> None:
    mapping, files = funnel(
        tmp_path,
        mapping=FUNNEL.replace('on = "lead" }', 'left_on = "lead", right_on = "mql" }'),
        deals=DEALS.replace("lead,", "mql,", 1),
    )

    batch = read_mapped(files, mapping)

    assert batch.errors == []
    assert column(batch, "opportunities", "stage") == ["MQL", "Won", "MQL", "Won"]


def test_a_bad_value_from_a_joined_file_is_reported_on_that_files_row(tmp_path: Path) -> None:
    mapping, files = funnel(tmp_path, deals=DEALS.replace("2024-03-01 16:00:00", "soon"))

    batch = read_mapped(files, mapping)

    assert [(e.file, e.row, e.column, e.value) for e in batch.errors] == [
        (str(files[1]), 3, "won_at", "soon")
    ]


def test_a_column_this_file_also_holds_is_its_own_and_the_joined_one_is_named_by_section(
    tmp_path: Path,
) -> None:
    mapping, files = funnel(
        tmp_path,
        mapping=FUNNEL.replace('owner_id = "rep"', 'owner_id = "deals.rep"\nname = "rep"'),
        leads="lead,first_contact,rep\nL1,2024-01-02,mia\nL2,2024-01-03,mia\n",
    )

    batch = read_mapped(files, mapping)

    assert batch.errors == []
    assert column(batch, "opportunities", "name") == ["mia", "mia"]
    assert column(batch, "opportunities", "owner_id") == [None, "ana"]


# --- where -----------------------------------------------------------------------------

PEOPLE = """
[files.reps]
entity = "people"
{where}

[files.reps.columns]
person_id = "login"
name = "name"

[files.reps.constants]
role = "sales_rep"
"""

REPS = """login,name,status,team
ana,Ana Lima,Active,emea
bo,Bo Chen,inactive,
cy,Cy Diaz,ACTIVE,amer
di,Di Eze,,emea
"""


def kept_logins(tmp_path: Path, where: str) -> tuple[list[object], list[str]]:
    mapping = write(tmp_path / "reps.toml", PEOPLE.format(where=where))
    batch = read_mapped([write(tmp_path / "reps.csv", REPS)], mapping)
    assert batch.errors == []
    return column(batch, "people", "person_id"), batch.notes


def test_where_equals_compares_trimmed_values_ignoring_case(tmp_path: Path) -> None:
    kept, notes = kept_logins(tmp_path, 'where = { column = "status", equals = "active" }')
    assert kept == ["ana", "cy"]
    assert notes == ["reps.csv: [files.reps] took 2 of 4 rows (where status is 'active')"]


def test_where_in_and_not_in_take_a_list_where_an_empty_string_stands_for_an_empty_cell(
    tmp_path: Path,
) -> None:
    assert kept_logins(tmp_path, 'where = { column = "status", in = ["inactive", ""] }')[0] == [
        "bo",
        "di",
    ]
    assert kept_logins(tmp_path, 'where = { column = "team", not_in = ["emea"] }')[0] == [
        "bo",
        "cy",
    ]
    assert kept_logins(tmp_path, 'where = { column = "team", not_in = ["emea", ""] }')[0] == ["cy"]


def test_where_empty_tests_whether_a_cell_is_blank(tmp_path: Path) -> None:
    assert kept_logins(tmp_path, 'where = { column = "team", empty = true }')[0] == ["bo"]
    assert kept_logins(tmp_path, 'where = { column = "team", empty = false }')[0] == [
        "ana",
        "cy",
        "di",
    ]


def test_a_list_of_conditions_holds_when_each_of_them_holds(tmp_path: Path) -> None:
    kept, notes = kept_logins(
        tmp_path,
        'where = [{ column = "status", equals = "active" }, { column = "team", equals = "emea" }]',
    )
    assert kept == ["ana"]
    assert notes == [
        "reps.csv: [files.reps] took 1 of 4 rows (where status is 'active' and team is 'emea')"
    ]


def test_a_where_that_keeps_every_row_adds_no_note(tmp_path: Path) -> None:
    kept, notes = kept_logins(tmp_path, 'where = { column = "login", not_in = [""] }')
    assert len(kept) == 4
    assert notes == []


# --- when ------------------------------------------------------------------------------

TWO_COLUMNS = """
[pipeline]
name = "crm"
stages = [{ name = "Lead" }, { name = "Demo" }, { name = "Won", category = "won" },
          { name = "Lost", category = "lost" }]

[files.deals]
entity = "opportunities"

[files.deals.columns]
opportunity_id = "id"
stage = "stage"
created_at = "created"

[files.deals.when.stage]
"Won" = { column = "status", equals = "won" }
"Lost" = [{ column = "status", equals = "lost" }, { column = "stage", not_in = [""] }]
"Demo" = { column = "status", equals = "lost" }
"""

STATUSES = """id,stage,status,created
D1,Lead,open,2024-01-01
D2,Demo,won,2024-01-02
D3,Lead,lost,2024-01-03
D4,,LOST,2024-01-04
D5,Demo,,2024-01-05
"""


def test_when_takes_the_first_value_whose_conditions_hold_else_the_column(tmp_path: Path) -> None:
    mapping = write(tmp_path / "crm.toml", TWO_COLUMNS)

    batch = read_mapped([write(tmp_path / "deals.csv", STATUSES)], mapping)

    assert batch.errors == []
    assert column(batch, "opportunities", "stage") == ["Lead", "Won", "Lost", "Demo", "Demo"]


def test_a_stage_set_by_when_outside_the_mappings_own_pipeline_is_refused_at_its_key(
    tmp_path: Path,
) -> None:
    mapping = write(tmp_path / "crm.toml", TWO_COLUMNS.replace('"Won" =', '"Closed won" ='))

    _, errors = load_mapping(mapping)

    assert [(e.column, e.value) for e in errors] == [
        ('files.deals.when.stage."Closed won"', "Closed won")
    ]
    assert "is not a stage of pipeline 'crm'" in errors[0].message


# --- one file, several record types ----------------------------------------------------

CLOSINGS = (
    TWO_COLUMNS
    + """
[files.closings]
entity = "stage_events"
match = "deals.csv"
where = { column = "status", in = ["won", "lost"] }

[files.closings.columns]
opportunity_id = "id"
from_stage = "stage"
to_stage = "status"
at = "created"

[files.closings.values.to_stage]
won = "Won"
lost = "Lost"
"""
)


def test_a_file_may_feed_several_record_types_one_section_each(tmp_path: Path) -> None:
    mapping = write(tmp_path / "crm.toml", CLOSINGS)

    batch = read_mapped([write(tmp_path / "deals.csv", STATUSES)], mapping)

    assert batch.errors == []
    assert batch.counts() == {"opportunities": 5, "stage_events": 3}
    events = batch.tables["stage_events"].select(["opportunity_id", "from_stage", "to_stage"])
    assert [tuple(r.values()) for r in events.to_pylist()] == [
        ("D2", "Demo", "Won"),
        ("D3", "Lead", "Lost"),
        ("D4", None, "Lost"),
    ]


def test_two_sections_reading_one_record_type_from_one_file_are_refused(tmp_path: Path) -> None:
    again = """
[files.again]
entity = "opportunities"
match = "deals.csv"

[files.again.columns]
opportunity_id = "id"
stage = "stage"
created_at = "created"
"""
    mapping = write(tmp_path / "crm.toml", TWO_COLUMNS + again)
    deals = write(tmp_path / "deals.csv", STATUSES)

    batch = read_mapped([deals], mapping)

    [error] = batch.errors
    assert error.file == str(deals)
    assert "matches several sections of crm.toml that read opportunities" in error.message
    assert "([files.deals], [files.again])" in error.message


# --- mistakes --------------------------------------------------------------------------


def test_mistakes_in_joins_filters_and_when_are_reported_each_at_its_key(tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "broken.toml",
        """
[files.leads]
entity = "opportunities"
join = { file = "nowhere", on = "id" }
where = { column = "origin", equal = "x" }

[files.leads.columns]
opportunity_id = "id"
created_at = "created"

[files.leads.when.stage]
"Won" = { column = "status", equals = "won", in = ["won"] }

[files.leads.when.colour]
"red" = { column = "x", empty = true }

[files.deals]
entity = "opportunities"
join = { file = "leads" }
where = { column = "x", in = "won" }

[files.deals.columns]
opportunity_id = "id"
stage = "stage"
created_at = "created"

[files.lookup]
match = "lookup*.csv"
columns = { opportunity_id = "id" }

[files.more]
entity = "opportunities"
join = { file = "leads", on = "id", unmatched = "ignore" }
where = { column = "x", empty = "yes" }

[files.more.columns]
opportunity_id = "id"
stage = "stage"
created_at = "created"
""",
    )

    _, errors = load_mapping(mapping)

    keys = {(e.column, e.value) for e in errors}
    assert ("files.leads.join.file", "nowhere") in keys
    assert ("files.leads.where.equal", None) in keys
    assert ('files.leads.when.stage."Won"', None) in keys
    assert ("files.leads.when.colour", None) in keys
    assert ("files.deals.join.on", None) in keys
    assert ("files.deals.where.in", None) in keys
    assert ("files.lookup.columns", None) in keys
    assert ("files.lookup", None) in keys
    assert ("files.more.join.unmatched", "ignore") in keys
    assert ("files.more.where.empty", "yes") in keys
    messages = {e.column: e.message for e in errors}
    assert "must name another [files.<name>] section" in messages["files.leads.join.file"]
    assert (
        "needs exactly one test of: equals, in, not_in, empty"
        in messages['files.leads.when.stage."Won"']
    )
    assert "needs an entity" in messages["files.lookup.columns"]
    assert "no section joins it" in messages["files.lookup"]


def test_a_join_onto_a_section_that_joins_others_itself_is_refused(tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "chain.toml",
        FUNNEL.replace(
            "[files.deals]\n",
            '[files.deals]\nentity = "people"\njoin = { file = "reps", on = "rep" }\n'
            '[files.deals.columns]\nperson_id = "rep"\nname = "rep"\nrole = "role"\n',
        )
        + '\n[files.reps]\nmatch = "reps.csv"\n',
    )

    _, errors = load_mapping(mapping)

    [error] = errors
    assert (error.column, error.value) == ("files.leads.join", "deals")
    assert "joins a section that joins others itself" in error.message


def test_a_column_that_where_when_or_join_names_is_looked_for_in_the_file(tmp_path: Path) -> None:
    mapping, files = funnel(
        tmp_path,
        mapping=FUNNEL.replace(
            'on = "lead" }', 'on = "lead" }\nwhere = { column = "source", equals = "x" }'
        ).replace('column = "won_at"', 'column = "won"'),
        deals=DEALS.replace("lead,", "mql,", 1),
    )

    batch = read_mapped(files, mapping)

    found = {(e.file, e.row, e.column) for e in batch.errors}
    assert found == {(str(files[1]), 1, "lead")}
    assert "files.leads.join" in batch.errors[0].message

    files[1].write_text(DEALS, "utf-8")
    batch = read_mapped(files, mapping)

    found = {(e.file, e.row, e.column) for e in batch.errors}
    assert found == {(str(files[0]), 1, "source"), (str(files[0]), 1, "won")}
    messages = {e.column: e.message for e in batch.errors}
    assert "(mapping funnel.toml, files.leads.where); their columns are:" in messages["source"]
    assert "files.leads.when.stage" in messages["won"]
    assert "deals.won_at" in messages["won"]


def test_a_name_two_joined_files_hold_must_say_which(tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "two.toml",
        FUNNEL.replace(
            'join = { file = "deals", on = "lead" }',
            'join = [{ file = "deals", on = "lead" }, { file = "reps", left_on = "lead", '
            'right_on = "lead" }]',
        )
        + '\n[files.reps]\nmatch = "reps.csv"\n',
    )
    leads = write(tmp_path / "leads.csv", LEADS)
    deals = write(tmp_path / "deals.csv", DEALS)
    reps = write(tmp_path / "reps.csv", "lead,rep\nL1,cy\n")

    batch = read_mapped([leads, deals, reps], mapping)

    [error] = batch.errors
    assert error.column == "rep"
    assert error.message.startswith(
        "is a column of several joined files: deals.rep, reps.rep (mapping two.toml"
    )
