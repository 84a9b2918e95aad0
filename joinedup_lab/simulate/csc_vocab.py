"""What the simulated front door and case system write: who raises contacts, in what words, the code lists of
the children in need census and SSDA903 the simulator draws from, and who attends meetings.

The simulator's own lists, written for it: it never imports the product's code tables or phrase lists, so
the product is measured against text and codes it did not choose. Role phrases name roles and fictional
agencies, never people.
"""

from __future__ import annotations

# Who raises a contact: (CIN referral source, raised_by, the older free-text `source`, weight, role phrases
# for professionals (empty for members of the public), what they said).
SOURCES: tuple[tuple[str, str, str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "6", "agency", "police", 27,
        ("Police constable, Northbrook Police", "Detective constable, Northbrook Police public protection unit",
         "Police sergeant, Northbrook Police"),
        ("Officers called to a loud argument between the adults; the children were awake in the next room.",
         "A child was found walking alone late in the evening and taken home by officers.",
         "An adult in the household was arrested at the address with the children present.",
         "Officers attended a report of a disturbance; the mother had a cut lip and the children were upset.",
         "Concern logged after a young person was reported missing overnight and later found."),
    ),
    (
        "2A", "agency", "school", 19,
        ("Designated safeguarding lead, Millfield Primary School", "Designated safeguarding lead, Riverside High School",
         "Deputy safeguarding lead, Northbrook Academy", "Head teacher, St Aldric's CE Primary School"),
        ("Pupil told a teaching assistant there is often nothing to eat at home in the evenings.",
         "Pupil has worn the same clothes all week, seems exhausted and is falling asleep in class.",
         "Pupil disclosed being shouted at and shut in a bedroom for long periods.",
         "Attendance has dropped sharply this term and the family is not answering calls.",
         "Pupil arrived with a mark on the cheek and gave two different accounts of it."),
    ),
    (
        "2B", "agency", "school", 2,
        ("Education welfare officer, Northbrook Council", "Inclusion officer, Northbrook Council education services"),
        ("Child missing from education for six weeks; home visits unanswered.",
         "Elective home education notified; no contact with the family since."),
    ),
    (
        "3A", "agency", "health", 4,
        ("GP, Riverside Medical Practice", "GP, Elm Tree Surgery", "Practice nurse, Northbrook Health Centre"),
        ("GP worried about a parent's low mood and ability to manage the children.",
         "Several appointments for the baby not attended and the parent cannot be reached.",
         "Child brought to surgery with a burn the parent could not explain."),
    ),
    (
        "3B", "agency", "health", 4,
        ("Health visitor, Northbrook Community Health",),
        ("Home cold and cluttered at the review; baby's sleeping arrangements not safe.",
         "Baby's growth has dropped across two centiles and the clinic follow-up was missed.",
         "Parent disclosed that her partner controls the money and who she can see."),
    ),
    (
        "3C", "agency", "health", 1,
        ("School nurse, Northbrook Community Health",),
        ("Young person told the school nurse about cutting her arms and not wanting to go home.",),
    ),
    (
        "3D", "agency", "health", 2,
        ("Community midwife, Northbrook Community Health",),
        ("Late booking in pregnancy; mother disclosed drug use and an unsettled relationship.",
         "Midwife concerned about the home conditions ahead of the birth."),
    ),
    (
        "3E", "agency", "health", 5,
        ("Emergency department nurse, St Aldric's Hospital", "Paediatric liaison nurse, Northbrook General Hospital",
         "Emergency department doctor, Kingsmere Royal Infirmary"),
        ("Child seen in the emergency department after a fall; the account changed during the visit.",
         "Young person attended after taking a large number of tablets.",
         "Infant brought in late at night with a swollen arm; delay in seeking care."),
    ),
    (
        "3F", "agency", "health", 3,
        ("Mental health nurse, Northbrook adult mental health team", "Drug and alcohol worker, Northbrook recovery service"),
        ("Parent admitted to a mental health ward; children staying with a neighbour.",
         "Parent has relapsed into heavy drinking and is caring for the children alone."),
    ),
    (
        "4", "agency", "housing", 2,
        ("Housing officer, Northbrook Council Housing Options", "Tenancy officer, Northbrook Homes",
         "Housing officer, Greenway Housing Association"),
        ("At a repairs visit the flat was in bad repair, with the children sleeping on mattresses on the floor.",
         "Family facing eviction next week with nowhere to go."),
    ),
    (
        "5B", "agency", "other", 5,
        ("Youth worker, Northbrook Council youth service", "Social worker, Northbrook adult social care"),
        ("Young person staying out overnight and seen with older men in cars.",
         "Adult services worker concerned about the children of a parent they support."),
    ),
    (
        "5D", "agency", "other", 3,
        ("Family support worker, Northbrook Family Support",),
        ("Family has stopped taking part in the early help plan and concerns are rising.",),
    ),
    (
        "7", "agency", "probation", 2,
        ("Probation officer, Northbrook Probation Delivery Unit",),
        ("A man on licence for violence has moved into the household.",),
    ),
    (
        "8", "agency", "other", 3,
        ("Volunteer coordinator, Northbrook food bank", "Youth football club welfare officer"),
        ("Volunteer worried about how thin and withdrawn the children look.",),
    ),
    (
        "1A", "relative", "relative", 7, (),
        ("Grandparent says the children are often left with different adults overnight.",
         "Aunt reports the mother is drinking heavily and the children are missing school."),
    ),
    (
        "1B", "neighbour", "neighbour", 2, (),
        ("Neighbour hears shouting and crying from the flat most nights.",
         "Neighbour says the young children are often outside alone after dark."),
    ),
    ("1C", "child", "child", 1, (), ("Young person phoned to say they do not feel safe going home tonight.",)),
    ("1D", "other", "other", 1, (), ("Member of the public saw a small child alone at the shops late in the evening.",)),
    ("9", "anonymous", "anonymous", 2, (), ("Anonymous caller says the children are left on their own at night.",)),
)

RAG_BY_PURPOSE: dict[str, tuple[tuple[str, int], ...]] = {
    "strategy_discussion": (("red", 50), ("amber", 45), ("green", 5)),
    "assessment": (("red", 15), ("amber", 50), ("green", 35)),
    "front_door": (("red", 5), ("amber", 33), ("green", 62)),
    "allocated": (("red", 10), ("amber", 40), ("green", 50)),
}
DECIDED_BY = ("Front door team manager", "Advanced practitioner, front door", "Senior social worker, front door")
DECISION_REASONS: dict[str, tuple[str, ...]] = {
    "assessment": ("Threshold for a single assessment met.", "The children's needs call for a social work assessment."),
    "strategy_discussion": ("Reasonable cause to suspect significant harm: strategy discussion convened.",),
    "no_further_action": ("No role for children's services; referrer told.", "Parents have acted on the worry; nothing more needed."),
    "advice": ("Advice given to the referrer.", "Family signposted to universal services."),
    "early_help": ("Passed to the early help hub with the family's consent.",),
    "allocated": ("Information passed to the allocated social worker.",),
    "allocated_sibling": ("Information passed to the social worker allocated to the family.",),
}
FRONT_DOOR_DECISIONS = (("no_further_action", 40), ("advice", 32), ("early_help", 28))
FRONT_DOOR_OUTCOMES = {
    "no_further_action": "closed at the front door",
    "advice": "advice given",
    "early_help": "passed to early help",
}

# Primary need at referral (CIN N1–N8) and the census codes of the categories the simulator uses.
NEEDS = (("N1", 55), ("N2", 4), ("N3", 15), ("N4", 4), ("N5", 3), ("N6", 8), ("N7", 3), ("N8", 8))
S47_NEEDS = (("N1", 90), ("N4", 5), ("N5", 5))
CATEGORIES = (
    ("neglect", 50),
    ("emotional_abuse", 37),
    ("physical_abuse", 7),
    ("sexual_abuse", 4),
    ("multiple", 2),
)

# Factors identified at assessment (CIN codes) that fit a category of abuse or a primary need.
FACTORS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "neglect": ("16A", "2B", "1B", "4B"),
    "emotional_abuse": ("17A", "3B", "3A", "4B"),
    "physical_abuse": ("18C", "3B", "1B"),
    "sexual_abuse": ("19C", "4A"),
    "multiple": ("16A", "18C", "17A", "3B"),
}
FACTORS_BY_NEED: dict[str, tuple[str, ...]] = {
    "N1": ("16A", "3B", "17A", "18C", "2B"),
    "N2": ("6A", "5A"),
    "N3": ("4B", "6B", "5B"),
    "N4": ("4B", "20", "7A"),
    "N5": ("3B", "3C", "1B", "2B"),
    "N6": ("14A", "10A", "13A", "24A", "15A"),
    "N7": ("20", "4B"),
    "N8": ("20", "1B", "2B"),
}
PREBIRTH_FACTORS = ("2B", "1B", "3B", "4B", "5B")
NO_FACTORS = "21"

# Meetings: "<agency>: <role>".
STRATEGY_CORE = ("Northbrook Children's Services: Social worker", "Northbrook Police: Detective constable")
STRATEGY_OTHERS = (
    "Northbrook Children's Services: Team manager",
    "St Aldric's Hospital: Named nurse for safeguarding",
    "Northbrook Community Health: Health visitor",
    "Northbrook Community Health: Named nurse for safeguarding",
    "Millfield Primary School: Designated safeguarding lead",
    "Riverside High School: Designated safeguarding lead",
    "Northbrook General Hospital: Consultant paediatrician",
)
CORE_GROUP_CORE = ("Northbrook Children's Services: Social worker",)
CORE_GROUP_OTHERS = (
    "Northbrook Community Health: Health visitor",
    "Northbrook Family Support: Family support worker",
    "Millfield Primary School: Designated safeguarding lead",
    "Northbrook Academy: Pastoral lead",
    "Riverside Medical Practice: GP",
    "Northbrook Police: Domestic abuse officer",
    "Northbrook recovery service: Drug and alcohol worker",
)
CORE_GROUP_TEXT = (
    "Core group reviewed progress against the plan.",
    "Core group met; actions updated and shared with the family.",
    "Core group: parents attended; plan actions reviewed.",
)

# Looked after (SSDA903).
LEGAL_AT_ENTRY: dict[str, tuple[tuple[str, int], ...]] = {
    "plan": (("C1", 60), ("V2", 28), ("L2", 12)),
    "s47": (("L1", 18), ("L2", 24), ("C1", 28), ("V2", 30)),
    "cin": (("V2", 78), ("C1", 22)),
}
ENDED_AT_18 = (("E5", 45), ("E17", 30), ("E8", 20), ("E6", 5))
ENDED_BY_LEGAL: dict[str, tuple[tuple[str, int], ...]] = {
    "V2": (("E4A", 58), ("E13", 20), ("E41", 10), ("E48", 6), ("E8", 6)),
    "C1": (("E4A", 30), ("E48", 20), ("E41", 15), ("E45", 12), ("E13", 10), ("E46", 5), ("E8", 8)),
    "C2": (("E4A", 25), ("E48", 22), ("E45", 18), ("E41", 15), ("E13", 8), ("E46", 5), ("E8", 7)),
    "E1": (("E8", 100),),
    "L1": (("E4A", 100),),
    "L2": (("E4A", 100),),
}
CLOSURE_AFTER_CARE = {"E11": "RC1", "E12": "RC1", "E41": "RC3", "E45": "RC4", "E46": "RC4", "E47": "RC4",
                      "E48": "RC4"}
PLACEMENT_KINDS = (("foster_care", 70), ("kinship_care", 14), ("residential", 10), ("placed_with_parents", 6))
