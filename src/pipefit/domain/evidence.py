"""The kinds of evidence a team records and its triggers can ask for (DOMAIN sections 3, 4)."""

from __future__ import annotations

__all__ = ["ACTIVITY_KINDS", "PARTIES", "check_kind"]

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

PARTIES = ("prospect", "rep", "presales")


def check_kind(kind: str, extra: set[str]) -> str:
    """Refuse unknown kinds (typos would silently never satisfy a trigger)."""
    normal = kind.strip().lower().replace("-", "_").replace(" ", "_")
    if normal in ACTIVITY_KINDS or normal in extra:
        return normal
    known = ", ".join(sorted(set(ACTIVITY_KINDS) | extra))
    raise PipefitError(f"unknown activity kind '{kind}'; known kinds: {known}")
