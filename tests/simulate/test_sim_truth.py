"""Ground truth agrees with the records: every mention has a person, households are possible, harm is dated."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date
from pathlib import Path

from joinedup_lab.simulate.generate import Summary
from joinedup_lab.simulate.identifiers import nhs_valid, upn_valid

from .helpers import records, truth


def test_every_mention_has_a_true_person_and_every_truth_row_a_mention(
    small_run: tuple[Path, Summary],
) -> None:
    out, _ = small_run
    persons = {r["person_id"] for r in truth(out, "persons.csv")}
    rows = truth(out, "mentions.csv")
    truth_keys = {(r["agency_id"], r["source_record_id"], r["mention_id"]) for r in rows}
    assert len(truth_keys) == len(rows)
    assert all(r["person_id"] in persons for r in rows)
    seen = set()
    for rec in records(out):
        ids = [m["mention_id"] for m in rec["mentions"]]
        assert len(ids) == len(set(ids))
        for mid in ids:
            seen.add((rec["agency_id"], rec["source_record_id"], mid))
    assert seen == truth_keys


def test_nobody_lives_in_two_households_at_once(small_run: tuple[Path, Summary]) -> None:
    out, _ = small_run
    spells = defaultdict(list)
    for r in truth(out, "households.csv"):
        start = date.fromisoformat(r["from_on"])
        end = date.fromisoformat(r["to_on"]) if r["to_on"] else date.max
        assert start < end
        spells[r["person_id"]].append((start, end))
    assert spells
    for pid, items in spells.items():
        items.sort()
        for (_, e1), (s2, _) in itertools.pairwise(items):
            assert e1 <= s2, pid


def test_births_and_addresses_are_consistent(small_run: tuple[Path, Summary]) -> None:
    out, _ = small_run
    dob = {r["person_id"]: r["dob"] for r in truth(out, "persons.csv")}
    addresses = {r["address_id"] for r in truth(out, "addresses.csv")}
    for r in truth(out, "households.csv"):
        assert r["address_id"] in addresses
        assert r["from_on"] >= dob[r["person_id"]]


def test_harm_episodes_are_dated_and_evidenced(small_run: tuple[Path, Summary]) -> None:
    out, summary = small_run
    episodes = truth(out, "harm_episodes.csv")
    assert summary.harm_episodes == len(episodes) >= 1
    persons = {r["person_id"]: r for r in truth(out, "persons.csv")}
    for e in episodes:
        assert e["onset_on"] < e["outcome_on"]
        assert persons[e["person_id"]]["role"] == "child"
        if e["hidden_adult_person_id"]:
            assert persons[e["hidden_adult_person_id"]]["hidden_adult"] == "true"
    ids = {(r["agency_id"], r["source_record_id"]) for r in truth(out, "mentions.csv")}
    evidence = truth(out, "harm_evidence.csv")
    assert evidence and all((r["agency_id"], r["source_record_id"]) in ids for r in evidence)
    per_episode = defaultdict(set)
    for r in evidence:
        per_episode[r["episode_id"]].add(r["agency_id"])
    assert all(len(per_episode[e["episode_id"]]) >= 2 for e in episodes)  # spread across agencies


def test_identifiers_in_truth_and_records_are_well_formed(small_run: tuple[Path, Summary]) -> None:
    out, _ = small_run
    people = truth(out, "persons.csv")
    assert len({p["nhs_number"] for p in people}) == len(people)
    assert all(nhs_valid(p["nhs_number"]) and p["nhs_number"].startswith("999") for p in people)
    assert all(upn_valid(p["upn"]) for p in people if p["upn"])
    for rec in records(out):
        for m in rec["mentions"]:
            if "nhs_number" in m:
                assert nhs_valid(m["nhs_number"])
            if "upn" in m:
                assert upn_valid(m["upn"])
            addr = m.get("address") or {}
            if addr.get("postcode"):
                assert addr["postcode"].upper().startswith("NB")
