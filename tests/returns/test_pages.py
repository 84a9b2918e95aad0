"""The performance team's returns page and the data-quality page (issue 17), on the hand-made authority:

- who may open them (everyone else: 404), and that the performance role opens no child's page;
- a return produced from the page (the post runs it; the status row the page polls; the download, audited);
- with faults injected, the data-quality page names the child, the rule in plain English and the record to fix —
  all of the authority's for the performance team, their team's (with a link to the record) for a team manager;
- the number of children on a plan at 31 March in the census equals the dashboard's count for that day.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.audit.models import AuditEvent, AuditEventPerson
from joinedup.casework.projection import casework_project
from joinedup.casework.services.allocation import allocation_set
from joinedup.ingest.models import Mention
from joinedup.people.recorded import mentions_link_recorded
from joinedup.returns.runs import census_on_plan
from tests.conftest import SYSTEM, sign_in
from tests.returns.authority import faults
from tests.returns.conftest import ingest_records

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]
ALL_ROLES = list(Role.values)


@pytest.fixture
def staff(richmond, make_user, make_team):
    csc = richmond["agency"]
    team = make_team(csc)
    users = {role: make_user(role=role, agency=csc, team=team if role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER) else None)
             for role in ALL_ROLES}
    return users


def _produce(client, kind, **fields):
    response = client.post("/returns/", {"kind": kind, **fields})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return response["Location"]


def test_only_the_performance_team_opens_the_returns_page_and_data_quality_adds_team_managers(staff, richmond):
    for role, user in staff.items():
        client = sign_in(Client(), user)
        expected = 200 if role == Role.PERFORMANCE else 404
        assert client.get("/returns/").status_code == expected, role
        if role != Role.PERFORMANCE:
            assert client.post("/returns/", {"kind": "cin", "year": "2026"}).status_code == 404, role
            assert client.get("/returns/runs/5a1e0f6e-8a43-4d8f-9a3e-2f4b7c9d1e00/status/").status_code == 404
        assert client.get("/data-quality/").status_code == (200 if role in (Role.PERFORMANCE, Role.TEAM_MANAGER)
                                                            else 404), role
    # the performance team sees no child's page: no relationship, no chronology
    perf = sign_in(Client(), staff[Role.PERFORMANCE])
    child = richmond["people"]["CP1"].pk
    for url in (f"/people/{child}/", f"/people/{child}/chronology/", f"/people/{child}/who-knew/"):
        assert perf.get(url).status_code == 404, url


def test_a_return_produced_from_the_page_is_polled_downloaded_and_audited(staff, richmond):
    perf = sign_in(Client(), staff[Role.PERFORMANCE])
    page = perf.get("/returns/").content.decode()
    assert 'data-status-url="/returns/runs/' in page and "Produce the return" in page
    # a field left out is named
    refused = perf.post("/returns/", {"kind": "annex-a", "on": "31/02/2026"}).content.decode()
    assert "Enter the inspection date as day/month/year" in refused and "govuk-error-summary" in refused

    run_id = "5a1e0f6e-8a43-4d8f-9a3e-2f4b7c9d1e00"  # chosen by the page's script, sent with the form
    where = _produce(perf, "cin", year="2026", run_id=run_id)
    assert where == f"/returns/runs/{run_id}/"
    status = perf.get(f"/returns/runs/{run_id}/status/").json()
    assert status == {"status": "done", "progress": "Done", "percent": 100, "done": True}
    shown = perf.get(where).content.decode()
    assert re.search(r'id="run-children">\s*5\s*<', shown) and re.search(r'id="run-on-plan">\s*1\s*<', shown)
    assert "0 errors" in shown, shown

    body = b"".join(perf.get(f"/returns/runs/{run_id}/download/").streaming_content)
    assert body.startswith(b"<?xml") and census_on_plan(body) == 1
    download = AuditEvent.objects.get(action="returns.download")
    produced = AuditEvent.objects.get(action="returns.produce", object_id="cin:2026")
    named = set(AuditEventPerson.objects.filter(event=download).values_list("person_id", flat=True))
    assert named == {p.pk for p in richmond["people"].values()} == set(
        AuditEventPerson.objects.filter(event=produced).values_list("person_id", flat=True))

    # Annex A from the page: an xlsx
    where = _produce(perf, "annex-a", on="27/3/2026")
    run = where.rstrip("/").rsplit("/", 1)[1]
    xlsx = perf.get(f"/returns/runs/{run}/download/")
    assert xlsx["Content-Disposition"].endswith('annex-a-2026-03-27.xlsx"')
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    page = perf.get(where).content.decode()  # joinedup's own structure check ran on it (no public validator)
    assert "Structure check" in page and "no problems" in page
    # another authority's performance team does not see these runs
    assert sign_in(Client(), staff[Role.HEAD_OF_SERVICE]).get(where).status_code == 404


def test_data_quality_names_each_child_failing_a_rule_and_counts_reconcile_with_the_dashboard(staff, richmond):
    people = richmond["people"]
    manager, worker = staff[Role.TEAM_MANAGER], staff[Role.SOCIAL_WORKER]
    for child in ("LA2", "CP2"):  # the manager's team holds D and B
        allocation_set(actor_user=manager, person=people[child], worker=worker)
    ingest_records(faults())
    new = list(Mention.objects.filter(record__source_record_id="LA2-E9").values_list("pk", flat=True))
    mentions_link_recorded(mention_ids=new, person=people["LA2"], user=None, actor=SYSTEM)
    casework_project([p.pk for p in people.values()])

    perf = sign_in(Client(), staff[Role.PERFORMANCE])
    cin = _produce(perf, "cin", year="2026")
    _produce(perf, "903", year="2026")

    page = perf.get("/data-quality/").content.decode()
    rows = page.split('id="dq-rows"', 1)[1]
    assert "Theo Marsh" in rows and "8925" in rows and "ends before it starts" in rows
    assert "Child protection plan CP2-CPP" in rows  # the record to fix
    assert "Maya Petrov" in rows and "Looked-after episode LA2-E9" in rows  # the overlapping episode (903)
    assert "Kian Oduya" in rows and "previous permanence" in rows  # 903 rule 630
    assert "Ava Lindqvist" in rows and "weekend" in rows  # the Saturday conference
    assert "/records/" not in rows  # the performance team names the record; it opens no child's records
    viewed = AuditEvent.objects.filter(action="returns.data_quality_view").latest("occurred_at")
    assert {people[c].pk for c in ("CP1", "CP2", "LA1", "LA2")} <= set(
        AuditEventPerson.objects.filter(event=viewed).values_list("person_id", flat=True))

    # the team manager: only their team's children, each record a link they can open
    client = sign_in(Client(), manager)
    mine = client.get("/data-quality/").content.decode().split('id="dq-rows"', 1)[1]
    assert "Theo Marsh" in mine and "Maya Petrov" in mine
    assert "Ava Lindqvist" not in mine and "Kian Oduya" not in mine
    link = re.search(r'href="(/people/[^"]+/records/\d+/)"', mine).group(1)
    assert client.get(link).status_code == 200

    # the census's count of children on a plan at 31 March is the dashboard's count for that day
    run = cin.rstrip("/").rsplit("/", 1)[1]
    census = census_on_plan(b"".join(perf.get(f"/returns/runs/{run}/download/").streaming_content))
    head = sign_in(Client(), staff[Role.HEAD_OF_SERVICE])
    dashboard = head.get("/dashboard/", {"on": "31/3/2026"}).content.decode()
    shown = re.search(r'id="on-plan-count">On 31 March 2026: <strong>(\d+)</strong>', dashboard)
    assert shown and int(shown.group(1)) == census
    assert census == 1  # A's plan, moved to a Saturday by the fault, is still open; B's ended in October
    # the team manager's dashboard counts their team's children (B and D): none on a plan that day
    mine = client.get("/dashboard/", {"on": "31/3/2026"}).content.decode()
    assert re.search(r'id="on-plan-count">On 31 March 2026: <strong>0</strong>', mine)
    assert re.search(r'id="dq-on-plan">\s*0', client.get("/data-quality/").content.decode())


def test_the_census_count_of_children_on_a_plan_equals_the_dashboards(staff, richmond):
    perf = sign_in(Client(), staff[Role.PERFORMANCE])
    where = _produce(perf, "cin", year="2026")
    run = where.rstrip("/").rsplit("/", 1)[1]
    census = census_on_plan(b"".join(perf.get(f"/returns/runs/{run}/download/").streaming_content))
    head = sign_in(Client(), staff[Role.HEAD_OF_SERVICE])
    dashboard = head.get("/dashboard/", {"on": "31/3/2026"}).content.decode()
    shown = re.search(r'id="on-plan-count">On 31 March 2026: <strong>(\d+)</strong>', dashboard)
    assert census == 1 and shown and int(shown.group(1)) == census
    assert "Enter the date as day/month/year" in head.get("/dashboard/", {"on": "31 March"}).content.decode()


@pytest.fixture
def worker_connection_kept(monkeypatch):
    """As in tests/jobs/test_worker.py: the worker closes stale connections between tasks, which inside a test's own
    transaction would close the test's; here it keeps it (the task still runs in it)."""
    monkeypatch.setattr("joinedup.jobs.worker.close_old_connections", lambda: None)
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


def test_the_page_queues_the_run_and_the_worker_makes_it_while_the_runs_page_shows_progress(
        staff, richmond, worker_connection_kept):
    from django.test import override_settings

    from joinedup.jobs.worker import run_worker

    perf = sign_in(Client(), staff[Role.PERFORMANCE])
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}):
        where = _produce(perf, "cin", year="2026")
        run = where.rstrip("/").rsplit("/", 1)[1]
        # answered before the return is made: the run waits for the worker, and its page polls it
        assert perf.get(f"/returns/runs/{run}/status/").json()["status"] == "running"
        waiting = perf.get(where).content.decode()
        assert 'id="run-live"' in waiting and f'data-status-url="/returns/runs/{run}/status/"' in waiting
        assert "run-progress.mjs" in waiting and "Download" not in waiting
        assert not AuditEvent.objects.filter(action="returns.produce").exists()
        run_worker(once=True, with_schedule=False)
    assert perf.get(f"/returns/runs/{run}/status/").json() == {"status": "done", "progress": "Done", "percent": 100,
                                                               "done": True}
    done = perf.get(where).content.decode()
    assert 'id="run-live"' not in done and "0 errors" in done and "Download" in done
    assert AuditEvent.objects.filter(action="returns.produce", object_id="cin:2026").count() == 1
