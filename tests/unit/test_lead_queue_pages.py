"""The lead queue a page at a time: the store narrows the leads, a column-at-a-time score
orders them, and only the page's leads are judged in full."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from pipefit.config import default_config_text, parse_config
from pipefit.config.qualification import QualificationConfig
from pipefit.domain.access import AccessScope, Principal
from pipefit.domain.lanes import build_lane_book
from pipefit.domain.model import LeadStatus
from pipefit.domain.qualification import LeadRecord
from pipefit.domain.users import UserRole
from pipefit.services.lead_queue import _scores, lead_queue
from pipefit.services.qualification import assess
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.leads import MemoryLeads, lead_table

from .lead_factories import NOW, account, contact, customer, lead, record


def decile_config() -> QualificationConfig:
    """One parameter, needs match, scored in steps of ten: 55% -> 50 points, 95% -> 90."""
    steps = [{"at_least": n, "points": n} for n in range(0, 100, 10)]
    return QualificationConfig.model_validate(
        {
            "scorecard": {
                "thresholds": {"excellent": 90, "good": 60, "risky": 40},
                "parameters": [{"name": "needs_match", "weight": 100, "steps": steps}],
            }
        }
    )


def scope_of(person: str | None) -> AccessScope:
    if person is None:  # revops: every lead
        return AccessScope(Principal("ops@example.com", UserRole.REVOPS, None), None,
                           frozenset(), None, None, None, frozenset(), None)  # fmt: skip
    mine = frozenset({person})
    return AccessScope(Principal(f"{person}@example.com", UserRole.SALES_REP, person), mine,
                       frozenset(), mine, mine, mine, frozenset(), mine)  # fmt: skip


def waiting(lead_id: str, needs: int, owner: str = "REP-ANA", status: str = "new") -> LeadRecord:
    return record(
        lead=lead(lead_id, needs_match_pct=Decimal(needs), owner_id=owner,
                  status=LeadStatus(status), created_at=NOW - timedelta(days=needs))
    )  # fmt: skip


def test_the_queue_pages_through_the_waiting_leads_best_score_first_then_by_id() -> None:
    leads = MemoryLeads(
        [
            waiting("L-A", 15), waiting("L-B", 95), waiting("L-C", 55), waiting("L-D", 55),
            waiting("L-E", 35, status="working"), waiting("L-F", 75), waiting("L-G", 5),
            waiting("L-H", 99, status="qualified"),  # not waiting: never in the queue
        ]
    )  # fmt: skip
    uow, config, everyone = MemoryUnitOfWork(leads=leads), decile_config(), scope_of(None)
    # By hand: B 90, F 70, C 50, D 50 (a tie: by id), E 30, A 10, G 0; three to a page.
    pages = [lead_queue(uow, config, everyone, page=n, size=3) for n in (1, 2, 3)]
    assert [[q.lead_id for q in p.leads] for p in pages] == [
        ["L-B", "L-F", "L-C"], ["L-D", "L-E", "L-A"], ["L-G"]
    ]  # fmt: skip
    assert [q.assessment.card.score for q in pages[0].leads] == [90.0, 70.0, 50.0]
    assert (pages[0].total, pages[0].pages, pages[0].has_previous, pages[0].has_next) == (
        7, 3, False, True
    )  # fmt: skip
    assert (pages[2].first, pages[2].has_next) == (7, False)
    assert lead_queue(uow, config, everyone, page=4, size=3).leads == []
    only = lead_queue(uow, config, everyone, status="qualified")
    assert [q.lead_id for q in only.leads] == ["L-H"]


def test_a_reps_queue_never_holds_another_reps_lead_on_any_page() -> None:
    records = [waiting(f"L-{n:02d}", 3 * n, owner="REP-ANA" if n % 3 else "REP-BO")
               for n in range(30)]  # fmt: skip
    uow, config = MemoryUnitOfWork(leads=MemoryLeads(records)), decile_config()
    # n % 3 == 0 for n = 0, 3, ..., 27: ten leads are Bo's, twenty Ana's.
    ana = [lead_queue(uow, config, scope_of("REP-ANA"), page=n, size=7) for n in (1, 2, 3, 4)]
    shown = [q for p in ana for q in p.leads]
    assert ana[0].total == 20 and len(shown) == 20
    assert {q.assessment.record.lead.owner_id for q in shown} == {"REP-ANA"}
    bo = lead_queue(uow, config, scope_of("REP-BO"), size=50)
    assert bo.total == 10
    assert {q.assessment.record.lead.owner_id for q in bo.leads} == {"REP-BO"}
    nobody = lead_queue(uow, config, replace(scope_of("REP-ANA"), lead_owners=frozenset()))
    assert (nobody.leads, nobody.total) == ([], 0)


def test_the_column_score_is_the_scorecards_own_score_for_every_kind_of_lead() -> None:
    config = parse_config(default_config_text()).qualification
    pick = random.Random(11)
    lanes_of = [("logistics", "smb"), ("logistics", "mid"), ("retail", "smb"), (None, "smb")]
    customers = [
        (ind, seg, customer(f"ACC-{n}", reference=pick.random() < 0.4,
                            churned_at=NOW - timedelta(days=20) if pick.random() < 0.2 else None,
                            time_to_value_days=pick.randint(10, 90)))
        for n, (ind, seg) in enumerate(lanes_of[n % 3] for n in range(40))
    ]  # fmt: skip

    def maybe(value: object) -> object:
        return None if pick.random() < 0.15 else value

    records = []
    for n in range(300):
        ind, seg = pick.choice(lanes_of)
        acc = maybe(
            account(
                account_id=f"ACC-L{n}",
                industry=ind,
                segment=seg,
                culture=maybe(pick.choice(["early_adopter", "laggard", "innovator"])),
            )
        )
        con = maybe(contact(is_executive=pick.random() < 0.5, former_user=pick.random() < 0.3))
        lead_ = lead(
            f"L-{n:03d}", account_id=acc.account_id if acc else None,  # type: ignore[attr-defined]
            contact_id=maybe("CON-DANA"),
            needs_match_pct=maybe(Decimal(pick.randint(0, 10000)) / 100),
            success_criteria_fit_pct=maybe(Decimal(pick.randint(0, 1000)) / 10),
            buying_team_size=maybe(pick.randint(1, 12)), referral=maybe(pick.random() < 0.3),
            similar_experience=maybe(pick.random() < 0.5),
            expected_ttv_days=maybe(pick.randint(5, 200)),
        )  # fmt: skip
        records.append(record(lead=lead_, account=acc, contact=con))
    lanes = build_lane_book(customers, as_of=NOW, min_customers=5)
    table = lead_table(records)
    from pipefit.scoring.features import lead_records

    expected = [a.card.score for a in assess(config, lanes, lead_records(table))]
    assert _scores(config.scorecard.to_domain(), lanes, table) == expected
    assert len(set(expected)) > 50  # the leads differ enough to test something
