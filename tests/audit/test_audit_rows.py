"""Audit rows are written for writes (by services) and for every read of personal data (web and API)."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, user_deactivate
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_service_write_and_its_audit_row_share_a_transaction(make_user):
    admin = make_user(role=Role.SYSTEM_ADMINISTRATOR)
    user = make_user(role=Role.SOCIAL_WORKER, agency=admin.agency)
    created = AuditEvent.objects.get(action=AuditAction.USER_CREATE, object_id=str(user.pk))
    assert created.detail == {"agency": admin.agency.code, "role": "social_worker"}

    user_deactivate(actor=actor_for(admin), user=user, reason="Left the authority")

    row = AuditEvent.objects.get(action=AuditAction.USER_DEACTIVATE, object_id=str(user.pk))
    assert (row.actor_id, row.actor_username, row.agency_id, row.role, row.reason) == (
        admin.pk, admin.username, admin.agency_id, "system_administrator", "Left the authority")
    assert row.agency_name == admin.agency.name


def test_a_failed_service_leaves_no_audit_row(make_user):
    admin = make_user(role=Role.SYSTEM_ADMINISTRATOR)
    user = make_user(agency=admin.agency)
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="reason"):
        user_deactivate(actor=actor_for(admin), user=user, reason="  ")
    assert AuditEvent.objects.count() == before
    user.refresh_from_db()
    assert user.is_active


def test_web_read_is_audited_with_the_request_id(make_user, signed_in):
    user = make_user()
    client = signed_in(user)
    response = client.get("/account/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    row = AuditEvent.objects.filter(action=AuditAction.USER_VIEW).latest("id")
    assert row.request_id == response["X-Request-ID"]
    assert (row.actor_id, row.object_id) == (user.pk, str(user.pk))


def test_list_read_names_every_record_shown(make_user, signed_in):
    viewer = make_user()
    colleagues = [make_user(agency=viewer.agency) for _ in range(3)]
    outsider = make_user()  # another agency
    response = signed_in(viewer).get("/colleagues/")
    assert response.status_code == 200
    row = AuditEvent.objects.filter(action=AuditAction.USER_LIST).latest("id")
    shown = set(row.detail["object_ids"])
    assert shown == {str(u.pk) for u in [viewer, *colleagues]}
    assert str(outsider.pk) not in shown
    assert outsider.last_name not in response.content.decode()


def test_api_read_is_audited(make_user, signed_in):
    viewer = make_user()
    colleague = make_user(agency=viewer.agency)
    response = signed_in(viewer).get(f"/api/v1/users/{colleague.pk}/")
    assert response.status_code == 200
    row = AuditEvent.objects.filter(action=AuditAction.USER_VIEW).latest("id")
    assert (row.actor_id, row.object_id, row.request_id) == (viewer.pk, str(colleague.pk), response["X-Request-ID"])


def test_sign_in_and_sign_out_are_audited(make_user, signed_in):
    user = make_user()
    client = signed_in(user)
    client.post("/sign-out/")
    actions = list(AuditEvent.objects.filter(actor_id=user.pk).order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.SIGN_IN_STARTED, AuditAction.SIGN_IN, AuditAction.SIGN_OUT]  # password, code


@reads_personal_data
def forgetful_view(request):
    from django.http import HttpResponse

    return HttpResponse("Personal details nobody audited")


urlpatterns = [path("forgetful/", forgetful_view)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_personal_data_view_that_forgets_to_audit_is_refused():
    response = Client(raise_request_exception=False).get("/forgetful/")
    assert response.status_code == 500
    assert b"nobody audited" not in response.content
