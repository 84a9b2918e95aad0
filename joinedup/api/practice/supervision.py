"""The supervision API (issue 13): record a supervision session (each child's decision and actions written to
the child's file as a `supervision` record), list and read sessions, mark an action done, and who is due for
supervision. A thin layer over `joinedup.practice`: parse, call one selector or service, audit reads, respond.

Refusals share the casework API's shape: what was entered is 422 naming each field
(`discussions[0].actions[1].due_on`); someone else marked the action done first is 409; a session or action the
caller may not see is 404 (joinedup never confirms it exists); a caller who may not record supervision is 403.
"""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from joinedup.accounts.services import actor_for
from joinedup.api.casework_input import MAX_ID, Day, Pattern, Text, _Strict
from joinedup.api.casework_serializers import ConflictSerializer, ErrorsSerializer
from joinedup.api.parsers import JSONParser
from joinedup.api.views import HasAgencyRole, _BodyRequiredSchema
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.practice.relationships import may_record_supervision
from joinedup.practice.selectors.supervision import (
    ActionView,
    action_to_mark,
    session_for_viewer,
    sessions_for,
    supervision_status,
)
from joinedup.practice.services import supervision as service

# --- request bodies --------------------------------------------------------------------------------------------


class Id(_Strict, serializers.UUIDField):
    default_error_messages = {"invalid": "must be an id (a UUID)"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _text(help_text: str, *, limit: int, needed: bool = False) -> Text:
    """Text as the casework API takes it; the schema says no null characters (the database cannot keep them)."""
    return Text(allow_blank=True, max_length=limit, needed=needed, required=needed, help_text=help_text,
                validators=[Pattern(r"^[^\x00]*$", "must not contain null characters")])


class ActionInSerializer(serializers.Serializer):
    """An action agreed about the child: what, who, by when."""

    text = _text("What is to be done.", limit=service.ACTION_LIMIT, needed=True)
    owner = Id(needed=True, help_text="Who will do it: a colleague's user id (often the worker supervised).")
    due_on = Day(needed=True, help_text="When it is due: on or after the session, within a year.")


class DiscussionInSerializer(serializers.Serializer):
    """One child discussed: the decision and the actions agreed."""

    person = Id(needed=True, help_text="The child's id: a child allocated to the worker or to your team.")
    decision = _text("The decision.", limit=service.DECISION_LIMIT, needed=True)
    actions = ActionInSerializer(many=True, required=False, max_length=service.MAX_ACTIONS)


class SessionInSerializer(serializers.Serializer):
    """A supervision session: the worker supervised (you are the manager), the day, notes about the worker (kept
    with the session, never in a child's file), and each child discussed."""

    worker = Id(needed=True, help_text="The worker supervised: a member of your team (any worker of the service "
                                       "for a head of service).")
    held_on = Day(needed=True, help_text="The day of the session: today or within the last year.")
    notes = _text("About the worker (wellbeing, workload, learning), not about a child.", limit=service.NOTES_LIMIT)
    discussions = DiscussionInSerializer(many=True, required=False, max_length=service.MAX_CHILDREN)


class ActionDoneInSerializer(serializers.Serializer):
    note = _text("What was done.", limit=service.NOTE_LIMIT)


# --- responses --------------------------------------------------------------------------------------------


class ActionSerializer(serializers.Serializer):
    """An action agreed in supervision; `done_at` is set once its owner or the manager marked it done."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    owner = serializers.UUIDField()
    owner_name = serializers.CharField()
    due_on = serializers.DateField()
    overdue = serializers.BooleanField(help_text="Not done, and its due day has passed.")
    done_at = serializers.DateTimeField(allow_null=True)
    done_by = serializers.UUIDField(allow_null=True)
    done_note = serializers.CharField(allow_blank=True)


class DiscussionSerializer(serializers.Serializer):
    person = serializers.UUIDField(help_text="The child.")
    person_name = serializers.CharField()
    decision = serializers.CharField()
    record_id = serializers.IntegerField(allow_null=True, help_text="The child's `supervision` record.")
    actions = ActionSerializer(many=True)


class SessionSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    worker = serializers.UUIDField()
    worker_name = serializers.CharField()
    manager = serializers.UUIDField()
    manager_name = serializers.CharField()
    held_on = serializers.DateField()
    recorded_at = serializers.DateTimeField()


class SessionSerializer(SessionSummarySerializer):
    """A supervision session: each child discussed with the decision (also in the child's file) and actions."""

    notes = serializers.CharField(allow_blank=True)
    discussions = DiscussionSerializer(many=True)


class SupervisionDueSerializer(serializers.Serializer):
    """Where one worker's supervision stands today."""

    worker = serializers.UUIDField()
    worker_name = serializers.CharField()
    interval_days = serializers.IntegerField(help_text="How often they are supervised (their own setting, else "
                                                       "the deployment's; sooner for the newly qualified).")
    last_held_on = serializers.DateField(allow_null=True)
    next_due_on = serializers.DateField()
    overdue = serializers.BooleanField()
    days_overdue = serializers.IntegerField()


def _summary(session) -> dict:
    return {"id": session.pk, "worker": session.worker_id, "worker_name": session.worker.get_full_name(),
            "manager": session.manager_id, "manager_name": session.manager.get_full_name(),
            "held_on": session.held_on, "recorded_at": session.recorded_at}


def _action(view) -> dict:
    a = view.action
    return {"id": a.pk, "text": a.text, "owner": a.owner_id, "owner_name": a.owner.get_full_name(),
            "due_on": a.due_on, "overdue": view.overdue, "done_at": a.done_at, "done_by": a.done_by_id,
            "done_note": a.done_note}


def _session_body(view) -> dict:
    return SessionSerializer({
        **_summary(view.session), "notes": view.session.notes,
        "discussions": [{"person": d.discussion.person_id, "person_name": d.discussion.person.display_name,
                         "decision": d.discussion.decision, "record_id": d.discussion.record_id,
                         "actions": [_action(a) for a in d.actions]} for d in view.discussions],
    }).data


def _session_or_404(viewer, session_id):
    view = session_for_viewer(viewer=viewer, session_id=session_id)
    if view is None:
        raise Http404
    return view


def _audit_session(user, view) -> None:
    for pid in view.person_ids or [None]:
        audit_event_record(actor=actor_for(user), action=AuditAction.SUPERVISION_VIEW,
                           object_type="supervision_session", object_id=view.session.pk, subject_person_id=pid)


def _named(detail, prefix: str = "") -> list[dict[str, str]]:
    """DRF's errors named as the services name fields: a nested list's item by its index
    (`discussions[0].actions[1].due_on`). DRF gives a nested list's errors as a dict keyed by index, which
    `joinedup.api.errors` would flatten as `discussions.actions.due_on`, losing which child and which action."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_named(value, name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [{"field": prefix, "problem": str(item)} for item in detail]
        return [e for index, item in enumerate(detail) for e in _named(item, f"{prefix}[{index}]")]
    return [{"field": prefix, "problem": str(detail)}]


def _parsed(serializer_class, request) -> tuple[dict | None, Response | None]:
    serializer = serializer_class(data=request.data)
    if serializer.is_valid():
        return serializer.validated_data, None
    return None, Response({"errors": _named(serializer.errors)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)


def _invalid(exc: StepInvalid) -> Response:
    return Response({"errors": [{"field": f, "problem": p} for f, p in exc.errors.items()]},
                    status=status.HTTP_422_UNPROCESSABLE_ENTITY)


INVALID = OpenApiResponse(ErrorsSerializer, description="A field is missing or wrong: each is named (which child, "
                          "which action). Nothing was written.")
RECORD_DESCRIPTION = """Record a supervision session you held (as the worker's team manager, or a head of
service). For each child in `discussions` the decision and its actions are written to the child's file at once,
as a children's social care record of kind `supervision` (`actions` as `"YYYY-MM-DD | <owner's full name> |
<what>"`): it is in the child's chronology and on their case page, and the alert rules see it.

- `201` with the session.
- `403` when you may not record supervision (team managers and heads of service do).
- `422` naming each field that is missing or wrong, e.g. `discussions[0].actions[1].due_on`; a child must be
  allocated to the worker or to your team. Nothing is written.
"""


@reads_personal_data
class SupervisionSessionsView(generics.ListAPIView):
    """Supervision sessions you may see (as the worker, the manager, the worker's team manager or the head of
    service), newest first."""

    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]
    serializer_class = SessionSummarySerializer
    schema = _BodyRequiredSchema()

    @extend_schema(operation_id="supervision_sessions_list", summary="Supervision sessions")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(sessions_for(viewer=request.user))
        audit_read_many(actor=actor_for(request.user), action=AuditAction.SUPERVISION_VIEW,
                        object_type="supervision_session", object_ids=[s.pk for s in page])
        return self.get_paginated_response(SessionSummarySerializer([_summary(s) for s in page], many=True).data)

    @extend_schema(operation_id="supervision_sessions_create", summary="Record a supervision session",
                   description=RECORD_DESCRIPTION, request=SessionInSerializer,
                   responses={201: SessionSerializer, 403: OpenApiResponse(ErrorsSerializer, description=(
                       "You may not record supervision.")), 422: INVALID})
    def post(self, request, *args, **kwargs):
        if not may_record_supervision(request.user):
            return Response({"errors": [{"field": "", "problem": "You may not record supervision."}]},
                            status=status.HTTP_403_FORBIDDEN)
        data, refused = _parsed(SessionInSerializer, request)
        if refused is not None:
            return refused
        discussions = [{**d, "actions": [dict(a) for a in d.get("actions", [])]} for d in data.get("discussions", [])]
        try:
            session = service.supervision_record(user=request.user, worker=data.get("worker"),
                                                 held_on=data.get("held_on"), notes=data.get("notes", ""),
                                                 discussions=discussions)
        except StepInvalid as exc:
            return _invalid(exc)
        except PermissionError as exc:
            raise Http404 from exc
        view = session_for_viewer(viewer=request.user, session_id=session.pk)
        if view is None:  # whoever records a session may read it: a fault, so roll back
            raise RuntimeError("a supervision session was recorded by someone who may not read it")
        return Response(_session_body(view), status=status.HTTP_201_CREATED)


@reads_personal_data
class SupervisionSessionDetailView(APIView):
    permission_classes = [HasAgencyRole]

    @extend_schema(operation_id="supervision_sessions_retrieve", summary="A supervision session",
                   responses=SessionSerializer)
    def get(self, request, session_id: uuid.UUID, *args, **kwargs):
        view = _session_or_404(request.user, session_id)
        _audit_session(request.user, view)
        return Response(_session_body(view))


@reads_personal_data
class SupervisionActionDoneView(APIView):
    """Mark an action agreed in supervision done (its owner, or the manager): the child's `supervision` record
    gets a new version with the action in `actions_done`."""

    permission_classes = [HasAgencyRole]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="supervision_actions_done_create", summary="Mark a supervision action done",
        request=ActionDoneInSerializer,
        responses={200: ActionSerializer, 409: OpenApiResponse(ConflictSerializer, description=(
            "Someone else marked it done first: nothing was written.")), 422: INVALID},
    )
    def post(self, request, action_id: int, *args, **kwargs):
        if action_id > MAX_ID or action_to_mark(viewer=request.user, action_id=action_id) is None:
            raise Http404
        data, refused = _parsed(ActionDoneInSerializer, request)
        if refused is not None:
            return refused
        try:
            action = service.supervision_action_done(user=request.user, action=action_id,
                                                     note=data.get("note", ""))
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            return _invalid(exc)
        except Conflict as exc:
            return Response({"errors": [{"field": "", "problem": exc.message}],
                             "current_revision": exc.current_revision}, status=status.HTTP_409_CONFLICT)
        view = session_for_viewer(viewer=request.user, session_id=action.discussion.session_id)
        shown = next((a for d in (view.discussions if view else []) for a in d.actions if a.action.pk == action.pk),
                     None)
        if shown is None:  # the owner may no longer see the session: answer with what they did
            shown = ActionView(action, False, False)
        return Response(ActionSerializer(_action(shown)).data)


@reads_personal_data
class SupervisionDueView(generics.ListAPIView):
    """For a team manager (their team) or head of service (the service): each worker's last supervision, when the
    next is due and whether it is overdue, the most overdue first."""

    permission_classes = [HasAgencyRole]
    serializer_class = SupervisionDueSerializer

    @extend_schema(operation_id="supervision_due_list", summary="Who is due for supervision")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(supervision_status(viewer=request.user))
        audit_read_many(actor=actor_for(request.user), action=AuditAction.SUPERVISION_VIEW, object_type="user",
                        object_ids=[d.worker.pk for d in page])
        rows = [{"worker": d.worker.pk, "worker_name": d.worker.get_full_name(), "interval_days": d.interval_days,
                 "last_held_on": d.last_held_on, "next_due_on": d.next_due_on, "overdue": d.overdue,
                 "days_overdue": d.days_overdue} for d in page]
        return self.get_paginated_response(SupervisionDueSerializer(rows, many=True).data)
