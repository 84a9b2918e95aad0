"""The meetings screens through Django's client: minutes started from the case, written a form at a time
(attendees, an item with its decision, positions with a dissent), field errors, conflicts, approval (the child's
chronology shows the dissent), the lock, a correction, an escalation and its outcome; every read audited; anyone
without a relationship gets 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from joinedup.accounts.models import Role
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Case
from joinedup.practice.models import DissentEscalation, Meeting, MinutesStatus
from tests.casework import conftest as casework

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

csc, front_door_team, front_door = casework.csc, casework.front_door_team, casework.front_door
case_at_strategy = casework.case_at_strategy
REASON = "Two earlier call-outs to the address; the account changed."


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def revision(page: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', page).group(1)


@pytest.fixture
def case(case_at_strategy):
    return Case.objects.select_related("person").get(pk=case_at_strategy.case_id)


@pytest.fixture
def hos(make_user, csc):
    return make_user(role=Role.HEAD_OF_SERVICE, agency=csc)


def post(client, url, **data):
    return client.post(url, data)


def write_minutes(client, case) -> tuple[Meeting, str]:
    page = html(client.get(f"/cases/{case.pk}/"))
    assert f'href="/meetings/new/?case={case.pk}"' in page and f'href="/meetings/?case={case.pk}"' in page
    page = html(client.get(f"/meetings/new/?case={case.pk}"))
    assert "Start minutes" in page and "Strategy discussion" in page
    response = post(client, f"/meetings/new/?case={case.pk}", kind="strategy_discussion", title="",
                    held_at="not a time", chair="")
    page = html(response)
    assert "Enter the meeting&#x27;s title" in page and "Enter the date and time as day/month/year" in page
    assert 'href="#title"' in page and 'href="#held_at"' in page
    now = dt.datetime.now().astimezone()
    response = post(client, f"/meetings/new/?case={case.pk}", kind="strategy_discussion",
                    title="Strategy discussion", held_at=f"{now - dt.timedelta(hours=1):%d/%m/%Y %H:%M}", chair="")
    meeting = Meeting.objects.get()
    url = f"/meetings/{meeting.pk}/"
    assert response.status_code == 302 and response["Location"] == url
    for name, agency, role, present in (("Sam Okafor", "Social care", "Team manager", "yes"),
                                        ("Dee Hollis", "Police", "Detective sergeant", "yes"),
                                        ("Ann Lowe", "School", "DSL", "no")):
        page = html(client.get(url))
        response = post(client, url, action="attendee-add", revision=revision(page), name=name, agency=agency,
                        role=role, present=present)
        assert response.status_code == 302
    page = html(client.get(url))
    response = post(client, url, action="attendee-add", revision=revision(page), name="Priya", agency="", role="")
    page = html(response)
    assert "Enter Priya&#x27;s agency" in page and 'href="#attendee-agency"' in page and 'value="Priya"' in page
    response = post(client, url, action="item-add", revision=revision(page), title="The bruise",
                    discussion="Seen at A&E.", decision="No further action.")
    assert response.status_code == 302
    return meeting, url


def test_minutes_written_approved_and_in_the_childs_chronology(front_door, hos, case, signed_in, client):
    signed_in(front_door)
    meeting, url = write_minutes(client, case)
    page = html(client.get(url))
    assert "Decision 1" in page and "No further action." in page and "Not recorded" in page
    positions = f"/meetings/{meeting.pk}/decisions/1/"
    page = html(client.get(positions))
    assert "Why did Dee Hollis dissent?" in page
    response = post(client, positions, revision=revision(page), **{"stance-0": "agreed", "stance-1": "dissented",
                                                                   "reason-1": " "})
    page = html(response)
    assert "Say why Dee Hollis dissented" in page and 'href="#reason-1"' in page
    response = post(client, positions, revision=revision(page), **{"stance-0": "agreed", "stance-1": "dissented",
                                                                   "reason-1": REASON})
    assert response.status_code == 302
    page = html(client.get(url))
    assert "Dissent recorded: 1 position against a decision" in page and REASON in page
    assert "Approve and lock" not in page  # the front door does not approve
    client.logout()

    signed_in(hos)
    page = html(client.get(url))
    response = post(client, url, action="approve", revision=str(int(revision(page)) - 1))
    page = html(response)
    assert "Someone changed these minutes since you read them" in page
    response = post(client, url, action="approve", revision=revision(page))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MinutesStatus.APPROVED
    page = html(client.get(f"/people/{case.person.pk}/chronology/"))
    assert REASON in page and "Meeting minutes" in page
    page = html(client.get(url))
    assert "Approved, locked" in page and "Add an attendee" not in page and "Correct these minutes" in page
    client.logout()
    signed_in(front_door)  # an edit sent from a page read before the approval is refused with the sentence
    page = html(post(client, url, action="attendee-add", revision="4", name="Late", agency="X", role="Y"))
    assert "These minutes are approved and locked" in page and "A correction makes a new version" in page
    page = html(post(client, f"/meetings/{meeting.pk}/decisions/1/", revision="4", **{"stance-0": "abstained"}))
    assert "These minutes are approved and locked" in page
    assert meeting.attendees.count() == 3
    assert AuditEvent.objects.filter(action="meeting.view", object_id=str(meeting.pk)).exists()
    page = html(client.get("/meetings/"))
    assert "Strategy discussion" in page and "1 dissent" in page


def test_correction_escalation_and_outcome(front_door, hos, case, signed_in, client, make_user, csc):
    signed_in(front_door)
    meeting, url = write_minutes(client, case)
    page = html(client.get(f"/meetings/{meeting.pk}/decisions/1/"))
    post(client, f"/meetings/{meeting.pk}/decisions/1/", revision=revision(page),
         **{"stance-0": "agreed", "stance-1": "dissented", "reason-1": REASON})
    client.logout()
    signed_in(hos)
    page = html(client.get(url))
    post(client, url, action="approve", revision=revision(page))

    response = post(client, url, action="correct")
    v2 = Meeting.objects.get(version=2)
    assert response.status_code == 302 and response["Location"] == f"/meetings/{v2.pk}/"
    response = post(client, url, action="correct")  # already under way: taken to it
    assert response["Location"] == f"/meetings/{v2.pk}/"
    page = html(client.get(f"/meetings/{v2.pk}/"))
    assert "This is a correction of" in page and REASON in page
    page = html(client.get(url))
    assert "A correction of these minutes (version 2) is being written" in page

    owner = make_user(role=Role.TEAM_MANAGER, agency=csc, first_name="Olu", last_name="Banjo")
    position = re.search(r'href="/meetings/[^/]+/dissents/(\d+)/escalate/"', page).group(1)
    escalate = f"/meetings/{meeting.pk}/dissents/{position}/escalate/"
    page = html(client.get(escalate))
    assert "Olu Banjo" in page
    page = html(post(client, escalate, stage="1", owner="", deadline_on="31/2/2026"))
    assert "Choose who owns this stage" in page and "Enter the deadline" in page
    due = dt.date.today() + dt.timedelta(days=3)
    response = post(client, escalate, stage="1", owner=str(owner.pk), deadline_on=f"{due:%d/%m/%Y}")
    assert response.status_code == 302
    escalation = DissentEscalation.objects.get()
    client.logout()

    signed_in(owner)  # the owner has no relationship to the child, but reads the dissent that is theirs
    page = html(client.get("/meetings/"))
    assert "Dissent escalated to you" in page and REASON in page
    detail = f"/meetings/escalations/{escalation.pk}/"
    page = html(client.get(detail))
    assert "Record the outcome" in page
    page = html(post(client, detail, outcome="", resolved=""))
    assert "Select whether the disagreement was resolved" in page and "Say what the outcome" in page
    response = post(client, detail, outcome="Agreed a section 47 enquiry.", resolved="yes")
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.outcome == "Agreed a section 47 enquiry." and escalation.resolved and escalation.resolved_at
    assert escalation.outcome_shown == "Resolved: Agreed a section 47 enquiry."
    assert AuditEvent.objects.filter(action="dissent.resolve", actor_id=owner.pk).exists()


def test_a_conflict_keeps_what_was_typed(front_door, case, signed_in, client):
    signed_in(front_door)
    _meeting, url = write_minutes(client, case)
    page = html(client.get(url))
    stale = str(int(revision(page)) - 1)
    page = html(post(client, url, action="item-add", revision=stale, title="Housing", discussion="", decision=""))
    assert "Someone else changed these minutes" in page and 'value="Housing"' in page


def test_no_relationship_no_minutes(front_door, case, signed_in, client, make_user, csc):
    signed_in(front_door)
    meeting, url = write_minutes(client, case)
    client.logout()
    stranger = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    signed_in(stranger)
    assert client.get(url).status_code == 404
    assert client.get(f"/meetings/{meeting.pk}/decisions/1/").status_code == 404
    assert client.get(f"/meetings/new/?case={case.pk}").status_code == 404
    assert client.get("/meetings/new/").status_code == 404  # a social worker does not minute partnership meetings
    assert str(meeting.pk) not in html(client.get("/meetings/"))
