"""People and households over time: composition, moves, separations, new partners, births and unborn children."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import names, traps
from .addresses import Address, AddressBook
from .agencies import GPS
from .config import SimulationConfig
from .identifiers import new_nhs, new_upn
from .streams import add_years, age_on, poisson, stream

Spell = tuple[str, Address, int, "int | None"]  # household id, dwelling, from day, to day (exclusive) or open


@dataclass(slots=True)
class Person:
    """One true person: their real identity and where they lived when."""

    pid: str
    given: str
    family: str
    sex: str
    dob: int
    role: str  # mother, father, partner, child, grandmother, ex_partner
    nhs: str
    prev_family: str | None = None
    upn: str | None = None
    hidden: bool = False  # a partner never declared to children's services or the GP
    gp: str | None = None
    named_after_days: int = 0
    born: bool = True
    spells: list[Spell] = field(default_factory=list)
    offender: bool = False
    other_family: str | None = None  # a child's other parent's surname, when it differs (hyphenation trap)
    sibling_nhs: tuple[tuple[str, str], ...] = ()  # brothers' and sisters' (person id, NHS number)
    deed_poll_from: str | None = None  # the surname a man had before a deed poll (surname_changed trap)

    def address_at(self, day: int) -> Address | None:
        """Where the person lived on a day, if known to the simulation."""
        for _, addr, start, end in self.spells:
            if start <= day and (end is None or day < end):
                return addr
        return None

    def resident_in(self, hid: str, day: int) -> bool:
        """Whether the person was a member of a household on a day."""
        return any(
            h == hid and start <= day and (end is None or day < end) for h, _, start, end in self.spells
        )


@dataclass(slots=True)
class Household:
    """A family simulated together, with the dated life events agencies will see."""

    hid: str
    index: int
    complex: bool
    members: list[Person] = field(default_factory=list)
    mother: Person | None = None
    partner: Person | None = None
    grandmother: Person | None = None
    ex_partner: Person | None = None
    moves: list[tuple[int, Address, Address, str]] = field(default_factory=list)
    da_incidents: list[tuple[int, Person]] = field(default_factory=list)
    joins: list[tuple[int, Person, bool]] = field(default_factory=list)
    separations: list[tuple[int, Person]] = field(default_factory=list)
    harm: object | None = None
    traps: list[tuple[str, str, str]] = field(default_factory=list)  # (trap, person id, group id)
    hardship: bool = False  # poverty, overcrowding, disrepair: neglect-like signs without harm (everyday.py)

    def children(self) -> list[Person]:
        """The household's children (including those born or expected during the period)."""
        return [p for p in self.members if p.role == "child"]

    def residents_at(self, day: int) -> list[Person]:
        """Everyone living in the household on a day."""
        return [p for p in self.members if p.resident_in(self.hid, day)]

    def home_at(self, day: int) -> Address | None:
        """The household's dwelling on a day (the mother's, else any resident's)."""
        lead = self.mother or self.members[0]
        return lead.address_at(day)


class World:
    """Shared state across households: the address book and identifier registries."""

    def __init__(self, config: SimulationConfig, rng: random.Random) -> None:
        self.config = config
        self.addresses = AddressBook(rng)
        self.nhs_used: set[str] = set()
        self.upn_used: set[str] = set()
        self.person_count = 0
        self.start = config.start.toordinal()
        self.end = add_years(self.start, config.years)

    def new_pid(self) -> str:
        """The next person id."""
        self.person_count += 1
        return f"P{self.person_count:07d}"

    def new_person(self, rng: random.Random, sex: str, dob: int, role: str, family: str) -> Person:
        """A new true person with a unique NHS number (and a UPN if of school age during the period)."""
        nhs = new_nhs(rng)
        while nhs in self.nhs_used:
            nhs = new_nhs(rng)
        self.nhs_used.add(nhs)
        p = Person(self.new_pid(), names.given_for(rng, sex), family, sex, dob, role, nhs)
        if role == "child" and age_on(dob, self.end) >= 3:
            upn = new_upn(rng, rng.randrange(2000, 5000), 2000 + (dob // 365 + 4) % 100)
            while upn in self.upn_used:
                upn = new_upn(rng, rng.randrange(2000, 5000), 2000 + rng.randrange(100))
            self.upn_used.add(upn)
            p.upn = upn
        return p


def _live(p: Person, hid: str, addr: Address, start: int) -> None:
    p.spells.append((hid, addr, start, None))


def _leave(p: Person, day: int) -> None:
    if p.spells and p.spells[-1][3] is None:
        h, a, s, _ = p.spells[-1]
        p.spells[-1] = (h, a, s, max(day, s + 1))


def _stay_then_rehouse(world, rng: random.Random, hh, day: int, kind: str, reason: str,
                       stay_days: tuple[int, int], end: int) -> int:
    """Move a household into a temporary kind of home, then rehouse it with a social landlord; return the day."""
    move(world, rng, hh, day, kind, reason)
    rehoused_on = day + rng.randrange(*stay_days)
    if rehoused_on < end:
        move(world, rng, hh, rehoused_on, rng.choice(("social_northbrook_homes", "social_greenway")), "rehoused")
    return rehoused_on


def build_household(world: World, rng: random.Random, index: int) -> Household:
    """A household at the start of the period, then its life events over the period."""
    r = world.config.rates
    S = world.start
    hid = f"H{index:06d}"
    hh = Household(hid, index, rng.random() < r.complex_household_share)
    # from its own stream, so that the rest of the household is as it was
    hh.hardship = hh.complex or stream(world.config.seed, "hardship", index).random() < r.hardship_household_share
    trng = stream(world.config.seed, "traps", index)  # the traps' own stream: the rest is unchanged by them
    n_children = rng.choices((1, 2, 3, 4, 5), (40, 37, 15, 6, 2))[0]
    oldest_age = rng.choices(range(18), [6, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 5, 5, 5, 5, 5, 4, 4])[0]
    mother_age = max(17 + oldest_age, rng.randint(19 + oldest_age, 30 + oldest_age))
    fam = names.surname(rng)
    mother = world.new_person(rng, "female", S - mother_age * 365 - rng.randrange(365), "mother", fam)
    couple = rng.random() < (0.55 if hh.complex else 0.72)
    hh.mother = mother
    hh.members.append(mother)
    father_fam = fam
    if couple:
        father_fam = fam if rng.random() < 0.55 else names.surname(rng)
        if father_fam == fam and rng.random() < 0.6:
            mother.prev_family = names.surname(rng)
        father = world.new_person(
            rng, "male", mother.dob - rng.randrange(-3 * 365, 8 * 365), "partner", father_fam
        )
        hh.partner = father
        hh.members.append(father)
    elif rng.random() < 0.55:
        ex = world.new_person(
            rng, "male", mother.dob - rng.randrange(-2 * 365, 6 * 365), "ex_partner", names.surname(rng)
        )
        father_fam = ex.family
        hh.ex_partner = ex
        hh.members.append(ex)
    age = oldest_age
    for _ in range(n_children):
        if age < 0:
            break
        dob = S - age * 365 - rng.randrange(365)
        cfam = father_fam if rng.random() < 0.7 else fam
        child = world.new_person(rng, rng.choice(("female", "male")), dob, "child", cfam)
        child.other_family = next((f for f in (fam, father_fam) if f != cfam), None)
        hh.members.append(child)
        size = traps.birth_size(trng, r.twin_births, r.triplet_births)
        if size > 1:
            traps.add_multiple_birth(world, trng, hh, child, size)
        age -= rng.choices((1, 2, 3, 4, 5), (20, 35, 25, 12, 8))[0]
    if rng.random() < 0.6:
        gm = world.new_person(
            rng,
            "female",
            mother.dob - rng.randrange(18 * 365, 35 * 365),
            "grandmother",
            mother.prev_family or fam,
        )
        hh.grandmother = gm
        hh.members.append(gm)
    social = rng.random() < (0.8 if hh.complex else r.social_tenure_share)
    tenure = (
        rng.choice(("social_northbrook_homes", "social_greenway"))
        if social
        else rng.choice(("private_rent", "owner"))
    )
    home = world.addresses.new(tenure)
    since = S - rng.randrange(30, 8 * 365)
    gp = GPS[index % 3] if rng.random() < 0.8 else rng.choice(GPS)
    for p in hh.members:
        p.gp = gp
        if p.role in ("mother", "partner", "child"):
            _live(p, hid, home, max(since, p.dob))
        else:
            _live(
                p,
                f"{hid}-{p.role[:2]}",
                world.addresses.new(rng.choice(("private_rent", "owner"))),
                min(S - 400, p.dob + 18 * 365),
            )
            p.gp = rng.choice(GPS)
    from .harm import plan_harm  # local import: harm builds on population

    traps.name_son_after_father(trng, hh, r.son_named_after_father)
    hh.harm = plan_harm(world, rng, hh)
    _life_events(world, rng, hh, trng)
    traps.link_siblings(hh)
    # its own stream, after every member is known: switching it off leaves the rest (and the other traps) as they were
    traps.change_surnames_by_deed_poll(stream(world.config.seed, "trap-surname", index), hh, r.surname_deed_poll)
    for p in hh.members:
        if p.role == "child":
            p.named_after_days = rng.choice((0, 1, 2, 3, 5, 7, 10, 14, 21, 28))
    # names with accents, apostrophes or in another script, from their own stream: the rest is as it was
    names.own_spellings(stream(world.config.seed, "own-spellings", index), index, hh.members)
    return hh


def add_partner(world: World, rng: random.Random, hh: Household, day: int, declared: bool) -> Person:
    """A new partner moves in on a day; undeclared partners keep their own GP and official address."""
    mother = hh.mother
    assert mother is not None
    p = world.new_person(
        rng, "male", mother.dob - rng.randrange(-4 * 365, 9 * 365), "partner", names.surname(rng)
    )
    p.hidden = not declared
    p.gp = rng.choice(GPS)
    p.offender = rng.random() < (0.5 if not declared else 0.1)
    _live(
        p,
        f"{hh.hid}-p{len(hh.joins) + 1}",
        world.addresses.new("private_rent"),
        min(day - 200, p.dob + 18 * 365),
    )
    _leave(p, day)
    addr = mother.address_at(day) or hh.home_at(day)
    assert addr is not None
    _live(p, hh.hid, addr, day)
    hh.joins.append((day, p, declared))
    hh.members.append(p)
    hh.partner = p
    return p


def separate(world: World, hh: Household, day: int) -> None:
    """The resident partner leaves for a home of his own."""
    p = hh.partner
    if p is None or not p.resident_in(hh.hid, day):
        return
    _leave(p, day)
    _live(p, f"{hh.hid}-x{len(hh.separations) + 1}", world.addresses.new("private_rent"), day)
    hh.separations.append((day, p))
    hh.partner = None
    if p.role == "partner":
        p.role = "ex_partner" if not p.hidden else "partner"


def move(world: World, rng: random.Random, hh: Household, day: int, kind: str, reason: str) -> None:
    """Everyone resident moves to a new dwelling on a day (a refuge leaves the partner behind)."""
    old = hh.home_at(day)
    new = world.addresses.new(kind)
    if old is None or new is old:
        return
    for p in hh.residents_at(day):
        if reason == "domestic_abuse" and p.role == "partner":
            separate(world, hh, day)
            continue
        _leave(p, day)
        _live(p, hh.hid, new, day)
    hh.moves.append((day, old, new, reason))


def _life_events(world: World, rng: random.Random, hh: Household, trng: random.Random) -> None:
    cfg, r = world.config, world.config.rates
    S, E = world.start, world.end
    yrs = (E - S) / 365.25
    harm = hh.harm
    events: list[tuple[int, str]] = []
    for _ in range(poisson(rng, (r.move_complex if hh.complex else r.move_household) * yrs)):
        events.append((rng.randrange(S + 1, E), "move"))
    da_rate = r.domestic_abuse_complex if hh.complex else r.domestic_abuse_household
    for _ in range(poisson(rng, da_rate * yrs)):
        events.append((rng.randrange(S + 1, E), "da"))
    for _ in range(poisson(rng, r.separation_couple * (3 if hh.complex else 1) * yrs)):
        events.append((rng.randrange(S + 1, E), "separate"))
    for _ in range(poisson(rng, r.new_partner_lone_mother * (2 if hh.complex else 1) * yrs)):
        events.append((rng.randrange(S + 1, E), "join"))
    mother = hh.mother
    assert mother is not None
    for _ in range(poisson(rng, r.births_per_woman_under43 * yrs)):
        events.append((rng.randrange(S + 1, E + 240), "birth"))
    last_birth = max((p.dob for p in hh.children()), default=S - 3650)
    locked_until = S
    for day, what in sorted(events):
        if what != "birth" and day < locked_until:
            continue
        if what == "birth":
            if age_on(mother.dob, day) >= 43 or day - last_birth < 420:
                continue
            last_birth = day
            father = hh.partner if hh.partner and hh.partner.resident_in(hh.hid, day) else None
            fam = father.family if father and rng.random() < 0.7 else mother.family
            baby = world.new_person(rng, rng.choice(("female", "male")), day, "child", fam)
            baby.gp = mother.gp
            other = mother.family if fam != mother.family else father.family if father else None
            baby.other_family = other if other != fam else None
            hh.members.append(baby)
            if day >= E:
                baby.born = False
            else:
                for h, addr, start, end in mother.spells:
                    if h == hh.hid and (end is None or end > day):
                        baby.spells.append((h, addr, max(start, day), end))
            size = traps.birth_size(trng, r.twin_births, r.triplet_births)
            if size > 1:
                traps.add_multiple_birth(world, trng, hh, baby, size)
            continue
        if harm is not None and what in ("join", "separate"):
            continue
        partner_home = hh.partner is not None and hh.partner.resident_in(hh.hid, day)
        if what == "move":
            old = hh.home_at(day)
            if old is None:
                continue
            if old.kind == "private_rent" and rng.random() < 0.4:
                locked_until = _stay_then_rehouse(world, rng, hh, day, "temporary", "eviction", (40, 300), E)
            elif old.kind.startswith("social"):
                move(
                    world,
                    rng,
                    hh,
                    day,
                    rng.choice(("social_northbrook_homes", "social_greenway")),
                    "transfer",
                )
            else:
                move(world, rng, hh, day, rng.choice(("private_rent", "owner")), "ordinary")
        elif what == "da":
            perp = hh.partner if partner_home else hh.ex_partner
            if perp is None:
                continue
            hh.da_incidents.append((day, perp))
            if partner_home and rng.random() < 0.12:
                locked_until = _stay_then_rehouse(world, rng, hh, day, "refuge", "domestic_abuse", (30, 150), E)
        elif what == "separate" and partner_home:
            separate(world, hh, day)
        elif what == "join" and not partner_home and day < E - 30:
            add_partner(world, rng, hh, day, declared=rng.random() >= cfg.rates.new_partner_undeclared)
