"""The access policy as plain predicates over a user (and later, a relationship to a person).

Deny by default: each predicate answers False for anonymous, inactive or role-less users.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import rules

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.roles import administers_accounts

AUDIT_TRAIL_ROLES = frozenset({Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMINISTRATOR})


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


@rules.predicate
def may_view_audit_trail(user) -> bool:
    """Data protection officers and system administrators may read the whole audit trail."""
    return _active(user) and user.role in AUDIT_TRAIL_ROLES


@rules.predicate
def may_view_staff_directory(user) -> bool:
    """Any active member of an agency may see their own agency's colleagues."""
    return _active(user) and user.agency_id is not None and bool(user.role)


@rules.predicate
def may_manage_api_tokens(user) -> bool:
    """System administrators issue and revoke the tokens agencies' systems use."""
    return _active(user) and user.role == Role.SYSTEM_ADMINISTRATOR


@rules.predicate
def may_administer_accounts(user) -> bool:
    """The authority's system administrator (a person, in children's social care) manages agencies, teams, accounts
    and API tokens on the administration screens. Which roles each kind of agency may hold, and which accounts may
    hold a token, are `joinedup.accounts.roles` (the services refuse anything else)."""
    return administers_accounts(user)


# Children's social care roles: what each sees of a person is decided by its relationships (below).
WHOLE_PICTURE_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR, Role.HEAD_OF_SERVICE})
MATCH_REVIEW_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER})


@rules.predicate
def may_look_up_people(user) -> bool:
    """Children's social care staff and partner practitioners may search for a person — within their relationships
    (joinedup.access.relationships). Case reviewers work from their commissions, not search."""
    return _active(user) and user.agency_id is not None and (
        user.role in WHOLE_PICTURE_ROLES or user.role == Role.PARTNER_PRACTITIONER
    )


@rules.predicate
def may_look_up_child_status(user) -> bool:
    """Anyone working with children may ask whether a child is on a plan or looked after, and whom to call."""
    return _active(user) and user.agency_id is not None and (
        user.role in WHOLE_PICTURE_ROLES or user.role == Role.PARTNER_PRACTITIONER
    )


@rules.predicate
def may_receive_notices(user) -> bool:
    """Children's social care staff are told when partners look up their children; partner practitioners are
    told the outcome of the referrals they made."""
    return _active(user) and (user.role in WHOLE_PICTURE_ROLES
                              or (user.role == Role.PARTNER_PRACTITIONER and user.agency_id is not None))


SIGHTING_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR})


@rules.predicate
def may_identify_sightings(user) -> bool:
    """Social workers, front-door workers and team managers say who an unidentified adult ("Steve") is."""
    return _active(user) and user.role in SIGHTING_ROLES


@rules.predicate
def may_review_matches(user) -> bool:
    """Front-door workers and team managers decide uncertain matches (confirm, reject, split)."""
    return _active(user) and user.role in MATCH_REVIEW_ROLES


# --- Legitimate relationships (issue 15): the one table of who sees a person through what -----------------------
# A viewer sees a person only through a relationship (joinedup.access.relationships gathers them from the apps
# that hold the facts). Each relationship kind gives one scope; a viewer with several gets the widest.


class Scope:
    """What a relationship shows of a person (widest first)."""

    FULL = "full"  # every agency's records, the household and the adults around them, the chronology
    AGENCY = "agency"  # the viewer's own agency's records about the person, plan status and whom to call
    PSEUDONYMISED = "pseudonymised"  # the chronology with every name and identifier replaced (case reviews)

    ORDER = (FULL, AGENCY, PSEUDONYMISED)
    LABELS = {
        FULL: "The whole picture",
        AGENCY: "Your agency's records, plan status and whom to call",
        PSEUDONYMISED: "The pseudonymised chronology only",
    }


class Relation:
    """Kinds of legitimate relationship, with the scope each gives and the roles that may hold it."""

    ALLOCATION = "allocation"
    TEAM = "team"
    FRONT_DOOR_DUTY = "front_door_duty"
    SERVICE_OVERSIGHT = "service_oversight"
    HOUSEHOLD = "household"
    AGENCY_RECORD = "agency_record"
    REFERRAL = "referral"
    MEETING = "meeting"
    REVIEW_COMMISSION = "review_commission"
    SELF_CLAIM = "self_claim"
    BREAK_GLASS = "break_glass"

    LABELS = {
        ALLOCATION: "Allocated worker",
        TEAM: "Manager of the allocated team",
        FRONT_DOOR_DUTY: "Front-door duty (duty to enquire about new contacts)",
        SERVICE_OVERSIGHT: "Head of service",
        HOUSEHOLD: "Lives with, or is recorded with, a child you work with",
        AGENCY_RECORD: "Your agency holds a record naming them",
        REFERRAL: "A referral to or from your agency",
        MEETING: "You have a role in a meeting about them",
        REVIEW_COMMISSION: "Commissioned case review",
        SELF_CLAIM: "Self-claimed relationship",
        BREAK_GLASS: "Break-glass (emergency) access",
    }


CSC_WORKING_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR, Role.HEAD_OF_SERVICE})

# relationship kind -> (scope, roles that may hold it). A relationship held by a role not listed gives nothing.
RELATIONSHIPS = {
    Relation.ALLOCATION: (Scope.FULL, frozenset({Role.SOCIAL_WORKER})),
    Relation.TEAM: (Scope.FULL, frozenset({Role.TEAM_MANAGER})),
    Relation.FRONT_DOOR_DUTY: (Scope.FULL, frozenset({Role.FRONT_DOOR})),
    Relation.SERVICE_OVERSIGHT: (Scope.FULL, frozenset({Role.HEAD_OF_SERVICE})),
    Relation.HOUSEHOLD: (Scope.FULL, CSC_WORKING_ROLES),
    Relation.AGENCY_RECORD: (Scope.AGENCY, CSC_WORKING_ROLES | {Role.PARTNER_PRACTITIONER}),
    Relation.REFERRAL: (Scope.AGENCY, frozenset({Role.PARTNER_PRACTITIONER})),
    Relation.MEETING: (Scope.AGENCY, CSC_WORKING_ROLES | {Role.PARTNER_PRACTITIONER}),
    Relation.REVIEW_COMMISSION: (Scope.PSEUDONYMISED, frozenset({Role.CASE_REVIEWER})),
    # A self-claim gives what the role's working relationship gives; break-glass gives the whole picture.
    Relation.SELF_CLAIM: (None, frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.PARTNER_PRACTITIONER})),
    Relation.BREAK_GLASS: (Scope.FULL, frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER,
                                                  Role.PARTNER_PRACTITIONER})),
}
# Reached from the page of the child one works with, not by search (the household's adults).
NOT_SEARCHABLE = frozenset({Relation.HOUSEHOLD})
SELF_CLAIM_SCOPE = {Role.SOCIAL_WORKER: Scope.FULL, Role.TEAM_MANAGER: Scope.FULL,
                    Role.PARTNER_PRACTITIONER: Scope.AGENCY}
CLAIM_KINDS = (Relation.SELF_CLAIM, Relation.BREAK_GLASS)
# Front-door duty: the child of a contact at the viewer's front door (and the people around them), while the
# contact is open and for this many days after it arrived (setting JOINEDUP_ACCESS["front_door_duty_days"]); and a
# child whose alert the front-door team holds while it is open. Service oversight (heads of service): the children
# known to their service — a contact, a case, an allocation or an alert at their authority.
FRONT_DOOR_DUTY_DAYS_DEFAULT = 30
CLAIM_HOURS_DEFAULT = 8  # how long a self-claim or break-glass lasts (setting JOINEDUP_ACCESS["claim_hours"])
CLAIM_REVIEW_DAYS_DEFAULT = 3  # the DPO reviews each within this many days (JOINEDUP_ACCESS["claim_review_days"])

CLAIM_REASONS = (
    ("new_contact", "Taking a new contact or referral about this person"),
    ("treating_now", "Treating or seeing this person now"),
    ("emergency", "Emergency: a risk to life or of serious harm"),
    ("court_or_police", "A court, police or statutory request in progress"),
    ("covering_colleague", "Covering for an absent colleague"),
    ("other", "Other (say why below)"),
)


def relationship_scope(user, kind: str) -> str | None:
    """The scope one relationship of `kind` gives this user (None: it gives them nothing)."""
    if not _active(user) or kind not in RELATIONSHIPS:
        return None
    scope, roles = RELATIONSHIPS[kind]
    if user.role not in roles:
        return None
    if kind == Relation.SELF_CLAIM:
        return SELF_CLAIM_SCOPE.get(user.role)
    return scope


def widest_scope(scopes) -> str | None:
    """The widest of several scopes (None when there are none)."""
    present = set(scopes)
    return next((s for s in Scope.ORDER if s in present), None)


@rules.predicate
def may_claim_access(user) -> bool:
    """Who may record a self-claimed relationship or break the glass (never reviewers, the DPO or administrators)."""
    return _active(user) and user.agency_id is not None and user.role in RELATIONSHIPS[Relation.BREAK_GLASS][1]


@rules.predicate
def may_review_access_claims(user) -> bool:
    """The data protection officer reviews every self-claim and break-glass."""
    return _active(user) and user.role == Role.DATA_PROTECTION_OFFICER


@rules.predicate
def may_commission_reviews(user) -> bool:
    """Heads of service (for the safeguarding partnership) commission case reviews."""
    return _active(user) and user.role in (Role.HEAD_OF_SERVICE, Role.PARTNERSHIP_MEMBER)


# --- Who may send agencies' records (issue 15) -------------------------------------------------------------------
# `POST /api/v1/records/` is the feed from agencies' systems (docs/formats/README.md). Each system calls as an
# account of its agency: a partner agency's feed runs as a partner-practitioner account (the only working role a
# partner agency has), and an authority's own case system as a system-administrator account (system administrators
# issue agencies' tokens: `may_manage_api_tokens`). People record through the screens and the casework and practice
# APIs, which check each step; nobody else sends raw records — not the DPO, case reviewers, partnership members,
# heads of service, managers, front-door or social workers.
RECORD_SENDING_ROLES = frozenset({Role.PARTNER_PRACTITIONER, Role.SYSTEM_ADMINISTRATOR})


@rules.predicate
def may_send_records(user) -> bool:
    """Agencies' systems send their agency's records: accounts of an agency in a sending role only."""
    return _active(user) and user.agency_id is not None and user.role in RECORD_SENDING_ROLES


# --- Field groups (issue 15, promise 1): detail that only some roles may see ------------------------------------
# Each group says what it covers in the agency record format (docs/formats/README.md) and who may see it, as
# (role, agency kind) pairs. A record is in a group when the agency marked it (`detail.sensitivity`, a list of the
# markers below) or when its main code (`detail.code`) is one the group lists; a group's detail keys are hidden on
# their own (the rest of the record shows). No record kind is sensitive as a whole: a consultation or an incident
# can be about anything. Everyone else sees such an entry as "Restricted: <label> — ask <whom>", never its detail
# or summary: `joinedup.chronology.restriction` applies this to chronologies, who knew what, record pages, exports,
# alerts' evidence and the API. An agency's own staff always see their own agency's records (they wrote them).
# Deny by default: an unknown group, an inactive or role-less user, sees nothing of it.

ANY_AGENCY = "*"
HEALTH_AGENCY_KINDS = (AgencyKind.GP_PRACTICE, AgencyKind.ACUTE_HOSPITAL, AgencyKind.COMMUNITY_HEALTH)
_CSC_KIND = AgencyKind.CHILDRENS_SOCIAL_CARE

SEXUAL_HEALTH = "sexual_health"
MENTAL_HEALTH = "mental_health"
POLICE_INTELLIGENCE = "police_intelligence"
PLACEMENT_ADDRESS = "placement_address"
WHISTLEBLOWER_IDENTITY = "whistleblower_identity"
# The values an agency may put in `detail.sensitivity` (the schema refuses any other).
SENSITIVITY_MARKERS = (SEXUAL_HEALTH, MENTAL_HEALTH, POLICE_INTELLIGENCE)


@dataclass(frozen=True)
class FieldGroup:
    """A kind of detail only some roles may see: what it covers, who may see it, whom everyone else asks."""

    code: str
    label: str
    ask: str  # whom someone not entitled asks ("the allocated social worker")
    covers: str  # what it covers, in words (shown in docs and on the policy page)
    codes: frozenset[str] = frozenset()  # `detail.code` values (lower case, "_" read as " ") that put a record in it
    detail_keys: frozenset[str] = frozenset()  # detail keys hidden on their own; the rest of the record shows
    entitled: frozenset[tuple[str, str]] = frozenset()  # (role, agency kind or ANY_AGENCY)

    @property
    def note(self) -> str:
        return f"Restricted: {self.label} — ask {self.ask}"

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(role for role, _kind in self.entitled)


def _entitled(*pairs: tuple[tuple[str, ...], tuple[str, ...]]) -> frozenset[tuple[str, str]]:
    return frozenset((str(role), str(kind)) for roles, kinds in pairs for role in roles for kind in kinds)


FIELD_GROUPS: dict[str, FieldGroup] = {
    SEXUAL_HEALTH: FieldGroup(
        SEXUAL_HEALTH, "sexual health", "the allocated social worker",
        "records an agency marked `sexual_health`, or coded as sexual health, contraception, a sexually transmitted "
        "infection or a termination; the detail key `sexual_health`",
        codes=frozenset({"sexual health", "contraception", "emergency contraception", "sexually transmitted infection",
                         "sti screen", "termination of pregnancy"}),
        detail_keys=frozenset({"sexual_health"}),
        entitled=_entitled(((Role.SOCIAL_WORKER, Role.TEAM_MANAGER), (_CSC_KIND,)),
                           ((Role.PARTNER_PRACTITIONER,), HEALTH_AGENCY_KINDS)),
    ),
    MENTAL_HEALTH: FieldGroup(
        MENTAL_HEALTH, "mental health", "the allocated social worker",
        "records an agency marked `mental_health`, or coded as anxiety, low mood, depression, self-harm, an overdose, "
        "psychosis or a mental health assessment; the detail key `mental_health`",
        codes=frozenset({"anxiety", "low mood", "depression", "self harm", "overdose", "psychosis", "mental health",
                         "mental health assessment", "eating disorder", "suicidal ideation"}),
        detail_keys=frozenset({"mental_health"}),
        entitled=_entitled(((Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE), (_CSC_KIND,)),
                           ((Role.PARTNER_PRACTITIONER,), (*HEALTH_AGENCY_KINDS, AgencyKind.AMBULANCE))),
    ),
    POLICE_INTELLIGENCE: FieldGroup(
        POLICE_INTELLIGENCE, "police intelligence", "the front door (MASH)",
        "records an agency marked `police_intelligence`, or coded as intelligence; the detail key `intelligence`",
        codes=frozenset({"intelligence", "intelligence report"}),
        detail_keys=frozenset({"intelligence"}),
        entitled=_entitled(((Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE), (_CSC_KIND,)),
                           ((Role.PARTNER_PRACTITIONER,), (AgencyKind.POLICE,))),
    ),
    PLACEMENT_ADDRESS: FieldGroup(
        PLACEMENT_ADDRESS, "placement address", "the allocated social worker",
        "a looked-after child's placement postcode (`placement_postcode`) and the placement's Ofsted URN "
        "(`placement_urn`, which names the home): never in a chronology, export or list; "
        "on the case page only to those entitled with a relationship to the child",
        detail_keys=frozenset({"placement_postcode", "placement_urn"}),
        entitled=_entitled(((Role.SOCIAL_WORKER, Role.TEAM_MANAGER), (_CSC_KIND,))),
    ),
    WHISTLEBLOWER_IDENTITY: FieldGroup(
        WHISTLEBLOWER_IDENTITY, "who raised the concern", "the head of service",
        "the name and contact of whoever raised a concern whose identity is withheld (practice concerns; no agency "
        "record carries it); a deployment may name other roles (practice setting `concern_raiser_roles`)",
        entitled=_entitled(((Role.HEAD_OF_SERVICE, Role.DATA_PROTECTION_OFFICER), (ANY_AGENCY,))),
    ),
}


def _code_of(value: object) -> str:
    return " ".join(str(value or "").replace("_", " ").replace("-", " ").lower().split())


# Every group's own detail keys, in the order `record_field_groups` names them, and every code that puts a record in a
# group: most records carry none of them, and are answered from these without looking at each group.
_GROUP_KEYS = tuple((key, g.code) for g in FIELD_GROUPS.values() for key in sorted(g.detail_keys))
_GROUPED_KEYS = frozenset(key for key, _group in _GROUP_KEYS)
_GROUPED_CODES = frozenset(code for g in FIELD_GROUPS.values() for code in g.codes)


def record_field_groups(detail: Mapping) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The groups covering one record's detail: (groups covering the whole record, (detail key, group) pairs hidden
    on their own). A marker this policy does not know covers the whole record as every marked group (fail closed)."""
    marks = detail.get("sensitivity") or ()
    code = _code_of(detail.get("code"))
    if not marks and code not in _GROUPED_CODES and _GROUPED_KEYS.isdisjoint(detail):
        return (), ()  # nothing marked, no code of a group, no key of one
    marks = {marks} if isinstance(marks, str) else {str(m) for m in marks} if isinstance(marks, list | tuple) else set()
    unknown = bool(marks - set(SENSITIVITY_MARKERS))
    whole = tuple(g.code for g in FIELD_GROUPS.values()
                  if g.code in marks or (code and code in g.codes) or (unknown and g.code in SENSITIVITY_MARKERS))
    keys = tuple((key, group) for key, group in _GROUP_KEYS if key in detail)
    return whole, keys


def may_see_field_group(user, group: str, *, record_agency_code: str = "") -> bool:
    """Whether the user may see a group's detail (of a record sent by `record_agency_code`, when given)."""
    found = FIELD_GROUPS.get(group)
    if found is None or not _active(user) or not user.role:
        return False
    agency = user.agency if user.agency_id else None
    if agency is not None and record_agency_code and agency.code == record_agency_code:
        return True
    kind = agency.kind if agency is not None else ""
    return (user.role, kind) in found.entitled or (user.role, ANY_AGENCY) in found.entitled


# --- Sealed records (issue 15, promise 3; ADR 0011) ----------------------------------------------
# A head of service seals a person (an adoption, a court order) with a reason. A
# sealed person is restricted for everyone: left out of search and lists, and every page about them answers 404.
# Unsealing is for one user, for UNSEAL_HOURS_DEFAULT hours (setting JOINEDUP_ACCESS["unseal_hours"]): they ask,
# with a reason, and a second, different person of a higher role (below) in their agency — or the data protection
# officer — approves. The DPO sees every unsealing on their home page and reviews it.

SEAL_ROLES = frozenset({Role.HEAD_OF_SERVICE})  # from the person page, which they see through service oversight
# The order of roles for unsealing: an approver must rank above the requester. Roles not listed neither ask nor
# approve (partnership members, administrators).
UNSEAL_RANK: dict[str, int] = {
    Role.SOCIAL_WORKER: 1, Role.FRONT_DOOR: 1, Role.PARTNER_PRACTITIONER: 1, Role.CASE_REVIEWER: 1,
    Role.TEAM_MANAGER: 2,
    Role.HEAD_OF_SERVICE: 3,
    Role.DATA_PROTECTION_OFFICER: 4,
}
UNSEAL_HOURS_DEFAULT = 8


@rules.predicate
def may_seal(user) -> bool:
    """Heads of service seal a person's record (with a reason)."""
    return _active(user) and user.agency_id is not None and user.role in SEAL_ROLES


@rules.predicate
def may_request_unseal(user) -> bool:
    """Anyone with a place in the order of roles may ask (someone above them must approve)."""
    return _active(user) and user.agency_id is not None and user.role in UNSEAL_RANK


def may_approve_unseal(approver, requester) -> bool:
    """A second, different person of a higher role: in the requester's agency, or the data protection officer."""
    if not (_active(approver) and approver.agency_id is not None and requester is not None):
        return False
    if approver.pk == requester.pk or approver.role not in UNSEAL_RANK or requester.role not in UNSEAL_RANK:
        return False
    if UNSEAL_RANK[approver.role] <= UNSEAL_RANK[requester.role]:
        return False
    return approver.agency_id == requester.agency_id or approver.role == Role.DATA_PROTECTION_OFFICER


@rules.predicate
def may_review_unsealing(user) -> bool:
    """The data protection officer is told of every unsealing and reviews it."""
    return _active(user) and user.role == Role.DATA_PROTECTION_OFFICER


# The partner look-up shares these, to any partner practitioner who asks about a child, on this basis (each share is
# recorded in the audit trail with the basis and the partner's reason).
LOOKUP_SHARES = ("plan status (child protection plan, looked after)", "whom to call (allocated worker or front door)")
SHARING_LAWFUL_BASIS = ("UK GDPR Art. 6(1)(e) (public task) and Art. 9(2)(g) with DPA 2018 Sch. 1 para 18 "
                        "(safeguarding of children and individuals at risk)")


# Pages about one person (URL name -> scopes that open it; every other viewer gets 404). The access matrix test and
# `joinedup bench access` are generated from this table and RELATIONSHIPS above.
PERSON_PAGES = {
    "web:person": frozenset({Scope.FULL, Scope.AGENCY}),
    "web:chronology": frozenset({Scope.FULL, Scope.PSEUDONYMISED}),
    "web:who-knew": frozenset({Scope.FULL}),
    "web:chronology-export": frozenset({Scope.FULL, Scope.PSEUDONYMISED}),
    "web:allocate": frozenset({Scope.FULL}),
}
# ...and what a page needs of the role besides the relationship (allocation: managers and the front door).
PERSON_PAGE_ROLES = {
    "web:allocate": frozenset({Role.TEAM_MANAGER, Role.FRONT_DOOR}),
}


def person_page_allowed(user, url_name: str, scope: str | None) -> bool:
    """What the written policy says a person page answers this user, given their widest scope to the person."""
    if not _active(user) or scope not in PERSON_PAGES.get(url_name, ()):
        return False
    roles = PERSON_PAGE_ROLES.get(url_name)
    return roles is None or user.role in roles


# --- Role sets the apps' permission checks use (one place; the apps import them, never copy them) ------------------
# Children's social care staff work alerts and record practice; CSC_WORKING_ROLES above is the same set.
ALERT_ROLES = CSC_WORKING_ROLES
CSC_STAFF = CSC_WORKING_ROLES
FRONT_DOOR_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE})  # see the front-door queue
# Take contacts. Taking one searches everyone not sealed (a caller's child may be unknown to the viewer): what is
# found opens only the contact form, and the contact then starts front-door duty (people.selectors).
CONTACT_RECORDING_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.SOCIAL_WORKER})
DECIDING_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER})  # rate contacts and decide what happens next


# --- Statutory returns and data quality (issue 17) -----------------------------------------------------------------
# The performance team (its own role) produces and downloads the CIN census, the SSDA903 and Ofsted's Annex A, and
# sees the aggregate figures (children in each return, on a plan at 31 March, failing each rule) and, on the
# data-quality page only, the names of the authority's children failing a rule with the record to fix. It holds no
# relationship (RELATIONSHIPS above): no person page, chronology, record or case page opens to it. The returns carry
# what the DfE and Ofsted require, placement postcodes and URNs among them (the placement address group): they go to
# the performance team's downloads only, each audited. Team managers see the data-quality page for their team's
# children (those allocated to the team now, as on their dashboard) and open the records through their relationship.
RETURNS_ROLES = frozenset({Role.PERFORMANCE})
DATA_QUALITY_ROLES = frozenset({Role.PERFORMANCE, Role.TEAM_MANAGER})


def _csc_staff(user) -> bool:
    return _active(user) and user.agency_id is not None and user.agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE


@rules.predicate
def may_produce_returns(user) -> bool:
    """The authority's performance team produces and downloads the statutory returns."""
    return _csc_staff(user) and user.role in RETURNS_ROLES


@rules.predicate
def may_view_data_quality(user) -> bool:
    """The performance team (every child of the authority) and team managers (their team's children)."""
    if not _csc_staff(user) or user.role not in DATA_QUALITY_ROLES:
        return False
    return user.role != Role.TEAM_MANAGER or user.team_id is not None
