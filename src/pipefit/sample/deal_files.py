"""The opportunities and stage_events files."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.sample import vocab
from pipefit.sample.activities import PeopleNumbers
from pipefit.sample.clock import Clock
from pipefit.sample.columns import Ints, const, id_width, ids, money, pick, timestamps
from pipefit.sample.deals import Deals
from pipefit.sample.events import DealState, EventLog
from pipefit.sample.journeys import STAGES, SUBSTATES
from pipefit.sample.writer import Columns

__all__ = ["event_chunks", "opportunity_columns"]

_CHUNK = 2_000_000
_REASONS = vocab.LOSS_REASONS + vocab.BACKWARD_REASONS


def opportunity_columns(
    deals: Deals,
    state: DealState,
    clock: Clock,
    *,
    expected_day: Ints,
    account_names: pa.Array,
    lead_number: Ints,
    leads: int,
    people: PeopleNumbers,
) -> Columns:
    n = deals.count
    product = pick(vocab.PRODUCTS, deals.product)
    name = pc.binary_join_element_wise(account_names.take(pa.array(deals.account)), product, " - ")
    return {
        "opportunity_id": ids("opp-", np.arange(1, n + 1), id_width(n)),
        "name": name,
        "account_id": ids("acc-", deals.account + 1, id_width(len(account_names))),
        "lead_id": ids("lead-", lead_number, id_width(leads)),
        "pipeline": const("inbound", n),
        "stage": pick(STAGES, state.stage),
        "substate": pick(SUBSTATES, state.substate),
        "amount": money(deals.amount),
        "currency": const("USD", n),
        "owner_id": ids("emp-", people.rep, people.width),
        "presales_id": ids("emp-", people.presales, people.width),
        "created_at": timestamps(clock.seconds(deals.created_bd)),
        "closed_at": timestamps(state.closed_at, valid=state.closed),
        "expected_close": timestamps(expected_day * 86400),
        "loss_reason": pick(vocab.LOSS_REASONS, state.loss_reason),
        "product": product,
    }


def event_chunks(log: EventLog, deals: Deals, people: PeopleNumbers) -> Iterator[Columns]:
    """The stage history in chunks; the actor of every move is the deal's rep."""
    opp_width = id_width(deals.count)
    for lo in range(0, log.count, _CHUNK):
        part = slice(lo, min(lo + _CHUNK, log.count))
        deal = log.deal[part]
        yield {
            "opportunity_id": ids("opp-", deal + 1, opp_width),
            "seq": pa.array(log.seq[part], pa.int64()),
            "from_stage": pick(STAGES, log.from_stage[part]),
            "to_stage": pick(STAGES, log.to_stage[part]),
            "substate": pick(SUBSTATES, log.substate[part]),
            "at": timestamps(log.at[part]),
            "actor_id": ids("emp-", people.rep[deal], people.width),
            "reason": pick(_REASONS, log.reason[part]),
        }
