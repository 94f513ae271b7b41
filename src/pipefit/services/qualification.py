"""Lead qualification use cases: assess, qualify and route, override, read the log.

Each lead is judged three ways (BANT, demo-ready, the success-ready scorecard) and, when
the history allows, by learned models of P(win) and P(success as a customer). The band
from the configured method (`routing.route_by`) and the team's rules then route it. All
decisions of a run are written in one transaction, with the hand-offs and new statuses.

The services read and write through a unit of work (`uow.leads`) and take the workspace's
`[qualification]` section; they know nothing of the database or the files behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.lanes import LaneBook, LaneFit, build_lane_book
from pipefit.domain.qualification import (
    Band,
    BantResult,
    DemoReadiness,
    LeadRecord,
    assess_bant,
    bant_blind_spot,
    demo_readiness,
)
from pipefit.domain.routing import LeadDecision, Rep, route
from pipefit.domain.scorecard import ScoreResult, ScoringInput, score_lead
from pipefit.services.ports.leads import LaneCustomer, LeadRepository
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "Assessment",
    "History",
    "QualifyResult",
    "assess",
    "assess_waiting",
    "load_history",
    "qualify_leads",
    "read_history",
]

MIN_HISTORY = 200  # resolved leads, with at least 20 of each outcome, to learn from


@dataclass(frozen=True)
class Assessment:
    record: LeadRecord
    bant: BantResult
    demo: DemoReadiness
    demo_ready: bool
    lane: LaneFit
    card: ScoreResult
    blind_spot: str | None
    p_win: float | None = None
    p_success: float | None = None
    learned_reasons: str | None = None

    @property
    def lead_id(self) -> str:
        return self.record.lead.lead_id


@dataclass
class History:
    table: pa.Table
    records: list[LeadRecord]
    lanes: LaneBook
    now: datetime
    customers: list[LaneCustomer] = field(default_factory=list)

    def index(self, lead_id: str) -> int:
        for i, r in enumerate(self.records):
            if r.lead.lead_id == lead_id:
                return i
        raise NotFound(f"no lead '{lead_id}'")


def data_as_of(table: pa.Table) -> datetime | None:
    """The newest moment the data records: outcomes are judged as of then, not the wall clock
    (an export from last spring knows nothing of this autumn's renewals)."""
    import pyarrow.compute as pc

    latest = [
        pc.max(table[c]).as_py()
        for c in ("created_at", "deal_closed_at", "customer_since", "churned_at")
        if c in table.column_names and table.num_rows
    ]
    found = [t for t in latest if t is not None]
    return max(found) if found else None


def read_history(
    leads: LeadRepository, config: QualificationConfig, *, now: datetime | None = None
) -> History:
    """The leads and lanes, judged as of `now` or, by default, as of the data's newest record
    (inside a unit of work the caller holds open)."""
    from pipefit.scoring.features import lead_records

    table = leads.lead_table()
    moment = now or min(datetime.now(UTC), data_as_of(table) or datetime.now(UTC))
    customers = leads.customers()
    lanes = build_lane_book(
        customers, as_of=moment, min_customers=config.scorecard.min_lane_customers
    )
    return History(table, lead_records(table), lanes, moment, customers)


def load_history(
    uow: UnitOfWork, config: QualificationConfig, *, now: datetime | None = None
) -> History:
    """The leads and lanes, read in a unit of work of their own."""
    with uow:
        return read_history(uow.leads, config, now=now)


def _serious(card: ScoreResult, demo: DemoReadiness, ready: bool) -> list[str]:
    why = []
    if card.band in (Band.EXCELLENT, Band.GOOD):
        why.append(f"scorecard {card.band} ({card.score:g})")
    if ready:
        why.append(f"demo-ready ({demo.percent:g}% of the Situation Slide)")
    return why


def assess(
    config: QualificationConfig, lanes: LaneBook, records: Sequence[LeadRecord]
) -> list[Assessment]:
    """BANT, demo-ready and the scorecard for each lead (the domain's rules, lead by lead)."""
    card = config.scorecard.to_domain()
    found = []
    for record in records:
        account = record.account
        bant = assess_bant(record.lead, record.contact, required=config.bant.required)
        demo = demo_readiness(record.lead, account)
        ready = demo.is_ready(config.demo_ready.min_pct, config.demo_ready.required)
        segment = account.segment if account else None
        lane = lanes.fit(account.industry if account else None, segment)
        data = ScoringInput(
            record.lead, account, record.contact, lane, lanes.ttv_norms.get(segment or "")
        )
        score = score_lead(card, data)
        blind = bant_blind_spot(bant, _serious(score, demo, ready))
        found.append(Assessment(record, bant, demo, ready, lane, score, blind))
    return found


def assess_waiting(
    uow: UnitOfWork, config: QualificationConfig, *, statuses: Sequence[str], limit: int = 0
) -> list[Assessment]:
    """The leads with one of `statuses`, oldest first (at most `limit`; 0: all), each judged
    by BANT, demo-ready and the scorecard. Writes nothing."""
    history = load_history(uow, config)
    wanted = set(statuses)
    picked = [r for r in history.records if str(r.lead.status) in wanted]
    return assess(config, history.lanes, picked[:limit] if limit else picked)


@dataclass(frozen=True)
class Learned:
    probability: np.ndarray
    reasons: pa.Array
    base_rate: float


def learn_and_score(
    history: History,
    config: QualificationConfig,
    rows: np.ndarray,
    *,
    notes: list[str],
) -> dict[str, Learned]:
    """P(win) and P(success) for `rows`, learned from the other, resolved leads."""
    from pipefit.scoring.features import POST_CONTACT_FIELDS, labels, workspace_features
    from pipefit.scoring.learn import fit_scorer

    features = workspace_features(history.table, history.lanes.ttv_norms)
    targets = labels(history.records, history.now)
    scored = np.zeros(len(history.records), bool)
    scored[rows] = True
    found: dict[str, Learned] = {}
    for target, y in targets.items():
        train = (y >= 0) & ~scored
        counts = np.bincount(y[train], minlength=2)
        if train.sum() < MIN_HISTORY or counts.min() < 20:
            notes.append(
                f"P({target}) not learned: {int(train.sum())} resolved leads "
                f"({int(counts[1])} positive) are too few (need {MIN_HISTORY}, 20 of each)"
            )
            continue
        scorer = fit_scorer(
            features.take(np.flatnonzero(train)),
            y[train].astype(np.int64),
            leaks=config.leaks,
            post_contact_fields=POST_CONTACT_FIELDS,
            include=(),
        )
        part = features.take(rows)
        found[target] = Learned(scorer.predict(part), scorer.reasons(part), scorer.base_rate)
    return found


@dataclass
class QualifyResult:
    decisions: list[LeadDecision]
    assessments: list[Assessment]
    notes: list[str] = field(default_factory=list)
    written: bool = False


def _targets(
    history: History, lead_ids: Sequence[str], statuses: Sequence[str], at: datetime,
    latest: dict[str, LeadDecision],
) -> list[int]:  # fmt: skip
    if lead_ids:
        return [history.index(lead_id) for lead_id in dict.fromkeys(lead_ids)]
    chosen = []
    for i, record in enumerate(history.records):
        status = str(record.lead.status)
        last = latest.get(record.lead.lead_id)
        # A nurtured lead waits only for a re-entry date still to come; one imported as
        # nurture without a decision (no date) is looked at again, or it never would be.
        waiting = last is not None and last.nurture_until is not None and last.nurture_until > at
        due = status == "nurture" and not waiting
        if status in statuses or due:
            chosen.append(i)
    return chosen


def _band_of(p: float, base: float, config: QualificationConfig) -> Band:
    from pipefit.scoring.explain import odds_cuts

    odds = config.learned_bands
    cuts = odds_cuts(base, (odds.excellent, odds.good, odds.risky))
    bands = [Band.EXCELLENT, Band.GOOD, Band.RISKY]
    return next((b for b, cut in zip(bands, cuts, strict=True) if p >= cut), Band.NULL)


def qualify_leads(
    uow: UnitOfWork,
    config: QualificationConfig,
    *,
    lead_ids: Sequence[str] = (),
    at: datetime | None = None,
    dry_run: bool = False,
    learned: bool = True,
) -> QualifyResult:
    """Band each lead to qualify, route it by the team's rules, and record every decision."""
    moment = at or datetime.now(UTC)
    with uow:
        history = read_history(uow.leads, config, now=at)
        latest = uow.leads.latest_decisions()
        reps = uow.leads.rep_loads(since=moment - timedelta(days=config.routing.load_days))
        result = _decide(history, config, lead_ids, moment, latest, reps, learned=learned)
        if not dry_run and result.decisions:
            ids = uow.leads.save_decisions(result.decisions)
            uow.commit()
            result.decisions = [with_id(d, i) for d, i in zip(result.decisions, ids, strict=True)]
            result.written = True
    return result


def _decide(
    history: History, config: QualificationConfig, lead_ids: Sequence[str], moment: datetime,
    latest: dict[str, LeadDecision], reps: list[Rep], *, learned: bool,
) -> QualifyResult:  # fmt: skip
    rows = _targets(history, lead_ids, config.routing.qualify_statuses, moment, latest)
    result = QualifyResult([], [])
    if not rows:
        result.notes.append(
            "no lead to qualify (statuses: " + ", ".join(config.routing.qualify_statuses)
            + "; and nurtured leads whose re-entry date has come or who have none)"
        )  # fmt: skip
        return result
    picked = [history.records[i] for i in rows]
    result.assessments = assess(config, history.lanes, picked)
    scores = (
        learn_and_score(history, config, np.asarray(rows), notes=result.notes)
        if learned or config.routing.route_by != "scorecard"
        else {}
    )
    method = config.routing.route_by
    if method != "scorecard" and method[2:] not in scores:
        raise PipefitError(
            f"routing.route_by is '{method}', but it could not be learned: "
            + "; ".join(result.notes),
            field="qualification.routing.route_by",
        )
    for k, a in enumerate(result.assessments):
        a = with_learned(a, scores.get("win"), scores.get("success"), k)
        result.assessments[k] = a
        if method == "scorecard":
            band, score, summary = a.card.band, a.card.score, a.card.summary()
        else:
            chosen = scores[method[2:]]
            p = float(chosen.probability[k])
            band = _band_of(p, chosen.base_rate, config)
            score = round(100 * p, 1)
            summary = f"{band}: P({method[2:]}) {100 * p:.0f}%: {chosen.reasons[k].as_py()}"
        account = a.record.account
        result.decisions.append(
            route(
                a.lead_id,
                band=band,
                score=score,
                method=method,
                reasons=_reasons(a, summary),
                at=moment,
                rules=config.routing.domain_rules(),
                reps=reps,
                assignment=config.routing.assignment(),
                segment=account.segment if account else None,
                team=a.record.owner_team,
                owner_id=a.record.lead.owner_id,
            )
        )
    return result


def with_id(decision: LeadDecision, decision_id: int) -> LeadDecision:
    return replace(decision, decision_id=decision_id)


def with_learned(a: Assessment, win: Learned | None, success: Learned | None, k: int) -> Assessment:
    return replace(
        a,
        p_win=None if win is None else float(win.probability[k]),
        p_success=None if success is None else float(success.probability[k]),
        learned_reasons=None if success is None else success.reasons[k].as_py(),
    )


def _reasons(a: Assessment, summary: str) -> list[str]:
    why = [summary, f"BANT: {a.bant.verdict}"]
    if a.blind_spot:
        why.append(a.blind_spot)
    if a.demo_ready:
        why.append(f"demo-ready: Situation Slide {a.demo.percent:g}% complete")
    else:
        why.append(
            f"not demo-ready: Situation Slide {a.demo.percent:g}% complete "
            f"(missing {a.demo.describe_missing()})"
        )
    learned = [
        f"P({name}) {100 * p:.0f}%"
        for name, p in (("win", a.p_win), ("success", a.p_success))
        if p is not None
    ]
    if learned:
        why.append(", ".join(learned))
    return why
