"""Response shapes of the casework API: contacts, the front-door queue, partners' referrals, and a case as the
fold makes it from the child's children's social care records (ADR 0008).

A thing inside a case (an assessment, a conference, a plan…) is named by `record`: the agency record it came
from, as `<agency id>:<source record id>`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from joinedup.api.serializers import ProblemSerializer
from joinedup.casework import codes
from joinedup.casework.projection import case_uuid
from joinedup.casework.state import ContactState
from joinedup.core.time import utc_now


def _now(serializer) -> Any:
    return serializer.context.get("now") or utc_now()


def case_id_of(contact: ContactState) -> uuid.UUID | None:
    return case_uuid(contact.case_key) if contact.case_key else None


class ErrorsSerializer(serializers.Serializer):
    """What was wrong, one entry per field (field is empty for a problem with the whole request)."""

    errors = ProblemSerializer(many=True)


class ConflictSerializer(serializers.Serializer):
    """Someone else changed it since the revision you sent: nothing was written. Read it again, then retry."""

    errors = ProblemSerializer(many=True)
    current_revision = serializers.IntegerField(help_text="The revision now; send it with your next attempt.")


class StatusField(serializers.Field):
    """'open' until the front door decides, then 'decided'."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self._spectacular_annotation = {"field": {"type": "string", "enum": ["open", "decided"]},
                                        "field_component_name": "ContactStatus"}

    def to_representation(self, value) -> str:
        return "open" if value.is_open else "decided"


class PersonSummarySerializer(serializers.Serializer):
    """The child."""

    id = serializers.UUIDField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    dob = serializers.DateField(allow_null=True)


class ClockSerializer(serializers.Serializer):
    """A statutory or local clock: what is due, from when, by when, and when it was met (or stopped being needed)."""

    kind = serializers.ChoiceField(choices=["contact_rag", "contact_decision", "assessment", "icpc", "core_group",
                                            "review", "visit", "revisit"])
    label = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    due_on = serializers.DateField(allow_null=True, help_text="For a clock counted in days: due by the end of it.")
    met_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True, help_text="No longer needed, without being met.")
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, clock) -> bool:
        return clock.is_overdue(_now(self))


# --- contacts ----------------------------------------------------------------------------------------------


@dataclass
class ContactOut:
    """A contact as the API shows it: its state, and the child unless the caller is the partner who made it."""

    state: ContactState
    person: Any = None
    case_id: uuid.UUID | None = None
    holdings: list | None = None
    may_decide: bool = False

    def __getattr__(self, name: str):
        return getattr(self.state, name)


class ContactSerializer(serializers.Serializer):
    """A contact to children's social care's front door. Its `id` is its record's id."""

    id = serializers.IntegerField(source="record_pk")
    status = StatusField()
    received_at = serializers.DateTimeField()
    raised_by = serializers.CharField()
    source_code = serializers.CharField(help_text="CIN census referral source.")
    source_label = serializers.CharField()
    raised_by_name = serializers.CharField()
    text = serializers.CharField()
    rag = serializers.CharField(help_text="red, amber, green, or empty when not yet rated.")
    rag_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.CharField(help_text="Empty while the contact is open.")
    decision_label = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(help_text="The role of whoever decided.")
    decision_reason = serializers.CharField()
    referrer_agency = serializers.CharField(help_text="The partner agency that made it in joinedup, if one did.")
    revision = serializers.IntegerField(help_text="Send it back when rating or deciding.")
    clocks = ClockSerializer(many=True)
    case_id = serializers.UUIDField(allow_null=True, help_text="The case it opened or belongs to (null for a "
                                    "partner's own referral).")
    person = PersonSummarySerializer(allow_null=True, help_text="The child (null for a partner's own referral).")


class HoldingSerializer(serializers.Serializer):
    """What one agency holds on the child."""

    agency_name = serializers.CharField()
    agency_kind = serializers.CharField()
    records = serializers.IntegerField()
    first_on = serializers.DateField()
    last_on = serializers.DateField()
    kinds = serializers.ListField(child=serializers.CharField())


class ContactDetailSerializer(ContactSerializer):
    """A contact with what partner agencies hold on the child, for the front door's decision."""

    holdings = HoldingSerializer(many=True)
    may_decide = serializers.BooleanField(help_text="Whether you may rate and decide it.")


class QueueContactSerializer(serializers.Serializer):
    """An open contact in the front-door queue."""

    id = serializers.IntegerField(source="record_id")
    person = PersonSummarySerializer()
    received_at = serializers.DateTimeField()
    source_code = serializers.CharField()
    source_label = serializers.SerializerMethodField()
    raised_by = serializers.CharField()
    summary = serializers.CharField(help_text="The start of what was said.")
    rag = serializers.CharField()
    rag_due_at = serializers.DateTimeField(allow_null=True)
    decision_due_at = serializers.DateTimeField()
    next_due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    revision = serializers.IntegerField()

    def get_source_label(self, row) -> str:
        return codes.label(codes.REFERRAL_SOURCES, row.source_code)

    def get_overdue(self, row) -> bool:
        return row.next_due_at is not None and row.next_due_at < _now(self)


class QueueCountsSerializer(serializers.Serializer):
    """How many contacts are open at your authority, overdue, and at each rating (whatever the filters)."""

    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    red = serializers.IntegerField()
    amber = serializers.IntegerField()
    green = serializers.IntegerField()
    unrated = serializers.IntegerField()


class ReferralSerializer(serializers.Serializer):
    """A referral you made in joinedup, and what the front door decided."""

    id = serializers.IntegerField(source="record_id")
    child = serializers.CharField(source="referred_as", help_text="The child as you described them.")
    authority = serializers.CharField(source="agency.name")
    received_at = serializers.DateTimeField()
    summary = serializers.CharField()
    status = StatusField()
    decision = serializers.CharField()
    decision_label = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_decision_label(self, row) -> str:
        return codes.label(codes.CONTACT_DECISIONS, row.decision)


# --- a case ------------------------------------------------------------------------------------------------


class AssessmentSerializer(serializers.Serializer):
    record = serializers.CharField(source="key")
    started_on = serializers.DateField()
    authorised_on = serializers.DateField(allow_null=True)
    factors = serializers.ListField(child=serializers.CharField())
    outcome = serializers.CharField()
    is_open = serializers.BooleanField()


class StrategyDiscussionSerializer(serializers.Serializer):
    record = serializers.CharField(source="key")
    held_at = serializers.DateTimeField()
    attendees = serializers.ListField(child=serializers.CharField())
    decision = serializers.CharField()


class EnquirySerializer(serializers.Serializer):
    """A section 47 enquiry."""

    record = serializers.CharField(source="key")
    strategy_discussion = serializers.CharField(source="strategy_key")
    started_on = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    outcome = serializers.CharField()
    conference_needed = serializers.BooleanField(allow_null=True)
    initial_conference = serializers.CharField(source="icpc_key", help_text="Empty until one is held.")


class ConferenceSerializer(serializers.Serializer):
    record = serializers.CharField(source="key")
    held_on = serializers.DateField()
    conference_type = serializers.ChoiceField(choices=["initial", "review"])
    outcome = serializers.CharField()
    category = serializers.CharField()


class CategoryChangeSerializer(serializers.Serializer):
    on = serializers.DateField(allow_null=True, help_text="Null when the sender changed it outside a conference.")
    category = serializers.CharField()
    label = serializers.CharField()
    record = serializers.CharField(source="source_key", help_text="The conference (or plan record) that set it.")


class ProtectionPlanSerializer(serializers.Serializer):
    """A child protection plan with its category history, core groups and reviews."""

    record = serializers.CharField(source="key")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    is_open = serializers.BooleanField()
    initial_category = serializers.CharField()
    latest_category = serializers.CharField()
    categories = CategoryChangeSerializer(many=True)
    previous_plans = serializers.IntegerField(help_text="Plans the child had at this authority before this one.")
    core_groups = serializers.ListField(child=serializers.DateField(), help_text="Days core groups met.")
    reviews = serializers.ListField(child=serializers.DateField(), help_text="Days review conferences were held.")


class NeedPlanSerializer(serializers.Serializer):
    """A child in need plan."""

    record = serializers.CharField(source="key")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)


class EpisodeSerializer(serializers.Serializer):
    """A looked-after episode (SSDA903): one legal status and one placement."""

    record = serializers.CharField(source="key")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    legal_status = serializers.CharField()
    reason_new_episode = serializers.CharField()
    placement_type = serializers.CharField()
    placement_provider = serializers.CharField()
    placement_postcode = serializers.CharField(required=False, help_text="Only for the allocated worker and their "
                                               "team manager; left out for everyone else.")
    reason_ended = serializers.CharField()
    category_of_need = serializers.CharField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("shows_placement_address"):
            data.pop("placement_postcode", None)
        return data


class ClosureSerializer(serializers.Serializer):
    record = serializers.CharField(source="closure_key")
    closed_on = serializers.DateField()
    reason = serializers.CharField(source="closure_reason")
    reason_label = serializers.SerializerMethodField()

    def get_reason_label(self, case) -> str:
        return codes.label(codes.CLOSURE_REASONS, case.closure_reason)


class CaseContactSerializer(serializers.Serializer):
    """A contact that led to this case or came while it was open."""

    id = serializers.IntegerField(source="record_pk")
    received_at = serializers.DateTimeField()
    source_code = serializers.CharField()
    rag = serializers.CharField()
    decision = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class IssueSerializer(serializers.Serializer):
    """A record the case could not take, and why (e.g. a plan a case system sent without a conference)."""

    record_id = serializers.IntegerField()
    kind = serializers.CharField()
    occurred_on = serializers.DateField()
    sentence = serializers.CharField()


class NextStepSerializer(serializers.Serializer):
    step = serializers.CharField(source="name")
    label = serializers.CharField()


class CaseSerializer(serializers.Serializer):
    """One case (an episode of need, referral to closure) as the child's records make it now."""

    id = serializers.UUIDField(source="row.pk")
    case_ref = serializers.CharField(source="state.case_ref")
    authority = serializers.CharField(source="row.agency.code")
    person = PersonSummarySerializer()
    stage = serializers.CharField(source="state.stage")
    is_open = serializers.BooleanField(source="state.is_open")
    revision = serializers.IntegerField(source="state.revision", help_text="Send it with the next step.")
    referral_date = serializers.DateField(source="state.opened_on")
    source_code = serializers.CharField(source="state.source_code")
    source_label = serializers.SerializerMethodField()
    primary_need = serializers.CharField(source="state.primary_need")
    primary_need_label = serializers.SerializerMethodField()
    route = serializers.CharField(source="state.route", help_text="assessment or strategy_discussion.")
    no_further_action = serializers.BooleanField(source="state.nfa")
    clocks = ClockSerializer(many=True, source="state.clocks")
    assessments = AssessmentSerializer(many=True, source="state.assessments")
    strategy_discussions = StrategyDiscussionSerializer(many=True, source="state.strategies")
    enquiries = EnquirySerializer(many=True, source="state.enquiries")
    conferences = ConferenceSerializer(many=True, source="state.conferences")
    protection_plans = ProtectionPlanSerializer(many=True, source="state.protection_plans")
    child_in_need_plans = NeedPlanSerializer(many=True, source="state.need_plans")
    looked_after_episodes = EpisodeSerializer(many=True, source="state.episodes")
    closure = serializers.SerializerMethodField()
    contacts = CaseContactSerializer(many=True)
    issues = IssueSerializer(many=True)
    may_record = serializers.BooleanField(help_text="Whether you may record steps in this case.")
    next_steps = NextStepSerializer(many=True, source="steps", help_text="Steps that make sense from here (each "
                                    "is still checked when recorded).")

    def get_source_label(self, view) -> str:
        return codes.label(codes.REFERRAL_SOURCES, view.state.source_code)

    def get_primary_need_label(self, view) -> str:
        return codes.label(codes.PRIMARY_NEEDS, view.state.primary_need)

    @extend_schema_field(ClosureSerializer(allow_null=True))
    def get_closure(self, view):
        return None if view.state.is_open else ClosureSerializer(view.state, context=self.context).data

