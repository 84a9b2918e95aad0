"""The fifteen-plus fictional agencies of Northbrook: ids, kinds, output formats and what identifiers they hold."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Agency:
    """One sending organisation and the identifying details its system usually holds."""

    id: str
    name: str
    kind: str
    format: str  # jsonl, csv, fhir
    source_system: str
    prefix: str
    nhs_coverage: float  # share of its person records that carry an NHS number
    dob_coverage: float  # share of its person records that carry a date of birth
    holds_uprn: bool = False
    holds_upn: bool = False
    establishment: int = 0


AGENCIES: tuple[Agency, ...] = (
    Agency(
        "northbrook-childrens-services",
        "Northbrook Children's Services",
        "childrens_social_care",
        "jsonl",
        "nb-cscs",
        "CSC",
        0.75,
        0.97,
        holds_uprn=True,
        holds_upn=True,
    ),
    Agency("northbrook-police", "Northbrook Police", "police", "jsonl", "nbp-rms", "NBP", 0.03, 0.85),
    Agency(
        "st-aldrics-hospital", "St Aldric's Hospital", "acute_hospital", "fhir", "sah-pas", "SAH", 0.93, 1.0
    ),
    Agency(
        "northbrook-general-hospital",
        "Northbrook General Hospital",
        "acute_hospital",
        "jsonl",
        "ngh-ed",
        "NGH",
        0.93,
        1.0,
    ),
    Agency(
        "kingsmere-royal-infirmary",
        "Kingsmere Royal Infirmary",
        "acute_hospital",
        "jsonl",
        "kri-pas",
        "KRI",
        0.9,
        1.0,
    ),
    Agency(
        "northbrook-community-health",
        "Northbrook Community Health (health visitors and midwives)",
        "community_health",
        "jsonl",
        "nch-ehr",
        "NCH",
        0.97,
        1.0,
    ),
    Agency(
        "riverside-medical-practice",
        "Riverside Medical Practice",
        "gp_practice",
        "jsonl",
        "gp-emis-like",
        "RMP",
        0.99,
        1.0,
    ),
    Agency("elm-tree-surgery", "Elm Tree Surgery", "gp_practice", "jsonl", "gp-tpp-like", "ETS", 0.99, 1.0),
    Agency(
        "northbrook-health-centre",
        "Northbrook Health Centre",
        "gp_practice",
        "jsonl",
        "gp-emis-like",
        "NHC",
        0.99,
        1.0,
    ),
    Agency(
        "shire-valley-ambulance",
        "Shire Valley Ambulance Service",
        "ambulance",
        "jsonl",
        "svas-epr",
        "SVA",
        0.55,
        0.75,
    ),
    Agency(
        "northbrook-housing-options",
        "Northbrook Council Housing Options",
        "housing_authority",
        "jsonl",
        "nb-housing",
        "HOP",
        0.0,
        0.8,
        holds_uprn=True,
    ),
    Agency(
        "northbrook-homes",
        "Northbrook Homes",
        "housing_association",
        "csv",
        "nbh-tenancy",
        "NBH",
        0.0,
        0.6,
        holds_uprn=True,
    ),
    Agency(
        "greenway-housing-association",
        "Greenway Housing Association",
        "housing_association",
        "jsonl",
        "gha-housing",
        "GHA",
        0.0,
        0.6,
    ),
    Agency(
        "millfield-primary-school",
        "Millfield Primary School",
        "school",
        "jsonl",
        "mis-a",
        "MPS",
        0.05,
        1.0,
        holds_upn=True,
        establishment=2101,
    ),
    Agency(
        "st-aldrics-primary-school",
        "St Aldric's CE Primary School",
        "school",
        "jsonl",
        "mis-b",
        "SAP",
        0.05,
        1.0,
        holds_upn=True,
        establishment=3102,
    ),
    Agency(
        "northbrook-academy",
        "Northbrook Academy",
        "school",
        "jsonl",
        "mis-a",
        "NBA",
        0.05,
        1.0,
        holds_upn=True,
        establishment=4103,
    ),
    Agency(
        "riverside-high-school",
        "Riverside High School",
        "school",
        "jsonl",
        "mis-c",
        "RHS",
        0.05,
        1.0,
        holds_upn=True,
        establishment=4104,
    ),
    Agency(
        "northbrook-legal-services",
        "Northbrook Council Legal Services",
        "la_legal",
        "jsonl",
        "nb-legal",
        "LEG",
        0.5,
        0.95,
    ),
    Agency(
        "northbrook-family-support",
        "Northbrook Family Support",
        "family_support",
        "jsonl",
        "nb-early-help",
        "NFS",
        0.2,
        0.9,
        holds_uprn=True,
    ),
    Agency(
        "northbrook-probation",
        "Northbrook Probation Delivery Unit",
        "probation",
        "jsonl",
        "pdu-case",
        "PRB",
        0.1,
        1.0,
    ),
)
BY_ID: dict[str, Agency] = {a.id: a for a in AGENCIES}
CSC = "northbrook-childrens-services"
POLICE = "northbrook-police"
HOSPITALS = ("st-aldrics-hospital", "northbrook-general-hospital", "kingsmere-royal-infirmary")
GPS = ("riverside-medical-practice", "elm-tree-surgery", "northbrook-health-centre")
PRIMARIES = ("millfield-primary-school", "st-aldrics-primary-school")
SECONDARIES = ("northbrook-academy", "riverside-high-school")
COMMUNITY = "northbrook-community-health"
AMBULANCE = "shire-valley-ambulance"
HOUSING_OPTIONS = "northbrook-housing-options"
LANDLORDS = {"social_northbrook_homes": "northbrook-homes", "social_greenway": "greenway-housing-association"}
LEGAL = "northbrook-legal-services"
FAMILY_SUPPORT = "northbrook-family-support"
PROBATION = "northbrook-probation"


def agencies_manifest() -> list[dict[str, str]]:
    """The content of DIR/agencies.json: id, name, kind and format of every agency, sorted by id."""
    return [
        {"id": a.id, "name": a.name, "kind": a.kind, "format": a.format}
        for a in sorted(AGENCIES, key=lambda a: a.id)
    ]
