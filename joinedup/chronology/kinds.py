"""What each record kind means in a chronology: its label, and whether it is a concern, a plan or hospital care.

One table, used by the chronology screens, the "who knew what, when" grid, the timeline picture, the
export and the alert rules, so that "a concern" or "a hospital attendance" means the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KindInfo:
    label: str
    concern: bool = False  # someone raised or acted on a worry about a child
    hospital: bool = False  # an emergency or inpatient hospital attendance
    plan: str = ""  # "cp", "cin" or "lac": the record is a period of a plan or of care
    casework: bool = False  # children's social care practice (referral to closure)


KINDS: dict[str, KindInfo] = {
    "person_registration": KindInfo("Registration"),
    "consultation": KindInfo("Consultation"),
    "missed_appointment": KindInfo("Missed appointment (not brought)"),
    "health_visitor_contact": KindInfo("Health visitor contact"),
    "midwife_contact": KindInfo("Midwife contact"),
    "ed_attendance": KindInfo("A&E attendance", hospital=True),
    "admission": KindInfo("Hospital admission", hospital=True),
    "injury": KindInfo("Injury recorded"),
    "ambulance_callout": KindInfo("Ambulance call-out"),
    "police_incident": KindInfo("Police incident", concern=True),
    "arrest": KindInfo("Arrest"),
    "bail": KindInfo("Bail"),
    "school_enrolment": KindInfo("School enrolment"),
    "school_attendance": KindInfo("School attendance"),
    "school_concern": KindInfo("School safeguarding concern", concern=True),
    "housing_application": KindInfo("Housing application"),
    "temporary_accommodation": KindInfo("Temporary accommodation"),
    "tenancy": KindInfo("Tenancy"),
    "rent_arrears": KindInfo("Rent arrears"),
    "eviction_proceedings": KindInfo("Eviction proceedings"),
    "property_inspection": KindInfo("Property inspection"),
    "csc_contact": KindInfo("Contact to children's services", concern=True, casework=True),
    "referral": KindInfo("Referral", concern=True, casework=True),
    "assessment": KindInfo("Assessment", casework=True),
    "strategy_discussion": KindInfo("Strategy discussion", concern=True, casework=True),
    "section47_enquiry": KindInfo("Section 47 enquiry", concern=True, casework=True),
    "conference": KindInfo("Child protection conference", casework=True),
    "cin_plan": KindInfo("Child in need plan", plan="cin", casework=True),
    "cp_plan": KindInfo("Child protection plan", plan="cp", casework=True),
    "looked_after_episode": KindInfo("Looked after", plan="lac", casework=True),
    "placement": KindInfo("Placement", casework=True),
    "visit": KindInfo("Social work visit", casework=True),
    "supervision": KindInfo("Supervision", casework=True),
    "case_closure": KindInfo("Case closed", casework=True),
    "core_group": KindInfo("Core group meeting", casework=True),
    "meeting_minutes": KindInfo("Meeting minutes (decisions and dissent)", casework=True),
    "concern": KindInfo("Concern raised", concern=True, casework=True),
    "hypothesis": KindInfo("Working hypothesis", casework=True),
    "concern_category": KindInfo("Categories of concern", casework=True),
    "legal_planning_meeting": KindInfo("Legal planning meeting", casework=True),
    "family_support_session": KindInfo("Family support session"),
    "probation_supervision": KindInfo("Probation supervision"),
    "birth_notification": KindInfo("Birth notification"),
    "case_note": KindInfo("Case note"),
    "police_investigation": KindInfo("Police investigation"),
    "charging_decision": KindInfo("Charging decision"),
    "telephone_contact": KindInfo("Telephone contact"),
}

PLAN_LABELS = {"cp": "Child protection plan", "cin": "Child in need plan", "lac": "Looked after"}


_UNKNOWN: dict[str, KindInfo] = {}  # an unknown kind's meaning, worked out once a process (a page asks per event, often)


def kind_info(kind: str) -> KindInfo:
    """The kind's meaning; an unknown kind is shown by its code in words and counts as a plain contact."""
    info = KINDS.get(kind) or _UNKNOWN.get(kind)
    if info is None:
        from joinedup.core.labels import sentence, words

        info = KindInfo(sentence(words(kind)))
        if len(_UNKNOWN) < 10_000:  # kinds come from agencies' records: keep a bounded number
            _UNKNOWN[kind] = info
    return info


def kind_choices() -> list[tuple[str, str]]:
    return sorted(((k, v.label) for k, v in KINDS.items()), key=lambda kv: kv[1])
