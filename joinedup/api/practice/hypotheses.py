"""The working hypotheses API (issue 13): a child's competing hypotheses, each with the chronology entries for and
against it and every earlier version, and the child's categories of concern with every earlier set.

Evidence is named by chronology entry, `"<agency id>:<source record id>"` (an event's `key`), and answered
resolved: when it happened, which agency, what it was. Writing or revising a hypothesis and changing the
categories are new versions of the child's `hypothesis` and `concern_category` records (docs/formats/README.md,
"Practice"). A stale `revision` is 409; a field missing or wrong is 422 naming it; a child you may not see, or
whose case you do not work, is 404.
"""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from joinedup.accounts.services import actor_for
from joinedup.api.casework import CONFLICT, REFUSED, _validated
from joinedup.api.casework_input import Code, Listing, Pattern, Text, WholeNumber
from joinedup.api.parsers import JSONParser
from joinedup.api.views import HasAgencyRole
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.people.selectors import person_for_viewer
from joinedup.practice.selectors.hypotheses import (
    CATEGORIES,
    HYPOTHESIS_STATUSES,
    categories_for,
    child_hypotheses,
    hypothesis_for,
)
from joinedup.practice.services.hypotheses import (
    EVIDENCE_LIMIT,
    STATEMENT_LIMIT,
    WHY_LIMIT,
    categories_set,
    hypothesis_revise,
    hypothesis_write,
)

MAX_RECORD_ID = 2**63 - 1
# Text is any characters but NUL (which no database stores in text): said in the schema, so that a request the
# schema allows is never refused for it.
NO_NUL = Pattern(r"^[^\x00]*$", "must not contain null characters")

# --- request bodies ----------------------------------------------------------------------------------------


def _evidence(what: str) -> Listing:
    return Listing(child=Text(max_length=300, validators=[NO_NUL]), max_length=EVIDENCE_LIMIT,
                   help_text=f"Chronology entries {what}, each `<agency id>:<source record id>`.")


class HypothesisInSerializer(serializers.Serializer):
    """A working hypothesis: what may be happening, where it stands, and the evidence for and against it."""

    statement = Text(allow_blank=True, max_length=STATEMENT_LIMIT, needed=True, validators=[NO_NUL],
                     help_text="One explanation of what may be happening.")
    status = Code(table=HYPOTHESIS_STATUSES, component="HypothesisStatus", help_text="open if left out.")
    evidence_for = _evidence("that support it")
    evidence_against = _evidence("that count against it")
    why = Text(allow_blank=True, max_length=WHY_LIMIT, validators=[NO_NUL],
               help_text="What led to it (optional when writing one).")


class HypothesisRevisionSerializer(HypothesisInSerializer):
    """A revision: the hypothesis as it now stands (every field, not a change), why, and the version you saw."""

    status = Code(table=HYPOTHESIS_STATUSES, component="HypothesisStatus", needed=True)
    why = Text(allow_blank=True, max_length=WHY_LIMIT, needed=True, validators=[NO_NUL],
               help_text="Why it is revised.")
    revision = WholeNumber(min_value=0, max_value=2**31 - 1, required=True,
                           help_text="The hypothesis's `revision` you saw; if it has changed since, the answer is 409.")


class CategoriesInSerializer(serializers.Serializer):
    """The child's categories of concern as they now stand, and why they changed."""

    categories = Listing(child=Code(table=CATEGORIES, component="ConcernCategory"), max_length=len(CATEGORIES),
                         required=True, help_text="Every category that applies now (an empty list clears them).")
    why = Text(allow_blank=True, max_length=WHY_LIMIT, needed=True, validators=[NO_NUL], help_text="Why.")
    revision = WholeNumber(min_value=0, max_value=2**31 - 1, required=True,
                           help_text="The categories' `revision` you saw (0 when there were none); if it has changed "
                                     "since, the answer is 409.")


# --- responses ---------------------------------------------------------------------------------------------


class EvidenceSerializer(serializers.Serializer):
    """A chronology entry named as evidence, as the child's chronology shows it now."""

    key = serializers.CharField(help_text="`<agency id>:<source record id>`")
    found = serializers.BooleanField(help_text="false when the entry is no longer in this child's chronology.")
    record_id = serializers.IntegerField(source="record_pk", allow_null=True)
    occurred_at = serializers.DateTimeField(allow_null=True)
    agency_id = serializers.CharField(source="agency_code")
    agency_name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    summary = serializers.CharField()


class HypothesisVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When this version was written.")
    author_role = serializers.CharField()
    statement = serializers.CharField()
    status = serializers.ChoiceField(choices=list(HYPOTHESIS_STATUSES))
    evidence_for = EvidenceSerializer(many=True)
    evidence_against = EvidenceSerializer(many=True)
    why = serializers.CharField()


class HypothesisSerializer(serializers.Serializer):
    """A working hypothesis as it stands, with every version (newest first)."""

    record_id = serializers.IntegerField(source="record_pk", help_text="Its record; revise it at "
                                         "`hypotheses/{record_id}/revisions/`.")
    key = serializers.CharField(help_text="Its chronology entry, `<agency id>:<source record id>`.")
    written_at = serializers.DateTimeField()
    revision = serializers.IntegerField(help_text="Send it back when revising.")
    may_revise = serializers.BooleanField()
    current = HypothesisVersionSerializer()
    versions = HypothesisVersionSerializer(many=True, source="revisions")


class CategorySetSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When this set was recorded.")
    author_role = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())
    why = serializers.CharField()


class CategoriesSerializer(serializers.Serializer):
    """The child's categories of concern at your authority, with every earlier set (newest first)."""

    record_id = serializers.IntegerField(source="record_pk", allow_null=True, help_text="null until first set.")
    revision = serializers.IntegerField(help_text="Send it back when changing them (0 when none are set).")
    may_change = serializers.BooleanField()
    current = CategorySetSerializer(allow_null=True)
    history = CategorySetSerializer(many=True)


class ChildPracticeSerializer(serializers.Serializer):
    """A child's working hypotheses (those still held first, then those set aside) and categories of concern."""

    person_id = serializers.UUIDField(source="person.pk")
    may_write = serializers.BooleanField()
    hypotheses = HypothesisSerializer(many=True)
    categories = CategoriesSerializer()


# --- views -------------------------------------------------------------------------------------------------


def _child(request, person_id):
    person, _merged = person_for_viewer(viewer=request.user, person_id=person_id)
    if person is None:
        raise Http404
    return person


def _audit(request, person, view: str) -> None:
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CHRONOLOGY_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, detail={"view": view, "via": "api"})


def _refused(exc: Exception) -> Response:
    if isinstance(exc, Conflict):
        return Response({"errors": [{"field": "revision", "problem": exc.message}],
                         "current_revision": exc.current_revision}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, StepInvalid):
        return Response({"errors": [{"field": f, "problem": p} for f, p in exc.errors.items()]},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    raise Http404


def _hypothesis_answer(request, person, record_pk: int) -> Response:
    hypothesis = hypothesis_for(viewer=request.user, person=person, record_pk=record_pk)
    if hypothesis is None:  # every role that may write may read: a fault, so roll back
        raise RuntimeError("a hypothesis was written by someone who may not read it")
    _audit(request, person, "hypothesis")
    return Response(HypothesisSerializer(hypothesis).data, status=status.HTTP_201_CREATED)


@reads_personal_data
class HypothesesView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="people_hypotheses_retrieve", summary="A child's working hypotheses and categories",
                   description="For those who work the child's case. Every version of each hypothesis and every "
                               "earlier set of categories, with each piece of evidence resolved to its chronology "
                               "entry.",
                   responses=ChildPracticeSerializer)
    def get(self, request, person_id: uuid.UUID, *args, **kwargs):
        person = _child(request, person_id)
        practice = child_hypotheses(viewer=request.user, person=person)
        if practice is None:
            raise Http404
        _audit(request, person, "hypotheses")
        return Response(ChildPracticeSerializer(practice).data)

    @extend_schema(operation_id="people_hypotheses_create", summary="Write a working hypothesis about a child",
                   request=HypothesisInSerializer, responses={201: HypothesisSerializer, 422: REFUSED})
    def post(self, request, person_id: uuid.UUID, *args, **kwargs):
        person = _child(request, person_id)  # a child you may not see is 404, whatever the body
        data = _validated(HypothesisInSerializer, request)
        try:
            written = hypothesis_write(user=request.user, person=person, statement=data.get("statement", ""),
                                       status=data.get("status") or "open",
                                       evidence_for=data.get("evidence_for", []),
                                       evidence_against=data.get("evidence_against", []), why=data.get("why", ""))
        except (StepInvalid, Conflict, PermissionError) as exc:
            return _refused(exc)
        return _hypothesis_answer(request, person, written.record_pk)


@reads_personal_data
class HypothesisRevisionView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="people_hypotheses_revisions_create", summary="Revise a working hypothesis",
                   description="A new version of the hypothesis's record; the earlier ones are kept.",
                   request=HypothesisRevisionSerializer,
                   responses={201: HypothesisSerializer, 409: CONFLICT, 422: REFUSED})
    def post(self, request, person_id: uuid.UUID, record_id: int, *args, **kwargs):
        person = _child(request, person_id)
        if record_id > MAX_RECORD_ID or hypothesis_for(viewer=request.user, person=person, record_pk=record_id) is None:
            raise Http404
        data = _validated(HypothesisRevisionSerializer, request)
        try:
            written = hypothesis_revise(user=request.user, person=person, record_pk=record_id,
                                        statement=data.get("statement", ""), status=data.get("status", ""),
                                        evidence_for=data.get("evidence_for", []),
                                        evidence_against=data.get("evidence_against", []), why=data.get("why", ""),
                                        revision=data["revision"])
        except (StepInvalid, Conflict, PermissionError) as exc:
            return _refused(exc)
        return _hypothesis_answer(request, person, written.record_pk)


@reads_personal_data
class CategoriesView(APIView):
    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="people_concern_categories_retrieve", summary="A child's categories of concern",
                   responses=CategoriesSerializer)
    def get(self, request, person_id: uuid.UUID, *args, **kwargs):
        person = _child(request, person_id)
        current = categories_for(viewer=request.user, person=person)
        if current is None:
            raise Http404
        _audit(request, person, "categories")
        return Response(CategoriesSerializer(current).data)

    @extend_schema(operation_id="people_concern_categories_create", summary="Set or change a child's categories "
                   "of concern", description="A new version of the child's `concern_category` record; every earlier "
                   "set is kept.", request=CategoriesInSerializer,
                   responses={201: CategoriesSerializer, 409: CONFLICT, 422: REFUSED})
    def post(self, request, person_id: uuid.UUID, *args, **kwargs):
        person = _child(request, person_id)
        data = _validated(CategoriesInSerializer, request)
        try:
            categories_set(user=request.user, person=person, categories=data["categories"],
                           why=data.get("why", ""), revision=data["revision"])
        except (StepInvalid, Conflict, PermissionError) as exc:
            return _refused(exc)
        current = categories_for(viewer=request.user, person=person)
        _audit(request, person, "categories")
        return Response(CategoriesSerializer(current).data, status=status.HTTP_201_CREATED)
