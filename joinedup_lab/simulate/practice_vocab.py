"""What the simulated social workers, managers, meetings and members of the public say about practice: visits,
supervision, minutes with dissent, and concerns.

The simulator's own phrases, written for it: it never imports the product's lists, so the product is shown
and measured with words it did not choose. Roles and fictional agencies only, never real people.
"""

from __future__ import annotations

# --- visits -------------------------------------------------------------------------------------------------

VISIT_TYPES = (("statutory", 78), ("unannounced", 14), ("joint_police", 3), ("joint_health", 5))
REVISIT_TYPES = (("unannounced", 55), ("statutory", 45))
LOCATION_HOME = (("family home", 85), ("school", 8), ("grandparent's home", 4), ("contact centre", 3))
LOCATION_BY_PLACEMENT = {
    "U": "foster home", "K2": "children's home", "R1": "residential unit", "K3": "supported accommodation",
    "Z1": "supported lodgings", "P1": "family home", "A": "adoptive placement",
}
PRESENT_AT_PLACEMENT = {
    "U": ("foster carer",), "K2": ("residential key worker",), "R1": ("residential key worker",),
    "K3": ("support worker",), "Z1": ("support worker",), "A": ("prospective adopters",),
}
NOT_SEEN = (
    "No answer at the door; curtains drawn.",
    "Mother said the child was asleep upstairs and would not wake them.",
    "Told the child was staying with grandmother; address not given.",
    "Child at nursery per mother; not verified.",
    "Family out at the planned time; card left.",
    "Mother's partner answered and refused entry.",
    "Child said to be unwell in bed; asked to come back next week.",
)
NOT_SEEN_AT_PLACEMENT = (
    "Young person out with friends at the agreed time.",
    "Placement had arranged an activity; visit rebooked.",
    "Young person refused to come downstairs.",
)
NOT_SEEN_ALONE = (
    "Mother would not leave the room.",
    "Child did not want to talk without mother there.",
    "Mother's partner stayed in the room throughout.",
    "Visit cut short: the family had to go out.",
    "Child too upset to be seen alone today.",
)
CHILD_WORDS = (
    "I like my new teacher.",
    "I want to go to football again.",
    "Mum is happier now.",
    "I don't like it when they shout.",
    "I get my own breakfast most days.",
    "I miss my nan.",
    "My bedroom is cold at night.",
    "I'm allowed to play out till late.",
    "I want to stay here.",
    "I want to see my brother more.",
)
CHILD_WORDS_HARM = (
    "I don't want to go home.",
    "He gets angry when I'm noisy.",
    "I'm not supposed to say.",
    "There was nothing for tea again.",
    "I fell over, that's all.",
)
OBSERVED = (
    "Home warm and tidy; food in the cupboards.",
    "Child playing happily; warm interaction with mother.",
    "Home cluttered but safe; bedding clean.",
    "Child quiet and watchful; sat close to mother.",
    "Plan actions discussed with mother; she agreed the next steps.",
    "Child showed me their bedroom and school work.",
    "Some improvement since the last visit; nursery attendance better.",
)
OBSERVED_HARM = (
    "Home cold and cluttered; little food in the house.",
    "Child flinched when the partner came into the room.",
    "Unexplained mark on the child's forearm; mother said it was from playing.",
    "Child thin and tired; clothes unwashed.",
    "Partner present although mother had said he no longer visits.",
)
OBSERVED_PLACEMENT = (
    "Settled in placement; good relationship with carers.",
    "Placement stable; school attendance good.",
    "Young person talked about wanting more contact with family.",
    "Some difficulties at school; carers working closely with the designated teacher.",
)
REVISIT_TEXT = "Accompanied revisit after the child was not seen."
REVISIT_ALONE_TEXT = "Accompanied revisit to see the child alone."

# --- supervision ----------------------------------------------------------------------------------------------

SUPERVISION_DECISIONS = {
    "cp": (
        "Plan progressing; continue fortnightly visits and core group actions.",
        "Concerns rising: seek legal advice on pre-proceedings.",
        "Child not seen alone at recent visits: next visit unannounced, with a colleague.",
        "Adults in the household to be checked with police before the review conference.",
        "Category of concern still right; keep the plan as it is.",
        "Consider whether the plan can end at the next review; gather partners' views first.",
    ),
    "cla": (
        "Placement stable; review contact arrangements before the looked-after review.",
        "Care plan on track; update the pathway plan.",
        "Placement under strain: ask the fostering team for extra support.",
        "Permanence planning to be discussed at the next review.",
    ),
    "cin": (
        "Child in need plan progressing; review in three months.",
        "Consider step-down to early help at the next review.",
        "Attendance still poor: joint meeting with the school.",
        "Parent's mental health affecting the children: refer to the adult team.",
    ),
    "open": (
        "Complete the assessment within timescale; see the child at school.",
        "Gather information from the GP and health visitor before deciding.",
        "Chronology to be updated before the assessment is authorised.",
        "Check the details of the adults in the household.",
    ),
}
SUPERVISION_ACTIONS = {
    "cp": (
        ("worker", "Visit unannounced and see the child alone"),
        ("worker", "Update the chronology"),
        ("manager", "Request a legal planning meeting"),
        ("worker", "Check the new adult in the household with police"),
        ("worker", "Agree the date of the next core group"),
        ("worker", "Book a joint visit with the health visitor"),
    ),
    "cla": (
        ("worker", "Seek the young person's views on contact"),
        ("worker", "Update the care plan"),
        ("manager", "Ask the fostering team for support to the carers"),
        ("worker", "Speak to the designated teacher about the personal education plan"),
    ),
    "cin": (
        ("worker", "Review the plan with the family"),
        ("worker", "Speak to the school about attendance"),
        ("manager", "Arrange a family group conference"),
        ("worker", "Refer the parent to the adult mental health team"),
    ),
    "open": (
        ("worker", "See the child at school"),
        ("worker", "Obtain the GP's and health visitor's information"),
        ("worker", "Update the chronology"),
        ("manager", "Review the assessment before authorising it"),
    ),
}
SESSION_NOTES = (
    "Workload discussed; caseload manageable.",
    "Reflected on a difficult visit; support offered.",
    "Training on neglect assessment booked.",
    "Caseload high this month; one case to be reallocated.",
    "Wellbeing check: worker feels well supported.",
)
DONE_NOTES = ("Done.", "Done; recorded on the file.", "Completed at the visit.", "Done, later than planned.")

# --- meetings --------------------------------------------------------------------------------------------------

CONFERENCE_CHAIR = "Northbrook Children's Services: Independent conference chair"
CSC_WORKER = "Northbrook Children's Services: Social worker"
CSC_MANAGER = "Northbrook Children's Services: Team manager"
CONFERENCE_OTHERS = (
    "Northbrook Police: Detective constable",
    "Northbrook Community Health: Health visitor",
    "Millfield Primary School: Designated safeguarding lead",
    "Riverside High School: Designated safeguarding lead",
    "Riverside Medical Practice: GP",
    "Northbrook recovery service: Drug and alcohol worker",
)
FAMILY = ("Family: Mother", "Family: Mother's partner")
CATEGORY_WORDS = {
    "neglect": "neglect", "emotional_abuse": "emotional abuse", "physical_abuse": "physical abuse",
    "sexual_abuse": "sexual abuse", "multiple": "multiple categories",
}
ITEMS = {
    "strategy_discussion": (("Information shared by each agency", "Each agency shared what it knows of the family."),
                            ("Decision", "Whether the threshold for a section 47 enquiry is met.")),
    "initial_conference": (("Reports", "Reports from each agency, shared with the family beforehand."),
                           ("Risk analysis", "What is working well, what the worries are, what needs to happen."),
                           ("Decision", "Whether the children need a child protection plan.")),
    "review_conference": (("Progress against the plan", "Each agency reported on the plan's actions."),
                          ("Decision", "Whether the children still need a child protection plan.")),
    "core_group": (("Plan actions", "Actions reviewed one by one with the family."),),
    "partnership": (("Multi-agency audit", "Findings of the quarter's audit of cases."),
                    ("Escalations", "Disagreements raised under the resolution protocol since the last meeting.")),
}
STRATEGY_DECISIONS = (
    "Section 47 enquiry to start: joint enquiry by police and children's services.",
    "Children to be seen and spoken to alone within 24 hours.",
)
STRATEGY_MEDICAL = "Child protection medical to be arranged today."
CORE_GROUP_DECISIONS = (
    "Plan actions updated and shared with the family.",
    "Next core group in six weeks.",
    "School to report attendance weekly to the social worker.",
)
PARTNERSHIP_DECISIONS = (
    "Audit findings accepted; learning briefing to all agencies.",
    "Neglect toolkit to be used at every core group.",
    "Escalation protocol to be re-issued to schools.",
)
# (who may dissent, the decision it goes with, reason)
DISSENT = {
    "strategy_discussion": (
        ("Northbrook Police: Detective constable", "medical",
         "The medical should wait until after the joint visit; the child has already been examined in A&E."),
        ("St Aldric's Hospital: Named nurse for safeguarding", "s47",
         "The injuries need a child protection medical today, before the joint visit."),
    ),
    "initial_conference": (
        ("Millfield Primary School: Designated safeguarding lead", "no_plan",
         "The neglect has gone on for two years; without a plan nothing will change."),
        ("Northbrook Community Health: Health visitor", "no_plan",
         "The baby's weight has fallen across two centiles; the risk is not being taken seriously."),
        ("Family: Mother", "plan", "Does not accept that the children are at risk."),
        ("Northbrook Police: Detective constable", "category",
         "The category should be physical abuse, not neglect, given the injuries."),
    ),
    "review_conference": (
        ("Northbrook Community Health: Health visitor", "plan_ends",
         "Too early to end the plan: the improvements are only weeks old."),
        ("Millfield Primary School: Designated safeguarding lead", "plan_ends",
         "Attendance has fallen again this term; the plan should continue."),
        ("Family: Mother", "plan_continues", "Says the family has done everything asked of them."),
    ),
    "core_group": (
        ("Northbrook Community Health: Health visitor", "core",
         "The plan's actions are not being done; this should go back to conference early."),
    ),
    "partnership": (
        ("Northbrook Police: Detective inspector", "partnership",
         "The audit sample was too small to draw conclusions for the police."),
    ),
}
ESCALATION_OUTCOMES = (
    "Managers met; the plan continues with an early review conference.",
    "Resolved at stage 2: the medical went ahead the same day.",
    "Agreed to reconvene the conference within four weeks.",
    "Head of service upheld the decision and wrote to the partner agency.",
)
PARTNERSHIP_ATTENDEES = (
    "Northbrook Children's Services: Head of service",
    "Northbrook Police: Detective inspector",
    "Northbrook Community Health: Designated nurse for safeguarding",
    "Northbrook Council education services: Head of inclusion",
    "Northbrook Probation Delivery Unit: Senior probation officer",
)

# --- concerns ----------------------------------------------------------------------------------------------------

CONCERN_RAISERS = (("relative", 35), ("neighbour", 25), ("professional", 22), ("anonymous", 12),
                   ("whistleblower", 6))
RELATIVES = ("grandmother", "aunt", "uncle", "grandfather", "cousin", "father's sister")
PROFESSIONALS = (
    "Teaching assistant, Millfield Primary School",
    "Practice nurse, Elm Tree Surgery",
    "Youth worker, Northbrook Council youth service",
    "Dental nurse, Northbrook Health Centre",
    "Nursery key worker, Northbrook Family Support",
)
WHISTLEBLOWERS = (
    "Member of staff, a Northbrook children's home",
    "Member of staff, Northbrook Children's Services",
    "Agency worker, a supported accommodation provider",
)
CONCERNS = {
    "relative": (
        "The children are often left with different adults overnight.",
        "Mother is drinking again and the children are missing school.",
        "A new man has moved in and the children are frightened of him.",
        "The youngest always seems hungry when we have him at weekends.",
    ),
    "neighbour": (
        "Shouting and crying from the flat most nights.",
        "The young children are often outside alone after dark.",
        "Lots of people coming and going from the house at all hours.",
    ),
    "professional": (
        "Child has come in with bruises twice this month and gave different explanations.",
        "The family have stopped bringing the baby to appointments and do not answer calls.",
        "Young person says they are sleeping on a friend's sofa most nights.",
    ),
    "anonymous": (
        "The children are left on their own at night.",
        "The house is filthy and the children smell.",
    ),
    "whistleblower": (
        "Staff are restraining a young person far more often than is recorded.",
        "Visits to children on plans are being recorded that did not happen.",
        "A young person goes missing most nights and it is not being reported.",
    ),
}
CONCERNS_HARM = {
    "relative": ("He has marks on his arms and legs and mum says he falls over a lot.",
                 "The baby cries all the time and mum's boyfriend shouts at him."),
    "neighbour": ("I hear a man shouting and a child screaming through the wall.",),
    "professional": ("Child flinches when touched and has a bruise on the cheek.",),
    "anonymous": ("That child is being hurt. Someone needs to go round.",),
}
RESPONSES = (
    "Checked with the allocated social worker; an unannounced visit was made and the children were seen.",
    "Shared with the front door; a contact was recorded and the family's worker informed.",
    "Discussed with the police; a joint visit was made the next day.",
    "The concern was added to the assessment; the school was asked to monitor.",
    "Raised at the core group; the plan was updated.",
)
RESPONSES_WHISTLEBLOWER = (
    "Referred to the designated officer; the provider was visited and records checked.",
    "Head of service audited the visit records of the team; findings shared with the worker's manager.",
)
TOLD_HOW = ("By telephone.", "By letter.", "In person at the office.", "By email.")
RESPONDERS = {"whistleblower": "head_of_service"}

# Telephone contacts and case notes around visits (own words; no decision words a rule could mistake).
PHONE_IN = (
    "Mother rang to rearrange the next visit.",
    "School rang with an attendance update.",
    "Health visitor rang to share the outcome of the last review.",
    "Mother rang upset about a letter from the housing office.",
)
PHONE_OUT = (
    "Rang mother to confirm the visit time.",
    "Rang the school to check attendance this half term.",
    "Left a voicemail for mother asking her to call back.",
    "Rang the GP surgery for the children's registration details.",
)
CASE_NOTES = (
    "Management oversight: plan reviewed with the team manager.",
    "Chronology updated with partner agency information.",
    "Letter sent to mother confirming the agreed actions.",
    "Discussed the family with the early help coordinator.",
    "Transport to contact arranged for next week.",
)

