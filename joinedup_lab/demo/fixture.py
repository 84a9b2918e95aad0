"""A small fictional authority, Northbrook, with agencies of several kinds and users in each role."""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.accounts.models import AgencyKind, Role


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    kind: str
    teams: tuple[tuple[str, str, bool], ...] = ()  # (code, name, is_front_door)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    agency: str
    role: str
    team: str = ""
    job_title: str = ""
    phone: str = ""


# Telephone numbers are from Ofcom's range reserved for drama (01632 960000–960999): never a real line.
TEAM_PHONES = {("northbrook-childrens-services", "front-door"): "01632 960 100"}
# How many children with an open plan the demo allocates to the demo social worker (the rest go to the front door).
DEMO_ALLOCATIONS = 12
# At most this many of the simulated worker's open cases (whose supervision the practice file holds) go to the demo
# social worker first, so that his supervision sessions discuss his own children.
PREFERRED_ALLOCATIONS = 18

AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency("northbrook-childrens-services", "Northbrook Children's Services", AgencyKind.CHILDRENS_SOCIAL_CARE, (
        ("front-door", "Front Door (MASH)", True),
        ("assessment-north", "Assessment Team North", False),
        ("child-protection", "Child Protection Team", False),
        ("information-governance", "Information Governance", False),
    )),
    DemoAgency("northbrook-police", "Northbrook Police", AgencyKind.POLICE, (
        ("public-protection", "Public Protection Unit", False),
    )),
    DemoAgency("st-aldrics-hospital", "St Aldric's Hospital", AgencyKind.ACUTE_HOSPITAL, (
        ("emergency-department", "Emergency Department", False),
    )),
    DemoAgency("northbrook-community-health", "Northbrook Community Health (health visitors and midwives)", AgencyKind.COMMUNITY_HEALTH, (
        ("health-visiting", "Health Visiting", False),
    )),
    DemoAgency("elm-tree-surgery", "Elm Tree Surgery", AgencyKind.GP_PRACTICE),
    DemoAgency("northbrook-homes", "Northbrook Homes", AgencyKind.HOUSING_ASSOCIATION),
    DemoAgency("millfield-primary-school", "Millfield Primary School", AgencyKind.SCHOOL),
)

# Colleagues who hold the other children on a plan or looked after (a child on a plan always has an allocated
# worker): social workers in the demo teams, and the child protection team's manager. They do not sign in to the demo
# (no password; the administrator's screens can give them one); they are listed on the caseload, supervision and
# colleagues screens. Children are shared out among the social workers family by family, the lightest caseload first.
COLLEAGUES: tuple[DemoUser, ...] = (
    DemoUser("grace.mensah", "Grace", "Mensah", "northbrook-childrens-services", Role.SOCIAL_WORKER, "assessment-north",
             "Social worker"),
    DemoUser("tom.whitfield", "Tom", "Whitfield", "northbrook-childrens-services", Role.SOCIAL_WORKER,
             "assessment-north", "Social worker"),
    DemoUser("aisha.karim", "Aisha", "Karim", "northbrook-childrens-services", Role.SOCIAL_WORKER, "assessment-north",
             "Senior social worker"),
    DemoUser("maria.costa", "Maria", "Costa", "northbrook-childrens-services", Role.TEAM_MANAGER, "child-protection",
             "Team manager"),
    DemoUser("dan.kowalski", "Dan", "Kowalski", "northbrook-childrens-services", Role.SOCIAL_WORKER, "child-protection",
             "Social worker"),
    DemoUser("lucy.brennan", "Lucy", "Brennan", "northbrook-childrens-services", Role.SOCIAL_WORKER, "child-protection",
             "Social worker"),
    DemoUser("ravi.nair", "Ravi", "Nair", "northbrook-childrens-services", Role.SOCIAL_WORKER, "child-protection",
             "Social worker"),
    DemoUser("ellen.hughes", "Ellen", "Hughes", "northbrook-childrens-services", Role.SOCIAL_WORKER, "child-protection",
             "Senior social worker"),
)

USERS: tuple[DemoUser, ...] = (
    DemoUser("sam.okafor", "Sam", "Okafor", "northbrook-childrens-services", Role.SOCIAL_WORKER, "assessment-north",
             "Social worker", "01632 960 114"),
    DemoUser("tara.lindqvist", "Tara", "Lindqvist", "northbrook-childrens-services", Role.TEAM_MANAGER, "assessment-north",
             "Team manager", "01632 960 115"),
    DemoUser("femi.adeyemi", "Femi", "Adeyemi", "northbrook-childrens-services", Role.FRONT_DOOR, "front-door",
             "MASH social worker"),
    DemoUser("helen.marsh", "Helen", "Marsh", "northbrook-childrens-services", Role.HEAD_OF_SERVICE, "", "Head of service"),
    DemoUser("dara.quinn", "Dara", "Quinn", "northbrook-childrens-services", Role.DATA_PROTECTION_OFFICER,
             "information-governance", "Data protection officer"),
    DemoUser("alex.admin", "Alex", "Moreno", "northbrook-childrens-services", Role.SYSTEM_ADMINISTRATOR,
             "information-governance", "System administrator"),
    DemoUser("priya.shah", "Priya", "Shah", "st-aldrics-hospital", Role.PARTNER_PRACTITIONER,
             "emergency-department", "Emergency department nurse"),
    DemoUser("mark.ellis", "Mark", "Ellis", "northbrook-police", Role.PARTNER_PRACTITIONER, "public-protection",
             "Detective constable"),
    DemoUser("joy.baptiste", "Joy", "Baptiste", "northbrook-community-health", Role.PARTNER_PRACTITIONER,
             "health-visiting", "Health visitor"),
    DemoUser("owen.price", "Owen", "Price", "millfield-primary-school", Role.PARTNER_PRACTITIONER, "",
             "Designated safeguarding lead"),
    DemoUser("ruth.kaye", "Ruth", "Kaye", "northbrook-childrens-services", Role.CASE_REVIEWER, "", "Independent case reviewer"),
    DemoUser("nina.ashworth", "Nina", "Ashworth", "northbrook-childrens-services", Role.PERFORMANCE, "",
             "Performance and information officer"),
)
