"""Fictional addresses in the fictional borough of Northbrook (postcode area NB) and how agencies write them."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .names import typo

STREET_STEMS = [
    "Aldric",
    "Millfield",
    "Kestrel",
    "Hollins",
    "Marston",
    "Fernbank",
    "Larkspur",
    "Ravensworth",
    "Copperfield",
    "Ashgrove",
    "Brackenhill",
    "Wrenfield",
    "Thornbury",
    "Elmstead",
    "Harrowden",
    "Oakhurst",
    "Linnet",
    "Sandpiper",
    "Carrow",
    "Westmere",
    "Quarry",
    "Tanners",
    "Weavers",
    "Chandlers",
    "Orchard",
    "Foxley",
    "Badger",
    "Heron",
    "Kingsmere",
    "Southcote",
    "Greystone",
    "Birchwood",
    "Rowan",
    "Alder",
    "Hazel",
    "Juniper",
    "Medlar",
    "Sorrel",
    "Bramble",
    "Teasel",
    "Yarrow",
    "Campion",
    "Cowslip",
    "Vetch",
    "Tansy",
    "Brook",
    "Mill",
    "Canal",
    "Wharf",
    "Station",
    "Chapel",
]
STREET_TYPES = ("Road", "Street", "Lane", "Close", "Avenue", "Way", "Gardens", "Crescent", "Drive", "Grove")
BLOCKS = ("House", "Court", "Tower", "Point", "Lodge")
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
ABBREV = {
    "Road": "Rd",
    "Street": "St",
    "Lane": "Ln",
    "Close": "Cl",
    "Avenue": "Ave",
    "Drive": "Dr",
    "Gardens": "Gdns",
    "Crescent": "Cres",
    "Grove": "Gr",
    "Way": "Wy",
}


@dataclass(slots=True)
class Address:
    """One dwelling: how it is properly written, its postcode and UPRN, and what kind of home it is."""

    address_id: str
    number: int
    flat: int | None
    block: str | None
    street: str
    postcode: str
    uprn: str
    kind: str  # owner, private_rent, social_northbrook_homes, social_greenway, temporary, refuge

    @property
    def protected(self) -> bool:
        """Whether the address is a refuge whose location must not be written down."""
        return self.kind == "refuge"

    def lines(self) -> list[str]:
        """The address lines as the council's gazetteer writes them."""
        if self.flat is not None and self.block:
            return [f"Flat {self.flat}, {self.block}", f"{self.number} {self.street}", "Northbrook"]
        if self.flat is not None:
            return [f"Flat {self.flat}", f"{self.number} {self.street}", "Northbrook"]
        return [f"{self.number} {self.street}", "Northbrook"]


class AddressBook:
    """Allocates fictional dwellings deterministically and remembers them for truth/addresses.csv."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.streets = sorted({f"{s} {t}" for s in STREET_STEMS for t in STREET_TYPES})
        self.postcodes = {st: self._postcode(i) for i, st in enumerate(self.streets)}
        # where foster carers, children's homes and other placements are (the same fictional NB streets)
        self.placement_postcodes = sorted(set(self.postcodes.values()))
        self.all: list[Address] = []
        self.used: set[tuple[str, int, int | None]] = set()
        self.temporary = [self._make("temporary", hostel=True) for _ in range(12)]
        self.refuges = [self._make("refuge") for _ in range(3)]

    def _postcode(self, i: int) -> str:
        r = random.Random(i * 7919 + 17)
        return f"NB{1 + i % 9} {r.randrange(1, 10)}{r.choice(POSTCODE_LETTERS)}{r.choice(POSTCODE_LETTERS)}"

    def _make(self, kind: str, hostel: bool = False) -> Address:
        rng = self.rng
        while True:
            street = rng.choice(self.streets)
            number = rng.randrange(1, 240)
            flatted = hostel or (kind.startswith("social") and rng.random() < 0.6) or rng.random() < 0.15
            flat = None if hostel or not flatted else rng.randrange(1, 40)
            key = (street, number, flat)
            if key not in self.used:
                self.used.add(key)
                break
        block = None
        if flat is not None and rng.random() < 0.6:
            block = f"{rng.choice(STREET_STEMS)} {rng.choice(BLOCKS)}"
        idx = len(self.all) + 1
        addr = Address(
            f"A{idx:07d}", number, flat, block, street, self.postcodes[street], f"999{idx:09d}", kind
        )
        self.all.append(addr)
        return addr

    def new(self, kind: str) -> Address:
        """A fresh dwelling of a kind (refuges and temporary accommodation are shared)."""
        if kind == "refuge":
            return self.rng.choice(self.refuges)
        if kind == "temporary":
            return self.rng.choice(self.temporary)
        return self._make(kind)


def render_address(
    rng: random.Random, addr: Address, probs: dict[str, float], holds_uprn: bool
) -> dict[str, object]:
    """The address as one agency writes it: layout variants, abbreviations, typos, missing parts."""
    if addr.protected:
        return {"lines": ["Address withheld (refuge)"], "postcode": None, "protected": True}
    p = probs.__getitem__
    street = addr.street
    lines: list[str]
    if rng.random() < p("address_variant"):
        stem, _, kind = street.rpartition(" ")
        street = f"{stem} {ABBREV.get(kind, kind)}" if rng.random() < 0.5 else street.upper()
        if addr.flat is not None:
            style = rng.randrange(3)
            if style == 0:
                lines = [f"{addr.flat}/{addr.number} {street}"]
            elif style == 1:
                lines = [f"{addr.flat} {addr.block or ''}".strip(), f"{addr.number} {street}"]
            else:
                lines = [f"{addr.number}{'abcdefghij'[addr.flat % 10]} {street}"]
        else:
            lines = [f"{addr.number}, {street}"]
    else:
        lines = addr.lines()[:-1]
    if rng.random() < p("name_typo"):
        lines[-1] = typo(rng, lines[-1])
    postcode: str | None = addr.postcode
    r = rng.random()
    if r < p("postcode_missing"):
        postcode = None
    elif r < p("postcode_missing") + p("postcode_typo"):
        postcode = postcode[:-1] + rng.choice(POSTCODE_LETTERS)
    elif rng.random() < p("address_variant") / 2:
        postcode = postcode.replace(" ", "") if rng.random() < 0.5 else postcode.lower()
    if rng.random() < p("address_partial"):
        lines = lines[-1:]
        postcode = None
    else:
        lines.append("Northbrook")
    out: dict[str, object] = {"lines": lines, "postcode": postcode}
    if holds_uprn:
        out["uprn"] = addr.uprn
    return out
