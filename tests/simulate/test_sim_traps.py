"""The identity traps of issue 14 happen at their configured rates, are labelled in the truth, and are scored."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from joinedup_lab.benches.traps import load_labels, trap_scores
from joinedup_lab.simulate.agencies import BY_ID
from joinedup_lab.simulate.generate import SimulationConfig, generate
from joinedup_lab.simulate.noise import Held
from joinedup_lab.simulate.population import Person
from joinedup_lab.simulate.streams import age_on
from joinedup_lab.simulate.traps import (
    AGE_RECORDING_KINDS,
    DOB_LABELS,
    ESTIMATING_KINDS,
    NOISE_LABELS,
    RECORD_TRAPS,
    TRANSLITERATIONS,
    apply_record_traps,
)

from .helpers import records, truth

TRAPPY = (
    SimulationConfig(children=1500, years=1, seed=13)
    .with_rates(twin_births=0.08, triplet_births=0.01, son_named_after_father=0.3, surname_deed_poll=0.2)
    .with_noise(nhs_sibling=0.1, dob_estimated=0.2, given_initial=0.1, surname_upper=0.2, surname_hyphenated=0.3,
                age_only=0.2)
)
FORMAT_TRAPS_OFF = {"dob_estimated_flagged": 0.0, "age_only": 0.0, "surname_changed": 0.0}


def _close(observed: int, n: int, p: float) -> bool:
    sd = (p * (1 - p) / n) ** 0.5
    return abs(observed / n - p) <= max(4 * sd, 0.01)


@pytest.fixture(scope="module")
def trappy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("trappy")
    generate(TRAPPY, out, progress=False)
    return out


def _first_mentions(out: Path) -> dict[tuple[str, str], dict]:
    """The first version-1 mention written under each agency-held identity, with a usable forename (and the
    record's day as `_on`)."""
    held: dict[tuple[str, str], dict] = {}
    for rec in records(out):
        if rec["version"] != 1:
            continue
        for m in rec["mentions"]:
            if m.get("local_person_id") and m.get("given_name") not in (None, "Baby"):
                day = rec.get("occurred_on") or rec["occurred_at"][:10]
                held.setdefault((rec["agency_id"], m["local_person_id"]), dict(m, _on=day))
    return held


def _owners(out: Path) -> dict[tuple[str, str], str]:
    """The true person of each agency-held identity (agency, local person id)."""
    by_mention = {(r["agency_id"], r["source_record_id"], r["mention_id"]): r["person_id"]
                  for r in truth(out, "mentions.csv")}
    owners = {}
    for rec in records(out):
        for m in rec["mentions"]:
            if m.get("local_person_id"):
                owners[(rec["agency_id"], m["local_person_id"])] = by_mention[
                    (rec["agency_id"], rec["source_record_id"], m["mention_id"])]
    return owners


def test_multiple_births_happen_at_the_configured_rates(trappy: Path) -> None:
    births = Counter((p["household_id"], p["dob"]) for p in truth(trappy, "persons.csv") if p["role"] == "child")
    sizes = Counter(births.values())
    n = sum(sizes.values())
    assert n > 1000
    assert _close(sizes[2], n, 0.08) and _close(sizes[3], n, 0.01) and not set(sizes) - {1, 2, 3}


def test_twins_and_multiple_births_are_labelled_consistently(trappy: Path) -> None:
    persons = {p["person_id"]: p for p in truth(trappy, "persons.csv")}
    spells = defaultdict(list)
    for s in truth(trappy, "households.csv"):
        spells[s["person_id"]].append((s["address_id"], s["from_on"]))
    groups = defaultdict(list)
    for row in truth(trappy, "traps.csv"):
        if row["trap"] in ("twin", "multiple_birth"):
            assert not row["agency_id"] and not row["local_person_id"]
            groups[(row["trap"], row["detail"])].append(persons[row["person_id"]])
    assert groups
    births = Counter((p["household_id"], p["dob"]) for p in persons.values() if p["role"] == "child")
    assert len(groups) == sum(1 for n in births.values() if n > 1)  # every multiple birth labelled, no more
    for (trap, _), members in groups.items():
        assert len(members) == (2 if trap == "twin" else 3)
        assert len({(p["family_name"], p["dob"], p["household_id"]) for p in members}) == 1
        assert len({p["given_name"] for p in members}) == len(members)
        assert len({p["nhs_number"] for p in members}) == len(members)
        assert len({tuple(spells[p["person_id"]]) for p in members}) == 1  # one home, always


def test_father_and_son_of_one_name(trappy: Path) -> None:
    persons = {p["person_id"]: p for p in truth(trappy, "persons.csv")}
    pairs = defaultdict(list)
    for row in truth(trappy, "traps.csv"):
        if row["trap"] == "father_son_name":
            pairs[row["detail"]].append(persons[row["person_id"]])
    assert len(pairs) > 30
    for members in pairs.values():
        father, son = sorted(members, key=lambda p: p["dob"])
        assert son["role"] == "child" and son["sex"] == "male" and father["sex"] == "male"
        assert (father["given_name"], father["family_name"]) == (son["given_name"], son["family_name"])
        assert father["household_id"] == son["household_id"] and father["dob"] < son["dob"]


def test_record_traps_are_labelled_and_carried_by_the_records(trappy: Path) -> None:
    persons = {p["person_id"]: p for p in truth(trappy, "persons.csv")}
    first = _first_mentions(trappy)
    rows = truth(trappy, "traps.csv")
    estimated = {(r["trap"], r["agency_id"], r["local_person_id"], r["detail"]) for r in rows}
    seen = Counter()
    for row in rows:
        m = first.get((row["agency_id"], row["local_person_id"]))
        if m is None:
            continue
        person = persons[row["person_id"]]
        seen[row["trap"]] += 1
        if row["trap"] == "nhs_sibling":
            sib = persons[row["detail"]]
            assert sib["household_id"] == person["household_id"] and sib["role"] == person["role"] == "child"
            assert m.get("nhs_number") == sib["nhs_number"] != person["nhs_number"]
        elif row["trap"] == "dob_estimated":
            assert BY_ID[row["agency_id"]].kind in ESTIMATING_KINDS
            assert abs(int(m["dob"][:4]) - int(person["dob"][:4])) <= 1 and m["dob"][8:] in ("01", "15")
        elif row["trap"] == "given_transliterated":
            assert row["detail"] in TRANSLITERATIONS[person["given_name"]]
            assert m["given_name"] in (row["detail"], row["detail"][0], row["detail"][0] + ".")  # or then an initial
        elif row["trap"] == "given_initial":
            assert m["given_name"] == row["detail"] and len(m["given_name"].rstrip(".")) == 1
        elif row["trap"] == "surname_upper":
            assert m["family_name"].isupper() and m["family_name"] == row["detail"]
        elif row["trap"] == "surname_hyphenated":
            assert "-" in m["family_name"] and row["detail"].lower() == m["family_name"].lower()
        elif row["trap"] == "dob_estimated_flagged":
            assert m["dob_estimated"] is True and m["dob"][8:] in ("01", "15")
            assert ("dob_estimated", row["agency_id"], row["local_person_id"], row["detail"]) in estimated
        elif row["trap"] == "age_only":
            assert BY_ID[row["agency_id"]].kind in AGE_RECORDING_KINDS and person["role"] != "child"
            assert "dob" not in m and "dob_estimated" not in m
            true_age = age_on(date.fromisoformat(person["dob"]).toordinal(), date.fromisoformat(m["_on"]).toordinal())
            assert m["age"] == true_age + int(row["detail"]) and -2 <= int(row["detail"]) <= 2
        elif row["trap"] == "surname_changed":
            assert row["detail"] == person["previous_family_name"] != ""
            assert m["other_names"] == [{"family_name": row["detail"], "kind": "former"}]
            assert m["family_name"].lower() != row["detail"].lower()
        elif row["trap"] == "previous_surname":
            assert m["family_name"].lower() == person["previous_family_name"].lower() == row["detail"].lower()
    assert all(seen[t] > 20 for t in RECORD_TRAPS), seen
    assert all(seen[t] > 0 for t in NOISE_LABELS), seen
    assert all(r["detail"] == "" for r in rows if r["trap"] == "dob_missing")


def test_held_identity_traps_happen_at_the_configured_rates(trappy: Path) -> None:
    first = _first_mentions(trappy)
    labelled = {(r["agency_id"], r["local_person_id"], r["trap"]) for r in truth(trappy, "traps.csv")}
    n = len(first)
    initials = sum(1 for k in first if (*k, "given_initial") in labelled)
    upper = sum(1 for k in first if (*k, "surname_upper") in labelled)
    assert n > 5000 and _close(initials, n, 0.1) and _close(upper, n, 0.2)
    dated = [k for k, m in first.items() if BY_ID[k[0]].kind in ESTIMATING_KINDS and m.get("dob")]
    estimated = sum(1 for k in dated if (*k, "dob_estimated") in labelled)
    assert len(dated) > 1000 and _close(estimated, len(dated), 0.2)


@pytest.mark.parametrize(
    ("trap", "eligible"),
    [("nhs_sibling", 0.1), ("dob_estimated", 0.2), ("given_initial", 0.1), ("surname_upper", 0.2),
     ("surname_hyphenated", 0.3), ("given_transliterated", 0.25)],
)
def test_each_record_trap_at_its_rate_on_eligible_identities(trap: str, eligible: float) -> None:
    rng = random.Random(4)
    p = {t: 0.0 for t in RECORD_TRAPS} | {trap: eligible}
    police = BY_ID[next(a for a in BY_ID if BY_ID[a].kind == "police")]
    n = 4000
    hits = 0
    for i in range(n):
        child = Person(f"P{i}", "Muhammad", "Ashworth", "male", 738000, "child", "9990000018")
        child.other_family, child.sibling_nhs = "Okafor", (("P-sib", "9990000026"),)
        held = Held("L1", "Muhammad", "Ashworth", "2021-06-09", "9990000018", None, "male")
        got = apply_record_traps(rng, p, police, child, held)
        assert {t for t, _ in got} <= {trap}
        hits += bool(got)
    assert _close(hits, n, eligible)


def test_no_record_traps_or_noise_labels_without_noise(tmp_path: Path) -> None:
    generate(TRAPPY.with_noise(scale=0.0), tmp_path, progress=False)
    kinds = Counter(r["trap"] for r in truth(tmp_path, "traps.csv"))
    assert kinds["twin"] > 0 and kinds["father_son_name"] > 0  # the population is not noise
    assert kinds["dob_missing"] > 0  # coverage, not noise
    assert not set(kinds) & (set(RECORD_TRAPS) | set(NOISE_LABELS) - {"dob_missing"}), kinds


def test_trap_scores_on_a_hand_made_example(tmp_path: Path) -> None:
    # truth: twins A and B (3 mentions each), C with one estimated-dob mention among 3
    truth_ids = ["A", "A", "A", "B", "B", "B", "C", "C", "C"]
    predicted = [1, 1, 2, 1, 3, 3, 4, 4, 5]  # A's first two merged with B's first; A's third and C's third split
    twin = [("twin", "g1")]
    est = [("dob_estimated", None)]
    labels = [twin] * 6 + [[], [], est]
    got = trap_scores(truth_ids, predicted, labels)
    # twin: true pairs 3 + 3; found pairs in cluster 1 (3 mentions: 3 pairs) and 3 (1 pair) = 4, of which 2 correct
    assert got["twin"] == {
        "mentions": 6, "persons": 2, "true_pairs": 6, "wrongly_merged": 2, "missed": 4,
        "groups": 1, "groups_merged": 1, "within_group_merged": 2,
    }
    # estimated dob on C's third mention: its true pairs are 2, both missed; nothing merged wrongly
    assert got["dob_estimated"] == {"mentions": 1, "persons": 1, "true_pairs": 2, "wrongly_merged": 0, "missed": 2}
    # the same example read back through truth/traps.csv
    (tmp_path / "truth").mkdir()
    (tmp_path / "truth" / "traps.csv").write_text(
        "trap,person_id,agency_id,local_person_id,detail\n"
        "twin,A,,,g1\ntwin,B,,,g1\ndob_estimated,C,police,X9,jan1\n", encoding="utf-8"
    )
    mentions = [{"agency": "gp", "local_person_id": "L"}] * 8 + [{"agency": "police", "local_person_id": "X9"}]
    assert load_labels(tmp_path, mentions, truth_ids) == labels


def test_bench_linkage_reports_every_trap_of_a_small_authority() -> None:
    import io

    from joinedup_lab.benches.linkage import run

    out = io.StringIO()
    result = run(dataset="simulated", children=150, mentions=None, seed=2, engine="duckdb", out=out)
    by_trap = result["by_trap"]
    assert {"twin", "surname_upper", "given_initial", "dob_estimated"} <= set(by_trap), sorted(by_trap)
    for row in by_trap.values():
        assert 0 <= row["missed"] <= row["true_pairs"] and row["wrongly_merged"] >= 0
    assert "groups_merged" in by_trap["twin"] and "precision" in result
    assert "by trap and noise" in out.getvalue()


# --- the traps of the format's dob_estimated, age and other_names ------------------------------------------


def test_every_mention_carries_the_new_fields_exactly_when_labelled(trappy: Path) -> None:
    labelled = {(r["agency_id"], r["local_person_id"], r["trap"]) for r in truth(trappy, "traps.csv")}
    seen = Counter()
    for rec in records(trappy):
        for m in rec["mentions"]:
            if not m.get("local_person_id") or m["role"] == "unborn":
                assert not {"age", "dob_estimated", "other_names"} & set(m)
                continue
            key = (rec["agency_id"], m["local_person_id"])
            assert ("age" in m) == ((*key, "age_only") in labelled), (key, m)
            assert ("dob_estimated" in m) == ((*key, "dob_estimated_flagged") in labelled), (key, m)
            assert ("other_names" in m) == ((*key, "surname_changed") in labelled), (key, m)
            assert "dob_estimated" not in m or m["dob_estimated"] is True  # unflagged estimates carry no flag
            seen.update(k for k in ("age", "dob_estimated", "other_names") if k in m)
    assert all(seen[k] > 50 for k in ("age", "dob_estimated", "other_names")), seen


def test_the_format_traps_happen_at_their_rates(trappy: Path) -> None:
    persons = {p["person_id"]: p for p in truth(trappy, "persons.csv")}
    rows = truth(trappy, "traps.csv")
    labelled = {(r["agency_id"], r["local_person_id"], r["trap"]) for r in rows}
    first, owners = _first_mentions(trappy), _owners(trappy)

    estimates = [(r["agency_id"], r["local_person_id"]) for r in rows if r["trap"] == "dob_estimated"]
    flagged = sum(1 for k in estimates if (*k, "dob_estimated_flagged") in labelled)
    assert len(estimates) > 200 and _close(flagged, len(estimates), 0.6)

    adults = [k for k, m in first.items() if BY_ID[k[0]].kind in AGE_RECORDING_KINDS
              and persons[owners[k]]["role"] != "child" and ("dob" in m or "age" in m)]
    aged = sum(1 for k in adults if (*k, "age_only") in labelled)
    assert len(adults) > 500 and _close(aged, len(adults), 0.2)
    offsets = Counter(int(r["detail"]) for r in rows if r["trap"] == "age_only")
    assert set(offsets) <= {-2, -1, 0, 1, 2} and _close(offsets[0], sum(offsets.values()), 0.5)

    changed = [k for k, m in first.items() if persons[owners[k]]["previous_family_name"]
               and m["family_name"].lower() != persons[owners[k]]["previous_family_name"].lower()]
    listed = sum(1 for k in changed if (*k, "surname_changed") in labelled)
    assert len(changed) > 300 and _close(listed, len(changed), 0.5)

    men = [p for p in persons.values() if p["sex"] == "male" and p["role"] != "child"]
    deed_poll = {p["person_id"] for p in men if p["previous_family_name"]}
    assert len(men) > 500 and _close(len(deed_poll), len(men), 0.2)
    theirs = [k for k, m in first.items() if owners[k] in deed_poll and (
        (*k, "previous_surname") in labelled or m["family_name"].lower() == persons[owners[k]]["family_name"].lower())]
    old = sum(1 for k in theirs if (*k, "previous_surname") in labelled)
    assert len(theirs) > 300 and _close(old, len(theirs), 0.3)  # held under the old surname, as mothers are


def test_the_format_traps_at_their_rates_and_leaving_the_other_traps_alone() -> None:
    p = {t: 0.0 for t in RECORD_TRAPS} | {"previous_surname": 0.3, "dob_estimated": 0.5, "surname_upper": 0.3,
                                          "dob_estimated_flagged": 0.6, "age_only": 0.25, "surname_changed": 0.5}
    police = BY_ID[next(a for a in BY_ID if BY_ID[a].kind == "police")]
    n, got = 4000, Counter()
    for i in range(n):
        man = Person(f"P{i}", "Dean", "Ashworth", "male", 720000, "partner", "9990000018", prev_family="Doyle")
        held = Held("L1", "Dean", "Ashworth", "1972-06-09", None, None, "male")
        alone = Held("L1", "Dean", "Ashworth", "1972-06-09", None, None, "male")
        with_format = apply_record_traps(random.Random(i), p, police, man, held, random.Random(-i))
        without = apply_record_traps(random.Random(i), p, police, man, alone)  # the older traps alone
        assert [t for t in with_format if t[0] not in ("dob_estimated_flagged", "age_only", "surname_changed")] == [
            t for t in without if held.age_offset is None or t[0] not in DOB_LABELS]
        got.update(t for t, _ in with_format)
        got["estimated_shown"] += any(t == "dob_estimated" for t, _ in without) and held.age_offset is None
        assert (held.age_offset is None) == (held.dob is not None)
        assert held.other_names in ((), ({"family_name": "Doyle", "kind": "former"},))
    assert _close(got["age_only"], n, 0.25) and _close(got["surname_changed"], n, 0.5)
    assert _close(got["dob_estimated_flagged"], got["estimated_shown"], 0.6)
    child = Person("C", "Amy", "Ashworth", "female", 738000, "child", "9990000026", prev_family="Doyle")
    for i in range(200):  # children: never an age instead of a date of birth
        held = Held("L2", "Amy", "Ashworth", "2021-06-09", None, None, "female")
        apply_record_traps(random.Random(i), p | {"age_only": 1.0}, police, child, held, random.Random(i))
        assert held.age_offset is None and held.dob is not None


SWITCH = (
    SimulationConfig(children=600, years=1, seed=21)
    .with_rates(surname_deed_poll=0.3)
    .with_noise(dob_estimated=0.3, age_only=0.3, nhs_sibling=0.1, surname_upper=0.2)
)


@pytest.fixture(scope="module")
def switch_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("switch-base")
    generate(SWITCH, out, progress=False)
    return out


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("trap", ["dob_estimated_flagged", "age_only", "surname_changed", "surname_deed_poll"])
def test_switching_a_format_trap_off_changes_only_what_it_did(switch_base: Path, tmp_path: Path, trap: str) -> None:
    off = SWITCH.with_rates(surname_deed_poll=0.0) if trap == "surname_deed_poll" else SWITCH.with_noise(**{trap: 0.0})
    generate(off, tmp_path, progress=False)
    base_rows, off_rows = truth(switch_base, "traps.csv"), truth(tmp_path, "traps.csv")
    base_labels = {(r["agency_id"], r["local_person_id"], r["trap"]) for r in base_rows}
    persons = {p["person_id"]: p for p in truth(switch_base, "persons.csv")}
    deed_poll = {pid for pid, p in persons.items() if p["sex"] == "male" and p["role"] != "child"
                 and p["previous_family_name"]}
    touched: set[tuple[str, str]]  # identities the trap changed
    if trap == "surname_deed_poll":
        touched = {k for k, pid in _owners(switch_base).items() if pid in deed_poll} | {
            (r["agency_id"], r["local_person_id"]) for r in base_rows + off_rows if r["person_id"] in deed_poll}
        assert deed_poll and truth(tmp_path, "persons.csv") == [
            dict(p, previous_family_name="" if p["person_id"] in deed_poll else p["previous_family_name"])
            for p in persons.values()]
    else:
        touched = {(a, local) for a, local, t in base_labels if t == trap}
    assert touched

    differ = ("traps.csv", "manifest.json", "records.jsonl", "records.csv", "bundles.jsonl")
    differ += ("persons.csv",) if trap == "surname_deed_poll" else ()
    before, after = _files(switch_base), _files(tmp_path)
    assert before.keys() == after.keys()
    assert {k for k in before if before[k] != after[k]} <= {k for k in before if k.endswith(differ)}
    # every label of an identity the trap did not touch is as it was, in the same order
    assert [r for r in base_rows if (r["agency_id"], r["local_person_id"]) not in touched] == [
        r for r in off_rows if (r["agency_id"], r["local_person_id"]) not in touched]
    assert not {r["trap"] for r in off_rows} & ({trap} if trap != "surname_deed_poll" else set())
    # every record is the same but for the mentions of touched identities, and those only in what the trap sets
    fields = {"dob_estimated_flagged": {"dob_estimated"}, "age_only": {"age", "dob", "dob_estimated"},
              "surname_changed": {"other_names"}, "surname_deed_poll": {"family_name", "other_names"}}[trap]
    n = 0
    for a, b in zip(records(switch_base), records(tmp_path), strict=True):
        assert {k: v for k, v in a.items() if k != "mentions"} == {k: v for k, v in b.items() if k != "mentions"}
        for ma, mb in zip(a["mentions"], b["mentions"], strict=True):
            if (a["agency_id"], ma.get("local_person_id")) in touched:
                n += ma != mb
                ma, mb = ({k: v for k, v in m.items() if k not in fields} for m in (ma, mb))
            assert ma == mb
    assert n > 0
