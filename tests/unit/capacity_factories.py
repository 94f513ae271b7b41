"""Plain factories for the capacity tests: a small team and its history in memory.

East: reps Ann and Bob and presales Dee sell small deals (SMB); West: rep Cid and presales
Eve sell large ones (enterprise), one of them in euros at 1.1. The history window is the
year to 2026-01-01, so the quotas are 2025's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.model import Person, Quota, Role, Team
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.history import HistoryDeal, HistoryMeeting, MemoryHistory
from pipefit.store.memory.pay import MemoryCompensation

D = Decimal
AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
CONFIG = CompensationConfig(rates={"EUR": D("1.1")})
STAGES = ["Discovery", "Evaluation", "Proposal", "Negotiation"]


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def won(
    owner: str, amount: int, created: str, closed: str, presales: str, segment: str, **kw: str
) -> HistoryDeal:
    return HistoryDeal(
        owner, "won", D(amount), day(created), day(closed), presales, segment=segment, **kw
    )


def lost(owner: str, amount: int, closed: str, presales: str, segment: str) -> HistoryDeal:
    return HistoryDeal(
        owner, "lost", D(amount), day("2025-01-15"), day(closed), presales, segment=segment
    )


def open_deal(presales: str | None, stage: str) -> HistoryDeal:
    return HistoryDeal("rep-ann", "open", D(10000), day("2025-11-01"), None, presales, stage=stage)


def people() -> MemoryCompensation:
    return MemoryCompensation(
        people_list=[
            Person("rep-ann", "Ann", Role.SALES_REP, "east", D(100000), D(100000)),
            Person("rep-bob", "Bob", Role.SALES_REP, "east", D(80000), D(80000)),
            Person("rep-cid", "Cid", Role.SALES_REP, "west"),
            Person("se-dee", "Dee", Role.PRESALES, "east", D(120000), D(30000)),
            Person("se-eve", "Eve", Role.PRESALES, "west"),
        ],
        team_list=[Team("east", "East"), Team("west", "West")],
        quota_list=[
            Quota("rep-ann", "2025", D(800000)),
            Quota("rep-bob", "2025", D(600000)),
            Quota("rep-cid", "2025", D(1000000)),
        ],
    )


def history() -> MemoryHistory:
    return MemoryHistory(
        deals=[
            # SMB: three wins of 30,000 + 20,000 + 40,000 (30, 50 and 40 days) and a loss.
            won("rep-ann", 30000, "2025-03-01", "2025-03-31", "se-dee", "smb"),
            won("rep-ann", 20000, "2025-04-01", "2025-05-21", "se-dee", "smb"),
            won("rep-bob", 40000, "2025-06-01", "2025-07-11", "se-dee", "smb"),
            lost("rep-bob", 25000, "2025-08-01", "se-dee", "smb"),
            # Enterprise: 200,000 USD and 100,000 EUR (110,000 USD), 90 days each; a loss.
            won("rep-cid", 200000, "2025-02-01", "2025-05-02", "se-eve", "enterprise"),
            lost("rep-cid", 150000, "2025-09-01", "se-eve", "enterprise"),
            won(
                "rep-cid",
                100000,
                "2025-10-01",
                "2025-12-30",
                "se-eve",
                "enterprise",
                currency="EUR",
            ),
            # Closed before the window: not counted anywhere.
            won("rep-ann", 999999, "2024-11-01", "2024-12-15", "se-dee", "smb"),
            open_deal("se-dee", "Discovery"),
            open_deal("se-dee", "Discovery"),
            open_deal("se-dee", "Evaluation"),
            open_deal("se-eve", "Proposal"),
            open_deal("se-gone", "Discovery"),  # someone no longer on the team
            open_deal(None, "Discovery"),  # no presales engineer: not anyone's load
        ],
        meeting_list=[
            HistoryMeeting("demo_held", day("2025-12-10"), actor_id="se-dee"),
            # No actor: the deal's presales engineer held it.
            HistoryMeeting("technical_discussion", day("2025-12-20"), deal_presales_id="se-dee"),
            HistoryMeeting("demo_held", day("2025-12-30"), actor_id="se-eve"),
            HistoryMeeting("email_sent", day("2025-12-15"), actor_id="se-dee"),  # not a meeting
            HistoryMeeting("demo_held", day("2025-11-01"), actor_id="se-dee"),  # before the window
            HistoryMeeting("demo_held", day("2025-12-11")),  # nobody to count it for
        ],
    )


def uow() -> MemoryUnitOfWork:
    return MemoryUnitOfWork(pay=people(), history=history())
