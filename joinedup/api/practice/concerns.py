"""The concerns API (issue 13): the concerns log, a concern, recording one, answering it and recording that the
raiser was told. A thin layer over `joinedup.practice` (selectors and services), in the casework API's style.

Who raised a concern (`raiser`) is given only to the roles the deployment names when it is withheld; anyone else
gets `raiser: null` with `raiser_withheld: true`, and every answer that carries the identity is audited
(`concern.raiser_view`). The identity is never in the children's records. Answers: a stale `revision` is 409; a
field missing or wrong is 422 naming it; a concern or child you may not see is 404 (joinedup never confirms that
it exists).
"""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from joinedup.accounts.models import User
from joinedup.accounts.services import actor_for
from joinedup.api.casework import CONFLICT, REFUSED, _one_query_value, _validated
from joinedup.api.casework_input import Code, Flag, Listing, Moment, Pattern, Text, WholeNumber, _Strict
from joinedup.api.casework_serializers import ErrorsSerializer
from joinedup.api.parsers import JSONParser
from joinedup.api.views import HasAgencyRole, _BodyRequiredSchema
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.casework.services.recording import authority_for
from joinedup.core.time import utc_now
from joinedup.people.selectors import person_for_viewer
from joinedup.practice.relationships import may_record_concern
from joinedup.practice.selectors.concerns import (
    STATUS_FILTERS,
    ConcernView,
    concern_for_viewer,
    concern_rows,
    concerns_for,
)
from joinedup.practice.services.concerns import (
    MAX_CHILDREN,
    RAISED_BY,
    TEXT_LIMIT,
    concern_raiser_told,
    concern_record,
    concern_records,
    concern_respond,
)

# --- request bodies ----------------------------------------------------------------------------------------

# Text is any characters but NUL (which no database stores in text): said in the schema, so that a request the
# schema allows is never refused for it.
NO_NUL = Pattern(r"^[^\x00]*$", "must not contain null characters")


class Id(_Strict, serializers.UUIDField):
    default_error_messages = {"invalid": "must be an id (a UUID)"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _revision() -> WholeNumber:
    return WholeNumber(min_value=0, max_value=2**31 - 1, required=True,
                       help_text="The concern's revision you saw; if it has changed since, the answer is 409.")


class NewConcernSerializer(serializers.Serializer):
    """A concern from anyone about one or more children, with a named responder. Who raised it (`raiser_name`,
    `raiser_contact`) is kept on the concern only, never in the children's records; with `identity_withheld`
    (the default) only the roles the deployment names see it. `response_due_at` defaults to the end of the Nth
    working day after `received_at` (N is the setting `concern_response_working_days`, 5 by default)."""

    raised_by = Code(table=RAISED_BY, component="ConcernRaisedBy", needed=True,
                     help_text="What kind of person raised it (the kind is what the children's records say).")
    raiser_name = Text(allow_blank=True, max_length=200, validators=[NO_NUL], help_text="Their name, if given.")
    raiser_contact = Text(allow_blank=True, max_length=300, validators=[NO_NUL],
                          help_text="How to reach them, if they want to be told.")
    identity_withheld = Flag(help_text="Show who raised it only to the named roles (true if left out).")
    summary = Text(allow_blank=True, max_length=TEXT_LIMIT, needed=True, validators=[NO_NUL],
                   help_text="What the concern is. It goes into each child's records: it must not name the raiser.")
    children = Listing(child=Id(), min_length=1, max_length=MAX_CHILDREN, required=True,
                       help_text="The children it is about: their ids in joinedup (from the person search).")
    responder = Id(needed=True, help_text="Who will answer it: the id of a member of the authority's children's "
                                          "social care.")
    received_at = Moment(help_text="When it was received (now if left out).")
    response_due_at = Moment(help_text="When it must be answered by (see above if left out).")


class ResponseSerializer(serializers.Serializer):
    """What was done about the concern. Sending it again replaces the answer; each child's record keeps every
    earlier answer as an earlier version."""

    response = Text(allow_blank=True, max_length=TEXT_LIMIT, needed=True, validators=[NO_NUL],
                    help_text="What was done. It goes into each child's records: it must not name the raiser.")
    responded_at = Moment(help_text="When it was answered (now if left out).")
    revision = _revision()


class RaiserToldSerializer(serializers.Serializer):
    """The raiser was told what was done (after it was answered)."""

    how = Text(allow_blank=True, max_length=300, needed=True, validators=[NO_NUL],
               help_text="How they were told (kept on the concern only: it may say who they are).")
    told_at = Moment(help_text="When they were told (now if left out).")
    revision = _revision()


# --- responses ---------------------------------------------------------------------------------------------


class ConcernChildSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    dob = serializers.DateField(allow_null=True)


class RaiserSerializer(serializers.Serializer):
    """Who raised it: given only to the roles allowed to see it."""

    name = serializers.CharField()
    contact = serializers.CharField()


class ResponderSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    name = serializers.SerializerMethodField()
    role = serializers.CharField()

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username


STATUSES = ["open", "overdue", "answered", "told"]


class ConcernSummarySerializer(serializers.Serializer):
    """A concern as the log lists it (never who raised it)."""

    id = serializers.UUIDField(source="concern.pk")
    received_at = serializers.DateTimeField(source="concern.received_at")
    raised_by = serializers.ChoiceField(choices=list(RAISED_BY), source="concern.raised_by")
    status = serializers.ChoiceField(choices=STATUSES, help_text="open, overdue (past its deadline, unanswered), "
                                     "answered, or told (answered and the raiser told).")
    summary = serializers.CharField(source="concern.summary")
    children = ConcernChildSerializer(many=True)
    responder = ResponderSerializer(source="concern.responder")
    response_due_at = serializers.DateTimeField(source="concern.response_due_at")
    responded_at = serializers.DateTimeField(source="concern.responded_at", allow_null=True)
    raiser_told_at = serializers.DateTimeField(source="concern.raiser_told_at", allow_null=True)
    revision = serializers.IntegerField(source="concern.revision", help_text="Send it back when answering.")


class ConcernSerializer(ConcernSummarySerializer):
    """A concern with what was done and, for the roles allowed to see it, who raised it."""

    identity_withheld = serializers.BooleanField(source="concern.identity_withheld")
    raiser = RaiserSerializer(allow_null=True, help_text="null when you may not see who raised it, or nobody "
                              "was named.")
    raiser_withheld = serializers.BooleanField(help_text="true when someone was named but you may not see who.")
    response = serializers.CharField(source="concern.response", help_text="Empty until it is answered.")
    raiser_told_how = serializers.CharField(help_text="Empty unless you may see who raised it.")
    records = serializers.ListField(child=serializers.CharField(), help_text="Each child's `concern` record, as "
                                    "`<agency id>:<source record id>` (chronology entries).")


def _body(view: ConcernView) -> dict:
    c = view.concern
    raiser = {"name": view.raiser_name, "contact": view.raiser_contact} if view.raiser_shown else None
    out = {"concern": c, "children": view.children, "status": view.status, "raiser": raiser,
           "raiser_withheld": view.raiser_withheld, "raiser_told_how": view.raiser_told_how,
           "records": [f"{r.agency.code}:{r.source_record_id}" for r in concern_records(c)]}
    return ConcernSerializer(out).data


def _concern_answer(request, concern_id, *, code: int = status.HTTP_200_OK) -> Response:
    """The concern as the caller may see it, audited (and its raiser's identity, when shown)."""
    view = concern_for_viewer(viewer=request.user, concern_id=concern_id)
    if view is None:
        raise Http404
    actor = actor_for(request.user)
    audit_event_record(actor=actor, action=AuditAction.CONCERN_VIEW, object_type="concern", object_id=view.concern.pk,
                       detail={"children": [str(p.pk) for p in view.children]})
    if view.raiser_shown:
        audit_event_record(actor=actor, action=AuditAction.CONCERN_RAISER_VIEW, object_type="concern",
                           object_id=view.concern.pk, detail={"withheld": view.concern.identity_withheld})
    return Response(_body(view), status=code)


def _refused(exc: Exception) -> Response:
    if isinstance(exc, Conflict):
        return Response({"errors": [{"field": "revision", "problem": exc.message}],
                         "current_revision": exc.current_revision}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, StepInvalid):
        return Response({"errors": [{"field": f, "problem": p} for f, p in exc.errors.items()]},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    raise Http404  # PermissionError: never confirm that it exists


# --- views -------------------------------------------------------------------------------------------------


@reads_personal_data
class ConcernsView(generics.ListAPIView):
    """The concerns log, and recording a concern."""

    permission_classes = [HasAgencyRole]
    serializer_class = ConcernSummarySerializer
    parser_classes = [JSONParser]
    schema = _BodyRequiredSchema()

    @extend_schema(
        operation_id="concerns_list", summary="The concerns you may see",
        description="Concerns you answer or recorded (team managers, heads of service and the data protection "
                    "officer: every concern of the authority): unanswered first, the earliest deadline first, then "
                    "answered ones, newest first. Who raised each is never listed.",
        parameters=[OpenApiParameter("status", str, enum=list(STATUS_FILTERS),
                                     description="Only open (unanswered), overdue, or answered concerns.")])
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        filter_ = _one_query_value(request, "status", STATUS_FILTERS)
        concerns = concerns_for(viewer=request.user, status=filter_)
        if concerns is None:
            raise Http404
        rows = concern_rows(self.paginate_queryset(concerns), viewer=request.user, now=utc_now())
        audit_read_many(actor=actor_for(request.user), action=AuditAction.CONCERN_VIEW, object_type="concern",
                        object_ids=[r.concern.pk for r in rows])
        data = [{"concern": r.concern, "children": r.children, "status": r.status} for r in rows]
        return self.get_paginated_response(ConcernSummarySerializer(data, many=True).data)

    @extend_schema(
        operation_id="concerns_create", summary="Record a concern",
        description="The concern is logged and a `concern` record is written to each child's file (the kind of "
                    "raiser, the words, the responder's role, the deadline: never who raised it). `404` when a "
                    "child is not one you may see.",
        request=NewConcernSerializer,
        responses={201: ConcernSerializer, 403: OpenApiResponse(ErrorsSerializer, description="You may not "
                   "record concerns."), 422: REFUSED})
    def post(self, request, *args, **kwargs):
        data = _validated(NewConcernSerializer, request)
        user = request.user
        if not may_record_concern(user):
            return Response({"errors": [{"field": "", "problem": "You may not record concerns."}]},
                            status=status.HTTP_403_FORBIDDEN)
        children = []
        for pid in dict.fromkeys(data["children"]):
            person, _merged = person_for_viewer(viewer=user, person_id=pid)
            if person is None:
                raise Http404  # never confirm that a child exists to someone who may not see them
            children.append(person)
        authority = authority_for(user)
        responder = User.objects.filter(pk=data.get("responder"), agency=authority).first() if (
            data.get("responder") and authority is not None) else None
        try:
            concern = concern_record(
                user=user, raised_by=data.get("raised_by", ""), summary=data.get("summary", ""), children=children,
                responder=responder, raiser_name=data.get("raiser_name", ""),
                raiser_contact=data.get("raiser_contact", ""), identity_withheld=data.get("identity_withheld", True),
                received_at=data.get("received_at"), response_due_at=data.get("response_due_at"))
        except (StepInvalid, Conflict, PermissionError) as exc:
            return _refused(exc)
        return _concern_answer(request, concern.pk, code=status.HTTP_201_CREATED)


@reads_personal_data
class ConcernDetailView(APIView):
    permission_classes = [HasAgencyRole]

    @extend_schema(operation_id="concerns_retrieve", summary="A concern", responses=ConcernSerializer)
    def get(self, request, concern_id: uuid.UUID, *args, **kwargs):
        return _concern_answer(request, concern_id)


@reads_personal_data
class ConcernResponseView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="concerns_response_create", summary="Record what was done about a concern",
                   description="Its responder (or a head of service). Each child's `concern` record gets a new "
                               "version with `response` and `responded_at`.",
                   request=ResponseSerializer, responses={200: ConcernSerializer, 409: CONFLICT, 422: REFUSED})
    def post(self, request, concern_id: uuid.UUID, *args, **kwargs):
        if concern_for_viewer(viewer=request.user, concern_id=concern_id) is None:
            raise Http404  # a concern you may not see is 404, whatever the body
        data = _validated(ResponseSerializer, request)
        try:
            concern_respond(user=request.user, concern_id=concern_id, response=data.get("response", ""),
                            responded_at=data.get("responded_at"), revision=data["revision"])
        except (StepInvalid, Conflict, PermissionError) as exc:
            return _refused(exc)
        return _concern_answer(request, concern_id)


@reads_personal_data
class ConcernRaiserToldView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="concerns_raiser_told_create", summary="Record that the raiser was told",
                   description="After the concern was answered. Each child's `concern` record gets a new version "
                               "with `raiser_told_at`; how they were told stays on the concern.",
                   request=RaiserToldSerializer, responses={200: ConcernSerializer, 409: CONFLICT, 422: REFUSED})
    def post(self, request, concern_id: uuid.UUID, *args, **kwargs):
        if concern_for_viewer(viewer=request.user, concern_id=concern_id) is None:
            raise Http404
        data = _validated(RaiserToldSerializer, request)
        try:
            concern_raiser_told(user=request.user, concern_id=concern_id, how=data.get("how", ""),
                                told_at=data.get("told_at"), revision=data["revision"])
        except (StepInvalid, Conflict, PermissionError) as exc:
            return _refused(exc)
        return _concern_answer(request, concern_id)
