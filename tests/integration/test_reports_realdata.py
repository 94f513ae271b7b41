"""The issue's figures on the real files of ../shared/data, through the real import and
the real report (`open_workspace(...).reports`): Maven's win rate 4238/6711, won
revenue 10,005,534 and median engage-to-close of won deals 57 days; the Salesforce
(Preppin) export's win rate 89/146 from the current stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipefit.analytics.result import ReportResult
from pipefit.api import open_workspace
from pipefit.config import Workspace
from tests.conftest import skip_or_fail

from .test_import_maven import FOLDER as MAVEN
from .test_import_maven import maven_files
from .test_import_salesforce import FOLDER as SALESFORCE
from .test_import_salesforce import salesforce_files
from .workspaces import import_files, new_workspace

pytestmark = pytest.mark.realdata


def imported(folder: Path, files: list[Path], root: Path, fmt: str) -> Workspace:
    if not folder.exists():
        skip_or_fail(f"{folder.name} not in ../shared/data")
    workspace = new_workspace(root)
    import_files(workspace, files, fmt=fmt)
    return workspace


@pytest.fixture(scope="module")
def maven(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder = shared_data / MAVEN
    return imported(folder, maven_files(folder), tmp_path_factory.mktemp("maven"), "maven")


@pytest.fixture(scope="module")
def salesforce(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder = shared_data / SALESFORCE
    root = tmp_path_factory.mktemp("salesforce")
    return imported(folder, salesforce_files(folder), root, "salesforce")


def kpis(workspace: Workspace) -> ReportResult:
    with open_workspace(workspace.root) as handle:
        return handle.reports.run("kpis")


def test_maven_win_rate_won_revenue_and_median_engage_to_close(maven: Workspace) -> None:
    s = kpis(maven).summary
    assert (s["won"], s["won"] + s["lost"]) == (4238, 6711)
    assert s["win_rate"] == round(4238 / 6711, 4)
    assert s["won_revenue"] == 10_005_534
    assert s["median_cycle_days_won"] == 57


def test_salesforce_win_rate_from_the_current_stage(salesforce: Workspace) -> None:
    s = kpis(salesforce).summary
    assert (s["won"], s["won"] + s["lost"]) == (89, 146)
    assert s["win_rate"] == round(89 / 146, 4)


def test_every_report_runs_on_both_real_imports(maven: Workspace, salesforce: Workspace) -> None:
    for workspace in (maven, salesforce):
        with open_workspace(workspace.root) as handle:
            for name in handle.reports.names():
                period = "2017Q2" if name == "flow" else None
                result = handle.reports.run(name, period=period)
                assert result.name == name
