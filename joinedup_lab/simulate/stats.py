"""Measures a simulated authority against its targets: children's-social-care rates per 10,000 children."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

TARGETS_PER_10K = {
    "referrals_per_year": 550.0,
    "cin_31_march": 340.0,
    "cpp_31_march": 42.0,
    "cla_31_march": 70.0,
}


def _age(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def csc_rates(out_dir: Path | str) -> dict[str, float]:
    """Referrals a year and children in need, on a plan and looked after on each 31 March, per 10,000 children."""
    out = Path(out_dir)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    start = date.fromisoformat(manifest["config"]["start"])
    years = int(manifest["config"]["years"])
    snapshots = [date(start.year + k + 1, start.month, start.day).toordinal() - 1 for k in range(years)]
    with (out / "truth" / "persons.csv").open(encoding="utf-8") as f:
        dobs = {
            r["person_id"]: date.fromisoformat(r["dob"])
            for r in csv.DictReader(f)
            if r["role"] == "child" and r["born"] == "true"
        }
    children_at = [
        sum(1 for d in dobs.values() if d.toordinal() <= s and _age(d, date.fromordinal(s)) < 18)
        for s in snapshots
    ]
    open_on: dict[str, list[set[str]]] = {
        k: [set() for _ in snapshots] for k in ("cin", "cp_plan", "looked_after")
    }
    with (out / "truth" / "csc_episodes.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            s = date.fromisoformat(r["start_on"]).toordinal()
            e = date.fromisoformat(r["end_on"]).toordinal() if r["end_on"] else 10**9
            for i, snap in enumerate(snapshots):
                if s <= snap < e:
                    open_on[r["kind"]][i].add(r["person_id"])
    referrals = 0
    end = snapshots[-1]
    with (out / "agencies" / "northbrook-childrens-services" / "records.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if '"kind":"referral"' in line:
                rec = json.loads(line)
                day = date.fromisoformat(rec["occurred_at"][:10]).toordinal()
                if rec["version"] == 1 and start.toordinal() <= day <= end:
                    referrals += 1
    child_years = sum(children_at)
    per = 10000.0

    def avg(kind: str) -> float:
        return per * sum(len(s) for s in open_on[kind]) / child_years

    return {
        "referrals_per_year": per * referrals / child_years,
        "cin_31_march": avg("cin"),
        "cpp_31_march": avg("cp_plan"),
        "cla_31_march": avg("looked_after"),
        "children": float(children_at[0]),
        "referrals_per_month": referrals / (12 * years),
    }
