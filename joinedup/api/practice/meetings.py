"""The meetings API (issue 13): minutes of strategy discussions, conferences, core groups and safeguarding
partnership meetings, with who agreed and who dissented on each decision and why; approval that locks them,
corrections as new versions, and escalation of a dissent under the resolution protocol.

A thin layer over `joinedup.practice`: parse, call one selector or service, audit reads, respond. The services'
refusals map to one error shape: what was entered (`StepInvalid`) is 422 naming each field; minutes that may not
change (approved, corrected) or a step the protocol does not allow (`Refused`) is 422 with the sentence; a stale
revision (`Conflict`) is 409 with the revision now; not allowed (`PermissionError`) is 404, because joinedup never
confirms that minutes exist to someone who may not see them.
"""

from __future__ import annotations

import inspect
import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from joinedup.accounts.services import actor_for
from joinedup.api.casework import CONFLICT, _one_query_value
from joinedup.api.casework_serializers import ErrorsSerializer
from joinedup.api.parsers import JSONParser
from joinedup.api.practice import meetings_io as io
from joinedup.api.views import HasAgencyRole, _BodyRequiredSchema
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.lifecycle import Refused
from joinedup.casework.relationships import may_view_chronology
from joinedup.casework.selectors import case_person_for
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.people.selectors import person_in_scope
from joinedup.practice.models import MeetingKind
from joinedup.practice.relationships import may_record_meeting
from joinedup.practice.selectors.meetings import (
    escalation_for_viewer,
    meeting_for_viewer,
    meetings_for,
    open_escalations,
)
from joinedup.practice.services.meetings import (
    MinutesLocked,
    meeting_approve,
    meeting_correct,
    meeting_draft_update,
    meeting_start,
)
from joinedup.practice.services.meetings_escalation import dissent_escalate, escalation_outcome_record

SERVICE_ERRORS = (StepInvalid, Refused, Conflict, PermissionError)
REFUSED = OpenApiResponse(ErrorsSerializer, description="A field is missing or wrong (each named, like "
                          "`items[0].decisions[0].positions[1].reason` for a dissent without its reason), or the "
                          "minutes may not change (approved minutes are locked: a correction makes a new version), "
                          "the problem says why in a sentence. Nothing was written.")
NOT_ALLOWED = OpenApiResponse(ErrorsSerializer, description="You may not record meetings of this kind.")


def _refusal(exc: Exception) -> Response:
    """A service's refusal as an API answer; nothing was written (the service's transaction rolled back)."""
    if isinstance(exc, Conflict):
        return Response({"errors": [{"field": "revision", "problem": exc.message}],
                         "current_revision": exc.current_revision}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Refused):
        field = "status" if isinstance(exc, MinutesLocked) else ""
        return Response({"errors": [{"field": field, "problem": exc.sentence}]},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, StepInvalid):
        return Response({"errors": [{"field": field, "problem": problem} for field, problem in exc.errors.items()]},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    raise Http404  # PermissionError: never confirm that it exists


def _paths(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as one entry per field path, a list's entries by index (`items[0].title`), the way the
    services name them. (`api.errors` would drop an index 0 and write `items.1.title` for the others.)"""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                name = "" if key == "non_field_errors" else str(key)
                path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            out.update(_paths(value, path))
        return out
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        out = {}
        for index, item in enumerate(detail):
            out.update(_paths(item, f"{prefix}[{index}]"))
        return out
    return {prefix: [str(v) for v in detail] if isinstance(detail, list) else [str(detail)]}


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        raise ValidationError(_paths(serializer.errors))
    return serializer.validated_data


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _before_start(user, raw) -> None:
    """Before the body is read: 403 for a kind of meeting the caller may not record, 404 for a case or child they
    may not see (so nothing is said about the rest of the body to someone who could not go on anyway)."""
    if not isinstance(raw, dict) or raw.get("kind") not in MeetingKind.values:
        return
    if not may_record_meeting(user, raw["kind"]):
        raise PermissionDenied("You may not record meetings of this kind.")
    case_id = _uuid(raw.get("case"))
    if case_id is not None and case_person_for(viewer=user, case_id=case_id) is None:
        raise Http404
    children = raw.get("children")
    for child_id in (children if isinstance(children, list) else []):
        if _uuid(child_id) is None:
            continue
        person, _merged, _scope = person_in_scope(viewer=user, person_id=_uuid(child_id))
        if person is None or not may_view_chronology(user, person):
            raise Http404


def _view_or_404(user, meeting_id):
    view = meeting_for_viewer(viewer=user, meeting_id=meeting_id)
    if view is None:
        raise Http404
    return view


def _read(user, meeting_id, status_code=status.HTTP_200_OK) -> Response:
    """The minutes as they are now (audited as a read)."""
    view = _view_or_404(user, meeting_id)
    audit_event_record(actor=actor_for(user), action=AuditAction.MEETING_VIEW, object_type="meeting",
                       object_id=view.meeting.pk, subject_person_id=view.children[0].pk if view.children else None,
                       detail={"version": view.meeting.version, "children": [str(c.pk) for c in view.children]})
    return Response(io.meeting_body(view), status=status_code)


START_DESCRIPTION = """Start a meeting's minutes, as a draft. A meeting about a child (`strategy_discussion`,
`initial_conference`, `review_conference`, `core_group`) names the child's `case` (and any other `children` it was
about); a `partnership` meeting names none. Then write the draft (`PUT /api/v1/meetings/{id}/`) and approve it.

- `201` with the draft.
- `403` when you may not record meetings of this kind; `404` when the case or a child is not one you may see.
- `422` naming each field that is missing or wrong.
"""


@reads_personal_data
class MeetingListView(generics.GenericAPIView):
    """Minutes you may see (one entry per meeting: its latest version), most recently held first; and starting
    new minutes."""

    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]
    schema = _BodyRequiredSchema()
    serializer_class = io.MeetingRowSerializer

    @extend_schema(operation_id="meetings_list", summary="Meetings' minutes you may see",
                   parameters=[OpenApiParameter("kind", str, enum=list(MeetingKind.values),
                                                description="Only meetings of this kind.")],
                   responses=io.MeetingRowSerializer(many=True))
    def get(self, request, *args, **kwargs):
        kind = _one_query_value(request, "kind", tuple(MeetingKind.values))
        rows = meetings_for(viewer=request.user, kind=kind)
        page = self.paginate_queryset(rows)
        audit_read_many(actor=actor_for(request.user), action=AuditAction.MEETING_VIEW, object_type="meeting",
                        object_ids=[r.meeting.pk for r in page])
        return self.get_paginated_response(io.MeetingRowSerializer([io.row_body(r) for r in page], many=True).data)

    @extend_schema(
        operation_id="meetings_create", summary="Start a meeting's minutes",
        description=START_DESCRIPTION,
        request=PolymorphicProxySerializer(
            component_name="MeetingStart",
            serializers=[io.ChildMeetingStartSerializer, io.PartnershipMeetingStartSerializer],
            resource_type_field_name=None),
        responses={201: io.MeetingSerializer, 403: NOT_ALLOWED, 422: REFUSED},
    )
    def post(self, request, *args, **kwargs):
        kind = request.data.get("kind") if isinstance(request.data, dict) else None
        _before_start(request.user, request.data)
        data = _validated(io.PartnershipMeetingStartSerializer if kind == MeetingKind.PARTNERSHIP
                          else io.ChildMeetingStartSerializer, request)
        try:
            meeting = meeting_start(user=request.user, kind=data.get("kind", ""), title=data.get("title", ""),
                                    held_at=data.get("held_at"), chair=data.get("chair", ""),
                                    case_id=data.get("case"), children=data.get("children") or [])
        except PermissionError as exc:
            if not may_record_meeting(request.user, data.get("kind", "")):
                return Response({"errors": [{"field": "kind", "problem": "You may not record meetings of this "
                                             "kind."}]}, status=status.HTTP_403_FORBIDDEN)
            raise Http404 from exc
        except SERVICE_ERRORS as exc:
            return _refusal(exc)
        return _read(request.user, meeting.pk, status.HTTP_201_CREATED)


DRAFT_DESCRIPTION = """Replace the draft's content: the attendees, and the items with their decisions and where
each attendee stood on each decision (`agreed`, `dissented` with its `reason`, or `abstained`). Positions name an
attendee by their place in `attendees`. Send the `revision` you read.

- `200` with the draft as it is now (its `revision` one higher).
- `409` when someone changed the draft since that revision: nothing was written.
- `422` naming each field that is missing or wrong (a dissent without its reason:
  `items[0].decisions[0].positions[1].reason`), or, under `status`, that the minutes are approved and locked (a
  correction makes a new version: `POST …/corrections/`).
"""


@reads_personal_data
class MeetingDetailView(APIView):
    """One version of a meeting's minutes, with every version of them; and writing the draft."""

    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="meetings_retrieve", summary="A meeting's minutes", responses=io.MeetingSerializer)
    def get(self, request, meeting_id: uuid.UUID, *args, **kwargs):
        return _read(request.user, meeting_id)

    @extend_schema(operation_id="meetings_update", summary="Write the draft minutes", description=DRAFT_DESCRIPTION,
                   request=io.DraftSerializer, responses={200: io.MeetingSerializer, 409: CONFLICT, 422: REFUSED})
    def put(self, request, meeting_id: uuid.UUID, *args, **kwargs):
        _view_or_404(request.user, meeting_id)  # 404 before anything is said about the body
        data = dict(_validated(io.DraftSerializer, request))
        revision = data.pop("revision")
        try:
            meeting_draft_update(user=request.user, meeting_id=meeting_id, revision=revision, data=data)
        except SERVICE_ERRORS as exc:
            return _refusal(exc)
        return _read(request.user, meeting_id)


@reads_personal_data
class MeetingApprovalView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="meetings_approval_create", summary="Approve the draft minutes (they are locked from then on)",
        description="A team manager or head of service (the partnership for its own meetings) approves the draft "
                    "they read (`revision`). Every attendee present needs a position on every decision. Minutes "
                    "about children are written at once to each child's file (a `meeting_minutes` record: the "
                    "decisions and every dissent with its reason); a correction's approval supersedes the version "
                    "it corrects and writes the next version of those records.",
        request=io.ApprovalSerializer, responses={200: io.MeetingSerializer, 409: CONFLICT, 422: REFUSED})
    def post(self, request, meeting_id: uuid.UUID, *args, **kwargs):
        _view_or_404(request.user, meeting_id)
        data = _validated(io.ApprovalSerializer, request)
        try:
            meeting_approve(user=request.user, meeting_id=meeting_id, revision=data["revision"])
        except SERVICE_ERRORS as exc:
            return _refusal(exc)
        return _read(request.user, meeting_id)


@reads_personal_data
class MeetingCorrectionView(APIView):
    permission_classes = [HasAgencyRole]

    @extend_schema(
        operation_id="meetings_corrections_create", summary="Correct approved minutes (a new version)",
        description="A new draft version copying everything; the approved version is kept, and superseded when "
                    "the correction is approved. One correction at a time: while one is being written the answer "
                    "is 422 (its id is the `correction` of these minutes).",
        request=None, responses={201: io.MeetingSerializer, 422: REFUSED})
    def post(self, request, meeting_id: uuid.UUID, *args, **kwargs):
        try:
            new = meeting_correct(user=request.user, meeting_id=meeting_id)
        except SERVICE_ERRORS as exc:
            return _refusal(exc)
        return _read(request.user, new.pk, status.HTTP_201_CREATED)


@reads_personal_data
class DissentEscalationView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="meetings_escalations_create", summary="Escalate a dissent under the resolution protocol",
        description=inspect.cleandoc("""A dissent in these (approved) minutes, named by its position `id`, goes to
            a stage of the protocol with an owner and a deadline. One stage is open at a time; a later stage follows
            only one that ended unresolved. The children's records say `escalated` from then on."""),
        request=io.EscalationInSerializer, responses={201: io.EscalationSerializer, 422: REFUSED})
    def post(self, request, meeting_id: uuid.UUID, *args, **kwargs):
        view = _view_or_404(request.user, meeting_id)
        data = _validated(io.EscalationInSerializer, request)
        if not any(c.position.pk == data["position"] for d in view.decisions for c in d.cells if c.position):
            raise ValidationError({"position": ["there is no such position in these minutes"]})
        try:
            escalation = dissent_escalate(user=request.user, position_id=data["position"], stage=data.get("stage"),
                                          owner_id=data.get("owner"), deadline_on=data.get("deadline_on"))
        except SERVICE_ERRORS as exc:
            return _refusal(exc)
        return Response(io.EscalationSerializer(io.escalation_body(escalation)).data, status=status.HTTP_201_CREATED)


@reads_personal_data
class EscalationListView(generics.GenericAPIView):
    """The stages of escalated dissent you own with no outcome yet, nearest deadline first."""

    permission_classes = [HasAgencyRole]
    serializer_class = io.EscalationRowSerializer

    @extend_schema(operation_id="meeting_escalations_list", summary="Dissent escalated to you",
                   responses=io.EscalationRowSerializer(many=True))
    def get(self, request, *args, **kwargs):
        rows = open_escalations(viewer=request.user)
        page = self.paginate_queryset(rows)
        audit_read_many(actor=actor_for(request.user), action=AuditAction.MEETING_VIEW,
                        object_type="dissent_escalation", object_ids=[r.id for r in page])
        return self.get_paginated_response(
            io.EscalationRowSerializer([io.escalation_row_body(r) for r in page], many=True).data)


@reads_personal_data
class EscalationOutcomeView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="meeting_escalations_outcome_create", summary="Record the outcome of a stage of escalation",
        description="The stage's owner, or a manager who may approve the minutes, ends the stage: what came of it "
                    "and whether the disagreement was resolved. A stage ends once.",
        request=io.OutcomeInSerializer, responses={200: io.EscalationSerializer, 422: REFUSED})
    def post(self, request, escalation_id: int, *args, **kwargs):
        if escalation_for_viewer(viewer=request.user, escalation_id=escalation_id) is None:
            raise Http404
        data = _validated(io.OutcomeInSerializer, request)
        try:
            escalation_outcome_record(user=request.user, escalation_id=escalation_id, outcome=data.get("outcome"),
                                      resolved=data.get("resolved"))
        except SERVICE_ERRORS as exc:
            return _refusal(exc)
        escalation = escalation_for_viewer(viewer=request.user, escalation_id=escalation_id)
        return Response(io.EscalationSerializer(io.escalation_body(escalation.escalation)).data)
