"""Builds agency records (with noise) and the truth behind every mention, and buffers them for writing."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

from .addresses import render_address
from .agencies import AGENCIES, BY_ID, Agency
from .config import SimulationConfig
from .noise import Held, make_held
from .population import Person
from .streams import age_on, iso, iso_dt
from .traps import GIVEN_ONLY_KINDS, GIVEN_ONLY_NOT_IN, given_only_mention

Mention = tuple[Person, str, dict[str, Any]]  # person, role, extras (relationship, label, family, due, address_of…)
RELATIONSHIP_ONLY_ROLES = (
    "partner",
    "friend",
    "present",
    "accompanying_adult",
    "occupant",
    "household_member",
)
# Who writes each kind of record (detail.author_role): the role a chronology shows beside the entry.
AUTHOR_ROLES = {
    "ed_attendance": "Emergency department nurse",
    "admission": "Paediatric registrar",
    "consultation": "GP",
    "missed_appointment": "Practice administrator",
    "person_registration": "Registration clerk",
    "health_visitor_contact": "Health visitor",
    "midwife_contact": "Community midwife",
    "injury": "Health visitor",
    "ambulance_callout": "Paramedic",
    "police_incident": "Police constable",
    "arrest": "Police constable",
    "bail": "Custody sergeant",
    "school_enrolment": "School administrator",
    "school_attendance": "Attendance officer",
    "school_concern": "Designated safeguarding lead",
    "housing_application": "Housing options officer",
    "temporary_accommodation": "Housing options officer",
    "tenancy": "Housing officer",
    "rent_arrears": "Income officer",
    "eviction_proceedings": "Income officer",
    "property_inspection": "Housing officer",
    "supervision": "Team manager",
    "conference": "Conference chair",
    "legal_planning_meeting": "Local authority solicitor",
    "family_support_session": "Family support worker",
    "probation_supervision": "Probation officer",
    "csc_contact": "Front door social worker",
}
HEALTH_KINDS = ("acute_hospital", "community_health", "gp_practice", "ambulance", "childrens_social_care")


def dumps(obj: object) -> str:
    """Canonical JSON: sorted keys, fixed separators, UTF-8 text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Emitter:
    """Turns simulated events into records as each agency would send them, with truth rows alongside."""

    def __init__(self, config: SimulationConfig, start: int, end: int) -> None:
        self.config = config
        self.noise = config.noise
        self.p = config.noise.probabilities()
        self.start, self.end = start, end
        self.lines: dict[str, list[tuple[str, str]]] = {a.id: [] for a in AGENCIES}
        self.truth: list[str] = []
        self.trap_rows: list[str] = []  # truth/traps.csv: noise and record traps per agency-held identity, mention traps
        self.trap_rng: random.Random | None = None
        self.record_trap_rng: random.Random | None = None
        self.given_rng: random.Random | None = None
        self.record_counter: Counter[str] = Counter()
        self.person_counter: Counter[str] = Counter()
        self.kinds: Counter[tuple[str, str]] = Counter()
        self.held: dict[tuple[str, str], list[Held]] = {}
        self.pinned: dict[tuple[str, str, object], tuple[Held, bool]] = {}

    def start_household(
        self,
        trap_rng: random.Random | None = None,
        record_trap_rng: random.Random | None = None,
        given_rng: random.Random | None = None,
    ) -> None:
        """Forgets per-household caches (every person belongs to exactly one simulated household); `trap_rng`
        is the household's own stream for the record traps (none: no record traps), `record_trap_rng` its
        stream for those of dob_estimated, age and other_names (none: not those), `given_rng` its stream for
        hidden adults written by their first name alone (none: never)."""
        self.trap_rng = trap_rng
        self.record_trap_rng = record_trap_rng
        self.given_rng = given_rng
        self.held.clear()
        self.pinned.clear()

    def _held(self, rng: random.Random, agency: Agency, person: Person, baby: bool) -> Held:
        key = (agency.id, person.pid + ("b" if baby else ""))
        got = self.held.get(key)
        if got is None:
            got = []
            n = 2 if rng.random() < self.p["duplicate_person"] else 1
            for _ in range(n):
                self.person_counter[agency.id] += 1
                local = f"{agency.prefix}{self.person_counter[agency.id]:07d}"
                labels: list[tuple[str, str]] = []
                got.append(make_held(rng, self.p, agency, person, local, self.trap_rng, labels, self.record_trap_rng))
                self.trap_rows.extend(f"{kind},{person.pid},{agency.id},{local},{detail}\n" for kind, detail in labels)
            self.held[key] = got
        return got[0] if len(got) == 1 else rng.choice(got)

    def _pinned(self, rng: random.Random, agency: Agency, person: Person, pin: object) -> tuple[Held, bool]:
        """The one identity a case system files every record of one case under (a duplicate person record is
        used for a whole case, not record by record), and whether it was opened as "Baby <surname>"."""
        key = (agency.id, person.pid, pin)
        got = self.pinned.get(key)
        if got is None:
            got = (self._held(rng, agency, person, False), rng.random() < self.p["baby_unnamed"])
            self.pinned[key] = got
        return got

    def local_id(self, agency_id: str, person: Person, pin: object) -> str | None:
        """The agency's person id a case was filed under (None when no record of the case was written)."""
        got = self.pinned.get((agency_id, person.pid, pin))
        return got[0].local_id if got is not None else None

    def _mention(
        self, rng: random.Random, agency: Agency, day: int, mid: str, m: Mention, kind: str = "", srid: str = ""
    ) -> dict[str, Any]:
        person, role, extra = m
        out: dict[str, Any] = {"mention_id": mid, "role": role}
        if extra.get("relationship"):
            out["relationship_to_subject"] = extra["relationship"]
        pin = extra.get("pin")
        if role == "unborn":  # a multiple pregnancy's children are named "unborn twin 1"…, with one due date
            out["relationship_label"] = extra.get("label") or "unborn child"
            out["family_name"] = extra.get("family") or person.family
            out["expected_due_on"] = iso(extra["due"] if "due" in extra else person.dob + rng.randrange(-7, 8))
            out["sex"] = "unknown"
            if pin is not None:  # children's services open a person record for an unborn child they work with
                out["local_person_id"] = self._pinned(rng, agency, person, pin)[0].local_id
            return out
        hidden_adult = person.hidden and role in RELATIONSHIP_ONLY_ROLES
        p_rel = self.p["relationship_only_hidden" if hidden_adult else "relationship_only_other"]
        if role in RELATIONSHIP_ONLY_ROLES and rng.random() < p_rel:
            out["relationship_label"] = extra.get("label") or role
            out["sex"] = person.sex if rng.random() < 0.7 else "unknown"
            return out
        if pin is not None:
            held, unnamed = self._pinned(rng, agency, person, pin)
            baby = unnamed and person.role == "child" and day < person.dob + person.named_after_days
        else:
            baby = (
                person.role == "child"
                and day < person.dob + person.named_after_days
                and agency.kind in HEALTH_KINDS
                and rng.random() < self.p["baby_unnamed"]
            )
            held = self._held(rng, agency, person, baby)
        out["local_person_id"] = held.local_id
        out["given_name"] = "Baby" if baby else held.given
        out["family_name"] = held.family
        out["sex"] = held.sex
        if held.dob:
            out["dob"] = held.dob
            if held.dob_estimated:
                out["dob_estimated"] = True
        if held.age_offset is not None:  # "about 34": the age on the record's day, as the agency put it
            out["age"] = min(120, max(0, age_on(person.dob, day) + held.age_offset))
        if held.other_names:
            out["other_names"] = [dict(o) for o in held.other_names]
        if held.nhs:
            out["nhs_number"] = held.nhs
        if held.upn:
            out["upn"] = held.upn
        addr = extra.get("address_of")
        if addr is None:
            addr = person.address_at(day)
            if person.hidden and agency.kind in ("police", "probation", "gp_practice", "acute_hospital"):
                addr = person.spells[0][1] if rng.random() < 0.7 else addr
        if addr is not None and not extra.get("no_address"):
            out["address"] = render_address(rng, addr, self.p, agency.holds_uprn)
        if (
            self.given_rng is not None
            and person.hidden
            and agency.kind in GIVEN_ONLY_KINDS
            and kind not in GIVEN_ONLY_NOT_IN
        ):  # the mention is built in full first, so that the household's own stream draws what it always did
            label = extra.get("label") or (role if role in RELATIONSHIP_ONLY_ROLES else None)
            first_name_only = given_only_mention(self.given_rng, self.p, person, out, label)
            if first_name_only is not None:
                self.trap_rows.append(f"given_only,{person.pid},{agency.id},,{srid}/{mid}\n")
                return first_name_only
        return out

    def record(
        self,
        rng: random.Random,
        agency_id: str,
        kind: str,
        day: int,
        minute: int | None,
        mentions: list[Mention],
        detail: dict[str, Any],
        lag_minutes: int = 30,
        end_day: int | None = None,
        evidence: list[tuple[str, str]] | None = None,
        keep_before_start: bool = False,
        later: list[tuple[int, int, dict[str, Any], int | None]] | None = None,
    ) -> str | None:
        """Emits one record (and any later version); returns its source record id, or None if out of period.

        `later` lists later steps on the same record, each (day, minute, detail changes, ended_on or None),
        in time order: each within the period becomes the next version, carrying every change before it (a
        contact decided, an assessment authorised, a plan whose category changed and then ended). Without it,
        `end_day` makes a version 2 with `ended_on`, and a few records are corrected and re-sent."""
        if day >= self.end or (day < self.start and not keep_before_start) or not mentions:
            return None
        agency = BY_ID[agency_id]
        self.record_counter[agency_id] += 1
        srid = f"{agency.prefix}-{iso(day).replace('-', '')}-{self.record_counter[agency_id]:07d}"
        rec_minute = (minute if minute is not None else 540) + lag_minutes
        rec_day = day + rec_minute // 1440
        rec: dict[str, Any] = {
            "schema": "joinedup.agency-record/1",
            "agency_id": agency_id,
            "source_system": agency.source_system,
            "source_record_id": srid,
            "version": 1,
            "kind": kind,
            "recorded_at": iso_dt(rec_day, rec_minute % 1440),
            "mentions": [],
            "detail": {"author_role": AUTHOR_ROLES.get(kind, "Social worker"), **detail},
        }
        if minute is None:
            rec["occurred_on"] = iso(day)
        else:
            rec["occurred_at"] = iso_dt(day, minute)
        for i, m in enumerate(mentions, 1):
            rec["mentions"].append(self._mention(rng, agency, day, f"m{i}", m, kind, srid))
            self.truth.append(f"{agency_id},{srid},m{i},{m[0].pid}\n")
        self._add(agency_id, rec)
        self.kinds[(agency_id, kind)] += 1
        if evidence is not None:
            evidence.append((agency_id, srid))
        if later is not None:
            self._later(rec, later, rec_day, rec_minute % 1440)
            return srid
        amend_day: int | None = None
        if end_day is not None and end_day < self.end:
            amend_day = end_day
            changed = dict(rec, version=2, ended_on=iso(end_day))
        elif rng.random() < self.p["correction_resend"]:
            amend_day = rec_day + rng.randrange(1, 30)
            changed = dict(
                rec, version=2, detail=dict(rec["detail"], text=str(detail.get("text", "")) + " [amended]")
            )
        if amend_day is not None and amend_day < self.end:
            changed["amended_at"] = iso_dt(max(amend_day, rec_day), 600 + rng.randrange(420))
            self._add(agency_id, changed)
        return srid

    def _later(
        self, rec: dict[str, Any], later: list[tuple[int, int, dict[str, Any], int | None]], day: int, minute: int
    ) -> None:
        current = rec
        for step_day, step_minute, changes, ended_on in later:
            if step_day >= self.end:
                break
            if (step_day, step_minute) <= (day, minute):  # amended after it was first recorded
                step_day, step_minute = day + (minute + 1) // 1440, (minute + 1) % 1440
            day, minute = step_day, step_minute
            current = dict(
                current,
                version=current["version"] + 1,
                amended_at=iso_dt(day, minute),
                detail={**current["detail"], **changes},
            )
            if ended_on is not None:
                current["ended_on"] = iso(ended_on)
            self._add(rec["agency_id"], current)

    def _add(self, agency_id: str, rec: dict[str, Any]) -> None:
        key = (rec.get("amended_at") or rec["recorded_at"]) + rec["source_record_id"]
        self.lines[agency_id].append((key, dumps(rec)))
