"""What children's social care records that only Ofsted's Annex A reads (docs/formats/README.md, "Early help
assessments and adopters"): early help assessments of children (`early_help_assessment`, list 2), the
authority's adoption service's adopters (`adopter_journey`, list 11), the independent reviewing officers' visits
and contacts between a child's reviews (`iro_contact`, list 8), and what lists 8, 9 and 10 need of records the feed
already holds: a child in care's permanence plan and the local authority they are placed in, a care leaver's
personal adviser, eligibility category and latest pathway plan review, and the adoptive family a child placed for
adoption was matched with (later versions of the feed's `looked_after_review`, `looked_after_episode`,
`care_leaver_contact` and `adoption_decision` records).

**Nothing written before moves.** These records are made after everything else (the agencies' feeds and the
truth files are already on disk), from streams of their own (`stream(seed, "early-help", household)`,
`stream(seed, "adopters", …)`), and written to a folder of their own, `statutory-returns/` (`records.jsonl`, with
`truth/mentions.csv`, `truth/persons.csv` for the adopters and `truth/traps.csv` for the noise on identities first
written here). The later versions of feed records, and the IRO contacts, are made from streams of their own too
(`stream(seed, "care-leavers", …)`, `stream(seed, "adoption-family", …)`, `stream(seed, "permanence", …)`,
`stream(seed, "placement-la", …)`, `stream(seed, "iro-contacts", …)`) and read the feed as written
(`agencies/<children's services>/records.jsonl`, never changed). So every record, truth row and trap of a seed is
byte for byte what the simulator wrote before this module existed, and whatever reads the agencies' feeds (`joinedup bench alerts`, `bench linkage`,
`joinedup ingest` of the folder) sees exactly what it saw; `make demo` and the returns' test ingest the folder
after the feeds. The records are children's services' own (`northbrook-childrens-services`: the case system's
early help module and adoption service), numbered after its last feed record, and a child children's services
already knows is written under the identity the case system holds for them.

- **Early help assessments**, one record per child assessed (the child `subject`, the carers), started on
  `occurred_on`, completed on `ended_on` (a version 2; about one in ten is still open when the period ends or is
  never completed), by the organisation that led it (`organisation`: the child's school, health visiting, a
  nursery, the school nurse, the youth service, a voluntary organisation or the authority's early help team, by
  the child's age). Three ways in: families below the child-in-need threshold (no case open then; more often a
  complex family or one in hardship), a share of children before a referral (the assessment comes one to seven
  months earlier and is completed by the referral at the latest), and a share after a case closes (step down).
- **Adopters' journeys**, one record per adopter (the `applicant`; couples share `family_id`), a new version at
  each step: enquiry (`occurred_on`), Stage 1, Stage 2 and the application, approval, matching, placement,
  adoption order; or leaving the process (`ended_on`, `leaving_reason`). Every child the simulated authority
  placed for adoption (an `adoption_decision` with a match and an A placement) has its adopters — matched and
  placed on the child's days, one family for brothers and sisters placed together, the adoption order when the
  child's episode ended E11/E12 — and other households enquire too: some leave at the enquiry or in a stage,
  some are put on hold or refused, some are approved and wait or are matched with another authority's child.

- **Care leavers' contacts** (list 9): each `care_leaver_contact` of the feed gets a version 2 (or one after its
  latest) soon after it was recorded, adding `eligibility_category` — worked out from the young person's true time
  in care: 13 weeks or more since their 14th birthday, some of it after their 16th, makes them relevant at 16 or
  17 (eligible while still in care) and former relevant from 18; anyone else a qualifying care leaver — their
  `personal_adviser` (always for a relevant or former relevant young person, whose adviser is a duty; for some
  qualifying care leavers; one adviser each from the leaving care team) and `pathway_plan_reviewed_on` (for those
  with a pathway plan: the latest review before the contact, within six months for most, overdue for a few).
- **The adoptive family** (list 10): each `adoption_decision` of a child placed with the adopters above gets a
  version on the day of the match adding `adopters_family_id`, the adopters' `family_id` (brothers and sisters
  placed together share it).
- **Children in care** (list 8): each `looked_after_review` of the feed gets a version soon after it was recorded
  adding the `permanence_plan` the review confirmed — worked out from how the period of care goes on in the feed
  (the adoption decision, the order or return home that ends it, the placement and the child's age at the review);
  each `looked_after_episode` gets one adding `placement_la`, the authority the placement lies in: every placement
  postcode the simulator writes is the borrowed authority's (`csc_returns.REAL_POSTCODES`, whose SSDA903 PL_LA the
  validator derives as `csc_returns.LA_GSS`), so every placement is inside it, as the 903 says; and between one
  review and the next (while the child is looked after) the child's independent reviewing officer visits or is in
  touch once or twice in most intervals (`iro_contact`, a record of its own, numbered after the records above and
  naming the child as the review does).

Vocabulary is the simulator's own (below; the schools' names from `agencies.py`).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import names
from .agencies import BY_ID, CSC
from .community import school_for
from .context import Context, carers
from .csc_returns import LA_GSS
from .noise import Held
from .population import Household, Person
from .records import Emitter, dumps
from .streams import add_years, age_on, derive_seed, iso, iso_dt, poisson, stream
from .writers import person_rows, write_lines

FOLDER = "statutory-returns"

# --- early help ------------------------------------------------------------------------------------------------

# A family with no case open: early help assessments a year (a complex family's, one in hardship's, any other's).
EARLY_HELP_PER_FAMILY_YEAR = {"complex": 0.12, "hardship": 0.05, "other": 0.015}
EARLY_HELP_WHOLE_FAMILY = 0.6  # every child of the family assessed (else one)
EARLY_HELP_BEFORE_REFERRAL = 0.2  # of children referred: an assessment one to seven months before
EARLY_HELP_STEP_DOWN = 0.15  # of cases closed: an assessment within a month after
EARLY_HELP_NEVER_COMPLETED = 0.1
EARLY_HELP_DAYS = (15, 70)  # start to completion
EARLY_HELP_TEAM = "Northbrook Council early help team"
HEALTH_VISITING = "Northbrook Community Health health visiting team"
SCHOOL_NURSING = "Northbrook Community Health school nursing"
NURSERIES = ("Little Acorns Day Nursery", "Brookfield Children's Centre nursery")
YOUTH_SERVICE = "Northbrook Youth Service"
VOLUNTARY = "Northbrook Families Together (charity)"
# Who leads, by the child's age: under 5, 5 to 10, 11 to 15, 16 and over ("school": the child's school).
LEADS = {
    "under5": ((HEALTH_VISITING, 45), (EARLY_HELP_TEAM, 30), ("nursery", 15), (VOLUNTARY, 10)),
    "primary": (("school", 55), (EARLY_HELP_TEAM, 30), (SCHOOL_NURSING, 5), (VOLUNTARY, 10)),
    "secondary": (("school", 50), (EARLY_HELP_TEAM, 30), (YOUTH_SERVICE, 12), (SCHOOL_NURSING, 8)),
    "older": ((YOUTH_SERVICE, 45), (EARLY_HELP_TEAM, 45), (VOLUNTARY, 10)),
}
EARLY_HELP_TEXT = ("Early help assessment with the family.", "Family agreed to an early help assessment.",
                   "Team around the family assessment started.")

# --- adopters --------------------------------------------------------------------------------------------------

ENQUIRIES_PER_10K_CHILDREN_YEAR = 10.0  # households enquiring besides those matched with the authority's children
# How a journey that is not matched with one of the authority's children goes.
JOURNEYS = (("enquiry_only", 30), ("left_stage1", 14), ("left_stage2", 7), ("on_hold", 8), ("refused", 4),
            ("approved_waiting", 20), ("matched_elsewhere", 17))
HOUSEHOLDS = (("MF", 62), ("FF", 8), ("MM", 6), ("F1", 20), ("M1", 4))
ADULT_ETHNICITIES = (("WBRI", 74), ("WOTH", 6), ("WIRI", 1), ("MWBC", 2), ("MOTH", 2), ("AIND", 3), ("APKN", 2),
                     ("ABAN", 1), ("BCRB", 2), ("BAFR", 3), ("BOTH", 1), ("CHNE", 1), ("OOTH", 1), ("NOBT", 1))
ADOPTER_DISABLED = 0.06
ADOPTER_DISABILITY_UNKNOWN = 0.08
FOSTERING_FOR_ADOPTION = 0.12  # of approved adopters not matched with the authority's children
ADOPTION_TEXT = {"enquiry": "Enquiry about adopting.", "stage1": "Registration of interest accepted: Stage 1.",
                 "stage2": "Stage 2 assessment started; application received.", "approved": "Approved at panel.",
                 "matched": "Matched at panel.", "placed": "Children placed.", "order": "Adoption order made.",
                 "left": "Closed: left the adoption process."}


# --- care leavers (list 9) ---------------------------------------------------------------------------------------

ADVISERS = 6  # the leaving care team's personal advisers
QUALIFYING_WITH_ADVISER = 0.4  # a qualifying care leaver with a personal adviser (advice and assistance)
PATHWAY_REVIEW_OVERDUE = 0.08  # the latest pathway plan review more than six months before the contact
CARE_LEAVER_TEXT = "Leaving care team: pathway plan and personal adviser recorded."


def _pick(rng: random.Random, table: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


@dataclass
class Adoption:
    """A child of the authority placed for adoption, as children's services recorded it."""

    family: str  # the family episode (case ids EP000123-1, EP000123-2…: brothers and sisters)
    matched: int
    placed: int
    order: int | None
    adopters: tuple[int, str]  # one or two, and their sexes (SSDA903 SEX_ADOPTR)
    by_foster_carer: bool
    children: list[str] = field(default_factory=list)  # case ids
    family_id: str = ""  # the adoptive family's id (their adopter_journey records' family_id), once written


@dataclass
class Written:
    early_help: int = 0
    adopters: int = 0
    records: int = 0
    care_leaver_contacts: int = 0  # later versions of the feed's care_leaver_contact records
    adoption_decisions: int = 0  # later versions of the feed's adoption_decision records
    reviews: int = 0  # later versions of the feed's looked_after_review records (the permanence plan)
    episodes: int = 0  # later versions of the feed's looked_after_episode records (the placement's authority)
    iro_contacts: int = 0


def held_at_csc(emit: Emitter) -> dict[str, list[Held]]:
    """The identities children's services holds for this household's people (read, never changed), so that an
    early help assessment names a child as the case system does."""
    return {pid: list(held) for (agency, pid), held in emit.held.items() if agency == CSC}


def adoptions(emit: Emitter) -> list[Adoption]:
    """The authority's adoption placements, read from children's services' feed before it is written (each
    record's latest version): the decision's match and adopters, the A placement, the adoption order."""
    latest: dict[str, dict[str, Any]] = {}
    for _, line in emit.lines[CSC]:
        if '"kind":"adoption_decision"' not in line and '"kind":"looked_after_episode"' not in line:
            continue
        rec = json.loads(line)
        seen = latest.get(rec["source_record_id"])
        if seen is None or seen["version"] < rec["version"]:
            latest[rec["source_record_id"]] = rec
    placed: dict[str, int] = {}
    order: dict[str, int] = {}
    for rec in latest.values():
        d = rec["detail"]
        if rec["kind"] != "looked_after_episode":
            continue
        case = str(d.get("case_id") or "")
        if str(d.get("placement_type") or "").startswith("A"):
            day = date.fromisoformat(rec["occurred_on"]).toordinal()
            placed[case] = min(day, placed.get(case, day))
        if d.get("reason_ended") in ("E11", "E12") and rec.get("ended_on"):
            order[case] = date.fromisoformat(rec["ended_on"]).toordinal()
    groups: dict[tuple[str, int], Adoption] = {}
    for rec in sorted(latest.values(), key=lambda r: r["source_record_id"]):
        d = rec["detail"]
        case = str(d.get("case_id") or "")
        if rec["kind"] != "adoption_decision" or case not in placed or not d.get("matched_on"):
            continue
        family = case.rsplit("-", 1)[0]
        key = (family, placed[case])
        a = groups.get(key)
        if a is None:
            sexes = str(d.get("adopters_sex") or "MF")
            a = groups[key] = Adoption(family, date.fromisoformat(d["matched_on"]).toordinal(), placed[case],
                                       order.get(case), (int(d.get("adopters_number") or 2), sexes),
                                       d.get("adopted_by_foster_carer") is True)
        a.children.append(case)
    return [groups[k] for k in sorted(groups)]


# --- early help --------------------------------------------------------------------------------------------------


def _cases(ctx: Context) -> dict[str, list[tuple[int, int]]]:
    """Each child's children's-social-care cases (referral day, closure day or the period's end), from the truth
    rows the casework wrote."""
    out: dict[str, list[tuple[int, int]]] = {}
    for row in ctx.csc_episodes:
        pid, kind, start, end, _ = row.rstrip("\n").split(",", 4)
        if kind == "cin":
            out.setdefault(pid, []).append((date.fromisoformat(start).toordinal(),
                                            date.fromisoformat(end).toordinal() if end else ctx.end))
    return out


def _lead(rng: random.Random, child: Person, day: int) -> str:
    age = age_on(child.dob, day)
    band = "under5" if age < 5 else "primary" if age <= 10 else "secondary" if age <= 15 else "older"
    lead = _pick(rng, LEADS[band])
    if lead == "school":
        year = date.fromordinal(day).year - (1 if date.fromordinal(day).month < 9 else 0)
        school = school_for(child, date(year, 9, 1).toordinal())
        return BY_ID[school].name if school is not None else EARLY_HELP_TEAM
    if lead == "nursery":
        return NURSERIES[int(child.pid[1:]) % len(NURSERIES)]
    return lead


def _present(child: Person, children: list[Person]) -> bool:
    return any(c is child for c in children)


def _open_case(cases: list[tuple[int, int]], day: int) -> bool:
    return any(s - 14 <= day <= e for s, e in cases)


def early_help(ctx: Context, hh: Household, cases: dict[str, list[tuple[int, int]]]) -> int:
    """A household's early help assessments; returns how many records were written."""
    rng = stream(ctx.config.seed, "early-help", hh.hid)
    start, end = ctx.start, ctx.end

    def kids(day: int) -> list[Person]:
        return [c for c in hh.children() if c.born and c.dob <= day and age_on(c.dob, day) < 18
                and c.resident_in(hh.hid, day)]

    planned: list[tuple[int, list[Person], int | None]] = []  # start, children, completed (None: still open)

    def completion(day: int, by: int | None = None) -> int | None:
        if rng.random() < EARLY_HELP_NEVER_COMPLETED:
            return None
        done = day + rng.randint(*EARLY_HELP_DAYS)
        return min(done, by) if by is not None else done

    # below the threshold: no case open for the children assessed
    hazard = EARLY_HELP_PER_FAMILY_YEAR["complex" if hh.complex else "hardship" if hh.hardship else "other"]
    for _ in range(poisson(rng, hazard * (end - start) / 365.25)):
        day = rng.randrange(start, end)
        children = [c for c in kids(day) if not _open_case(cases.get(c.pid, []), day)]
        if not children:
            continue
        if len(children) > 1 and rng.random() >= EARLY_HELP_WHOLE_FAMILY:
            children = [rng.choice(children)]
        planned.append((day, children, completion(day)))
    # before a referral (stepped up), and after a case closed (stepped down)
    for child in hh.children():
        for referral, closed in cases.get(child.pid, []):
            if rng.random() < EARLY_HELP_BEFORE_REFERRAL:
                day = referral - rng.randint(30, 210)
                if start <= day and _present(child, kids(day)) and not _open_case(cases[child.pid], day):
                    planned.append((day, [child], completion(day, by=referral)))
            if closed < end and rng.random() < EARLY_HELP_STEP_DOWN:
                day = closed + rng.randint(1, 30)
                if day < end and _present(child, kids(day)):
                    planned.append((day, [child], completion(day)))
    written = 0
    for day, children, done in sorted(planned, key=lambda p: (p[0], p[1][0].pid)):
        lead = _lead(rng, children[0], day)
        text = rng.choice(EARLY_HELP_TEXT)
        for child in children:
            detail = {"code": "early_help_assessment", "author_role": "Early help coordinator",
                      "organisation": lead, "text": text}
            later = [(done, 600 + rng.randrange(420), {"text": "Early help assessment completed."}, done)] \
                if done is not None else None
            if ctx.emit.record(rng, CSC, "early_help_assessment", day, None, [(child, "subject", {}),
                                                                                *carers(hh, day)],
                               detail, lag_minutes=rng.randrange(60, 4320), later=later) is not None:
                written += 1
    return written


# --- adopters ------------------------------------------------------------------------------------------------


@dataclass
class Journey:
    """One adoptive household's journey: the day of each step reached (None: not reached)."""

    enquiry: int
    steps: dict[str, int] = field(default_factory=dict)
    children_placed: int = 0
    left: tuple[int, str] | None = None  # the day they left the process, why
    fostering_for_adoption: bool = False


def _approval_before(rng: random.Random, approved: int) -> dict[str, int]:
    """Stage 1, Stage 2 and the application, backwards from an approval (two months, then four)."""
    s2_end = approved - rng.randint(10, 40)
    s2_start = s2_end - rng.randint(100, 140)
    s1_end = s2_start - rng.randint(0, 30)
    s1_start = s1_end - rng.randint(40, 75)
    return {"stage1_started_on": s1_start, "stage1_ended_on": s1_end, "stage2_started_on": s2_start,
            "application_submitted_on": s2_start + rng.randint(0, 10), "stage2_ended_on": s2_end,
            "approved_on": approved}


def _matched_journey(rng: random.Random, a: Adoption) -> Journey:
    approved = a.matched - rng.randint(30, 300)
    steps = _approval_before(rng, approved)
    j = Journey(steps["stage1_started_on"] - rng.randint(7, 60), steps)
    steps.update(matched_on=a.matched, placed_on=a.placed)
    if a.order is not None:
        steps["adoption_order_on"] = a.order
    j.children_placed = len(a.children)
    j.fostering_for_adoption = a.by_foster_carer
    return j


def _other_journey(rng: random.Random, enquiry: int, how: str) -> Journey:
    j = Journey(enquiry)
    s1 = enquiry + rng.randint(7, 60)
    if how == "enquiry_only":
        j.left = (enquiry + rng.randint(3, 45), "withdrew")
        return j
    approved = s1 + rng.randint(40, 75) + rng.randint(0, 30) + rng.randint(100, 140) + rng.randint(10, 40)
    steps = _approval_before(rng, approved)
    shift = s1 - steps["stage1_started_on"]
    steps = {k: v + shift for k, v in steps.items()}
    if how in ("left_stage1", "on_hold"):
        keep = {"stage1_started_on"} if how == "left_stage1" else {"stage1_started_on", "stage1_ended_on"}
        j.steps = {k: v for k, v in steps.items() if k in keep}
        last = max(j.steps.values())
        j.left = (last + rng.randint(10, 60), "withdrew" if how == "left_stage1" else "on_hold")
        return j
    if how in ("left_stage2", "refused"):
        j.steps = {k: v for k, v in steps.items() if k not in ("stage2_ended_on", "approved_on")}
        left = steps["stage2_started_on"] + rng.randint(30, 120)
        j.left = (left, "withdrew" if how == "left_stage2" else "refused")
        return j
    j.steps = steps
    j.fostering_for_adoption = rng.random() < FOSTERING_FOR_ADOPTION
    if how == "matched_elsewhere":
        matched = steps["approved_on"] + rng.randint(60, 300)
        placed = matched + rng.randint(14, 60)
        j.steps.update(matched_on=matched, placed_on=placed, adoption_order_on=placed + rng.randint(180, 420))
        j.children_placed = rng.choice((1, 1, 1, 2))
    return j


def _adopters(ctx: Context, rng: random.Random, sexes: str, when: int) -> list[Person]:
    family = ""
    people: list[Person] = []
    for i, letter in enumerate(sexes[:1] if sexes.endswith("1") else sexes[:2]):  # F1, M1: one adopter
        sex = "female" if letter == "F" else "male"
        if i == 0 or rng.random() < 0.3:
            family = names.surname(rng)
        dob = add_years(when, -rng.randint(28, 52)) - rng.randrange(365)
        people.append(ctx.world.new_person(rng, sex, dob, "adopter", family))
    return people


def _write_journey(ctx: Context, rng: random.Random, people: list[Person], j: Journey, family_id: str) -> int:
    if j.enquiry >= ctx.end:
        return 0
    ethnicity = _pick(rng, ADULT_ETHNICITIES)
    written = 0
    for person in people:
        own = ethnicity if rng.random() < 0.8 else _pick(rng, ADULT_ETHNICITIES)
        detail: dict[str, Any] = {"code": "adopter_journey", "author_role": "Adoption social worker",
                                  "family_id": family_id, "ethnicity": own, "fostering_for_adoption": False,
                                  "text": ADOPTION_TEXT["enquiry"]}
        u = rng.random()
        if u >= ADOPTER_DISABILITY_UNKNOWN:
            detail["disabled"] = u < ADOPTER_DISABILITY_UNKNOWN + ADOPTER_DISABLED
        later: list[tuple[int, int, dict[str, Any], int | None]] = []
        marks = {"stage1_started_on": "stage1", "stage2_started_on": "stage2", "approved_on": "approved",
                 "matched_on": "matched", "placed_on": "placed", "adoption_order_on": "order"}
        for key, day in sorted(j.steps.items(), key=lambda kv: (kv[1], kv[0])):
            changes: dict[str, Any] = {key: iso(day)}
            if key in marks:
                changes["text"] = ADOPTION_TEXT[marks[key]]
            if key == "approved_on" and j.fostering_for_adoption:
                changes["fostering_for_adoption"] = True
            if key == "placed_on":
                changes["children_placed"] = max(1, j.children_placed)
            later.append((day, 540 + rng.randrange(480), changes, None))
        if j.left is not None:
            later.append((j.left[0], 540 + rng.randrange(480), {"leaving_reason": j.left[1],
                                                                "text": ADOPTION_TEXT["left"]}, j.left[0]))
        later.sort(key=lambda step: step[0])
        if ctx.emit.record(rng, CSC, "adopter_journey", j.enquiry, None, [(person, "applicant", {"no_address": True})],
                           detail, lag_minutes=rng.randrange(30, 2880), keep_before_start=True,
                           later=later or None) is not None:
            written += 1
    return written


def adopters(ctx: Context, placed: list[Adoption]) -> tuple[int, list[Household]]:
    """The adoption service's adopters: those of the authority's children placed for adoption, and others who
    enquired from two years before the period to its end. Returns the records written and the adopters (as
    households of their own, for the truth)."""
    seed = ctx.config.seed
    written = 0
    families: list[Household] = []
    number = 0

    def family(people: list[Person]) -> str:
        nonlocal number
        number += 1
        hid = f"AF{number:05d}"
        families.append(Household(hid, number, False, members=people))
        return hid

    for a in placed:
        rng = stream(seed, "adopters", "placed", a.family, a.placed)
        j = _matched_journey(rng, a)
        if j.enquiry < add_years(ctx.start, -4):
            a.family_id = f"AF-{a.family}-{a.placed}"  # long before the period: not in list 11 (no journey written)
            continue
        people = _adopters(ctx, rng, a.adopters[1], j.enquiry)
        a.family_id = family(people)
        written += _write_journey(ctx, rng, people, j, a.family_id)
    rng = stream(seed, "adopters", "enquiries")
    begin = add_years(ctx.start, -2)
    per_year = ENQUIRIES_PER_10K_CHILDREN_YEAR * ctx.config.children / 10000
    enquiries = sorted(rng.randrange(begin, ctx.end) for _ in range(poisson(rng, per_year * (ctx.end - begin) / 365.25)))
    for i, day in enumerate(enquiries):
        own = stream(seed, "adopters", "enquiry", i)
        j = _other_journey(own, day, _pick(own, JOURNEYS))
        people = _adopters(ctx, own, _pick(own, HOUSEHOLDS), day)
        written += _write_journey(ctx, own, people, j, family(people))
    return written, families


# --- later versions of the feed's records (lists 9 and 10) --------------------------------------------------------


def _feed_latest(out: Path, kinds: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The latest version of each of children's services' records of these kinds, read from the feed as written."""
    latest: dict[str, dict[str, Any]] = {}
    marks = tuple(f'"kind":"{k}"' for k in kinds)
    with (out / "agencies" / CSC / "records.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if not any(m in line for m in marks):
                continue
            rec = json.loads(line)
            seen = latest.get(rec["source_record_id"])
            if seen is None or seen["version"] < rec["version"]:
                latest[rec["source_record_id"]] = rec
    return latest


def _moment(stamp: str) -> int:
    """An ISO UTC timestamp the simulator wrote, as minutes from day 0."""
    day = date.fromisoformat(stamp[:10]).toordinal()
    return day * 1440 + int(stamp[11:13]) * 60 + int(stamp[14:16])


def _amended(emit: Emitter, rec: dict[str, Any], at: int, changes: dict[str, Any]) -> None:
    """The record's next version, amended at `at` (minutes from day 0; never before its latest), with `changes`."""
    at = max(at, _moment(rec.get("amended_at") or rec["recorded_at"]) + 1)
    new = dict(rec, version=rec["version"] + 1, amended_at=iso_dt(at // 1440, at % 1440),
               detail={**rec["detail"], **changes})
    emit.lines[CSC].append((new["amended_at"] + new["source_record_id"], dumps(new)))


def eligibility(dob: int, spans: list[tuple[int, int]], day: int) -> str:
    """A care leaver's entitlement on `day` from their time in care (`spans`: start, end): looked after for 13
    weeks or more since their 14th birthday, some of it after their 16th, makes a young person eligible while in
    care at 16 or 17, relevant after leaving care then, former relevant from 18; anyone else is qualifying."""
    at14, at16, at18 = add_years(dob, 14), add_years(dob, 16), add_years(dob, 18)
    since14 = sum(max(0, min(e, day) - max(s, at14)) for s, e in spans)
    if since14 >= 91 and any(e > at16 for _, e in spans):
        if day >= at18:
            return "former_relevant"
        return "eligible" if any(s <= day < e for s, e in spans) else "relevant"
    return "qualifying"


def care_leavers(ctx: Context, households: list[Household], feed: dict[str, dict[str, Any]]) -> int:
    """A later version of each care leaver's contact: eligibility, personal adviser, latest pathway plan review."""
    seed = ctx.config.seed
    names_rng = stream(seed, "care-leavers", "advisers")
    advisers = [f"{names.given_for(names_rng, s)} {names.surname(names_rng)}"
                for s in ("female", "male", "female", "female", "male", "female")[:ADVISERS]]
    contacts = {srid: rec for srid, rec in feed.items() if rec["kind"] == "care_leaver_contact"}
    if not contacts:
        return 0
    who: dict[str, str] = {}  # source record id → the young person's true id
    prefix = f"{CSC},"
    for row in ctx.emit.truth:
        if row.startswith(prefix):
            _, srid, mention, pid = row.rstrip("\n").split(",")
            if mention == "m1" and srid in contacts:
                who[srid] = pid
    wanted = set(who.values())
    people = {p.pid: p for hh in households for p in hh.members if p.pid in wanted}
    spans: dict[str, list[tuple[int, int]]] = {}
    for row in ctx.csc_episodes:
        pid, kind, start, end, _ = row.rstrip("\n").split(",", 4)
        if kind == "looked_after" and pid in wanted:
            spans.setdefault(pid, []).append((date.fromisoformat(start).toordinal(),
                                              date.fromisoformat(end).toordinal() if end else ctx.end))
    written = 0
    for srid in sorted(contacts):
        rec, person = contacts[srid], people.get(who.get(srid, ""))
        if person is None:
            continue
        rng = stream(seed, "care-leavers", srid)
        day = date.fromisoformat(rec["occurred_on"]).toordinal()
        category = eligibility(person.dob, spans.get(person.pid, []), day)
        changes: dict[str, Any] = {"eligibility_category": category, "text": CARE_LEAVER_TEXT}
        planned = category != "qualifying"
        if planned or rng.random() < QUALIFYING_WITH_ADVISER:
            changes["personal_adviser"] = advisers[derive_seed(seed, "care-leavers", "adviser", person.pid) % ADVISERS]
        if planned:
            back = rng.randint(183, 330) if rng.random() < PATHWAY_REVIEW_OVERDUE else rng.randint(0, 175)
            changes["pathway_plan_reviewed_on"] = iso(max(day - back, add_years(person.dob, 16)))
        _amended(ctx.emit, rec, _moment(rec["recorded_at"]) + rng.randrange(20, 600), changes)
        written += 1
    return written


def adoption_families(ctx: Context, placed: list[Adoption], feed: dict[str, dict[str, Any]]) -> int:
    """A later version of each placed child's adoption decision, on the day of the match, naming the adoptive
    family (`adopters_family_id`: their adopters' family_id)."""
    decisions = {str(r["detail"].get("case_id") or ""): r for r in feed.values() if r["kind"] == "adoption_decision"}
    written = 0
    for a in placed:
        for case in a.children:
            rec = decisions.get(case)
            if rec is None or not a.family_id:
                continue
            rng = stream(ctx.config.seed, "adoption-family", rec["source_record_id"])
            _amended(ctx.emit, rec, a.matched * 1440 + 600 + rng.randrange(420), {"adopters_family_id": a.family_id})
            written += 1
    return written


# --- children in care (list 8) ------------------------------------------------------------------------------------

PERMANENCE_OTHER = 0.03  # a plan of another kind (parallel or concurrent planning, a time-limited assessment)
SGO_CAO_ENDS = frozenset({"E41", "E45", "E46", "E47", "E48"})  # care ended by a child arrangements or SGO order
HOME_ENDS = frozenset({"E4A", "E4B", "E13"})  # care ended with a return to family
RESIDENTIAL = frozenset({"K1", "K2", "R1"})
LONG_TERM_FOSTER = frozenset({"U1", "U4"})
# IRO contacts between two reviews: none, one or two (weights), and how (weights; a child under 4 is visited)
IRO_CONTACTS_PER_INTERVAL = ((0, 35), (1, 50), (2, 15))
IRO_CONTACT_TYPES = (("visit", 55), ("phone_call", 20), ("video_call", 15), ("letter_or_message", 10))
IRO_TEXT = {"visit": "IRO visited the child at the placement.", "phone_call": "IRO spoke to the child by phone.",
            "video_call": "IRO spoke to the child by video call.",
            "letter_or_message": "IRO wrote to the child about their plan and the next review."}


def _day(value: str | None) -> int | None:
    return date.fromisoformat(value[:10]).toordinal() if value else None


def _by_case(feed: dict[str, dict[str, Any]], kind: str) -> dict[str, list[dict[str, Any]]]:
    """The feed's latest records of a kind, by the case they belong to, in time order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for srid in sorted(feed):
        rec = feed[srid]
        if rec["kind"] == kind:
            out.setdefault(str(rec["detail"].get("case_id") or ""), []).append(rec)
    for recs in out.values():
        recs.sort(key=lambda r: (r["occurred_on"], r["source_record_id"]))
    return out


def _period(episodes: list[dict[str, Any]], day: int, end: int) -> list[dict[str, Any]]:
    """The period of care (episodes following on each other) that `day` falls in or last came before."""
    periods: list[list[dict[str, Any]]] = []
    for e in episodes:
        start = _day(e["occurred_on"])
        if periods and (_day(periods[-1][-1].get("ended_on")) or end) >= start \
                and e["detail"].get("reason_new_episode") != "S":
            periods[-1].append(e)
        else:
            periods.append([e])
    before = [p for p in periods if _day(p[0]["occurred_on"]) <= day]
    return before[-1] if before else []


def plan_for(day: int, dob: int | None, period: list[dict[str, Any]], decision: dict[str, Any] | None,
             other: bool) -> str:
    """The permanence plan a review on `day` confirms, from how the period of care goes on: adoption once the
    decision is near (unless reversed by then), the order or return home that ends care, a long-term placement or
    supported living for an older child, long-term fostering after six months in foster care, else a return to
    family; `other` a plan of another kind."""
    if other:
        return "other"
    if decision is not None:
        decided, reversed_on = _day(decision["occurred_on"]), _day(decision.get("ended_on"))
        if decided - 60 <= day and (reversed_on is None or day < reversed_on):
            return "adoption"
    last = period[-1] if period else {"detail": {}}
    ended = str(last["detail"].get("reason_ended") or "") if last.get("ended_on") else ""
    if ended in SGO_CAO_ENDS:
        return "sgo_cao"
    if ended in HOME_ENDS:
        return "return_to_family"
    now = next((e for e in reversed(period) if _day(e["occurred_on"]) <= day), last)
    place = str(now["detail"].get("placement_type") or "")
    age = age_on(dob, day) if dob is not None else None
    in_care = day - _day(period[0]["occurred_on"]) if period else 0
    if age is not None and age >= 16 and place not in LONG_TERM_FOSTER:
        return "supported_living"
    if place in RESIDENTIAL and (age is None or age >= 11):
        return "long_term_residential"
    if place in LONG_TERM_FOSTER or (place[:1] == "U" and in_care >= 182):
        return "long_term_fostering"
    if place[:1] == "A":
        return "adoption"
    return "return_to_family"


def permanence_plans(ctx: Context, feed: dict[str, dict[str, Any]]) -> int:
    """A later version of each looked-after review, adding the permanence plan the review confirmed."""
    seed = ctx.config.seed
    episodes = _by_case(feed, "looked_after_episode")
    decisions = {case: recs[-1] for case, recs in _by_case(feed, "adoption_decision").items()}
    written = 0
    for case, reviews in sorted(_by_case(feed, "looked_after_review").items()):
        for rec in reviews:
            rng = stream(seed, "permanence", rec["source_record_id"])
            day = _day(rec["occurred_on"])
            dob = _day(rec["mentions"][0].get("dob")) if rec["mentions"] else None
            period = _period(episodes.get(case, []), day, ctx.end)
            plan = plan_for(day, dob, period, decisions.get(case), rng.random() < PERMANENCE_OTHER)
            _amended(ctx.emit, rec, _moment(rec["recorded_at"]) + rng.randrange(10, 240), {"permanence_plan": plan})
            written += 1
    return written


def placement_las(ctx: Context, feed: dict[str, dict[str, Any]]) -> int:
    """A later version of each looked-after episode, adding the local authority the placement lies in (the
    borrowed authority: every placement postcode the simulator writes is one of its own)."""
    written = 0
    for srid in sorted(feed):
        rec = feed[srid]
        if rec["kind"] != "looked_after_episode":
            continue
        rng = stream(ctx.config.seed, "placement-la", srid)
        _amended(ctx.emit, rec, _moment(rec["recorded_at"]) + rng.randrange(10, 240), {"placement_la": LA_GSS})
        written += 1
    return written


def iro_contacts(ctx: Context, feed: dict[str, dict[str, Any]]) -> int:
    """The independent reviewing officer's visits and contacts with each child in care between one review and the
    next (or the end of care), each a record of its own naming the child as the review did."""
    seed = ctx.config.seed
    episodes = _by_case(feed, "looked_after_episode")
    reviews = _by_case(feed, "looked_after_review")
    named = {rec["source_record_id"] for recs in reviews.values() for rec in recs}
    truth: dict[tuple[str, str], str] = {}  # (review, mention) → the true person
    prefix = f"{CSC},"
    for row in ctx.emit.truth:
        if row.startswith(prefix):
            _, srid, mention, pid = row.rstrip("\n").split(",")
            if srid in named:
                truth[(srid, mention)] = pid
    written = 0
    for case in sorted(reviews):
        spans = [(_day(e["occurred_on"]), _day(e.get("ended_on")) or ctx.end) for e in episodes.get(case, [])]
        recs = reviews[case]
        for i, rec in enumerate(recs):
            rng = stream(seed, "iro-contacts", rec["source_record_id"])
            start = _day(rec["occurred_on"])
            until = min(_day(recs[i + 1]["occurred_on"]) if i + 1 < len(recs) else max((e for _, e in spans),
                                                                                         default=start), ctx.end)
            dob = _day(rec["mentions"][0].get("dob")) if rec["mentions"] else None
            days = sorted(rng.randint(start + 14, until - 14) for _ in range(_pick(rng, IRO_CONTACTS_PER_INTERVAL))
                          if until - start > 42)
            for day in days:
                if not any(s <= day < e for s, e in spans):
                    continue  # not looked after that day
                how = "visit" if dob is not None and age_on(dob, day) < 4 else _pick(rng, IRO_CONTACT_TYPES)
                if _iro_contact(ctx, rec, day, rng.randrange(540, 1020) + rng.randrange(30, 2880), how, truth):
                    written += 1
    return written


def _iro_contact(ctx: Context, review: dict[str, Any], day: int, recorded: int, how: str,
                 truth: dict[tuple[str, str], str]) -> bool:
    """One IRO contact (version 1), numbered after children's services' records, the child named as on the review
    (its mentions, and their truth rows)."""
    if day >= ctx.end:
        return False
    emit = ctx.emit
    emit.record_counter[CSC] += 1
    agency = BY_ID[CSC]
    srid = f"{agency.prefix}-{iso(day).replace('-', '')}-{emit.record_counter[CSC]:07d}"
    rec = {"schema": review["schema"], "agency_id": CSC, "source_system": review["source_system"],
           "source_record_id": srid, "version": 1, "kind": "iro_contact", "occurred_on": iso(day),
           "recorded_at": iso_dt(day + recorded // 1440, recorded % 1440), "mentions": review["mentions"],
           "detail": {"author_role": "Independent reviewing officer", "case_id": review["detail"].get("case_id"),
                      "code": "iro_contact", "contact_type": how, "text": IRO_TEXT[how]}}
    for m in review["mentions"]:
        pid = truth.get((review["source_record_id"], m["mention_id"]))
        if pid is not None:
            emit.truth.append(f"{CSC},{srid},{m['mention_id']},{pid}\n")
    emit.lines[CSC].append((rec["recorded_at"] + srid, dumps(rec)))
    return True


# --- writing -----------------------------------------------------------------------------------------------------


def write(out: Path, ctx: Context, households: list[Household], held: dict[str, dict[str, list[Held]]],
          placed: list[Adoption]) -> Written:
    """Make the records (after the feeds and truth files are written) and write them to `out/statutory-returns`."""
    emit = ctx.emit
    truth_from, traps_from = len(emit.truth), len(emit.trap_rows)
    emit.lines[CSC] = []
    done = Written()
    cases = _cases(ctx)
    for hh in households:
        emit.start_household()  # no trap streams: nothing of a household's own streams is drawn again
        emit.held.update({(CSC, pid): got for pid, got in held.get(hh.hid, {}).items()})
        done.early_help += early_help(ctx, hh, cases)
    emit.start_household()
    written, families = adopters(ctx, placed)
    done.adopters = written
    feed = _feed_latest(out, ("care_leaver_contact", "adoption_decision", "looked_after_review",
                              "looked_after_episode"))
    done.care_leaver_contacts = care_leavers(ctx, households, feed)
    done.adoption_decisions = adoption_families(ctx, placed, feed)
    done.reviews, done.episodes = permanence_plans(ctx, feed), placement_las(ctx, feed)
    done.iro_contacts = iro_contacts(ctx, feed)
    folder = out / FOLDER
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    items = sorted(emit.lines[CSC])
    done.records = len(items)
    with (folder / "records.jsonl").open("w", encoding="utf-8", newline="\n") as f:
        for _, line in items:
            f.write(line)
            f.write("\n")
    write_lines(folder / "truth" / "mentions.csv", "agency_id,source_record_id,mention_id,person_id\n",
                emit.truth[truth_from:])
    persons, _ = person_rows(families)
    write_lines(folder / "truth" / "persons.csv",
                "person_id,given_name,family_name,previous_family_name,sex,dob,nhs_number,upn,"
                "role,hidden_adult,born,household_id\n", persons)
    write_lines(folder / "truth" / "traps.csv", "trap,person_id,agency_id,local_person_id,detail\n",
                emit.trap_rows[traps_from:])
    (folder / "README.md").write_text(README, encoding="utf-8")
    del emit.truth[truth_from:], emit.trap_rows[traps_from:]
    emit.lines[CSC] = []
    return done


README = """# Early help assessments, adopters and IRO contacts (children's services)

Records only Ofsted's Annex A reads (lists 2, 8, 9, 10 and 11), kept apart from the agencies' feeds so that those
stay as they were for a seed (joinedup_lab/simulate/csc_annex_a.py): `records.jsonl` holds
northbrook-childrens-services' `early_help_assessment`, `adopter_journey` and `iro_contact` records, and later
versions of its feed's `looked_after_review` records (the permanence plan), `looked_after_episode` records (the
local authority of the placement), `care_leaver_contact` records (eligibility category, personal adviser, latest
pathway plan review) and `adoption_decision` records (the adoptive family's id). Ingest it after the feeds:

    joinedup ingest --register-agencies DIR && joinedup ingest DIR/statutory-returns && joinedup link

truth/ is as the authority's truth/: `mentions.csv` (each mention's true person), `persons.csv` (the adopters;
household_id is the adoptive family, the records' family_id), `traps.csv` (noise on identities first written
here). Never load truth/ into joinedup.
"""
