"""Capacity's figures over the recorded history, set-at-a-time in Arrow: bookings by
segment and by rep, where each person mostly sells, the average sales cycle, open deals
per presales engineer and stage, and meetings per person.

The tables are the history's reads (`services.ports.history.HistorySource`); amounts
come in 1/10,000 units of each deal's currency and are converted to the workspace
currency here, once per group rather than once per deal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.errors import PipefitError

__all__ = [
    "SegmentBookings",
    "bookings",
    "bookings_by_owner",
    "bookings_by_segment",
    "in_currency",
    "main_segment",
    "mean_cycle_days",
    "meetings_by_person",
    "only_owners",
    "open_by_presales",
    "won",
]

_CENT = Decimal("0.01")


def in_currency(
    units_by_currency: Mapping[str, int], rates: Mapping[str, Decimal], base: str
) -> Decimal:
    """A sum held per currency (in 1/10,000 units), in `base`, to the cent."""
    total = Decimal(0)
    for currency, units in units_by_currency.items():
        rate = Decimal(1) if currency == base else rates.get(currency)
        if rate is None:
            raise PipefitError(
                f"compensation.rates: no rate for {currency}; add {currency} = <value in {base}>",
                field="compensation.rates",
            )
        total += Decimal(units).scaleb(-4) * rate
    return total.quantize(_CENT)


def _units_by(table: pa.Table, keys: list[str]) -> dict[tuple[str, ...], dict[str, int]]:
    grouped = table.group_by([*keys, "currency"]).aggregate([("units", "sum")])
    out: dict[tuple[str, ...], dict[str, int]] = defaultdict(dict)
    for row in grouped.to_pylist():
        out[tuple(row[k] for k in keys)][row["currency"]] = int(row["units_sum"] or 0)
    return out


def won(closed: pa.Table) -> pa.Table:
    return closed.filter(pc.equal(closed["outcome"], "won"))


def only_owners(closed: pa.Table, owners: Iterable[str]) -> pa.Table:
    """The deals owned by `owners` (a team's reps)."""
    ids = pa.array(list(owners), pa.string())
    return closed.filter(pc.is_in(closed["owner_id"], value_set=ids))


def bookings(closed: pa.Table, rates: Mapping[str, Decimal], base: str) -> Decimal:
    """Closed-won amounts, in `base`."""
    return in_currency(_units_by(won(closed), []).get((), {}), rates, base)


def bookings_by_owner(
    closed: pa.Table, rates: Mapping[str, Decimal], base: str
) -> dict[str, Decimal]:
    """Closed-won amounts per owner, in `base` (owners without a win are absent)."""
    return {
        owner: in_currency(units, rates, base)
        for (owner,), units in _units_by(won(closed), ["owner_id"]).items()
    }


@dataclass(frozen=True)
class SegmentBookings:
    won_deals: int
    bookings: Decimal

    @property
    def average_deal(self) -> Decimal | None:
        return (self.bookings / self.won_deals).quantize(_CENT) if self.won_deals else None


def bookings_by_segment(
    closed: pa.Table, rates: Mapping[str, Decimal], base: str
) -> dict[str, SegmentBookings]:
    """Per segment with a closed-won deal: how many, and their amount in `base`."""
    wins = won(closed)
    counts = wins.group_by("segment").aggregate([([], "count_all")]).to_pylist()
    units = _units_by(wins, ["segment"])
    return {
        row["segment"]: SegmentBookings(
            row["count_all"], in_currency(units[(row["segment"],)], rates, base)
        )
        for row in counts
    }


def main_segment(closed: pa.Table, who: str) -> dict[str, str]:
    """Each person's segment (`who` is a person column): where most of their closed deals
    are; a tie goes to the segment whose name sorts last."""
    rows = (
        closed.filter(pc.is_valid(closed[who]))
        .group_by([who, "segment"])
        .aggregate([([], "count_all")])
    )
    best: dict[str, tuple[int, str]] = {}
    for r in rows.to_pylist():
        key = (r["count_all"], r["segment"])
        if r[who] not in best or key > best[r[who]]:
            best[r[who]] = key
    return {person: seg for person, (_, seg) in best.items()}


def mean_cycle_days(closed: pa.Table) -> Decimal | None:
    """The average days from creation to close of the won deals, to a tenth of a day."""
    wins = won(closed)
    if not wins.num_rows:
        return None
    elapsed = pc.cast(pc.subtract(wins["closed_at"], wins["created_at"]), pa.int64())
    # Whole seconds per deal, as the figure has always been computed.
    seconds = pc.divide(elapsed, 1_000_000)
    mean = Decimal(pc.mean(seconds).as_py())
    return (mean / 86400).quantize(Decimal("0.1"))


def open_by_presales(open_deals: pa.Table) -> dict[str, dict[str, int]]:
    """Open deals per presales engineer and stage."""
    rows = open_deals.group_by(["presales_id", "stage"]).aggregate([([], "count_all")])
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows.to_pylist():
        if r["presales_id"] is not None:
            out[r["presales_id"]][r["stage"]] = int(r["count_all"])
    return dict(out)


def meetings_by_person(meetings: pa.Table) -> dict[str, int]:
    """How many meetings each person held (meetings nobody held are left out)."""
    rows = meetings.group_by("person_id").aggregate([([], "count_all")]).to_pylist()
    return {r["person_id"]: int(r["count_all"]) for r in rows if r["person_id"] is not None}
