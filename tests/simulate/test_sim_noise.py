"""Identity noise happens at the configured rates, and not at all when switched off."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from joinedup_lab.simulate.generate import SimulationConfig, generate
from joinedup_lab.simulate.names import NICKNAMES

from .helpers import records, truth


def _joined(out: Path) -> list[tuple[dict[str, str], dict[str, object], str]]:
    """(true person, mention, agency id) for every mention."""
    persons = {r["person_id"]: r for r in truth(out, "persons.csv")}
    owner = {
        (r["agency_id"], r["source_record_id"], r["mention_id"]): r["person_id"]
        for r in truth(out, "mentions.csv")
    }
    out_rows = []
    for rec in records(out):
        if rec["version"] != 1:
            continue
        for m in rec["mentions"]:
            out_rows.append(
                (
                    persons[owner[(rec["agency_id"], rec["source_record_id"], m["mention_id"])]],
                    m,
                    rec["agency_id"],
                )
            )
    return out_rows


def test_noise_off_gives_exact_identifiers(tmp_path: Path) -> None:
    cfg = SimulationConfig(children=800, years=1, seed=5).with_noise(scale=0.0)
    generate(cfg, tmp_path, progress=False)
    rows = _joined(tmp_path)
    assert len(rows) > 5000
    for person, m, _ in rows:
        if m["role"] == "unborn":
            continue
        assert m.get("given_name") == person["given_name"]
        assert m.get("family_name") == person["family_name"]
        assert m.get("dob", person["dob"]) == person["dob"]
        assert m.get("nhs_number", person["nhs_number"]) == person["nhs_number"]
        assert m.get("upn", person["upn"]) == person["upn"]
        assert "relationship_label" not in m
        addr = m.get("address")
        if addr and not addr.get("protected"):
            assert addr["postcode"] and addr["postcode"][2] in "123456789" and " " in addr["postcode"]


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationConfig, list]:
    cfg = SimulationConfig(children=2500, years=1, seed=9).with_noise(
        dob_day_month_swap=0.2, nhs_mistyped=0.1, nickname=0.3, duplicate_person=0.1
    )
    out = tmp_path_factory.mktemp("noisy")
    generate(cfg, out, progress=False)
    return cfg, _joined(out)


def _per_held(rows: list) -> dict[tuple[str, str], tuple[dict[str, str], dict[str, object]]]:
    """One (person, mention) per agency-held identity (agency, local person id)."""
    held = {}
    for person, m, agency in rows:
        if m.get("local_person_id") and m.get("given_name") not in (None, "Baby"):  # not unborn, not "Baby"
            held.setdefault((agency, m["local_person_id"]), (person, m))
    return held


def _close(observed: int, n: int, p: float) -> bool:
    sd = (p * (1 - p) / n) ** 0.5
    return abs(observed / n - p) <= max(4 * sd, 0.01)


def test_dob_swaps_happen_at_the_configured_rate(noisy: tuple[SimulationConfig, list]) -> None:
    _, rows = noisy
    n = swapped = 0
    for person, m in _per_held(rows).values():
        d = date.fromisoformat(person["dob"])
        if "dob" not in m or d.day > 12 or d.day == d.month:
            continue
        n += 1
        swapped += m["dob"] == date(d.year, d.day, d.month).isoformat()
    assert n > 2000 and _close(swapped, n, 0.2)


def test_nhs_mistyping_happens_at_the_configured_rate(noisy: tuple[SimulationConfig, list]) -> None:
    _, rows = noisy
    present = [(p, m) for p, m in _per_held(rows).values() if "nhs_number" in m]
    wrong = sum(1 for p, m in present if m["nhs_number"] != p["nhs_number"])
    assert len(present) > 2000 and _close(wrong, len(present), 0.1)


def test_nicknames_happen_at_the_configured_rate(noisy: tuple[SimulationConfig, list]) -> None:
    _, rows = noisy
    eligible = [(p, m) for p, m in _per_held(rows).values() if p["given_name"] in NICKNAMES]
    nick = sum(1 for p, m in eligible if m["given_name"] in NICKNAMES[p["given_name"]])
    assert len(eligible) > 300 and _close(nick, len(eligible), 0.3)


def test_duplicates_baby_names_and_relationship_only_mentions_occur(
    noisy: tuple[SimulationConfig, list],
) -> None:
    _, rows = noisy
    locals_per_person: dict[tuple[str, str], set[str]] = {}
    for person, m, agency in rows:
        if m.get("local_person_id"):
            locals_per_person.setdefault((agency, person["person_id"]), set()).add(str(m["local_person_id"]))
    dup = sum(1 for ids in locals_per_person.values() if len(ids) > 1)
    assert 0.02 < dup / len(locals_per_person) < 0.2
    assert any(m.get("given_name") == "Baby" for _, m, _ in rows)
    hidden = [m for p, m, _ in rows if p["hidden_adult"] == "true"]
    assert hidden and any("relationship_label" in m and "given_name" not in m for m in hidden)
    assert any(m["role"] == "unborn" and m.get("expected_due_on") for _, m, _ in rows)
