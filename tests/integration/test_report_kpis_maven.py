"""`report kpis` on Maven Analytics' CRM Sales Opportunities (../shared/data), with the
relations built by a small reader here (the store's side is built elsewhere): the figures
the issue gives, win rate 4238/6711, won revenue 10,005,534, median engage-to-close of won
deals 57 days."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from pipefit.analytics.engine import connect
from pipefit.analytics.query import ReportQuery
from pipefit.analytics.relations import RELATIONS
from pipefit.analytics.reports import kpis, pairs
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.realdata


def _deals(folder: Path) -> pa.Table:
    raw = pacsv.read_csv(
        folder / "sales_pipeline.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={"engage_date": pa.date32(), "close_date": pa.date32()}
        ),
    )
    stage = raw.column("deal_stage")
    outcome = pc.if_else(
        pc.equal(stage, "Won"), "won", pc.if_else(pc.equal(stage, "Lost"), "lost", "open")
    )

    def moment(column: str) -> pa.Array:
        return pc.cast(pc.cast(raw.column(column), pa.timestamp("s")), pa.timestamp("us", "UTC"))

    engaged = moment("engage_date")
    created = pc.fill_null(engaged, pc.min(engaged))  # Prospecting deals have no date yet
    return pa.table(
        {
            "opportunity_id": raw.column("opportunity_id"),
            "pipeline": pa.repeat("maven", raw.num_rows),
            "stage": stage,
            "outcome": outcome,
            "amount_home": pc.cast(raw.column("close_value"), pa.float64()),
            "created_at": created,
            "closed_at": moment("close_date"),
            "owner_id": raw.column("sales_agent"),
            "account_id": raw.column("account"),
            "product": raw.column("product"),
        }
    )


@pytest.fixture(scope="module")
def maven(shared_data: Path) -> pa.Table:
    folder = shared_data / "maven_crm_sales_opportunities"
    if not folder.exists():
        skip_or_fail("Maven files not in ../shared/data")
    return pa.Table.from_pylist(_deals(folder).to_pylist(), schema=RELATIONS["deals"])


def test_maven_win_rate_won_revenue_and_median_cycle(maven: pa.Table) -> None:
    result = kpis.run(connect({"deals": maven}), ReportQuery(now=datetime(2018, 1, 1, tzinfo=UTC)))
    s = result.summary
    assert (s["won"], s["won"] + s["lost"]) == (4238, 6711)
    assert s["win_rate"] == round(4238 / 6711, 4)
    assert s["won_revenue"] == 10_005_534
    assert s["median_cycle_days_won"] == 57


def test_maven_pairs_need_a_presales_engineer(maven: pa.Table) -> None:
    result = pairs.run(connect({"deals": maven}), ReportQuery(now=datetime(2018, 1, 1, tzinfo=UTC)))
    assert result.rows.num_rows == 0
    assert "no pairs" in result.notes[0]
