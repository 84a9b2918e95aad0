"""The code lists casework records use: the DfE children in need census and SSDA903 lists, and joinedup's own
short lists (RAG ratings, contact decisions). Pure data: screens offer these as choices, the fold reads them,
and the statutory returns will emit them unchanged.

Sources: DfE "Children in need census 2025 to 2026: specification" and the SSDA903 2025-26 guide, as the
independent validators implement them (../shared/docs/returns.md §1.2, §2.2).
"""

from __future__ import annotations

# --- children in need census ---------------------------------------------------------------------------

REFERRAL_SOURCES: dict[str, str] = {
    "1A": "Individual: family member, relative or carer",
    "1B": "Individual: acquaintance (including neighbours and child minders)",
    "1C": "Individual: self (the child)",
    "1D": "Individual: other",
    "2A": "School",
    "2B": "Education services",
    "3A": "Health: GP",
    "3B": "Health: health visitor",
    "3C": "Health: school nurse",
    "3D": "Health: other primary health services",
    "3E": "Health: A&E",
    "3F": "Health: other",
    "4": "Housing",
    "5A": "Local authority: children's social care",
    "5B": "Local authority: other internal department",
    "5C": "Local authority: external (another authority)",
    "5D": "Early help",
    "6": "Police",
    "7": "Other legal agency",
    "8": "Other",
    "9": "Anonymous",
    "10": "Unknown",
}

# Who raised a contact, as the front door asks it ("a relative", "a neighbour"…), and the census code it
# implies where the answer fixes it (an agency's code depends on which agency: the form asks for it).
RAISED_BY: dict[str, str] = {
    "agency": "A professional or agency",
    "relative": "A relative or carer",
    "neighbour": "A neighbour or acquaintance",
    "child": "The child",
    "anonymous": "Anonymous",
    "other": "Someone else",
}
RAISED_BY_SOURCE: dict[str, str] = {"relative": "1A", "neighbour": "1B", "child": "1C", "anonymous": "9",
                                    "other": "1D"}

PRIMARY_NEEDS: dict[str, str] = {
    "N1": "Abuse, neglect and exploitation",
    "N2": "Child's disability or illness",
    "N3": "Parental disability or illness",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour",
    "N7": "Low income",
    "N8": "Absent parenting",
    "N9": "Cases other than children in need",
    "N0": "Not stated",
}

ASSESSMENT_FACTORS: dict[str, str] = {
    "1A": "Alcohol misuse: concerns about the child",
    "1B": "Alcohol misuse: concerns about the parent or carer",
    "1C": "Alcohol misuse: concerns about another person in the household",
    "2A": "Drug misuse: concerns about the child",
    "2B": "Drug misuse: concerns about the parent or carer",
    "2C": "Drug misuse: concerns about another person in the household",
    "3A": "Domestic abuse: concerns about the child",
    "3B": "Domestic abuse: concerns about the parent or carer",
    "3C": "Domestic abuse: concerns about another person in the household",
    "4A": "Mental health: concerns about the child",
    "4B": "Mental health: concerns about the parent or carer",
    "4C": "Mental health: concerns about another person in the household",
    "5A": "Learning disability: concerns about the child",
    "5B": "Learning disability: concerns about the parent or carer",
    "5C": "Learning disability: concerns about another person in the household",
    "6A": "Physical disability or illness: concerns about the child",
    "6B": "Physical disability or illness: concerns about the parent or carer",
    "6C": "Physical disability or illness: concerns about another person in the household",
    "7A": "Young carer",
    "8B": "Private fostering: child from abroad",
    "8C": "Private fostering: child from the UK, parents abroad",
    "8D": "Private fostering: UK child making a private arrangement",
    "8E": "Private fostering: child at an independent school",
    "8F": "Private fostering: other",
    "9A": "Unaccompanied asylum-seeking child",
    "10A": "Going or being missing",
    "11A": "Child sexual exploitation",
    "12A": "Trafficking",
    "13A": "Gangs",
    "14A": "Socially unacceptable behaviour",
    "15A": "Self-harm",
    "16A": "Neglect",
    "17A": "Emotional abuse",
    "18B": "Physical abuse: child on child",
    "18C": "Physical abuse: adult on child",
    "19B": "Sexual abuse: child on child",
    "19C": "Sexual abuse: adult on child",
    "20": "Other",
    "21": "No factors identified",
    "22A": "Female genital mutilation",
    "23A": "Abuse linked to faith or belief",
    "24A": "Child criminal exploitation",
}
NO_FACTORS = "21"

CLOSURE_REASONS: dict[str, str] = {
    "RC1": "Adopted",
    "RC2": "Died",
    "RC3": "Child arrangements order",
    "RC4": "Special guardianship order",
    "RC5": "Transferred to another local authority",
    "RC6": "Transferred to adult social care",
    "RC7": "Services ceased for any other reason, including the child no longer in need",
    "RC8": "Case closed after assessment: no further action",
    "RC9": "Case closed after assessment: referred to early help",
}

# Categories of abuse: the records carry the words, the census its codes.
CATEGORIES: dict[str, str] = {
    "neglect": "Neglect",
    "physical_abuse": "Physical abuse",
    "emotional_abuse": "Emotional abuse",
    "sexual_abuse": "Sexual abuse",
    "multiple": "Multiple",
}
CATEGORY_CENSUS_CODES: dict[str, str] = {
    "neglect": "NEG", "physical_abuse": "PHY", "emotional_abuse": "EMO", "sexual_abuse": "SAB", "multiple": "MUL",
}

# --- SSDA903 (children looked after) ----------------------------------------------------------------------

LEGAL_STATUSES: dict[str, str] = {
    "C1": "Interim care order",
    "C2": "Full care order",
    "D1": "Freeing order",
    "E1": "Placement order",
    "V2": "Accommodated under section 20 (single period)",
    "V3": "Short breaks (single episodes)",
    "V4": "Short breaks (agreed series)",
    "J1": "Remanded to local authority accommodation or youth detention",
    "J2": "Police and Criminal Evidence Act accommodation",
    "J3": "Youth rehabilitation order with residence or fostering",
    "L1": "Police protection, in local authority accommodation",
    "L2": "Emergency protection order",
    "L3": "Child assessment order, in local authority accommodation",
}

REASONS_NEW_EPISODE: dict[str, str] = {
    "S": "Started to be looked after",
    "L": "Change of legal status only",
    "P": "Change of placement only",
    "T": "Change of legal status and placement at the same time",
    "U": "Change of legal status and placement (other)",
    "B": "Change of placement and carer only",
}

PLACEMENT_TYPES: dict[str, str] = {
    "A3": "Placed for adoption with parental consent, with current foster carer",
    "A4": "Placed for adoption with parental consent, not with current foster carer",
    "A5": "Placed for adoption under a placement order, with current foster carer",
    "A6": "Placed for adoption under a placement order, not with current foster carer",
    "K1": "Secure children's home",
    "K2": "Children's home",
    "K3": "Supported accommodation",
    "P1": "Placed with parents or others with parental responsibility",
    "P3": "Residential employment",
    "R1": "Residential care home",
    "R2": "NHS or health trust establishment",
    "R3": "Family centre or mother and baby unit",
    "R5": "Young offender institution or prison",
    "S1": "Residential school",
    "T0": "Temporary move of seven days or less (any of T1 to T4)",
    "T1": "Temporary: a period in hospital",
    "T2": "Temporary: the child away on holiday",
    "T3": "Temporary: accommodated while the usual foster carer is on holiday",
    "T4": "Temporary: seven days or less, for a reason T1 to T3 do not cover",
    "U1": "Foster placement with a relative or friend: long term",
    "U2": "Foster placement with a relative or friend: fostering for adoption or concurrent planning",
    "U3": "Foster placement with a relative or friend: other",
    "U4": "Foster placement with another carer: long term",
    "U5": "Foster placement with another carer: fostering for adoption or concurrent planning",
    "U6": "Foster placement with another carer: other",
    "Z11": "Other placement: unregulated, in England",
    "Z12": "Other placement: unregulated, outside England",
    "Z13": "Other placement: regulated, not listed",
    "Z14": "Other placement: other",
}

PLACEMENT_PROVIDERS: dict[str, str] = {
    "PR0": "Parent or other person with parental responsibility",
    "PR1": "Own local authority",
    "PR2": "Other local authority",
    "PR3": "Other public provision (for example a primary care trust)",
    "PR4": "Private provision",
    "PR5": "Voluntary or third sector provision",
}

REASONS_EPISODE_ENDED: dict[str, str] = {
    "X1": "Episode ended and a new one started the same day",
    "E11": "Adopted: application unopposed",
    "E12": "Adopted: consent dispensed with",
    "E13": "Left care to live with parents, relatives or others with no parental responsibility",
    "E14": "Accommodation on remand ended",
    "E15": "Age assessment found the child to be 18 or over",
    "E16": "Moved abroad",
    "E17": "Aged 18 or over and remained with current carers",
    "E2": "Died",
    "E3": "Care taken over by another local authority",
    "E41": "Residence or child arrangements order",
    "E45": "Special guardianship order: former foster carers",
    "E46": "Special guardianship order: carers other than former foster carers",
    "E47": "Special guardianship order: relatives or friends (former foster carers)",
    "E48": "Special guardianship order: relatives or friends (not former foster carers)",
    "E4A": "Returned home to parents or others with parental responsibility, as part of the care plan",
    "E4B": "Returned home to parents or others with parental responsibility, not as part of the care plan",
    "E5": "Moved into independent living (with support)",
    "E6": "Moved into independent living (without support)",
    "E7": "Transferred to residential care funded by adult social care",
    "E8": "Care ceased for any other reason",
    "E9": "Sentenced to custody",
}

# --- joinedup's own lists ------------------------------------------------------------------------------------

RAG_RATINGS: dict[str, str] = {"red": "Red", "amber": "Amber", "green": "Green"}

CONTACT_DECISIONS: dict[str, str] = {
    "no_further_action": "No further action",
    "advice": "Advice and information",
    "early_help": "Early help",
    "assessment": "Assessment (section 17)",
    "strategy_discussion": "Strategy discussion (section 47)",
}
# Decisions that make the contact a referral to children's social care (a case opens, or continues).
REFERRAL_DECISIONS = frozenset({"assessment", "strategy_discussion"})

STRATEGY_DECISIONS: dict[str, str] = {
    "section_47": "Section 47 enquiry",
    "no_section_47": "No section 47 enquiry: continue with assessment or support",
}

SECTION47_OUTCOMES: dict[str, str] = {
    "substantiated": "Concerns substantiated: child judged at continuing risk of significant harm",
    "substantiated_not_at_risk": "Concerns substantiated, but child not judged at continuing risk",
    "not_substantiated": "Concerns not substantiated",
}

CONFERENCE_TYPES: dict[str, str] = {"initial": "Initial child protection conference", "review": "Review conference"}
CONFERENCE_OUTCOMES: dict[str, str] = {
    "plan": "Child protection plan",
    "no_plan": "No child protection plan",
    "plan_continues": "Plan continues",
    "plan_ends": "Plan ends",
}

ASSESSMENT_OUTCOMES: dict[str, str] = {
    "no_further_action": "No further action",
    "early_help": "Step down to early help",
    "child_in_need_plan": "Child in need plan",
    "strategy_discussion": "Strategy discussion",
    "looked_after": "Looked after",
}


def label(table: dict[str, str], code: object) -> str:
    """The label of a code, or the code itself when a sender used one we do not list."""
    if code in (None, ""):
        return ""
    return table.get(str(code), str(code).replace("_", " "))


# --- what the statutory returns' codes on a child's records mean (labels for the screens) ------------------------

ETHNICITIES: dict[str, str] = {
    "WBRI": "White: British", "WIRI": "White: Irish", "WIRT": "White: Traveller of Irish heritage",
    "WOTH": "White: any other White background", "WROM": "White: Gypsy or Roma",
    "MWBC": "Mixed: White and Black Caribbean", "MWBA": "Mixed: White and Black African",
    "MWAS": "Mixed: White and Asian", "MOTH": "Mixed: any other mixed background", "AIND": "Asian: Indian",
    "APKN": "Asian: Pakistani", "ABAN": "Asian: Bangladeshi", "AOTH": "Asian: any other Asian background",
    "BCRB": "Black: Caribbean", "BAFR": "Black: African", "BOTH": "Black: any other Black background",
    "CHNE": "Chinese", "OOTH": "Any other ethnic group", "REFU": "Refused", "NOBT": "Not yet obtained",
}
DISABILITIES: dict[str, str] = {
    "NONE": "No disability", "MOB": "Mobility", "HAND": "Hand function", "PC": "Personal care",
    "INC": "Incontinence", "COMM": "Communication", "LD": "Learning", "HEAR": "Hearing", "VIS": "Vision",
    "BEH": "Behaviour", "CON": "Consciousness", "AUT": "Autism or Asperger syndrome", "DDA": "Other disability",
}
REVIEW_PARTICIPATION: dict[str, str] = {
    "PN0": "Under 4 at the review", "PN1": "Attended and spoke for themselves",
    "PN2": "Attended; an advocate conveyed their views", "PN3": "Attended and conveyed their views non-verbally",
    "PN4": "Attended but did not convey their views", "PN5": "Did not attend; an advocate conveyed their views",
    "PN6": "Did not attend; conveyed their views another way", "PN7": "Did not attend or convey their views",
}
SDQ_REASONS: dict[str, str] = {
    "SDQ1": "No score: under 4 or over 16", "SDQ2": "No score: the carer refused",
    "SDQ3": "No score: not possible because of the child's disability", "SDQ4": "No score: other reason",
    "SDQ5": "No score: the child refused",
}

# SSDA903 REASON_PLACE_CHANGE (why a placement ended and another began) and PREV_PERM (the order a child left a
# previous permanence under), as the DfE's guide describes them; a code not listed is shown as written.
REASONS_PLACEMENT_CHANGE: dict[str, str] = {
    "CARPL": "A change to the care plan", "CLOSE": "The provider resigned or closed",
    "ALLEG": "An allegation (section 47 enquiry)", "STAND": "Concerns about the standard of care",
    "APPRR": "The carer's approval was removed", "CREQB": "The carer asked for it to end: the child's behaviour",
    "CREQO": "The carer asked for it to end: another reason", "CHILD": "The child asked for it to end",
    "LAREQ": "The responsible authority asked for it to end", "PLACE": "A change in the placement's status only",
    "CUSTOD": "The child went into custody", "OTHER": "Another reason",
}
PREVIOUS_PERMANENCE: dict[str, str] = {
    "P1": "Adoption", "P2": "Special guardianship order",
    "P3": "Residence order or child arrangements order", "Z1": "Not known",
}
# Ofsted's ILACS Annex A, list 8 (docs/formats/README.md, "Children in care"): the child's permanence plan as a
# looked-after review confirmed it, how an independent reviewing officer was in touch between reviews, and the
# codes of a placement outside England (or confidential) an SSDA903 PL_LA holds instead of an English authority's.
PERMANENCE_PLANS: dict[str, str] = {
    "return_to_family": "Return to family", "adoption": "Adoption",
    "sgo_cao": "Special guardianship or child arrangements order (SGO/CAO)",
    "supported_living": "Supported living in the community",
    "long_term_residential": "Long-term residential placement", "long_term_fostering": "Long-term fostering",
    "other": "Other",
}
IRO_CONTACT_TYPES: dict[str, str] = {
    "visit": "A visit (the child seen in person)", "video_call": "A video call", "phone_call": "A phone call",
    "letter_or_message": "A letter or message",
}
PLACEMENT_LAS_OUTSIDE_ENGLAND: dict[str, str] = {
    "WAL": "Placed in Wales", "SCO": "Placed in Scotland", "NIR": "Placed in Northern Ireland",
    "NUK": "Placed outside the UK", "CON": "A confidential placement",
}
UPN_UNKNOWN_REASONS: dict[str, str] = {
    "UN1": "The child is adopted", "UN6": "Under 6 and not yet at school", "UN7": "A referral with no further action",
}


def detail_code_lists() -> dict[str, dict[str, str]]:
    """Which code list the value of each detail key of a casework record is from (for `joinedup.core.labels`)."""
    return {
        "primary_need": PRIMARY_NEEDS, "category_of_need": PRIMARY_NEEDS, "factors": ASSESSMENT_FACTORS,
        "category": CATEGORIES, "initial_category": CATEGORIES, "legal_status": LEGAL_STATUSES,
        "placement_type": PLACEMENT_TYPES, "placement_provider": PLACEMENT_PROVIDERS,
        "reason_new_episode": REASONS_NEW_EPISODE, "reason_ended": REASONS_EPISODE_ENDED, "reason": CLOSURE_REASONS,
        "rag": RAG_RATINGS, "source_code": REFERRAL_SOURCES, "raised_by": RAISED_BY,
        "conference_type": CONFERENCE_TYPES, "ethnicity": ETHNICITIES, "disabilities": DISABILITIES,
        "participation": REVIEW_PARTICIPATION, "sdq_reason": SDQ_REASONS,
        "reason_placement_change": REASONS_PLACEMENT_CHANGE, "previous_permanence": PREVIOUS_PERMANENCE,
        "upn_unknown_reason": UPN_UNKNOWN_REASONS, "permanence_plan": PERMANENCE_PLANS,
        "contact_type": IRO_CONTACT_TYPES, "placement_la": PLACEMENT_LAS_OUTSIDE_ENGLAND,
    }
