"""API views: parse, call one selector or service, audit reads of personal data, respond."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from joinedup.access.policy import RECORD_SENDING_ROLES, may_send_records
from joinedup.accounts.models import Agency, Role
from joinedup.accounts.selectors import user_get_for_viewer, users_visible_to
from joinedup.accounts.services import actor_for
from joinedup.api.casework_serializers import ErrorsSerializer
from joinedup.api.parsers import JSONParser
from joinedup.api.serializers import (
    AgencyRecordSerializer,
    AgencySerializer,
    RecordBatchOutcomeSerializer,
    RecordBatchSerializer,
    RecordOutcomeSerializer,
    UserSerializer,
)
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.ingest.services import VIA_API, records_ingest
from joinedup.people.record_linkage import records_linkage

MAX_BATCH = 1000


class HasAgencyRole(permissions.BasePermission):
    """Only active users who belong to an agency in a role may use the API."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.agency_id and user.role)


SENDING_ROLES_TEXT = " or ".join(f"a {Role(r).label.lower()}" for r in sorted(RECORD_SENDING_ROLES))


def not_a_sender(user) -> str:
    """Why this caller may not send records, naming their role and the roles that may."""
    role = Role(user.role).label if user.role in Role.values else "your role"
    return (f"your role ({role}) may not send records: agencies' systems send them, each through an account of its "
            f"agency as {SENDING_ROLES_TEXT}; people record through joinedup's screens and its casework and "
            "practice APIs")


class MaySendRecords(HasAgencyRole):
    """An agency's system: an account of the agency in a sending role (`access.policy.may_send_records`).

    The caller is known (signed in, or a token joinedup issued) and the refusal says nothing about any person, so
    the answer is 403 naming why, not 404."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if may_send_records(request.user):
            return True
        self.message = not_a_sender(request.user)
        return False


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


RECORDS_DESCRIPTION = """Send agency records in the agency record format v1 (docs/formats/README.md).

The body is **one record** (a JSON object) or **a batch**: `{"records": [ … up to 1,000 records … ]}`.
Records are kept exactly as sent; sending the same content again changes nothing; a higher `version`
of a record becomes its current version and the earlier ones are kept. You may send your own agency's
records only.

Only agencies' systems send records: the caller must be an account of the agency in a sending role (a partner
practitioner's or a system administrator's account, `joinedup.access.policy.RECORD_SENDING_ROLES`); any other
role's token (or session) is refused with `403` naming why, before the body is read.

- One record: `201` when it was stored (`created`, or `new_version` of a record already held), `200`
  when exactly this content was received before (`unchanged`, describing the version received then),
  `422` naming each field that breaks the format (nothing is stored), `403` when `agency_id` is not your
  agency's.
- A batch: `200` with one outcome per record, in order; good records are stored and each refused one
  names its problems (a batch is never refused as a whole for one bad record).
- A stored record that is odd but plausible (a birth after the event, recorded before it happened, the sending
  system's clock ahead) is stored with `warnings` (each `{field, problem}`, as errors), kept with its version.
- A body that is not JSON, or nested too deeply to read, is `422` naming the body (`field` ""); a body over
  2.5 MiB is `413`. Limits (1 MiB a record, nesting, text without NUL, `version` up to 2,147,483,647, dates from
  1900, no event in the future) are in docs/formats/README.md ("Limits, refusals and warnings").
- Each stored record's outcome says how its mentions were linked to people on arrival (`linkage`: the person
  id and method of each mention), or that they were not and why — for example, before joinedup has a trained
  linkage model the default model shipped with joinedup is used (`model`: `default`), and if no model can be
  used nothing is matched on arrival until `joinedup link` runs.
"""


class _BodyRequiredSchema(AutoSchema):
    """The request body is required (drf-spectacular cannot tell for a oneOf of two shapes)."""

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body:
            body["required"] = True
        return body


class RecordIngestView(APIView):
    """Agencies' systems send their records here (bearer token of a sending account of that agency)."""

    permission_classes = [MaySendRecords]
    parser_classes = [JSONParser]
    schema = _BodyRequiredSchema()

    @extend_schema(
        operation_id="records_create",
        summary="Send agency records (one, or a batch of up to 1,000)",
        description=RECORDS_DESCRIPTION,
        request=PolymorphicProxySerializer(
            component_name="RecordOrBatch",
            serializers=[AgencyRecordSerializer, RecordBatchSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: RecordOutcomeSerializer,
            200: PolymorphicProxySerializer(
                component_name="RecordUnchangedOrBatchOutcome",
                serializers=[RecordOutcomeSerializer, RecordBatchOutcomeSerializer],
                resource_type_field_name=None,
            ),
            403: OpenApiResponse(ErrorsSerializer, description="Your role may not send records (only agencies' "
                                 "systems' accounts: partner practitioners and system administrators), or a "
                                 "record's agency_id is not your agency's."),
        },
        examples=[
            OpenApiExample(
                "Stored",
                response_only=True,
                status_codes=["201"],
                value={"index": 0, "status": "created", "source_record_id": "NBP-20230402-0000235",
                       "agency_id": "northbrook-police", "version": 1, "sequence": 1, "current": True,
                       "received_at": "2026-11-22T09:30:00Z", "errors": [],
                       "linkage": {"status": "linked", "model": "trained", "reason": "", "mentions": [
                           {"mention_id": "m1", "person_id": "6f1c2a34-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
                            "method": "online", "reason": ""}]}},
            ),
        ],
    )
    def post(self, request, *args, **kwargs):
        data = request.data
        if isinstance(data, dict) and "records" in data:
            return self._batch(request, data)
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ['the body must be one record (a JSON object) or '
                                                        '{"records": [...]}']})
        own = request.user.agency.code
        if isinstance(data.get("agency_id"), str) and data["agency_id"] != own:
            problem = f"you may send records for your own agency ('{own}') only"
            return Response({"errors": [{"field": "agency_id", "problem": problem}]}, status=status.HTTP_403_FORBIDDEN)
        outcome = records_ingest(actor=actor_for(request.user), records=[dict(data)], via=VIA_API).outcomes[0]
        body = outcome.as_dict()
        if outcome.status != "refused":
            body["linkage"] = records_linkage(viewer=request.user, source_record_ids=[outcome.source_record_id]).get(
                outcome.source_record_id)
        if outcome.status == "refused":
            code = status.HTTP_403_FORBIDDEN if outcome.forbidden else status.HTTP_422_UNPROCESSABLE_ENTITY
            return Response({"errors": outcome.errors}, status=code)
        return Response(body, status=status.HTTP_200_OK if outcome.status == "unchanged" else status.HTTP_201_CREATED)

    def _batch(self, request, data):
        records = data["records"]  # other members of the batch object are ignored
        if not isinstance(records, list) or not records:
            raise ValidationError({"records": ["must be a list of 1 to 1,000 records"]})
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise ValidationError({f"records[{index}]": ["must be a record (a JSON object)"]})
        if len(records) > MAX_BATCH:
            raise ValidationError({"records": [f"must hold at most {MAX_BATCH:,} records; send the rest in "
                                               "further requests"]})
        result = records_ingest(actor=actor_for(request.user), records=records, via=VIA_API)
        # Each outcome's fields are named within its record (records[index]), as for a single record.
        outcomes = [o.as_dict() for o in result.outcomes]
        linkage = records_linkage(viewer=request.user,
                                  source_record_ids=[o.source_record_id for o in result.outcomes
                                                     if o.status != "refused"])
        for o, body in zip(result.outcomes, outcomes, strict=True):
            body["linkage"] = linkage.get(o.source_record_id) if o.status != "refused" else None
        return Response({"outcomes": outcomes, "counts": result.counts()}, status=status.HTTP_200_OK)
