"""Train on 1,000,000 leads and score 1,000,000 more with `pipefit leads score`.

Data: the generated company (`pipefit generate --opportunities 1000000 --seed 7`, 1.3M
leads) flattened by DuckDB into one CSV per step, as a CRM export would look: lead,
account and contact columns and a `Won` outcome (rows 1-1,000,000 to train on, rows
300,001-1,300,000 to score). Both steps run the real command in a fresh process.

References, measured in the same run on the same rows: a plain scikit-learn logistic
regression (one-hot categories, scaled numbers) and an Odoo-style naive Bayes, both
scoring already-prepared arrays. Targets (issue 3): scoring at least 200,000 leads/s in
batch, training within 60 s, peak memory under 3 GB.
Run: `.venv/bin/python benchmarks/leads_score.py [--json]`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from common import WORK, machine, run_measured

FLATTEN = """
import sys, duckdb
src, limit, offset, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
duckdb.sql(f'''
COPY (
  WITH won AS (SELECT lead_id, max(CASE WHEN stage = 'Closed won' THEN 1 ELSE 0 END) AS won
               FROM read_csv('{src}/opportunities.csv', all_varchar=true) GROUP BY lead_id)
  SELECT l.lead_id AS "Lead ID", l.lead_source AS "Lead Source", l.status AS "Lead Status",
    l.budget AS "Budget", l.authority AS "Authority", l.need AS "Need",
    l.timeline AS "Timeline", l.contact_role AS "Contact Role",
    l.critical_issue AS "Critical Issue", l.problems AS "Problems",
    l.capabilities AS "Capabilities", l.value_expected AS "Value Expected",
    l.value_realization_events AS "Value Realization Events",
    l.needs_match_pct AS "Needs Match %", l.success_criteria_fit_pct AS "Success Criteria Fit %",
    l.buying_team_size AS "Buying Team", l.referral AS "Referral",
    l.similar_experience AS "Similar Experience", l.expected_ttv_days AS "Expected TTV Days",
    a.industry AS "Industry", a.employees AS "Employees", a.culture AS "Culture",
    a.region AS "Region", c.is_executive AS "Executive", c.is_decision_maker AS "Decision Maker",
    c.on_buying_committee AS "Buying Committee", c.former_user AS "Former User",
    coalesce(w.won, 0) AS "Won"
  FROM read_csv('{src}/leads.csv', all_varchar=true) l
  LEFT JOIN read_csv('{src}/accounts.csv', all_varchar=true) a USING (account_id)
  LEFT JOIN read_csv('{src}/contacts.csv', all_varchar=true) c ON c.contact_id = l.contact_id
  LEFT JOIN won w ON w.lead_id = l.lead_id
  ORDER BY l.lead_id LIMIT {limit} OFFSET {offset}
) TO '{out}' (HEADER, DELIMITER ',')''')
report()
"""

# The command line, in a child process; its peak memory is the child's.
CLI = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
out = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
if out.returncode:
    raise SystemExit(out.stderr)
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
report(seconds=seconds, child_peak_mb=child, document=json.loads(out.stdout))
"""

REFERENCE = """
import sys, time, numpy as np, pyarrow.csv as pacsv, pyarrow.compute as pc
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from pipefit.scoring.baselines import fit_frequency_tables
from pipefit.scoring.frame import FrameSpec, plan_columns
train = pacsv.read_csv(sys.argv[1]).slice(0, 200_000)
new = pacsv.read_csv(sys.argv[2])
numbers, categories, _ = plan_columns(train, target="Won", exclude=["Lead Status"])
def arrays(table):
    nums = np.column_stack([pc.cast(table[c], "float64").to_numpy(zero_copy_only=False)
                            for c in numbers])
    cats = np.column_stack([pc.cast(pc.fill_null(pc.cast(table[c], "string"), ""), "string")
                            .to_numpy(zero_copy_only=False) for c in categories])
    return np.column_stack([nums.astype(object), cats])
p = len(numbers)
plain = make_pipeline(
    ColumnTransformer([
        ("n", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), list(range(p))),
        ("c", OneHotEncoder(handle_unknown="ignore"), list(range(p, p + len(categories)))),
    ]),
    LogisticRegression(max_iter=1000),
)
y = train["Won"].to_numpy()
plain.fit(arrays(train), y)
X = arrays(new)
start = time.perf_counter()
plain.predict_proba(X)
lr_seconds = time.perf_counter() - start
spec = FrameSpec.fit(train, numbers, categories)
codes, sizes = spec.encode(train).field_codes()
tables = fit_frequency_tables(codes, sizes, y)
new_codes, _ = spec.encode(new).field_codes()
start = time.perf_counter()
tables.predict(new_codes)
nb_seconds = time.perf_counter() - start
report(rows=new.num_rows, logistic_regression_seconds=lr_seconds, naive_bayes_seconds=nb_seconds)
"""


def _flat_files(opportunities: int, seed: int) -> tuple[Path, Path]:
    data = WORK / f"company-{opportunities}-{seed}"
    if not (data / "leads.csv").exists():
        print(f"generating {opportunities:,} opportunities in {data} ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pipefit.cli", "generate", "--out", str(data),
             "--opportunities", str(opportunities), "--seed", str(seed)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    rows = min(1_000_000, opportunities)  # the company has 1.3 leads per opportunity
    train = WORK / f"leads-train-{rows}-{seed}.csv"
    new = WORK / f"leads-new-{rows}-{seed}.csv"
    for path, offset in ((train, 0), (new, round(0.3 * rows))):
        if not path.exists():
            print(f"flattening {path.name} ...", file=sys.stderr)
            run_measured(FLATTEN, str(data), str(rows), str(offset), str(path))
    return train, new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    train, new = _flat_files(args.opportunities, args.seed)
    work = WORK / "leads-score"
    work.mkdir(parents=True, exist_ok=True)
    model, scored = work / "model.joblib", work / "scored.csv"
    pipefit = str(Path(sys.executable).parent / "pipefit")
    trained = run_measured(
        CLI, pipefit, "leads", "score", str(train), "--target", "Won", "--folds", "0",
        "--save-model", str(model), "--format", "json",
    )  # fmt: skip
    scoring = run_measured(
        CLI, pipefit, "leads", "score", str(new), "--model", str(model), "--out", str(scored),
        "--format", "json",
    )  # fmt: skip
    reference = run_measured(REFERENCE, str(train), str(new))
    doc = scoring["document"]
    rows = doc["rows"]
    phases = doc["seconds"]
    batch_rate = rows / phases["score"]
    end_to_end = rows / (phases["read"] + phases["score"] + phases["write"])
    figures = {
        "train_rows": trained["document"]["rows"],
        "train_seconds": round(trained["seconds"], 2),
        "train_phases": trained["document"]["seconds"],
        "train_peak_rss_mb": trained["child_peak_mb"],
        "score_rows": rows,
        "score_leads_per_second": round(batch_rate),
        "score_with_csv_io_leads_per_second": round(end_to_end),
        "score_command_seconds": round(scoring["seconds"], 2),
        "score_phases": phases,
        "score_peak_rss_mb": scoring["child_peak_mb"],
        "reference_logistic_regression_leads_per_second": round(
            rows / reference["logistic_regression_seconds"]
        ),
        "reference_naive_bayes_leads_per_second": round(rows / reference["naive_bayes_seconds"]),
        "targets": {"score_leads_per_second": 200_000, "train_seconds": 60, "peak_rss_mb": 3072},
        "leaky_fields": trained["document"]["leaky_fields"],
        "machine": machine(),
    }
    if args.json:
        print(json.dumps(figures))
        return
    peak = max(figures["train_peak_rss_mb"], figures["score_peak_rss_mb"])

    def met(flag: bool) -> str:
        return "met" if flag else "NOT MET"

    print(f"pipefit leads score, {rows:,} leads ({machine()})")
    print(
        f"  train   {figures['train_rows']:>10,} leads in {figures['train_seconds']:>6.1f} s "
        f"(command, wall)          target <= 60 s: {met(figures['train_seconds'] <= 60)}"
    )
    print(
        f"  score   {batch_rate:>10,.0f} leads/s (encode, predict, bands, reasons)  "
        f"target >= 200,000: {met(batch_rate >= 200_000)}"
    )
    print(f"          {end_to_end:>10,.0f} leads/s counting CSV read and write")
    print(
        f"  reference: plain logistic regression "
        f"{figures['reference_logistic_regression_leads_per_second']:,} leads/s, "
        f"Odoo-style naive Bayes {figures['reference_naive_bayes_leads_per_second']:,} leads/s"
    )
    print(f"  peak memory {peak:,} MB  target < 3,072 MB: {met(peak < 3072)}")
    print(f"  phases: train {figures['train_phases']}, score {phases}")


if __name__ == "__main__":
    main()
