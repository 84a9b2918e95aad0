"""Who may record and read practice: the predicates, over the one written policy (joinedup.access.policy) and the
legitimate relationships it judges (joinedup.access.relationships).

Child-level practice (visits, hypotheses, categories of concern) follows the child's case relationship
(`casework.relationships`); supervision belongs to the worker, their manager and the head of service;
meetings to children's social care and, for partnership meetings, the partnership; concerns to the managers
who answer them. A concern's raiser is shown only to the roles the deployment names.
"""

from __future__ import annotations

from joinedup.access.policy import CSC_STAFF
from joinedup.accounts.models import AgencyKind, Role
from joinedup.casework.relationships import may_record_case_step, may_view_case, may_view_chronology


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.role)


def _csc(user) -> bool:
    return _active(user) and user.agency_id is not None and user.agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE


def _same_agency(user, obj) -> bool:
    return user.agency_id is not None and user.agency_id == obj.agency_id


# --- visits, hypotheses, categories: the child's case -------------------------------------------------------


def may_record_visit(user, person) -> bool:
    """The allocated worker, their team manager, and the front door (during enquiries)."""
    return may_record_case_step(user, person)


def may_write_hypothesis(user, person) -> bool:
    """Whoever works the child's case may write and revise working hypotheses and categories of concern."""
    return may_record_case_step(user, person)


def may_read_child_practice(user, person) -> bool:
    return may_view_case(user, person)


# --- supervision ------------------------------------------------------------------------------------------


def may_record_supervision(user) -> bool:
    """Team managers (and heads of service) supervise workers."""
    return _csc(user) and user.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE)


def may_view_supervision(user, session) -> bool:
    """The worker supervised, the manager who supervised, the worker's team manager, the head of service."""
    if not _csc(user) or not _same_agency(user, session):
        return False
    if user.pk in (session.worker_id, session.manager_id) or user.role == Role.HEAD_OF_SERVICE:
        return True
    return user.role == Role.TEAM_MANAGER and user.team_id is not None and user.team_id == session.worker.team_id


# --- meetings ----------------------------------------------------------------------------------------------


def may_record_meeting(user, kind: str) -> bool:
    """Children's social care minutes its meetings; the partnership minutes its own."""
    if kind == "partnership":
        return _active(user) and user.role in (Role.PARTNERSHIP_MEMBER, Role.HEAD_OF_SERVICE)
    return _csc(user) and user.role in CSC_STAFF


def may_view_meeting(user, meeting, children=()) -> bool:
    """A partnership meeting: the partnership and heads of service. A meeting about children: whoever has a
    relationship to one of them (the case's relationship)."""
    if not _active(user):
        return False
    if meeting.kind == "partnership":
        return user.role in (Role.PARTNERSHIP_MEMBER, Role.HEAD_OF_SERVICE)
    if not _same_agency(user, meeting):
        return False
    return any(may_view_chronology(user, child) for child in children) or user.role == Role.HEAD_OF_SERVICE


def may_approve_meeting(user, meeting) -> bool:
    """The chair's approval: a team manager or head of service (the partnership's own for its meetings)."""
    if meeting.kind == "partnership":
        return _active(user) and user.role in (Role.PARTNERSHIP_MEMBER, Role.HEAD_OF_SERVICE)
    return _csc(user) and _same_agency(user, meeting) and user.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE)


# --- concerns ------------------------------------------------------------------------------------------------


def may_record_concern(user) -> bool:
    """Children's social care staff and safeguarding partnership members take concerns from anyone."""
    return _active(user) and user.agency_id is not None and (
        (_csc(user) and user.role in CSC_STAFF) or user.role == Role.PARTNERSHIP_MEMBER)


def may_see_concerns_log(user) -> bool:
    """Who has a concerns log: whoever takes concerns, and the data protection officer (who sees the authority's,
    and who raised them)."""
    return may_record_concern(user) or (_active(user) and user.agency_id is not None
                                        and user.role == Role.DATA_PROTECTION_OFFICER)


def may_view_concern(user, concern) -> bool:
    """Its responder, whoever recorded it, the authority's team managers, heads of service and data protection
    officer."""
    if not _active(user):
        return False
    if user.pk in (concern.responder_id, concern.recorded_by_id):
        return True
    return _same_agency(user, concern) and user.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE,
                                                          Role.DATA_PROTECTION_OFFICER)


def may_respond_concern(user, concern) -> bool:
    return _active(user) and (user.pk == concern.responder_id or (
        _same_agency(user, concern) and user.role == Role.HEAD_OF_SERVICE))


def may_see_raiser(user, concern) -> bool:
    """Who raised a concern: only the named roles (setting `concern_raiser_roles`) when it is withheld."""
    from joinedup.practice.settings import practice_settings

    if not may_view_concern(user, concern):
        return False
    if not concern.identity_withheld:
        return True
    return user.role in practice_settings().concern_raiser_roles


# --- caseloads and dashboards ------------------------------------------------------------------------------


def may_view_team_dashboard(user) -> bool:
    return _csc(user) and user.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE)


def may_view_service_dashboard(user) -> bool:
    return _csc(user) and user.role == Role.HEAD_OF_SERVICE


# --- a worker's own supervision frequency and caseload limit -------------------------------------------------


def may_set_worker_practice(user, worker) -> bool:
    """A worker's manager sets whether they are newly qualified, how often they are supervised and their caseload
    limit: the team manager of the worker's team, or the head of service. Nobody sets their own."""
    if not _csc(user) or not _same_agency(user, worker) or user.pk == worker.pk:
        return False
    if worker.role not in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR):
        return False
    if user.role == Role.HEAD_OF_SERVICE:
        return True
    return user.role == Role.TEAM_MANAGER and user.team_id is not None and user.team_id == worker.team_id
