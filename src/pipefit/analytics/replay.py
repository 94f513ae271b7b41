"""The event log replayed to a moment: the relations of `analytics.relations` as they stood
then, so that any figure a report once printed can be printed again.

Each function returns a plain SELECT over the full-history relations (`deals`, `events`,
`changes`, `activities`, `leads`), for reports to compose (`WITH d AS (...)`). The moment
is written into the SQL as a UTC timestamp literal that this module formats itself (it is
never text a user typed). Standard SQL: window functions and CASE, no dialect tricks.

As of a moment T:
- a deal created after T did not exist; an event, change or activity after T had not
  happened;
- a deal's stage is the stage its last event at or before T entered (the first later
  event's `from_stage` when none had happened yet, else the stage it has now); its
  outcome is that stage's category; it was closed at its recorded close if that came
  before T, else at the event that closed it;
- its amount is the old amount of its first amount change after T (the amount now when
  none), and likewise its expected close date.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = [
    "CHANGE_INDEX",
    "EVENT_INDEX",
    "activities_as_of",
    "changes_as_of",
    "deals_as_of",
    "deals_as_of_indexed",
    "events_as_of",
    "leads_as_of",
]


def literal(at: datetime) -> str:
    """A UTC timestamp literal for `at` (an aware datetime)."""
    if at.tzinfo is None:
        raise ValueError("a replay moment must be timezone-aware")
    moment = at.astimezone(UTC).replace(tzinfo=None)
    return f"CAST('{moment.isoformat(sep=' ', timespec='microseconds')}+00' AS TIMESTAMPTZ)"


def events_as_of(at: datetime | None) -> str:
    if at is None:
        return "SELECT * FROM events"
    return f'SELECT * FROM events WHERE "at" <= {literal(at)}'


def changes_as_of(at: datetime | None) -> str:
    if at is None:
        return "SELECT * FROM changes"
    return f'SELECT * FROM changes WHERE "at" <= {literal(at)}'


def activities_as_of(at: datetime | None) -> str:
    if at is None:
        return "SELECT * FROM activities"
    return f'SELECT * FROM activities WHERE "at" <= {literal(at)}'


def leads_as_of(at: datetime | None) -> str:
    if at is None:
        return "SELECT * FROM leads"
    return f"SELECT * FROM leads WHERE created_at <= {literal(at)}"


_HEAD = """
WITH
ranked AS (
    SELECT opportunity_id, to_stage, substate, category, "at",
           ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY seq DESC) AS back
    FROM events WHERE "at" <= {t}
),
last_event AS (SELECT * FROM ranked WHERE back = 1),
upcoming AS (
    SELECT opportunity_id, from_stage,
           ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY seq) AS ahead
    FROM events WHERE "at" > {t}
),
next_event AS (SELECT * FROM upcoming WHERE ahead = 1),
later_changes AS (
    SELECT opportunity_id, field, old_amount, old_close_date,
           ROW_NUMBER() OVER (PARTITION BY opportunity_id, field ORDER BY "at", ordinal) AS n
    FROM changes WHERE "at" > {t}
),
first_amount AS (SELECT * FROM later_changes WHERE field = 'amount' AND n = 1),
first_close AS (SELECT * FROM later_changes WHERE field = 'close_date' AND n = 1),
"""

_TAIL = """
placed AS (
    SELECT d.*,
           CASE
               WHEN l.opportunity_id IS NOT NULL THEN l.to_stage
               WHEN x.from_stage IS NOT NULL THEN x.from_stage
               ELSE d.stage
           END AS stage_then,
           CASE WHEN l.opportunity_id IS NOT NULL THEN l.substate
                WHEN x.opportunity_id IS NOT NULL THEN NULL
                ELSE d.substate END AS substate_then,
           l."at" AS last_event_at,
           a.opportunity_id AS amount_changed,
           a.old_amount,
           c.opportunity_id AS close_changed,
           c.old_close_date
    FROM deals d
    LEFT JOIN last_event l ON l.opportunity_id = d.opportunity_id
    LEFT JOIN next_event x ON x.opportunity_id = d.opportunity_id
    LEFT JOIN first_amount a ON a.opportunity_id = d.opportunity_id
    LEFT JOIN first_close c ON c.opportunity_id = d.opportunity_id
    WHERE d.created_at <= {t}
),
stated AS (
    SELECT p.*,
           CASE
               WHEN p.stage_then = p.stage THEN p.outcome
               ELSE COALESCE(s.category, 'open')
           END AS outcome_then,
           CASE WHEN p.amount_changed IS NOT NULL THEN p.old_amount ELSE p.amount END
               AS amount_then
    FROM placed p
    LEFT JOIN stages s ON s.pipeline = p.pipeline AND s.stage = p.stage_then
)
SELECT
    opportunity_id, pipeline,
    stage_then AS stage,
    substate_then AS substate,
    outcome_then AS outcome,
    amount_then AS amount,
    currency,
    CASE
        WHEN amount_changed IS NULL THEN amount_home
        WHEN amount IS NULL OR amount = 0 OR amount_then IS NULL THEN NULL
        ELSE CAST(amount_then AS DOUBLE) * (amount_home / CAST(amount AS DOUBLE))
    END AS amount_home,
    created_at,
    CASE
        WHEN outcome_then = 'open' THEN NULL
        WHEN closed_at IS NOT NULL AND closed_at <= {t} THEN closed_at
        ELSE COALESCE(last_event_at, closed_at)
    END AS closed_at,
    CASE WHEN close_changed IS NOT NULL THEN old_close_date ELSE expected_close END
        AS expected_close,
    owner_id, presales_id, team_id, account_id, segment, source, product, lead_id,
    CASE WHEN outcome_then = 'lost' THEN loss_reason END AS loss_reason
FROM stated
"""


_DEALS = _HEAD + _TAIL

# The log and the changes with each one's neighbours in time (`replay_index`), so that a
# replay as of any moment is a filter: the last event by T is the one at or before T whose
# next is after T (the log's events are numbered in time order), the first change after
# T the one after T whose previous (of that field) is not.
EVENT_INDEX = """
SELECT opportunity_id, from_stage, to_stage, substate, "at",
       LAG("at") OVER w AS prev_at, LEAD("at") OVER w AS next_at
FROM events
WINDOW w AS (PARTITION BY opportunity_id ORDER BY seq)
"""
CHANGE_INDEX = """
SELECT opportunity_id, field, "at", old_amount, old_close_date,
       LAG("at") OVER (PARTITION BY opportunity_id, field ORDER BY "at", ordinal) AS prev_at
FROM changes
"""
_INDEXED_HEAD = """
WITH
last_event AS (
    SELECT opportunity_id, to_stage, substate, "at" FROM {events}
    WHERE "at" <= {t} AND (next_at IS NULL OR next_at > {t})
),
next_event AS (
    SELECT opportunity_id, from_stage FROM {events}
    WHERE "at" > {t} AND (prev_at IS NULL OR prev_at <= {t})
),
first_amount AS (
    SELECT opportunity_id, old_amount FROM {changes}
    WHERE field = 'amount' AND "at" > {t} AND (prev_at IS NULL OR prev_at <= {t})
),
first_close AS (
    SELECT opportunity_id, old_close_date FROM {changes}
    WHERE field = 'close_date' AND "at" > {t} AND (prev_at IS NULL OR prev_at <= {t})
),
"""


def deals_as_of(at: datetime | None) -> str:
    """The deals as they stood at `at` (as they stand now when `at` is None)."""
    if at is None:
        return "SELECT * FROM deals"
    return _DEALS.format(t=literal(at))


def deals_as_of_indexed(at: datetime, events: str, changes: str) -> str:
    """`deals_as_of(at)` over `events` and `changes` tables holding EVENT_INDEX and
    CHANGE_INDEX: the same rows, each moment a filter rather than a ranking of the log
    (for a report that replays many moments, the backtest)."""
    head = _INDEXED_HEAD.format(t=literal(at), events=events, changes=changes)
    return head + _TAIL.format(t=literal(at))
