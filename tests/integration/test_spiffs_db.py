"""What SPIFF conditions read from the database (segment, product, new logo), on SQLite and
PostgreSQL, checked against the generated files themselves; and a SPIFF paid end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pytest
from sqlalchemy import Engine

from pipefit.config import Workspace
from pipefit.config.compensation import SpiffConfig
from pipefit.domain.segments import DEFAULT_SEGMENTATION
from pipefit.sample import generate
from pipefit.services.compensation import statement_for
from pipefit.store.compensation import SqlCompensation
from pipefit.store.database import make_engine
from pipefit.store.unit_of_work import SqlUnitOfWork

from .workspaces import import_files

FILES = (
    "teams",
    "people",
    "pools",
    "pool_members",
    "quotas",
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "activities",
    "customer_outcomes",
    "credit_splits",
)
START, END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("company")
    generate(folder, opportunities=1500, seed=5)
    return folder


@pytest.fixture
def engine(workspace: Workspace) -> Iterator[Engine]:
    engine = make_engine(workspace.database_url)
    yield engine
    engine.dispose()


def first_won_deals(company: Path) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """From the files: each won deal of 2025 -> (segment, product), and the new logos
    (their account's first won deal, by close time then id)."""
    opps = pa_csv.read_csv(company / "opportunities.csv").filter(
        pc.equal(pa_csv.read_csv(company / "opportunities.csv")["stage"], "Closed won")
    )
    accounts = pa_csv.read_csv(company / "accounts.csv")
    # The importer places each account in a segment by its employees (the default rules).
    sizes = zip(accounts["account_id"].to_pylist(), accounts["employees"].to_pylist(), strict=True)
    segment = {a: DEFAULT_SEGMENTATION.segment_of(n) for a, n in sizes}
    rows = sorted(
        zip(
            opps["closed_at"].to_pylist(),
            opps["opportunity_id"].to_pylist(),
            opps["account_id"].to_pylist(),
            opps["product"].to_pylist(),
            strict=True,
        ),
        key=lambda r: (r[0], r[1]),
    )
    seen: set[str] = set()
    new: set[str] = set()
    chosen: dict[str, tuple[str, str]] = {}
    for closed, deal_id, account, product in rows:
        if account not in seen:
            new.add(deal_id)
            seen.add(account)
        if START <= closed < END:
            chosen[deal_id] = (segment[account], product)
    return chosen, new


def test_deal_traits_name_each_won_deal_s_segment_product_and_new_logo(
    workspace: Workspace, company: Path, engine: Engine
) -> None:
    import_files(workspace, [company / f"{name}.csv" for name in FILES])
    traits = SqlCompensation(engine, workspace.database_url).deal_traits(START, END)
    expected, new = first_won_deals(company)
    assert set(traits) == set(expected)
    assert {d: (t.segment, t.product) for d, t in traits.items()} == expected
    assert {d for d, t in traits.items() if t.new_logo} == new & set(expected)
    # Both kinds occur, so the comparison above means something.
    assert 0 < len(new & set(expected)) < len(expected)


def test_a_new_logo_spiff_pays_each_of_a_rep_s_new_logos_in_its_window(
    sqlite_workspace: Workspace, company: Path
) -> None:
    import_files(sqlite_workspace, [company / f"{name}.csv" for name in FILES])
    _, new = first_won_deals(company)
    spiff = SpiffConfig(
        kind="per_deal",
        start=date(2025, 4, 1),
        end=date(2025, 6, 30),
        amount=Decimal(250),
        deal_type="new_logo",
    )
    config = sqlite_workspace.config.compensation
    rep = config.plans["rep-standard"].model_copy(update={"spiffs": {"q2-logos": spiff}})
    config = config.model_copy(update={"plans": {**config.plans, "rep-standard": rep}})
    engine = make_engine(sqlite_workspace.database_url)
    try:
        uow = SqlUnitOfWork(engine, sqlite_workspace.database_url, {})
        statements = [
            statement_for(uow, config, "USD", person, "2025Q2") for person in _reps(company)
        ]
    finally:
        engine.dispose()
    paid = 0
    for s in statements:
        logos = [c for c in s.deals if c.deal.opportunity_id in new]  # new logos, by the files
        lines = [x for x in s.lines if x.kind == "spiff"]
        if not logos:
            assert lines == []
            continue
        (line,) = lines
        assert list(line.deals) == [c.deal.opportunity_id for c in logos]
        # 250 a new logo, or the rep's share of it where a revenue split shares the deal.
        assert line.amount == sum((Decimal(250) * c.percent / 100 for c in logos), Decimal(0))
        paid += 1
    assert paid > 0


def _reps(company: Path) -> list[str]:
    people = pa_csv.read_csv(company / "people.csv")
    return [
        p
        for p, role in zip(people["person_id"].to_pylist(), people["role"].to_pylist(), strict=True)
        if role == "sales_rep"
    ]
