"""A partner's look-up says whom to call in sentences with a number in them (issue 19): the front door's number in
its hours, the emergency duty team's out of hours (bank holidays and weekends too), every number and the front door's
hours a setting (JOINEDUP_CONTACT, checked at start)."""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import checks

from joinedup.accounts.models import Team
from joinedup.casework.call_lines import call_lines, contact_settings
from joinedup.casework.checks import contact_settings_check
from tests.access.conftest import (
    RUBY,
    world,  # noqa: F401 - an authority with a child allocated to a social worker
)

pytestmark = pytest.mark.django_db

UK = ZoneInfo("Europe/London")
WEDNESDAY_10 = dt.datetime(2026, 3, 11, 10, 0, tzinfo=UK)
WEDNESDAY_18 = dt.datetime(2026, 3, 11, 18, 0, tzinfo=UK)
SATURDAY_10 = dt.datetime(2026, 3, 14, 10, 0, tzinfo=UK)
CHRISTMAS_10 = dt.datetime(2026, 12, 25, 10, 0, tzinfo=UK)  # a Friday, a bank holiday
FRONT_DOOR_PHONE, EDT_PHONE = "01632 960 100", "01632 960 999"


@pytest.fixture
def lines(world, settings):  # noqa: F811
    Team.objects.filter(pk=world.front.pk).update(phone=FRONT_DOOR_PHONE)
    settings.JOINEDUP_CONTACT = {"emergency_duty_team_phone": EDT_PHONE}
    return world


def test_the_front_door_answers_in_its_hours_and_the_emergency_duty_team_out_of_them(lines):
    assert call_lines(at=WEDNESDAY_10).now == call_lines().front_door
    front = call_lines(at=WEDNESDAY_10).front_door
    assert (front.name, front.phone, front.hours) == ("Front Door", FRONT_DOOR_PHONE,
                                                      "Monday to Friday, 9am to 5pm, except bank holidays")
    for closed in (WEDNESDAY_18, SATURDAY_10, CHRISTMAS_10):
        now = call_lines(at=closed)
        assert not now.front_door_open, closed
        assert (now.now.name, now.now.phone) == ("the emergency duty team", EDT_PHONE), closed
    assert call_lines(at=dt.datetime(2026, 3, 11, 16, 59, tzinfo=UK)).front_door_open
    assert not call_lines(at=dt.datetime(2026, 3, 11, 17, 0, tzinfo=UK)).front_door_open


def test_numbers_names_and_hours_are_settings(lines, settings):
    settings.JOINEDUP_CONTACT = {"front_door_name": "the MASH", "front_door_phone": "01632 960 200",
                                 "front_door_opens": "08:30", "front_door_closes": "17:30",
                                 "emergency_duty_team_name": "Northbrook out-of-hours service",
                                 "emergency_duty_team_phone": "01632 960 300"}
    at_eight_forty = call_lines(at=dt.datetime(2026, 3, 11, 8, 40, tzinfo=UK))
    assert at_eight_forty.front_door_open and at_eight_forty.now.phone == "01632 960 200"
    assert at_eight_forty.front_door.hours == "Monday to Friday, 8:30am to 5:30pm, except bank holidays"
    assert call_lines(at=dt.datetime(2026, 3, 11, 17, 40, tzinfo=UK)).now.name == "Northbrook out-of-hours service"


@pytest.mark.parametrize(("value", "problem"), [
    ({"front_door_opens": "9am"}, "JOINEDUP_CONTACT['front_door_opens']: '9am' is not a time of day written HH:MM"),
    ({"front_door_opens": "18:00"}, "the front door opens at 18:00 but closes at 17:00"),
    ({"emergency_phone": "999"}, "JOINEDUP_CONTACT: unknown setting(s) emergency_phone"),
])
def test_a_malformed_setting_is_refused_at_start_naming_it(settings, value, problem):
    settings.JOINEDUP_CONTACT = value
    with pytest.raises(ValueError, match=re.escape(problem)):
        contact_settings()
    errors = contact_settings_check()
    assert [e.id for e in errors] == ["joinedup.E101"] and problem in errors[0].msg
    assert all(isinstance(e, checks.Error) for e in errors)


def _text(body: str) -> str:
    """The page's words as read: tags gone (a line break read as a space)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>|</d[td]>", " ", body))).split())


def _look_up(client, **data) -> str:
    response = client.post("/lookup/", {"reason": "Seen in A&E", **data})
    assert response.status_code == 200
    return _text(response.content.decode())


def test_no_match_gives_the_front_doors_number_in_hours_and_the_emergency_duty_teams_out_of_hours(
        lines, signed_in, monkeypatch):
    client = signed_in(lines.nurse)
    monkeypatch.setattr("joinedup.casework.call_lines.utc_now", lambda: WEDNESDAY_10)
    text = _look_up(client, given_name="Nobody", family_name="Known", dob="01/01/2020")
    assert ("No child matches exactly. That does not mean the child is unknown: names and dates are often recorded "
            f"differently. If you are worried about a child, call Front Door on {FRONT_DOOR_PHONE}.") in text
    assert "closed now" not in text
    monkeypatch.setattr("joinedup.casework.call_lines.utc_now", lambda: SATURDAY_10)
    text = _look_up(client, given_name="Nobody", family_name="Known", dob="01/01/2020")
    assert (f"If you are worried about a child, call the emergency duty team on {EDT_PHONE}. The front door is "
            "closed now: it is open Monday to Friday, 9am to 5pm, except bank holidays.") in text
    start = _text(client.get("/lookup/").content.decode())
    assert f"If you are worried about a child, call the emergency duty team on {EDT_PHONE} (the front door is " \
           "closed now)." in start


def test_a_childs_answer_names_the_worker_and_the_out_of_hours_line(lines, signed_in, monkeypatch):
    client = signed_in(lines.nurse)
    worker = lines.worker.get_full_name()
    monkeypatch.setattr("joinedup.casework.call_lines.utc_now", lambda: WEDNESDAY_10)
    text = _look_up(client, given_name=RUBY[0], family_name=RUBY[1], dob="04/05/2019")
    assert f"Whom to call {worker}" in text and "Monday to Friday, 9am to 5pm, except bank holidays" in text
    assert f"Out of hours The emergency duty team {EDT_PHONE} Evenings, nights, weekends and bank holidays" in text
    assert f"{worker} has been told that you looked this child up." in text
    assert "It is out of hours now" not in text
    monkeypatch.setattr("joinedup.casework.call_lines.utc_now", lambda: WEDNESDAY_18)
    text = _look_up(client, given_name=RUBY[0], family_name=RUBY[1], dob="04/05/2019")
    assert (f"It is out of hours now. If a child needs help before the front door opens, call the emergency duty team "
            f"on {EDT_PHONE}.") in text
    assert f"Whom to call in working hours {worker}" in text
    assert "You looked this child up earlier in this encounter, so nobody has been told again." in text


def test_with_nobody_to_tell_the_sentence_is_whole(lines, signed_in, monkeypatch):
    from joinedup.casework.models import Allocation

    Allocation.objects.filter(person=lines.child).delete()
    Team.objects.filter(pk=lines.front.pk).update(is_front_door=False)  # no front-door team to tell either
    monkeypatch.setattr("joinedup.casework.call_lines.utc_now", lambda: WEDNESDAY_10)
    text = _look_up(signed_in(lines.nurse), given_name=RUBY[0], family_name=RUBY[1], dob="04/05/2019")
    assert "Your look-up has been recorded." in text and "recorded that you looked" not in text
    assert "Whom to call The children's services front door" in text
