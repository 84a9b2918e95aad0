"""The visits API (issue 13): record a visit in a case, and read a case's visits with its visit clocks. A thin
layer over `joinedup.practice`: parse, call one service or selector, audit reads, respond.

A visit is a children's social care `visit` record written through the casework recording helpers, so a visit
recorded here, on the screens, or sent by a case system is the same thing. Answers: 201 with the visit; 409 when
the case's revision has moved on (nothing written); 422 naming each field (or, for a closed case, the sentence
why under `case`); 404 for a case the caller may not see or record in.
"""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from joinedup.accounts.services import actor_for
from joinedup.api.casework_input import Code, Flag, Listing, Moment, Pattern, Text, WholeNumber
from joinedup.api.casework_serializers import ConflictSerializer, ErrorsSerializer
from joinedup.api.parsers import JSONParser
from joinedup.api.views import HasAgencyRole, _BodyRequiredSchema
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.casework.lifecycle import Refused
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.core.time import utc_now
from joinedup.practice.selectors.visits import CaseVisits, case_visits_for
from joinedup.practice.services.visits import PRESENT_LIMIT, SHORT_LIMIT, TEXT_LIMIT, VISIT_TYPES, visit_record

# --- request bodies -------------------------------------------------------------------------------------------


class ChildSeen(Flag):
    """`child_seen`, fixed to one value in each shape of the body (so the schema says which shape is which)."""

    def __init__(self, *, value: bool, **kwargs):
        super().__init__(**kwargs)
        self._spectacular_annotation = {"field": {"type": "boolean", "enum": [value]}}


# Text is stored in the child's record as JSON, which cannot hold a NUL character: the schema says so.
NO_NUL = r"^[^\u0000]*$"


def _text(help_text: str, limit: int = TEXT_LIMIT) -> Text:
    return Text(allow_blank=True, max_length=limit, help_text=help_text,
                validators=[Pattern(NO_NUL, "must not contain NUL characters")])


class _VisitSerializer(serializers.Serializer):
    revision = WholeNumber(min_value=0, max_value=2**31 - 1, required=True,
                           help_text="The case's revision you saw; if it has changed since, the answer is 409.")
    visited_at = Moment(help_text="When the visit was (now if left out): not in the future, not before the referral.")
    visit_type = Code(table=VISIT_TYPES, component="VisitType", blank=True, help_text="The kind of visit.")
    location = _text("Where (at home, at school…).", SHORT_LIMIT)
    present = Listing(child=_text("One person present.", SHORT_LIMIT), max_length=PRESENT_LIMIT,
                      help_text="Who was present, one entry each ('mother', 'mother's partner').")
    accompanied = Flag(help_text="A colleague or manager came (false if left out).")
    seen_alone_required = Flag(help_text="Whether the plan requires the child be seen alone. Left out: true for a "
                               "child on a child protection plan aged 4 or over, false otherwise.")
    child_words = _text("What the child said, in their own words.")
    text = _text("What the worker saw (observations).")


class SeenVisitSerializer(_VisitSerializer):
    """A visit in which the child was seen: say whether alone (and, if not, why not)."""

    child_seen = ChildSeen(value=True, needed=True, help_text="The child was seen.")
    seen_alone = Flag(needed=True, help_text="Whether the child was seen alone.")
    not_seen_alone_reason = _text("Why the child was not seen alone.")


class NotSeenVisitSerializer(_VisitSerializer):
    """A visit in which the child was not seen: the team manager is told at once and an accompanied revisit is
    opened (due in one working day on a child protection plan)."""

    child_seen = ChildSeen(value=False, needed=True, help_text="The child was not seen.")
    not_seen_reason = _text("Why the child was not seen.")


# --- responses ------------------------------------------------------------------------------------------------


class VisitClockSerializer(serializers.Serializer):
    """A visit clock: a statutory visit (by the plan or the placement) or an accompanied revisit, what started it,
    by when it is due and when a visit that saw the child met it."""

    kind = serializers.ChoiceField(choices=["visit", "revisit"])
    label = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    due_on = serializers.DateField(allow_null=True, help_text="For a clock counted in days: due by the end of it.")
    met_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True, help_text="No longer needed, without being met.")
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, clock) -> bool:
        return clock.is_overdue(self.context.get("now") or utc_now())


class VisitSerializer(serializers.Serializer):
    """A visit as recorded. `record` names its agency record (`<agency id>:<source record id>`), `id` its record's
    id."""

    id = serializers.IntegerField(source="record_pk", allow_null=True)
    record = serializers.CharField(source="key")
    visited_at = serializers.DateTimeField(source="at")
    child_seen = serializers.BooleanField(allow_null=True)
    seen_alone = serializers.BooleanField(allow_null=True, help_text="Null when the child was not seen.")
    seen_alone_required = serializers.BooleanField()
    visit_type = serializers.CharField()
    visit_type_label = serializers.CharField()
    location = serializers.CharField()
    present = serializers.ListField(child=serializers.CharField())
    not_seen_reason = serializers.CharField()
    not_seen_alone_reason = serializers.CharField()
    accompanied = serializers.BooleanField()
    child_words = serializers.CharField()
    text = serializers.CharField()
    author_role = serializers.CharField()
    needs_revisit = serializers.BooleanField(help_text="Not seen (or not seen alone when the plan requires it).")
    revisit = VisitClockSerializer(allow_null=True, help_text="The accompanied revisit it opened, if it did.")


class RecordedVisitSerializer(VisitSerializer):
    """The visit just recorded, with the case's revision now (send it with the next visit or step)."""

    case_revision = serializers.SerializerMethodField()

    def get_case_revision(self, visit) -> int:
        return self.context["case_revision"]


class CaseVisitsSerializer(serializers.Serializer):
    """A case's visits, newest first, with its visit and revisit clocks."""

    case_id = serializers.UUIDField(source="row.pk")
    revision = serializers.IntegerField(help_text="Send it when recording a visit.")
    is_open = serializers.BooleanField(source="state.is_open")
    may_record = serializers.BooleanField(help_text="Whether you may record a visit in this case.")
    seen_alone_required = serializers.BooleanField(source="seen_alone_required_now",
                                                   help_text="What a visit recorded today takes by default.")
    last_seen_on = serializers.DateField(source="state.last_seen_on", allow_null=True)
    visits = VisitSerializer(many=True)
    clocks = VisitClockSerializer(many=True)


CONFLICT = OpenApiResponse(ConflictSerializer, description="Someone recorded something in the case since the "
                           "revision you sent; nothing was written. `current_revision` is the revision now.")
REFUSED = OpenApiResponse(ErrorsSerializer, description="A field is missing or wrong (each named), or the case is "
                          "closed (the sentence says so under `case`); nothing was written.")

POST_DESCRIPTION = """Record a visit to the child in this case. Three things are needed: `child_seen`, and, when
the child was seen, `seen_alone`; `visited_at` is now unless given. The rest is optional.

A child not seen, or seen but not alone when the plan requires it (`seen_alone_required`), opens an accompanied
revisit (`revisit` in the answer) and tells the team manager at once. Only a later visit that sees the child
closes it.
"""


def _child_seen_shape(data) -> type[_VisitSerializer]:
    value = data.get("child_seen") if isinstance(data, dict) else None
    if "child_seen" in (data if isinstance(data, dict) else {}) and not isinstance(value, bool):
        raise ValidationError({"child_seen": ["must be true or false"]})
    return SeenVisitSerializer if value is True else NotSeenVisitSerializer


def _visits_or_404(user, case_id) -> CaseVisits:
    view = case_visits_for(viewer=user, case_id=case_id)
    if view is None:
        raise Http404
    return view


@reads_personal_data
class CaseVisitsView(APIView):
    """A case's visits (GET) and recording one (POST)."""

    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]
    schema = _BodyRequiredSchema()

    @extend_schema(operation_id="cases_visits_list", summary="A case's visits and visit clocks",
                   responses=CaseVisitsSerializer)
    def get(self, request, case_id: uuid.UUID, *args, **kwargs):
        view = _visits_or_404(request.user, case_id)
        audit_event_record(actor=actor_for(request.user), action=AuditAction.CASE_VIEW, object_type="case",
                           object_id=view.row.pk, subject_person_id=view.person.pk,
                           detail={"visits": len(view.visits)})
        return Response(CaseVisitsSerializer(view, context={"now": utc_now()}).data)

    @extend_schema(
        operation_id="cases_visits_create",
        summary="Record a visit",
        description=POST_DESCRIPTION,
        request=PolymorphicProxySerializer(component_name="NewVisit",
                                           serializers=[SeenVisitSerializer, NotSeenVisitSerializer],
                                           resource_type_field_name=None),
        responses={201: RecordedVisitSerializer, 409: CONFLICT, 422: REFUSED},
    )
    def post(self, request, case_id: uuid.UUID, *args, **kwargs):
        serializer = _child_seen_shape(request.data)(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        revision = data.pop("revision")
        try:
            result = visit_record(user=request.user, case_id=case_id, data=data, revision=revision)
        except Conflict as exc:
            return Response({"errors": [{"field": "revision", "problem": exc.message}],
                             "current_revision": exc.current_revision}, status=status.HTTP_409_CONFLICT)
        except Refused as exc:
            return Response({"errors": [{"field": "case", "problem": exc.sentence}]},
                            status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        except StepInvalid as exc:
            return Response({"errors": [{"field": f, "problem": p} for f, p in exc.errors.items()]},
                            status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        except PermissionError as exc:
            raise Http404 from exc  # never confirm that the case exists
        view = case_visits_for(viewer=request.user, case_id=case_id)
        visit = view.visit(result.record_pk) if view is not None else None
        if visit is None:  # whoever may record a visit may read the case's visits: a fault, so roll back
            raise RuntimeError("a visit was recorded by someone who may not read it")
        body = RecordedVisitSerializer(visit, context={"now": utc_now(), "case_revision": view.revision}).data
        return Response(body, status=status.HTTP_201_CREATED)
