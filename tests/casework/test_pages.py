"""The casework screens through Django's client: the front-door queue, recording a contact, a contact with what
partners hold, a case and its steps (field errors, the fold's sentence, conflicts), the placement postcode,
and a partner's referral from making it to seeing its outcome. Every read writes an audit row; anyone without
a relationship gets 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create, team_create
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Case, Contact, Notice
from joinedup.casework.services import allocation_set, case_step_record, contact_decide
from joinedup.ingest.models import SourceRecord
from tests.casework.conftest import new_child_contact
from tests.conftest import SYSTEM

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


def local_today() -> dt.date:
    from joinedup.casework.services.recording import today

    return today()


def ddmmyyyy(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def html(response) -> str:
    return response.content.decode()


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def audited(action: str, **fields) -> bool:
    return AuditEvent.objects.filter(action=action, **fields).exists()


# --- the queue --------------------------------------------------------------------------------------------


def test_the_queue_lists_open_contacts_overdue_first_and_not_decided_ones(front_door, signed_in):
    now = dt.datetime.now(dt.UTC)
    late = new_child_contact(front_door, given="Olive", family="Late", rag="red",
                             received_at=now - dt.timedelta(days=10))
    fresh = new_child_contact(front_door, given="Nell", family="Fresh", rag="green")
    decided = new_child_contact(front_door, given="Dora", family="Decided")
    contact_decide(user=front_door, person=decided.person, record_pk=decided.record_pk, decision="advice",
                   revision=decided.contact.revision)
    client = signed_in(front_door)

    page = html(client.get("/front-door/"))
    assert "Olive Late" in page and "Nell Fresh" in page and "Dora Decided" not in page
    assert page.index("Olive Late") < page.index("Nell Fresh")  # overdue first
    assert "Rating: Overdue by 9 days" in page and re.search(r"Decision: Overdue by \d+ working days", page)
    assert "Decision: 1 working day left" in page or "of working time left" in page
    assert "Known to 1 agency" in page
    event = AuditEvent.objects.filter(action="contact.list").latest("occurred_at")
    assert set(event.detail["object_ids"]) == {str(late.record_pk), str(fresh.record_pk)}
    # The summary counts, and the filters.
    counts = re.search(r"Open</dt>.*?>(\d+)<", page, re.S).group(1)
    assert counts == "2"
    red = html(client.get("/front-door/", {"rag": "red"}))
    assert "Olive Late" in red and "Nell Fresh" not in red
    overdue = html(client.get("/front-door/", {"overdue": "on"}))
    assert "Olive Late" in overdue and "Nell Fresh" not in overdue
    # One click from the queue to what partners hold.
    assert f'href="/contacts/{late.record_pk}/#holdings"' in page


def test_the_queue_pages_at_fifty_without_a_query_per_row(front_door, signed_in, django_assert_max_num_queries):
    for i in range(53):
        new_child_contact(front_door, given=f"Child{i}", family="Queue")
    client = signed_in(front_door)
    with django_assert_max_num_queries(20):
        first = html(client.get("/front-door/"))
    assert first.count('class="govuk-table__row"') == 51  # the header and 50 contacts
    second = html(client.get("/front-door/", {"page": 2}))
    assert second.count('class="govuk-table__row"') == 4


# --- recording a contact ------------------------------------------------------------------------------------


def test_a_contact_is_recorded_after_finding_the_child_with_terms_only_in_the_body(front_door, signed_in):
    known = new_child_contact(front_door, given="Milo", family="Ashgrove", dob=dt.date(2022, 3, 14))
    client = signed_in(front_door)
    found = client.post("/contacts/new/", {"do": "search", "name": "Milo Ashgrove", "dob": "", "nhs_number": ""})
    assert found.status_code == 200 and "Milo Ashgrove" in html(found)
    assert audited("person.search", reason__contains="record a contact: name=Milo Ashgrove")
    # Nothing chosen: say so, with the children found still listed.
    again = html(client.post("/contacts/new/", {"do": "choose", "name": "Milo Ashgrove"}))
    assert "Select the child, or enter their details" in again and "Milo Ashgrove" in again
    chosen = client.post("/contacts/new/", {"do": "choose", "child": str(known.person.pk), "name": "Milo"})
    assert chosen.status_code == 302 and chosen["Location"] == f"/contacts/new/?child={known.person.pk}"
    form = html(client.get(chosen["Location"]))
    assert "About Milo Ashgrove" in form
    required = set(re.findall(r'name="(\w+)"[^>]*\brequired\b', form))
    assert required == {"raised_by", "source_code", "text"}  # with the child chosen: at most 4 in all
    missing = html(client.post("/contacts/new/", {"do": "record", "child": str(known.person.pk), "raised_by": "agency"}))
    assert "Select which kind of agency raised it" in missing and "Enter what the concern is" in missing
    made = client.post("/contacts/new/", {"do": "record", "child": str(known.person.pk), "raised_by": "agency",
                                          "source_code": "6", "text": "Police attended a domestic incident."})
    contact = Contact.objects.exclude(record_id=known.record_pk).get(person=known.person)
    assert made.status_code == 302 and made["Location"] == f"/contacts/{contact.record_id}/"
    assert contact.source_code == "6" and contact.is_open
    assert "Milo" not in made["Location"]


def test_a_new_child_is_described_when_not_found(front_door, signed_in):
    client = signed_in(front_door)
    page = html(client.post("/contacts/new/", {"do": "new", "name": "Ivy May Thorne", "dob": "01/02/2020"}))
    assert 'value="Ivy May"' in page and 'value="Thorne"' in page and 'value="01/02/2020"' in page
    made = client.post("/contacts/new/", {"do": "record", "child": "new", "given_name": "Ivy", "family_name": "Thorne",
                                          "dob": "01/02/2020", "raised_by": "neighbour", "text": "Left alone at night."})
    assert made.status_code == 302
    contact = Contact.objects.get(person__family_name="Thorne")
    assert contact.source_code == "1B" and contact.person.dob == dt.date(2020, 2, 1)


def test_a_partner_cannot_record_a_contact_but_a_social_worker_can(nurse, make_user, csc, signed_in, client):
    assert signed_in(nurse).get("/contacts/new/").status_code == 404
    client.post("/sign-out/")
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    made = signed_in(worker).post("/contacts/new/", {
        "do": "record", "child": "new", "family_name": "Quill", "raised_by": "relative", "text": "Worried."})
    assert made.status_code == 302 and made["Location"] == "/"  # not allocated: the front door takes it from here
    assert Contact.objects.filter(person__family_name="Quill", is_open=True).exists()


# --- the contact page -----------------------------------------------------------------------------------------


def test_the_contact_page_shows_clocks_and_holdings_then_rates_and_decides(front_door, signed_in):
    made = new_child_contact(front_door)
    client = signed_in(front_door)
    url = f"/contacts/{made.record_pk}/"
    page = html(client.get(url))
    assert "Bruise on cheek." in page and "Contact decision (1 working day)" in page
    assert "Northbrook Children&#x27;s Services" in page and 'id="holdings"' in page
    assert f'href="/people/{made.person.pk}/chronology/"' in page
    assert audited("contact.view", object_id=str(made.record_pk), subject_person_id=made.person.pk)
    rated = client.post(url, {"do": "rate", "rag": "amber", "revision": hidden(page, "revision")})
    assert rated.status_code == 302
    page = html(client.get(url))
    assert "Amber" in page and "Contact: amber (24 hours)" in page
    # A stale revision is a conflict: nothing is written, the current revision is carried for the next try.
    before = SourceRecord.objects.count()
    stale = html(client.post(url, {"do": "decide", "decision": "early_help", "revision": "1"}))
    assert "Someone else changed this contact" in stale and SourceRecord.objects.count() == before
    decided = client.post(url, {"do": "decide", "decision": "strategy_discussion", "primary_need": "N1",
                                "revision": hidden(stale.split('value="decide"')[1], "revision")})
    case = Case.objects.get(person=made.person)
    assert decided.status_code == 302 and decided["Location"] == f"/cases/{case.pk}/"
    again = html(client.post(url, {"do": "decide", "decision": "advice", "revision": str(case.revision)}))
    assert "There is a problem" in again


# --- the case and its steps ------------------------------------------------------------------------------------


def test_the_case_page_shows_the_stage_clocks_and_next_steps(front_door, case_at_strategy, signed_in):
    client = signed_in(front_door)
    page = html(client.get(f"/cases/{case_at_strategy.case_id}/"))
    assert "Strategy discussion to hold" in page and "Assessment (45 working days from referral)" in page
    assert f'href="/cases/{case_at_strategy.case_id}/steps/strategy_discussion/"' in page
    assert "working days left" in page and "Ruby Calloway" in page
    assert audited("case.view", object_id=str(case_at_strategy.case_id))
    # The person page and the chronology list the child's cases and offer to record a contact.
    person = case_at_strategy.person
    for url in (f"/people/{person.pk}/", f"/people/{person.pk}/chronology/"):
        body = html(client.get(url))
        assert f'href="/cases/{case_at_strategy.case_id}/"' in body
        assert f'href="/contacts/new/?child={person.pk}"' in body
    assert audited("case.list", detail__object_ids=[str(case_at_strategy.case_id)])


def test_a_step_with_bad_input_shows_each_fields_error(front_door, case_at_strategy, signed_in):
    client = signed_in(front_door)
    url = f"/cases/{case_at_strategy.case_id}/steps/strategy_discussion/"
    form = html(client.get(url))
    assert audited("case.view", object_id=str(case_at_strategy.case_id), detail__step="strategy_discussion")
    before = SourceRecord.objects.count()
    page = html(client.post(url, {"held_at": "next Tuesday", "attendees": "", "decision": "",
                                  "revision": hidden(form, "revision")}))
    assert "There is a problem" in page
    for anchor, message in (("f-held-at", "Enter the date and time as day/month/year"),
                            ("f-attendees", "List who took part"),
                            ("f-decision", "Select whether a section 47 enquiry will start")):
        assert re.search(rf'<a href="#{anchor}">{message}', page), anchor
        assert f'id="{anchor}-error"' in page
    assert 'value="next Tuesday"' in page  # what was typed is kept
    conference = html(client.post(f"/cases/{case_at_strategy.case_id}/steps/initial_conference/", {
        "held_on": ddmmyyyy(local_today() + dt.timedelta(days=3)), "outcome": "maybe",
        "revision": hidden(form, "revision")}))
    assert "must be today or in the past" in conference
    assert "Select whether the conference decided on a child protection plan" in conference
    assert SourceRecord.objects.count() == before


def test_an_illegal_step_shows_the_folds_sentence(front_door, case_at_strategy, signed_in):
    client = signed_in(front_door)
    url = f"/cases/{case_at_strategy.case_id}/steps/initial_conference/"
    form = html(client.get(url))
    page = html(client.post(url, {"held_on": ddmmyyyy(local_today()), "outcome": "plan", "category": "neglect",
                                  "revision": hidden(form, "revision")}))
    assert "needs a section 47 enquiry first" in page and "There is a problem" in page


def test_a_stale_revision_shows_the_conflict_and_writes_nothing(front_door, case_at_strategy, signed_in):
    client = signed_in(front_door)
    url = f"/cases/{case_at_strategy.case_id}/steps/strategy_discussion/"
    form = html(client.get(url))
    seen = hidden(form, "revision")
    case_step_record(user=front_door, case_id=case_at_strategy.case_id, step="strategy_discussion", revision=None,
                     data={"held_at": dt.datetime.now(dt.UTC), "decision": "section_47",
                           "attendees": ["Police: sergeant"]})
    before = SourceRecord.objects.count()
    page = html(client.post(url, {"held_at": f"{dt.datetime.now():%d/%m/%Y %H:%M}", "attendees": "Police: inspector",
                                  "decision": "section_47", "revision": seen}))
    assert "Someone else recorded something in this case" in page and "The case now" in page
    assert SourceRecord.objects.count() == before
    assert hidden(page, "revision") == str(Case.objects.get(pk=case_at_strategy.case_id).revision) != seen
    assert "Police: inspector" in page  # what they entered is kept to send again
    again = client.post(url, {"held_at": f"{dt.datetime.now():%d/%m/%Y %H:%M}", "attendees": "Police: inspector",
                              "decision": "section_47", "revision": hidden(page, "revision")})
    assert again.status_code == 302


def test_the_placement_postcode_is_shown_only_to_the_allocated_worker(front_door, case_at_strategy, make_user, csc,
                                                                      signed_in, client, make_team):
    team = make_team(csc)
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team)
    allocation_set(actor_user=front_door, person=case_at_strategy.person, worker=worker)
    sw = signed_in(worker)
    url = f"/cases/{case_at_strategy.case_id}/steps/looked_after_start/"
    form = html(sw.get(url))
    made = sw.post(url, {"started_on": ddmmyyyy(local_today()), "legal_status": "C1", "placement_type": "U4",
                         "placement_provider": "PR1", "placement_postcode": "nb1 2ab", "category_of_need": "N1",
                         "revision": hidden(form, "revision")})
    assert made.status_code == 302
    assert "NB1 2AB" in html(sw.get(f"/cases/{case_at_strategy.case_id}/"))
    client.post("/sign-out/")
    fd = signed_in(front_door)
    page = html(fd.get(f"/cases/{case_at_strategy.case_id}/"))
    assert "Looked after" in page and "NB1 2AB" not in page and "Protected" in page
    assert "NB1 2AB" not in html(fd.get(f"/cases/{case_at_strategy.case_id}/steps/looked_after_change/"))
    # nor in the chronology, the record page (every version) or the who-knew-what grid
    from joinedup.ingest.models import SourceRecord

    record = SourceRecord.objects.get(kind="looked_after_episode")
    person = case_at_strategy.person.pk
    for url in (f"/people/{person}/chronology/", f"/people/{person}/records/{record.pk}/",
                f"/people/{person}/who-knew/"):
        shown = fd.get(url)
        assert shown.status_code == 200 and "NB1 2AB" not in html(shown), url
    assert "Protected" in html(fd.get(f"/people/{person}/records/{record.pk}/"))


# --- who may see what -------------------------------------------------------------------------------------------


def test_every_page_is_404_without_a_relationship(front_door, case_at_strategy, nurse, make_user, csc, signed_in,
                                                  client):
    other_csc = agency_create(actor=SYSTEM, code="southmere-childrens-services", name="Southmere Children's Services",
                              kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    other_door = make_user(role=Role.FRONT_DOOR, agency=other_csc,
                           team=team_create(actor=SYSTEM, agency=other_csc, code="fd", name="FD", is_front_door=True))
    unallocated = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    record_pk = Contact.objects.get(case_id=case_at_strategy.case_id).record_id
    pages = [f"/contacts/{record_pk}/", f"/cases/{case_at_strategy.case_id}/",
             f"/cases/{case_at_strategy.case_id}/steps/strategy_discussion/"]
    for user in (nurse, unallocated, other_door):
        c = signed_in(user)
        for url in pages:
            assert c.get(url).status_code == 404, (user.role, url)
        assert c.post(pages[2], {"held_at": "01/01/2026 10:00", "revision": "1"}).status_code == 404
        assert c.post(pages[0], {"do": "decide", "decision": "advice", "revision": "1"}).status_code == 404
        client.post("/sign-out/")
    assert signed_in(nurse).get("/front-door/").status_code == 404
    client.post("/sign-out/")
    assert signed_in(unallocated).get("/front-door/").status_code == 404
    client.post("/sign-out/")
    other = signed_in(other_door).get("/front-door/")
    assert other.status_code == 200 and "Ruby Calloway" not in html(other)
    client.post("/sign-out/")
    assert signed_in(front_door).get("/referrals/").status_code == 404
    assert client.get(f"/cases/{case_at_strategy.case_id}/steps/not_a_step/").status_code == 404


# --- a partner's referral -------------------------------------------------------------------------------------


def test_a_partners_referral_is_decided_and_the_partner_sees_the_outcome(front_door, nurse, signed_in, client):
    known = new_child_contact(front_door, given="Ada", family="Penrose", dob=dt.date(2021, 6, 1))
    contact_decide(user=front_door, person=known.person, record_pk=known.record_pk, decision="advice",
                   revision=known.contact.revision)
    partner = signed_in(nurse)
    home = html(partner.get("/"))
    assert 'href="/referrals/new/"' in home and 'href="/referrals/"' in home
    blank = html(partner.post("/referrals/new/", {"text": ""}))
    assert "Enter the child&#x27;s NHS number, or their name and date of birth" in blank
    assert "Enter what the concern is" in blank
    sent = partner.post("/referrals/new/", {"given_name": "Ada", "family_name": "Penrose", "dob": "01/06/2021",
                                            "text": "Arrived in A&E with a burn to the hand."})
    assert sent.status_code == 302 and sent["Location"] == "/referrals/"
    referral = Contact.objects.get(referrer=nurse)
    assert referral.person_id == known.person.pk and referral.source_code == "3E"  # exactly one match: that child
    waiting = html(partner.get("/referrals/"))
    assert "Ada Penrose" in waiting and "Awaiting decision" in waiting
    assert audited("referral.list", detail__object_ids=[str(referral.record_id)])
    client.post("/sign-out/")

    door = signed_in(front_door)
    assert "Arrived in A&amp;E with a burn" in html(door.get("/front-door/"))
    page = html(door.get(f"/contacts/{referral.record_id}/"))
    decided = door.post(f"/contacts/{referral.record_id}/", {"do": "decide", "decision": "early_help",
                                                             "revision": hidden(page, "revision")})
    assert decided.status_code == 302 and decided["Location"] == "/front-door/"
    client.post("/sign-out/")

    partner = signed_in(nurse)
    outcome = html(partner.get("/referrals/"))
    assert "Early help" in outcome and "Awaiting decision" not in outcome
    notice = Notice.objects.get(recipient=nurse, kind="referral_outcome")
    assert "early help" in notice.text
    notices = partner.get("/notices/")
    assert notices.status_code == 200 and "early help" in html(notices)
    assert f'/people/{known.person.pk}/chronology/' not in html(notices)  # partners do not get the chronology


def test_a_partners_referral_about_an_unknown_child_makes_a_new_child(nurse, csc, front_door_team, signed_in):
    partner = signed_in(nurse)
    only_number = html(partner.post("/referrals/new/", {"nhs_number": "943 476 5919", "text": "Worried."}))
    assert "Enter the child&#x27;s first and last name as well as their NHS number" in only_number
    sent = partner.post("/referrals/new/", {"nhs_number": "9434765919", "given_name": "Noor", "family_name": "Vale",
                                            "text": "Worried."})
    assert sent.status_code == 302
    contact = Contact.objects.get(referrer=nurse)
    assert contact.person.family_name == "Vale" and contact.person.nhs_number == "9434765919"
