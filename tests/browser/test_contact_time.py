"""Practitioner time: the browser script of `joinedup bench contact-time` records a contact and decides it; the
contact form asks for at most 4 required fields and the decision is in the database."""

import io

import pytest
from playwright.sync_api import Page

from joinedup.casework.models import Contact
from joinedup_lab.benches import contact_time as bench_contact_time

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_recording_and_deciding_a_contact_needs_few_fields_and_keys(page: Page, live_server):
    seeded = bench_contact_time.seed()
    figures = bench_contact_time.measure(page, live_server.url, username=seeded.username, password=seeded.password,
                                         child_name=seeded.child_name)
    assert figures["contact_required"] == ["child", "raised_by", "source_code", "text"]
    assert figures["contact_required_fields"] <= 4
    assert figures["decision_required"] == ["decision"]
    contact = Contact.objects.get(record_id=figures["record_pk"])
    assert contact.person_id == seeded.child_id and contact.source_code == "6"
    assert contact.decision == "assessment" and contact.case_id is not None
    assert figures["ended_at"] == f"/cases/{contact.case_id}/"
    assert figures["keystrokes_besides_the_concern"] < 40 and figures["seconds"] > 0


def test_the_bench_runs_on_a_fresh_sqlite_database_and_reports_json():
    """As `joinedup bench contact-time` runs it: a fresh SQLite database migrated in a subprocess, seeded, served
    and measured in another (the path the test above skips)."""
    out = io.StringIO()
    result = bench_contact_time.run(out=out)
    assert result["contact_required_fields"] == 4 and result["decision_required_fields"] == 1
    assert result["decision_recorded"] is True
    assert {"keystrokes", "clicks", "seconds"} <= set(result)
    assert "SQLite: migrating" in out.getvalue() and "required fields to record the contact" in out.getvalue()
