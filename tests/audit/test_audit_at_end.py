"""A page that only reads holds its audit rows to the end of its transaction (`audit.services.audit_at_end`), so the
chain's lock (PostgreSQL) is held for the inserts and the commit, not while the page goes on reading and rendering."""

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path

from joinedup.accounts.models import User
from joinedup.accounts.services import actor_for
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_event_record
from joinedup.audit.verify import chain_verify

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

MARKER = "SELECT 4242"  # a query the views run after asking for their audit row


def _audit(request, action: str) -> None:
    user = User.objects.get(username=request.GET["who"])
    audit_event_record(actor=actor_for(user), action=action, object_type="user", object_id=user.pk)


def _later_work() -> None:
    with connection.cursor() as cursor:
        cursor.execute(MARKER)


@reads_personal_data
def reading_view(request):
    _audit(request, "test.first")
    _later_work()
    _audit(request, "test.second")
    return HttpResponse(f"read at {request.method}")


@reads_personal_data
def failing_view(request):
    _audit(request, "test.failed")
    _later_work()
    raise RuntimeError("the page failed after asking for its audit row")


@reads_personal_data
def service_view(request):
    with transaction.atomic():  # a service's own transaction: its audit row is written with its write, at once
        _audit(request, "test.service")
    _later_work()
    return HttpResponse("served")


urlpatterns = [path("reading/", reading_view), path("failing/", failing_view), path("service/", service_view)]


def _statements(queries) -> list[str]:
    return [q["sql"].strip() for q in queries]


def _first(statements: list[str], start: str) -> int:
    return next(i for i, sql in enumerate(statements) if sql.upper().startswith(start.upper()))


def _first_audit_insert(statements: list[str]) -> int:
    return next(i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "audit_auditevent"'))


@override_settings(ROOT_URLCONF=__name__)
def test_a_read_page_appends_its_audit_rows_after_its_other_work_in_the_order_asked(make_user):
    user = make_user()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(f"/reading/?who={user.username}")
    assert response.status_code == 200
    statements = _statements(queries)
    # The rows are inserted after the page's later query, so the chain's lock is taken after it too.
    assert _first_audit_insert(statements) > _first(statements, MARKER)
    if connection.vendor == "postgresql":
        assert _first(statements, "SELECT pg_advisory_xact_lock") > _first(statements, MARKER)
    rows = list(AuditEvent.objects.filter(action__startswith="test.").order_by("id"))
    assert [r.action for r in rows] == ["test.first", "test.second"]
    assert rows[1].chain_position == rows[0].chain_position + 1
    assert all(r.request_id == response["X-Request-ID"] for r in rows)
    assert chain_verify().ok


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_that_fails_after_asking_for_its_row_leaves_none(make_user):
    user = make_user()
    before = AuditEvent.objects.count()
    response = Client(raise_request_exception=False).get(f"/failing/?who={user.username}")
    assert response.status_code == 500
    assert AuditEvent.objects.count() == before
    assert chain_verify().ok


@override_settings(ROOT_URLCONF=__name__)
def test_a_post_and_a_services_own_transaction_write_their_rows_at_once(make_user):
    user = make_user()
    for method in ("post", "get"):
        with CaptureQueriesContext(connection) as queries:
            response = getattr(Client(enforce_csrf_checks=False), method)(f"/service/?who={user.username}")
        assert response.status_code == 200
        statements = _statements(queries)
        assert _first_audit_insert(statements) < _first(statements, MARKER), method
    assert AuditEvent.objects.filter(action="test.service").count() == 2
    assert chain_verify().ok
