"""Alert tests: the people tests' simulated authority (agencies and session-trained model), a small family's
records ingested and linked as `make demo` does, the authority's staff, and small rules of our own (the
catalogue's rules are tested in test_rules.py)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from joinedup.accounts.models import Agency, Role
from joinedup.alerts.rules.base import CONSIDER, PROCESS_FAILURE, SUSPECT, ChildContext, Finding, Rule
from joinedup.ingest.services import records_ingest
from joinedup.people.services import linkage_run
from tests.chronology.conftest import model_only  # noqa: F401
from tests.chronology.family import CRAIG, ELSEWHERE, HOME, JADE, MILO, m, person_of, rec  # noqa: F401
from tests.people.conftest import (  # noqa: F401
    SYSTEM,
    authority,
    authority_records,
    loaded,
    trained_model,
    truth_person_of,
)

CSC, POLICE, GP, HOSPITAL = (
    "northbrook-childrens-services", "northbrook-police", "elm-tree-surgery", "st-aldrics-hospital",
)
def injury(source_id, on, site="forearm", agency=HOSPITAL, local="SAH-K1", explanation="fell"):
    return rec(agency, source_id, "ed_attendance", [m("m1", "patient", MILO, local),
                                                    m("m2", "accompanying_adult", JADE, "SAH-K2")], on=on,
               detail={"code": "injury", "author_role": "Emergency department nurse",
                       "injury": {"site": site, "description": "bruising", "explanation_given": explanation}})


def family_records():
    return [
        rec(CSC, "A-CSC-1", "referral", [m("m1", "subject", MILO, "CSC-K1"),
                                         m("m2", "carer", JADE, "CSC-K2", relationship_to_subject="mother")],
            on="2024-01-10", detail={"code": "referral", "author_role": "social_worker"}),
        rec(CSC, "A-CSC-2", "cp_plan", [m("m1", "subject", MILO, "CSC-K1")], on="2024-03-01",
            detail={"code": "cpp", "category": "physical_abuse", "author_role": "social_worker"}),
        rec(GP, "A-GP-1", "consultation", [m("m1", "patient", MILO, "GP-K1")], on="2024-03-20",
            detail={"code": "cough", "text": "Seen for a cough.", "author_role": "GP"}),
        injury("A-ED-1", "2024-04-02"),
        rec(POLICE, "A-POL-1", "police_incident", [m("m1", "victim", JADE, "POL-K2"),
                                                   m("m2", "suspect", CRAIG, "POL-C1")],
            on="2024-04-05", detail={"code": "domestic_abuse", "children_present": True,
                                     "author_role": "police_officer"}),
        rec(GP, "A-GP-2", "person_registration", [m("m1", "patient", CRAIG, "GP-C1", address=ELSEWHERE)],
            on="2023-06-01"),
    ]


def ingest_and_link(records):
    result = records_ingest(actor=SYSTEM, records=records, via="file")
    assert not [o for o in result.outcomes if o.status == "refused"], result.outcomes
    linkage_run(actor=SYSTEM, progress=lambda _line: None)


# --- small rules of our own --------------------------------------------------------------------------


def _injuries(ctx: ChildContext, at, params):
    hurt = [e for e in ctx.events if e.is_injury]
    if not hurt:
        return None
    sites = ", ".join(e.injury.site for e in hurt)
    return Finding("T1", f"{len(hurt)} injur{'y' if len(hurt) == 1 else 'ies'} recorded ({sites}).",
                   tuple(e.key for e in hurt))


def _no_visit(ctx: ChildContext, at, params):
    plan = ctx.plan_on(at.date())
    if plan is None:
        return None
    visits = [e for e in ctx.events if e.kind == "visit" and e.occurred_on >= plan.start]
    last = max((e.occurred_on for e in visits), default=plan.start)
    due = dt.datetime.combine(last + dt.timedelta(days=params["days"]), dt.time(), tzinfo=dt.UTC)
    if due > at:
        return None
    keys = (plan.event_key, *(e.key for e in visits[-1:]))
    return Finding("T2", f"No social work visit recorded since {last:%d %B %Y}: one was due by {due:%d %B %Y}.",
                   keys, due_at=due)


def _unknown_adult(ctx: ChildContext, at, params):
    unknown = [h for h in ctx.household if h.is_adult and not h.in_csc_household_record]
    if not unknown:
        return None
    keys = tuple(e.key for e in ctx.household_events if e.person_id in {h.person_id for h in unknown})
    return Finding("T3", f"{unknown[0].label} lived at the child's address and is not on the household record.",
                   keys or (ctx.events[0].key,))


def _broken(ctx, at, params):
    raise RuntimeError("a faulty rule")


T1 = Rule("T1", "Injury recorded", "Any injury recorded by any agency.", "Test rule", SUSPECT, {}, _injuries)
T2 = Rule("T2", "Visit overdue", "A child on a plan not visited within the timescale.", "Test rule",
          PROCESS_FAILURE, {"days": 10}, _no_visit, time_based=True)
T3 = Rule("T3", "Adult not on the household record", "An adult at the address CSC does not know.", "Test rule",
          CONSIDER, {}, _unknown_adult)
BROKEN = Rule("TX", "Broken", "Raises.", "Test rule", SUSPECT, {}, _broken)
TEST_RULES = [T1, T2, T3]
WITH_BROKEN = [BROKEN, T1]


@pytest.fixture
def own_rules(settings):
    """Arrivals, linkage runs and the command use the rules above, not the catalogue's (use it with
    `pytestmark = pytest.mark.usefixtures("own_rules")`)."""
    settings.JOINEDUP_ALERT_RULES = "tests.alerts.conftest.TEST_RULES"
    return TEST_RULES


@pytest.fixture
def staff(model_only, make_user, make_team):  # noqa: F811
    """Children's services' front door and an assessment team (worker and manager), and a partner nurse."""
    csc = Agency.objects.get(code=CSC)
    front = make_team(csc, is_front_door=True)
    team = make_team(csc)

    return SimpleNamespace(
        agency=csc, front_door=front, team=team,
        front_door_worker=make_user(Role.FRONT_DOOR, agency=csc, team=front),
        front_door_manager=make_user(Role.TEAM_MANAGER, agency=csc, team=front),
        worker=make_user(Role.SOCIAL_WORKER, agency=csc, team=team),
        colleague=make_user(Role.SOCIAL_WORKER, agency=csc, team=team),
        manager=make_user(Role.TEAM_MANAGER, agency=csc, team=team),
        head=make_user(Role.HEAD_OF_SERVICE, agency=csc),
        nurse=make_user(Role.PARTNER_PRACTITIONER, agency=Agency.objects.get(code=HOSPITAL)),
    )


@pytest.fixture
def family(staff):
    """The Ashgrove family's records ingested from files and linked (which evaluates the alerts), then the
    schedule (`joinedup alerts run`): the records are back-dated, so the time-based rules are its to raise."""
    from joinedup.alerts.services import alerts_run_scheduled

    ingest_and_link(family_records())
    alerts_run_scheduled()
    return person_of(CSC, "CSC-K1")
