"""The truths the generator plants, stated once so that tests and reports check against them.

Every constant here is what the generated company *is*, not what a report computes: the
generator draws from these numbers (standard library only, so anything may read them),
and tests measure the generated files independently to see that each truth holds.

Durations are stated in calendar days as a report measures them (timestamps subtracted),
although the generator moves deals on working days (08:00-18:00 UTC, Monday to Friday):
a stay of d working days lasts about 1.4 d calendar days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "AMOUNT_CHANGE_SHARE",
    "BAD_PAIR_EFFECT",
    "CALENDAR_PER_WORKING_DAY",
    "CLOSE_DATE_CHANGES_PER_MONTH",
    "CLOSE_DATE_OPTIMISM",
    "GOOD_PAIR_EFFECT",
    "MINUTE_STAGE",
    "MINUTE_STAGE_MEDIAN_MINUTES",
    "MINUTE_STAGE_PASS",
    "PAIR_LIFT_AT_LEAST",
    "SIGNALS",
    "SIGNAL_LIFT_TOLERANCE",
    "TWO_STEP_MEDIAN_DAYS",
    "TWO_STEP_SHARES",
    "TWO_STEP_SIGMA",
    "TWO_STEP_STAGE",
    "Signal",
    "planted_pairs",
]

CALENDAR_PER_WORKING_DAY = 7 / 5

# --- (1) a stage that hides two steps (DOMAIN section 4) ----------------------------------
# "Solutions refinement" hides two steps: most deals only refine the solution with the
# presales engineer; the others also go through the buyer's security review. Its stays are
# a mix of two lognormals, the same in every segment: the friction report should suggest
# splitting it in two. (stage, its place among the five open stages)
TWO_STEP_STAGE = ("Solutions refinement", 3)
TWO_STEP_SHARES = (0.6, 0.4)  # refinement only; refinement and security review
TWO_STEP_MEDIAN_DAYS = (4.0, 30.0)  # calendar days, each hump's median
TWO_STEP_SIGMA = 0.3  # of the log of each hump's working-day duration

# --- (2) a stage nobody works: passed in minutes -------------------------------------------
# Reps click through "Solutions overview" on their way to refinement: stays of a few
# minutes (lognormal, this median), and almost every deal that enters it moves on.
MINUTE_STAGE = ("Solutions overview", 2)
MINUTE_STAGE_MEDIAN_MINUTES = 10.0
MINUTE_STAGE_PASS = 0.95  # the chance an average deal moves on from it (others: 0.75-0.9)

# --- (3) rep and presales pairs that win more (or less) together than apart ----------------
# In every team with at least two presales engineers, its first rep works best with its
# first engineer and its second rep worst with its second engineer ("first" by person id).
# The effects are shifts of the deal's hidden win log-odds (which moves each stage's pass
# chance by half of it), on top of each member's own skill and a small chemistry noise
# (standard deviation 0.3) that every other pair has.
GOOD_PAIR_EFFECT = 1.5
BAD_PAIR_EFFECT = -1.5
# Closed deals of the good pairs win at least this many points more often than the same
# reps with other engineers and than the same engineers with other reps (and the bad pairs
# this many less); on a company of 40,000 opportunities or more. (On 200,000, seed 1: the
# good pairs won 43% together, 21-22% apart; the bad ones 8% together, 22-24% apart.)
PAIR_LIFT_AT_LEAST = 0.12


def planted_pairs(people: Iterable[tuple[str, str, str | None]]) -> dict[tuple[str, str], float]:
    """(rep id, presales id) -> the planted effect, from (person_id, role, team_id) rows of
    the generated people file. Person ids sort in the generator's numbering (`emp-0001`)."""
    reps: dict[str, list[str]] = {}
    engineers: dict[str, list[str]] = {}
    for person, role, team in people:
        if team is None:
            continue
        if role == "sales_rep":
            reps.setdefault(team, []).append(person)
        elif role == "presales":
            engineers.setdefault(team, []).append(person)
    pairs: dict[tuple[str, str], float] = {}
    for team, members in sorted(engineers.items()):
        team_reps = sorted(reps.get(team, []))
        members = sorted(members)
        if len(members) < 2 or len(team_reps) < 2:
            continue
        pairs[(team_reps[0], members[0])] = GOOD_PAIR_EFFECT
        pairs[(team_reps[1], members[1])] = BAD_PAIR_EFFECT
    return pairs


# --- (4) SMB usage signals that raise the win rate -----------------------------------------
@dataclass(frozen=True)
class Signal:
    """An activity kind, its share of non-enterprise deals, its win log-odds shift, and the
    lift in win rate it produces: closed non-enterprise deals that showed it (before their
    close) win this many points more often than those that did not."""

    kind: str
    share: float
    effect: float
    lift: float


# Each non-enterprise deal shows each signal independently with its share; the signals
# drive the deal's hidden win odds (centred on the segment's usual mix, so the segment's
# win rate stays), and nothing else drives them. The lifts were measured on 200,000
# opportunities (seed 1) and hold within SIGNAL_LIFT_TOLERANCE on 50,000 or more.
SIGNALS = (
    Signal("site_visit", 0.45, 0.2, 0.03),  # came back to the site: a weak signal
    Signal("pricing_page_viewed", 0.35, 0.6, 0.09),
    Signal("trial_user_added", 0.25, 1.0, 0.14),  # a colleague added to the trial
    Signal("product_used", 0.3, 1.4, 0.19),  # the strongest: the product in real use
)
SIGNAL_LIFT_TOLERANCE = 0.03

# --- (5) expected close dates that slip and are pulled in -----------------------------------
# A rep sets an expected close when the deal is created, optimistically: this share of the
# segment's usual cycle. Then, about this many times a month while the deal is open, the
# rep revises it towards when it will really close (a noisy guess that sharpens with time):
# later (pushed out, a slip) or earlier (pulled in). Each revision is a `close_date` row of
# opportunity_changes; the last one is the deal's expected_close.
CLOSE_DATE_OPTIMISM = 0.75
CLOSE_DATE_CHANGES_PER_MONTH = 0.5
# Some deals' amounts are revised once while open (an `amount` row of opportunity_changes,
# the deal's amount now being the new one): this share of the deals, by up to +/-30%.
AMOUNT_CHANGE_SHARE = 0.2
