"""Address normalisation: every way an agency writes one dwelling gives one key; two dwellings never share one."""

from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from pathlib import Path

import pytest

from joinedup.ingest.addresses import address_key, normalise_postcode
from joinedup_lab.simulate.addresses import AddressBook, render_address

from .helpers import authority_records

CANONICAL = "NB3 8JS|49|7|teasel gardens"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("NB1 6HQ", "NB1 6HQ"),
        ("nb16hq", "NB1 6HQ"),
        ("NB1  6HQ", "NB1 6HQ"),
        (" nb1 6hq ", "NB1 6HQ"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("ec1a1bb", "EC1A 1BB"),
        ("M11AE", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("DN551PT", "DN55 1PT"),
        ("NB1 6H", ""),
        ("NB1 6CI", ""),  # C and I never end a postcode
        ("123 456", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_postcode(written, expected):
    assert normalise_postcode(written) == expected


@pytest.mark.parametrize(
    ("lines", "postcode"),
    [
        (["Flat 7, Rowan Court", "49 Teasel Gardens", "Northbrook"], "NB3 8JS"),
        (["Flat 7", "49 Teasel Gardens", "Northbrook"], "NB3 8JS"),
        (["flat 7", "49 teasel gardens"], "nb38js"),
        (["FLAT 7, ROWAN COURT", "49 TEASEL GARDENS", "NORTHBROOK"], "NB3 8JS"),
        (["7 Rowan Court", "49 Teasel Gdns", "Northbrook"], "NB3 8JS"),
        (["7", "49 Teasel Gdns", "Northbrook"], "NB3 8JS"),
        (["7/49 Teasel Gdns", "Northbrook"], "NB3  8JS"),
        (["7 / 49 Teasel Gardens"], "NB3 8JS"),
        (["Flat 7, 49 Teasel Gardens"], "NB3 8JS"),
        (["Flat 7 49 Teasel Gardens", "Northbrook"], "NB3 8JS"),
        (["Apartment 7", "Rowan Court", "49 Teasel Gardens"], "NB3 8JS"),
        (["Flat 07", "49 Teasel Gardens."], "NB3 8JS"),
        (["Flat 7, Rowan Court", "49 Teasel Gardens", "Northbrook NB3 8JS"], None),
        (["Flat 7, Rowan Court", "49 Teasel Gardens", "Northbrook", "NB3 8JS"], ""),
        (["Flat 7, Rowan Court", "49 Teasel Gardens", "Northbrook"], "not a postcode NB3 8JS"),
    ],
)
def test_ways_of_writing_one_flat_give_one_key(lines, postcode):
    assert address_key(lines, postcode, None) == CANONICAL


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["164 Copperfield Crescent", "Northbrook"], "NB7 5RA|164||copperfield crescent"),
        (["164, Copperfield Cres"], "NB7 5RA|164||copperfield crescent"),
        (["164 COPPERFIELD CRES."], "NB7 5RA|164||copperfield crescent"),
        (["164", "Copperfield Crescent"], "NB7 5RA|164||copperfield crescent"),
        (["12 St Aldric's Rd"], "NB7 5RA|12||saint aldrics road"),
        (["12 Saint Aldrics Road"], "NB7 5RA|12||saint aldrics road"),
        (["3 Mill St"], "NB7 5RA|3||mill street"),
        (["3 Mill Ln"], "NB7 5RA|3||mill lane"),
        (["3 Mill Ave"], "NB7 5RA|3||mill avenue"),
        (["3 Mill Dr"], "NB7 5RA|3||mill drive"),
        (["3 Mill Gr"], "NB7 5RA|3||mill grove"),
        (["3 Mill Ct"], "NB7 5RA|3||mill court"),
        (["3 Mill Cl"], "NB7 5RA|3||mill close"),
        (["3 Mill Wy"], "NB7 5RA|3||mill way"),
        (["3 Fox & Hounds Lane"], "NB7 5RA|3||fox and hounds lane"),
        (["49a Teasel Gardens"], "NB7 5RA|49a||teasel gardens"),
        (["12 FFORDD ŴYN"], "NB7 5RA|12||ffordd ŵyn"),  # letters of any alphabet are kept
        (["Rowan Court, Teasel Gardens"], "NB7 5RA|rowan court||teasel gardens"),
        (["Flat 2, Rowan Court", "Teasel Gardens"], "NB7 5RA|rowan court|2|teasel gardens"),
    ],
)
def test_street_spellings_and_layouts(lines, expected):
    assert address_key(lines, "NB7 5RA", None) == expected


def test_uprn_wins_and_loses_leading_zeros():
    assert address_key(["Flat 7", "49 Teasel Gardens"], "NB3 8JS", "999000000001") == "uprn:999000000001"
    assert address_key([], None, "000123") == "uprn:123"


def test_no_key_without_a_postcode_or_a_street():
    assert address_key(["49 Teasel Gardens", "Northbrook"], None, None) == ""
    assert address_key(["49 Teasel Gardens"], "NB3 8J", None) == ""
    assert address_key([], "NB3 8JS", None) == ""
    assert address_key(None, None, None) == ""
    assert address_key(["Northbrook"], "NB3 8JS", None) == ""


def test_different_dwellings_differ():
    keys = {
        address_key(lines, postcode, None)
        for lines, postcode in [
            (["Flat 7", "49 Teasel Gardens"], "NB3 8JS"),
            (["Flat 8", "49 Teasel Gardens"], "NB3 8JS"),
            (["49 Teasel Gardens"], "NB3 8JS"),
            (["49a Teasel Gardens"], "NB3 8JS"),
            (["7 Teasel Gardens"], "NB3 8JS"),
            (["Flat 7", "47 Teasel Gardens"], "NB3 8JS"),
            (["Flat 7", "49 Teasel Road"], "NB3 8JS"),
            (["Flat 7", "49 Teasel Gardens"], "NB3 8JT"),
            (["Flat 49", "7 Teasel Gardens"], "NB3 8JS"),
        ]
    }
    assert len(keys) == 9 and "" not in keys


LETTER_STYLE = re.compile(r"^[0-9]+[a-j] ")  # "49h Teasel Gdns": flat 7 → "h", but so is flat 17


def test_every_layout_the_simulator_writes_gives_the_dwellings_key():
    """Layout, abbreviation, case and postcode-spacing variants of 3,000 dwellings (no typos, no gaps)."""
    rng = random.Random(5)
    book = AddressBook(rng)
    dwellings = [book.new(rng.choice(["owner", "private_rent", "social_northbrook_homes"])) for _ in range(3000)]
    layout_only = {"address_variant": 0.7, "name_typo": 0.0, "postcode_missing": 0.0, "postcode_typo": 0.0,
                   "address_partial": 0.0}
    canonical = {a.address_id: address_key(a.lines(), a.postcode, None) for a in dwellings}
    assert len(set(canonical.values())) == len(dwellings) and "" not in canonical.values()
    owners: dict[str, set[str]] = defaultdict(set)
    letter_style = 0
    for a in dwellings:
        for _ in range(12):
            written = render_address(rng, a, layout_only, holds_uprn=False)
            key = address_key(written["lines"], written["postcode"], None)
            owners[key].add(a.address_id)
            if LETTER_STYLE.match(written["lines"][0]):
                letter_style += 1  # lossy: cannot be mapped back to the flat number
                continue
            assert key == canonical[a.address_id], (written, a.lines(), a.postcode)
        with_uprn = render_address(rng, a, layout_only, holds_uprn=True)
        assert address_key(with_uprn["lines"], with_uprn["postcode"], with_uprn.get("uprn")) == f"uprn:{int(a.uprn)}"
    assert letter_style > 100
    for key, ids in owners.items():
        if len(ids) > 1:  # only the lossy letter style may merge two flats (k and k + 10) of one building
            flats = {(a.street, a.number, a.flat % 10) for a in dwellings if a.address_id in ids}  # type: ignore[operator]
            assert len(flats) == 1 and re.search(r"\|[0-9]+[a-j]\|", key), (key, ids)


def test_against_a_simulated_authoritys_truth(small_authority):
    """Mentions' keys point at the dwellings their people lived in, except where the noise destroyed it."""
    out, _ = small_authority
    addresses = _rows(out / "truth" / "addresses.csv")
    canonical = {
        a["address_id"]: address_key([a["line_1"], *([a["line_2"]] if a["line_2"] else [])], a["postcode"], None)
        for a in addresses
    }
    by_key: dict[str, set[str]] = defaultdict(set)
    for address_id, key in canonical.items():
        by_key[key].add(address_id)
    assert all(len(ids) == 1 and key for key, ids in by_key.items())  # two dwellings never share a key
    uprns = {a["address_id"]: f"uprn:{int(a['uprn'])}" for a in addresses}
    lived_at: dict[str, set[str]] = defaultdict(set)
    for spell in _rows(out / "truth" / "households.csv"):
        lived_at[spell["person_id"]].add(spell["address_id"])
    person_of = {(m["agency_id"], m["source_record_id"], m["mention_id"]): m["person_id"]
                 for m in _rows(out / "truth" / "mentions.csv")}

    matched = keyed = total = wrong_dwelling = 0
    for record in authority_records(out):
        for mention in record["mentions"]:
            address = mention.get("address")
            if not address or address.get("protected"):
                continue
            total += 1
            key = address_key(address["lines"], address.get("postcode"), address.get("uprn"))
            if not key:
                continue
            keyed += 1
            homes = lived_at[person_of[(record["agency_id"], record["source_record_id"], mention["mention_id"])]]
            if key in {canonical[h] for h in homes} | {uprns[h] for h in homes}:
                matched += 1
            elif key in by_key:
                wrong_dwelling += 1  # a mistyped house number that is a neighbour's address
    assert total > 2000
    assert keyed / total > 0.9  # the rest had no postcode (missing, or only a partial address)
    assert matched / keyed > 0.9  # the rest: mistyped postcodes or streets, or the lossy "49h" layout
    assert wrong_dwelling / keyed < 0.002


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
