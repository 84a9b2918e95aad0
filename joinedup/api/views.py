"""API views: parse, call one selector or service, audit reads of personal data, respond."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from joinedup.accounts.models import Agency
from joinedup.accounts.selectors import user_get_for_viewer, users_visible_to
from joinedup.accounts.services import actor_for
from joinedup.api.serializers import AgencySerializer, UserSerializer
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many


class HasAgencyRole(permissions.BasePermission):
    """Only active users who belong to an agency in a role may use the API."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.agency_id and user.role)


@reads_personal_data
class MeView(APIView):
    """The signed-in user (or the user behind the token)."""

    permission_classes = [HasAgencyRole]

    @extend_schema(responses=UserSerializer, operation_id="me_retrieve")
    def get(self, request, *args, **kwargs):
        audit_event_record(actor=actor_for(request.user), action=AuditAction.USER_VIEW,
                           object_type="user", object_id=request.user.pk)
        return Response(UserSerializer(request.user).data)


class AgencyListView(generics.ListAPIView):
    """Agencies that send records to joinedup (no personal data)."""

    permission_classes = [HasAgencyRole]
    serializer_class = AgencySerializer
    queryset = Agency.objects.filter(is_active=True).order_by("code")


@reads_personal_data
class UserListView(generics.ListAPIView):
    """Colleagues in the caller's own agency."""

    permission_classes = [HasAgencyRole]
    serializer_class = UserSerializer

    def get_queryset(self):
        return users_visible_to(viewer=self.request.user).order_by("last_name", "first_name", "id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_read_many(actor=actor_for(request.user), action=AuditAction.USER_LIST, object_type="user",
                        object_ids=[u.pk for u in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@reads_personal_data
class UserDetailView(APIView):
    """One colleague in the caller's own agency; anyone else is 404, never 403."""

    permission_classes = [HasAgencyRole]

    @extend_schema(responses=UserSerializer, operation_id="users_retrieve")
    def get(self, request, user_id, *args, **kwargs):
        user = user_get_for_viewer(viewer=request.user, user_id=user_id)
        if user is None:
            raise Http404
        audit_event_record(actor=actor_for(request.user), action=AuditAction.USER_VIEW,
                           object_type="user", object_id=user.pk)
        return Response(UserSerializer(user).data)
