"""The kinds of evidence a team records and its triggers can ask for (DOMAIN sections 3, 4)."""

from __future__ import annotations

__all__ = [
    "ACTIVITY_KINDS",
    "MEETING_PURPOSES",
    "PARTIES",
    "check_kind",
    "check_purpose",
    "nearest",
]

from collections.abc import Iterable
from difflib import get_close_matches

from pipefit.domain.errors import PipefitError

ACTIVITY_KINDS: dict[str, str] = {
    "meeting_booked": "a meeting booked (give its purpose: discovery, evaluation, ...)",
    "meeting_accepted": "a booked meeting accepted by the prospect or the rep (say who)",
    "next_steps_agreed": "both sides agreed on next steps",
    "demo_held": "a demo was held",
    "technical_discussion": "a technical discussion took place",
    "proposal_sent": "the written proposal was sent",
    "procurement_started": "procurement talks started",
    "purchase_order": "a purchase order was received",
    "nda_signed": "an NDA was signed",
    "site_visit": "the prospect came back to the site",
    "pricing_page_viewed": "the prospect looked at the pricing page",
    "trial_user_added": "the prospect added a colleague to the trial",
    "product_used": "the prospect started using the product",
    "software_access_granted": "the prospect was given access to the software",
    "call": "a call",
    "email": "an email",
}

# The meetings of the default pipelines (DOMAIN section 4); a workspace's own triggers
# may name more, and those are known too.
MEETING_PURPOSES = ("discovery", "evaluation", "overview", "refinement")

PARTIES = ("prospect", "rep", "presales")


def nearest(word: str, known: Iterable[str]) -> str:
    """' did you mean X?' for a near miss (difflib's ratio), or nothing."""
    by_key = {k.casefold(): k for k in sorted(known)}
    close = [by_key[c] for c in get_close_matches(word.casefold(), by_key, n=3, cutoff=0.6)]
    if not close:
        return ""
    return " did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def _normal(word: str) -> str:
    return word.strip().lower().replace("-", "_").replace(" ", "_")


def check_kind(kind: str, extra: set[str]) -> str:
    """Refuse unknown kinds (typos would silently never satisfy a trigger)."""
    normal = _normal(kind)
    known = set(ACTIVITY_KINDS) | extra
    if normal in known:
        return normal
    listed = ", ".join(sorted(known))
    raise PipefitError(
        f"unknown activity kind '{kind.strip()}';{nearest(normal, known)} known kinds: {listed}",
        field="activity.kind",
    )


def check_purpose(purpose: str, extra: set[str]) -> str:
    """Refuse a purpose no trigger knows: evidence for an 'evalution' meeting would never
    open the Evaluation gate, and nobody would be told."""
    normal = purpose.strip().lower()
    known = set(MEETING_PURPOSES) | {p.strip().lower() for p in extra}
    if normal in known:
        return normal
    listed = ", ".join(sorted(known))
    raise PipefitError(
        f"unknown meeting purpose '{purpose.strip()}';{nearest(normal, known)} "
        f"known purposes: {listed}",
        field="activity.purpose",
    )
