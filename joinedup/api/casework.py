"""The casework API (issue 12): the front door's contacts, partners' referrals, and a case from referral to
closure. A thin layer over `joinedup.casework`: parse, call one selector or service, audit reads, respond.

Every write is a children's social care record written through the casework services (ADR 0008), so the
screens, this API and an authority's own case system make the same case. The services' refusals map to one
error shape: what was entered (`StepInvalid`) and the rules of the road (`Refused`) are 422 naming the field;
a stale revision (`Conflict`) is 409 with the revision now; not allowed (`PermissionError`) is 404, because
joinedup never confirms that a contact or case exists to someone who may not see it.
"""

from __future__ import annotations

import inspect
import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from joinedup.accounts.services import actor_for
from joinedup.api.casework_input import (
    MAX_ID,
    STEP_SERIALIZERS,
    ContactAboutChildSerializer,
    ContactAboutNewChildSerializer,
    ContactDecisionSerializer,
    ContactRatingSerializer,
    NewContactSerializer,
)
from joinedup.api.casework_serializers import (
    CaseSerializer,
    ConflictSerializer,
    ContactDetailSerializer,
    ContactOut,
    ContactSerializer,
    ErrorsSerializer,
    QueueContactSerializer,
    QueueCountsSerializer,
    ReferralSerializer,
    case_id_of,
)
from joinedup.api.pagination import StrictLimitOffsetPagination
from joinedup.api.parsers import JSONParser
from joinedup.api.views import HasAgencyRole, _BodyRequiredSchema
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework import selectors
from joinedup.casework.lifecycle import Refused
from joinedup.casework.lookup import children_matching
from joinedup.casework.relationships import may_make_referral, may_record_contact
from joinedup.casework.services import (
    Conflict,
    NewPerson,
    StepInvalid,
    case_step_record,
    contact_decide,
    contact_rate,
    contact_record,
)
from joinedup.core.time import utc_now
from joinedup.people.selectors import person_for_viewer

SERVICE_ERRORS = (StepInvalid, Refused, Conflict, PermissionError)
RAG_FILTERS = ("red", "amber", "green", "unrated")

CONFLICT = OpenApiResponse(ConflictSerializer, description="Someone else changed it since the revision you sent; "
                           "nothing was written. `current_revision` is the revision now.")
REFUSED = OpenApiResponse(ErrorsSerializer, description="A field is missing or wrong (each named), or the step is "
                          "not allowed from where the case is (the problem says why, in a sentence); nothing was "
                          "written.")


def _refusal(exc: Exception, *, refused_field: str) -> Response:
    """A casework service's refusal as an API answer; nothing was written (the service's transaction rolled back)."""
    if isinstance(exc, Conflict):
        return Response({"errors": [{"field": "revision", "problem": exc.message}],
                         "current_revision": exc.current_revision}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Refused):
        return Response({"errors": [{"field": refused_field, "problem": exc.sentence}]},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, StepInvalid):
        return Response({"errors": [{"field": field, "problem": problem} for field, problem in exc.errors.items()]},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    raise Http404  # PermissionError: never confirm that it exists


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _one_query_value(request, name: str, allowed: tuple[str, ...]) -> str:
    values = request.query_params.getlist(name)
    if not values:
        return ""
    if len(values) > 1:
        raise ValidationError({name: [f"give {name} once"]})
    if values[0] not in allowed:
        raise ValidationError({name: [f"must be one of: {', '.join(allowed)}"]})
    return values[0]


def _contact_or_404(viewer, record_id: int) -> selectors.ContactView:
    view = selectors.contact_for_viewer(viewer=viewer, record_pk=record_id) if record_id <= MAX_ID else None
    if view is None:
        raise Http404
    return view


# --- the front door --------------------------------------------------------------------------------------------


class QueuePagination(StrictLimitOffsetPagination):
    """The usual paging, and the queue's counts beside the page."""

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["properties"]["counts"] = {
            "type": "object", "description": QueueCountsSerializer.__doc__,
            "properties": {name: {"type": "integer"} for name in QueueCountsSerializer().fields},
            "required": list(QueueCountsSerializer().fields),
        }
        out["required"] = [*out.get("required", []), "counts"]
        return out


@reads_personal_data
class FrontDoorQueueView(generics.ListAPIView):
    """Open contacts at the caller's authority, most urgent first (overdue ones lead). Front-door workers, team
    managers and heads of service in children's social care; anyone else is 404."""

    permission_classes = [HasAgencyRole]
    serializer_class = QueueContactSerializer
    pagination_class = QueuePagination

    @extend_schema(
        operation_id="front_door_contacts_list",
        summary="The front-door queue",
        parameters=[
            OpenApiParameter("rag", str, enum=list(RAG_FILTERS), description="Only contacts with this rating."),
            OpenApiParameter("overdue", bool, description="true: only contacts with a clock past due."),
        ],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        rag = _one_query_value(request, "rag", RAG_FILTERS)
        overdue = _one_query_value(request, "overdue", ("true", "false")) == "true"
        now = utc_now()
        queue = selectors.front_door_queue(viewer=request.user, rag=rag, overdue=overdue, now=now)
        if queue is None:
            raise Http404
        page = self.paginate_queryset(queue)
        audit_read_many(actor=actor_for(request.user), action=AuditAction.CONTACT_LIST, object_type="contact",
                        object_ids=[row.record_id for row in page])
        response = self.get_paginated_response(QueueContactSerializer(page, many=True, context={"now": now}).data)
        response.data["counts"] = QueueCountsSerializer(selectors.front_door_counts(viewer=request.user,
                                                                                    now=now)).data
        return response


@reads_personal_data
class ContactCreateView(APIView):
    """A contact about one child, recorded by children's social care; or a partner's referral."""

    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]
    schema = _BodyRequiredSchema()

    @extend_schema(
        operation_id="contacts_create",
        summary="Record a contact (or, as a partner practitioner, make a referral)",
        description=inspect.cleandoc(NewContactSerializer.__doc__),
        request=PolymorphicProxySerializer(
            component_name="NewContact",
            serializers=[ContactAboutChildSerializer, ContactAboutNewChildSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: ContactSerializer,
            403: OpenApiResponse(ErrorsSerializer, description="You may not record contacts or make referrals."),
            422: OpenApiResponse(ErrorsSerializer, description="A field is missing or wrong: each is named. "
                                 "Nothing was written."),
        },
    )
    def post(self, request, *args, **kwargs):
        data = _validated(NewContactSerializer, request)
        user = request.user
        partner = may_make_referral(user)
        if not (partner or may_record_contact(user)):
            return Response({"errors": [{"field": "", "problem": "You may not record contacts or make referrals."}]},
                            status=status.HTTP_403_FORBIDDEN)
        person, new = _child(user, data, partner=partner)
        try:
            result = contact_record(
                user=user, person=person, new_person=new, raised_by=data.get("raised_by", ""),
                source_code=data.get("source_code", ""), raised_by_name=data.get("raised_by_name", ""),
                text=data.get("text", ""), rag=data.get("rag", ""), received_at=data.get("received_at"),
            )
        except SERVICE_ERRORS as exc:
            if partner and isinstance(exc, StepInvalid) and "person" in exc.errors:
                exc.errors["new_person"] = exc.errors.pop("person")  # a partner describes the child, always
            return _refusal(exc, refused_field="")
        result.person.refresh_from_db()  # a new child's names were filled in when their record was linked
        # A partner is not told which child joinedup took it to be, nor whether the child has a case.
        out = ContactOut(result.contact, person=None if partner else result.person,
                         case_id=None if partner else result.case_id)
        return Response(ContactSerializer(out).data, status=status.HTTP_201_CREATED)


def _child(user, data: dict, *, partner: bool):
    """(person, new person) for a contact: a chosen child, a partner's exact match, or a child new to joinedup."""
    described = data.get("new_person")
    if "person" in data and described is not None:
        raise ValidationError({"person": ["give person or new_person, not both"]})
    if "person" in data:
        if partner:
            raise ValidationError({"person": ["a partner's referral describes the child in new_person (names, date "
                                              "of birth, NHS number), not by id"]})
        person, _ = person_for_viewer(viewer=user, person_id=data["person"])
        if person is None:
            raise ValidationError({"person": ["there is no child with this id"]})
        return person, None
    if described is None:
        return None, None  # the service names what is missing
    new = NewPerson(given_name=described.get("given_name", "").strip(),
                    family_name=described.get("family_name", "").strip(), dob=described.get("dob"),
                    sex=described.get("sex", ""), nhs_number=described.get("nhs_number", ""))
    if partner:  # exact identifiers only: a wrong match would disclose
        found = children_matching(nhs_number=new.nhs_number, given_name=new.given_name, family_name=new.family_name,
                                  dob=new.dob, today=utc_now().date())
        if len(found) == 1:
            return found[0], new  # the description is kept: it is what the partner is shown back
    return None, new


@reads_personal_data
class ContactDetailView(APIView):
    """One contact, with its clocks and what partner agencies hold on the child."""

    permission_classes = [HasAgencyRole]

    @extend_schema(operation_id="contacts_retrieve", summary="A contact", responses=ContactDetailSerializer)
    def get(self, request, record_id: int, *args, **kwargs):
        view = _contact_or_404(request.user, record_id)
        audit_event_record(actor=actor_for(request.user), action=AuditAction.CONTACT_VIEW, object_type="contact",
                           object_id=record_id, subject_person_id=view.person.pk)
        out = ContactOut(view.state, person=view.person, case_id=case_id_of(view.state), holdings=view.holdings,
                         may_decide=view.may_decide)
        return Response(ContactDetailSerializer(out).data)


@reads_personal_data
class ContactRatingView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="contacts_rating_create", summary="Rate an open contact red, amber or green",
                   request=ContactRatingSerializer,
                   responses={200: ContactSerializer, 409: CONFLICT, 422: REFUSED})
    def post(self, request, record_id: int, *args, **kwargs):
        data = _validated(ContactRatingSerializer, request)
        view = _contact_or_404(request.user, record_id)
        try:
            state = contact_rate(user=request.user, person=view.person, record_pk=record_id,
                                 rag=data.get("rag", ""), revision=data["revision"])
        except SERVICE_ERRORS as exc:
            return _refusal(exc, refused_field="rag")
        return Response(ContactSerializer(ContactOut(state, person=view.person, case_id=case_id_of(state))).data)


@reads_personal_data
class ContactDecisionView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="contacts_decision_create",
        summary="Decide what happens next with an open contact",
        description="`assessment` or `strategy_discussion` makes the contact a referral: a case opens, or the "
                    "child's open case continues, and `case_id` names it. A contact is decided once.",
        request=ContactDecisionSerializer,
        responses={201: ContactSerializer, 409: CONFLICT, 422: REFUSED},
    )
    def post(self, request, record_id: int, *args, **kwargs):
        data = _validated(ContactDecisionSerializer, request)
        view = _contact_or_404(request.user, record_id)
        try:
            result = contact_decide(user=request.user, person=view.person, record_pk=record_id,
                                    decision=data.get("decision", ""), reason=data.get("reason", ""),
                                    primary_need=data.get("primary_need", ""), revision=data["revision"])
        except SERVICE_ERRORS as exc:
            return _refusal(exc, refused_field="decision")
        out = ContactOut(result.contact, person=result.person,
                         case_id=result.case_id or case_id_of(result.contact))
        return Response(ContactSerializer(out).data, status=status.HTTP_201_CREATED)


@reads_personal_data
class ReferralListView(generics.ListAPIView):
    """The referrals the caller made in joinedup (partner practitioners), newest first, with their outcomes."""

    permission_classes = [HasAgencyRole]
    serializer_class = ReferralSerializer

    @extend_schema(operation_id="referrals_list", summary="Your referrals and what became of them")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        referrals = selectors.referrals_made_by(viewer=request.user)
        if referrals is None:
            raise Http404
        page = self.paginate_queryset(referrals)
        audit_read_many(actor=actor_for(request.user), action=AuditAction.REFERRAL_LIST, object_type="contact",
                        object_ids=[row.record_id for row in page])
        return self.get_paginated_response(ReferralSerializer(page, many=True).data)


# --- a case ---------------------------------------------------------------------------------------------------


def _case_body(view: selectors.CaseView) -> dict:
    return CaseSerializer(view, context={"now": utc_now(),
                                         "shows_placement_address": view.shows_placement_address}).data


@reads_personal_data
class CaseDetailView(APIView):
    """A case as the child's records make it now: its stage, clocks, every step and what may come next."""

    permission_classes = [HasAgencyRole]

    @extend_schema(operation_id="cases_retrieve", summary="A case", responses=CaseSerializer)
    def get(self, request, case_id: uuid.UUID, *args, **kwargs):
        view = selectors.case_for_viewer(viewer=request.user, case_id=case_id)
        if view is None:
            raise Http404
        audit_event_record(actor=actor_for(request.user), action=AuditAction.CASE_VIEW, object_type="case",
                           object_id=case_id, subject_person_id=view.person.pk)
        return Response(_case_body(view))


STEPS_DESCRIPTION = """Record one step of a case. The body names the `step`, the case's `revision` you saw, and
the step's own fields (dates `YYYY-MM-DD`, date-times with their offset from UTC).

- `201` with the case as it is now.
- `409` when someone recorded something in the case since that revision: nothing was written; read the case
  again (`current_revision`) and decide whether your step still stands.
- `422` naming each field that is missing or wrong, or, for a step the rules do not allow from where the case
  is (an initial conference without a section 47 enquiry, a core group without a plan, closing a case with a
  plan open), the sentence that says why under `step`. Nothing is written.
"""


@reads_personal_data
class CaseStepView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]
    schema = _BodyRequiredSchema()

    @extend_schema(
        operation_id="cases_steps_create",
        summary="Record a step of a case",
        description=STEPS_DESCRIPTION,
        request=PolymorphicProxySerializer(component_name="CaseStep", serializers=STEP_SERIALIZERS,
                                           resource_type_field_name="step"),
        responses={201: CaseSerializer, 409: CONFLICT, 422: REFUSED},
    )
    def post(self, request, case_id: uuid.UUID, *args, **kwargs):
        step = request.data.get("step") if isinstance(request.data, dict) else None
        serializer_class = STEP_SERIALIZERS.get(step) if isinstance(step, str) else None
        if serializer_class is None:
            raise ValidationError({"step": [f"must be one of: {', '.join(STEP_SERIALIZERS)}"]})
        data = dict(_validated(serializer_class, request))
        data.pop("step", None)
        revision = data.pop("revision")
        try:
            case_step_record(user=request.user, case_id=case_id, step=step, data=data, revision=revision)
        except SERVICE_ERRORS as exc:
            return _refusal(exc, refused_field="step")
        view = selectors.case_for_viewer(viewer=request.user, case_id=case_id)
        if view is None:  # every role that may record a step may read the case: a fault, so roll back
            raise RuntimeError("a case step was recorded by someone who may not read the case")
        return Response(_case_body(view), status=status.HTTP_201_CREATED)
