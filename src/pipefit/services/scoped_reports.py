"""Reports and statements for a login: the same reports, cuts and `as_of` as the CLI, run
over only what the access policy lets the login see (a known leak in other CRMs is reports
that bypass the permissions of lists: here the relations are cut before a report reads
them, so no figure, total or count can include a row outside the scope).

What is cut, for a login that does not see every deal:

- `deals` to the deals it sees; `events`, `changes`, `activities`, `forecast_overrides`
  to those deals; `leads` to the leads of those deals (the relation carries no owner);
  `customers` to the accounts of those deals; `people` to the people it sees.
- `quotas` (pay: attainment and coverage are computed from them) to the people whose pay
  it sees, and pools whose members' pay it sees: for every login, comp admins aside.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.result import ReportResult
from pipefit.config.compensation import CompensationConfig
from pipefit.domain.access import AccessScope
from pipefit.domain.errors import NotFound
from pipefit.domain.statements import Statement
from pipefit.services.compensation import _period, statement_for
from pipefit.services.ports.analytics import AnalyticsSettings
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.reports import _check_as_of, _run, check_query, reads, report_module

__all__ = ["scope_relations", "scoped_report", "scoped_statement"]

BY_DEAL = ("events", "changes", "activities", "forecast_overrides")


def _keep(table: pa.Table, column: str, values: Collection[str]) -> pa.Table:
    if column not in table.column_names:
        return table
    wanted = pa.array(sorted(values), type=pa.string())
    return table.filter(pc.fill_null(pc.is_in(table[column], value_set=wanted), False))


def _visible_deals(deals: pa.Table, scope: AccessScope) -> pa.Table:
    owners = pa.array(sorted(scope.deal_owners or ()), type=pa.string())
    presales = pa.array(sorted(scope.deal_presales), type=pa.string())
    mask = pc.or_(
        pc.fill_null(pc.is_in(deals["owner_id"], value_set=owners), False),
        pc.fill_null(pc.is_in(deals["presales_id"], value_set=presales), False),
    )
    return deals.filter(mask)


def _pay_visible_quotas(
    quotas: pa.Table, scope: AccessScope, pools: dict[str, list[str]]
) -> pa.Table:
    if scope.pay is None:
        return quotas
    keep = [
        (kind == "person" and scope.sees_pay(owner))
        or (kind == "pool" and scope.sees_pool_pay(pools.get(owner, [])))
        for kind, owner in zip(
            quotas["owner_kind"].to_pylist(), quotas["owner_id"].to_pylist(), strict=True
        )
    ]  # quotas are a few rows per person: a Python loop over them is cheap
    return quotas.filter(pa.array(keep, type=pa.bool_()))


def scope_relations(
    relations: dict[str, pa.Table], scope: AccessScope, pools: dict[str, list[str]]
) -> dict[str, pa.Table]:
    """The relations cut to what `scope` sees (`pools`: each pool's presales members)."""
    cut = dict(relations)
    if "quotas" in cut:
        cut["quotas"] = _pay_visible_quotas(cut["quotas"], scope, pools)
    if scope.sees_all_deals or "deals" not in cut:
        return cut
    deals = _visible_deals(cut["deals"], scope)
    cut["deals"] = deals
    ids = set(deals["opportunity_id"].to_pylist())
    for name in BY_DEAL:
        if name in cut:
            cut[name] = _keep(cut[name], "opportunity_id", ids)
    if "leads" in cut:
        cut["leads"] = _keep(
            cut["leads"], "lead_id", {x for x in deals["lead_id"].to_pylist() if x}
        )
    if "customers" in cut:
        accounts = {x for x in deals["account_id"].to_pylist() if x}
        cut["customers"] = _keep(cut["customers"], "account_id", accounts)
    if "people" in cut and scope.people is not None:
        cut["people"] = _keep(cut["people"], "person_id", scope.people)
    if "pool_members" in cut and scope.people is not None:
        cut["pool_members"] = _keep(cut["pool_members"], "presales_id", scope.people)
    return cut


def scoped_report(
    uow: UnitOfWork,
    scope: AccessScope,
    name: str,
    query: ReportQuery,
    settings: AnalyticsSettings,
) -> ReportResult:
    """The report `name` as the CLI runs it, over what the login may see."""
    module = report_module(name)
    query = check_query(query, getattr(module, "EXTRA_CUTS", ()))
    with uow:
        relations = uow.analytics.relations(settings, reads(name))
        notes = uow.analytics.notes()
        pools: dict[str, list[str]] = {}
        for member in uow.pay.pool_members():
            if member.kind != "covered_rep":
                pools.setdefault(member.pool_id, []).append(member.person_id)
    relations = scope_relations(relations, scope, pools)
    _check_as_of(query, relations)
    result = _run(module, relations, query)
    return replace(result, notes=[*result.notes, *notes]) if notes else result


def scoped_statement(
    uow: UnitOfWork,
    scope: AccessScope,
    config: CompensationConfig,
    currency: str,
    person_id: str,
    period: str,
) -> Statement:
    """A person's statement, for the person, their managers and comp admins only. To
    anyone else it does not exist: the same error, word for word, as an unknown person
    (the period is checked first, for everyone alike)."""
    _period(period)
    person = person_id.strip()
    if not scope.sees_pay(person):
        raise NotFound(f"no person '{person}'", field="person")
    return statement_for(uow, config, currency, person, period)
