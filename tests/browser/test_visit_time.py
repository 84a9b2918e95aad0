"""Practitioner time on a phone: the browser script of `joinedup bench visit-time` records a visit on a 375 px
screen in at most 60 seconds with at most 3 required fields, and the visit is in the database; a draft survives
going offline and a server error, and is cleared once the visit is recorded."""

import io

import pytest

from joinedup.ingest.models import SourceRecord
from joinedup_lab.benches import visit_time as bench_visit_time

pytestmark = [pytest.mark.browser]


@pytest.fixture
def phone(browser):
    context = browser.new_context(**bench_visit_time.PHONE)
    yield context.new_page()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_recording_a_visit_on_a_phone_is_quick_and_the_draft_survives(phone, live_server):
    seeded = bench_visit_time.seed()
    figures = bench_visit_time.measure(phone, live_server.url, username=seeded.username, password=seeded.password,
                                       child_name=seeded.child_name, case_id=seeded.case_id)
    assert figures["required"] == ["child_seen", "seen_alone", "visited_at"]
    assert figures["required_fields"] <= 3
    assert figures["seconds"] <= 60 and figures["practitioner_seconds"] <= 60
    assert figures["keystrokes_besides_the_observations"] <= 5 and figures["clicks"] <= 4
    assert figures["viewport_width"] == 375 and figures["fits_phone"]
    targets = figures["targets"]
    assert targets["radio_px"] >= 44 and targets["button_height_px"] >= 38 and targets["button_width_px"] >= 300
    visit = SourceRecord.objects.select_related("current").get(pk=figures["record_pk"], kind="visit")
    detail = visit.current.payload["detail"]
    assert detail["child_seen"] is True and detail["seen_alone"] is True
    assert detail["text"] == bench_visit_time.OBSERVATIONS
    assert figures["ended_at"] == f"/cases/{seeded.case_id}/visits/{visit.pk}/"

    draft = bench_visit_time.check_draft(phone, live_server.url, child_name=seeded.child_name,
                                         case_id=seeded.case_id)
    assert draft == {
        "draft_shown": True, "draft_saved": True, "draft_key_has_no_name": True, "offline_send_held": True,
        "restored_after_offline": True, "restored_after_server_error": True, "cleared_after_sent": True,
    }
    assert SourceRecord.objects.filter(kind="visit").count() == 2  # held offline, refused by the "server": once
    texts = {r.current.payload["detail"].get("text") for r in SourceRecord.objects.filter(kind="visit")
             .select_related("current")}
    assert texts == {bench_visit_time.OBSERVATIONS, bench_visit_time.DRAFT_TEXT}


def test_the_bench_runs_on_a_fresh_sqlite_database_and_reports_json():
    """As `joinedup bench visit-time` runs it: a fresh SQLite database migrated in a subprocess, seeded, served and
    measured in another (the path the test above skips)."""
    out = io.StringIO()
    result = bench_visit_time.run(out=out)
    assert result["required_fields"] == 3 and result["seconds"] <= 60 and result["practitioner_seconds"] <= 60
    assert result["visit_recorded"] is True and result["visits_recorded"] == 2
    assert all(result["draft"].values())
    assert result["draft"]["restored_after_offline"] and result["draft"]["cleared_after_sent"]
    assert "SQLite: migrating" in out.getvalue() and "required fields" in out.getvalue()
