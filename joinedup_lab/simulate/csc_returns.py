"""What children's social care records about a child for the statutory returns (docs/formats/README.md, "Additions
to version 1 for the statutory returns"): the child's registration (ethnicity, disabilities, why there is no UPN,
motherhood), and around a period of care its reviews, missing episodes, social worker allocations, outcomes at
31 March, the adoption decision and the care leaver's contacts around their 17th to 21st birthdays.

Every draw here comes from streams of its own (`stream(seed, "returns", …)`), never the household's, so the
records the simulator wrote before these existed are as they were (only the numbering of later source record
ids and local person ids at children's services moves). The code lists are the simulator's own copies of the
CIN census and SSDA903 lists.

**Real postcodes.** The SSDA903 validator looks placement and home postcodes up in the ONS postcode directory to
place a placement in or out of the authority, so the looked-after episodes carry real postcodes of the authority
whose numbers the demo borrows (Richmond upon Thames: LA number 318, GSS E09000027): `REAL_POSTCODES`, a short
list of postcode units from the public ONS postcode directory (two from each of Richmond's larger postcode
sectors; a postcode unit covers a street or part of one, never one household). Each fictional NB postcode maps to
one of them (`real_postcode`), so a family's home and a placement keep one postcode each. Nothing else the
simulator writes uses them: addresses everywhere else stay fictional.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from . import workdays as wd
from .agencies import CSC
from .context import Context, carers
from .identifiers import LA_NUMBER
from .population import Household, Person
from .staff import Worker
from .streams import add_years, age_on, derive_seed, iso, poisson, stream

LA_GSS = "E09000027"  # the GSS code of the authority those postcodes lie in (Richmond upon Thames; SSDA903 PL_LA)
REAL_POSTCODES = (
    "SW13 0HL", "SW13 0PW", "SW13 3BF", "SW13 3DA", "SW13 8ED", "SW13 8QY", "SW13 9JD", "SW13 9QY",
    "SW14 7HP", "SW14 7QR", "SW14 8JG", "SW14 8RZ", "SW14 9BF", "SW14 9DL",
    "TW1 1JT", "TW1 1RP", "TW1 2JG", "TW1 2RN", "TW1 3HX", "TW1 3RR", "TW1 4HZ", "TW1 4RP", "TW1 9ER", "TW1 9HY",
    "TW2 5JF", "TW2 5RZ", "TW2 6JA", "TW2 6QT", "TW2 7HP", "TW2 7RE",
    "TW9 1HX", "TW9 1SQ", "TW9 2HU", "TW9 2SG", "TW9 3HL", "TW9 3QD", "TW9 4HA", "TW9 4QS", "TW9 9EY", "TW9 9HW",
    "TW10 5DH", "TW10 5JF", "TW10 6HN", "TW10 6RY", "TW10 7HU", "TW10 7RZ",
    "TW11 0JD", "TW11 0RJ", "TW11 1BN", "TW11 1DT", "TW11 8HP", "TW11 8SD", "TW11 9HT", "TW11 9RG",
    "TW12 1HR", "TW12 1RE", "TW12 2HY", "TW12 2SH", "TW12 3JJ", "TW12 3TW", "TW12 9BL", "TW12 9DS",
)

# The child's details (CIN census / SSDA903 codes), weights roughly those of England's children in need.
ETHNICITIES = (
    ("WBRI", 640), ("WIRI", 3), ("WIRT", 2), ("WOTH", 50), ("WROM", 6), ("MWBC", 25), ("MWBA", 10), ("MWAS", 10),
    ("MOTH", 25), ("AIND", 25), ("APKN", 40), ("ABAN", 15), ("AOTH", 20), ("BCRB", 12), ("BAFR", 40), ("BOTH", 8),
    ("CHNE", 4), ("OOTH", 25), ("REFU", 8), ("NOBT", 12),
)
DISABILITY_CODES = (("LD", 30), ("AUT", 25), ("COMM", 15), ("BEH", 10), ("CON", 6), ("MOB", 5), ("HAND", 3),
                    ("PC", 2), ("HEAR", 2), ("VIS", 2), ("INC", 1), ("DDA", 1))
DISABLED_SHARE = 0.07  # of children in need without disability as their primary need
# Why children's services hold no UPN: under 6 and not at school yet (UN1), not yet obtained (UN5), never at a
# maintained school in England (UN2); UN6 for an unborn child, UN7 for a referral with no further action.
NO_UPN_OLDER = (("UN5", 75), ("UN2", 25))

# Looked after.
PLACEMENT_CHANGE_REASONS = (("CARPL", 40), ("CREQB", 12), ("CREQO", 10), ("CHILD", 8), ("LAREQ", 10),
                            ("STAND", 5), ("ALLEG", 3), ("CLOSE", 3), ("APPRR", 2), ("OTHER", 7))
NO_PROVIDER = frozenset({"T0", "T1", "T2", "T3", "T4", "Z11", "Z12", "Z13", "Z14"})
NO_URN = frozenset({"P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z11", "Z12", "Z13", "Z14"})
PERMANENCE_AFTER = {"E11": "P1", "E12": "P1", "E45": "P2", "E46": "P2", "E47": "P2", "E48": "P2", "E41": "P3"}
PARTICIPATION = (("PN1", 50), ("PN2", 12), ("PN3", 10), ("PN4", 8), ("PN5", 8), ("PN6", 5), ("PN7", 7))
WORKER_CHANGES = (("MANAGE", 20), ("LEFTRL", 30), ("ORGRST", 10), ("ABSENC", 10), ("CHCHAN", 15),
                  ("PCCHAN", 5), ("OTHERS", 10))
SDQ_REASONS = (("SDQ2", 30), ("SDQ3", 30), ("SDQ4", 20), ("SDQ5", 20))  # SDQ1 is for the ages without one
IN_TOUCH = (("YES", 86), ("NO", 6), ("REFU", 4), ("NREQ", 2), ("RHOM", 2))
ACTIVITIES = (("F1", 10), ("P1", 3), ("F2", 25), ("P2", 6), ("F4", 15), ("P4", 8), ("F5", 3), ("P5", 2),
              ("G4", 8), ("G5", 16), ("G6", 4))
ACCOMMODATION = (("U1", 30), ("D1", 18), ("Z1", 12), ("E1", 8), ("B1", 10), ("K1", 5), ("T1", 4), ("S2", 3),
                 ("W2", 2), ("X2", 2), ("B2", 3), ("U2", 3))
ADOPTERS = ((2, "MF", "L11", 55), (2, "MF", "L2", 15), (2, "FF", "L12", 6), (2, "MM", "L12", 5),
            (2, "FF", "L2", 2), (1, "F1", "L0", 14), (1, "M1", "L0", 3))
ENDED_AT_ADULTHOOD = frozenset({"E5", "E17", "E6", "E8"})


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def real_postcode(key: str) -> str:
    """The real postcode a fictional one (or a household) stands for in the returns, always the same one."""
    return REAL_POSTCODES[derive_seed(0, "real-postcode", key) % len(REAL_POSTCODES)]


def urn(placement_type: str, postcode: str) -> str:
    """The Ofsted URN of a provider (a children's home, a fostering service): the same provider, the same URN."""
    return f"SC{100000 + derive_seed(0, 'urn', placement_type[:1], postcode) % 900000}"


def worker_id(worker: Worker) -> str:
    """A social worker's Social Work England number (synthetic)."""
    return f"SW{10000 + worker.index * 37 % 90000:05d}"


def ethnicity(ctx: Context, hh: Household, child: Person) -> str:
    """The child's ethnicity: mostly the family's, sometimes mixed."""
    family = _pick(stream(ctx.config.seed, "returns", "ethnicity", hh.hid), ETHNICITIES)
    own = stream(ctx.config.seed, "returns", "ethnicity", child.pid)
    return _pick(own, ETHNICITIES) if own.random() < 0.08 else family


def disabilities(ctx: Context, child: Person, need: str) -> list[str]:
    """The child's disabilities (`NONE` alone when none); always one when disability is the primary need."""
    rng = stream(ctx.config.seed, "returns", "disability", child.pid)
    codes = sorted({_pick(rng, DISABILITY_CODES) for _ in range(rng.choice((1, 1, 1, 2)))})
    disabled = rng.random() < DISABLED_SHARE
    return codes if disabled or need == "N2" else ["NONE"]


def _subject(child: Person, role: str, case_id: str) -> list:
    return [(child, role, {"pin": case_id})]


def registration(
    ctx: Context, hh: Household, child: Person, role: str, case_id: str, day: int, need: str, keep: bool,
    nfa: bool = False, until: int = 0,
) -> None:
    """Children's social care's registration of the child for a case: ethnicity, disabilities, why there is no UPN
    (when the case system holds none), motherhood for a girl (a new version if she becomes a mother)."""
    rng = stream(ctx.config.seed, "returns", "registration", child.pid, case_id)
    detail: dict[str, Any] = {
        "code": "registration", "author_role": "Business support officer",
        "ethnicity": ethnicity(ctx, hh, child), "disabilities": disabilities(ctx, child, need),
    }
    held = ctx.emit.pinned.get((CSC, child.pid, case_id))
    if role == "unborn" or day < child.dob:
        detail["upn_unknown_reason"] = "UN6"
    elif held is None or not held[0].upn:
        recent = ctx.further_action.get(child.pid, -1) >= day - 400
        if nfa and not recent:
            detail["upn_unknown_reason"] = "UN7"
        elif age_on(child.dob, min(until, ctx.end)) < 5:  # not of school age while the case is open
            detail["upn_unknown_reason"] = "UN1"
        else:
            detail["upn_unknown_reason"] = _pick(rng, NO_UPN_OLDER)
    later = None
    if child.sex == "female" and role != "unborn":
        born = ctx.mothers.get(child.pid)
        detail["is_mother"] = born is not None and born <= day
        if born is not None and born <= day:
            detail["first_child_born_on"] = iso(born)
        elif born is not None:
            later = [(born, 600, {"is_mother": True, "first_child_born_on": iso(born)}, None)]
    ctx.emit.record(rng, CSC, "person_registration", day, None, [*_subject(child, role, case_id), *carers(hh, day)],
                    detail,
                    lag_minutes=rng.randrange(30, 600), keep_before_start=keep, later=later)
    if not nfa:
        ctx.further_action[child.pid] = max(ctx.further_action.get(child.pid, -1), day)


def care_details(
    ctx: Context, hh: Household, child: Person, episodes: list[Any],
) -> None:
    """What the SSDA903 needs on each looked-after episode: home and placement postcodes (real ones, above), the
    provider's URN, why a placement changed, and previous permanence on the episode that starts care."""
    rng = stream(ctx.config.seed, "returns", "care", child.pid, episodes[0].start)
    home = hh.home_at(episodes[0].start)
    home_pc = real_postcode(home.postcode if home is not None and not home.protected else hh.hid)
    for i, e in enumerate(episodes):
        d = e.detail
        if d["placement_type"] == "P1":
            d["placement_postcode"] = home_pc
        else:  # never the home's postcode but with parents (csc-validator-be-903's 392d)
            pc = real_postcode(d["placement_postcode"])
            if pc == home_pc:
                pc = REAL_POSTCODES[(REAL_POSTCODES.index(pc) + 1) % len(REAL_POSTCODES)]
            d["placement_postcode"] = pc
        d["home_postcode"] = home_pc
        if d["placement_type"] in NO_PROVIDER:
            d.pop("placement_provider", None)
        if d["placement_type"] not in NO_URN:
            d["placement_urn"] = urn(d["placement_type"], d["placement_postcode"])
        if i and d["reason_new_episode"] in ("P", "T"):  # a move is to another placement (903 rule 435)
            pre = episodes[i - 1].detail
            while all(d.get(k) == pre.get(k) for k in ("placement_type", "placement_postcode", "placement_provider")):
                d["placement_postcode"] = REAL_POSTCODES[(REAL_POSTCODES.index(d["placement_postcode"]) + 1)
                                                         % len(REAL_POSTCODES)]
            if d["placement_type"] not in NO_URN:
                d["placement_urn"] = urn(d["placement_type"], d["placement_postcode"])
        following = episodes[i + 1] if i + 1 < len(episodes) else None
        if following is not None and following.detail["reason_new_episode"] in ("P", "B", "T", "U"):
            d["reason_placement_change"] = (
                "PLACE" if following.detail["reason_new_episode"] == "U" else _pick(rng, PLACEMENT_CHANGE_REASONS))
    first = episodes[0].detail
    before = ctx.permanence.get(child.pid)
    if before is None:
        first["previous_permanence"] = "Z1"
    else:
        first["previous_permanence"], first["previous_permanence_la"] = before[0], LA_NUMBER
        first["previous_permanence_on"] = iso(before[1])
    if child.sex == "female" and child.pid not in ctx.mothers:  # a few looked-after young women have a baby
        from_day = max(episodes[0].start, add_years(child.dob, 14))
        if from_day < episodes[-1].end - 30 and rng.random() < 0.04:
            ctx.mothers[child.pid] = rng.randint(from_day, episodes[-1].end - 1)
    ended = episodes[-1]
    code = PERMANENCE_AFTER.get(ended.reason_ended)
    if code is not None:
        ctx.permanence[child.pid] = (code, ended.end)


def care_records(
    ctx: Context, hh: Household, child: Person, case_id: str, opened: int, close: int, keep: bool,
    episodes: list[Any], family_worker: Worker,
) -> None:
    """Around one period of care: reviews, missing episodes, social worker allocations, outcomes at each 31 March
    after 12 months in care, the adoption decision, and the care leaver's contacts."""
    seed = ctx.config.seed
    start, end = episodes[0].start, episodes[-1].end
    rng = stream(seed, "returns", "care-records", child.pid, start)
    who = _subject(child, "subject", case_id)

    def emit(kind: str, day: int, detail: dict[str, Any], ended_on: int | None = None, lag: int | None = None) -> None:
        later = [(ended_on, 600, {}, ended_on)] if ended_on is not None else None
        ctx.emit.record(rng, CSC, kind, day, None, who, {"case_id": case_id, **detail},
                        lag_minutes=lag if lag is not None else rng.randrange(60, 4320), keep_before_start=keep,
                        later=later)

    # reviews: the first within 20 working days, the second within three months, then every six
    day = wd.add_working_days(start, rng.randint(8, 20))
    gap = (70, 91)
    while day < end:
        code = "PN0" if age_on(child.dob, day) < 4 else _pick(rng, PARTICIPATION)
        emit("looked_after_review", day, {"code": "cla_review", "participation": code})
        day = wd.on_or_after(day + rng.randint(*gap))
        gap = (150, 182)
    # social workers: the family's worker until care starts, then a children in care worker (new ones now and then)
    workers = ctx.staff.workers
    spans: list[tuple[int, int | None, Worker, str]] = []
    if opened < start:
        spans.append((opened, start, family_worker, "FCONTA"))
    t, reason = start, "TSPROC" if opened < start else "FCONTA"
    k = 0
    while True:
        k += 1
        w = workers[derive_seed(seed, "returns", "cla-worker", child.pid, start, k) % len(workers)]
        nxt = t + max(60, int(rng.expovariate(1 / 420)))
        if date.fromordinal(nxt).month == 3 and date.fromordinal(nxt).day >= 24:
            nxt += 10  # not in the last week of the year (csc-validator-be-903's SW11bSTG2 counts it as a gap)
        if nxt >= close:
            spans.append((t, close if close < ctx.end else None, w, reason))
            break
        spans.append((t, nxt, w, reason))
        t, reason = nxt, _pick(rng, WORKER_CHANGES)
    for s, e, w, why in spans:
        emit("worker_allocation", s, {"code": "allocation", "worker_id": worker_id(w), "change_reason": why},
             ended_on=e)
    # missing and away from placement: some young people of 11 and over, again and again
    if age_on(child.dob, end) >= 11 and rng.random() < 0.25:
        from_day = max(start, add_years(child.dob, 11))
        for _ in range(poisson(rng, 2.5 * max(0, end - from_day) / 365.25)):
            s = rng.randint(from_day, max(from_day, end - 4))
            e = s + rng.randint(1, 3)
            if e >= end or date.fromordinal(s).replace(month=3, day=31).toordinal() in range(s, e):
                continue  # not across a 31 March (csc-validator-be-903's 575, 577 read an open end there)
            kind = "missing" if rng.random() < 0.85 else "away"
            offered = kind == "missing" and rng.random() < 0.9
            detail = {"code": "missing", "missing_type": kind, "return_interview_offered": offered}
            if offered:
                detail["return_interview_accepted"] = rng.random() < 0.6
            emit("missing_episode", s, detail, ended_on=e)
    # outcomes at each 31 March after twelve months in care
    year = date.fromordinal(start).year
    while True:
        march = date(year, 3, 31).toordinal()
        year += 1
        if march >= end or march >= ctx.end:
            break
        if march - start < 364:  # in care since 1 April at the latest
            continue
        age = age_on(child.dob, march)
        detail = {"code": "cla_outcomes", "convicted": age >= 10 and rng.random() < 0.04,
                  "health_check": age < 5 and rng.random() < 0.9, "immunisations": rng.random() < 0.88,
                  "teeth_check": rng.random() < 0.82, "health_assessment": rng.random() < 0.9,
                  "substance_misuse": age >= 11 and rng.random() < 0.05}
        if detail["substance_misuse"]:
            received = rng.random() < 0.6
            detail["intervention_received"] = received
            if not received:
                detail["intervention_offered"] = rng.random() < 0.7
        if 4 <= age <= 17:
            if rng.random() < 0.85:
                detail["sdq_score"] = max(0, min(40, round(rng.gauss(14, 6))))
            else:
                detail["sdq_reason"] = _pick(rng, SDQ_REASONS)
        emit("looked_after_outcomes", march, detail, lag=rng.randrange(1440 * 5, 1440 * 40))
    # the decision that the child should be placed for adoption, before the placement order and the placement
    order = next((e.start for e in episodes if e.detail["legal_status"] == "E1"), None)
    placed = next((e for e in episodes if e.detail["placement_type"][:1] == "A"), None)
    if order is not None or placed is not None:
        first = min(d for d in (order, placed.start if placed else None) if d is not None)
        decision = max(start + 1, first - rng.randint(20, 90))
        detail: dict[str, Any] = {"code": "adoption_decision"}
        if placed is not None:
            detail["matched_on"] = iso(max(decision, placed.start - rng.randint(5, 30)))
            number, sex, legal = rng.choices([a[:3] for a in ADOPTERS], [a[3] for a in ADOPTERS])[0]
            detail.update({"adopted_by_foster_carer": placed.detail["placement_type"] in ("A3", "A5"),
                           "adopters_number": number, "adopters_sex": sex, "adopters_legal_status": legal})
        emit("adoption_decision", decision, detail)
    # a care leaver: contacts around each 17th to 21st birthday after leaving care
    if episodes[-1].reason_ended in ENDED_AT_ADULTHOOD or age_on(child.dob, end) >= 16:
        if end >= ctx.end:
            return
        for age in range(17, 22):
            birthday = add_years(child.dob, age)
            contact = birthday + rng.randint(-20, 60)
            if birthday <= end or contact <= end:
                continue
            in_touch = _pick(rng, IN_TOUCH)
            detail = {"code": "care_leaver_contact", "in_touch": in_touch}
            if in_touch == "YES":
                detail["activity"], detail["accommodation"] = _pick(rng, ACTIVITIES), _pick(rng, ACCOMMODATION)
            else:
                detail["activity"], detail["accommodation"] = "0", "0"
            emit("care_leaver_contact", contact, detail)
