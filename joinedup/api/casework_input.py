"""Request bodies of the casework API: typed strictly (text is text, a date is YYYY-MM-DD, a date and time
carries its offset), so that what the schema promises and what the server accepts are the same.

The API parses types and code lists; the casework services decide meaning (what is required, dates not in
the future, the rules of the road). A field marked required in the schema but left out reaches the service,
which names every missing field at once, in the same words the screens use.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from rest_framework import serializers
from rest_framework.fields import SkipField, empty

from joinedup.casework import codes
from joinedup.casework.services.contacts import AGENCY_SOURCES, TEXT_LIMIT

MAX_ID = 2**63 - 1  # record ids are 64-bit; anything larger names nothing
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})")


class _Strict:
    """`needed=True`: required in the schema, but a missing value is left for the service to name."""

    def __init__(self, *args, needed: bool = False, **kwargs):
        self.needed = needed
        kwargs["required"] = needed or kwargs.get("required", False)
        super().__init__(*args, **kwargs)

    def validate_empty_values(self, data):
        if data is empty and self.needed:
            raise SkipField()
        return super().validate_empty_values(data)


class Text(_Strict, serializers.CharField):
    """Text only: a number or true is refused, not turned into text; kept exactly as sent (the services trim)."""

    default_error_messages = {"invalid": "must be text"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("invalid")
        return super().to_internal_value(data)


class Code(Text):
    """One code from a list; the schema names the list as a component."""

    default_error_messages = {"invalid": "must be text", "not_listed": "must be one of: {values}"}

    def __init__(self, *args, table: dict[str, str] | frozenset[str], component: str, blank: bool = False, **kwargs):
        kwargs["allow_blank"] = blank
        super().__init__(*args, **kwargs)
        self.values = list(table)
        values = [*self.values, ""] if blank else self.values
        self._spectacular_annotation = {"field": {"type": "string", "enum": values},
                                        "field_component_name": component + ("OrBlank" if blank else "")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and value not in self.values:
            shown = ", ".join(self.values) if len(self.values) <= 12 else \
                f"{', '.join(self.values[:12])} … ({len(self.values)} codes: see the API schema)"
            self.fail("not_listed", values=shown)
        return value


class Pattern(RegexValidator):
    """The whole value must match (a trailing newline is not quietly allowed, as `$` would)."""

    def __call__(self, value):
        if not self.regex.fullmatch(str(value)):
            raise ValidationError(self.message, code=self.code)


class Listing(_Strict, serializers.ListField):
    """A list (a single string is refused, not read as a list of characters)."""


class WholeNumber(_Strict, serializers.IntegerField):
    default_error_messages = {"invalid": "must be a whole number"}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Flag(_Strict, serializers.BooleanField):
    default_error_messages = {"invalid": "must be true or false"}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class Day(_Strict, serializers.DateField):
    default_error_messages = {"invalid": "must be a real date written YYYY-MM-DD"}

    def to_internal_value(self, value):
        if not isinstance(value, str) or not _DAY.fullmatch(value):
            self.fail("invalid")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail("invalid")


class Moment(_Strict, serializers.DateTimeField):
    default_error_messages = {"invalid": "must be a real date and time with its offset from UTC, written like "
                                         "2026-12-06T09:30:00Z or 2026-06-06T10:30:00+01:00"}

    def to_internal_value(self, value):
        if not isinstance(value, str) or not _MOMENT.fullmatch(value):
            self.fail("invalid")
        try:
            return dt.datetime.fromisoformat(value.upper())
        except ValueError:
            self.fail("invalid")


class PersonId(_Strict, serializers.UUIDField):
    default_error_messages = {"invalid": "must be a person's id (a UUID)"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def lines(*, help_text: str, needed: bool = False, limit: int = 50) -> Listing:
    return Listing(child=Text(allow_blank=True, max_length=300), max_length=limit, needed=needed, help_text=help_text)


def _text(help_text: str, *, limit: int = TEXT_LIMIT, needed: bool = False) -> Text:
    return Text(allow_blank=True, max_length=limit, needed=needed, help_text=help_text)


def _revision(what: str) -> WholeNumber:
    return WholeNumber(min_value=0, max_value=2**31 - 1, required=True,
                       help_text=f"The {what}'s revision you saw; if it has changed since, the answer is 409.")


# --- contacts ----------------------------------------------------------------------------------------------


class NewPersonSerializer(serializers.Serializer):
    """A child as the caller knows them (a partner's referral always describes the child this way)."""

    given_name = Text(allow_blank=True, max_length=100)
    family_name = Text(allow_blank=True, max_length=100)
    dob = Day(help_text="Date of birth.")
    sex = Code(table={"female": "", "male": "", "unknown": ""}, component="Sex", blank=True)
    nhs_number = Text(validators=[Pattern(r"^[0-9]{10}$", "must be 10 digits with no spaces")],
                      help_text="10 digits, no spaces.")


class NewContactSerializer(serializers.Serializer):
    """A contact to the front door about one child: `person` (an existing child's id) or `new_person`.

    A partner practitioner's token makes a referral this way: give the child's details in `new_person`; joinedup
    finds the child by exact identifiers. Who raised it is then the partner's agency (`raised_by`, `source_code`
    are set for you)."""

    person = PersonId(help_text="The child's id in joinedup (children's social care staff only).")
    new_person = NewPersonSerializer(required=False)
    raised_by = Code(table=codes.RAISED_BY, component="RaisedBy", help_text="Who raised the concern (ignored for "
                     "a partner's referral).")
    source_code = Code(table=AGENCY_SOURCES, component="AgencySource", blank=True,
                       help_text="Which kind of agency raised it, when raised_by is 'agency' (CIN census code).")
    raised_by_name = _text("The name and role of whoever raised it.", limit=200)
    text = _text("What the concern is.", needed=True)
    rag = Code(table=codes.RAG_RATINGS, component="Rag", blank=True, help_text="Red, amber or green, if rated now.")
    received_at = Moment(help_text="When it was received (now if left out); at most 30 days ago.")


class ContactAboutChildSerializer(NewContactSerializer):
    """A contact about a child joinedup knows (children's social care staff), named by id."""

    person = PersonId(required=True, help_text="The child's id in joinedup.")
    new_person = None


class ContactAboutNewChildSerializer(NewContactSerializer):
    """A contact about a child described by name (and date of birth, NHS number): a partner's referral always
    takes this shape, and joinedup finds the child by exact identifiers."""

    person = None
    new_person = NewPersonSerializer(required=True)


class ContactRatingSerializer(serializers.Serializer):
    """Rate an open contact red, amber or green: its RAG clock runs from when it was received."""

    rag = Code(table=codes.RAG_RATINGS, component="Rag", needed=True)
    revision = _revision("contact")


class ContactDecisionSerializer(serializers.Serializer):
    """The front door's decision. `assessment` or `strategy_discussion` makes the contact a referral: a case
    opens (or the child's open case continues)."""

    decision = Code(table=codes.CONTACT_DECISIONS, component="ContactDecision", needed=True)
    reason = _text("Why.")
    primary_need = Code(table=codes.PRIMARY_NEEDS, component="PrimaryNeed", blank=True,
                        help_text="The child's primary need (CIN census), when a case opens.")
    revision = _revision("contact")


# --- case steps --------------------------------------------------------------------------------------------

FIRST_CONFERENCE = {k: v for k, v in codes.CONFERENCE_OUTCOMES.items() if k in ("plan", "no_plan")}
REVIEW_OUTCOMES = {k: v for k, v in codes.CONFERENCE_OUTCOMES.items() if k.startswith("plan_")}
NEED_CATEGORIES = {k: v for k, v in codes.PRIMARY_NEEDS.items() if k not in ("N0", "N9")}
CHANGE_REASONS = {k: v for k, v in codes.REASONS_NEW_EPISODE.items() if k != "S"}
END_REASONS = {k: v for k, v in codes.REASONS_EPISODE_ENDED.items() if k != "X1"}
POSTCODE = r"^( *([A-Za-z0-9] *){5,7})?$"


class _StepSerializer(serializers.Serializer):
    revision = _revision("case")
    step_name = ""

    def get_fields(self):
        fields = super().get_fields()
        step = Code(table={self.step_name: ""}, component=f"Step{self.__class__.__name__.removesuffix('Step')}",
                    needed=True, help_text="Which step this is.")
        return {"step": step, **fields}


def _step(name: str, doc: str, **fields) -> type[_StepSerializer]:
    title = "".join(part.capitalize() for part in name.split("_")) + "Step"
    return type(title, (_StepSerializer,), {"__doc__": doc, "__module__": __name__, "step_name": name, **fields})


def _day(what: str) -> Day:
    return Day(needed=True, help_text=f"The date {what} (today or earlier, on or after the referral).")


def _code(table, component: str, help_text: str = "", *, needed: bool = True, blank: bool = False) -> Code:
    return Code(table=table, component=component, needed=needed, blank=blank, help_text=help_text)


def _episode(**first) -> dict:
    return {
        **first,
        "legal_status": _code(codes.LEGAL_STATUSES, "LegalStatus", "SSDA903 legal status."),
        "placement_type": _code(codes.PLACEMENT_TYPES, "PlacementType", "SSDA903 placement type."),
        "placement_provider": _code(codes.PLACEMENT_PROVIDERS, "PlacementProvider", "SSDA903 placement provider."),
        "placement_postcode": Text(allow_blank=True, max_length=10, help_text="A full postcode, like NB1 2AB.",
                                   validators=[Pattern(POSTCODE, "must be a full postcode, like NB1 2AB")]),
        "category_of_need": _code(NEED_CATEGORIES, "CategoryOfNeed", "CIN census category of need (N1–N8)."),
    }


STEP_SERIALIZERS: dict[str, type[_StepSerializer]] = {s.step_name: s for s in (
    _step("assessment_start", "Start an assessment.", started_on=_day("the assessment started")),
    _step("assessment_complete", "Authorise the open assessment.",
          authorised_on=_day("the assessment was authorised"),
          factors=Listing(child=Code(table=codes.ASSESSMENT_FACTORS, component="AssessmentFactor"),
                          max_length=len(codes.ASSESSMENT_FACTORS), needed=True,
                          help_text="Factors identified at assessment, or ['21'] (no factors identified)."),
          outcome=_code(codes.ASSESSMENT_OUTCOMES, "AssessmentOutcome"),
          primary_need=_code(codes.PRIMARY_NEEDS, "PrimaryNeed", "A changed primary need.", needed=False, blank=True)),
    _step("strategy_discussion", "Record a strategy discussion.",
          held_at=Moment(needed=True, help_text="When it was held."),
          attendees=lines(needed=True, help_text="Who took part, one entry each: 'agency: role'."),
          decision=_code(codes.STRATEGY_DECISIONS, "StrategyDecision"),
          text=_text("Notes.")),
    _step("section47_start", "Start a section 47 enquiry (after a strategy discussion that decided on one).",
          started_on=_day("the enquiry started")),
    _step("section47_complete", "Record the outcome of the open section 47 enquiry.",
          completed_on=_day("the enquiry finished"),
          outcome=_code(codes.SECTION47_OUTCOMES, "Section47Outcome"),
          conference_needed=Flag(needed=True, help_text="Whether an initial child protection conference is needed.")),
    _step("initial_conference", "Record the initial child protection conference; a plan starts when it decides "
          "on one.",
          held_on=_day("the conference was held"),
          outcome=_code(FIRST_CONFERENCE, "InitialConferenceOutcome"),
          category=_code(codes.CATEGORIES, "CategoryOfAbuse", "Required when the outcome is 'plan'.", needed=False,
                         blank=True)),
    _step("core_group", "Record a core group meeting (while a child protection plan is open).",
          held_on=_day("the core group met"), attendees=lines(help_text="Who took part."), text=_text("Notes.")),
    _step("review_conference", "Record a review conference: the plan continues (perhaps in a new category) or "
          "ends.",
          held_on=_day("the conference was held"),
          outcome=_code(REVIEW_OUTCOMES, "ReviewConferenceOutcome"),
          category=_code(codes.CATEGORIES, "CategoryOfAbuse", "Required when the plan continues.", needed=False,
                         blank=True)),
    _step("cin_plan_start", "Start a child in need plan.", started_on=_day("the plan started")),
    _step("cin_plan_end", "End the open child in need plan.", ended_on=_day("the plan ended")),
    _step("looked_after_start", "Start a looked-after episode.",
          **_episode(started_on=_day("the child started to be looked after"))),
    _step("looked_after_change", "A change of placement or legal status: the open episode ends and a new one "
          "starts.",
          **_episode(changed_on=_day("of the change"),
                     reason_new_episode=_code(CHANGE_REASONS, "ReasonNewEpisode", "What changed (SSDA903)."))),
    _step("looked_after_end", "End the open looked-after episode.",
          ended_on=_day("the child stopped being looked after"),
          reason_ended=_code(END_REASONS, "ReasonEpisodeEnded", "Why (SSDA903).")),
    _step("close", "Close the case (nothing may be open: plan, episode, assessment or enquiry).",
          closed_on=_day("the case closed"), reason=_code(codes.CLOSURE_REASONS, "ClosureReason")),
)}
