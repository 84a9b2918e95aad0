"""`joinedup bench alerts`: a hand-made authority whose every figure is known, and a small simulated one whose
baselines are checked against the truth. No database (the replay is in memory)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from joinedup.alerts.rules.base import CONTEXT_ONLY
from joinedup.alerts.rules.catalogue import RULES
from joinedup.people.services import default_model
from joinedup_lab.benches import alerts as bench
from joinedup_lab.simulate.generate import SimulationConfig, generate
from joinedup_lab.simulate.identifiers import nhs_check_digit

# --- a hand-made authority ---------------------------------------------------------------------------------

HOSPITAL, GP = "fixture-hospital", "fixture-surgery"
START = dt.date(2024, 1, 1)


def _nhs(n: int) -> str:
    body = 943_000_000 + n
    while nhs_check_digit(f"{body:09d}") is None:
        body += 1
    return f"{body:09d}{nhs_check_digit(f'{body:09d}')}"


# truth id, given, family, dob, sex, NHS number, address
CHILDREN = {
    "amy": ("T-AMY", "Amelia", "Thornbury", "2022-05-03", "female", _nhs(1), ("3 Quarry Row", "FX1 1AA")),
    "ben": ("T-BEN", "Benedict", "Okonkwo", "2020-11-21", "male", _nhs(200), ("9 Sallow Street", "FX2 2BB")),
    "cara": ("T-CARA", "Cara", "Lindqvist", "2019-02-14", "female", _nhs(400), ("41 Weir Lane", "FX3 3CC")),
}
OUTCOME = dt.date(2024, 6, 1)


def _record(agency: str, srid: str, who: str, day: str, *, injury: bool = False) -> dict:
    _t, given, family, dob, sex, nhs, (line, postcode) = CHILDREN[who]
    detail: dict = {"code": "review", "author_role": "GP"}
    if injury:
        detail = {"code": "injury", "author_role": "Emergency department nurse",
                  "injury": {"site": "forearm", "description": "bruise", "explanation_given": "fell"}}
    return {
        "schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "fixture", "source_record_id": srid,
        "version": 1, "kind": "ed_attendance" if injury else "consultation", "occurred_on": day,
        "recorded_at": f"{day}T15:00:00Z", "detail": detail,
        "mentions": [{"mention_id": "m1", "role": "patient", "given_name": given, "family_name": family, "dob": dob,
                      "sex": sex, "nhs_number": nhs, "local_person_id": f"{agency}-{who}",
                      "address": {"lines": [line, "Fixtureton"], "postcode": postcode}}],
    }


RECORDS = [
    _record(GP, "GP-1", "amy", "2024-02-10"),  # Amy, in harm since 1 February: not evidence of it
    _record(HOSPITAL, "ED-1", "amy", "2024-03-01", injury=True),  # the truth's evidence of Amy's harm
    _record(GP, "GP-2", "ben", "2024-03-10"),
    _record(HOSPITAL, "ED-2", "cara", "2024-04-01", injury=True),  # an accident: no harm
    _record(GP, "GP-3", "amy", "2024-07-01"),  # after the outcome
]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture(scope="module")
def fixture_authority(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fixture-authority")
    (root / "manifest.json").write_text(json.dumps({"config": {"start": START.isoformat(), "years": 1}}))
    (root / "agencies.json").write_text(json.dumps([
        {"id": HOSPITAL, "name": "Fixture Hospital", "kind": "acute_hospital", "format": "jsonl"},
        {"id": GP, "name": "Fixture Surgery", "kind": "gp_practice", "format": "jsonl"}]))
    for agency in (HOSPITAL, GP):
        folder = root / "agencies" / agency
        folder.mkdir(parents=True)
        (folder / "records.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in RECORDS if r["agency_id"] == agency))
    truth = root / "truth"
    truth.mkdir()
    _write_csv(truth / "mentions.csv", ["agency_id", "source_record_id", "mention_id", "person_id"],
               [[r["agency_id"], r["source_record_id"], "m1", CHILDREN[r["mentions"][0]["local_person_id"].split("-")[-1]][0]]
                for r in RECORDS])
    _write_csv(truth / "persons.csv", ["person_id", "given_name", "family_name", "sex", "dob"],
               [[t, g, f, s, d] for t, g, f, d, s, _n, _a in CHILDREN.values()])
    _write_csv(truth / "harm_episodes.csv", ["episode_id", "person_id", "kind", "onset_on", "outcome_on", "outcome"],
               [["E1", "T-AMY", "physical_abuse", "2024-02-01", OUTCOME.isoformat(), "serious_injury"]])
    _write_csv(truth / "harm_evidence.csv", ["episode_id", "agency_id", "source_record_id"], [["E1", HOSPITAL, "ED-1"]])
    return root


@pytest.fixture(scope="module")
def fixture_result(fixture_authority):
    return bench.replay(fixture_authority, model=default_model(), warmup_days=0, keep_alerts=True,
                        progress=lambda _msg: None)


def test_the_fixture_is_identified_as_three_children(fixture_result):
    assert fixture_result["children"] == 3 and fixture_result["harmed_children"] == 1
    assert {a["truth_person_id"] for a in fixture_result["alerts"]} <= {"T-AMY", "T-BEN", "T-CARA"}


def test_any_record_detects_the_episode_only_when_an_alert_cites_the_evidence(fixture_result):
    g = fixture_result["groups"]["any_record"]
    # Amy's alert is raised on 10 February citing a record that is no evidence of her harm; it counts when the
    # hospital's record (the evidence) joins it on 1 March: 92 days before the outcome.
    assert g["episodes"] == 1 and g["detected"] == 1 and g["median_lead_days"] == (OUTCOME - dt.date(2024, 3, 1)).days
    assert g["alerts_raised"] == 3 and g["alerts_updated"] == 2  # Amy, Ben, Cara; Amy's updated on 1 March and 1 July
    assert g["alerts_on_harmed_children"] == 1 and g["ppv"] == round(1 / 3, 4)
    assert g["sensitivity"] == 1.0 and g["specificity"] == 0.0  # Ben and Cara both alerted
    child_months = 3 * (dt.date(2025, 1, 1) - START).days / (365.25 / 12)
    assert g["alerts_per_1000_children_per_month"] == round(1000 * 5 / child_months, 2)
    # open from each child's first record to the end of the year (the window never empties in between)
    days = sum((dt.date(2025, 1, 1) - dt.date.fromisoformat(d)).days for d in ("2024-02-10", "2024-03-10", "2024-04-01"))
    assert g["alert_days_per_1000_child_months"] == pytest.approx(1000 * (days - 3 * 15 / 24) / child_months, abs=0.02)


def test_any_injury_raises_on_the_two_injuries_and_detects_the_harm(fixture_result):
    g = fixture_result["groups"]["any_injury"]
    assert g["detected"] == 1 and g["median_lead_days"] == 92
    assert g["alerts_raised"] == 2 and g["ppv"] == 0.5 and g["specificity"] == 0.5  # Ben had no injury


def test_without_the_evidence_in_the_truth_an_alert_on_the_victim_detects_nothing(fixture_authority, tmp_path):
    import shutil

    copy = tmp_path / "authority"
    shutil.copytree(fixture_authority, copy)
    _write_csv(copy / "truth" / "harm_evidence.csv", ["episode_id", "agency_id", "source_record_id"],
               [["E1", GP, "GP-3"]])  # a record after the outcome: no alert before the outcome cites it
    out = bench.replay(copy, model=default_model(), warmup_days=0, progress=lambda _msg: None)
    assert {g: out["groups"][g]["detected"] for g in bench.GROUPS} == {g: 0 for g in bench.GROUPS}
    (copy / "truth" / "harm_evidence.csv").unlink()
    with pytest.raises(ValueError, match=r"harm_evidence\.csv"):
        bench.replay(copy, model=default_model(), warmup_days=0, progress=lambda _msg: None)


# --- a small simulated authority ------------------------------------------------------------------------------


def _simulate(children: int, seed: int, years: int, folder: Path) -> None:
    config = SimulationConfig(children=children, seed=seed, years=years).with_rates(harm_children_per_10k=150)
    generate(config, folder, progress=False)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """`bench.run` as the command runs it, the truth kept aside to check it against. 300 children over one year
    (a sixth of the time of the 700 over two years it was): still 7 harm episodes, alerts of every group on harmed
    and unharmed children, every age band and both sexes. A real authority's size is `joinedup bench alerts`'s."""
    import shutil

    kept = tmp_path_factory.mktemp("simulated")

    def simulate(children: int, seed: int, years: int, folder: Path) -> None:
        _simulate(children, seed, years, folder)
        shutil.copytree(folder / "truth", kept / "truth")

    lines: list[str] = []
    out = bench.run(300, 3, years=1, progress=lines.append, simulate=simulate, keep_alerts=True)
    return out, lines, kept


def test_every_group_is_reported_with_the_catalogue_per_rule(simulated):
    out, lines, _folder = simulated
    assert set(out["groups"]) == {"catalogue", "any_record", "any_injury"}
    assert out["episodes"] > 0 and out["detection_rate"] == out["groups"]["catalogue"]["detection_rate"]
    catalogue = out["groups"]["catalogue"]
    assert {r.id for r in RULES if r.kind != CONTEXT_ONLY} == set(catalogue["by_rule"])
    assert sum(r["alerts_raised"] for r in catalogue["by_rule"].values()) == catalogue["alerts_raised"]
    assert sum(r["alerts_updated"] for r in catalogue["by_rule"].values()) == catalogue["alerts_updated"]
    assert sum(r["alerts_refreshed_quietly"] for r in catalogue["by_rule"].values()) == catalogue[
        "alerts_refreshed_quietly"]
    split = catalogue["child_risk_alerts_per_1000_children_per_month"] + catalogue[
        "process_failure_alerts_per_1000_children_per_month"]
    assert abs(split - catalogue["alerts_per_1000_children_per_month"]) <= 0.02
    assert set(catalogue["by_age_band"]) == {"0-1", "1-4", "5-10", "11-17"} and {"female", "male"} <= set(
        catalogue["by_sex"])
    assert set(out["targets"]) == {"detection_rate_at_least_0_85", "median_lead_at_least_30_days",
                                   "ppv_at_least_3x_any_injury", "at_most_20_alerts_per_1000_children_per_month",
                                   "at_most_20_child_risk_alerts_per_1000_children_per_month"}
    assert out["targets"]["at_most_20_child_risk_alerts_per_1000_children_per_month"] == (
        catalogue["child_risk_alerts_per_1000_children_per_month"] <= 20)
    assert out["targets"]["at_most_20_alerts_per_1000_children_per_month"] == (
        catalogue["alerts_per_1000_children_per_month"] <= 20)
    assert any("replayed" in line for line in lines)
    assert out["seed"] == 3 and out["holdout_seed"] is False and out["simulated_children"] == 300


def test_the_baselines_ppv_is_the_share_of_their_alerts_on_children_in_harm_by_the_truth(simulated):
    out, _lines, folder = simulated
    with (folder / "truth" / "harm_episodes.csv").open(encoding="utf-8") as f:
        spells = [(r["person_id"], dt.date.fromisoformat(r["onset_on"]), dt.date.fromisoformat(r["outcome_on"]))
                  for r in csv.DictReader(f)]
    for group in ("any_record", "any_injury", "catalogue"):
        alerts = [a for a in out["alerts"] if a["group"] == group]
        on_harm = sum(1 for a in alerts if any(p == a["truth_person_id"] and s <= a["at"].date() <= e
                                               for p, s, e in spells))
        assert out["groups"][group]["alerts_raised"] == len(alerts)
        assert out["groups"][group]["ppv"] == round(on_harm / len(alerts), 4)
    # any record alerts every child it sees: nothing is more sensitive, nothing less specific
    anyr = out["groups"]["any_record"]
    assert anyr["sensitivity"] >= out["groups"]["catalogue"]["sensitivity"]
    assert anyr["specificity"] <= out["groups"]["catalogue"]["specificity"]


def test_the_bench_needs_the_simulator_handed_to_it():
    with pytest.raises(ValueError, match="simulate"):
        bench.run(10, 1)
