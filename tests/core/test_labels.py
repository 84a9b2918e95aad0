"""What a page calls things comes from one place, `joinedup.core.labels` (issue 19): field names, codes of the lists
the apps register, a person's role in a record, yes and no, dates and moments in UK time."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template

from joinedup.chronology.events import summarise
from joinedup.chronology.kinds import kind_info
from joinedup.core import labels


def test_field_names_in_words():
    assert labels.field_label("author_role") == "Recorded by"
    assert labels.field_label("primary_need") == "Primary need"
    assert labels.field_label("dash_risk", inline=True) == "DASH risk"
    assert labels.field_label("family_name") == "Family name"
    assert labels.field_label("upn") == "UPN (unique pupil number)"
    assert labels.field_label("some_new_key") == "Some new key"  # a key nobody labelled yet: its words


def test_codes_of_registered_lists_become_their_labels():
    assert labels.value_text("N3", "primary_need") == "Parental disability or illness"
    assert labels.value_text(["16A", "4B"], "factors") == "Neglect, Mental health: concerns about the parent or carer"
    assert labels.value_text("physical_abuse", "category") == "Physical abuse"
    assert labels.value_text("U4", "placement_type").startswith("Foster placement with another carer")
    assert labels.value_text("WBRI", "ethnicity") == "White: British"
    assert labels.value_text("N3", "text") == "N3"  # free text is never read as a code
    # the looked-after codes a record page used to show as written (issue 19)
    assert labels.value_text("CARPL", "reason_placement_change") == "A change to the care plan"
    assert labels.value_text("Z1", "previous_permanence") == "Not known"
    assert labels.value_text("UN7", "upn_unknown_reason") == "A referral with no further action"


def test_other_values_in_words():
    assert labels.value_text(True) == "yes" and labels.value_text(False) == "no"
    assert labels.value_text("accompanying_adult") == "accompanying adult"
    assert labels.value_text("cin_visit") == "child in need visit"
    assert labels.value_text("cpp") == "child protection plan"
    assert labels.value_text(["poor_hygiene", "dental_decay"]) == "poor hygiene, dental decay"
    assert labels.value_text({"site": "ear", "explanation_given": "fell"}) == "site: ear; explanation given: fell"
    assert labels.value_text(None) == labels.value_text("") == ""
    assert labels.value_text(1.5) == "1.5" and labels.value_text(3) == "3"


def test_dates_and_moments_as_people_write_them_in_uk_time():
    assert labels.value_text("2024-03-04") == "4 March 2024"
    assert labels.value_text("2024-07-04T13:30:00Z") == "4 July 2024 14:30"  # British Summer Time
    assert labels.value_text("2024-01-04T13:30:00Z") == "4 January 2024 13:30"
    assert labels.date_text(dt.date(2025, 3, 28)) == "28 March 2025"
    assert labels.datetime_text(dt.datetime(2025, 3, 28, 13, 43, tzinfo=dt.UTC)) == "28 March 2025 13:43"
    assert labels.dates_in_text("due 2024-03-11, seen 2024-03-12T09:00:00Z") == "due 11 March 2024, seen 12 March 2024 09:00"
    assert labels.value_text("not-a-date 2024-13-45") == "not-a-date 2024-13-45"  # no such day: left as written


def test_an_action_reads_what_who_and_by_when():
    value = ["2024-03-11 | Sam Okafor (sam.okafor) | See the child at school", "Ring the school"]
    assert labels.value_text(value, "actions") == ("See the child at school (Sam Okafor, due 11 March 2024); "
                                                   "Ring the school")


def test_match_levels_and_record_kinds_in_words():
    assert [labels.match_level(x) for x in ("agree", "close", "disagree", "missing", "keyed")] == [
        "the same", "nearly the same", "different", "not on both records", "the same number, perhaps keyed in error"]
    assert kind_info("family_support_session").label == "Family support session"
    assert kind_info("some_new_kind").label == "Some new kind"
    assert kind_info("cin_review").label == "Child in need review"


def test_a_chronology_summary_is_in_words():
    summary = summarise("csc_contact", {"code": "cin_visit", "rag": "amber", "rag_at": "2024-03-04T13:30:00Z",
                                        "raised_by": "agency", "primary_need": "N3", "child_seen": False,
                                        "author_role": "social_worker"})
    assert summary == ("Child in need visit; RAG rating: amber; rated at: 4 March 2024 13:30; raised by: a professional "
                       "or agency; primary need: parental disability or illness; child seen: no")
    assert labels.inline("DASH risk") == "DASH risk" and labels.inline("A&E attendance") == "A&E attendance"


def test_the_template_filters_say_the_same():
    out = Template(
        "{% load labels %}{{ 'author_role'|field_label }}|{{ 'N3'|value_text:'primary_need' }}|{{ 'close'|match_level }}"
        "|{{ 'ed_attendance'|record_kind }}|{{ 'data_protection_officer'|role_label }}|{{ 'account.sign_in'|action_label }}"
        "|{{ when_|when }}|{{ day_|day }}|{{ 'file'|received_via }}|{{ 'household_member'|words }}"
    ).render(Context({"when_": dt.datetime(2024, 7, 4, 12, 0, tzinfo=dt.UTC), "day_": "2024-07-04"}))
    assert out.split("|") == ["Recorded by", "Parental disability or illness", "nearly the same", "A&amp;E attendance",
                              "Data protection officer / Caldicott guardian", "Signed in", "4 July 2024 13:00",
                              "4 July 2024", "in a file", "household member"]
