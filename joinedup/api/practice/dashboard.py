"""The dashboard and caseloads API (issue 13): the same figures as the managers' dashboard page, as JSON.

`GET /api/v1/dashboard/` — the team manager's team, or (head of service) the whole service or one team
(`?team=<id>`): per ISO week for the last 13 weeks (England's time, Monday to Sunday, the current week so far)
contacts received, referrals, supervision sessions held, and on time / late against every clock and a
concern's response deadline, counted in the week each fell due; and now: open clocks past due by kind, children
on a plan or looked after not seen for the set number of days, each worker's supervision, unanswered concerns
past their deadline, and caseloads. `GET /api/v1/caseloads/` — workers' caseloads against their limits.
Anyone else is answered 404. Reads are audited (`DASHBOARD_VIEW`, `CASELOAD_VIEW`).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from joinedup.accounts.services import actor_for
from joinedup.api.views import HasAgencyRole
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.practice.selectors.caseloads import caseloads_for
from joinedup.practice.selectors.dashboard import CLOCK_KINDS, TIMELINESS_KINDS, dashboard_for

TEAM = OpenApiParameter("team", OpenApiTypes.UUID, description="A head of service: only this team's figures (its id). A team "
                        "manager always sees their own team; any other team is 404.")


class TimelinessSerializer(serializers.Serializer):
    """Deadlines that fell due in the week: met by the deadline, or late (met after it, or not met yet)."""

    on_time = serializers.IntegerField()
    late = serializers.IntegerField()


WeekTimelinessSerializer = type("WeekTimelinessSerializer", (serializers.Serializer,), {
    "__doc__": "On time and late in the week, for each clock and for concerns' response deadlines.",
    **{kind: TimelinessSerializer(help_text=label) for kind, label in TIMELINESS_KINDS},
})
OverdueSerializer = type("OverdueSerializer", (serializers.Serializer,), {
    "__doc__": "Open clocks past their due moment now, by kind.",
    **{kind: serializers.IntegerField(help_text=label) for kind, label in CLOCK_KINDS},
})


class WeekSerializer(serializers.Serializer):
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W49.")
    starts_on = serializers.DateField(help_text="Its Monday.")
    contacts = serializers.IntegerField(help_text="Contacts received (one per child named).")
    referrals = serializers.IntegerField(help_text="Referrals: cases opened.")
    supervision_sessions = serializers.IntegerField(help_text="Supervision sessions held with the scope's workers.")
    timeliness = WeekTimelinessSerializer()


class NotSeenSerializer(serializers.Serializer):
    person = serializers.UUIDField(source="person_id")
    case = serializers.UUIDField(source="case_id")
    name = serializers.CharField()
    stage = serializers.CharField()
    last_seen_on = serializers.DateField(allow_null=True)
    since = serializers.DateField(help_text="Last seen, or when their visits became due if never seen.")
    days = serializers.IntegerField()
    worker = serializers.CharField(help_text="The allocated worker's name (empty: nobody).")


class SupervisionSerializer(serializers.Serializer):
    worker = serializers.UUIDField(source="worker_id")
    name = serializers.CharField()
    team = serializers.CharField()
    newly_qualified = serializers.BooleanField()
    every_days = serializers.IntegerField()
    last_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField()
    overdue = serializers.BooleanField()


class ConcernOverdueSerializer(serializers.Serializer):
    concern = serializers.UUIDField(source="concern_id")
    received_at = serializers.DateTimeField()
    raised_by = serializers.CharField(help_text="The kind of raiser, never who.")
    responder = serializers.CharField()
    response_due_at = serializers.DateTimeField()
    days_overdue = serializers.IntegerField()
    children = serializers.IntegerField()


class CaseloadSerializer(serializers.Serializer):
    worker = serializers.UUIDField(source="worker.pk")
    name = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    children = serializers.IntegerField()
    by_stage = serializers.DictField(child=serializers.IntegerField(), help_text="Children by their case's stage.")
    weighted = serializers.FloatField()
    limit = serializers.FloatField()
    own_limit = serializers.BooleanField(help_text="The worker's own limit, not the deployment's.")
    over_limit = serializers.BooleanField()

    def get_name(self, c) -> str:
        return c.worker.get_full_name() or c.worker.username

    def get_team(self, c) -> str:
        return c.worker.team.name if c.worker.team_id else ""


class ScopeSerializer(serializers.Serializer):
    team = serializers.UUIDField(allow_null=True, help_text="Empty: the whole service.")
    name = serializers.CharField()


class NowSerializer(serializers.Serializer):
    overdue = OverdueSerializer()
    not_seen_days = serializers.IntegerField()
    children_not_seen = NotSeenSerializer(many=True)
    supervision = SupervisionSerializer(many=True)
    concerns_overdue = ConcernOverdueSerializer(many=True)
    caseloads = CaseloadSerializer(many=True)


class DashboardSerializer(serializers.Serializer):
    """The dashboard's figures (weeks oldest first)."""

    scope = ScopeSerializer()
    generated_at = serializers.DateTimeField()
    weeks = WeekSerializer(many=True)
    now = NowSerializer()


class CaseloadsSerializer(serializers.Serializer):
    scope = ScopeSerializer()
    caseloads = CaseloadSerializer(many=True)


class _TeamQuery(serializers.Serializer):
    team = serializers.UUIDField(required=False)


def _team(request):
    query = _TeamQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("team")


def _scope(scope) -> dict:
    return {"team": scope.team.pk if scope.team else None, "name": scope.name}


@reads_personal_data
class DashboardView(APIView):
    """The dashboard's figures for the caller's team (team manager) or service (head of service)."""

    permission_classes = [HasAgencyRole]

    @extend_schema(operation_id="dashboard_retrieve", summary="The managers' dashboard", parameters=[TEAM],
                   responses=DashboardSerializer)
    def get(self, request, *args, **kwargs):
        team = _team(request)
        d = dashboard_for(viewer=request.user, team_id=team)
        if d is None:
            raise Http404
        audit_event_record(actor=actor_for(request.user), action=AuditAction.DASHBOARD_VIEW, object_type="dashboard",
                           object_id=str(team or "service"), reason=d.scope.name,
                           detail={"team": str(team or ""), "object_ids": [str(r.person_id) for r in d.not_seen],
                                   "via": "api"})
        weeks = [{"week": w.iso, "starts_on": w.start, "contacts": d.contacts[i], "referrals": d.referrals[i],
                  "supervision_sessions": d.supervision_held[i],
                  "timeliness": {kind: d.timeliness[kind][i] for kind, _ in TIMELINESS_KINDS}}
                 for i, w in enumerate(d.weeks)]
        data = {"scope": _scope(d.scope), "generated_at": d.now, "weeks": weeks, "now": {
            "overdue": d.overdue_by_kind, "not_seen_days": d.not_seen_days, "children_not_seen": d.not_seen,
            "supervision": d.supervision, "concerns_overdue": d.concerns_overdue, "caseloads": d.caseloads}}
        return Response(DashboardSerializer(data).data)


@reads_personal_data
class CaseloadsView(APIView):
    """Each worker's weighted caseload against their limit, heaviest first."""

    permission_classes = [HasAgencyRole]

    @extend_schema(operation_id="caseloads_list", summary="Workers' caseloads against their limits",
                   parameters=[TEAM], responses=CaseloadsSerializer)
    def get(self, request, *args, **kwargs):
        team = _team(request)
        found = caseloads_for(viewer=request.user, team_id=team)
        if found is None:
            raise Http404
        scope, loads = found
        audit_event_record(actor=actor_for(request.user), action=AuditAction.CASELOAD_VIEW, object_type="caseload",
                           object_id=str(team or "service"), reason=scope.name,
                           detail={"workers": [str(c.worker.pk) for c in loads], "via": "api"})
        return Response(CaseloadsSerializer({"scope": _scope(scope), "caseloads": loads}).data)
