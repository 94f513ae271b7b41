"""Every report gives the same rows and summary on a PostgreSQL workspace as on a SQLite
one holding the same imported files (floats equal to 1e-9 relative): a generated company,
and the real Salesforce export."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipefit.analytics.result import ReportResult
from pipefit.config import Workspace
from pipefit.sample import FILES, generate
from tests.conftest import skip_or_fail

from .reports_data import DATA_END, differences, open_reports
from .test_import_salesforce import FOLDER as SALESFORCE
from .test_import_salesforce import salesforce_files
from .workspaces import import_files, new_workspace

pytestmark = pytest.mark.postgres

# Periods the reports that need one are asked about (the generated company's 2025).
PERIODS = {"flow": "2025Q2"}


def all_reports(workspace: Workspace, **options: object) -> dict[str, ReportResult]:
    with open_reports(workspace) as handle:
        return {
            name: handle.reports.run(
                name,
                as_of=DATA_END,
                period=PERIODS.get(name),
                **options,  # type: ignore[arg-type]
            )
            for name in handle.reports.names()
        }


def both(
    tmp_path: Path, postgres_url: str, files: list[Path], **options: object
) -> tuple[Workspace, Workspace]:
    sqlite = new_workspace(tmp_path / "sqlite")
    postgres = new_workspace(tmp_path / "postgres", postgres_url)
    for workspace in (sqlite, postgres):
        import_files(workspace, files, **options)
    return sqlite, postgres


def test_every_report_is_the_same_on_postgresql_for_a_generated_company(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    folder = tmp_path / "acme"
    generate(folder, opportunities=1_500, seed=11)
    sqlite, postgres = both(tmp_path, fresh_postgres_url, [folder / name for name in FILES])
    left, right = all_reports(sqlite), all_reports(postgres)
    assert left.keys() == right.keys()
    for name in left:
        assert left[name].rows.num_rows > 0 or name == "flow", name
        assert differences(left[name], right[name]) == [], name


@pytest.mark.realdata
def test_every_report_is_the_same_on_postgresql_for_the_salesforce_export(
    shared_data: Path, tmp_path: Path, fresh_postgres_url: str
) -> None:
    folder = shared_data / SALESFORCE
    if not folder.exists():
        skip_or_fail(f"{SALESFORCE} not in ../shared/data")
    sqlite, postgres = both(
        tmp_path, fresh_postgres_url, salesforce_files(folder), fmt="salesforce"
    )
    left, right = all_reports(sqlite), all_reports(postgres)
    for name in left:
        assert differences(left[name], right[name]) == [], name
