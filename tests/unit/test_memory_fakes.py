"""Every port the services declare has an in-memory fake that implements it exactly.

The typed assignments below are checked by mypy (strict); the tests check at run time that
no port was added without a fake, and how the file fakes refuse what the real files refuse."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import pipefit.services.ports as ports_package
from pipefit.config import default_config_text
from pipefit.domain.errors import PipefitError
from pipefit.services.ports.accounts import (
    AccountsUnitOfWork,
    AuditLog,
    BoardReader,
    DealPages,
    LoginFailures,
    PasswordHasher,
    RecordPages,
    SessionRepository,
    UserRepository,
)
from pipefit.services.ports.analytics import AnalyticsSource
from pipefit.services.ports.deals import DealRepository
from pipefit.services.ports.disputes import DisputeRepository, DisputesUnitOfWork
from pipefit.services.ports.files import ConfigFile, LeadFiles, ModelFiles
from pipefit.services.ports.history import HistorySource
from pipefit.services.ports.imports import (
    Batch,
    BatchLoader,
    BatchReader,
    ImportRepository,
    Staged,
)
from pipefit.services.ports.leads import LeadRepository
from pipefit.services.ports.pay import CompensationSource, StatementWriter
from pipefit.services.ports.status import StatusSource
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.ports.workspace import WorkspaceSchema
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.accounts import (
    MemoryAccounts,
    MemoryAudit,
    MemoryBoard,
    MemoryDealPages,
    MemoryHasher,
    MemoryLoginFailures,
    MemoryRecords,
    MemorySessions,
    MemoryUsers,
)
from pipefit.store.memory.analytics import MemoryAnalytics
from pipefit.store.memory.deals import MemoryDeals
from pipefit.store.memory.disputes import MemoryDisputeBook, MemoryDisputes
from pipefit.store.memory.files import MemoryConfigFile, MemoryLeadFiles, MemoryModelFiles
from pipefit.store.memory.history import MemoryHistory
from pipefit.store.memory.imports import (
    MemoryBatch,
    MemoryBatchReader,
    MemoryImports,
    MemoryStaged,
)
from pipefit.store.memory.leads import MemoryLeads
from pipefit.store.memory.pay import MemoryCompensation
from pipefit.store.memory.statements import MemoryStatementWriter
from pipefit.store.memory.status import MemoryStatus
from pipefit.store.memory.workspace import MemorySchema

deals: DealRepository = MemoryDeals({})
analytics: AnalyticsSource = MemoryAnalytics()
pay: CompensationSource = MemoryCompensation()
history: HistorySource = MemoryHistory()
imports: ImportRepository = MemoryImports()
loader: BatchLoader = MemoryImports()
staged: Staged = MemoryStaged({})
batch: Batch = MemoryBatch("native")
reader: BatchReader = MemoryBatchReader(MemoryBatch("native"))
leads: LeadRepository = MemoryLeads()
status: StatusSource = MemoryStatus()
uow: UnitOfWork = MemoryUnitOfWork()
statements: StatementWriter = MemoryStatementWriter()
schema: WorkspaceSchema = MemorySchema()
lead_files: LeadFiles = MemoryLeadFiles()
model_files: ModelFiles = MemoryModelFiles()
config_file: ConfigFile = MemoryConfigFile("")
accounts: AccountsUnitOfWork = MemoryAccounts()
audit: AuditLog = MemoryAudit()
deal_pages: DealPages = MemoryDealPages()
records: RecordPages = MemoryRecords()
hasher: PasswordHasher = MemoryHasher()
users: UserRepository = MemoryUsers()
sessions: SessionRepository = MemorySessions()
login_failures: LoginFailures = MemoryLoginFailures()
board: BoardReader = MemoryBoard(MemoryDealPages())
disputes: DisputeRepository = MemoryDisputes()
dispute_book: DisputesUnitOfWork = MemoryDisputeBook()

FAKES: dict[str, object] = {
    "DealRepository": deals,
    "AnalyticsSource": analytics,
    "CompensationSource": pay,
    "HistorySource": history,
    "ImportRepository": imports,
    "BatchLoader": loader,
    "Staged": staged,
    "Batch": batch,
    "BatchReader": reader,
    "LeadRepository": leads,
    "StatusSource": status,
    "UnitOfWork": uow,
    "StatementWriter": statements,
    "WorkspaceSchema": schema,
    "LeadFiles": lead_files,
    "ModelFiles": model_files,
    "ConfigFile": config_file,
    "AccountsUnitOfWork": accounts,
    "AuditLog": audit,
    "DealPages": deal_pages,
    "RecordPages": records,
    "PasswordHasher": hasher,
    "UserRepository": users,
    "SessionRepository": sessions,
    "LoginFailures": login_failures,
    "BoardReader": board,
    "DisputeRepository": disputes,
    "DisputesUnitOfWork": dispute_book,
}


def declared_ports() -> dict[str, type[Any]]:
    found: dict[str, type[Any]] = {}
    for info in pkgutil.iter_modules(ports_package.__path__):
        module = importlib.import_module(f"{ports_package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and getattr(value, "_is_protocol", False)
            ):
                found[name] = value
    return found


def test_every_port_the_services_declare_has_an_in_memory_fake() -> None:
    assert sorted(declared_ports()) == sorted(FAKES)


@pytest.mark.parametrize("name", sorted(FAKES))
def test_each_fake_has_every_member_of_its_port(name: str) -> None:
    port = declared_ports()[name]
    members = {m for m in dir(port) if not m.startswith("_")} | set(
        getattr(port, "__annotations__", {})
    )
    missing = sorted(m for m in members if not hasattr(FAKES[name], m))
    assert missing == []


def test_the_memory_lead_files_refuse_a_file_they_do_not_hold_as_the_real_ones_do() -> None:
    files = MemoryLeadFiles({Path("a.csv"): pa.table({"x": [1]})})
    assert files.read_leads(Path("a.csv")).to_pydict() == {"x": [1]}
    with pytest.raises(PipefitError, match=r"^no file b\.csv$"):
        files.read_leads(Path("b.csv"))


def test_a_saved_model_is_a_copy_of_the_payload_it_was_given() -> None:
    models = MemoryModelFiles()
    payload: dict[str, Any] = {"format": "x"}
    models.save(Path("m"), payload)
    payload["format"] = "changed later"
    assert models.load(Path("m")) == {"format": "x"}
    with pytest.raises(PipefitError) as missing:
        models.load(Path("other"))
    assert (str(missing.value), missing.value.field) == ("no model file other", "scoring.model")


def test_the_memory_config_file_keeps_a_text_that_loads() -> None:
    file = MemoryConfigFile("", location="here/pipefit.toml")
    text = default_config_text().replace('currency = "USD"', 'currency = "EUR"')
    file.replace(text)
    assert (file.read(), file.writes, file.location) == (text, 1, "here/pipefit.toml")


def test_the_memory_statement_writer_names_the_files_the_real_one_writes() -> None:
    writer = MemoryStatementWriter()
    folder = Path("runs/2026Q3")
    assert writer.write(folder, [], [("emp-sam", "presales", "no plan for the role")]) == [
        folder / "statements.csv",
        folder / "statement_lines.csv",
        folder / "index.html",
        folder / "people",
    ]
    assert writer.write(folder, [], [], html=False) == [
        folder / "statements.csv",
        folder / "statement_lines.csv",
    ]
    assert [(r.skipped, r.html) for r in writer.runs] == [
        ([("emp-sam", "presales", "no plan for the role")], True),
        ([], False),
    ]
