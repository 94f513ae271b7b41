"""A small, messy CRM export with a known truth, for the scoring tests."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def messy_leads(rows: int = 1500, seed: int = 3) -> pa.Table:
    """Leads whose conversion follows minutes on site, source and job; plus every CRM quirk.

    - `Lead Source` mixes case (Google / google) and has blanks;
    - `Occupation` uses `Select` for "not chosen";
    - `Minutes On Site` is numeric with gaps; `Budget` is text with a % sign;
    - `Prospect ID` is an identifier, `Magazine` is constant;
    - `Tags` is filled by sales after contact and gives the outcome away.
    """
    rng = np.random.default_rng(seed)
    minutes = rng.gamma(2.0, 8.0, rows)
    source = rng.choice(["Google", "google", "Referral", "Direct Traffic", ""], rows,
                        p=[0.3, 0.15, 0.15, 0.3, 0.1])  # fmt: skip
    job = rng.choice(["Working Professional", "Student", "Unemployed", "Select"], rows)
    budget = rng.integers(0, 100, rows)
    logit = (
        -2.0
        + 0.09 * minutes
        + np.where(np.char.lower(source.astype(str)) == "google", 0.6, 0.0)
        + np.where(source == "Referral", 1.4, 0.0)
        + np.where(job == "Working Professional", 1.5, np.where(job == "Student", -0.7, 0.0))
    )
    converted = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    tags = np.where(
        converted == 1,
        rng.choice(["Will revert after reading the email", "Closed by Horizzon"], rows),
        rng.choice(["Ringing", "Interested in other courses", "Already a student"], rows),
    )
    gaps = rng.random(rows) < 0.05
    return pa.table(
        {
            "Prospect ID": [f"P-{i:05d}-{rng.integers(1e6)}" for i in range(rows)],
            "Lead Source": source,
            "Occupation": job,
            "Minutes On Site": pa.array(np.where(gaps, np.nan, minutes.round(1)), from_pandas=True),
            "Budget": [f"{b}%" for b in budget],
            "Magazine": ["No"] * rows,
            "Tags": tags,
            "Converted": converted,
        }
    )
