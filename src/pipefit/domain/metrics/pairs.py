"""Rep-and-presales pairs: how each pair does together, and against its members apart.

Per (owner, presales engineer) with both set: won, lost, the win rate with its Wilson 95%
interval over the decided deals, the median cycle of its won deals and its won revenue,
each with the number of deals behind it. "Apart" is the rep's win rate on deals decided
without this engineer (with another or none) and the engineer's on deals decided with
other reps. A pair is "better" when its interval lies wholly above both apart intervals,
"worse" when wholly below both, else "no evidence".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipefit.domain.metrics.cycles import cycle_days
from pipefit.domain.metrics.rates import compare, wilson_interval, win_rate
from pipefit.domain.metrics.records import LOST, WON, DealRecord
from pipefit.domain.metrics.stats import percentile_cont

__all__ = ["PairStats", "pair_stats"]


@dataclass(frozen=True)
class PairStats:
    owner_id: str
    presales_id: str
    deals: int
    won: int
    lost: int
    win_rate: float | None
    win_rate_low: float | None
    win_rate_high: float | None
    cycle_deals: int
    median_cycle_days_won: float | None
    revenue_deals: int
    won_revenue: float
    rep_apart_decided: int
    rep_apart_win_rate: float | None
    presales_apart_decided: int
    presales_apart_win_rate: float | None
    verdict: str


def _decided(deals: Sequence[DealRecord]) -> tuple[int, int]:
    won = sum(1 for d in deals if d.outcome == WON)
    return won, sum(1 for d in deals if d.outcome == LOST)


def pair_stats(deals: Sequence[DealRecord]) -> list[PairStats]:
    keys = sorted(
        {
            (d.owner_id, d.presales_id)
            for d in deals
            if d.owner_id is not None and d.presales_id is not None
        },
        key=lambda k: (k[0] or "", k[1] or ""),
    )
    found = []
    for owner, presales in keys:
        mine = [d for d in deals if d.owner_id == owner and d.presales_id == presales]
        won, lost = _decided(mine)
        interval = wilson_interval(won, won + lost)
        rep_w, rep_l = _decided(
            [d for d in deals if d.owner_id == owner and d.presales_id != presales]
        )
        pre_w, pre_l = _decided(
            [d for d in deals if d.presales_id == presales and d.owner_id != owner]
        )
        cycles = [c for d in mine if d.outcome == WON and (c := cycle_days(d)) is not None]
        amounts = [d.amount_home for d in mine if d.outcome == WON and d.amount_home is not None]
        found.append(
            PairStats(
                owner_id=owner or "",
                presales_id=presales or "",
                deals=len(mine),
                won=won,
                lost=lost,
                win_rate=win_rate(won, lost),
                win_rate_low=interval[0] if interval else None,
                win_rate_high=interval[1] if interval else None,
                cycle_deals=len(cycles),
                median_cycle_days_won=percentile_cont(cycles, 0.5),
                revenue_deals=len(amounts),
                won_revenue=sum(amounts),
                rep_apart_decided=rep_w + rep_l,
                rep_apart_win_rate=win_rate(rep_w, rep_l),
                presales_apart_decided=pre_w + pre_l,
                presales_apart_win_rate=win_rate(pre_w, pre_l),
                verdict=compare(
                    interval,
                    wilson_interval(rep_w, rep_w + rep_l),
                    wilson_interval(pre_w, pre_w + pre_l),
                ),
            )
        )
    return found
