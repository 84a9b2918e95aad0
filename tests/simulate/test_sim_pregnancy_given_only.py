"""A multiple pregnancy's antenatal records name all its unborn children; hidden adults written by first name alone."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from joinedup.ingest.schema import validator
from joinedup_lab.simulate import traps
from joinedup_lab.simulate.agencies import BY_ID, COMMUNITY
from joinedup_lab.simulate.generate import SimulationConfig, generate
from joinedup_lab.simulate.traps import GIVEN_ONLY_KINDS, GIVEN_ONLY_NOT_IN, MENTION_TRAPS, RECORD_TRAPS

from .helpers import records, truth

# Many births, twins and triplets, open cases, and hidden partners (every new partner undeclared, frequent
# incidents, many harm trajectories with a hidden adult), so that both changes have enough to be measured.
PREGNANT = (
    SimulationConfig(children=2500, years=2, seed=17)
    .with_rates(twin_births=0.3, triplet_births=0.05, births_per_woman_under43=0.3, new_partner_lone_mother=1.0,
                new_partner_undeclared=1.0, domestic_abuse_household=0.3, harm_children_per_10k=300,
                complex_household_share=0.3)
)
# identity fields a first-name-only mention never carries
NOT_WRITTEN = ("family_name", "dob", "dob_estimated", "age", "nhs_number", "upn", "address", "other_names",
               "local_person_id", "expected_due_on")


def _close(observed: int, n: int, p: float) -> bool:
    sd = (p * (1 - p) / n) ** 0.5
    return abs(observed / n - p) <= max(4 * sd, 0.01)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def pregnant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pregnant")
    generate(PREGNANT, out, progress=False)
    return out


def _owner(out: Path) -> dict[tuple[str, str, str], str]:
    return {(r["agency_id"], r["source_record_id"], r["mention_id"]): r["person_id"] for r in truth(out, "mentions.csv")}


# --- one pregnancy, one record -----------------------------------------------------------------------------


def test_a_multiple_pregnancy_is_named_in_full_in_each_antenatal_record(pregnant: Path) -> None:
    persons = {p["person_id"]: p for p in truth(pregnant, "persons.csv")}
    owner = _owner(pregnant)
    births: dict[str, list[str]] = defaultdict(list)  # group -> person ids, in birth order
    birth_of: dict[str, str] = {}
    for row in truth(pregnant, "traps.csv"):
        if row["trap"] in ("twin", "multiple_birth"):
            births[row["detail"]].append(row["person_id"])
            birth_of[row["person_id"]] = row["detail"]
    antenatal: Counter[str] = Counter()  # records per birth group
    sizes: Counter[int] = Counter()
    pre_birth: dict[tuple[str, str], set[tuple[str, str, str]]] = defaultdict(set)  # children's services
    v = validator()
    for rec in records(pregnant):
        unborn = [m for m in rec["mentions"] if m["role"] == "unborn"]
        if not unborn:
            continue
        who = [owner[(rec["agency_id"], rec["source_record_id"], m["mention_id"])] for m in unborn]
        assert len(set(who)) == len(who)  # one mention per unborn child
        group = birth_of.get(who[0])
        if rec["agency_id"] != COMMUNITY or group is None:  # a single birth, or children's services (per child)
            assert len(unborn) == 1 and unborn[0]["relationship_label"] == "unborn child", rec
            if group is not None and rec["version"] == 1 and "case_id" in rec["detail"]:  # a case's step (not
                when = rec.get("occurred_on") or rec["occurred_at"]  # the unborn child's registration)
                pre_birth[(group, rec["kind"])].add((rec["detail"]["case_id"], when, who[0]))
            continue
        assert v.is_valid(rec)
        # every unborn child of the birth, in order, each labelled by its place and mapped to that child
        assert who == births[group], rec
        word = "twin" if len(who) == 2 else "triplet"
        assert [m["relationship_label"] for m in unborn] == [f"unborn {word} {n}" for n in range(1, len(who) + 1)]
        assert len({m["mention_id"] for m in unborn}) == len(unborn)
        assert len({m["expected_due_on"] for m in unborn}) == 1  # one pregnancy, one due date
        assert all(m["sex"] == "unknown" and "given_name" not in m and "local_person_id" not in m for m in unborn)
        assert len({m["family_name"] for m in unborn}) == 1
        mother = [m for m in rec["mentions"] if m["role"] == "parent"]
        assert len(mother) == 1 and mother[0]["relationship_to_subject"] == "mother"
        mother_pid = owner[(rec["agency_id"], rec["source_record_id"], mother[0]["mention_id"])]
        assert persons[mother_pid]["role"] == "mother"
        assert persons[mother_pid]["household_id"] == persons[who[0]]["household_id"]
        if rec["version"] == 1:
            antenatal[group] += 1
            sizes[len(who)] += 1
    assert sizes[2] > 100 and sizes[3] > 10, sizes
    # the pregnancy's antenatal contacts are written once (four at most), not once per unborn child
    assert antenatal and max(antenatal.values()) <= 4
    # children's services: one pre-birth episode for the pregnancy, one case id per unborn child, the same days
    assert pre_birth
    for (group, _), written in pre_birth.items():
        assert sorted(pid for _, _, pid in written) == sorted(births[group])
        assert len({when for _, when, _ in written}) == 1
        assert len({case[:-2] for case, _, _ in written}) == 1 and len({case for case, _, _ in written}) == len(written)


def test_single_births_are_written_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no multiple births the authority is byte-identical to one whose records are written child by child
    (as before twins were grouped), and a single birth's antenatal record names its one unborn child."""
    config = SimulationConfig(children=500, years=2, seed=3).with_rates(twin_births=0.0, triplet_births=0.0)
    generate(config, tmp_path / "grouped", progress=False)
    monkeypatch.setattr(traps, "birth_group", lambda hh, child: [child])
    generate(config, tmp_path / "per-child", progress=False)
    assert _files(tmp_path / "grouped") == _files(tmp_path / "per-child")
    shapes = Counter()
    for rec in records(tmp_path / "grouped"):
        if rec["kind"] == "midwife_contact" and rec["detail"]["code"] == "antenatal":
            unborn = rec["mentions"][0]
            assert [m["role"] for m in rec["mentions"]] == ["unborn", "parent"]
            shapes[tuple(sorted(unborn))] += 1
            assert unborn["relationship_label"] == "unborn child"
    assert list(shapes) == [("expected_due_on", "family_name", "mention_id", "relationship_label", "role", "sex")]


# --- hidden adults by first name alone ---------------------------------------------------------------------


def _hidden_mentions(out: Path) -> list[tuple[dict, dict, str]]:
    """(record, mention, person id) for every version-1 mention of a hidden adult."""
    persons = {p["person_id"]: p for p in truth(out, "persons.csv")}
    owner = _owner(out)
    got = []
    for rec in records(out):
        if rec["version"] != 1:
            continue
        for m in rec["mentions"]:
            pid = owner[(rec["agency_id"], rec["source_record_id"], m["mention_id"])]
            if persons[pid]["hidden_adult"] == "true":
                got.append((rec, m, pid))
    return got


def _first_name_only(m: dict) -> bool:
    return "given_name" in m and not set(NOT_WRITTEN) & set(m)


def test_given_only_fires_at_its_rate_on_eligible_mentions(pregnant: Path) -> None:
    eligible = given = labelled = 0
    for rec, m, _ in _hidden_mentions(pregnant):
        kind = BY_ID[rec["agency_id"]].kind
        relationship_only = "given_name" not in m and "family_name" not in m
        if kind not in GIVEN_ONLY_KINDS or rec["kind"] in GIVEN_ONLY_NOT_IN or relationship_only:
            assert not _first_name_only(m), (rec["agency_id"], rec["kind"], m)
            continue
        eligible += 1
        if _first_name_only(m):
            given += 1
            labelled += "relationship_label" in m
    assert eligible > 300 and _close(given, eligible, 0.3), (given, eligible)
    assert _close(labelled, given, 0.7), (labelled, given)  # every eligible mention here has a description


def test_mentions_carry_a_first_name_alone_exactly_when_labelled(pregnant: Path) -> None:
    persons = {p["person_id"]: p for p in truth(pregnant, "persons.csv")}
    owner = _owner(pregnant)
    rows = [r for r in truth(pregnant, "traps.csv") if r["trap"] == "given_only"]
    labels = {(r["agency_id"], r["detail"]): r for r in rows}
    assert len(labels) == len(rows) > 100
    assert "given_only" in MENTION_TRAPS and "given_only" not in RECORD_TRAPS
    v = validator()
    seen = set()
    for rec in records(pregnant):
        for m in rec["mentions"]:
            key = (rec["agency_id"], f"{rec['source_record_id']}/{m['mention_id']}")
            row = labels.get(key)
            assert _first_name_only(m) == (row is not None), (key, m)
            if row is None:
                continue
            seen.add(key)
            pid = owner[(rec["agency_id"], rec["source_record_id"], m["mention_id"])]
            person = persons[pid]
            assert row["person_id"] == pid and row["local_person_id"] == "" and person["hidden_adult"] == "true"
            assert m["given_name"] == person["given_name"] and m["sex"] == person["sex"]
            assert BY_ID[rec["agency_id"]].kind in GIVEN_ONLY_KINDS and rec["kind"] not in GIVEN_ONLY_NOT_IN
            assert v.is_valid(rec), list(v.iter_errors(rec))
    assert seen == set(labels)


def test_switching_given_only_off_changes_only_those_mentions(pregnant: Path, tmp_path: Path) -> None:
    generate(PREGNANT.with_noise(given_only=0.0), tmp_path, progress=False)
    base_rows, off_rows = truth(pregnant, "traps.csv"), truth(tmp_path, "traps.csv")
    assert [r for r in base_rows if r["trap"] != "given_only"] == off_rows
    labels = {(r["agency_id"], r["detail"]) for r in base_rows if r["trap"] == "given_only"}
    before, after = _files(pregnant), _files(tmp_path)
    assert before.keys() == after.keys()
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= {"manifest.json", "truth/traps.csv"} | {
        f"agencies/{a}/records.jsonl" for a in BY_ID if BY_ID[a].kind in GIVEN_ONLY_KINDS}
    n = 0
    for a, b in zip(records(pregnant), records(tmp_path), strict=True):
        assert {k: v for k, v in a.items() if k != "mentions"} == {k: v for k, v in b.items() if k != "mentions"}
        for ma, mb in zip(a["mentions"], b["mentions"], strict=True):
            if (a["agency_id"], f"{a['source_record_id']}/{ma['mention_id']}") in labels:
                n += 1
                assert (ma["mention_id"], ma["role"]) == (mb["mention_id"], mb["role"])
                assert mb["given_name"] and mb["family_name"] and mb["local_person_id"]  # named in full when off
                continue
            assert ma == mb
    assert n >= len(labels) > 0
