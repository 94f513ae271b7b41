"""A small, vivid native data set written by hand (the generator is tested on its own)."""

from __future__ import annotations

from pathlib import Path

FILES = {
    "teams.csv": "team_id,name,region,manager_id\nT-EAST,East enterprise,East,P-MGR\n",
    "people.csv": (
        "person_id,name,role,team_id,base_pay,variable_pay,currency,hired_at\n"
        "P-DANA,Dana Ruiz,sales_rep,T-EAST,90000,90000,USD,2023-01-09\n"
        "P-LEE,Lee Okafor,presales,T-EAST,110000,40000,USD,2022-06-01\n"
        "P-MGR,Morgan Hale,manager,T-EAST,150000,50000,USD,2020-02-03\n"
    ),
    "accounts.csv": (
        "account_id,name,industry,employees,annual_revenue,region,culture\n"
        "A-NORTHWIND,Northwind Traders,logistics,2500,410000000.50,East,early_majority\n"
        "A-TAILSPIN,Tailspin Toys,retail,180,12000000,East,innovator\n"
    ),
    "opportunities.csv": (
        "opportunity_id,name,account_id,lead_id,pipeline,stage,substate,amount,currency,"
        "owner_id,presales_id,created_at,closed_at,loss_reason,product\n"
        "ACME-RENEWAL-Q3,Northwind renewal,A-NORTHWIND,,,Closed won,,48000.00,USD,P-DANA,P-LEE,"
        "2026-01-08T09:12:00Z,2026-04-19T16:40:00Z,,Platform\n"
        "TAILSPIN-STARTER,Tailspin starter,A-TAILSPIN,,inbound,formal proposal,negotiation,"
        "3600.25,,P-DANA,P-LEE,2026-03-03,,,\n"
    ),
    "stage_events.csv": (
        "opportunity_id,seq,from_stage,to_stage,substate,at,actor_id,reason\n"
        "ACME-RENEWAL-Q3,1,,Discovery,,2026-01-08T09:12:00Z,P-DANA,\n"
        "ACME-RENEWAL-Q3,2,Discovery,Evaluation,,2026-01-20T10:00:00Z,P-DANA,\n"
        "ACME-RENEWAL-Q3,3,Evaluation,Closed won,,2026-04-19T16:40:00Z,P-DANA,\n"
        "TAILSPIN-STARTER,,,Discovery,,2026-03-03,P-DANA,\n"
        "TAILSPIN-STARTER,,Discovery,Formal proposal,delivery,2026-03-14 09:00,P-DANA,\n"
        "TAILSPIN-STARTER,,Formal proposal,Formal proposal,negotiation,2026-03-20 09:00,P-DANA,\n"
    ),
    "quotas.csv": "owner_kind,owner_id,period,amount,currency\nperson,P-DANA,2026,1500000,USD\n",
}


def write_native(folder: Path, **overrides: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in (FILES | overrides).items():
        path = folder / name
        path.write_text(text, "utf-8")
        paths.append(path)
    return paths
